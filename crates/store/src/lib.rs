//! SQLite persistence for the operations application.
//!
//! * One file, WAL journal, `synchronous = FULL`, foreign keys on, schema migrations in
//!   code ([`migrations`]).
//! * **Writes** go to one writer thread that commits them in groups: it takes every write
//!   waiting (up to 256), runs each in its own savepoint, commits once, and only then answers
//!   each caller with its own typed result. An acknowledged write is therefore on disk, and
//!   one fsync serves many writes (group commit): durability without one fsync per request.
//! * **Every change commits with its audit record**: the only write path inserts the audit
//!   row in the change's own savepoint. Reads of personal data are recorded before they
//!   are returned.
//! * **Reads** use a small pool of read connections (WAL lets them run beside the writer).
//! * Every statement is prepared with parameters; no SQL is built from input.

mod migrations;
mod model;
mod store;
mod writer;

pub use model::*;
pub use store::{HtmlFor, OrderRecord, Store, hash_token, phone_key, random_password};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    /// The write was not committed (its transaction could not begin or commit).
    #[error("database write failed: {0}")]
    Failed(String),
    #[error("the database writer stopped")]
    Closed,
}
