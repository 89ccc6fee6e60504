//! Schema migrations for both engines: each runs once, in order, inside a transaction.
//! SQLite keeps its version in `PRAGMA user_version`; PostgreSQL in the table
//! `evac_schema`, migrated under an advisory lock so that servers starting together do not
//! both migrate. The two schemas hold the same tables, columns and rules.

use crate::StoreError;
use crate::db::{Engine, Sql};

/// SQLite: version 1 as first released, then the changes since.
pub const SQLITE: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('coordinator', 'registrar', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE households (
        id INTEGER PRIMARY KEY,
        settlement_id TEXT NOT NULL,
        head_name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        members INTEGER NOT NULL CHECK (members > 0),
        needs TEXT NOT NULL,
        phone TEXT,
        phone_key TEXT,
        status TEXT NOT NULL DEFAULT 'registered'
            CHECK (status IN ('registered', 'departed', 'arrived', 'refused', 'returned')),
        centre_id TEXT,
        created_by INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX households_by_settlement ON households(settlement_id);
    CREATE INDEX households_by_phone ON households(phone_key);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        household_id INTEGER NOT NULL REFERENCES households(id),
        kind TEXT NOT NULL CHECK (kind IN ('departed', 'arrived', 'refused', 'returned')),
        centre_id TEXT,
        user_id INTEGER NOT NULL REFERENCES users(id),
        at TEXT NOT NULL
    );
    CREATE INDEX events_by_household ON events(household_id);
    CREATE TABLE orders (
        number INTEGER PRIMARY KEY,
        issued_at TEXT NOT NULL,
        issued_by INTEGER NOT NULL REFERENCES users(id),
        scope TEXT NOT NULL,
        settlements INTEGER NOT NULL,
        population INTEGER NOT NULL,
        body TEXT NOT NULL,
        html TEXT NOT NULL
    );
    -- Issued orders are records: they never change.
    CREATE TRIGGER orders_are_immutable BEFORE UPDATE ON orders
        BEGIN SELECT RAISE(ABORT, 'issued orders cannot be changed'); END;
    CREATE TRIGGER orders_are_kept BEFORE DELETE ON orders
        BEGIN SELECT RAISE(ABORT, 'issued orders cannot be deleted'); END;
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id INTEGER REFERENCES users(id),
        username TEXT,
        action TEXT NOT NULL,
        target TEXT,
        ip TEXT,
        detail TEXT
    );
    "#,
    // 2: hardening. Run by `migrate` in three parts around the filling of the new keys.
    r#"
    ALTER TABLE users ADD COLUMN username_key TEXT;
    ALTER TABLE users ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE households ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE orders ADD COLUMN client_key TEXT;
    ALTER TABLE orders ADD COLUMN digest TEXT;
    ALTER TABLE audit ADD COLUMN hash TEXT;
    CREATE TABLE commit_seq (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
    INSERT INTO commit_seq (id, seq) VALUES (1, 0);
    "#,
    // 3: field operations. The households and events tables are rebuilt for their new
    // CHECK lists (SQLite cannot change a CHECK in place); run with foreign keys off, then
    // the search index is filled by `migrate`.
    r#"
    CREATE TABLE households_v3 (
        id INTEGER PRIMARY KEY,
        settlement_id TEXT NOT NULL,
        head_name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        members INTEGER NOT NULL CHECK (members > 0),
        needs TEXT NOT NULL,
        phone TEXT,
        phone_key TEXT,
        status TEXT NOT NULL DEFAULT 'registered'
            CHECK (status IN ('registered', 'checked_in', 'boarded', 'departed', 'arrived', 'refused', 'unreachable', 'returned')),
        centre_id TEXT,
        created_by INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        cannot_walk INTEGER NOT NULL DEFAULT 0 CHECK (cannot_walk BETWEEN 0 AND members),
        needs_oxygen INTEGER NOT NULL DEFAULT 0 CHECK (needs_oxygen BETWEEN 0 AND members),
        needs_bed INTEGER NOT NULL DEFAULT 0 CHECK (needs_bed BETWEEN 0 AND members),
        needs_escort INTEGER NOT NULL DEFAULT 0 CHECK (needs_escort BETWEEN 0 AND members),
        children INTEGER NOT NULL DEFAULT 0 CHECK (children BETWEEN 0 AND members),
        pets INTEGER NOT NULL DEFAULT 0 CHECK (pets >= 0),
        document TEXT,
        document_key TEXT,
        birth_year INTEGER,
        vehicle TEXT,
        trip TEXT,
        merged_into INTEGER REFERENCES households(id),
        client_id TEXT
    );
    INSERT INTO households_v3 (id, settlement_id, head_name, name_key, members, needs, phone, phone_key, status,
                               centre_id, created_by, created_at, version)
        SELECT id, settlement_id, head_name, name_key, members, needs, phone, phone_key, status,
               centre_id, created_by, created_at, version FROM households;
    CREATE TABLE events_v3 (
        id INTEGER PRIMARY KEY,
        household_id INTEGER NOT NULL REFERENCES households(id),
        kind TEXT NOT NULL
            CHECK (kind IN ('checked_in', 'boarded', 'departed', 'arrived', 'refused', 'unreachable', 'returned', 'undo')),
        centre_id TEXT,
        user_id INTEGER NOT NULL REFERENCES users(id),
        at TEXT NOT NULL,
        vehicle TEXT,
        trip TEXT,
        reason TEXT,
        client_id TEXT,
        undone_by INTEGER,
        version INTEGER
    );
    INSERT INTO events_v3 (id, household_id, kind, centre_id, user_id, at)
        SELECT id, household_id, kind, centre_id, user_id, at FROM events;
    DROP TABLE events;
    DROP TABLE households;
    ALTER TABLE households_v3 RENAME TO households;
    ALTER TABLE events_v3 RENAME TO events;
    CREATE INDEX households_by_settlement ON households(settlement_id, status);
    CREATE INDEX households_by_phone ON households(phone_key);
    CREATE UNIQUE INDEX households_by_client ON households(created_by, client_id);
    CREATE INDEX events_by_household ON events(household_id);
    CREATE UNIQUE INDEX events_by_client ON events(user_id, client_id);
    CREATE TABLE household_keys (
        key TEXT NOT NULL,
        household_id INTEGER NOT NULL REFERENCES households(id),
        PRIMARY KEY (key, household_id)
    ) WITHOUT ROWID;
    CREATE TABLE order_revocations (
        number INTEGER PRIMARY KEY REFERENCES orders(number),
        revoked_at TEXT NOT NULL,
        revoked_by INTEGER NOT NULL REFERENCES users(id),
        reason TEXT NOT NULL
    );
    "#,
];

