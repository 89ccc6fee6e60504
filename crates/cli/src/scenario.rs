use crate::network::import_summary;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use evac_network::{Network, Router};
use evac_plan::sites::{Site, attach};
use evac_scenario::{FarFromRoad, Scenario};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ScenarioCommand {
    /// Start a scenario from an OSM extract: settlements.csv from its place=city|town|village|hamlet
    /// nodes and areas, and a scenario.toml that uses the extract as road network.
    #[command(
        after_help = "Example:\n  evac scenario from-osm data/osm/liechtenstein-2015-07.osm.pbf --out /tmp/li --name Liechtenstein\n\
Then draw the hazard into /tmp/li/hazard.geojson (or pass --hazard) and run `evac order /tmp/li`."
    )]
    FromOsm(FromOsmArgs),
    /// Load a scenario with its network and report problems: settlements or centres far
    /// from any road, settlements with no route to any centre.
    Check(CheckArgs),
}

#[derive(Args)]
pub struct FromOsmArgs {
    /// OSM extract (.osm.pbf, .osm, .osm.gz).
    pub input: PathBuf,
    /// Scenario folder to create (existing files are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Scenario name [default: the file name].
    #[arg(long)]
    pub name: Option<String>,
    /// Hazard GeoJSON to copy into the scenario.
    #[arg(long)]
    pub hazard: Option<PathBuf>,
    /// Reception centres CSV to copy into the scenario.
    #[arg(long)]
    pub centres: Option<PathBuf>,
}

#[derive(Args)]
pub struct CheckArgs {
    pub scenario: PathBuf,
}

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

