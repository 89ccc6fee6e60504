//! Schema migrations: each runs once, in order, inside a transaction; the version is kept
//! in `PRAGMA user_version`.

pub const MIGRATIONS: &[&str] = &[
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
];