/// Run after the keys of version 2 are filled in.
const SQLITE_2_AFTER: &str = r#"
    CREATE INDEX users_by_key ON users(username_key);
    CREATE UNIQUE INDEX orders_by_client_key ON orders(client_key);
    -- The audit log is append-only: a record is never changed or removed (the hash chain
    -- finds an edit made with the triggers dropped).
    CREATE TRIGGER audit_is_append_only BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
    CREATE TRIGGER audit_is_kept BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;
"#;

/// PostgreSQL: the same schema as SQLite's latest version.
pub const POSTGRES: &[&str] = &[
    POSTGRES_1,
    // 2: field operations (SQLite's version 3).
    r#"
    ALTER TABLE households DROP CONSTRAINT households_status_check;
    ALTER TABLE households ADD CONSTRAINT households_status_check
        CHECK (status IN ('registered', 'checked_in', 'boarded', 'departed', 'arrived', 'refused', 'unreachable', 'returned'));
    ALTER TABLE households
        ADD COLUMN cannot_walk BIGINT NOT NULL DEFAULT 0 CHECK (cannot_walk BETWEEN 0 AND members),
        ADD COLUMN needs_oxygen BIGINT NOT NULL DEFAULT 0 CHECK (needs_oxygen BETWEEN 0 AND members),
        ADD COLUMN needs_bed BIGINT NOT NULL DEFAULT 0 CHECK (needs_bed BETWEEN 0 AND members),
        ADD COLUMN needs_escort BIGINT NOT NULL DEFAULT 0 CHECK (needs_escort BETWEEN 0 AND members),
        ADD COLUMN children BIGINT NOT NULL DEFAULT 0 CHECK (children BETWEEN 0 AND members),
        ADD COLUMN pets BIGINT NOT NULL DEFAULT 0 CHECK (pets >= 0),
        ADD COLUMN document TEXT,
        ADD COLUMN document_key TEXT,
        ADD COLUMN birth_year BIGINT,
        ADD COLUMN vehicle TEXT,
        ADD COLUMN trip TEXT,
        ADD COLUMN merged_into BIGINT REFERENCES households(id),
        ADD COLUMN client_id TEXT;
    DROP INDEX households_by_settlement;
    CREATE INDEX households_by_settlement ON households(settlement_id, status);
    CREATE UNIQUE INDEX households_by_client ON households(created_by, client_id);
    ALTER TABLE events DROP CONSTRAINT events_kind_check;
    ALTER TABLE events ADD CONSTRAINT events_kind_check
        CHECK (kind IN ('checked_in', 'boarded', 'departed', 'arrived', 'refused', 'unreachable', 'returned', 'undo'));
    ALTER TABLE events
        ADD COLUMN vehicle TEXT,
        ADD COLUMN trip TEXT,
        ADD COLUMN reason TEXT,
        ADD COLUMN client_id TEXT,
        ADD COLUMN undone_by BIGINT,
        ADD COLUMN version BIGINT;
    CREATE UNIQUE INDEX events_by_client ON events(user_id, client_id);
    -- Keys compared bytewise, so that a prefix is a range.
    CREATE TABLE household_keys (
        key TEXT COLLATE "C" NOT NULL,
        household_id BIGINT NOT NULL REFERENCES households(id),
        PRIMARY KEY (key, household_id)
    );
    CREATE TABLE order_revocations (
        number BIGINT PRIMARY KEY REFERENCES orders(number),
        revoked_at TEXT NOT NULL,
        revoked_by BIGINT NOT NULL REFERENCES users(id),
        reason TEXT NOT NULL
    );
    "#,
];

