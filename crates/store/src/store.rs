//! The store: typed operations over one writer thread and a pool of readers, written once
//! for both engines.
//!
//! Every change goes through [`Store::change`], which appends the change's audit record in
//! the same savepoint as the change itself: both commit together or neither does. Reads of
//! personal data are recorded the same way before the data is handed out.

use crate::StoreError;
use crate::db::{Engine, Row, Sql, Value, WriteConn, vals};
use crate::guard::LoginGuard;
use crate::model::*;
use crate::names::{check_password, clean_name, normalise_username, username_key};
use crate::search::{self, Identity};
use crate::writer::{Order, Writer};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Renders an order's printable HTML for its number and issue time.
pub type HtmlFor = Box<dyn Fn(i64, &str) -> String + Send>;

/// What an issued order records.
pub struct OrderRecord {
    pub scope: String,
    pub settlements: i64,
    pub population: i64,
    /// order.json
    pub body: String,
}

/// What a login attempt came to (refusals for too many attempts are errors: 429).
#[derive(Debug)]
pub enum LoginOutcome {
    LoggedIn {
        token: String,
        user: User,
    },
    /// Unknown name, wrong password, disabled account: the caller is told nothing more.
    Refused,
}

/// Where the data lives.
#[derive(Debug, Clone)]
enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

type Opener = Box<dyn Fn() -> Result<Box<dyn Sql + Send>, StoreError> + Send + Sync>;

/// A bounded pool of read connections.
struct Readers {
    idle: Mutex<(Vec<Box<dyn Sql + Send>>, usize)>,
    returned: Condvar,
    open: Opener,
    max: usize,
}

impl Readers {
    fn take(&self) -> Result<Box<dyn Sql + Send>, StoreError> {
        let mut pool = self.idle.lock().expect("pool");
        loop {
            if let Some(c) = pool.0.pop() {
                return Ok(c);
            }
            if pool.1 < self.max {
                pool.1 += 1;
                drop(pool);
                return (self.open)().inspect_err(|_| self.idle.lock().expect("pool").1 -= 1);
            }
            pool = self.returned.wait(pool).expect("pool");
        }
    }

    fn give_back(&self, conn: Box<dyn Sql + Send>) {
        let mut pool = self.idle.lock().expect("pool");
        if conn.usable() {
            pool.0.push(conn);
        } else {
            pool.1 -= 1;
        }
        self.returned.notify_one();
    }
}

struct Inner {
    location: Location,
    writer: Writer,
    readers: Readers,
    guard: LoginGuard,
    /// The exclusive lock of a served SQLite file, held while the store lives.
    _lock: Option<std::fs::File>,
}

/// Handle to the database (cheap to clone).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// What the audit log says about one change or one read of personal data.
#[derive(Clone)]
pub(crate) struct Audit {
    action: String,
    target: String,
    detail: Option<String>,
}

impl Audit {
    fn new(action: impl Into<String>, target: impl Into<String>, detail: Option<String>) -> Audit {
        Audit { action: action.into(), target: target.into(), detail }
    }
}

pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Digits only: "+380 (50) 123-45-67" and "0501234567" compare by their last 9 digits.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 6).then(|| digits[digits.len().saturating_sub(9)..].to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    hex(&bytes)
}

/// A readable random password (the first account, a reset).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    use argon2::password_hash::PasswordHasher;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| StoreError::Invalid { field: "password".into(), message: e.to_string() })?
        .to_string())
}

/// The hash an unknown name is checked against, so that it costs the same as a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_password()).expect("a random password hashes"))
}

fn password_matches(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

const HOUSEHOLD_COLUMNS: &str = "id, settlement_id, head_name, members, needs, phone, status, centre_id, created_at, version, \
     cannot_walk, needs_oxygen, needs_bed, needs_escort, children, pets, document, birth_year, vehicle, trip, merged_into";

fn household_row(r: &Row) -> Result<Household, StoreError> {
    let needs = r.text(4)?;
    let count = |i: usize| -> Result<u32, StoreError> {
        u32::try_from(r.int(i)?).map_err(|e| StoreError::Failed(format!("column {i}: {e}")))
    };
    let members = count(3)?;
    Ok(Household {
        id: r.int(0)?,
        settlement_id: r.text(1)?,
        head_name: r.text(2)?,
        members,
        people: members,
        counts: PersonCounts {
            cannot_walk: count(10)?,
            needs_oxygen: count(11)?,
            needs_bed: count(12)?,
            needs_escort: count(13)?,
            children: count(14)?,
            pets: count(15)?,
        },
        needs: serde_json::from_str(&needs).map_err(|e| StoreError::Failed(format!("needs {needs:?}: {e}")))?,
        phone: r.opt_text(5)?,
        document: r.opt_text(16)?,
        birth_year: r.opt_int(17)?,
        status: r.named(6, HouseholdStatus::parse)?,
        centre_id: r.opt_text(7)?,
        vehicle: r.opt_text(18)?,
        trip: r.opt_text(19)?,
        merged_into: r.opt_int(20)?,
        created_at: r.text(8)?,
        version: r.int(9)?,
    })
}

/// Where a household is, as its events made it.
struct State {
    status: HouseholdStatus,
    centre: Option<String>,
    vehicle: Option<String>,
    trip: Option<String>,
}

impl Default for State {
    fn default() -> State {
        State { status: HouseholdStatus::Registered, centre: None, vehicle: None, trip: None }
    }
}

impl State {
    /// The state after one more event (not undo): only an arrival places a household at a
    /// centre; boarding names the vehicle and trip, which an arrival or departure keeps and
    /// anything else clears.
    fn then(self, kind: EventKind, centre: Option<String>, vehicle: Option<String>, trip: Option<String>) -> State {
        let Some(status) = kind.status() else { return self };
        let (vehicle, trip) = match kind {
            EventKind::Boarded => (vehicle, trip),
            EventKind::Arrived | EventKind::Departed => (self.vehicle, self.trip),
            _ => (None, None),
        };
        State { status, centre: if kind == EventKind::Arrived { centre } else { None }, vehicle, trip }
    }
}

fn order_row(r: &Row) -> Result<IssuedOrder, StoreError> {
    Ok(IssuedOrder {
        number: r.int(0)?,
        issued_at: r.text(1)?,
        issued_by: r.text(2)?,
        scope: r.text(3)?,
        settlements: r.int(4)?,
        population: r.int(5)?,
        status: if r.opt_text(6)?.is_some() { "revoked" } else { "issued" }.to_string(),
        revoked_at: r.opt_text(6)?,
        revoked_by: r.opt_text(7)?,
        revoke_reason: r.opt_text(8)?,
    })
}

const ORDER_COLUMNS: &str =
    "o.number, o.issued_at, u.username, o.scope, o.settlements, o.population, r.revoked_at, ru.username, r.reason
     FROM orders o JOIN users u ON u.id = o.issued_by
     LEFT JOIN order_revocations r ON r.number = o.number LEFT JOIN users ru ON ru.id = r.revoked_by";

/// The user behind `by`: households, events and orders always name one.
fn signed_in<'a>(by: &'a Actor, to: &str) -> Result<&'a User, StoreError> {
    by.user.as_ref().ok_or_else(|| StoreError::Conflict(format!("only a signed-in user can {to}")))
}

/// A user by normalised name, with password hash and flags.
struct Found {
    user: User,
    hash: String,
    disabled: bool,
}

fn find_user(c: &mut dyn Sql, name: &str) -> Result<Option<Found>, StoreError> {
    let row = c.query_opt(
        "SELECT id, username, role, password_hash, disabled FROM users WHERE username = ?1 AND deleted = 0",
        vals![name],
    )?;
    row.map(|r| {
        Ok(Found {
            user: User { id: r.int(0)?, username: r.text(1)?, role: r.named(2, Role::parse)? },
            hash: r.text(3)?,
            disabled: r.int(4)? != 0,
        })
    })
    .transpose()
}

/// The account a coordinator acts on, which must not be the coordinator's own (nobody
/// locks themselves out) nor leave the operation without an active coordinator.
fn target_user(c: &mut dyn Sql, by: &Actor, name: &str, to: &str) -> Result<Found, StoreError> {
    let name = normalise_username(name).map_err(|_| StoreError::NotFound(format!("no user {name}")))?;
    let found = find_user(c, &name)?.ok_or_else(|| StoreError::NotFound(format!("no user {name}")))?;
    if by.user.as_ref().is_some_and(|u| u.id == found.user.id) {
        return Err(StoreError::Conflict(format!("you cannot {to} your own account")));
    }
    if found.user.role == Role::Coordinator && !found.disabled {
        let others = c
            .query_one(
                "SELECT count(*) FROM users WHERE role = 'coordinator' AND disabled = 0 AND deleted = 0 AND id <> ?1",
                vals![found.user.id],
            )?
            .int(0)?;
        if others == 0 {
            return Err(StoreError::Conflict(format!("{name} is the last active coordinator: add another first")));
        }
    }
    Ok(found)
}

