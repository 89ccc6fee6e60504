//! A real `evac serve` process on a free loopback port, with its own database.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn add_user(db: impl AsRef<std::ffi::OsStr>, name: &str, role: &str, password: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_evac"))
        .args(["user", "add", name, "--role", role, "--db"])
        .arg(db.as_ref())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "user add: {}", String::from_utf8_lossy(&out.stderr));
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub db: PathBuf,
    /// The outputs folder the server reads (plan, transit) when the test named none: an
    /// empty one, so that what a user ran in `scenarios/<name>/out` does not change the
    /// tests' answers.
    _out: Option<tempfile::TempDir>,
}

impl Server {
    /// A server without the per-address rate limits (every test client is on 127.0.0.1).
    pub fn start(scenario: &str, db: impl AsRef<std::ffi::OsStr>) -> Server {
        Server::start_with(scenario, db, &["--rate-limit", "0"])
    }

    /// A server with more arguments to `evac serve`.
    pub fn start_with(scenario: &str, db: impl AsRef<std::ffi::OsStr>, extra: &[&str]) -> Server {
        Server::spawn(Command::new(env!("CARGO_BIN_EXE_evac")), scenario, db, extra)
    }

    /// `evac serve` run by `command` (e.g. prlimit wrapping the binary).
    pub fn spawn(mut command: Command, scenario: &str, db: impl AsRef<std::ffi::OsStr>, extra: &[&str]) -> Server {
        let port = free_port();
        let db = db.as_ref();
        let out = (!extra.contains(&"--out")).then(|| tempfile::tempdir().unwrap());
        command
            .args(["serve", repo().join(scenario).to_str().unwrap(), "--db"])
            .arg(db)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(extra);
        if let Some(o) = &out {
            command.arg("--out").arg(o.path());
        }
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                use std::io::Read;
                child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                panic!("the server stopped ({status}): {err}");
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, base, db: PathBuf::from(db), _out: out }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// (status, JSON body or Null)
pub fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let resp = match (method, body) {
        ("get", _) => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        ("delete", _) => {
            let mut r = agent.delete(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        (_, Some(b)) => {
            let mut r = agent.post(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_json(b)
        }
        (_, None) => {
            let mut r = agent.post(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_empty()
        }
    }
    .expect("HTTP exchange");
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

pub fn login(agent: &ureq::Agent, base: &str, user: &str, password: &str) -> String {
    let (status, body) = call(
        agent,
        "post",
        &format!("{base}/api/session"),
        None,
        Some(&serde_json::json!({"username": user, "password": password})),
    );
    assert_eq!(status, 200, "login {user}: {body}");
    body["token"].as_str().unwrap().to_string()
}

/// A private copy of the Rhine scenario (its network cache stays in the copy).
pub fn rhine_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("scenarios/rhine");
    for f in ["scenario.toml", "settlements.csv", "hazard.geojson", "centres.csv", "fleet.csv", "rail.toml"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    let network = repo().join("data/osm/liechtenstein-2015-07.osm.pbf");
    std::fs::write(
        dir.path().join("scenario.toml"),
        toml.replace("../../data/osm/liechtenstein-2015-07.osm.pbf", network.to_str().unwrap()),
    )
    .unwrap();
    dir
}

/// A private copy of scenarios/kupiansk whose network.toml points at the shared data by
/// absolute paths (so the build cache lands in the copy, not in the repository).
pub fn kupiansk_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("scenarios/kupiansk");
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let shared = repo().join("../shared").canonicalize().expect("the shared data beside the repository");
    let toml = std::fs::read_to_string(dir.path().join("network.toml")).unwrap();
    std::fs::write(dir.path().join("network.toml"), toml.replace("../../../shared", shared.to_str().unwrap())).unwrap();
    dir
}

/// Run the evac binary from the repository root.
/// A private copy of the Andorra mini fixture (tests/data/andorra-mini) whose extract is
/// named by absolute path, so a test may run it from anywhere.
pub fn andorra_mini() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/andorra-mini");
    for f in ["scenario.toml", "settlements.csv", "hazard.geojson", "centres.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    let extract = repo().join("data/osm/andorra-2013-05.osm.pbf");
    std::fs::write(
        dir.path().join("scenario.toml"),
        toml.replace("../../../../../data/osm/andorra-2013-05.osm.pbf", extract.to_str().unwrap()),
    )
    .unwrap();
    dir
}

/// The transit stage alone on `scenario`, quickly (free flow, a 2 s search), into `out`:
/// what pickup lists need, without the car plan.
pub fn quick_transit(scenario: &Path, out: &Path) {
    let o =
        evac(&["transit", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--free-flow", "--seconds", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

pub fn evac(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_evac")).args(args).current_dir(repo()).output().expect("run evac")
}

/// Compare `actual` with the golden file `tests/golden/<name>`; EVAC_UPDATE_GOLDEN=1
/// rewrites it (review the diff before committing).
pub fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("EVAC_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}: run with EVAC_UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name} differs from its golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n(EVAC_UPDATE_GOLDEN=1 rewrites it)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

/// The PostgreSQL server the tests use: `EVAC_TEST_POSTGRES`, a URL of a role that may
/// create databases (`.ci/run` starts Debian's PostgreSQL and sets it). Without it the
/// PostgreSQL variants skip with a message, except in CI (`CI` set), where they fail.
pub fn postgres_admin() -> Option<String> {
    let url = std::env::var("EVAC_TEST_POSTGRES").ok().filter(|u| !u.is_empty());
    let reachable = url.as_ref().is_some_and(|u| postgres::Client::connect(u, postgres::NoTls).is_ok());
    if reachable {
        return url;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must reach PostgreSQL at EVAC_TEST_POSTGRES ({url:?}): .ci/run installs and starts it"
    );
    eprintln!("skipped: no PostgreSQL reachable (set EVAC_TEST_POSTGRES=postgres://user:password@127.0.0.1/postgres)");
    None
}

/// A database of its own for one test: a SQLite file in a temporary folder, or a fresh
/// PostgreSQL database (dropped at the end).
pub enum TestDb {
    Sqlite { dir: tempfile::TempDir, path: PathBuf },
    Postgres { admin: String, name: String, url: String },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evac.sqlite");
        TestDb::Sqlite { dir, path }
    }

    /// None (after a message) when no PostgreSQL is reachable outside CI.
    pub fn postgres() -> Option<TestDb> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let admin = postgres_admin()?;
        let name = format!("evac_t{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        // One statement per call: a multi-statement string runs as one transaction, which
        // DROP/CREATE DATABASE refuse.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = &admin[..admin.rfind('/').expect("a URL with a database")];
        let url = format!("{base}/{name}");
        Some(TestDb::Postgres { admin, name, url })
    }

    /// What `--db` is given.
    pub fn arg(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => path.to_str().unwrap().to_string(),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        match self {
            TestDb::Sqlite { dir, .. } => Some(dir.path()),
            TestDb::Postgres { .. } => None,
        }
    }

    /// Run SQL beside the server, as an operator (or an attacker) with database access.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        match self {
            TestDb::Sqlite { path, .. } => {
                rusqlite::Connection::open(path).unwrap().execute_batch(sql).map_err(|e| e.to_string())
            }
            TestDb::Postgres { url, .. } => postgres::Client::connect(url, postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .map_err(|e| e.as_db_error().map_or(e.to_string(), |d| d.message().to_string())),
        }
    }

    /// The integer a query answers.
    pub fn count(&self, sql: &str) -> i64 {
        match self {
            TestDb::Sqlite { path, .. } => {
                rusqlite::Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
            }
            TestDb::Postgres { url, .. } => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().query_one(sql, &[]).unwrap().get(0)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin, name, .. } = self
            && let Ok(mut c) = postgres::Client::connect(admin, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}