fn relative(from_dir: &Path, target: &Path) -> PathBuf {
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

pub fn from_osm(a: FromOsmArgs) -> Result<()> {
    let places = evac_osm::read_places(&a.input)?;
    if places.is_empty() {
        bail!("{}: no place=city|town|village|hamlet node or area with a name", a.input.display());
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
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
    ])?;
    let mut estimated = 0;
    for p in &places {
        let loc = p.location.expect("read_places keeps located places");
        let (population, source) = match p.population {
            Some(n) => (n, "osm_population_tag"),
            None => {
                estimated += 1;
                (estimate_population(&p.place), "estimate_place_type")
            }
        };
        let latin = p.name_en.clone().or_else(|| {
            evac_geo::translit::is_cyrillic(&p.name).then(|| evac_geo::translit::ukrainian_to_latin(&p.name))
        });
        w.write_record([
            format!("osm-{}-{}", p.osm_type, p.osm_id),
            latin.clone().unwrap_or_else(|| p.name.clone()),
            format!("{:.7}", loc.lat),
            format!("{:.7}", loc.lon),
            population.to_string(),
            p.name_uk.clone().unwrap_or_else(|| {
                if evac_geo::translit::is_cyrillic(&p.name) { p.name.clone() } else { String::new() }
            }),
            latin.unwrap_or_default(),
            source.to_string(),
            p.place.clone(),
            format!("{}/{}", p.osm_type, p.osm_id),
        ])?;
    }
    let mut files = vec![(a.out.join("settlements.csv"), w.into_inner()?)];
    let hazard_rel = match &a.hazard {
        Some(h) => {
            files.push((
                a.out.join("hazard.geojson"),
                std::fs::read(h).with_context(|| format!("cannot read {}", h.display()))?,
            ));
            "hazard.geojson"
        }
        None => "hazard.geojson",
    };
    let centres_line = match &a.centres {
        Some(c) => {
            files.push((
                a.out.join("centres.csv"),
                std::fs::read(c).with_context(|| format!("cannot read {}", c.display()))?,
            ));
            "centres = \"centres.csv\"\n".to_string()
        }
        None => String::new(),
    };
    let name = a
        .name
        .clone()
        .unwrap_or_else(|| a.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let network = relative(&a.out, &a.input);
    let toml = format!(
        "# Made by `evac scenario from-osm {}` -- see docs/scenario.md\nname = \"{name}\"\nauthority = \"\"\n\n[zone]\nmandatory_km = 5.0\nadvisory_km = 10.0\n\n[files]\nsettlements = \"settlements.csv\"\nhazard = \"{hazard_rel}\"\n{centres_line}network = \"{}\"\n",
        a.input.display(),
        network.display()
    );
    files.push((a.out.join("scenario.toml"), toml.into_bytes()));
    evac_report::write_all_atomic(&files)?;
    eprintln!(
        "wrote {} settlements ({} with an OSM population tag, {estimated} estimated by place type) and scenario.toml to {}",
        places.len(),
        places.len() - estimated,
        a.out.display()
    );
    if a.hazard.is_none() {
        eprintln!(
            "next: draw the hazard (a front line or an area) into {}/hazard.geojson; see docs/scenario.md",
            a.out.display()
        );
    }
    Ok(())
}

/// The scenario's network (imported and cached on first use), if it names one.
pub fn load_network(scenario: &Scenario) -> Result<Option<Network>> {
    let Some(source) = scenario.optional_file("network") else { return Ok(None) };
    if !source.is_file() {
        bail!(
            "{}: files.network names {}, which does not exist",
            scenario.dir.join("scenario.toml").display(),
            source.display()
        );
    }
    if evac_osm::cache::is_network_file(&source) {
        return Ok(Some(Network::load(&source)?));
    }
    let cache_dir = scenario.dir.join(".cache");
    let size = std::fs::metadata(&source).map(|m| m.len()).unwrap_or(0);
    let bar = crate::progress::Bytes::new(size, "importing");
    let options = evac_osm::ImportOptions { progress: &bar, ..Default::default() };
    let started = std::time::Instant::now();
    let result = evac_osm::cache::open_or_import(&source, &cache_dir, &options);
    bar.0.finish_and_clear();
    let (network, imported) = result?;
    if imported {
        eprintln!(
            "{} (cached in {})",
            import_summary(&source, &network, started.elapsed().as_secs_f64()),
            cache_dir.display()
        );
    }
    Ok(Some(network))
}

/// Settlements and centres attached to the network, with the far ones reported (or refused).
pub struct Attached {
    pub settlements: Vec<Site>,
    pub centres: Vec<Site>,
    pub warnings: Vec<String>,
}

pub fn attach_scenario(scenario: &Scenario, network: &Network) -> Result<Attached> {
    let settlements =
        attach(network, scenario.settlements.iter().map(|s| (s.id.as_str(), s.name.as_str(), s.location)));
    let centres = attach(network, scenario.centres.iter().map(|c| (c.id.as_str(), c.name.as_str(), c.location)));
    let max_m = scenario.config.network.max_snap_km * 1000.0;
    let mut warnings = Vec::new();
    for (kind, sites) in [("settlement", &settlements), ("centre", &centres)] {
        for s in sites.iter().filter(|s| s.is_far(max_m)) {
            warnings.push(format!(
                "{kind} {} ({}) is {:.1} km from the nearest road of the network (limit network.max_snap_km = {})",
                s.name,
                s.id,
                s.snap_m / 1000.0,
                scenario.config.network.max_snap_km
            ));
        }
    }
    if scenario.config.network.far_from_road == FarFromRoad::Error && !warnings.is_empty() {
        bail!(
            "{}\n(the network may not cover the whole area: import a larger extract, or raise network.max_snap_km)",
            warnings.join("\n")
        );
    }
    Ok(Attached { settlements, centres, warnings })
}

pub fn check(a: CheckArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    println!(
        "{}: {} settlements ({} people), {} centres ({} beds), hazard of {} features",
        scenario.config.name,
        scenario.settlements.len(),
        scenario.settlements.iter().map(|s| u64::from(s.population)).sum::<u64>(),
        scenario.centres.len(),
        scenario.centres.iter().map(|c| u64::from(c.capacity)).sum::<u64>(),
        scenario.hazard.features.len()
    );
    let Some(network) = load_network(&scenario)? else {
        println!("no network in scenario.toml: orders work, plans need `network = ...` under [files]");
        return Ok(());
    };
    let attached = attach_scenario(&scenario, &network)?;
    println!("network: {} nodes, {:.0} km of road", network.nodes().len(), network.road_km());
    for w in &attached.warnings {
        println!("warning: {w}");
    }
    if attached.centres.is_empty() {
        println!("warning: no reception centres: plans will use the network's exits");
        return Ok(());
    }
    let router = Router::new(&network, None);
    let nodes: Vec<u32> = attached.settlements.iter().map(|s| s.node).collect();
    let targets: Vec<u32> = attached.centres.iter().map(|c| c.node).collect();
    let table = router.matrix(&nodes, &targets);
    let mut unreachable = 0;
    for (s, row) in attached.settlements.iter().zip(&table) {
        if row.iter().all(Option::is_none) {
            unreachable += 1;
            println!("warning: settlement {} ({}) has no route to any reception centre", s.name, s.id);
        }
    }
    let worst = table.iter().filter_map(|row| row.iter().flatten().copied().reduce(f64::min)).fold(0.0, f64::max);
    println!(
        "{} of {} settlements reach a centre; the farthest is {:.0} min away at free-flow speed",
        attached.settlements.len() - unreachable,
        attached.settlements.len(),
        worst / 60.0
    );
    Ok(())
}
