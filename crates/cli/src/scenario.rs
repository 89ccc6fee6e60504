use crate::network::import_summary;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use evac_network::Network;
use evac_osm::scenario::{DraftOptions, draft_scenario, relative_path};
use evac_scenario::Scenario;
use std::path::PathBuf;

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

pub fn from_osm(a: FromOsmArgs) -> Result<()> {
    let places = evac_osm::read_places(&a.input)?;
    if places.is_empty() {
        bail!("{}: no place=city|town|village|hamlet node or area with a name", a.input.display());
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let name = a
        .name
        .clone()
        .unwrap_or_else(|| a.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let draft = draft_scenario(
        &places,
        &DraftOptions {
            name,
            network: relative_path(&a.out, &a.input),
            source: a.input.clone(),
            with_centres: a.centres.is_some(),
        },
    );
    let mut files = draft.files;
    for (name, copy) in [("hazard.geojson", &a.hazard), ("centres.csv", &a.centres)] {
        if let Some(path) = copy {
            files.push((name, std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?));
        }
    }
    let paths: Vec<(PathBuf, Vec<u8>)> = files.into_iter().map(|(n, b)| (a.out.join(n), b)).collect();
    evac_files::write_all_atomic(&paths)?;
    eprintln!(
        "wrote {} settlements ({} with an OSM population tag, {} estimated by place type) and scenario.toml to {}",
        draft.settlements,
        draft.settlements - draft.estimated,
        draft.estimated,
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

/// The scenario's network (imported and cached on first use, with a progress bar), if it
/// names one.
pub fn load_network(scenario: &Scenario) -> Result<Option<Network>> {
    let Some(source) = scenario.optional_file("network") else { return Ok(None) };
    if !source.is_file() {
        bail!(
            "{}: files.network names {}, which does not exist",
            scenario.dir.join("scenario.toml").display(),
            source.display()
        );
    }
    let cache_dir = scenario.dir.join(".cache");
    if evac_layers::cache::is_layers_file(&source) {
        let started = std::time::Instant::now();
        let (network, built) = evac_layers::cache::open_or_build(&source, &cache_dir, &evac_osm::Profile::default())?;
        if built {
            eprintln!(
                "{} (cached in {})",
                crate::network::layers_summary(&network, started.elapsed().as_secs_f64()),
                cache_dir.display()
            );
        }
        return Ok(Some(network));
    }
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

/// The scenario's network, or an error saying how to name one.
pub fn require_network(scenario: &Scenario) -> Result<Network> {
    load_network(scenario)?
        .ok_or_else(|| evac_plan::PlanError::NoNetwork { scenario: scenario.config.name.clone() }.into())
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
    let r = evac_plan::sites::reachability(&scenario, &network)?;
    println!("network: {} nodes, {:.0} km of road", network.nodes().len(), network.road_km());
    for w in &r.attached.warnings {
        println!("warning: {w}");
    }
    if r.attached.centres.is_empty() {
        println!("warning: no reception centres: plans will use the network's exits");
        return Ok(());
    }
    for &i in &r.unreachable {
        let s = &r.attached.settlements[i];
        println!("warning: settlement {} ({}) has no route to any reception centre", s.name, s.id);
    }
    println!(
        "{} of {} settlements reach a centre; the farthest is {:.0} min away at free-flow speed",
        r.attached.settlements.len() - r.unreachable.len(),
        r.attached.settlements.len(),
        r.worst_s / 60.0
    );
    Ok(())
}