impl Store {
    /// Open (creating and migrating if needed) a SQLite database file, without the server's
    /// exclusive lock (for the command-line tools, which may run beside a server).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_sqlite(path, false)
    }

    /// Open `db`: a PostgreSQL URL (`postgres://...` or `postgresql://...`) or a SQLite file.
    /// `serve`: a SQLite file is locked for this process (a second server refuses to start).
    pub fn connect(db: &str, serve: bool) -> Result<Store, StoreError> {
        if is_postgres(db) { Store::open_postgres(db) } else { Store::open_sqlite(Path::new(db), serve) }
    }

    fn open_sqlite(path: &Path, serve: bool) -> Result<Store, StoreError> {
        let lock = if serve {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
            }
            Some(crate::sqlite::lock(path)?)
        } else {
            None
        };
        let writer = crate::sqlite::open_writer(path)?;
        let p = path.to_path_buf();
        let open: Opener = Box::new(move || Ok(Box::new(crate::sqlite::connect(&p, true)?) as Box<dyn Sql + Send>));
        // SQLite readers are cheap but hold three file descriptors each (the file, its WAL and
        // its shared memory): 16 keep the session checks of many clients from queueing and
        // leave most descriptors to connections (see the server's connection cap).
        Ok(Store::with(Location::Sqlite(path.to_path_buf()), Box::new(writer), open, lock, 16))
    }

    fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let writer = crate::pg::open_writer(url)?;
        let u = url.to_string();
        let open: Opener = Box::new(move || Ok(Box::new(crate::pg::PgConn::connect(&u)?) as Box<dyn Sql + Send>));
        // PostgreSQL connections are a server process each: several evac servers share the
        // database's connection limit (100 by default).
        Ok(Store::with(Location::Postgres(url.to_string()), Box::new(writer), open, None, 12))
    }

    fn with(
        location: Location,
        writer: Box<dyn WriteConn>,
        open: Opener,
        lock: Option<std::fs::File>,
        max_readers: usize,
    ) -> Store {
        Store {
            inner: Arc::new(Inner {
                location,
                writer: Writer::start(writer),
                readers: Readers {
                    idle: Mutex::new((Vec::new(), 0)),
                    returned: Condvar::new(),
                    open,
                    max: max_readers,
                },
                guard: LoginGuard::default(),
                _lock: lock,
            }),
        }
    }

    pub fn engine(&self) -> Engine {
        match self.inner.location {
            Location::Sqlite(_) => Engine::Sqlite,
            Location::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite file (none for PostgreSQL).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.inner.location {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    /// The database for messages (a PostgreSQL URL without its password).
    pub fn describe(&self) -> String {
        match &self.inner.location {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => crate::pg::redact(u),
        }
    }

    /// The one way to change the database: `work` makes the change and says what the audit
    /// log should record about it; the record is appended in the same savepoint, so the
    /// change and its audit record commit together or not at all. Returns once committed.
    fn change<T, F>(&self, by: &Actor, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Sql) -> Result<(T, Audit), StoreError> + Send + 'static,
    {
        self.change_in(Order::Serial, by, work)
    }

    /// [`Store::change`] for a change whose dependence on other servers' writes is `order`
    /// (most changes check something and then write: [`Order::Serial`]).
    fn change_in<T, F>(&self, order: Order, by: &Actor, mut work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Sql) -> Result<(T, Audit), StoreError> + Send + 'static,
    {
        let by = by.clone();
        self.inner.writer.write_in(order, move |tx| {
            let (value, audit) = work(tx)?;
            crate::audit::append(tx, &by, &audit.action, &audit.target, audit.detail.as_deref())?;
            Ok(value)
        })
    }

    /// Record something that changes nothing else (a read of personal data, a refused
    /// request, a failed login); returns once the record is on disk.
    pub fn record(&self, by: &Actor, action: &str, target: &str, detail: Option<String>) -> Result<(), StoreError> {
        let audit = Audit::new(action, target, detail);
        // An audit record alone reads nothing: it is chained when its batch commits.
        self.change_in(Order::Any, by, move |_| Ok(((), audit.clone())))
    }

    /// Run a read on a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.inner.readers.take()?;
        let r = f(conn.as_mut());
        self.inner.readers.give_back(conn);
        r
    }

    // ---- users and sessions ----

    pub fn user_count(&self) -> Result<i64, StoreError> {
        self.read(|c| c.query_one("SELECT count(*) FROM users", &[])?.int(0))
    }

    pub fn add_user(&self, by: &Actor, username: &str, role: Role, password: &str) -> Result<i64, StoreError> {
        let name = normalise_username(username)?;
        check_password(password, &name)?;
        let hash = hash_password(password)?;
        let detail = match by.user {
            Some(_) => role.as_str().to_string(),
            None => format!("{role}, at the command line"),
        };
        self.change(by, move |tx| {
            let key = username_key(&name);
            let clash = tx.query_opt("SELECT username FROM users WHERE username = ?1 OR username_key = ?2", vals![
                &name, &key
            ])?;
            if let Some(r) = clash {
                let other = r.text(0)?;
                return Err(if other == name {
                    StoreError::Conflict(format!("user {name} exists"))
                } else {
                    StoreError::Invalid {
                        field: "username".into(),
                        message: format!("looks too much like the existing user {other}: choose another name"),
                    }
                });
            }
            let id = tx
                .query_one(
                    "INSERT INTO users (username, role, password_hash, created_at, username_key) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                    vals![&name, role.as_str(), &hash, now(), key],
                )?
                .int(0)?;
            Ok((id, Audit::new("add user", name.clone(), Some(detail.clone()))))
        })
    }

    pub fn users(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|c| {
            c.query("SELECT id, username, role, disabled FROM users WHERE deleted = 0 ORDER BY id", &[])?
                .iter()
                .map(|r| {
                    Ok(Account {
                        id: r.int(0)?,
                        username: r.text(1)?,
                        role: r.named(2, Role::parse)?,
                        disabled: r.int(3)? != 0,
                    })
                })
                .collect()
        })
    }

    /// Check a password and open a session. The same work is done whatever the name (an
    /// unknown one is checked against a dummy hash), every attempt is audited, a name with
    /// too many failures in a row is locked (429), and at most a few checks run at once.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        hours: i64,
        ip: Option<String>,
    ) -> Result<LoginOutcome, StoreError> {
        let name = normalise_username(username).ok();
        // Names that are not valid usernames share one counter.
        let key = name.clone().unwrap_or_else(|| "(invalid name)".into());
        let anonymous = Actor { user: None, ip: ip.clone() };
        if let Err(e) = self.inner.guard.check(&key) {
            self.record(&anonymous, "log in refused", &key, Some(e.to_string()))?;
            return Err(e);
        }
        let found = match &name {
            Some(n) if password.len() <= crate::names::MAX_PASSWORD_BYTES => {
                let n = n.clone();
                self.read(move |c| find_user(c, &n))?
            }
            _ => None,
        };
        let matches = {
            let _permit = self.inner.guard.permit()?;
            let hash = found.as_ref().map_or(dummy_hash(), |f| f.hash.as_str());
            let candidate = if password.len() <= crate::names::MAX_PASSWORD_BYTES { password } else { "" };
            password_matches(candidate, hash)
        };
        let reason = match &found {
            None => Some("unknown user"),
            Some(_) if !matches => Some("wrong password"),
            Some(f) if f.disabled => Some("account disabled"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            let detail = match self.inner.guard.failed(&key) {
                Some(lock) => format!("{reason}; locked for {} s", lock.as_secs()),
                None => reason.to_string(),
            };
            self.record(&anonymous, "log in failed", &key, Some(detail))?;
            return Ok(LoginOutcome::Refused);
        }
        let user = found.expect("a match has a user").user;
        self.inner.guard.succeeded(&key);
        let token = random_token();
        let token_hash = hash_token(&token);
        let expires =
            (chrono::Utc::now() + chrono::Duration::hours(hours)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let (id, uname) = (user.id, user.username.clone());
        self.change(&Actor::user(&user, ip), move |tx| {
            tx.exec(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                vals![&token_hash, id, now(), &expires],
            )?;
            Ok(((), Audit::new("log in", uname.clone(), None)))
        })?;
        Ok(LoginOutcome::LoggedIn { token, user })
    }

    pub fn session_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        let token_hash = hash_token(token);
        self.read(|c| {
            c.query_opt(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0 AND u.deleted = 0",
                vals![token_hash, now()],
            )?
            .map(|r| Ok(User { id: r.int(0)?, username: r.text(1)?, role: r.named(2, Role::parse)? }))
            .transpose()
        })
    }

    /// End the session of `token` (which `by` logged in with).
    pub fn logout(&self, by: &Actor, token: &str) -> Result<(), StoreError> {
        let token_hash = hash_token(token);
        let name = by.user.as_ref().map(|u| u.username.clone()).unwrap_or_default();
        self.change(by, move |tx| {
            tx.exec("DELETE FROM sessions WHERE token_hash = ?1", vals![&token_hash])?;
            Ok(((), Audit::new("log out", name.clone(), None)))
        })
    }

    /// Disable (or enable again) an account: a disabled account cannot log in and its
    /// sessions end at once.
    pub fn set_disabled(&self, by: &Actor, username: &str, disabled: bool) -> Result<(), StoreError> {
        let (name, by2) = (username.to_string(), by.clone());
        self.change(by, move |tx| {
            let found = if disabled {
                target_user(tx, &by2, &name, "disable")?
            } else {
                let n = normalise_username(&name).map_err(|_| StoreError::NotFound(format!("no user {name}")))?;
                find_user(tx, &n)?.ok_or_else(|| StoreError::NotFound(format!("no user {n}")))?
            };
            tx.exec("UPDATE users SET disabled = ?1 WHERE id = ?2", vals![disabled, found.user.id])?;
            let ended =
                if disabled { tx.exec("DELETE FROM sessions WHERE user_id = ?1", vals![found.user.id])? } else { 0 };
            let action = if disabled { "disable user" } else { "enable user" };
            let detail = disabled.then(|| format!("{ended} sessions ended"));
            Ok(((), Audit::new(action, found.user.username, detail)))
        })
    }

    /// Delete an account: it can no longer log in, its sessions end, and it leaves the list.
    /// Its row stays (without a password) because registrations, events, orders and audit
    /// records name it, and the name stays taken so that nobody else can appear as the
    /// author of its records.
    pub fn delete_user(&self, by: &Actor, username: &str) -> Result<(), StoreError> {
        let (name, by2) = (username.to_string(), by.clone());
        self.change(by, move |tx| {
            let found = target_user(tx, &by2, &name, "delete")?;
            tx.exec("DELETE FROM sessions WHERE user_id = ?1", vals![found.user.id])?;
            tx.exec(
                "UPDATE users SET deleted = 1, disabled = 1, password_hash = '!' WHERE id = ?1",
                vals![found.user.id],
            )?;
            Ok(((), Audit::new("delete user", found.user.username, None)))
        })
    }

    /// Give an account a new random password (returned, to be shown once) and end its
    /// sessions.
    pub fn reset_password(&self, by: &Actor, username: &str) -> Result<String, StoreError> {
        let password = random_password();
        let hash = hash_password(&password)?;
        let name = username.to_string();
        self.change(by, move |tx| {
            let n = normalise_username(&name).map_err(|_| StoreError::NotFound(format!("no user {name}")))?;
            let found = find_user(tx, &n)?.ok_or_else(|| StoreError::NotFound(format!("no user {n}")))?;
            tx.exec("UPDATE users SET password_hash = ?1 WHERE id = ?2", vals![&hash, found.user.id])?;
            let ended = tx.exec("DELETE FROM sessions WHERE user_id = ?1", vals![found.user.id])?;
            Ok((
                password.clone(),
                Audit::new("reset password", found.user.username, Some(format!("{ended} sessions ended"))),
            ))
        })
    }

    /// End every session of an account; how many there were.
    pub fn logout_all(&self, by: &Actor, username: &str) -> Result<u64, StoreError> {
        let name = username.to_string();
        self.change(by, move |tx| {
            let n = normalise_username(&name).map_err(|_| StoreError::NotFound(format!("no user {name}")))?;
            let found = find_user(tx, &n)?.ok_or_else(|| StoreError::NotFound(format!("no user {n}")))?;
            let ended = tx.exec("DELETE FROM sessions WHERE user_id = ?1", vals![found.user.id])?;
            Ok((ended, Audit::new("end sessions", found.user.username, Some(format!("{ended} sessions ended")))))
        })
    }

    // ---- households ----

    /// Register a household. Likely duplicates (same phone or document, or a similar name
    /// in any spelling in the same settlement) are found in the search index on a read
    /// connection before the write, and reported (best first, at most five), not refused.
    /// A retried request with the same `client_id` (same user) creates nothing: it gets the
    /// first one's household (`replayed`).
    pub fn register(&self, by: &Actor, h: NewHousehold) -> Result<Registered, StoreError> {
        let user_id = signed_in(by, "register a household")?.id;
        let head_name = clean_name(&h.head_name);
        if head_name.is_empty() {
            return Err(StoreError::Invalid { field: "head_name".into(), message: "no visible characters".into() });
        }
        if h.members == 0 {
            return Err(StoreError::Invalid { field: "people".into(), message: "at least one person".into() });
        }
        for (field, n) in h.counts.people_fields() {
            if n > h.members {
                return Err(StoreError::Invalid {
                    field: field.into(),
                    message: format!("{n} is more than the household's {} people", h.members),
                });
            }
        }
        let phone = h.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
        let document = h.document.as_deref().map(clean_name).filter(|d| !d.is_empty());
        let me = Identity::new(&head_name, phone.as_deref(), document.as_deref(), h.birth_year);
        let keys = me.keys();
        let settlement = h.settlement_id.clone();
        let me2 = me.clone();
        let hints: Vec<DuplicateHint> = self.read(move |c| {
            Ok(search::duplicates(c, &me2, &settlement)?
                .into_iter()
                .map(|(cand, _, reason)| DuplicateHint {
                    id: cand.id,
                    head_name: cand.row.text(2).unwrap_or_default(),
                    settlement_id: cand.settlement_id,
                    reason: reason.into(),
                })
                .collect())
        })?;
        // The insert is right whatever commits beside it: a retry that meets the first one
        // still uncommitted on another server waits for it at the unique key.
        self.change_in(Order::Any, by, move |tx| {
            // One statement whether or not it is a retry (in the writer every round trip
            // counts): a retry's insert meets the unique (created_by, client_id) and does
            // nothing, and only then is the first one read.
            let needs = serde_json::to_string(&h.needs).expect("needs serialise");
            let c = h.counts;
            let insert = "INSERT INTO households (settlement_id, head_name, name_key, members, needs, phone, phone_key, created_by,
                     created_at, cannot_walk, needs_oxygen, needs_bed, needs_escort, children, pets, document, document_key,
                     birth_year, client_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                 ON CONFLICT (created_by, client_id) DO NOTHING RETURNING id";
            let mut params = vals![
                &h.settlement_id, &head_name, me.name_key(), h.members, needs, &phone, me.phone_key.clone(), user_id, now(),
                c.cannot_walk, c.needs_oxygen, c.needs_bed, c.needs_escort, c.children, c.pets,
                &document, me.document_key.clone(), h.birth_year, &h.client_id
            ]
            .to_vec();
            // PostgreSQL inserts the search keys in the same statement (one round trip
            // instead of two); SQLite, in process, has no data-modifying WITH.
            let keys_inserted = tx.engine() == Engine::Postgres && !keys.is_empty();
            let inserted = if keys_inserted {
                let rows: Vec<String> = (0..keys.len()).map(|i| format!("(?{})", params.len() + i + 1)).collect();
                params.extend(keys.iter().map(Value::from));
                tx.query_opt(
                    &format!(
                        "WITH ins AS ({insert}),
                         k AS (INSERT INTO household_keys (key, household_id)
                               SELECT k.key, ins.id FROM ins CROSS JOIN (VALUES {}) AS k(key) ON CONFLICT DO NOTHING)
                         SELECT id FROM ins",
                        rows.join(", ")
                    ),
                    &params,
                )?
            } else {
                tx.query_opt(insert, &params)?
            };
            let id = match (inserted, &h.client_id) {
                (Some(r), _) => r.int(0)?,
                (None, Some(cid)) => {
                    let id = tx
                        .query_one("SELECT id FROM households WHERE created_by = ?1 AND client_id = ?2", vals![user_id, cid])?
                        .int(0)?;
                    let hints = hints.iter().filter(|d| d.id != id).cloned().collect();
                    let audit =
                        Audit::new("register household (retry)", format!("household {id}"), Some(format!("client id {cid}")));
                    return Ok((Registered { id, possible_duplicates: hints, replayed: true }, audit));
                }
                (None, None) => return Err(StoreError::Failed("the household was not inserted".into())),
            };
            if !keys_inserted {
                search::insert_keys(tx, id, &keys)?;
            }
            let mut detail = format!("settlement {}", h.settlement_id);
            if !hints.is_empty() {
                let ids: Vec<String> = hints.iter().map(|d| d.id.to_string()).collect();
                detail.push_str(&format!("; possible duplicates: {}", ids.join(", ")));
            }
            let audit = Audit::new("register household", format!("household {id}"), Some(detail));
            Ok((Registered { id, possible_duplicates: hints.clone(), replayed: false }, audit))
        })
    }

    fn households(&self, settlement_id: Option<&str>, id: Option<i64>) -> Result<Vec<Household>, StoreError> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {HOUSEHOLD_COLUMNS} FROM households
                     WHERE (CAST(?1 AS TEXT) IS NULL OR settlement_id = ?1)
                       AND (CAST(?2 AS BIGINT) IS NULL AND merged_into IS NULL OR id = ?2) ORDER BY id"
                ),
                vals![settlement_id, id],
            )?
            .iter()
            .map(household_row)
            .collect()
        })
    }

    /// The households of one settlement (or all): personal data, so the read is audited.
    /// Households merged into another are not listed.
    pub fn view_households(&self, by: &Actor, settlement_id: Option<&str>) -> Result<Vec<Household>, StoreError> {
        let rows = self.households(settlement_id, None)?;
        let target = settlement_id.map_or("all settlements".to_string(), |id| format!("settlement {id}"));
        self.record(by, "view households", &target, Some(format!("{} records", rows.len())))?;
        Ok(rows)
    }

    /// The households of the settlements a trip serves, as `pick` selects them for its pickup
    /// list: personal data, so the read is audited (`action`, the trip, how many households
    /// `pick` returned) before anything is returned. Households merged into another are not
    /// given to `pick`; they come in registration order (id).
    pub fn view_trip_households<T>(
        &self,
        by: &Actor,
        action: &str,
        trip: &str,
        settlement_ids: &[&str],
        pick: impl FnOnce(Vec<Household>) -> (T, usize),
    ) -> Result<T, StoreError> {
        let mut rows = Vec::new();
        for id in settlement_ids {
            rows.extend(self.households(Some(id), None)?);
        }
        rows.sort_by_key(|h| h.id);
        rows.dedup_by_key(|h| h.id);
        let (picked, n) = pick(rows);
        self.record(by, action, &format!("trip {trip}"), Some(format!("{n} records")))?;
        Ok(picked)
    }

    /// Every household for a coordinator's export: personal data, audited.
    pub fn export_households(&self, by: &Actor) -> Result<Vec<Household>, StoreError> {
        self.export_households_as(by, "csv")
    }

    /// The same, audited with the file format (`csv`: "12 records"; otherwise "12 records,
    /// xlsx").
    pub fn export_households_as(&self, by: &Actor, format: &str) -> Result<Vec<Household>, StoreError> {
        let rows = self.households(None, None)?;
        let detail = match format {
            "csv" => format!("{} records", rows.len()),
            other => format!("{} records, {other}", rows.len()),
        };
        self.record(by, "export households", "all settlements", Some(detail))?;
        Ok(rows)
    }

    /// One household (a merged one too, with `merged_into`): personal data, so the read is
    /// audited.
    pub fn view_household(&self, by: &Actor, id: i64) -> Result<Household, StoreError> {
        let row =
            self.households(None, Some(id))?.pop().ok_or_else(|| StoreError::NotFound(format!("no household {id}")))?;
        self.record(by, "view household", &format!("household {id}"), None)?;
        Ok(row)
    }

    /// A household's events, oldest first (personal data: audited).
    pub fn view_events(&self, by: &Actor, id: i64) -> Result<Vec<EventRecord>, StoreError> {
        let rows = self.read(|c| {
            c.query(
                "SELECT e.id, e.kind, e.centre_id, e.vehicle, e.trip, e.reason, e.at, u.username, e.undone_by
                 FROM events e JOIN users u ON u.id = e.user_id WHERE e.household_id = ?1 ORDER BY e.id",
                vals![id],
            )?
            .iter()
            .map(|r| {
                Ok(EventRecord {
                    id: r.int(0)?,
                    kind: r.named(1, EventKind::parse)?,
                    centre_id: r.opt_text(2)?,
                    vehicle: r.opt_text(3)?,
                    trip: r.opt_text(4)?,
                    reason: r.opt_text(5)?,
                    at: r.text(6)?,
                    by: r.text(7)?,
                    undone_by: r.opt_int(8)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()
        })?;
        self.record(by, "view events", &format!("household {id}"), None)?;
        Ok(rows)
    }

    /// Search households by name (any spelling), phone or document number, optionally in
    /// one settlement: the best few from the index and how many candidates it gave.
    /// Personal data: the search is audited (with the households it returned).
    pub fn search(&self, by: &Actor, q: &str, settlement_id: Option<&str>) -> Result<SearchResults, StoreError> {
        let (q, place) = (q.to_string(), settlement_id.map(str::to_string));
        let (found, total) = self.read(move |c| search::search(c, HOUSEHOLD_COLUMNS, &q, place.as_deref()))?;
        let results: Vec<Household> = found.iter().map(|c| household_row(&c.row)).collect::<Result<_, _>>()?;
        let ids: Vec<String> = results.iter().map(|h| h.id.to_string()).collect();
        let target = settlement_id.map_or("all settlements".to_string(), |id| format!("settlement {id}"));
        let detail = format!("{} of {total} candidates: households {}", results.len(), ids.join(", "));
        self.record(by, "search households", &target, Some(detail))?;
        Ok(SearchResults { results, total_candidates: total as u64 })
    }

    /// Record an event and the household's new status, if the state machine allows it
    /// ([`HouseholdStatus::check`], else 409) and, when `if_version` is given, only if the
    /// household is still at that version (else 412: someone changed it since the caller
    /// looked). `undo` takes back the last event not yet undone: the household's status,
    /// centre, vehicle and trip become what the events before it made them. A retry with
    /// the same client id gets the first one's result (`replayed`).
    pub fn event(
        &self,
        by: &Actor,
        household: i64,
        ev: NewEvent,
        if_version: Option<i64>,
    ) -> Result<Recorded, StoreError> {
        let user_id = signed_in(by, "record an event")?.id;
        self.change(by, move |tx| {
            let kind = ev.kind;
            if let Some(cid) = &ev.client_id
                && let Some(r) = tx.query_opt(
                    "SELECT id, household_id, version FROM events WHERE user_id = ?1 AND client_id = ?2",
                    vals![user_id, cid],
                )?
            {
                if r.int(1)? != household {
                    return Err(StoreError::Rejected {
                        code: "client_id_reused",
                        message: format!("client id {cid} was used for an event of household {}", r.int(1)?),
                    });
                }
                let id = r.int(0)?;
                let audit = Audit::new(format!("event {kind} (retry)"), format!("household {household}"), Some(format!("event {id}")));
                return Ok((Recorded { id, version: r.opt_int(2)?.unwrap_or(0), replayed: true }, audit));
            }
            let row = tx
                .query_opt("SELECT status, version, merged_into, centre_id, vehicle, trip FROM households WHERE id = ?1", vals![household])?
                .ok_or_else(|| StoreError::NotFound(format!("no household {household}")))?;
            let (status, version) = (row.named(0, HouseholdStatus::parse)?, row.int(1)?);
            if let Some(into) = row.opt_int(2)? {
                return Err(StoreError::Rejected {
                    code: "household_merged",
                    message: format!("household {household} was merged into household {into}: record it there"),
                });
            }
            if let Some(expected) = if_version
                && expected != version
            {
                return Err(StoreError::Precondition(format!(
                    "household {household} changed since you read it (version {version}, you had {expected}; it is now {status}): reload it"
                )));
            }
            status.check(kind).map_err(|message| StoreError::Rejected {
                code: if kind.status() == Some(status) { "already_in_status" } else { "transition_not_allowed" },
                message,
            })?;
            let undone = if kind == EventKind::Undo {
                let last = tx
                    .query_opt(
                        "SELECT id, kind FROM events WHERE household_id = ?1 AND kind <> 'undo' AND undone_by IS NULL ORDER BY id DESC LIMIT 1",
                        vals![household],
                    )?
                    .ok_or_else(|| StoreError::Rejected {
                        code: "nothing_to_undo",
                        message: format!("household {household} has no event to undo"),
                    })?;
                Some((last.int(0)?, last.text(1)?))
            } else {
                None
            };
            let id = tx
                .query_one(
                    "INSERT INTO events (household_id, kind, centre_id, user_id, at, vehicle, trip, reason, client_id, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                    vals![
                        household, kind.as_str(), ev.centre_id.clone(), user_id, now(), ev.vehicle.clone(), ev.trip.clone(),
                        ev.reason.clone(), ev.client_id.clone(), version + 1
                    ],
                )?
                .int(0)?;
            let state = match &undone {
                Some((last, _)) => {
                    tx.exec("UPDATE events SET undone_by = ?1 WHERE id = ?2", vals![id, *last])?;
                    let mut state = State::default();
                    for r in tx.query(
                        "SELECT kind, centre_id, vehicle, trip FROM events WHERE household_id = ?1 AND kind <> 'undo' AND undone_by IS NULL ORDER BY id",
                        vals![household],
                    )? {
                        state = state.then(r.named(0, EventKind::parse)?, r.opt_text(1)?, r.opt_text(2)?, r.opt_text(3)?);
                    }
                    state
                }
                None => State { status, centre: row.opt_text(3)?, vehicle: row.opt_text(4)?, trip: row.opt_text(5)? }
                    .then(kind, ev.centre_id.clone(), ev.vehicle.clone(), ev.trip.clone()),
            };
            tx.exec(
                "UPDATE households SET status = ?1, centre_id = ?2, vehicle = ?3, trip = ?4, version = version + 1 WHERE id = ?5",
                vals![state.status.as_str(), state.centre, state.vehicle, state.trip, household],
            )?;
            let detail = match (&undone, kind) {
                (Some((last, k)), _) => Some(format!("undid event {last} ({k}); now {}", state.status)),
                (None, EventKind::Arrived) => ev.centre_id.clone(),
                (None, EventKind::Boarded) => Some(format!(
                    "vehicle {}, trip {}",
                    ev.vehicle.as_deref().unwrap_or("-"),
                    ev.trip.as_deref().unwrap_or("-")
                )),
                (None, _) => ev.reason.clone(),
            };
            let audit = Audit::new(format!("event {kind}"), format!("household {household}"), detail);
            Ok((Recorded { id, version: version + 1, replayed: false }, audit))
        })
    }

    /// Merge household `id` into `into` (the same family registered twice): `id` keeps a
    /// pointer to `into` and leaves every list, count and search; its events stay.
    pub fn merge(&self, by: &Actor, id: i64, into: i64) -> Result<Recorded, StoreError> {
        signed_in(by, "merge households")?;
        self.change(by, move |tx| {
            let reject = |message: String| StoreError::Rejected { code: "merge_not_allowed", message };
            if id == into {
                return Err(reject(format!("household {id} cannot be merged into itself")));
            }
            let mut versions = Vec::new();
            for h in [id, into] {
                let r = tx
                    .query_opt("SELECT merged_into, version FROM households WHERE id = ?1", vals![h])?
                    .ok_or_else(|| StoreError::NotFound(format!("no household {h}")))?;
                if let Some(other) = r.opt_int(0)? {
                    return Err(StoreError::Rejected {
                        code: "household_merged",
                        message: format!("household {h} was already merged into household {other}"),
                    });
                }
                versions.push(r.int(1)?);
            }
            tx.exec("UPDATE households SET merged_into = ?1, version = version + 1 WHERE id = ?2", vals![into, id])?;
            let audit =
                Audit::new("merge household", format!("household {id}"), Some(format!("into household {into}")));
            Ok((Recorded { id, version: versions[0] + 1, replayed: false }, audit))
        })
    }

    /// People (household members) per settlement and status.
    pub fn counts_by_settlement(&self) -> Result<HashMap<String, StatusCounts>, StoreError> {
        self.read(|c| {
            let rows = c.query(
                "SELECT settlement_id, status, count(*), CAST(sum(members) AS BIGINT) FROM households
                 WHERE merged_into IS NULL GROUP BY settlement_id, status",
                &[],
            )?;
            let mut out: HashMap<String, StatusCounts> = HashMap::new();
            for r in rows {
                let status = r.named(1, HouseholdStatus::parse)?;
                out.entry(r.text(0)?).or_default().add(status, r.int(2)? as u64, r.int(3)? as u64);
            }
            Ok(out)
        })
    }

    /// Households per settlement and status, with their people and people who cannot walk.
    pub fn progress_by_settlement(&self) -> Result<HashMap<String, Progress>, StoreError> {
        self.read(|c| {
            let rows = c.query(
                "SELECT settlement_id, status, count(*), CAST(sum(members) AS BIGINT), CAST(sum(cannot_walk) AS BIGINT)
                 FROM households WHERE merged_into IS NULL GROUP BY settlement_id, status",
                &[],
            )?;
            let mut out: HashMap<String, Progress> = HashMap::new();
            for r in rows {
                let status = r.named(1, HouseholdStatus::parse)?;
                out.entry(r.text(0)?).or_default().add(status, r.int(2)? as u64, r.int(3)? as u64, r.int(4)? as u64);
            }
            Ok(out)
        })
    }

    /// People registered, boarded-or-later and arrived over time ([`Timeline`]), in buckets
    /// of 10 minutes, an hour or a day (the finest that gives at most 144 since the first
    /// registration), thinned to [`Timeline::MAX_POINTS`] when longer still.
    pub fn timeline(&self) -> Result<Timeline, StoreError> {
        self.timeline_at(chrono::Utc::now())
    }

    pub(crate) fn timeline_at(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Timeline, StoreError> {
        use chrono::{DateTime, Duration, NaiveDateTime, Utc};
        let first = self.read(|c| {
            c.query("SELECT min(created_at) FROM households WHERE merged_into IS NULL", &[])?[0].opt_text(0)
        })?;
        let Some(first) = first else { return Ok(Timeline { bucket_minutes: 10, points: vec![] }) };
        let parse = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| StoreError::Failed(format!("a time in the database: {t:?}: {e}")))
        };
        let span = now - parse(&first)?;
        // The bucket: a prefix of the stored time (2026-12-07T06:3 is 06:30-06:40).
        let (minutes, prefix, pad) = if span <= Duration::minutes(10 * 144) {
            (10u32, 15, "0:00")
        } else if span <= Duration::hours(144) {
            (60, 13, ":00:00")
        } else {
            (1440, 10, "T00:00:00")
        };
        const AWAY: &str = "('boarded', 'departed', 'arrived')";
        let (registered, moved) = self.read(|c| {
            let registered = c.query(
                &format!(
                    "SELECT substr(created_at, 1, {prefix}) AS b, CAST(sum(members) AS BIGINT) FROM households
                     WHERE merged_into IS NULL GROUP BY b ORDER BY b"
                ),
                &[],
            )?;
            // Each event not undone against the one before it (registered before the first):
            // people entering or leaving boarded-or-later, and arrived.
            let moved = c.query(
                &format!(
                    "WITH ev AS (
                       SELECT e.at, e.kind, h.members,
                              COALESCE(LAG(e.kind) OVER (PARTITION BY e.household_id ORDER BY e.id), 'registered') AS prev
                       FROM events e JOIN households h ON h.id = e.household_id
                       WHERE e.kind <> 'undo' AND e.undone_by IS NULL AND h.merged_into IS NULL)
                     SELECT substr(at, 1, {prefix}) AS b,
                       CAST(sum(CASE WHEN kind IN {AWAY} AND prev NOT IN {AWAY} THEN members
                                     WHEN kind NOT IN {AWAY} AND prev IN {AWAY} THEN -members ELSE 0 END) AS BIGINT),
                       CAST(sum(CASE WHEN kind = 'arrived' AND prev <> 'arrived' THEN members
                                     WHEN kind <> 'arrived' AND prev = 'arrived' THEN -members ELSE 0 END) AS BIGINT)
                     FROM ev GROUP BY b ORDER BY b"
                ),
                &[],
            )?;
            let reg = registered.iter().map(|r| Ok((r.text(0)?, r.int(1)?, 0, 0))).collect::<Result<Vec<_>, StoreError>>()?;
            let mov =
                moved.iter().map(|r| Ok((r.text(0)?, 0, r.int(1)?, r.int(2)?))).collect::<Result<Vec<_>, StoreError>>()?;
            Ok((reg, mov))
        })?;
        let mut deltas: Vec<(String, i64, i64, i64)> = registered.into_iter().chain(moved).collect();
        deltas.sort_by(|a, b| a.0.cmp(&b.0));
        let start_of = |bucket: &str| {
            NaiveDateTime::parse_from_str(&format!("{bucket}{pad}"), "%Y-%m-%dT%H:%M:%S")
                .map(|t| t.and_utc())
                .map_err(|e| StoreError::Failed(format!("a time in the database: {bucket:?}: {e}")))
        };
        let at = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let width = Duration::minutes(i64::from(minutes));
        let mut points = vec![TimelinePoint { at: at(start_of(&deltas[0].0)?), ..TimelinePoint::default() }];
        let (mut reg, mut away, mut arrived) = (0i64, 0i64, 0i64);
        let mut i = 0;
        while i < deltas.len() {
            let bucket = deltas[i].0.clone();
            while i < deltas.len() && deltas[i].0 == bucket {
                reg += deltas[i].1;
                away += deltas[i].2;
                arrived += deltas[i].3;
                i += 1;
            }
            let end = (start_of(&bucket)? + width).min(now);
            points.push(TimelinePoint {
                at: at(end),
                registered: reg.max(0) as u64,
                boarded_or_later: away.max(0) as u64,
                arrived: arrived.max(0) as u64,
            });
        }
        // Now, when the last bucket ended earlier.
        if let Some(last) = points.last().cloned()
            && last.at < at(now)
        {
            points.push(TimelinePoint { at: at(now), ..last });
        }
        if points.len() > Timeline::MAX_POINTS {
            let step = points.len().div_ceil(Timeline::MAX_POINTS - 1);
            let last = points.len() - 1;
            points =
                points.into_iter().enumerate().filter(|(k, _)| k % step == 0 || *k == last).map(|(_, p)| p).collect();
        }
        Ok(Timeline { bucket_minutes: minutes, points })
    }

    /// People arrived per centre.
    pub fn occupancy(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT centre_id, CAST(sum(members) AS BIGINT) FROM households
                 WHERE status = ?1 AND centre_id IS NOT NULL AND merged_into IS NULL GROUP BY centre_id",
                vals![HouseholdStatus::Arrived.as_str()],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.int(1)? as u64)))
            .collect()
        })
    }

    // ---- orders ----

    /// Issue an order: the next number, stored with its JSON and the HTML `html_for` renders
    /// for that number and time, never to change. An order identical to the last one issued
    /// is refused (409: a double click, or nothing changed); a retried request with the same
    /// `client_key` gets the order its first try issued (`false`: not issued now).
    pub fn issue_order(
        &self,
        by: &Actor,
        order: OrderRecord,
        html_for: HtmlFor,
        client_key: Option<String>,
    ) -> Result<(IssuedOrder, bool), StoreError> {
        let user = signed_in(by, "issue an order")?;
        let user_id = user.id;
        let digest = hex(&Sha256::digest(order.body.as_bytes()));
        let by2 = by.clone();
        let done = self.inner.writer.write(move |tx| {
            if let Some(k) = &client_key
                && let Some(r) = tx.query_opt(&format!("SELECT {ORDER_COLUMNS} WHERE o.client_key = ?1"), vals![k])?
            {
                return Ok((order_row(&r)?, false));
            }
            if let Some(last) =
                tx.query_opt(
                    "SELECT number, issued_at, digest FROM orders o WHERE NOT EXISTS
                     (SELECT 1 FROM order_revocations r WHERE r.number = o.number) ORDER BY number DESC LIMIT 1",
                    &[],
                )?
                && last.opt_text(2)?.as_deref() == Some(digest.as_str())
            {
                return Err(StoreError::Rejected {
                    code: "order_identical",
                    message: format!(
                        "order No. {} (issued {}) is identical: nothing has changed since, so no new order was issued",
                        last.int(0)?,
                        last.text(1)?
                    ),
                });
            }
            let number = tx.query_one("SELECT coalesce(max(number), 0) + 1 FROM orders", &[])?.int(0)?;
            let at = now();
            let html = html_for(number, &at);
            tx.exec(
                "INSERT INTO orders (number, issued_at, issued_by, scope, settlements, population, body, html, client_key, digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                vals![number, &at, user_id, &order.scope, order.settlements, order.population, &order.body, html, &client_key, &digest],
            )?;
            let detail = format!("{} settlements, {} people", order.settlements, order.population);
            crate::audit::append(tx, &by2, "issue order", &format!("order {number}"), Some(&detail))?;
            let issued = tx.query_one(&format!("SELECT {ORDER_COLUMNS} WHERE o.number = ?1"), vals![number])?;
            Ok((order_row(&issued)?, true))
        })?;
        Ok(done)
    }

    /// Revoke an issued order (it stays, marked revoked, with who, when and why).
    pub fn revoke_order(&self, by: &Actor, number: i64, reason: &str) -> Result<IssuedOrder, StoreError> {
        let user_id = signed_in(by, "revoke an order")?.id;
        let reason = clean_name(reason);
        if reason.is_empty() {
            return Err(StoreError::Invalid { field: "reason".into(), message: "say why the order is revoked".into() });
        }
        self.change(by, move |tx| {
            let row = tx
                .query_opt(&format!("SELECT {ORDER_COLUMNS} WHERE o.number = ?1"), vals![number])?
                .ok_or_else(|| StoreError::NotFound(format!("no order number {number}")))?;
            let order = order_row(&row)?;
            if let Some(at) = &order.revoked_at {
                return Err(StoreError::Rejected {
                    code: "order_revoked",
                    message: format!("order No. {number} was already revoked ({at})"),
                });
            }
            tx.exec(
                "INSERT INTO order_revocations (number, revoked_at, revoked_by, reason) VALUES (?1, ?2, ?3, ?4)",
                vals![number, now(), user_id, &reason],
            )?;
            let revoked =
                order_row(&tx.query_one(&format!("SELECT {ORDER_COLUMNS} WHERE o.number = ?1"), vals![number])?)?;
            Ok((revoked, Audit::new("revoke order", format!("order {number}"), Some(reason.clone()))))
        })
    }

    pub fn orders(&self) -> Result<Vec<IssuedOrder>, StoreError> {
        self.read(|c| {
            c.query(&format!("SELECT {ORDER_COLUMNS} ORDER BY o.number"), &[])?.iter().map(order_row).collect()
        })
    }

    /// An issued order's JSON body and printable HTML.
    pub fn order(&self, number: i64) -> Result<Option<(String, String)>, StoreError> {
        self.read(|c| {
            c.query_opt("SELECT body, html FROM orders WHERE number = ?1", vals![number])?
                .map(|r| Ok((r.text(0)?, r.text(1)?)))
                .transpose()
        })
    }

    // ---- audit ----

    pub fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT id, at, username, action, target, ip, detail FROM audit ORDER BY id DESC LIMIT ?1",
                vals![limit],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.int(0)?,
                    at: r.text(1)?,
                    username: r.opt_text(2)?,
                    action: r.text(3)?,
                    target: r.opt_text(4)?,
                    ip: r.opt_text(5)?,
                    detail: r.opt_text(6)?,
                })
            })
            .collect()
        })
    }

    /// Walk the audit chain; on SQLite also check that the last record acknowledged (as the
    /// commit sequence file recorded it) is still there, unchanged.
    pub fn verify_audit(&self) -> Result<crate::audit::Verified, StoreError> {
        let mut v = self.read(crate::audit::verify)?;
        if v.broken.is_none()
            && let Some(path) = self.sqlite_path()
            && let Some(seen) = crate::sqlite::SeqRecord::read(path)?
            && let Some((id, hash)) = seen.audit_head
        {
            let present = self.read(move |c| {
                c.query_opt("SELECT hash FROM audit WHERE id = ?1", vals![id])?.map(|r| r.opt_text(0)).transpose()
            })?;
            if present.flatten().as_deref() != Some(hash.as_str()) {
                v.broken = Some((id, format!("record {id} was acknowledged but is missing or changed")));
            }
        }
        Ok(v)
    }
}

