//! The search and duplicate index: blocking keys computed from a household's name, phone,
//! document and birth year, stored one row per key in `household_keys` (primary key
//! `(key, household_id)`), so that finding the candidates for a name is a handful of index
//! seeks whatever the size of the settlement, never a scan.
//!
//! The keys (prefixed by their kind) are computed by the caller's thread, outside the
//! writer, which only inserts them:
//!
//! * `n:` the name's coarse spelling key ([`evac_names::translit::coarse_key`]) with its
//!   words sorted: Коваленко Олена, Kovalenko Olena and Olena Kovalenko meet;
//! * `w:` each word: a surname alone finds its households (and a prefix of it, by a range
//!   scan, while typing);
//! * `x:` each word with the first two letters of each other word: one typo in one word
//!   still meets on the other (Kovalenko Olna ~ Kovalenko Olena via `kovalenko|ol`);
//! * `p:` the phone key, `d:` the document number (look-alike letters folded), `b:` birth
//!   year with each word.
//!
//! Candidates are then ranked by a word-set similarity of the coarse keys plus bonuses for
//! the same phone, document or birth year; at most a few are returned.

use crate::StoreError;
use crate::db::{Row, Sql, Value, vals};

/// The most rows read per key when searching: a very common key (a surname half the town
/// shares) adds this many candidates at most, so a lookup costs the same in a town of any
/// size.
pub(crate) const PER_KEY: i64 = 64;
/// The same when looking for duplicates of a registration (in the hot path: a dozen keys).
pub(crate) const PER_KEY_DUPLICATES: i64 = 12;
/// Most results returned (search and duplicate hints).
pub const MAX_RESULTS: usize = 5;
/// The word similarity (Jaro-Winkler) from which two words are taken for the same name:
/// a name is similar to another when every word of the shorter one is (Olna ~ Olena, but
/// not Olha ~ Olena or Oleh ~ Olena).
pub(crate) const SIMILAR: f64 = 0.9;

/// The coarse words of a name (at most four, each of two letters or more).
pub(crate) fn words(name: &str) -> Vec<String> {
    let key = evac_names::translit::coarse_key(name);
    let mut out: Vec<String> = Vec::new();
    for w in key.split(' ').filter(|w| w.chars().count() >= 2) {
        if !out.iter().any(|o| o == w) && out.len() < 4 {
            out.push(w.to_string());
        }
    }
    out
}

fn prefix(w: &str, n: usize) -> String {
    w.chars().take(n).collect()
}

/// A document number as compared: letters and digits only, upper case, Cyrillic letters
/// that look like Latin ones folded (КВ123456 = KB123456); none if under four characters.
pub fn document_key(doc: &str) -> Option<String> {
    let key: String = doc
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .map(|c| match c {
            'А' => 'A',
            'В' => 'B',
            'Е' | 'Є' => 'E',
            'К' => 'K',
            'М' => 'M',
            'Н' => 'H',
            'О' => 'O',
            'Р' => 'P',
            'С' => 'C',
            'Т' => 'T',
            'Х' => 'X',
            'І' | 'Ї' => 'I',
            'У' => 'Y',
            other => other,
        })
        .collect();
    (key.chars().count() >= 4).then_some(key)
}

/// What the index holds about one household.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Identity {
    pub words: Vec<String>,
    pub phone_key: Option<String>,
    pub document_key: Option<String>,
    pub birth_year: Option<i64>,
}

impl Identity {
    pub fn new(name: &str, phone: Option<&str>, document: Option<&str>, birth_year: Option<i64>) -> Identity {
        Identity {
            words: words(name),
            phone_key: phone.and_then(crate::store::phone_key),
            document_key: document.and_then(document_key),
            birth_year,
        }
    }

    /// The name key stored in `households.name_key` (sorted words).
    pub fn name_key(&self) -> String {
        let mut w = self.words.clone();
        w.sort();
        w.join(" ")
    }

    /// Every key of the household, for `household_keys`.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if !self.words.is_empty() {
            keys.push(format!("n:{}", self.name_key()));
        }
        for (i, w) in self.words.iter().enumerate() {
            keys.push(format!("w:{w}"));
            for (j, other) in self.words.iter().enumerate() {
                if i != j {
                    keys.push(format!("x:{w}|{}", prefix(other, 2)));
                }
            }
            if let Some(y) = self.birth_year {
                keys.push(format!("b:{y}|{w}"));
            }
        }
        keys.extend(self.phone_key.as_ref().map(|p| format!("p:{p}")));
        keys.extend(self.document_key.as_ref().map(|d| format!("d:{d}")));
        keys.sort();
        keys.dedup();
        keys
    }

    /// The keys a registration looks its duplicates up by (not the single words: a
    /// surname alone is not a duplicate).
    fn duplicate_keys(&self) -> Vec<String> {
        self.keys().into_iter().filter(|k| !k.starts_with("w:")).collect()
    }
}

