//! The SQLite engine: one file in WAL mode with `synchronous = FULL`, created readable by
//! its owner only; an exclusive lock file so that one server at a time serves it; a quick
//! integrity check at start; the commit sequence file (`<db>.seq`) that detects a database
//! older than its last acknowledged write; online backup and restore.

use crate::StoreError;
use crate::db::{Engine, Row, Sql, Value, WriteConn};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Value::Int(v) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*v)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn value_of(v: ValueRef<'_>) -> Result<Value, StoreError> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Real(r) => Value::Int(r as i64),
        ValueRef::Blob(_) => return Err(StoreError::Failed("unexpected blob in the database".into())),
    })
}

/// A SQLite connection; the writer's also keeps the commit sequence file up to date.
pub(crate) struct SqliteConn {
    conn: Connection,
    seq_file: Option<File>,
    audit: crate::audit::Buffer,
}

impl Sql for SqliteConn {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut st = self.conn.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.conn.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(value_of(r.get_ref(i)?)?);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn audit_buffer(&mut self) -> Option<&mut crate::audit::Buffer> {
        Some(&mut self.audit)
    }
}

impl WriteConn for SqliteConn {
    fn begin_batch(&mut self) -> Result<(), StoreError> {
        // IMMEDIATE: take the write lock now, so that a batch never fails half-way for a
        // lock another process (`evac user add` beside the server) holds.
        self.batch("BEGIN IMMEDIATE")
    }

    fn committed(&mut self, seq: i64) {
        if self.seq_file.is_none() {
            return;
        }
        let audit_head = crate::audit::head(self).ok().flatten();
        if let Some(f) = &self.seq_file {
            // One positioned write of a fixed-length record: a reader sees the old record or
            // the new one. Not fsynced: after a power cut it may lag the database, which only
            // weakens the check, never makes it refuse a sound database.
            let _ = f.write_all_at(SeqRecord { seq, audit_head }.encode().as_bytes(), 0);
        }
    }
}

/// What the commit sequence file says: the last commit acknowledged and the audit record
/// it ended with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeqRecord {
    pub seq: i64,
    pub audit_head: Option<(i64, String)>,
}

const SEQ_RECORD_LEN: usize = 128;

impl SeqRecord {
    fn encode(&self) -> String {
        let (id, hash) = self.audit_head.clone().unwrap_or((0, "-".into()));
        let mut line = format!("evac-seq {} {} {}", self.seq, id, hash);
        while line.len() < SEQ_RECORD_LEN - 1 {
            line.push(' ');
        }
        line.push('\n');
        line
    }

    fn decode(text: &str) -> Option<SeqRecord> {
        let mut parts = text.split_whitespace();
        if parts.next()? != "evac-seq" {
            return None;
        }
        let seq = parts.next()?.parse().ok()?;
        let id: i64 = parts.next()?.parse().ok()?;
        let hash = parts.next()?.to_string();
        Some(SeqRecord { seq, audit_head: (id > 0).then_some((id, hash)) })
    }

