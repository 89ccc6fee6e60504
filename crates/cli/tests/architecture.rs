//! The crate graph reads as the pipeline (ARCHITECTURE.md): every evac crate depends only on
//! crates before it in the stage order, and every dependency a crate declares is used by its
//! code. Checked from the Cargo.toml files and the sources, so a change that breaks either
//! fails here rather than in review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The stages, in pipeline order: a crate may depend on the ones before it only.
const STAGES: [&str; 16] = [
    "evac-model",
    "evac-files",
    "evac-names",
    "evac-geo",
    "evac-scenario",
    "evac-zone",
    "evac-network",
    "evac-osm",
    "evac-layers",
    "evac-plan",
    "evac-transit",
    "evac-sim",
    "evac-report",
    "evac-store",
    "evac-server",
    "evac-cli",
];

struct Crate {
    name: String,
    dir: PathBuf,
    dependencies: Vec<String>,
}

fn crates() -> Vec<Crate> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else { continue };
        let manifest: toml::Table = text.parse().unwrap();
        let name = manifest["package"]["name"].as_str().unwrap().to_string();
        let dependencies = manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        out.push(Crate { name, dir, dependencies });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn sources(dir: &Path) -> String {
    let mut text = String::new();
    let mut stack = vec![dir.join("src")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                text.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    text
}

#[test]
fn every_crate_is_a_known_stage() {
    let names: Vec<String> = crates().into_iter().map(|c| c.name).collect();
    let mut expected: Vec<String> = STAGES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected, "add a new crate to STAGES (and to ARCHITECTURE.md) at its place in the pipeline");
}

#[test]
fn dependencies_point_back_along_the_pipeline() {
    let position: BTreeMap<&str, usize> = STAGES.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    for c in crates() {
        let me = position[c.name.as_str()];
        for d in c.dependencies.iter().filter(|d| d.starts_with("evac-")) {
            let them = position.get(d.as_str()).copied().unwrap_or(usize::MAX);
            assert!(them < me, "{} depends on {d}, which comes after it in the pipeline", c.name);
        }
    }
}

#[test]
fn every_declared_dependency_is_used() {
    let mut unused = Vec::new();
    for c in crates() {
        let code = sources(&c.dir);
        for d in &c.dependencies {
            let ident = d.replace('-', "_");
            if !(code.contains(&format!("{ident}::")) || code.contains(&format!("use {ident}"))) {
                unused.push(format!("{} declares {d} but its sources never use it", c.name));
            }
        }
    }
    assert!(
        unused.is_empty(),
        "remove these from [dependencies] (or move them to [dev-dependencies]):\n{}",
        unused.join("\n")
    );
}