/// Similarity of two word sets in [0, 1]: the worst of the shorter name's words' best
/// Jaro-Winkler match in the longer name (word order does not matter; a missing
/// patronymic does not count, a different given name does).
fn name_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() || (a.len() == 1) != (b.len() == 1) {
        return 0.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.iter().map(|w| long.iter().map(|v| strsim::jaro_winkler(w, v)).fold(0.0, f64::max)).fold(1.0, f64::min)
}

/// How well a typed query matches a name: each query word's best match, where a word the
/// name's word starts with counts fully (type-ahead), averaged over the query's words.
fn query_similarity(query: &[String], name: &[String]) -> f64 {
    if query.is_empty() || name.is_empty() {
        return 0.0;
    }
    query
        .iter()
        .map(|q| {
            name.iter()
                .map(|w| if w.starts_with(q.as_str()) { 1.0 } else { strsim::jaro_winkler(q, w) })
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / query.len() as f64
}

/// One candidate as read from the index.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub id: i64,
    pub row: Row,
    pub words: Vec<String>,
    pub phone_key: Option<String>,
    pub document_key: Option<String>,
    pub birth_year: Option<i64>,
    pub settlement_id: String,
}

/// Read the candidates of `keys` (exact) and `prefixes` (range scans), each at most
/// [`PER_KEY`], without repeats, in one statement (one round trip on PostgreSQL). The
/// statement is made from the number of keys only; every value is a parameter.
pub(crate) fn candidates(
    c: &mut dyn Sql,
    columns: &str,
    keys: &[String],
    prefixes: &[String],
    settlement: Option<&str>,
    per_key: i64,
) -> Result<Vec<Candidate>, StoreError> {
    if keys.is_empty() && prefixes.is_empty() {
        return Ok(Vec::new());
    }
    let mut params: Vec<Value> = Vec::new();
    params.push(Value::Int(per_key));
    params.extend(settlement.map(Value::from));
    let (join, place) = if settlement.is_some() {
        ("JOIN households p ON p.id = k.household_id", " AND p.settlement_id = ?2")
    } else {
        ("", "")
    };
    let mut arms = Vec::new();
    for k in keys {
        params.push(Value::from(k));
        arms.push(format!(
            "SELECT household_id FROM (SELECT k.household_id FROM household_keys k {join} WHERE k.key = ?{}{place} LIMIT ?1) a{}",
            params.len(),
            arms.len()
        ));
    }
    for p in prefixes {
        // Every key starting with `p` (keys are compared bytewise: COLLATE "C" on PostgreSQL).
        params.push(Value::from(p));
        params.push(Value::Text(format!("{p}\u{10FFFF}")));
        arms.push(format!(
            "SELECT household_id FROM (SELECT k.household_id FROM household_keys k {join} WHERE k.key >= ?{} AND k.key < ?{}{place} LIMIT ?1) a{}",
            params.len() - 1,
            params.len(),
            arms.len()
        ));
    }
    let sql = format!(
        "SELECT {columns}, h.name_key, h.phone_key, h.document_key, h.birth_year FROM households h
         WHERE h.id IN ({}) AND h.merged_into IS NULL",
        arms.join(" UNION ")
    );
    let ncols = columns.split(',').count();
    c.query(&sql, &params)?
        .into_iter()
        .map(|r| {
            let name_key = r.text(ncols)?;
            Ok(Candidate {
                id: r.int(0)?,
                words: name_key.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect(),
                phone_key: r.opt_text(ncols + 1)?,
                document_key: r.opt_text(ncols + 2)?,
                birth_year: r.opt_int(ncols + 3)?,
                settlement_id: r.text(1)?,
                row: Row(r.0[..ncols].to_vec()),
            })
        })
        .collect()
}

/// The columns a duplicate hint needs (id, settlement, name), in the order of the
/// household columns: a registration reads up to a hundred candidates, so it reads no more
/// of each than that.
pub(crate) const DUPLICATE_COLUMNS: &str = "id, settlement_id, head_name";

/// Likely duplicates of a household about to be registered in `settlement`: same phone or
/// document anywhere, or a similar name in the same settlement; best first, at most
/// [`MAX_RESULTS`]. Each candidate's row holds [`DUPLICATE_COLUMNS`].
pub(crate) fn duplicates(
    c: &mut dyn Sql,
    me: &Identity,
    settlement: &str,
) -> Result<Vec<(Candidate, f64, &'static str)>, StoreError> {
    let found = candidates(c, DUPLICATE_COLUMNS, &me.duplicate_keys(), &[], None, PER_KEY_DUPLICATES)?;
    let mut hits = Vec::new();
    for cand in found {
        let same_phone = me.phone_key.is_some() && cand.phone_key == me.phone_key;
        let same_doc = me.document_key.is_some() && cand.document_key == me.document_key;
        let sim = name_similarity(&me.words, &cand.words);
        let similar = sim >= SIMILAR && cand.settlement_id == settlement;
        let reason = match (same_doc, same_phone, similar) {
            (true, _, _) => "same document",
            (false, true, true) => "same phone and similar name",
            (false, true, false) => "same phone",
            (false, false, true) => "similar name",
            (false, false, false) => continue,
        };
        let mut score = sim * sim;
        if same_doc {
            score += 2.0;
        }
        if same_phone {
            score += 1.0;
        }
        if me.birth_year.is_some() && cand.birth_year == me.birth_year {
            score += 0.2;
        }
        hits.push((cand, score, reason));
    }
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    hits.truncate(MAX_RESULTS);
    Ok(hits)
}

/// Households matching a typed query (name in any spelling, phone, document), best first:
/// at most [`MAX_RESULTS`], and how many candidates were considered.
pub(crate) fn search(
    c: &mut dyn Sql,
    columns: &str,
    q: &str,
    settlement: Option<&str>,
) -> Result<(Vec<Candidate>, usize), StoreError> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone = crate::store::phone_key(q).filter(|_| digits.len() * 2 >= q.trim().len());
    let doc = document_key(q).filter(|d| d.chars().any(|c| c.is_ascii_digit()));
    let words = words(q);
    let mut keys = Vec::new();
    keys.extend(phone.as_ref().map(|p| format!("p:{p}")));
    keys.extend(doc.as_ref().map(|d| format!("d:{d}")));
    let mut prefixes = Vec::new();
    if !words.is_empty() && phone.is_none() {
        let me = Identity { words: words.clone(), ..Default::default() };
        keys.push(format!("n:{}", me.name_key()));
        keys.extend(me.keys().into_iter().filter(|k| k.starts_with("x:")));
        keys.extend(words.iter().map(|w| format!("w:{w}")));
        // The last word may be half typed.
        prefixes.push(format!("w:{}", words.last().expect("not empty")));
    }
    let found = candidates(c, columns, &keys, &prefixes, settlement, PER_KEY)?;
    let total = found.len();
    let mut scored: Vec<(Candidate, f64)> = found
        .into_iter()
        .filter_map(|cand| {
            let mut score = query_similarity(&words, &cand.words);
            if phone.is_some() && cand.phone_key == phone {
                score += 2.0;
            }
            if doc.is_some() && cand.document_key == doc {
                score += 2.0;
            }
            (score >= 0.75).then_some((cand, score))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    scored.truncate(MAX_RESULTS);
    Ok((scored.into_iter().map(|(c, _)| c).collect(), total))
}

/// Insert the keys of household `id` (in the writer's transaction), in one statement.
pub(crate) fn insert_keys(tx: &mut dyn Sql, id: i64, keys: &[String]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..keys.len()).map(|i| format!("(?{}, ?1)", i + 2)).collect();
    let mut params = vec![Value::Int(id)];
    params.extend(keys.iter().map(Value::from));
    tx.exec(
        &format!("INSERT INTO household_keys (key, household_id) VALUES {} ON CONFLICT DO NOTHING", rows.join(", ")),
        &params,
    )?;
    Ok(())
}

/// Fill the index and the new key columns for households registered before it existed
/// (the migration that adds it).
pub(crate) fn fill_index(c: &mut dyn Sql) -> Result<(), StoreError> {
    for r in c.query("SELECT id, head_name, phone FROM households", &[])? {
        let id = r.int(0)?;
        let me = Identity::new(&r.text(1)?, r.opt_text(2)?.as_deref(), None, None);
        c.exec("UPDATE households SET name_key = ?1 WHERE id = ?2", vals![me.name_key(), id])?;
        insert_keys(c, id, &me.keys())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_share_the_name_key() {
        let a = Identity::new("Коваленко Олена", None, None, None);
        let b = Identity::new("Olena Kovalenko", None, None, None);
        assert_eq!(a.name_key(), b.name_key());
        assert!(a.keys().contains(&"x:kovalenko|ol".to_string()), "{:?}", a.keys());
        let typo = Identity::new("Kovalenko Olna", None, None, None);
        assert!(typo.keys().iter().any(|k| a.keys().contains(k) && k.starts_with("x:")));
        assert!(name_similarity(&a.words, &typo.words) >= SIMILAR);
        assert!(name_similarity(&a.words, &Identity::new("Шевченко Тарас", None, None, None).words) < SIMILAR);
    }

    #[test]
    fn documents_fold_look_alike_letters() {
        assert_eq!(document_key("КВ 123456"), document_key("kb123456"));
        assert_eq!(document_key("12"), None);
    }

    #[test]
    fn a_query_prefix_matches_fully() {
        assert_eq!(query_similarity(&words("Kovalen"), &words("Коваленко Олена")), 1.0);
    }
}
