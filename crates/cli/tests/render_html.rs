//! The printable order opens and prints in a real browser: headless Chromium renders
//! order.html to an A4 PDF and a PNG screenshot (kept in target/test-artifacts/ to look at).
//! Without Chromium the test is skipped locally and fails in CI (CI=true), where .ci/run
//! installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("EVAC_CHROMIUM").ok(),
        Some("/usr/bin/chromium".into()),
        Some("/usr/bin/chromium-browser".into()),
    ];
    candidates.into_iter().flatten().map(PathBuf::from).find(|p| p.is_file())
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn order_html_renders_and_prints_in_chromium() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var("CI").is_err(), "CI must have Chromium (installed by .ci/run)");
        eprintln!("skipped: no Chromium found (set EVAC_CHROMIUM)");
        return;
    };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_evac"))
        .args(["order", repo.join("scenarios/kupiansk").to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--date", "2025-10-02", "--number", "17/2025"])
        .output()
        .unwrap();
    assert!(status.status.success());
    let url = format!("file://{}", out.join("order.html").display());

    let pdf = work.path().join("order.pdf");
    let o = headless(&chromium, &work.path().join("p1"))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(pdf.is_file(), "no PDF: {}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    // The order with 124 settlements fills several A4 pages, but not dozens.
    assert!((3..=15).contains(&pages), "{pages} pages");
    // A4 is 595 x 842 points.
    assert!(text.contains("/MediaBox [0 0 594.95996 841.91998]") || text.contains("/MediaBox [0 0 595"), "not A4");

    let png = work.path().join("order.png");
    let o = headless(&chromium, &work.path().join("p2"))
        .args([format!("--screenshot={}", png.display()), "--window-size=900,2400".to_string(), url])
        .output()
        .unwrap();
    assert!(png.is_file(), "no screenshot: {}", String::from_utf8_lossy(&o.stderr));
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(size > 50_000, "the page rendered nearly blank ({size} bytes)");
    let artefacts = repo.join("target/test-artifacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    std::fs::copy(&png, artefacts.join("order.png")).unwrap();
    std::fs::copy(&pdf, artefacts.join("order.pdf")).unwrap();
}