/// Whether `db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

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
            ..Default::default()
        }
    }

    fn arrive(centre: &str) -> NewEvent {
        NewEvent { centre_id: Some(centre.into()), ..NewEvent::of(EventKind::Arrived) }
    }

    /// A second connection to the same file, as an operator (or an attacker) would have.
    fn sql(store: &Store) -> Connection {
        Connection::open(store.sqlite_path().unwrap()).unwrap()
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
    fn timeline_buckets_the_status_history() {
        let (_dir, store, by) = store();
        let conn = sql(&store);
        let ids: Vec<i64> = ["Коваленко Олена", "Шевченко Тарас", "Бондар Ірина"]
            .into_iter()
            .map(|n| store.register(&by, household(n)).unwrap().id)
            .collect();
        store.event(&by, ids[0], NewEvent::of(EventKind::Boarded), None).unwrap();
        store.event(&by, ids[1], NewEvent::of(EventKind::Boarded), None).unwrap();
        store.event(&by, ids[1], NewEvent::of(EventKind::Undo), None).unwrap();
        store.event(&by, ids[0], arrive("kharkiv"), None).unwrap();
        let set = |sql: &str| conn.execute_batch(sql).unwrap();
        for (id, at) in ids.iter().zip(["08:03:10", "08:17:00", "09:55:00"]) {
            set(&format!("UPDATE households SET created_at = '2026-12-01T{at}.000Z' WHERE id = {id}"));
        }
        for (id, at) in [(1, "08:21:00"), (2, "08:25:00"), (3, "08:26:00"), (4, "08:47:00")] {
            set(&format!("UPDATE events SET at = '2026-12-01T{at}.000Z' WHERE id = {id}"));
        }
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&chrono::Utc);
        let points = |t: &Timeline| -> Vec<(String, u64, u64, u64)> {
            t.points.iter().map(|p| (p.at.clone(), p.registered, p.boarded_or_later, p.arrived)).collect()
        };
        let p = |at: &str, r, b, a| (format!("2026-12-01T{at}Z"), r, b, a);
        // Under a day: 10 minutes. The undone boarding never counts.
        let t = store.timeline_at(at("2026-12-01T10:00:00Z")).unwrap();
        assert_eq!(t.bucket_minutes, 10);
        assert_eq!(
            points(&t),
            [
                p("08:00:00", 0, 0, 0),
                p("08:10:00", 3, 0, 0),
                p("08:20:00", 6, 0, 0),
                p("08:30:00", 6, 3, 0),
                p("08:50:00", 6, 3, 3),
                p("10:00:00", 9, 3, 3),
            ]
        );
        // Three days on: hours, then now.
        let t = store.timeline_at(at("2026-12-04T10:00:00Z")).unwrap();
        assert_eq!(t.bucket_minutes, 60);
        let mut want = vec![p("08:00:00", 0, 0, 0), p("09:00:00", 6, 3, 3), p("10:00:00", 9, 3, 3)];
        want.push(("2026-12-04T10:00:00Z".into(), 9, 3, 3));
        assert_eq!(points(&t), want);
        // A returned household leaves boarded-or-later and arrived.
        store.event(&by, ids[0], NewEvent::of(EventKind::Returned), None).unwrap();
        set("UPDATE events SET at = '2026-12-02T12:00:00.000Z' WHERE id = 5");
        let t = store.timeline_at(at("2027-01-01T00:00:00Z")).unwrap();
        assert_eq!(t.bucket_minutes, 1440);
        assert_eq!(
            points(&t),
            [
                ("2026-12-01T00:00:00Z".into(), 0, 0, 0),
                ("2026-12-02T00:00:00Z".into(), 9, 3, 3),
                ("2026-12-03T00:00:00Z".into(), 9, 0, 0),
                ("2027-01-01T00:00:00Z".into(), 9, 0, 0),
            ]
        );
        // Registrations on 200 days: thinned to the bound, the first and the last point kept.
        for day in 0..200 {
            let id = store.register(&by, household(&format!("Родина {day}"))).unwrap().id;
            let d = at("2026-01-01T12:00:00Z") + chrono::Duration::days(day);
            set(&format!(
                "UPDATE households SET created_at = '{}' WHERE id = {id}",
                d.format("%Y-%m-%dT%H:%M:%S%.3fZ")
            ));
        }
        let t = store.timeline_at(at("2027-01-01T00:00:00Z")).unwrap();
        assert!(t.points.len() <= Timeline::MAX_POINTS, "{}", t.points.len());
        assert_eq!(t.points[0].at, "2026-01-01T00:00:00Z");
        assert_eq!(points(&t).last().unwrap(), &("2027-01-01T00:00:00Z".to_string(), 609, 0, 0));
        assert!(t.points.windows(2).all(|w| w[0].at < w[1].at && w[0].registered <= w[1].registered));
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
        assert!(store.event(&by, id, NewEvent::of(EventKind::Departed), None).is_err());
        assert_eq!(count(&conn, "events"), 0);
        let status: String = conn.query_row("SELECT status FROM households WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(status, "registered", "neither the event nor the status change stayed");
        conn.execute_batch("DROP TRIGGER refuse_audit").unwrap();

        refuse_audit(&conn, "issue order");
        let order = OrderRecord { scope: "all".into(), settlements: 1, population: 10, body: "{}".into() };
        assert!(store.issue_order(&by, order, Box::new(|n, _| format!("<h1>{n}</h1>")), None).is_err());
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

    /// Concurrent writes, some refused (a stale version), share batches: every accepted
    /// write has exactly its audit records, the refused ones none, and the chain holds.
    #[test]
    fn the_audit_chain_holds_when_writes_of_a_batch_are_refused() {
        let (_dir, store, by) = store();
        let conn = sql(&store);
        let first = store.register(&by, household("Коваленко Олена")).unwrap().id;
        let before = count(&conn, "audit");
        let threads: Vec<_> = (0..48)
            .map(|i| {
                let (store, by) = (store.clone(), by.clone());
                std::thread::spawn(move || {
                    if i % 4 == 0 {
                        // Version 99 never exists: refused, in whatever batch it lands.
                        store.event(&by, first, NewEvent::of(EventKind::CheckedIn), Some(99)).is_ok()
                    } else {
                        store.register(&by, household(&format!("Шевченко Тарас {i}"))).is_ok()
                    }
                })
            })
            .collect();
        let accepted = threads.into_iter().map(|t| t.join().unwrap()).filter(|ok| *ok).count() as i64;
        assert_eq!(accepted, 36);
        assert_eq!(count(&conn, "households"), 37);
        assert_eq!(count(&conn, "audit"), before + accepted, "one record per accepted write, none for the refused");
        let verified = store.verify_audit().unwrap();
        assert_eq!(verified.broken, None);
        assert_eq!(verified.records as i64, before + accepted);
    }

    #[test]
    fn every_change_leaves_its_audit_record() {
        let (_dir, store, by) = store();
        let registered = store.register(&by, household("Коваленко Олена")).unwrap();
        let dup = store.register(&by, household("Kovalenko Olena")).unwrap();
        assert_eq!(dup.possible_duplicates[0].id, registered.id);
        assert_eq!(dup.possible_duplicates[0].reason, "same phone and similar name");
        store.event(&by, registered.id, arrive("kharkiv"), None).unwrap();
        store.add_user(&by, "taras", Role::Registrar, "another-passphrase").unwrap();
        let LoginOutcome::LoggedIn { token, user } =
            store.login("taras", "another-passphrase", 1, Some("10.0.0.8".into())).unwrap()
        else {
            panic!("login refused")
        };
        assert_eq!(store.session_user(&token).unwrap(), Some(user.clone()));
        store.logout(&Actor::user(&user, Some("10.0.0.8".into())), &token).unwrap();
        assert_eq!(store.session_user(&token).unwrap(), None);
        let order = OrderRecord { scope: "all".into(), settlements: 1, population: 10, body: "{}".into() };
        let (issued, _) = store.issue_order(&by, order, Box::new(|n, at| format!("<h1>{n} {at}</h1>")), None).unwrap();
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

    fn order(body: &str) -> OrderRecord {
        OrderRecord { scope: "all".into(), settlements: 1, population: 10, body: body.into() }
    }

    #[test]
    fn the_audit_table_is_append_only_and_chained() {
        let (_dir, store, by) = store();
        store.register(&by, household("Коваленко Олена")).unwrap();
        store.register(&by, household("Шевченко Тарас")).unwrap();
        let conn = sql(&store);
        assert!(conn.execute("UPDATE audit SET action = 'nothing' WHERE id = 2", []).is_err());
        assert!(conn.execute("DELETE FROM audit WHERE id = 2", []).is_err());
        let v = store.verify_audit().unwrap();
        assert_eq!((v.records, v.broken.clone()), (3, None), "{v:?}");
        // Around the triggers: the chain finds the edit.
        conn.execute_batch("DROP TRIGGER audit_is_append_only; UPDATE audit SET username = 'someone' WHERE id = 2")
            .unwrap();
        assert_eq!(store.verify_audit().unwrap().broken.map(|b| b.0), Some(2));
    }

    #[test]
    fn removing_the_last_audit_records_is_found() {
        let (_dir, store, by) = store();
        store.register(&by, household("Коваленко Олена")).unwrap();
        let conn = sql(&store);
        conn.execute_batch("DROP TRIGGER audit_is_kept; DELETE FROM audit WHERE id = 2").unwrap();
        let v = store.verify_audit().unwrap();
        assert_eq!(v.broken.map(|b| b.0), Some(2), "the commit sequence file knew record 2");
    }

    #[test]
    fn events_follow_the_state_machine_and_the_version() {
        let (_dir, store, by) = store();
        let id = store.register(&by, household("Коваленко Олена")).unwrap().id;
        let h = store.view_household(&by, id).unwrap();
        assert_eq!((h.status, h.version), (HouseholdStatus::Registered, 1));
        let r = store.event(&by, id, NewEvent::of(EventKind::Departed), Some(1)).unwrap();
        assert_eq!(r.version, 2);
        // A second registrar still looking at version 1 is told, not silently overwritten.
        let e = store.event(&by, id, NewEvent::of(EventKind::Refused), Some(1)).unwrap_err();
        assert!(matches!(&e, StoreError::Precondition(m) if m.contains("version 2")), "{e}");
        let e = store.event(&by, id, NewEvent::of(EventKind::Departed), None).unwrap_err();
        assert!(
            matches!(&e, StoreError::Rejected { code: "already_in_status", message: m } if m.contains("already departed")),
            "{e}"
        );
        let e = store.event(&by, id, NewEvent::of(EventKind::Refused), None).unwrap_err();
        assert!(
            matches!(&e, StoreError::Rejected { code: "transition_not_allowed", message: m } if m.contains("arrived, returned")),
            "{e}"
        );
        store.event(&by, id, arrive("kharkiv"), Some(2)).unwrap();
    }

    #[test]
    fn an_identical_order_is_refused_and_a_retry_gets_the_first() {
        let (_dir, store, by) = store();
        let html = || -> HtmlFor { Box::new(|n, _| format!("<h1>{n}</h1>")) };
        let (first, new) = store.issue_order(&by, order("{\"a\":1}"), html(), Some("click-1".into())).unwrap();
        assert!(new);
        let (again, new) = store.issue_order(&by, order("{\"a\":1}"), html(), Some("click-1".into())).unwrap();
        assert_eq!((again.number, new), (first.number, false));
        let e = store.issue_order(&by, order("{\"a\":1}"), html(), Some("click-2".into())).unwrap_err();
        assert!(
            matches!(&e, StoreError::Rejected { code: "order_identical", message: m } if m.contains("identical")),
            "{e}"
        );
        let (second, _) = store.issue_order(&by, order("{\"a\":2}"), html(), None).unwrap();
        assert_eq!(second.number, 2);
    }

    #[test]
    fn accounts_can_be_disabled_reset_logged_out_and_deleted() {
        let (_dir, store, by) = store();
        store.add_user(&by, "taras", Role::Registrar, "another-passphrase").unwrap();
        let login = |p: &str| store.login("taras", p, 1, None).unwrap();
        let LoginOutcome::LoggedIn { token, .. } = login("another-passphrase") else { panic!() };
        assert_eq!(store.logout_all(&by, "Taras").unwrap(), 1);
        assert_eq!(store.session_user(&token).unwrap(), None);
        store.set_disabled(&by, "taras", true).unwrap();
        assert!(matches!(login("another-passphrase"), LoginOutcome::Refused));
        store.set_disabled(&by, "taras", false).unwrap();
        let password = store.reset_password(&by, "taras").unwrap();
        assert!(matches!(login("another-passphrase"), LoginOutcome::Refused));
        assert!(matches!(login(&password), LoginOutcome::LoggedIn { .. }));
        store.delete_user(&by, "taras").unwrap();
        assert!(matches!(login(&password), LoginOutcome::Refused));
        assert_eq!(store.users().unwrap().len(), 1);
        let e = store.add_user(&by, "taras", Role::Viewer, "another-passphrase").unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "a deleted name stays taken: {e}");
        // Nobody removes themselves or the last coordinator.
        assert!(matches!(store.delete_user(&by, "olena"), Err(StoreError::Conflict(_))));
        let actions: Vec<String> = store.audit_log(50).unwrap().into_iter().map(|e| e.action).collect();
        for a in ["end sessions", "disable user", "enable user", "reset password", "delete user", "log in failed"] {
            assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
        }
    }

    #[test]
    fn look_alike_usernames_are_refused() {
        let (_dir, store, by) = store();
        for bad in ["оlеnа", "OLENA", "o1ena", "ol\u{200B}ena"] {
            assert!(store.add_user(&by, bad, Role::Viewer, "another-passphrase").is_err(), "{bad}");
        }
        assert!(matches!(store.login("OLENA", "a-long-passphrase", 1, None).unwrap(), LoginOutcome::LoggedIn { .. }));
    }

    #[test]
    fn failed_logins_lock_the_name_known_or_not() {
        let (_dir, store, _) = store();
        for name in ["olena", "nobody"] {
            for _ in 0..crate::guard::FREE_FAILURES {
                assert!(matches!(store.login(name, "wrong-password", 1, None).unwrap(), LoginOutcome::Refused));
            }
            let e = store.login(name, "a-long-passphrase", 1, None).unwrap_err();
            assert!(matches!(e, StoreError::TooMany { .. }), "{name}: {e}");
        }
    }

    #[test]
    fn a_second_server_and_a_lost_wal_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("evac.sqlite");
        let db_str = db.to_str().unwrap();
        let store = Store::connect(db_str, true).unwrap();
        let e = Store::connect(db_str, true).err().expect("a second server refuses");
        assert!(e.to_string().contains("another evac server"), "{e}");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&db).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        store.add_user(&Actor::command_line(), "olena", Role::Coordinator, "a-long-passphrase").unwrap();
        // A copy taken now, then more acknowledged writes, then the copy put back as if the
        // -wal file had been lost.
        let old = dir.path().join("old.sqlite");
        crate::backup_sqlite(&db, &old).unwrap();
        store.add_user(&Actor::command_line(), "taras", Role::Registrar, "another-passphrase").unwrap();
        drop(store);
        std::fs::copy(&old, &db).unwrap();
        let _ = std::fs::remove_file(dir.path().join("evac.sqlite-wal"));
        let e = Store::connect(db_str, true).err().expect("an older database refuses");
        assert!(e.to_string().contains("older than its last acknowledged write"), "{e}");
        // Restoring the backup on purpose is accepted.
        let r = crate::restore_sqlite(&old, &db).unwrap();
        assert!(r.previous_seq.unwrap() > r.seq);
        assert_eq!(Store::connect(db_str, true).unwrap().users().unwrap().len(), 1);
    }

    #[test]
    fn an_old_database_with_households_opens_and_is_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        // A database as the previous release left it: households, events, an order.
        let store = {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(crate::migrations::SQLITE[0]).unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
            c.execute_batch(
                "INSERT INTO users (username, role, password_hash, created_at) VALUES ('olena', 'coordinator', 'x', 't');
                 INSERT INTO households (settlement_id, head_name, name_key, members, needs, phone, phone_key, status, centre_id, created_by, created_at)
                     VALUES ('s1', 'Коваленко Олена', 'kovalenko olena', 3, '[]', '+380501234567', '501234567', 'departed', NULL, 1, 't'),
                            ('s1', 'Шевченко Тарас', 'sevcenko taras', 2, '[\"pets\"]', NULL, NULL, 'arrived', 'kharkiv', 1, 't');
                 INSERT INTO events (household_id, kind, centre_id, user_id, at) VALUES (1, 'departed', NULL, 1, 't'), (2, 'arrived', 'kharkiv', 1, 't');",
            )
            .unwrap();
            drop(c);
            Store::open(&path).unwrap()
        };
        let by = Actor::user(&User { id: 1, username: "olena".into(), role: Role::Coordinator }, None);
        let rows = store.view_households(&by, None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].status, rows[1].status), (HouseholdStatus::Departed, HouseholdStatus::Arrived));
        assert_eq!(rows[1].people, 2);
        let found = store.search(&by, "Kovalenko", None).unwrap();
        assert_eq!(found.results[0].id, 1, "the migration filled the index");
        assert_eq!(store.search(&by, "050 123 45 67", None).unwrap().results[0].id, 1);
        store.event(&by, 1, arrive("kharkiv"), None).unwrap();
        store.event(&by, 1, NewEvent::of(EventKind::Undo), None).unwrap();
        assert_eq!(store.view_household(&by, 1).unwrap().status, HouseholdStatus::Departed);
        let progress = &store.progress_by_settlement().unwrap()["s1"];
        assert_eq!((progress.households, progress.arrived), (2, 2), "the arrived household holds two people");
        let conn = sql(&store);
        let fk: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 0);
    }

    #[test]
    fn a_version_1_database_is_migrated_and_its_audit_chained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(crate::migrations::SQLITE[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute_batch(
            "INSERT INTO users (username, role, password_hash, created_at) VALUES ('olena', 'coordinator', 'x', 't');
             INSERT INTO audit (at, action, target) VALUES ('t1', 'add user', 'olena');
             INSERT INTO audit (at, user_id, username, action, target) VALUES ('t2', 1, 'olena', 'log in', 'olena');",
        )
        .unwrap();
        drop(c);
        let store = Store::open(&path).unwrap();
        let v = store.verify_audit().unwrap();
        assert_eq!((v.records, v.broken), (2, None));
        store.record(&Actor::command_line(), "check", "migration", None).unwrap();
        let v = store.verify_audit().unwrap();
        assert_eq!((v.records, v.broken), (3, None));
        let e = store.add_user(&Actor::command_line(), "o1ena", Role::Viewer, "another-passphrase").unwrap_err();
        assert!(e.to_string().contains("looks too much like"), "{e}");
    }
}
