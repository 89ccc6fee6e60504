//! The store: one writer thread with group commit, a pool of readers.

use crate::StoreError;
use crate::migrations::MIGRATIONS;
use crate::model::*;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce(&Transaction) -> Result<serde_json::Value, StoreError> + Send>;
type Reply = mpsc::SyncSender<Result<serde_json::Value, StoreError>>;

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
    jobs: mpsc::Sender<(Job, Reply)>,
    readers: Arc<Mutex<Vec<Connection>>>,
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

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<(Job, Reply)>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let tx = match conn.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError::Sql(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                        Some(e.to_string()),
                    ))));
                }
                continue;
            }
        };
        let mut results = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for (job, reply) in batch {
            // Each job in its own savepoint: one failing job does not undo the others.
            let result = match tx.execute_batch("SAVEPOINT job") {
                Ok(()) => {
                    let r = job(&tx);
                    let end = if r.is_ok() { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
                    match tx.execute_batch(end) {
                        Ok(()) => r,
                        Err(e) => Err(StoreError::Sql(e)),
                    }
                }
                Err(e) => Err(StoreError::Sql(e)),
            };
            results.push(result);
            replies.push(reply);
        }
        match tx.commit() {
            Ok(()) => {
                for (r, reply) in results.into_iter().zip(replies) {
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Conflict(format!("commit failed: {msg}"))));
                }
            }
        }
    }
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
        let (tx, rx) = mpsc::channel::<(Job, Reply)>();
        std::thread::Builder::new()
            .name("evac-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .expect("spawn writer");
        Ok(Store { path: path.to_path_buf(), jobs: tx, readers: Arc::new(Mutex::new(Vec::new())) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run a write in the writer thread; returns once it is committed.
    pub fn write<F>(&self, job: F) -> Result<serde_json::Value, StoreError>
    where
        F: FnOnce(&Transaction) -> Result<serde_json::Value, StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        self.jobs.send((Box::new(job), reply)).map_err(|_| StoreError::Closed)?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }

    /// Run a read on a pooled read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
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

    pub fn add_user(&self, username: &str, role: Role, password: &str) -> Result<i64, StoreError> {
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
        let v = self.write(move |tx| {
            let exists: Option<i64> =
                tx.query_row("SELECT id FROM users WHERE username = ?1", [&name], |r| r.get(0)).optional()?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!("user {name} exists")));
            }
            tx.execute(
                "INSERT INTO users (username, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), hash, now()],
            )?;
            Ok(serde_json::json!(tx.last_insert_rowid()))
        })?;
        Ok(v.as_i64().unwrap_or(0))
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare("SELECT id, username, role FROM users ORDER BY id")?;
            let rows =
                st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, username, role) = row?;
                out.push(User { id, username, role: Role::parse(&role).unwrap_or(Role::Viewer) });
            }
            Ok(out)
        })
    }

    /// Check a password and open a session: the token (only its hash is stored).
    pub fn login(&self, username: &str, password: &str, hours: i64) -> Result<Option<(String, User)>, StoreError> {
        let found: Option<(i64, String, String)> = self.read(|c| {
            Ok(c.query_row(
                "SELECT id, role, password_hash FROM users WHERE username = ?1 AND disabled = 0",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
        })?;
        let Some((id, role, hash)) = found else { return Ok(None) };
        use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Conflict(e.to_string()))?;
        if argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() {
            return Ok(None);
        }
        let token = random_token();
        let token_hash = hash_token(&token);
        let expires =
            (chrono::Utc::now() + chrono::Duration::hours(hours)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, id, now(), expires],
            )?;
            Ok(serde_json::Value::Null)
        })?;
        let role = Role::parse(&role).unwrap_or(Role::Viewer);
        Ok(Some((token, User { id, username: username.to_string(), role })))
    }

    pub fn session_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        let token_hash = hash_token(token);
        self.read(|c| {
            Ok(c.query_row(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                params![token_hash, now()],
                |r| {
                    Ok(User {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::Viewer),
                    })
                },
            )
            .optional()?)
        })
    }

    pub fn logout(&self, token: &str) -> Result<(), StoreError> {
        let token_hash = hash_token(token);
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            Ok(serde_json::Value::Null)
        })?;
        Ok(())
    }

    // ---- households ----

    /// Register a household; likely duplicates (same phone, or a similar name in any
    /// spelling, in the same settlement) are reported, not refused.
    pub fn register(&self, h: NewHousehold, user: &User, ip: Option<String>) -> Result<Registered, StoreError> {
        let user = user.clone();
        let v = self.write(move |tx| {
            let key = evac_names::translit::coarse_key(&h.head_name);
            let phone = h.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
            let pkey = phone.as_deref().and_then(phone_key);
            let mut hints = Vec::new();
            {
                let mut st = tx.prepare_cached("SELECT id, head_name, name_key, phone_key FROM households WHERE settlement_id = ?1")?;
                let rows = st.query_map([&h.settlement_id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
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
            tx.execute(
                "INSERT INTO households (settlement_id, head_name, name_key, members, needs, phone, phone_key, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![h.settlement_id, h.head_name.trim(), key, h.members, serde_json::to_string(&h.needs).unwrap_or_default(), phone, pkey, user.id, now()],
            )?;
            let id = tx.last_insert_rowid();
            audit_in(tx, &user, "register household", &format!("household {id}"), ip.as_deref(), Some(&format!("settlement {}", h.settlement_id)))?;
            Ok(serde_json::to_value(Registered { id, possible_duplicates: hints }).expect("serialises"))
        })?;
        serde_json::from_value(v).map_err(|e| StoreError::Conflict(e.to_string()))
    }

    pub fn households(&self, settlement_id: Option<&str>, id: Option<i64>) -> Result<Vec<Household>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT id, settlement_id, head_name, members, needs, phone, status, centre_id, created_at FROM households
                 WHERE (?1 IS NULL OR settlement_id = ?1) AND (?2 IS NULL OR id = ?2) ORDER BY id",
            )?;
            let rows = st.query_map(params![settlement_id, id], |r| {
                Ok(Household {
                    id: r.get(0)?,
                    settlement_id: r.get(1)?,
                    head_name: r.get(2)?,
                    members: r.get(3)?,
                    needs: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
                    phone: r.get(5)?,
                    status: r.get(6)?,
                    centre_id: r.get(7)?,
                    created_at: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Record an event (departed, arrived, refused, returned) and update the household.
    pub fn event(
        &self,
        household: i64,
        kind: &str,
        centre_id: Option<String>,
        user: &User,
        ip: Option<String>,
    ) -> Result<i64, StoreError> {
        let kind = kind.to_string();
        let user = user.clone();
        let v = self.write(move |tx| {
            let exists: Option<i64> =
                tx.query_row("SELECT id FROM households WHERE id = ?1", [household], |r| r.get(0)).optional()?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("no household {household}")));
            }
            tx.execute(
                "INSERT INTO events (household_id, kind, centre_id, user_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![household, kind, centre_id, user.id, now()],
            )?;
            let id = tx.last_insert_rowid();
            if kind == "arrived" {
                tx.execute(
                    "UPDATE households SET status = ?1, centre_id = ?2 WHERE id = ?3",
                    params![kind, centre_id, household],
                )?;
            } else {
                tx.execute(
                    "UPDATE households SET status = ?1, centre_id = NULL WHERE id = ?2",
                    params![kind, household],
                )?;
            }
            audit_in(
                tx,
                &user,
                &format!("event {kind}"),
                &format!("household {household}"),
                ip.as_deref(),
                centre_id.as_deref(),
            )?;
            Ok(serde_json::json!(id))
        })?;
        Ok(v.as_i64().unwrap_or(0))
    }

    /// People (household members) per settlement and status.
    pub fn counts_by_settlement(&self) -> Result<HashMap<String, StatusCounts>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT settlement_id, status, count(*), sum(members) FROM households GROUP BY settlement_id, status",
            )?;
            let mut out: HashMap<String, StatusCounts> = HashMap::new();
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
            })?;
            for row in rows {
                let (s, status, households, people) = row?;
                let e = out.entry(s).or_default();
                e.households += households as u64;
                e.registered += people as u64;
                let people = people as u64;
                match status.as_str() {
                    "departed" => e.departed += people,
                    "arrived" => e.arrived += people,
                    "refused" => e.refused += people,
                    "returned" => e.returned += people,
                    _ => {}
                }
            }
            Ok(out)
        })
    }

    /// People arrived per centre.
    pub fn occupancy(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare("SELECT centre_id, sum(members) FROM households WHERE status = 'arrived' AND centre_id IS NOT NULL GROUP BY centre_id")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            Ok(rows.map(|r| r.map(|(k, v)| (k, v as u64))).collect::<Result<_, _>>()?)
        })
    }

    // ---- orders ----

    /// Issue an order: the next number, stored with its JSON and the HTML `html_for` renders
    /// for that number and time, never to change.
    pub fn issue_order(
        &self,
        order: OrderRecord,
        html_for: HtmlFor,
        user: &User,
        ip: Option<String>,
    ) -> Result<IssuedOrder, StoreError> {
        let user = user.clone();
        let v = self.write(move |tx| {
            let number: i64 = tx.query_row("SELECT coalesce(max(number), 0) + 1 FROM orders", [], |r| r.get(0))?;
            let at = now();
            let html = html_for(number, &at);
            tx.execute(
                "INSERT INTO orders (number, issued_at, issued_by, scope, settlements, population, body, html) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![number, at, user.id, order.scope, order.settlements, order.population, order.body, html],
            )?;
            let detail = format!("{} settlements, {} people", order.settlements, order.population);
            audit_in(tx, &user, "issue order", &format!("order {number}"), ip.as_deref(), Some(&detail))?;
            let issued = IssuedOrder {
                number,
                issued_at: at,
                issued_by: user.username.clone(),
                scope: order.scope,
                settlements: order.settlements,
                population: order.population,
            };
            Ok(serde_json::to_value(issued).expect("serialises"))
        })?;
        serde_json::from_value(v).map_err(|e| StoreError::Conflict(e.to_string()))
    }

    pub fn orders(&self) -> Result<Vec<IssuedOrder>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT o.number, o.issued_at, u.username, o.scope, o.settlements, o.population FROM orders o JOIN users u ON u.id = o.issued_by ORDER BY o.number",
            )?;
            let rows = st.query_map([], |r| {
                Ok(IssuedOrder { number: r.get(0)?, issued_at: r.get(1)?, issued_by: r.get(2)?, scope: r.get(3)?, settlements: r.get(4)?, population: r.get(5)? })
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

    pub fn audit(
        &self,
        user: &User,
        action: &str,
        target: &str,
        ip: Option<String>,
        detail: Option<String>,
    ) -> Result<(), StoreError> {
        let (user, action, target) = (user.clone(), action.to_string(), target.to_string());
        self.write(move |tx| {
            audit_in(tx, &user, &action, &target, ip.as_deref(), detail.as_deref())?;
            Ok(serde_json::Value::Null)
        })?;
        Ok(())
    }

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

fn audit_in(
    tx: &Transaction,
    user: &User,
    action: &str,
    target: &str,
    ip: Option<&str>,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (at, user_id, username, action, target, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![now(), user.id, user.username, action, target, ip, detail],
    )?;
    Ok(())
}
