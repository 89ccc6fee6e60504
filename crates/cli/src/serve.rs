use crate::scenario::load_network;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use evac_scenario::Scenario;
use evac_store::{Actor, Role, Store};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args)]
pub struct ServeArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// SQLite database file (created on first start).
    #[arg(long, default_value = "evac.sqlite")]
    pub db: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Output folder whose plan.json / transit.json to show [default: <scenario>/out].
    #[arg(long)]
    pub out: Option<PathBuf>,
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
        db: PathBuf,
    },
}

#[derive(Args)]
pub struct UserAddArgs {
    pub name: String,
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Role::NAMES))]
    pub role: String,
    #[arg(long, default_value = "evac.sqlite")]
    pub db: PathBuf,
    /// Read the password from this file instead of standard input.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

pub fn user(cmd: UserCommand) -> Result<()> {
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
            let store = Store::open(&a.db)?;
            let role = Role::parse(&a.role).expect("clap checked the role");
            let id = store.add_user(&Actor::command_line(), &a.name, role, password)?;
            eprintln!("added user {} ({}) with id {id} to {}", a.name, a.role, a.db.display());
            Ok(())
        }
        UserCommand::List { db } => {
            for u in Store::open(&db)?.users()? {
                println!("{}\t{}\t{}", u.id, u.username, u.role.as_str());
            }
            Ok(())
        }
    }
}

/// Open the store, and if it has no user yet, create a coordinator with a random password.
pub fn open_store_with_first_user(db: &std::path::Path) -> Result<Store> {
    let store = Store::open(db).with_context(|| format!("cannot open the database {}", db.display()))?;
    if store.user_count()? == 0 {
        let password = evac_store::random_password();
        store.add_user(&Actor::command_line(), "coordinator", Role::Coordinator, &password)?;
        println!("first start: created the user `coordinator` with password {password}");
        println!("(add others with `evac user add NAME --role registrar --db {}`)", db.display());
    }
    Ok(store)
}

pub fn serve(a: ServeArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    let network = load_network(&scenario)?;
    serve_loaded(&scenario, network.as_ref(), &a.db, a.bind, a.out.as_deref())
}

/// Serve a loaded scenario until Ctrl-C (`evac serve`, and the last step of `evac up`).
pub fn serve_loaded(
    scenario: &Scenario,
    network: Option<&evac_network::Network>,
    db: &Path,
    bind: SocketAddr,
    out: Option<&Path>,
) -> Result<()> {
    let store = open_store_with_first_user(db)?;
    let out = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let state = Arc::new(evac_server::AppState::build(scenario, network, &out, store));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!("serving {} on http://{} (database {}); Ctrl-C stops", scenario.config.name, bind, db.display());
    rt.block_on(evac_server::serve(state, bind)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!("{bind} is already in use: stop the other server or choose another --bind")
        } else {
            e.into()
        }
    })?;
    Ok(())
}
