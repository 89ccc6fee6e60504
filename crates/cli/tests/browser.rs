//! The web UI in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core
//! from tests/browser), at desktop and at phone size: log in, see the Kupiansk settlements
//! on the map, issue an order, register a household and see the settlement's count change,
//! see a name made of markup shown as text, board households from a trip's pickup list, see
//! the plan panel name the settlements the front line cut off. Screenshots go to
//! target/test-artifacts/browser/. Skipped locally without Node modules or Chromium;
//! required in CI (.ci/run installs both).

mod common;
use common::*;

#[test]
fn ui_in_headless_chromium() {
    let driver = repo().join("tests/browser");
    let ready = driver.join("node_modules/playwright-core").is_dir()
        && std::path::Path::new(&std::env::var("EVAC_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
            .is_file();
    if !ready {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Chromium and tests/browser/node_modules (.ci/run installs them)"
        );
        eprintln!("skipped: run `npm ci --prefix tests/browser` and install chromium");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("evac.sqlite");
    add_user(&db, "olena", "coordinator", "a-long-passphrase");
    // The transit plan (free flow, quick) for the trips screen's pickup lists.
    let plan = kupiansk_copy();
    let out = dir.path().join("out");
    quick_transit(plan.path(), &out);
    // The car plan, for the plan panel (it lists the settlements the line cut off).
    let o = evac(&["plan", plan.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let server = Server::start_with("scenarios/kupiansk", &db, &["--rate-limit", "0", "--out", out.to_str().unwrap()]);
    let shots = repo().join("target/test-artifacts/browser");
    let out = std::process::Command::new("node")
        .arg(driver.join("ui.test.mjs"))
        .args([server.base.as_str(), "olena", "a-long-passphrase", shots.to_str().unwrap()])
        .output()
        .expect("node");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser test failed:\n{text}");
    for size in ["desktop 1400x900", "phone 390x844"] {
        assert!(text.contains(&format!("{size}: map shows 262 settlements")), "{text}");
    }
    assert!(text.contains("trips: boarded"), "{text}");
    assert!(text.contains("plan: cut off listed"), "{text}");
    assert!(text.contains("PASS"), "{text}");
    eprintln!("{text}");
    for prefix in ["", "phone-"] {
        for shot in [
            "01-map.png",
            "02-order-preview.png",
            "02-order-issued.png",
            "03-registered.png",
            "04-settlement.png",
            "05-english.png",
            "07-dashboard.png",
            "08-dashboard-timeline.png",
            "08-timeline-chart.png",
            "09-plan.png",
        ] {
            assert!(shots.join(format!("{prefix}{shot}")).is_file(), "{prefix}{shot}");
        }
    }
}
