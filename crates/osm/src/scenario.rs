//! A scenario drafted from an extract's places: settlements.csv from its
//! `place=city|town|village|hamlet` nodes and areas, and a scenario.toml that uses the
//! extract as its road network. The hazard is the user's to draw.

use crate::read::Place;
use evac_names::translit::{is_cyrillic, ukrainian_to_latin};
use std::path::{Path, PathBuf};

/// Typical populations by place type, used where OSM has no `population` tag: medians of
/// the OSM wiki's definitions (hamlet: up to ~200, village: up to ~10,000 but mostly a few
/// hundred, town: 10,000-100,000, city: over 100,000), rounded down to be conservative.
pub fn estimate_population(place: &str) -> u32 {
    match place {
        "city" => 100_000,
        "town" => 10_000,
        "village" => 500,
        _ => 50,
    }
}

/// What to put into the drafted scenario besides the places.
#[derive(Debug, Clone, Default)]
pub struct DraftOptions {
    pub name: String,
    /// The extract, as scenario.toml should name it (relative to the scenario folder).
    pub network: PathBuf,
    /// The extract as the user named it, for the comment in scenario.toml.
    pub source: PathBuf,
    /// Whether a centres.csv is part of the draft.
    pub with_centres: bool,
}

/// The drafted files (by name) and how many populations were estimated.
#[derive(Debug, Clone)]
pub struct ScenarioDraft {
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub settlements: usize,
    pub estimated: usize,
}

/// settlements.csv and scenario.toml for the located places of an extract.
pub fn draft_scenario(places: &[Place], options: &DraftOptions) -> ScenarioDraft {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "name",
        "lat",
        "lon",
        "population",
        "name_uk",
        "name_latin",
        "population_source",
        "place",
        "osm_id",
    ])
    .expect("in-memory write");
    let mut estimated = 0;
    let mut located = 0;
    for p in places {
        let Some(loc) = p.location else { continue };
        located += 1;
        let (population, source) = match p.population {
            Some(n) => (n, "osm_population_tag"),
            None => {
                estimated += 1;
                (estimate_population(&p.place), "estimate_place_type")
            }
        };
        let latin = p.name_en.clone().or_else(|| is_cyrillic(&p.name).then(|| ukrainian_to_latin(&p.name)));
        w.write_record([
            format!("osm-{}-{}", p.osm_type, p.osm_id),
            latin.clone().unwrap_or_else(|| p.name.clone()),
            format!("{:.7}", loc.lat),
            format!("{:.7}", loc.lon),
            population.to_string(),
            p.name_uk.clone().unwrap_or_else(|| if is_cyrillic(&p.name) { p.name.clone() } else { String::new() }),
            latin.unwrap_or_default(),
            source.to_string(),
            p.place.clone(),
            format!("{}/{}", p.osm_type, p.osm_id),
        ])
        .expect("in-memory write");
    }
    let centres_line = if options.with_centres { "centres = \"centres.csv\"\n" } else { "" };
    let toml = format!(
        "# Made by `evac scenario from-osm {}` -- see docs/scenario.md\nname = \"{}\"\nauthority = \"\"\n\n[zone]\nmandatory_km = 5.0\nadvisory_km = 10.0\n\n[files]\nsettlements = \"settlements.csv\"\nhazard = \"hazard.geojson\"\n{centres_line}network = \"{}\"\n",
        options.source.display(),
        options.name,
        options.network.display()
    );
    ScenarioDraft {
        files: vec![
            ("settlements.csv", w.into_inner().expect("in-memory write")),
            ("scenario.toml", toml.into_bytes()),
        ],
        settlements: located,
        estimated,
    }
}

/// `target` relative to `from_dir` (both made absolute first), or `target` unchanged when
/// either does not exist.
pub fn relative_path(from_dir: &Path, target: &Path) -> PathBuf {
    let (Ok(dir), Ok(target)) = (from_dir.canonicalize(), target.canonicalize()) else { return target.to_path_buf() };
    let d: Vec<_> = dir.components().collect();
    let t: Vec<_> = target.components().collect();
    let common = d.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}
