//! Persistence for the operations application: SQLite (one file, embedded, the default) or
//! PostgreSQL (one database shared by several servers), behind one set of typed operations.
//!
//! * **Writes** go to one writer thread per process that commits them in groups: it takes
//!   every write waiting (up to 256), runs each in its own savepoint, commits once, and only
//!   then answers each caller with its own typed result. An acknowledged write is therefore
//!   on disk, and one fsync serves many writes (group commit).
//! * **Every change commits with its audit record**: the only write path inserts the audit
//!   row in the change's own savepoint. Reads of personal data are recorded before they
//!   are returned. The audit table is append-only (triggers) and hash-chained
//!   ([`audit`]), so an edit made around the triggers is found by `evac audit verify`.
//! * **Every batch takes the next commit sequence number** in the same transaction. SQLite
//!   keeps the last acknowledged one in a small file beside the database
//!   (`<db>.seq`), so a database older than what was acknowledged (a lost `-wal` file, an
//!   old copy put back) is refused at start instead of silently serving old data. On
//!   PostgreSQL the row holding the number is what serialises the servers' batches (from
//!   their start, or only for the audit chain and the commit when every write in the batch
//!   is right whatever commits beside it).
//! * **Reads** use a small bounded pool of connections.
//! * Every statement is prepared with parameters; no SQL is built from input.

pub mod audit;
mod db;
pub mod guard;
mod migrations;
mod model;
pub mod names;
mod pg;
pub mod search;
mod sqlite;
mod store;
mod writer;

pub use db::Engine;
pub use model::*;
pub use sqlite::{BackupReport, RestoreReport, backup_sqlite, restore_sqlite};
pub use store::{HtmlFor, LoginOutcome, OrderRecord, Store, hash_token, is_postgres, phone_key, random_password};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Refused as it stands (409), with a stable code the client can translate:
    /// `transition_not_allowed`, `already_in_status`, `nothing_to_undo`, `household_merged`,
    /// `client_id_reused`, `order_identical`, `order_revoked`, `merge_not_allowed`.
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    /// The write was not committed (its transaction could not begin or commit).
    #[error("database write failed: {0}")]
    Failed(String),
    /// The database cannot be written or read now (disk full, I/O error, the database
    /// server unreachable): nothing of this request was saved, and trying later may work.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// PostgreSQL rolled the transaction back to break a deadlock or a serialization
    /// conflict with another server's (class 40): the same writes run again succeed. The
    /// writer runs the batch again; a caller sees this only when that kept failing.
    #[error("the database is busy with conflicting writes: {0}")]
    Contention(String),
    /// Too many attempts (a locked account, a busy password check): try again after a while.
    #[error("{message}")]
    TooMany { message: String, retry_after_s: u64 },
    /// The record changed since the caller read it (If-Match).
    #[error("{0}")]
    Precondition(String),
    /// The database may not be opened as it is (held by another server, older than its last
    /// acknowledged write, damaged): what to do is in the message.
    #[error("{0}")]
    Refused(String),
    #[error("the database writer stopped")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    DiskFull | SystemIoFailure | CannotOpen | DatabaseBusy | DatabaseLocked | ReadOnly | OutOfMemory
                ) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e.to_string()),
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            // Classes 53 (insufficient resources: disk full, out of memory, too many
            // connections), 08 (connection), 57P (shut down), 58 (system I/O).
            Some(db) => {
                let code = db.code().code();
                let message = match db.detail() {
                    Some(d) => format!("{}: {d}", db.message()),
                    None => db.message().to_string(),
                };
                if code == "53100" {
                    StoreError::Unavailable(format!("the database server's disk is full: {message} ({code})"))
                } else if ["53", "08", "57P", "58"].iter().any(|c| code.starts_with(c)) {
                    StoreError::Unavailable(format!("{message} ({code})"))
                } else if code.starts_with("40") && code != "40002" && code != "40003" {
                    // 40001 serialization failure, 40P01 deadlock (not 40002 integrity
                    // violation or 40003 statement completion unknown).
                    StoreError::Contention(format!("{message} ({code})"))
                } else {
                    StoreError::Database(format!("{message} ({code})"))
                }
            }
            // No answer from the server: the connection is gone (closed, or an I/O error).
            None => {
                let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
                if e.is_closed() || io {
                    StoreError::Unavailable(e.to_string())
                } else {
                    StoreError::Database(e.to_string())
                }
            }
        }
    }
}