const POSTGRES_1: &str = r#"
    CREATE TABLE users (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('coordinator', 'registrar', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled BIGINT NOT NULL DEFAULT 0,
        username_key TEXT,
        deleted BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX users_by_key ON users(username_key);
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE households (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        settlement_id TEXT NOT NULL,
        head_name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        members BIGINT NOT NULL CHECK (members > 0),
        needs TEXT NOT NULL,
        phone TEXT,
        phone_key TEXT,
        status TEXT NOT NULL DEFAULT 'registered'
            CHECK (status IN ('registered', 'departed', 'arrived', 'refused', 'returned')),
        centre_id TEXT,
        created_by BIGINT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        version BIGINT NOT NULL DEFAULT 1
    );
    CREATE INDEX households_by_settlement ON households(settlement_id);
    CREATE INDEX households_by_phone ON households(phone_key);
    CREATE TABLE events (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        household_id BIGINT NOT NULL REFERENCES households(id),
        kind TEXT NOT NULL CHECK (kind IN ('departed', 'arrived', 'refused', 'returned')),
        centre_id TEXT,
        user_id BIGINT NOT NULL REFERENCES users(id),
        at TEXT NOT NULL
    );
    CREATE INDEX events_by_household ON events(household_id);
    CREATE TABLE orders (
        number BIGINT PRIMARY KEY,
        issued_at TEXT NOT NULL,
        issued_by BIGINT NOT NULL REFERENCES users(id),
        scope TEXT NOT NULL,
        settlements BIGINT NOT NULL,
        population BIGINT NOT NULL,
        body TEXT NOT NULL,
        html TEXT NOT NULL,
        client_key TEXT UNIQUE,
        digest TEXT
    );
    CREATE TABLE audit (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at TEXT NOT NULL,
        user_id BIGINT REFERENCES users(id),
        username TEXT,
        action TEXT NOT NULL,
        target TEXT,
        ip TEXT,
        detail TEXT,
        hash TEXT
    );
    CREATE TABLE commit_seq (id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL);
    INSERT INTO commit_seq (id, seq) VALUES (1, 0);
    -- Issued orders and audit records never change and are never removed.
    CREATE FUNCTION evac_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
    CREATE TRIGGER orders_are_immutable BEFORE UPDATE ON orders
        FOR EACH ROW EXECUTE FUNCTION evac_refuse('issued orders cannot be changed');
    CREATE TRIGGER orders_are_kept BEFORE DELETE ON orders
        FOR EACH ROW EXECUTE FUNCTION evac_refuse('issued orders cannot be deleted');
    CREATE TRIGGER orders_not_truncated BEFORE TRUNCATE ON orders
        FOR EACH STATEMENT EXECUTE FUNCTION evac_refuse('issued orders cannot be deleted');
    CREATE TRIGGER audit_is_append_only BEFORE UPDATE ON audit
        FOR EACH ROW EXECUTE FUNCTION evac_refuse('audit records cannot be changed');
    CREATE TRIGGER audit_is_kept BEFORE DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION evac_refuse('audit records cannot be deleted');
    CREATE TRIGGER audit_not_truncated BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION evac_refuse('audit records cannot be deleted');
"#;

/// Bring the schema up to date.
pub(crate) fn migrate(conn: &mut dyn Sql) -> Result<(), StoreError> {
    match conn.engine() {
        Engine::Sqlite => {
            let version = conn.query_one("PRAGMA user_version", &[])?.int(0)? as usize;
            // Rebuilding a table (version 3) needs the foreign keys off, which only works
            // outside a transaction; they are checked before each step commits.
            conn.batch("PRAGMA foreign_keys = OFF")?;
            let done = migrate_sqlite(conn, version);
            conn.batch("PRAGMA foreign_keys = ON")?;
            done
        }
        Engine::Postgres => crate::db::in_transaction(conn, "BEGIN", |conn| {
            conn.batch("SELECT pg_advisory_xact_lock(7261001)")?;
            conn.batch("CREATE TABLE IF NOT EXISTS evac_schema (version BIGINT NOT NULL)")?;
            let version = match conn.query_opt("SELECT version FROM evac_schema", &[])? {
                Some(r) => r.int(0)? as usize,
                None => {
                    conn.exec("INSERT INTO evac_schema (version) VALUES (0)", &[])?;
                    0
                }
            };
            for (i, sql) in POSTGRES.iter().enumerate().skip(version) {
                conn.batch(sql)?;
                if i + 1 == 2 {
                    crate::search::fill_index(conn)?;
                }
                conn.exec("UPDATE evac_schema SET version = ?1", crate::db::vals![(i + 1) as i64])?;
            }
            Ok(())
        }),
    }
}

fn migrate_sqlite(conn: &mut dyn Sql, version: usize) -> Result<(), StoreError> {
    for (i, sql) in SQLITE.iter().enumerate().skip(version) {
        crate::db::in_transaction(conn, "BEGIN IMMEDIATE", |conn| {
            conn.batch(sql)?;
            if i + 1 == 2 {
                fill_keys(conn)?;
                conn.batch(SQLITE_2_AFTER)?;
            }
            if i + 1 == 3 {
                crate::search::fill_index(conn)?;
            }
            if let Some(r) = conn.query_opt("PRAGMA foreign_key_check", &[])? {
                return Err(StoreError::Failed(format!("migration {}: a broken reference in {:?}", i + 1, r.0)));
            }
            conn.batch(&format!("PRAGMA user_version = {}", i + 1))
        })?;
    }
    Ok(())
}

/// Version 2 on a database of version 1: the look-alike keys of the existing usernames and
/// the hash chain over the existing audit records.
fn fill_keys(conn: &mut dyn Sql) -> Result<(), StoreError> {
    for row in conn.query("SELECT id, username FROM users", &[])? {
        let key = crate::names::username_key(&row.text(1)?);
        conn.exec("UPDATE users SET username_key = ?1 WHERE id = ?2", crate::db::vals![key, row.int(0)?])?;
    }
    crate::audit::chain_unhashed(conn)
}