    /// The record beside `db`, if there is one.
    pub(crate) fn read(db: &Path) -> Result<Option<SeqRecord>, StoreError> {
        match std::fs::read_to_string(seq_path(db)) {
            Ok(text) => SeqRecord::decode(&text).map(Some).ok_or_else(|| {
                StoreError::Refused(format!("{} is not a commit sequence file", seq_path(db).display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Unavailable(format!("cannot read {}: {e}", seq_path(db).display()))),
        }
    }

    fn write(&self, db: &Path) -> Result<(), StoreError> {
        let f = private_file(&seq_path(db))?;
        f.set_len(0)
            .and_then(|_| f.write_all_at(self.encode().as_bytes(), 0))
            .and_then(|_| f.sync_all())
            .map_err(|e| StoreError::Unavailable(format!("cannot write {}: {e}", seq_path(db).display())))
    }
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

pub(crate) fn seq_path(db: &Path) -> PathBuf {
    sibling(db, ".seq")
}

fn lock_path(db: &Path) -> PathBuf {
    sibling(db, ".lock")
}

/// Open (creating) a file readable and writable by its owner only.
fn private_file(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))
}

/// Personal data lives in these files: owner only, even if they were made wider before.
fn restrict(db: &Path) {
    for p in [db.to_path_buf(), sibling(db, "-wal"), sibling(db, "-shm"), seq_path(db)] {
        if let Ok(meta) = std::fs::metadata(&p)
            && meta.permissions().mode() & 0o077 != 0
        {
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
        }
    }
}

/// A connection with the store's settings.
pub(crate) fn connect(path: &Path, read_only: bool) -> Result<SqliteConn, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The search index's statements vary with the number of keys (a few dozen shapes):
    // room for all of them beside the usual ones, so none is prepared again per request.
    conn.set_prepared_statement_cache_capacity(256);
    // Query planner stability: without it this SQLite (built with STAT4) marks a statement
    // whose `LIMIT ?` or indexed comparison takes a parameter for re-preparing on every new
    // binding, so the cache above would not help: the duplicate lookup of each registration
    // was parsed again each time (28% of the server's CPU under load). The plans do not
    // depend on the values here.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    if read_only {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(SqliteConn { conn, seq_file: None, audit: Default::default() })
}

/// The exclusive lock of a served database: held for the life of the process (the OS drops
/// it when the process ends, however it ends).
pub(crate) fn lock(db: &Path) -> Result<File, StoreError> {
    let path = lock_path(db);
    let f = private_file(&path)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Refused(format!(
            "another evac server is already serving {} (it holds {}): stop it first; several servers on one \
             operation need PostgreSQL (--db postgres://...)",
            db.display(),
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(StoreError::Unavailable(format!("cannot lock {}: {e}", path.display())))
        }
    }
}

/// Open the writer's connection: create the file owner-only, check it, migrate it, and
/// compare its commit sequence with the last acknowledged one.
pub(crate) fn open_writer(db: &Path) -> Result<SqliteConn, StoreError> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
    }
    let seen = SeqRecord::read(db)?;
    let exists = db.exists();
    if !exists && let Some(s) = seen.as_ref().filter(|s| s.seq > 0) {
        return Err(StoreError::Refused(format!(
            "{} is missing, but {} records {} acknowledged commits to it: restore the latest backup \
             (evac restore BACKUP {}) instead of starting an empty operation",
            db.display(),
            seq_path(db).display(),
            s.seq,
            db.display()
        )));
    }
    if !exists {
        private_file(db)?;
    }
    restrict(db);
    let mut conn = connect(db, false).map_err(|e| match e {
        StoreError::Database(m) if m.contains("not a database") => StoreError::Refused(format!(
            "{} is not an evac database or is damaged ({m}): restore a backup (evac restore)",
            db.display()
        )),
        other => other,
    })?;
    let check: Vec<String> = conn
        .query("PRAGMA quick_check", &[])
        .map_err(|e| StoreError::Refused(format!("{} cannot be checked ({e}): restore a backup", db.display())))?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?;
    if check != ["ok"] {
        return Err(StoreError::Refused(format!(
            "{} failed its integrity check ({}): restore a backup (evac restore)",
            db.display(),
            check.join("; ")
        )));
    }
    crate::migrations::migrate(&mut conn)?;
    let have: i64 = conn.query_one("SELECT seq FROM commit_seq", &[])?.int(0)?;
    if let Some(s) = &seen
        && s.seq > have
    {
        return Err(StoreError::Refused(format!(
            "{} is older than its last acknowledged write: it holds commit {have}, but commit {} was acknowledged \
             ({} records it). Its -wal file was lost or an older copy was put in its place, and registrations made \
             since are missing. Restore the latest backup (evac restore BACKUP {}); only if those writes are known \
             to be lost for good, delete {} to start from what the file holds.",
            db.display(),
            s.seq,
            seq_path(db).display(),
            db.display(),
            seq_path(db).display()
        )));
    }
    conn.seq_file = Some(private_file(&seq_path(db))?);
    conn.committed(have);
    Ok(conn)
}

