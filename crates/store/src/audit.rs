//! The audit log's hash chain. Each record's `hash` is SHA-256 over the previous record's
//! hash and the record's own fields, and ids run 1, 2, 3 without gaps; triggers refuse
//! UPDATE and DELETE. Someone with file or superuser access can still drop the triggers and
//! edit, remove or append records, but then the chain breaks at the first changed record,
//! and [`verify`] says where. On SQLite the last record acknowledged is also kept in the
//! commit sequence file beside the database, so removing records from the end is found too.

use crate::StoreError;
use crate::db::{Sql, vals};
use crate::model::Actor;
use sha2::{Digest, Sha256};

/// One record's fields, as hashed.
#[allow(clippy::too_many_arguments)]
fn record_hash(
    prev: &str,
    id: i64,
    at: &str,
    user_id: Option<i64>,
    username: Option<&str>,
    action: &str,
    target: Option<&str>,
    ip: Option<&str>,
    detail: Option<&str>,
) -> String {
    // JSON of a fixed tuple: unambiguous field boundaries whatever the text holds.
    let canonical = serde_json::to_string(&(prev, id, at, user_id, username, action, target, ip, detail))
        .expect("plain values serialise");
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The last record: its id and hash.
pub(crate) fn head(conn: &mut dyn Sql) -> Result<Option<(i64, String)>, StoreError> {
    match conn.query_opt("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &[])? {
        Some(r) => Ok(Some((r.int(0)?, r.opt_text(1)?.unwrap_or_default()))),
        None => Ok(None),
    }
}

/// One record waiting in the writer's transaction to be inserted: its fields, without its
/// place in the chain (id and hash), which it gets at [`flush`].
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    at: String,
    user_id: Option<i64>,
    username: Option<String>,
    action: String,
    target: String,
    ip: Option<String>,
    detail: Option<String>,
}

/// A record with its place in the chain.
struct Chained {
    id: i64,
    hash: String,
    record: Pending,
}

/// The writer connection's audit records of the open transaction, not yet inserted: they
/// are chained and inserted together just before COMMIT ([`flush`]), one statement for the
/// whole batch instead of one round trip per change, and only once the batch holds the
/// commit sequence row: on PostgreSQL another server's batch may have extended the chain
/// while this one ran its writes.
#[derive(Debug, Default)]
pub(crate) struct Buffer {
    pending: Vec<Pending>,
}

impl Buffer {
    /// How many records are pending: a mark to go back to with [`Buffer::truncate`].
    pub(crate) fn mark(&self) -> usize {
        self.pending.len()
    }

    /// Forget the records after `mark` (their change was undone).
    pub(crate) fn truncate(&mut self, mark: usize) {
        self.pending.truncate(mark);
    }
}

/// Append a record in the caller's transaction. On the writer's connection the record
/// waits in its [`Buffer`] until [`flush`]; elsewhere it is chained and inserted at once
/// (the caller holds the commit sequence row, so the chain cannot grow underneath).
pub(crate) fn append(
    conn: &mut dyn Sql,
    by: &Actor,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    let (user_id, username) = by.user.as_ref().map(|u| (u.id, u.username.clone())).unzip();
    let record = Pending {
        at: crate::store::now(),
        user_id,
        username,
        action: action.to_string(),
        target: target.to_string(),
        ip: by.ip.clone(),
        detail: detail.map(str::to_string),
    };
    match conn.audit_buffer() {
        Some(buffer) => {
            buffer.pending.push(record);
            Ok(())
        }
        None => chain_and_insert(conn, vec![record]),
    }
}

/// Chain and insert the pending records of the writer's transaction (before its COMMIT,
/// with the commit sequence row taken).
pub(crate) fn flush(conn: &mut dyn Sql) -> Result<(), StoreError> {
    let pending = match conn.audit_buffer() {
        Some(b) if !b.pending.is_empty() => std::mem::take(&mut b.pending),
        _ => return Ok(()),
    };
    chain_and_insert(conn, pending)
}

