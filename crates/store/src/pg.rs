//! The PostgreSQL engine (the `postgres` driver): several `evac serve` processes may share
//! one database. Each process has one writer connection (group commit as with SQLite) and a
//! small pool of readers; the batches of all processes are serialised by the row that holds
//! the commit sequence number (each batch updates it first), so the audit chain and the
//! order numbers stay one sequence however many servers write.

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
}

impl PgConn {
    pub(crate) fn connect(url: &str) -> Result<PgConn, StoreError> {
        let client = Client::connect(url, NoTls)
            .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL at {}: {e}", redact(url))))?;
        Ok(PgConn { url: url.to_string(), client, statements: HashMap::new(), audit: Default::default() })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&to_dollar_params(sql))?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
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
        self.batch("BEGIN")
    }

    fn committed(&mut self, _seq: i64) {}
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
