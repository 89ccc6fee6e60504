//! The PostgreSQL engine (the `postgres` driver): several `evac serve` processes may share
//! one database. Each process has one writer connection (group commit as with SQLite) and a
//! small pool of readers; the batches of all processes are serialised by the row that holds
//! the commit sequence number (a batch takes it before its first write that checks and
//! then writes, otherwise just before it extends the audit chain and commits: see
//! `writer::Order`), so the audit chain and the order numbers stay one sequence however
//! many servers write.

use crate::StoreError;
use crate::db::{Engine, Row, Sql, Value, WriteConn, to_dollar_params};
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::TEXT || *ty == Type::VARCHAR => v.to_string().to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in to_sql: every column is an integer or text.
        true
    }

    to_sql_checked!();
}

fn row_values(row: &postgres::Row) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let ty = col.type_();
        let v = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?.map_or(Value::Null, |v| Value::Int(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?.map_or(Value::Null, |v| Value::Int(v.into()))
        } else {
            row.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text)
        };
        values.push(v);
    }
    Ok(Row(values))
}

/// A PostgreSQL connection with its prepared statements (one round trip per statement).
pub(crate) struct PgConn {
    url: String,
    client: Client,
    statements: HashMap<String, Statement>,
    audit: crate::audit::Buffer,
    /// When the writer last looked whether the household tables need fresh statistics.
    statistics_checked: std::time::Instant,
}

/// How often the writer looks at the household tables' statistics.
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl PgConn {
    pub(crate) fn connect(url: &str) -> Result<PgConn, StoreError> {
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL at {}: {e}", redact(url))))?;
        // The default random_page_cost (4, spinning disks) makes a hundred index probes look
        // dearer than a sequential scan of a few thousand households, so while an operation
        // is young every duplicate lookup scanned the whole table (a fresh database took 400
        // registrations/s where a filled one took 1,100). The tables live in memory or on
        // SSD: 1.1 is the usual setting for that, and plans keep to the indexes.
        client
            .batch_execute("SET random_page_cost = 1.1")
            .map_err(|e| StoreError::Unavailable(format!("cannot set up the connection to {}: {e}", redact(url))))?;
        Ok(PgConn {
            url: url.to_string(),
            client,
            statements: HashMap::new(),
            audit: Default::default(),
            statistics_checked: std::time::Instant::now(),
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&to_dollar_params(sql))?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Analyse the household tables when they changed by a fifth (and 500 rows) since their
    /// statistics were taken. Autovacuum does the same but looks only once a minute, and a
    /// young operation fills its tables faster than that: the cached plans made while they
    /// were nearly empty then scan instead of seeking (measured: 20,000 registrations into
    /// one settlement fell from 520/s to 160/s between 2,000 and 4,000 until autovacuum's
    /// ANALYZE re-planned them). ANALYZE invalidates those plans on every connection.
    fn refresh_statistics(&mut self) -> Result<(), StoreError> {
        let stale = self.query_opt(
            "SELECT 1 FROM pg_stat_user_tables WHERE relname IN ('households', 'household_keys')
               AND n_mod_since_analyze > 500 + n_live_tup / 5 LIMIT 1",
            &[],
        )?;
        if stale.is_some() {
            self.batch("ANALYZE households, household_keys")?;
        }
        Ok(())
    }

    /// After the server closed the connection (a restart, a network cut), the next batch
    /// connects again instead of failing for ever.
    fn reconnect_if_closed(&mut self) -> Result<(), StoreError> {
        if self.client.is_closed() {
            *self = PgConn::connect(&self.url.clone())?;
        }
        Ok(())
    }
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Sql for PgConn {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        Ok(self.client.execute(&st, &refs(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let st = self.statement(sql)?;
        self.client.query(&st, &refs(params))?.iter().map(row_values).collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.client.batch_execute(sql)?)
    }

    fn usable(&self) -> bool {
        !self.client.is_closed()
    }

    fn audit_buffer(&mut self) -> Option<&mut crate::audit::Buffer> {
        Some(&mut self.audit)
    }
}

impl WriteConn for PgConn {
    fn begin_batch(&mut self) -> Result<(), StoreError> {
        self.reconnect_if_closed()?;
        // Stated, not left to the database's default: the writes of `Order::Any` batches are
        // right under READ COMMITTED (a conflicting insert waits for the other transaction
        // and then sees its row); under a stricter default they would fail and re-run.
        self.batch("BEGIN ISOLATION LEVEL READ COMMITTED")
    }

    fn committed(&mut self, _seq: i64) {}

    /// Between batches, not before the answers: an ANALYZE of a large table takes tens of
    /// milliseconds.
    fn after_batch(&mut self) {
        if self.statistics_checked.elapsed() >= STATISTICS_EVERY {
            self.statistics_checked = std::time::Instant::now();
            // Statistics only speed plans up: a failure here fails nothing (the batch is
            // committed and answered); the next look tries again.
            let _ = self.refresh_statistics();
        }
    }
}

/// Open the writer's connection and bring the schema up to date (one server at a time:
/// the migration holds an advisory lock).
pub(crate) fn open_writer(url: &str) -> Result<PgConn, StoreError> {
    let mut conn = PgConn::connect(url)?;
    crate::migrations::migrate(&mut conn)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://evac:secret@db:5432/evac"), "postgres://evac:***@db:5432/evac");
        assert_eq!(redact("postgres://db/evac"), "postgres://db/evac");
    }
}
