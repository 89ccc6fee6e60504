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
use std::sync::mpsc;

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
    /// Held by the writer's connection: the statistics thread stops when it is dropped.
    _statistics: Option<mpsc::Sender<()>>,
}

/// How often a server looks at the household tables' statistics.
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The advisory lock a server holds while it refreshes the statistics (the migration's is
/// 7261001).
const STATISTICS_LOCK: i64 = 7261002;

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
            _statistics: None,
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

    /// Analyse the household tables when they changed by more than 500 rows and more rows
    /// than they had when their statistics were taken. Autovacuum does the same but looks
    /// only once a minute, and a young operation fills its tables faster than that: the
    /// cached plans made while they were nearly empty then scan instead of seeking
    /// (measured: 20,000 registrations into one settlement fell from 520/s to 160/s
    /// between 2,000 and 4,000 until autovacuum's ANALYZE re-planned them). ANALYZE
    /// invalidates those plans on every connection.
    ///
    /// Only plans made on a nearly empty table go wrong (a larger table favours the indexes
    /// more), so the threshold doubles with the table: a few analyses over an operation's
    /// life, not one every few seconds (each reads up to 30,000 rows: 160 ms of the
    /// database's CPU at 25,000 households, with this server's writes waiting). The
    /// statistics are the database's, not the server's: an advisory lock lets one server
    /// take them while the others, seeing it held, go on writing.
    fn refresh_statistics(&mut self) -> Result<(), StoreError> {
        crate::db::in_transaction(self, "BEGIN", |conn| {
            let mine =
                conn.query_one("SELECT pg_try_advisory_xact_lock(?1)", &[Value::Int(STATISTICS_LOCK)])?.int(0)? == 1;
            if !mine {
                return Ok(());
            }
            let stale = conn.query_opt(
                "SELECT 1 FROM pg_stat_user_tables WHERE relname IN ('households', 'household_keys')
                   AND n_mod_since_analyze > 500 + (n_live_tup - n_mod_since_analyze) LIMIT 1",
                &[],
            )?;
            if stale.is_some() {
                conn.batch("ANALYZE households, household_keys")?;
            }
            Ok(())
        })
    }

    /// After the server closed the connection (a restart, a network cut), the next batch
    /// connects again instead of failing for ever.
    fn reconnect_if_closed(&mut self) -> Result<(), StoreError> {
        if self.client.is_closed() {
            // The statistics thread goes on with the new connection.
            let mut fresh = PgConn::connect(&self.url)?;
            fresh._statistics = self._statistics.take();
            *self = fresh;
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
}

/// Refresh the household tables' statistics every [`STATISTICS_EVERY`] on a connection of
/// its own until `stop`'s sender is dropped: an ANALYZE of a large table takes tens of
/// milliseconds, which on the writer's connection every write of this server would wait.
fn keep_statistics_fresh(url: String, stop: mpsc::Receiver<()>) {
    let mut conn = None;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(STATISTICS_EVERY) {
        if conn.as_ref().is_none_or(|c: &PgConn| c.client.is_closed()) {
            conn = PgConn::connect(&url).ok();
        }
        if let Some(c) = conn.as_mut() {
            // Statistics only speed plans up: a failure here fails nothing; the next look
            // tries again.
            let _ = c.refresh_statistics();
        }
    }
}

/// Open the writer's connection and bring the schema up to date (one server at a time:
/// the migration holds an advisory lock); a thread beside it keeps the statistics fresh.
pub(crate) fn open_writer(url: &str) -> Result<PgConn, StoreError> {
    let mut conn = PgConn::connect(url)?;
    crate::migrations::migrate(&mut conn)?;
    let (statistics, stop) = mpsc::channel();
    let url = url.to_string();
    std::thread::Builder::new()
        .name("evac-db-statistics".into())
        .spawn(move || keep_statistics_fresh(url, stop))
        .map_err(|e| StoreError::Failed(format!("cannot start the statistics thread: {e}")))?;
    conn._statistics = Some(statistics);
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statistics are refreshed once the tables have grown, by one server at a time:
    /// while another connection holds the lock, nothing is analysed.
    #[test]
    fn statistics_are_refreshed_by_one_server_at_a_time() {
        let Some(admin) = std::env::var("EVAC_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
            assert!(std::env::var("CI").is_err(), "CI must reach PostgreSQL at EVAC_TEST_POSTGRES");
            eprintln!("skipped: no PostgreSQL reachable (set EVAC_TEST_POSTGRES)");
            return;
        };
        let name = format!("evac_statistics{}", std::process::id());
        let mut c = Client::connect(&admin, NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
        // Not `open_writer`: its statistics thread would race the test's.
        let mut conn = PgConn::connect(&url).unwrap();
        crate::migrations::migrate(&mut conn).unwrap();
        conn.batch(
            "INSERT INTO users (username, role, password_hash, created_at, username_key) VALUES ('olena', 'registrar', 'x', 't', 'olena');
             INSERT INTO households (settlement_id, head_name, name_key, members, needs, created_by, created_at)
             SELECT 's1', 'Коваленко ' || i, 'коваленко', 1, '[]', (SELECT id FROM users), 't' FROM generate_series(1, 700) AS i;
             SELECT pg_stat_force_next_flush();",
        )
        .unwrap();
        conn.batch("SELECT 1").unwrap();
        let analysed = |conn: &mut PgConn| {
            conn.query_one("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'households'", &[])
                .unwrap()
                .int(0)
                .unwrap()
                == 1
        };
        assert!(!analysed(&mut conn));

        let mut other = Client::connect(&url, NoTls).unwrap();
        other.batch_execute(&format!("SELECT pg_advisory_lock({STATISTICS_LOCK})")).unwrap();
        conn.refresh_statistics().unwrap();
        assert!(!analysed(&mut conn), "another server is at it");
        other.batch_execute(&format!("SELECT pg_advisory_unlock({STATISTICS_LOCK})")).unwrap();
        conn.refresh_statistics().unwrap();
        assert!(analysed(&mut conn), "700 new rows: analysed");

        drop((conn, other));
        c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).unwrap();
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://evac:secret@db:5432/evac"), "postgres://evac:***@db:5432/evac");
        assert_eq!(redact("postgres://db/evac"), "postgres://db/evac");
    }
}
