//! Fuzzy settlement search across scripts and transliteration systems.

use crate::translit::{coarse_key, ukrainian_to_latin};

/// One result of a name search.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    /// Index of the record in the slice the index was built from.
    pub index: usize,
    /// The spelling that matched best.
    pub matched: String,
    /// 1.0 for an exact key match, lower for partial and fuzzy matches.
    pub score: f64,
}

/// Search index over the spellings of many records.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// (record index, original spelling, coarse key)
    keys: Vec<(usize, String, String)>,
}

/// Below this similarity a fuzzy candidate is not reported.
const MIN_SCORE: f64 = 0.78;

impl NameIndex {
    /// Build from each record's spellings (any script).
    pub fn new<'a, I, S>(records: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: IntoIterator<Item = &'a str>,
    {
        let mut keys = Vec::new();
        for (index, spellings) in records.into_iter().enumerate() {
            let mut seen = std::collections::HashSet::new();
            for spelling in spellings {
                let spelling = spelling.trim();
                if spelling.is_empty() {
                    continue;
                }
                let mut variants = vec![spelling.to_string()];
                if crate::translit::is_cyrillic(spelling) {
                    variants.push(ukrainian_to_latin(spelling));
                }
                for v in variants {
                    let key = coarse_key(&v);
                    if !key.is_empty() && seen.insert(key.clone()) {
                        keys.push((index, v, key));
                    }
                }
            }
        }
        Self { keys }
    }

    /// Records matching `query`, best first (at most `limit`).
    pub fn search(&self, query: &str, limit: usize) -> Vec<NameMatch> {
        let q = coarse_key(query);
        if q.is_empty() {
            return Vec::new();
        }
        let mut best: std::collections::HashMap<usize, NameMatch> = std::collections::HashMap::new();
        for (index, spelling, key) in &self.keys {
            let score = similarity(&q, key);
            if score < MIN_SCORE {
                continue;
            }
            let entry =
                best.entry(*index).or_insert_with(|| NameMatch { index: *index, matched: spelling.clone(), score });
            if score > entry.score {
                entry.score = score;
                entry.matched = spelling.clone();
            }
        }
        let mut out: Vec<NameMatch> = best.into_values().collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        out.truncate(limit);
        out
    }
}

/// Similarity of two coarse keys in 0..=1.
fn similarity(query: &str, key: &str) -> f64 {
    if query == key {
        return 1.0;
    }
    if key.starts_with(query) && query.len() >= 3 {
        return 0.95 - 0.05 * (1.0 - query.len() as f64 / key.len() as f64);
    }
    // A whole word of a multi-word name ("burluk" in "velikii burluk").
    if query.len() >= 4 && key.split(' ').any(|w| w == query) {
        return 0.9;
    }
    let whole = strsim::normalized_damerau_levenshtein(query, key);
    // Allow a fuzzy match of the query against the start of a longer name.
    let head: String = key.chars().take(query.chars().count()).collect();
    let prefix = strsim::normalized_damerau_levenshtein(query, &head) * 0.9;
    whole.max(if query.len() >= 5 { prefix } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> NameIndex {
        NameIndex::new(vec![
            vec!["Kupiansk", "Куп’янськ", "Купянск"],
            vec!["Kupiansk-Vuzlovyi", "Куп’янськ-Вузловий", "Купянск-Узловой"],
            vec!["Velykyi Burluk", "Великий Бурлук"],
            vec!["Kivsharivka", "Ківшарівка", "Ковшаровка"],
        ])
    }

    #[test]
    fn finds_every_common_spelling() {
        let idx = index();
        for (q, want) in [
            ("Kupiansk", 0),
            ("Kupyansk", 0),
            ("Kupjansk", 0),
            ("kup'jans'k", 0),
            ("Куп'янськ", 0),
            ("купянск", 0),
            ("Kupiansk-Vuzlovyi", 1),
            ("Kupyansk-Uzlovoy", 1),
            ("Kupjansk-Uzlovoj", 1),
            ("Kupiansk Vuzlovyi", 1),
            ("Velikiy Burluk", 2),
            ("burluk", 2),
            ("Kovsharovka", 3),
        ] {
            let hits = idx.search(q, 3);
            assert!(!hits.is_empty(), "{q}: nothing found");
            assert_eq!(hits[0].index, want, "{q}: {hits:?}");
        }
    }

    #[test]
    fn nonsense_finds_nothing() {
        assert!(index().search("Zaporizhzhia", 5).is_empty());
        assert!(index().search("'", 5).is_empty());
    }
}
