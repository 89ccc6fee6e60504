//! The store: typed operations over one writer thread and a pool of readers.
//!
//! Every change goes through [`Store::change`], which inserts the change's audit record in
//! the same savepoint as the change itself: both commit together or neither does. Reads of
//! personal data are recorded the same way before the data is handed out.

use crate::StoreError;
use crate::migrations::MIGRATIONS;
use crate::model::*;
use crate::writer::Writer;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Renders an order's printable HTML for its number and issue time.
pub type HtmlFor = Box<dyn FnOnce(i64, &str) -> String + Send>;

/// What an issued order records.
pub struct OrderRecord {
    pub scope: String,
    pub settlements: i64,
    pub population: i64,
    /// order.json
    pub body: String,
}

/// Handle to the database (cheap to clone).
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    writer: Writer,
    readers: Arc<Mutex<Vec<Connection>>>,
}

/// What the audit log says about one change or one read of personal data.
struct Audit {
    action: String,
    target: String,
    detail: Option<String>,
}

impl Audit {
    fn new(action: impl Into<String>, target: impl Into<String>, detail: Option<String>) -> Audit {
        Audit { action: action.into(), target: target.into(), detail }
    }

    fn insert(&self, tx: &Transaction, by: &Actor) -> Result<(), StoreError> {
        let (user_id, username) = by.user.as_ref().map(|u| (u.id, u.username.as_str())).unzip();
        tx.prepare_cached(
            "INSERT INTO audit (at, user_id, username, action, target, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![now(), user_id, username, self.action, self.target, by.ip, self.detail])?;
        Ok(())
    }
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Digits only: "+380 (50) 123-45-67" and "0501234567" compare by their last 9 digits.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 6).then(|| digits[digits.len().saturating_sub(9)..].to_string())
}

pub fn hash_token(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(token.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A readable random password (for the first account).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

fn household_row(r: &rusqlite::Row) -> rusqlite::Result<Household> {
    let needs: String = r.get(4)?;
    Ok(Household {
        id: r.get(0)?,
        settlement_id: r.get(1)?,
        head_name: r.get(2)?,
        members: r.get(3)?,
        needs: serde_json::from_str(&needs)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into()))?,
        phone: r.get(5)?,
        status: r.get(6)?,
        centre_id: r.get(7)?,
        created_at: r.get(8)?,
    })
}

/// The user behind `by`: households, events and orders always name one.
fn signed_in<'a>(by: &'a Actor, to: &str) -> Result<&'a User, StoreError> {
    by.user.as_ref().ok_or_else(|| StoreError::Conflict(format!("only a signed-in user can {to}")))
}