/// Give `records` the next ids and hashes after the chain's last record, and insert them.
fn chain_and_insert(conn: &mut dyn Sql, records: Vec<Pending>) -> Result<(), StoreError> {
    let (mut id, mut prev) = head(conn)?.unwrap_or((0, String::new()));
    let chained: Vec<Chained> = records
        .into_iter()
        .map(|r| {
            id += 1;
            let hash = record_hash(
                &prev,
                id,
                &r.at,
                r.user_id,
                r.username.as_deref(),
                &r.action,
                Some(&r.target),
                r.ip.as_deref(),
                r.detail.as_deref(),
            );
            prev = hash.clone();
            Chained { id, hash, record: r }
        })
        .collect();
    // 9 parameters a record: 100 records a statement stay far under both engines' limits.
    for chunk in chained.chunks(100) {
        insert(conn, chunk)?;
    }
    Ok(())
}

fn insert(conn: &mut dyn Sql, records: &[Chained]) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(records.len());
    let mut params = Vec::with_capacity(records.len() * 9);
    for Chained { id, hash, record: r } in records {
        let n = params.len();
        let numbers: Vec<String> = (n + 1..=n + 9).map(|k| format!("?{k}")).collect();
        rows.push(format!("({})", numbers.join(", ")));
        params.extend_from_slice(vals![
            *id,
            &r.at,
            r.user_id,
            &r.username,
            &r.action,
            &r.target,
            &r.ip,
            &r.detail,
            hash
        ]);
    }
    conn.exec(
        &format!(
            "INSERT INTO audit (id, at, user_id, username, action, target, ip, detail, hash) VALUES {}",
            rows.join(", ")
        ),
        &params,
    )?;
    Ok(())
}

type Fields = (i64, String, Option<i64>, Option<String>, String, Option<String>, Option<String>, Option<String>);

fn fields(r: &crate::db::Row) -> Result<Fields, StoreError> {
    Ok((
        r.int(0)?,
        r.text(1)?,
        r.opt_int(2)?,
        r.opt_text(3)?,
        r.text(4)?,
        r.opt_text(5)?,
        r.opt_text(6)?,
        r.opt_text(7)?,
    ))
}

fn hash_of(prev: &str, f: &Fields) -> String {
    record_hash(prev, f.0, &f.1, f.2, f.3.as_deref(), &f.4, f.5.as_deref(), f.6.as_deref(), f.7.as_deref())
}

const SELECT: &str = "SELECT id, at, user_id, username, action, target, ip, detail, hash FROM audit";

/// Hash the records of a database made before the chain existed (migration 2).
pub(crate) fn chain_unhashed(conn: &mut dyn Sql) -> Result<(), StoreError> {
    let rows = conn.query(&format!("{SELECT} ORDER BY id"), &[])?;
    let mut prev = String::new();
    for r in rows {
        let f = fields(&r)?;
        let hash = hash_of(&prev, &f);
        conn.exec("UPDATE audit SET hash = ?1 WHERE id = ?2", vals![hash.clone(), f.0])?;
        prev = hash;
    }
    Ok(())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub records: u64,
    /// The last record: id and hash.
    pub head: Option<(i64, String)>,
    /// The first record that does not follow from the ones before it, and why.
    pub broken: Option<(i64, String)>,
}

/// Walk the chain from the first record.
pub(crate) fn verify(conn: &mut dyn Sql) -> Result<Verified, StoreError> {
    let rows = conn.query(&format!("{SELECT} ORDER BY id"), &[])?;
    let mut prev = String::new();
    let mut expected_id = 1;
    let mut out = Verified { records: 0, head: None, broken: None };
    for r in rows {
        let f = fields(&r)?;
        let stored = r.opt_text(8)?.unwrap_or_default();
        out.records += 1;
        if out.broken.is_none() {
            if f.0 != expected_id {
                out.broken = Some((f.0, format!("record {expected_id} is missing (the next is {})", f.0)));
            } else if hash_of(&prev, &f) != stored {
                out.broken = Some((f.0, "its content or the record before it was changed".into()));
            }
        }
        expected_id = f.0 + 1;
        prev = stored.clone();
        out.head = Some((f.0, stored));
    }
    Ok(out)
}