/// What `evac backup` did.
#[derive(Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub seq: i64,
    pub bytes: u64,
}

/// A consistent copy of `db` into `file` while it is being served, with SQLite's online
/// backup API (pages copied in steps; a write during the copy restarts it, so the copy is
/// one committed state). Written beside `file` and renamed into place, owner-only.
pub fn backup_sqlite(db: &Path, file: &Path) -> Result<BackupReport, StoreError> {
    if !db.exists() {
        return Err(StoreError::NotFound(format!("no database {}", db.display())));
    }
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.busy_timeout(std::time::Duration::from_secs(10))?;
    let tmp = sibling(file, ".partial");
    let _ = std::fs::remove_file(&tmp);
    private_file(&tmp)?;
    {
        let mut dst = Connection::open(&tmp)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    }
    let dst = Connection::open(&tmp)?;
    let check: String = dst.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::Failed(format!("the copy failed its check: {check}")));
    }
    // A backup is a single file: no WAL beside it.
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    let seq: i64 = dst.query_row("SELECT seq FROM commit_seq", [], |r| r.get(0))?;
    drop(dst);
    File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    std::fs::rename(&tmp, file)
        .map_err(|e| StoreError::Unavailable(format!("cannot write {}: {e}", file.display())))?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { file: file.to_path_buf(), seq, bytes })
}

/// What `evac restore` did: the commit restored, and the last one acknowledged before
/// (the commits between are the ones lost).
#[derive(Debug)]
pub struct RestoreReport {
    pub seq: i64,
    pub previous_seq: Option<i64>,
}

/// Put a backup in place of `db` (refused while a server holds it): checked first, the old
/// `-wal` and `-shm` removed (they belong to the old file and must never be applied to the
/// restored one), the commit sequence file set to the backup's.
pub fn restore_sqlite(backup: &Path, db: &Path) -> Result<RestoreReport, StoreError> {
    let _lock = lock(db)?;
    let src = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = src
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| StoreError::Refused(format!("{} is not a usable backup: {e}", backup.display())))?;
    if check != "ok" {
        return Err(StoreError::Refused(format!("{} failed its integrity check: {check}", backup.display())));
    }
    let seq: i64 = src
        .query_row("SELECT seq FROM commit_seq", [], |r| r.get(0))
        .map_err(|e| StoreError::Refused(format!("{} is not an evac backup: {e}", backup.display())))?;
    drop(src);
    let previous_seq = SeqRecord::read(db).ok().flatten().map(|s| s.seq);
    let tmp = sibling(db, ".restoring");
    std::fs::copy(backup, &tmp)
        .and_then(|_| std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)))
        .and_then(|_| File::open(&tmp)?.sync_all())
        .map_err(|e| StoreError::Unavailable(format!("cannot copy {}: {e}", backup.display())))?;
    for stale in [sibling(db, "-wal"), sibling(db, "-shm")] {
        match std::fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(StoreError::Unavailable(format!("cannot remove {}: {e}", stale.display())));
            }
            _ => {}
        }
    }
    std::fs::rename(&tmp, db).map_err(|e| StoreError::Unavailable(format!("cannot replace {}: {e}", db.display())))?;
    let mut conn = connect(db, false)?;
    let head = crate::audit::head(&mut conn)?;
    SeqRecord { seq, audit_head: head }.write(db)?;
    Ok(RestoreReport { seq, previous_seq })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_record_has_a_fixed_length_and_reads_back() {
        let r = SeqRecord { seq: 42, audit_head: Some((7, "ab".repeat(32))) };
        assert_eq!(r.encode().len(), SEQ_RECORD_LEN);
        assert_eq!(SeqRecord::decode(&r.encode()), Some(r));
        let none = SeqRecord { seq: 0, audit_head: None };
        assert_eq!(SeqRecord::decode(&none.encode()), Some(none));
        assert_eq!(SeqRecord::decode("garbage"), None);
    }
}