impl Store {
    /// Open (creating and migrating if needed) the database file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Conflict(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = open(path)?;
        migrate(&mut conn)?;
        Ok(Store { path: path.to_path_buf(), writer: Writer::start(conn), readers: Arc::new(Mutex::new(Vec::new())) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The one way to change the database: `work` makes the change and says what the audit
    /// log should record about it; the record is inserted in the same savepoint, so the
    /// change and its audit record commit together or not at all. Returns once committed.
    fn change<T, F>(&self, by: &Actor, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<(T, Audit), StoreError> + Send + 'static,
    {
        let by = by.clone();
        self.writer.write(move |tx| {
            let (value, audit) = work(tx)?;
            audit.insert(tx, &by)?;
            Ok(value)
        })
    }

    /// Record a read of personal data; returns once the record is on disk, so nothing is
    /// shown that the audit log does not know about.
    fn record_read(&self, by: &Actor, audit: Audit) -> Result<(), StoreError> {
        self.change(by, move |_| Ok(((), audit)))
    }

    /// Run a read on a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = match self.readers.lock().expect("pool lock").pop() {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let r = f(&conn);
        self.readers.lock().expect("pool lock").push(conn);
        r
    }

    // ---- users and sessions ----

    pub fn user_count(&self) -> Result<i64, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?))
    }

    pub fn add_user(&self, by: &Actor, username: &str, role: Role, password: &str) -> Result<i64, StoreError> {
        let name = username.trim().to_string();
        if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)) {
            return Err(StoreError::Invalid {
                field: "username".into(),
                message: "1-64 letters, digits, '.', '_' or '-'".into(),
            });
        }
        if password.chars().count() < 8 {
            return Err(StoreError::Invalid { field: "password".into(), message: "at least 8 characters".into() });
        }
        use argon2::password_hash::PasswordHasher;
        let hash = argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(|e| StoreError::Invalid { field: "password".into(), message: e.to_string() })?
            .to_string();
        let detail = match by.user {
            Some(_) => role.as_str().to_string(),
            None => format!("{role}, at the command line"),
        };
        self.change(by, move |tx| {
            let exists: Option<i64> =
                tx.query_row("SELECT id FROM users WHERE username = ?1", [&name], |r| r.get(0)).optional()?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!("user {name} exists")));
            }
            tx.execute(
                "INSERT INTO users (username, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role, hash, now()],
            )?;
            Ok((tx.last_insert_rowid(), Audit::new("add user", name, Some(detail))))
        })
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare("SELECT id, username, role FROM users ORDER BY id")?;
            let rows = st.query_map([], |r| Ok(User { id: r.get(0)?, username: r.get(1)?, role: r.get(2)? }))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Check a password and open a session: the token (only its hash is stored). The new
    /// session is audited with the address it came from.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        hours: i64,
        ip: Option<String>,
    ) -> Result<Option<(String, User)>, StoreError> {
        let found: Option<(User, String)> = self.read(|c| {
            Ok(c.query_row(
                "SELECT id, username, role, password_hash FROM users WHERE username = ?1 AND disabled = 0",
                [username],
                |r| Ok((User { id: r.get(0)?, username: r.get(1)?, role: r.get(2)? }, r.get(3)?)),
            )
            .optional()?)
        })?;
        let Some((user, hash)) = found else { return Ok(None) };
        use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Conflict(e.to_string()))?;
        if argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() {
            return Ok(None);
        }
        let token = random_token();
        let token_hash = hash_token(&token);
        let expires =
            (chrono::Utc::now() + chrono::Duration::hours(hours)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let (id, name) = (user.id, user.username.clone());
        self.change(&Actor::user(&user, ip), move |tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, id, now(), expires],
            )?;
            Ok(((), Audit::new("log in", name, None)))
        })?;
        Ok(Some((token, user)))
    }

    pub fn session_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        let token_hash = hash_token(token);
        self.read(|c| {
            Ok(c.query_row(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                params![token_hash, now()],
                |r| Ok(User { id: r.get(0)?, username: r.get(1)?, role: r.get(2)? }),
            )
            .optional()?)
        })
    }

    /// End the session of `token` (which `by` logged in with).
    pub fn logout(&self, by: &Actor, token: &str) -> Result<(), StoreError> {
        let token_hash = hash_token(token);
        let name = by.user.as_ref().map(|u| u.username.clone()).unwrap_or_default();
        self.change(by, move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            Ok(((), Audit::new("log out", name, None)))
        })
    }

    // ---- households ----

    /// Register a household; likely duplicates (same phone, or a similar name in any
    /// spelling, in the same settlement) are reported, not refused.
    pub fn register(&self, by: &Actor, h: NewHousehold) -> Result<Registered, StoreError> {
        let user_id = signed_in(by, "register a household")?.id;
        self.change(by, move |tx| {
            let key = evac_names::translit::coarse_key(&h.head_name);
            let phone = h.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
            let pkey = phone.as_deref().and_then(phone_key);
            let mut hints = Vec::new();
            {
                let mut st = tx.prepare_cached(
                    "SELECT id, head_name, name_key, phone_key FROM households WHERE settlement_id = ?1",
                )?;
                let rows = st.query_map([&h.settlement_id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })?;
                for row in rows {
                    let (id, name, other_key, other_phone) = row?;
                    let same_phone = pkey.is_some() && other_phone == pkey;
                    let similarity = strsim::normalized_damerau_levenshtein(&key, &other_key);
                    if same_phone || similarity >= 0.85 {
                        let reason = match (same_phone, similarity >= 0.85) {
                            (true, true) => "same phone and similar name",
                            (true, false) => "same phone",
                            _ => "similar name",
                        };
                        hints.push(DuplicateHint { id, head_name: name, reason: reason.into() });
                    }
                }
            }
            let needs = serde_json::to_string(&h.needs).expect("needs serialise");
            tx.prepare_cached(
                "INSERT INTO households (settlement_id, head_name, name_key, members, needs, phone, phone_key, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                h.settlement_id,
                h.head_name.trim(),
                key,
                h.members,
                needs,
                phone,
                pkey,
                user_id,
                now()
            ])?;
            let id = tx.last_insert_rowid();
            let audit =
                Audit::new("register household", format!("household {id}"), Some(format!("settlement {}", h.settlement_id)));
            Ok((Registered { id, possible_duplicates: hints }, audit))
        })
    }

    fn households(&self, settlement_id: Option<&str>, id: Option<i64>) -> Result<Vec<Household>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, settlement_id, head_name, members, needs, phone, status, centre_id, created_at FROM households
                 WHERE (?1 IS NULL OR settlement_id = ?1) AND (?2 IS NULL OR id = ?2) ORDER BY id",
            )?;
            let rows = st.query_map(params![settlement_id, id], household_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The households of one settlement (or all): personal data, so the read is audited.
    pub fn view_households(&self, by: &Actor, settlement_id: Option<&str>) -> Result<Vec<Household>, StoreError> {
        let rows = self.households(settlement_id, None)?;
        let target = settlement_id.map_or("all settlements".to_string(), |id| format!("settlement {id}"));
        self.record_read(by, Audit::new("view households", target, Some(format!("{} records", rows.len()))))?;
        Ok(rows)
    }

    /// One household: personal data, so the read is audited.
    pub fn view_household(&self, by: &Actor, id: i64) -> Result<Household, StoreError> {
        let row =
            self.households(None, Some(id))?.pop().ok_or_else(|| StoreError::NotFound(format!("no household {id}")))?;
        self.record_read(by, Audit::new("view household", format!("household {id}"), None))?;
        Ok(row)
    }

    /// Record an event (departed, arrived, refused, returned) and the household's new status.
    pub fn event(
        &self,
        by: &Actor,
        household: i64,
        kind: EventKind,
        centre_id: Option<String>,
    ) -> Result<i64, StoreError> {
        let user_id = signed_in(by, "record an event")?.id;
        self.change(by, move |tx| {
            let exists: Option<i64> =
                tx.query_row("SELECT id FROM households WHERE id = ?1", [household], |r| r.get(0)).optional()?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("no household {household}")));
            }
            tx.execute(
                "INSERT INTO events (household_id, kind, centre_id, user_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![household, kind, centre_id, user_id, now()],
            )?;
            let id = tx.last_insert_rowid();
            // Only an arrival places a household at a centre; any other event takes it away.
            let centre = if kind == EventKind::Arrived { centre_id.clone() } else { None };
            tx.execute(
                "UPDATE households SET status = ?1, centre_id = ?2 WHERE id = ?3",
                params![kind.status(), centre, household],
            )?;
            Ok((id, Audit::new(format!("event {kind}"), format!("household {household}"), centre_id)))
        })
    }

    /// People (household members) per settlement and status.
    pub fn counts_by_settlement(&self) -> Result<HashMap<String, StatusCounts>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT settlement_id, status, count(*), sum(members) FROM households GROUP BY settlement_id, status",
            )?;
            let mut out: HashMap<String, StatusCounts> = HashMap::new();
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, HouseholdStatus>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
            })?;
            for row in rows {
                let (settlement, status, households, people) = row?;
                out.entry(settlement).or_default().add(status, households as u64, people as u64);
            }
            Ok(out)
        })
    }

    /// People arrived per centre.
    pub fn occupancy(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT centre_id, sum(members) FROM households WHERE status = ?1 AND centre_id IS NOT NULL GROUP BY centre_id",
            )?;
            let rows = st.query_map([HouseholdStatus::Arrived], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            Ok(rows.map(|r| r.map(|(k, v)| (k, v as u64))).collect::<Result<_, _>>()?)
        })
    }

    // ---- orders ----

    /// Issue an order: the next number, stored with its JSON and the HTML `html_for` renders
    /// for that number and time, never to change.
    pub fn issue_order(&self, by: &Actor, order: OrderRecord, html_for: HtmlFor) -> Result<IssuedOrder, StoreError> {
        let user = signed_in(by, "issue an order")?;
        let (user_id, username) = (user.id, user.username.clone());
        self.change(by, move |tx| {
            let number: i64 = tx.query_row("SELECT coalesce(max(number), 0) + 1 FROM orders", [], |r| r.get(0))?;
            let at = now();
            let html = html_for(number, &at);
            tx.execute(
                "INSERT INTO orders (number, issued_at, issued_by, scope, settlements, population, body, html) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![number, at, user_id, order.scope, order.settlements, order.population, order.body, html],
            )?;
            let detail = format!("{} settlements, {} people", order.settlements, order.population);
            let issued = IssuedOrder {
                number,
                issued_at: at,
                issued_by: username,
                scope: order.scope,
                settlements: order.settlements,
                population: order.population,
            };
            Ok((issued, Audit::new("issue order", format!("order {number}"), Some(detail))))
        })
    }

    pub fn orders(&self) -> Result<Vec<IssuedOrder>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT o.number, o.issued_at, u.username, o.scope, o.settlements, o.population FROM orders o JOIN users u ON u.id = o.issued_by ORDER BY o.number",
            )?;
            let rows = st.query_map([], |r| {
                Ok(IssuedOrder {
                    number: r.get(0)?,
                    issued_at: r.get(1)?,
                    issued_by: r.get(2)?,
                    scope: r.get(3)?,
                    settlements: r.get(4)?,
                    population: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// An issued order's JSON body and printable HTML.
    pub fn order(&self, number: i64) -> Result<Option<(String, String)>, StoreError> {
        self.read(|c| {
            Ok(c.query_row("SELECT body, html FROM orders WHERE number = ?1", [number], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
    }

    // ---- audit ----

    pub fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|c| {
            let mut st =
                c.prepare("SELECT id, at, username, action, target, ip, detail FROM audit ORDER BY id DESC LIMIT ?1")?;
            let rows = st.query_map([limit], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    username: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    ip: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store, Actor) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("evac.sqlite")).unwrap();
        let id = store.add_user(&Actor::command_line(), "olena", Role::Coordinator, "a-long-passphrase").unwrap();
        let user = User { id, username: "olena".into(), role: Role::Coordinator };
        (dir, store, Actor::user(&user, Some("10.0.0.7".into())))
    }

    fn household(name: &str) -> NewHousehold {
        NewHousehold {
            settlement_id: "s1".into(),
            head_name: name.into(),
            members: 3,
            needs: vec![Need::Children, Need::NoCar],
            phone: Some("+380 50 123 45 67".into()),
        }
    }

    /// A second connection to the same file, as an operator (or an attacker) would have.
    fn sql(store: &Store) -> Connection {
        Connection::open(store.path()).unwrap()
    }

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    /// Make every audit insert of `action` fail, as a full disk or a broken audit table would.
    fn refuse_audit(conn: &Connection, action: &str) {
        conn.execute_batch(&format!(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit WHEN NEW.action = '{action}'
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END;"
        ))
        .unwrap();
    }

    #[test]
    fn a_change_whose_audit_record_fails_is_not_made() {
        let (_dir, store, by) = store();
        let conn = sql(&store);
        let id = store.register(&by, household("Коваленко Олена")).unwrap().id;
        let audits = count(&conn, "audit");

        refuse_audit(&conn, "register household");
        let err = store.register(&by, household("Шевченко Тарас")).unwrap_err();
        assert!(err.to_string().contains("audit refused"), "{err}");
        assert_eq!(count(&conn, "households"), 1, "the registration went with its audit record");
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        refuse_audit(&conn, "event departed");
        assert!(store.event(&by, id, EventKind::Departed, None).is_err());
        assert_eq!(count(&conn, "events"), 0);
        let status: String = conn.query_row("SELECT status FROM households WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(status, "registered", "neither the event nor the status change stayed");
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        refuse_audit(&conn, "issue order");
        let order = OrderRecord { scope: "all".into(), settlements: 1, population: 10, body: "{}".into() };
        assert!(store.issue_order(&by, order, Box::new(|n, _| format!("<h1>{n}</h1>"))).is_err());
        assert_eq!(count(&conn, "orders"), 0);
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        refuse_audit(&conn, "add user");
        assert!(store.add_user(&by, "taras", Role::Viewer, "another-passphrase").is_err());
        assert_eq!(count(&conn, "users"), 1);
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        refuse_audit(&conn, "log in");
        assert!(store.login("olena", "a-long-passphrase", 1, None).is_err());
        assert_eq!(count(&conn, "sessions"), 0);
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        refuse_audit(&conn, "view households");
        assert!(store.view_households(&by, Some("s1")).is_err(), "personal data is not shown unaudited");
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        assert_eq!(count(&conn, "audit"), audits, "no audit record without its change either");
    }

    #[test]
    fn every_change_leaves_its_audit_record() {
        let (_dir, store, by) = store();
        let registered = store.register(&by, household("Коваленко Олена")).unwrap();
        let dup = store.register(&by, household("Kovalenko Olena")).unwrap();
        assert_eq!(dup.possible_duplicates[0].id, registered.id);
        assert_eq!(dup.possible_duplicates[0].reason, "same phone and similar name");
        store.event(&by, registered.id, EventKind::Arrived, Some("kharkiv".into())).unwrap();
        store.add_user(&by, "taras", Role::Registrar, "another-passphrase").unwrap();
        let (token, user) = store.login("taras", "another-passphrase", 1, Some("10.0.0.8".into())).unwrap().unwrap();
        assert_eq!(store.session_user(&token).unwrap(), Some(user.clone()));
        store.logout(&Actor::user(&user, Some("10.0.0.8".into())), &token).unwrap();
        assert_eq!(store.session_user(&token).unwrap(), None);
        let order = OrderRecord { scope: "all".into(), settlements: 1, population: 10, body: "{}".into() };
        let issued = store.issue_order(&by, order, Box::new(|n, at| format!("<h1>{n} {at}</h1>"))).unwrap();
        assert_eq!((issued.number, issued.issued_by.as_str()), (1, "olena"));
        let rows = store.view_households(&by, Some("s1")).unwrap();
        assert_eq!(rows[0].status, HouseholdStatus::Arrived);
        assert_eq!(rows[0].needs, [Need::Children, Need::NoCar]);
        assert_eq!(rows[0].centre_id.as_deref(), Some("kharkiv"));
        assert_eq!(store.view_household(&by, dup.id).unwrap().status, HouseholdStatus::Registered);
        assert!(matches!(store.view_household(&by, 999), Err(StoreError::NotFound(_))));

        // who, what, which, from where
        let log: Vec<String> = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| {
                let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
                format!("{} | {} | {} | {}", or_dash(e.username), e.action, or_dash(e.target), or_dash(e.ip))
            })
            .collect();
        assert_eq!(
            log,
            [
                "- | add user | olena | -",
                "olena | register household | household 1 | 10.0.0.7",
                "olena | register household | household 2 | 10.0.0.7",
                "olena | event arrived | household 1 | 10.0.0.7",
                "olena | add user | taras | 10.0.0.7",
                "taras | log in | taras | 10.0.0.8",
                "taras | log out | taras | 10.0.0.8",
                "olena | issue order | order 1 | 10.0.0.7",
                "olena | view households | settlement s1 | 10.0.0.7",
                "olena | view household | household 2 | 10.0.0.7",
            ]
        );
        let counts = store.counts_by_settlement().unwrap();
        assert_eq!((counts["s1"].registered, counts["s1"].arrived), (6, 3));
        assert_eq!(store.occupancy().unwrap()["kharkiv"], 3);
    }

    #[test]
    fn records_name_a_signed_in_user() {
        let (_dir, store, _) = store();
        let err = store.register(&Actor::command_line(), household("Коваленко Олена")).unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    }

    #[test]
    fn the_schema_allows_exactly_the_enums_names() {
        let (_dir, store, _) = store();
        let conn = sql(&store);
        let schema = |table: &str| -> String {
            conn.query_row("SELECT sql FROM sqlite_master WHERE name = ?1", [table], |r| r.get(0)).unwrap()
        };
        let in_list = |names: &[&str]| names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
        assert!(schema("households").contains(&format!("status IN ({})", in_list(HouseholdStatus::NAMES))));
        assert!(schema("events").contains(&format!("kind IN ({})", in_list(EventKind::NAMES))));
        let mut roles = Role::NAMES.to_vec();
        roles.reverse();
        assert!(schema("users").contains(&format!("role IN ({})", in_list(&roles))));
    }
}
