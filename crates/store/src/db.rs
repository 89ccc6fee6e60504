//! What the store needs from a database engine, so that every operation is written once:
//! values (integers, text, null), rows, and a connection that runs parameterised SQL.
//!
//! SQL is written once in SQLite's spelling with numbered parameters (`?1`, `?2`); the
//! PostgreSQL engine turns them into `$1`, `$2`. Both engines use only what both understand:
//! `INSERT ... RETURNING`, `CAST(... AS BIGINT)`, text timestamps in ISO 8601 (which sort as
//! time), integers for flags.

use crate::StoreError;

/// One SQL value. Every column of the schema is an integer or text, in both engines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        v.as_ref().map_or(Value::Null, Value::from)
    }
}

/// `vals![a, b, c]`: a parameter list.
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Value::from($v)),*][..] };
}
pub(crate) use vals;

/// One result row.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub Vec<Value>);

fn bad_column(i: usize, want: &str, got: &Value) -> StoreError {
    StoreError::Failed(format!("column {i}: expected {want}, found {got:?}"))
}

impl Row {
    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match &self.0[i] {
            Value::Int(v) => Ok(*v),
            other => Err(bad_column(i, "an integer", other)),
        }
    }
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match &self.0[i] {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match &self.0[i] {
            Value::Text(v) => Ok(v.clone()),
            other => Err(bad_column(i, "text", other)),
        }
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match &self.0[i] {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    /// A closed-list value stored as its name (role, status, event kind).
    pub fn named<T>(&self, i: usize, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
        let s = self.text(i)?;
        parse(&s).ok_or_else(|| StoreError::Failed(format!("unknown value {s:?} in the database (column {i})")))
    }
}

/// Which engine a connection belongs to (the few statements that differ ask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection (or the writer's open transaction): parameterised SQL only.
pub(crate) trait Sql {
    fn engine(&self) -> Engine;
    /// Run a statement; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Statements without parameters, separated by semicolons (schema, transaction control).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Whether the connection can be used again (a PostgreSQL connection may have closed).
    fn usable(&self) -> bool {
        true
    }
    /// The writer's audit records of the open transaction, inserted at its end (see
    /// [`crate::audit::Buffer`]); `None` on a connection that inserts them at once.
    fn audit_buffer(&mut self) -> Option<&mut crate::audit::Buffer> {
        None
    }

    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?.ok_or_else(|| StoreError::Failed(format!("no row from {sql}")))
    }
}

/// A connection the writer thread owns: it also knows how a batch begins and what to do
/// once one is committed.
pub(crate) trait WriteConn: Sql + Send {
    /// Begin the batch's transaction (and take whatever lock serialises writers).
    fn begin_batch(&mut self) -> Result<(), StoreError>;
    /// Called after a batch with commit sequence number `seq` is durably committed, before
    /// any caller is answered.
    fn committed(&mut self, seq: i64);
}

/// Run `work` in a transaction opened with `begin` ("BEGIN", "BEGIN IMMEDIATE"): committed
/// if it succeeds, rolled back (and its error returned) if not.
pub(crate) fn in_transaction<C: Sql + ?Sized>(
    conn: &mut C,
    begin: &str,
    work: impl FnOnce(&mut C) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    conn.batch(begin)?;
    match work(conn) {
        Ok(()) => conn.batch("COMMIT"),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// SQLite's `?N` parameters as PostgreSQL's `$N` (outside string literals).
pub(crate) fn to_dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    for c in sql.chars() {
        if c == '\'' {
            in_string = !in_string;
        }
        out.push(if c == '?' && !in_string { '$' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollars_outside_strings() {
        assert_eq!(to_dollar_params("SELECT ?1, '?' FROM t WHERE a = ?12"), "SELECT $1, '?' FROM t WHERE a = $12");
    }
}
