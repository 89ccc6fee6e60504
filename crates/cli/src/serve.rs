use crate::scenario::load_network;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use evac_scenario::Scenario;
use evac_server::Limits;
use evac_store::{Actor, Role, Store};
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args)]
pub struct ServeArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// The database: a SQLite file (created on first start; one server at a time) or a
    /// PostgreSQL URL, postgres://user:password@host/database (several servers may share it).
    #[arg(long, default_value = "evac.sqlite")]
    pub db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Output folder whose plan.json / transit.json to show [default: <scenario>/out].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The server's limits (docs/operations.md).
#[derive(Args, Clone)]
pub struct LimitArgs {
    /// Requests per second per client address (sustained; 0: no limit).
    #[arg(long, default_value_t = Limits::default().requests_per_s)]
    pub rate_limit: f64,
    /// Login attempts per minute per client address (0: no limit).
    #[arg(long, default_value_t = Limits::default().logins_per_min)]
    pub login_rate_limit: f64,
    /// Open connections at most [default: what the open-file limit allows].
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers (and an idle connection is kept).
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// The reverse proxy (TLS) in front: its X-Forwarded-For names the client.
    #[arg(long)]
    pub trusted_proxy: Option<IpAddr>,
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            requests_per_s: self.rate_limit,
            request_burst: self.rate_limit * 4.0,
            logins_per_min: self.login_rate_limit,
            login_burst: self.login_rate_limit.max(1.0),
            max_connections: self.max_connections.unwrap_or(d.max_connections),
            header_timeout: std::time::Duration::from_secs(self.header_timeout.max(1)),
            trusted_proxy: self.trusted_proxy,
            ..d
        }
    }
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (or --password-file).
    #[command(
        after_help = "Example:\n  echo 'a long passphrase' | evac user add olena --role registrar --db evac.sqlite"
    )]
    Add(UserAddArgs),
    /// List users.
    List {
        #[arg(long, default_value = "evac.sqlite")]
        db: String,
    },
    /// Disable an account: it cannot log in and its sessions end at once.
    Disable(UserArgs),
    /// Enable a disabled account again.
    Enable(UserArgs),
    /// Delete an account (its records keep its name, which stays taken).
    Delete(UserArgs),
    /// Give an account a new random password, printed once; its sessions end.
    ResetPassword(UserArgs),
    /// End every session of an account.
    LogoutAll(UserArgs),
}

#[derive(Args)]
pub struct UserArgs {
    pub name: String,
    #[arg(long, default_value = "evac.sqlite")]
    pub db: String,
}

#[derive(Args)]
pub struct UserAddArgs {
    pub name: String,
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Role::NAMES))]
    pub role: String,
    #[arg(long, default_value = "evac.sqlite")]
    pub db: String,
    /// Read the password from this file instead of standard input.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

fn open(db: &str) -> Result<Store> {
    Store::connect(db, false).with_context(|| format!("cannot open the database {}", shown(db)))
}

/// The database for messages (a URL without its password).
fn shown(db: &str) -> String {
    if evac_store::is_postgres(db) {
        match (db.find("://"), db.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}***{}", &db[..s + 3], &db[at..]),
            _ => db.to_string(),
        }
    } else {
        db.to_string()
    }
}

pub fn user(cmd: UserCommand) -> Result<()> {
    let cli = Actor::command_line();
    match cmd {
        UserCommand::Add(a) => {
            let mut password = String::new();
            match &a.password_file {
                Some(f) => {
                    password = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?
                }
                None => {
                    std::io::stdin()
                        .read_to_string(&mut password)
                        .context("cannot read the password from standard input")?;
                }
            }
            let password = password.trim_end_matches(['\n', '\r']);
            let store = open(&a.db)?;
            let role = Role::parse(&a.role).expect("clap checked the role");
            let id = store.add_user(&cli, &a.name, role, password)?;
            eprintln!("added user {} ({}) with id {id} to {}", a.name, a.role, shown(&a.db));
            Ok(())
        }
        UserCommand::List { db } => {
            for u in open(&db)?.users()? {
                println!("{}\t{}\t{}{}", u.id, u.username, u.role.as_str(), if u.disabled { "\tdisabled" } else { "" });
            }
            Ok(())
        }
        UserCommand::Disable(a) => {
            open(&a.db)?.set_disabled(&cli, &a.name, true)?;
            eprintln!("disabled {} (its sessions ended)", a.name);
            Ok(())
        }
        UserCommand::Enable(a) => {
            open(&a.db)?.set_disabled(&cli, &a.name, false)?;
            eprintln!("enabled {}", a.name);
            Ok(())
        }
        UserCommand::Delete(a) => {
            open(&a.db)?.delete_user(&cli, &a.name)?;
            eprintln!("deleted {}", a.name);
            Ok(())
        }
        UserCommand::ResetPassword(a) => {
            let password = open(&a.db)?.reset_password(&cli, &a.name)?;
            println!("new password for {}: {password}", a.name);
            eprintln!("(shown once; its sessions ended)");
            Ok(())
        }
        UserCommand::LogoutAll(a) => {
            let n = open(&a.db)?.logout_all(&cli, &a.name)?;
            eprintln!("ended {n} sessions of {}", a.name);
            Ok(())
        }
    }
}

/// `evac backup DB FILE`: a consistent copy of a SQLite database, also while it is served.
pub fn backup(db: &Path, file: &Path) -> Result<()> {
    if evac_store::is_postgres(&db.to_string_lossy()) {
        anyhow::bail!("PostgreSQL databases are backed up with pg_dump (docs/operations.md), not evac backup");
    }
    let r = evac_store::backup_sqlite(db, file)?;
    println!("backed up {} to {} ({} bytes, up to commit {})", db.display(), r.file.display(), r.bytes, r.seq);
    Ok(())
}

/// `evac restore BACKUP DB`: put a backup in place of the database (no server running).
pub fn restore(backup: &Path, db: &Path) -> Result<()> {
    let r = evac_store::restore_sqlite(backup, db)?;
    println!("restored {} from {} (commit {})", db.display(), backup.display(), r.seq);
    if let Some(p) = r.previous_seq.filter(|p| *p > r.seq) {
        println!("commits {} to {p} acknowledged before are not in the backup: re-enter what they held", r.seq + 1);
    }
    Ok(())
}

/// `evac audit verify`: walk the audit log's hash chain.
pub fn audit_verify(db: &str) -> Result<()> {
    let v = open(db)?.verify_audit()?;
    match v.broken {
        None => {
            println!(
                "audit log intact: {} records, chain unbroken, last record {}",
                v.records,
                v.head.map_or(0, |h| h.0)
            );
            Ok(())
        }
        Some((id, why)) => anyhow::bail!("audit log tampered with at record {id}: {why} ({} records)", v.records),
    }
}

/// Open the store, and if it has no user yet, create a coordinator with a random password.
pub fn open_store_with_first_user(db: &str) -> Result<Store> {
    let store = Store::connect(db, true).with_context(|| format!("cannot open the database {}", shown(db)))?;
    if store.user_count()? == 0 {
        let password = evac_store::random_password();
        store.add_user(&Actor::command_line(), "coordinator", Role::Coordinator, &password)?;
        println!("first start: created the user `coordinator` with password {password}");
        println!("(add others with `evac user add NAME --role registrar --db {}`)", shown(db));
    }
    Ok(store)
}

pub fn serve(a: ServeArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    let network = load_network(&scenario)?;
    serve_loaded(&scenario, network.as_ref(), &a.db, a.bind, a.out.as_deref(), a.limits.limits())
}

/// Serve a loaded scenario until SIGTERM or Ctrl-C (`evac serve`, and the last step of
/// `evac up`).
pub fn serve_loaded(
    scenario: &Scenario,
    network: Option<&evac_network::Network>,
    db: &str,
    bind: SocketAddr,
    out: Option<&Path>,
    limits: Limits,
) -> Result<()> {
    let store = open_store_with_first_user(db)?;
    let out = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let state = Arc::new(evac_server::AppState::build(scenario, network, &out, store));
    match &state.trips {
        Ok(t) => {
            eprintln!("pickup lists: {} trips of {} vehicles from the transit plan", t.trips.len(), t.vehicles.len())
        }
        Err(evac_server::state::TripsUnavailable::Missing(path)) => {
            eprintln!("no pickup lists: no transit plan at {} (run `evac transit`)", path.display())
        }
        Err(evac_server::state::TripsUnavailable::Damaged(e)) => {
            eprintln!("warning: no pickup lists, the transit plan cannot be used: {e}")
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!(
        "serving {} on http://{} (database {}); SIGTERM or Ctrl-C stops after the requests in flight",
        scenario.config.name,
        bind,
        shown(db)
    );
    rt.block_on(evac_server::serve(state, bind, limits)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!("{bind} is already in use: stop the other server or choose another --bind")
        } else {
            e.into()
        }
    })?;
    println!("stopped");
    Ok(())
}
