use crate::progress;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use evac_model::LatLon;
use evac_network::stats::{NetworkStats, stats};
use evac_network::{Closures, Network, Router, Snapper};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum NetworkCommand {
    /// Import an OpenStreetMap extract (.osm.pbf, .osm, .osm.gz), or road layers (ESRI
    /// shapefiles, GeoJSON) with a layers file giving their road classes, into a routing
    /// network file: car-routable roads with speeds and capacities, bridges, rail lines and
    /// stations; for layers also joined way ends and access links to settlements.
    #[command(after_help = "Examples:\n  evac network import liechtenstein.osm.pbf --out li.evacnet\n  \
evac network import ukraine-latest.osm.pbf --clip scenarios/kupiansk/boundary.geojson --out kupiansk.evacnet\n  \
evac network import city.osm.gz --bbox 24.93,60.16,24.96,60.18 --profile rural.toml --out city.evacnet\n  \
evac network import ../shared/data/ukraine-main-roads/roads_national.shp ../shared/data/ukraine-main-roads/roads_international.shp \\\n    \
--layers data/layers/ukraine-main-roads.toml --clip scenarios/kharkiv-oblast/boundary.geojson --out kharkiv.evacnet\n  \
evac network import --layers scenarios/kupiansk/network.toml --out kupiansk.evacnet   # the files it names")]
    Import(ImportArgs),
    /// Summarise a network file: nodes, edges, km by road class, bridges and river
    /// crossings with their capacity, railway stations, what the import dropped.
    Stats(StatsArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// OSM extract: .osm.pbf, .osm (XML) or .osm.gz (the format is detected from the
    /// content); or road layers (.shp, .geojson) with --layers.
    pub inputs: Vec<PathBuf>,
    /// Layers file (TOML): the road class of each layer, snapping tolerance, bridges, access
    /// links (docs/network.md). Without inputs, the layer files it names are read.
    #[arg(long, value_name = "TOML")]
    pub layers: Option<PathBuf>,
    /// Join loose way ends within this many metres of another road (layers only).
    #[arg(long, value_name = "METRES")]
    pub snap_m: Option<f64>,
    /// Bridges to mark (CSV: name,river,lat,lon,method; layers only).
    #[arg(long, value_name = "CSV")]
    pub bridges: Option<PathBuf>,
    /// Join the places of this CSV (id,name,lat,lon: settlements, centres, stations) to the
    /// roads by access links; repeatable (layers only).
    #[arg(long, value_name = "CSV")]
    pub access: Vec<PathBuf>,
    /// Network file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Keep only the network inside this GeoJSON polygon (e.g. a raion boundary).
    #[arg(long, value_name = "GEOJSON")]
    pub clip: Option<PathBuf>,
    /// Keep only the network inside min_lon,min_lat,max_lon,max_lat.
    #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox)]
    pub bbox: Option<[f64; 4]>,
    /// TOML profile overriding speeds, capacities and routed classes (see docs/network.md).
    #[arg(long)]
    pub profile: Option<PathBuf>,
}

#[derive(Args)]
pub struct StatsArgs {
    pub network: PathBuf,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> =
        s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| format!("{e}"))?;
    match v.as_slice() {
        [w, s_, e, n] if w < e && s_ < n => Ok([*w, *s_, *e, *n]),
        _ => Err("expected min_lon,min_lat,max_lon,max_lat with min < max".into()),
    }
}

pub fn parse_latlon(s: &str) -> Result<LatLon, String> {
    let v: Vec<f64> =
        s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| format!("{e}"))?;
    match v.as_slice() {
        [lat, lon] if (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon) => Ok(LatLon::new(*lat, *lon)),
        _ => Err("expected LAT,LON in decimal degrees, e.g. 47.14,9.52".into()),
    }
}

pub fn profile(path: Option<&Path>) -> Result<evac_osm::Profile> {
    Ok(match path {
        Some(p) => evac_osm::Profile::from_toml_file(p)?,
        None => evac_osm::Profile::default(),
    })
}

/// One line about a freshly imported network.
pub fn import_summary(input: &Path, network: &Network, seconds: f64) -> String {
    let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    format!(
        "imported {} in {:.2} s ({:.1} MB/s): {} nodes, {} edges, {:.1} km of road; dropped {} small components ({} nodes, {:.1} km)",
        input.display(),
        seconds,
        size as f64 / 1e6 / seconds,
        network.nodes().len(),
        network.edges().len(),
        network.road_km(),
        network.meta().dropped_components,
        network.meta().dropped_nodes,
        network.meta().dropped_km
    )
}

/// Import `input` into the network file `out`, with a progress bar. Nothing is written
/// unless the whole import succeeds (the file is written to a temporary name, then renamed).
pub fn import_to(
    input: &Path,
    out: &Path,
    clip: Option<(String, geo::MultiPolygon<f64>)>,
    bbox: Option<[f64; 4]>,
    profile_path: Option<&Path>,
) -> Result<Network> {
    let profile = profile(profile_path)?;
    let size = std::fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?.len();
    let bar = progress::Bytes::new(size, "reading");
    let options = evac_osm::ImportOptions { profile, clip, bbox, progress: &bar };
    let started = Instant::now();
    let result = evac_osm::import_to_file(input, out, &options);
    bar.0.finish_and_clear();
    let network = result?;
    eprintln!("{}", import_summary(input, &network, started.elapsed().as_secs_f64()));
    Ok(network)
}

pub fn run(cmd: NetworkCommand) -> Result<()> {
    match cmd {
        NetworkCommand::Import(a) => {
            if a.layers.is_some() || a.inputs.iter().any(|p| is_layer_path(p)) {
                return import_layers(&a);
            }
            let [input] = a.inputs.as_slice() else {
                bail!("give one OSM extract to import (or road layers with --layers mapping.toml)");
            };
            for (flag, used) in [
                ("--snap-m", a.snap_m.is_some()),
                ("--bridges", a.bridges.is_some()),
                ("--access", !a.access.is_empty()),
            ] {
                if used {
                    bail!("{flag} applies to road layers (shapefiles, GeoJSON with --layers), not to OSM extracts");
                }
            }
            let clip = match &a.clip {
                Some(p) => Some((p.display().to_string(), evac_scenario::read_boundary(p)?)),
                None => None,
            };
            let network = import_to(input, &a.out, clip, a.bbox, a.profile.as_deref())?;
            eprintln!("wrote {} ({:.1} MB)", a.out.display(), network.size_bytes() as f64 / 1e6);
            Ok(())
        }
        NetworkCommand::Stats(a) => {
            let network = Network::load(&a.network)?;
            let s = stats(&network);
            if a.json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print!("{}", stats_text(&s));
            }
            Ok(())
        }
    }
}

fn is_layer_path(p: &Path) -> bool {
    p.extension().is_some_and(|e| ["shp", "geojson", "json"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// `evac network import` of road layers: the layers file, overridden by the command line.
fn import_layers(a: &ImportArgs) -> Result<()> {
    let Some(mapping) = &a.layers else {
        bail!(
            "road layers need a layers file saying which road class their ways are: add --layers mapping.toml (see docs/network.md)"
        );
    };
    let mut layers = evac_layers::LayersFile::read(mapping)?;
    if !a.inputs.is_empty() {
        layers.select_inputs(&a.inputs)?;
    }
    if let Some(m) = a.snap_m {
        if !(0.0..=1000.0).contains(&m) {
            bail!("--snap-m must be between 0 and 1000 metres, found {m}");
        }
        layers.snap_m = m;
    }
    if a.clip.is_some() {
        layers.clip = a.clip.clone();
    }
    if a.bbox.is_some() {
        layers.bbox = a.bbox;
    }
    if a.bridges.is_some() {
        layers.bridges = a.bridges.clone();
    }
    if !a.access.is_empty() {
        let rule = layers.access.get_or_insert_with(evac_layers::AccessRule::default);
        rule.places = a.access.clone();
    }
    let profile = profile(a.profile.as_deref())?;
    let started = Instant::now();
    let network = evac_layers::build_to_file(&layers, &profile, &a.out)?;
    eprintln!("{}", layers_summary(&network, started.elapsed().as_secs_f64()));
    eprintln!("wrote {} ({:.1} MB)", a.out.display(), network.size_bytes() as f64 / 1e6);
    Ok(())
}

/// One line about a network freshly built from road layers.
pub fn layers_summary(network: &Network, seconds: f64) -> String {
    let meta = network.meta();
    let mut line = format!(
        "built {} in {:.2} s: {} nodes, {} edges, {:.1} km of road",
        meta.source,
        seconds,
        network.nodes().len(),
        network.edges().len(),
        network.road_km()
    );
    if let Some(r) = &meta.layers {
        line.push_str(&format!(
            "; {} components at shared vertices, {} after joining {} way ends within {} m; {} bridges; {} access links ({} approximate); dropped {} small components ({:.1} km)",
            r.components_shared_vertices,
            r.components_snapped,
            r.snapped_ends,
            r.snap_m,
            r.bridges,
            r.access_links,
            r.approximate_links,
            meta.dropped_components,
            meta.dropped_km
        ));
    }
    line
}

fn stats_text(s: &NetworkStats) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "network from {}: {} nodes, {} directed edges, {:.1} km of road ({:.1} km one-way)",
        s.source, s.nodes, s.edges, s.road_km, s.oneway_km
    );
    if s.approximate_links > 0 {
        let _ = writeln!(
            out,
            "approximate links (straight access links where village roads are missing): {} ({:.1} km)",
            s.approximate_links, s.approximate_km
        );
    }
    let _ = writeln!(out, "\nkm by class:");
    let mut classes: Vec<(&String, &f64)> = s.km_by_class.iter().collect();
    classes.sort_by(|a, b| b.1.total_cmp(a.1));
    for (c, km) in classes {
        let _ = writeln!(out, "  {c:<16} {km:>9.1}");
    }
    let _ = writeln!(
        out,
        "\nbridges, fords and ferries: {} ({} crossing a named river or canal)",
        s.bridges.len(),
        s.river_crossings
    );
    for b in s.bridges.iter().take(25) {
        let _ = writeln!(
            out,
            "  {:<60} {:>6.0} veh/h  {} lane(s)  {:>5.0} m  {:.5},{:.5}",
            b.label.chars().take(60).collect::<String>(),
            b.capacity_vph,
            b.lanes,
            b.length_m,
            b.lat,
            b.lon
        );
    }
    if s.bridges.len() > 25 {
        let _ = writeln!(out, "  ... {} more (--json lists all)", s.bridges.len() - 25);
    }
    let _ = writeln!(out, "\nrailway: {:.1} km of track, {} stations/halts", s.rail_km, s.stations.len());
    for st in &s.stations {
        let _ = writeln!(
            out,
            "  {:<30} {:<8} {:.5},{:.5}  road node {} at {:.0} m",
            st.name, st.kind, st.lat, st.lon, st.node, st.snap_m
        );
    }
    let _ = writeln!(
        out,
        "\ndropped at import: {} small components ({} nodes, {} edges, {:.1} km) not connected both ways to the main network",
        s.dropped.components, s.dropped.nodes, s.dropped.edges, s.dropped.km
    );
    let _ = writeln!(out, "degree-2 contraction: {} -> {} nodes", s.nodes_before_contraction, s.nodes);
    if let Some(r) = &s.turn_restrictions {
        let _ = writeln!(
            out,
            "turn restrictions: {} read, {} placed ({} banned turns), {} not placed (via node or ways not kept)",
            r.read, r.placed, r.banned_turns, r.not_placed
        );
    }
    if s.signalised_nodes > 0 {
        let _ = writeln!(
            out,
            "traffic signals: at {} nodes of the graph (at a junction each road into it passes the calibration's green share)",
            s.signalised_nodes
        );
    }
    if let Some(r) = &s.layers {
        let _ = writeln!(
            out,
            "\nroad layers: {} vertices in {} components joined at shared vertices (largest {}); {} loose way ends joined within {} m -> {} components (largest {})",
            r.vertices,
            r.components_shared_vertices,
            r.largest_shared_vertices,
            r.snapped_ends,
            r.snap_m,
            r.components_snapped,
            r.largest_snapped
        );
        let _ = writeln!(
            out,
            "bridges from the list: {}; access links: {} ({} approximate: longer than {} m)",
            r.bridges, r.access_links, r.approximate_links, r.approximate_beyond_m
        );
        for p in &r.places_not_linked {
            let _ = writeln!(out, "  not linked: {p}");
        }
    }
    out
}

#[derive(Args)]
pub struct RouteArgs {
    /// Network file (from `evac network import`).
    pub network: PathBuf,
    #[arg(long, value_parser = parse_latlon, allow_hyphen_values = true)]
    pub from: LatLon,
    #[arg(long, value_parser = parse_latlon, allow_hyphen_values = true)]
    pub to: LatLon,
    /// Close a bridge or road (by name, river or edge id); repeatable.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub close: Vec<String>,
    /// Avoid every road inside this GeoJSON polygon.
    #[arg(long, value_name = "GEOJSON")]
    pub avoid: Option<PathBuf>,
    /// Print JSON: distance_m, duration_s, geometry (GeoJSON LineString).
    #[arg(long)]
    pub json: bool,
}

pub fn closures(network: &Network, close: &[String], avoid: Option<&Path>) -> Result<Closures> {
    let mut c = Closures::none(network);
    for what in close {
        let closed = c.close_by_name_or_id(network, what)?;
        eprintln!("closed {} ({} edges)", closed.label, closed.edges.len());
    }
    if let Some(p) = avoid {
        let area = evac_scenario::read_boundary(p)?;
        let n = c.avoid_area(network, &area);
        eprintln!("avoiding {n} edges inside {}", p.display());
    }
    Ok(c)
}

pub fn route(a: RouteArgs) -> Result<()> {
    let network = Network::load(&a.network)?;
    let closed = closures(&network, &a.close, a.avoid.as_deref())?;
    let snapper = Snapper::new(&network);
    let s = snapper.nearest(a.from).context("empty network")?;
    let t = snapper.nearest(a.to).context("empty network")?;
    for (what, snap, p) in [("--from", s, a.from), ("--to", t, a.to)] {
        if snap.distance_m > 2000.0 {
            eprintln!("warning: {what} {:.5},{:.5} is {:.0} m from the nearest road", p.lat, p.lon, snap.distance_m);
        }
    }
    let router = Router::new(&network, Some(&closed));
    let Some(path) = router.shortest_path(s.node, t.node) else {
        bail!(
            "no route from {:.5},{:.5} to {:.5},{:.5}{}",
            a.from.lat,
            a.from.lon,
            a.to.lat,
            a.to.lon,
            if closed.closed_count() > 0 { " with these closures" } else { "" }
        );
    };
    let geometry = router.geometry(&path);
    if a.json {
        let v = serde_json::json!({
            "distance_m": (path.distance_m * 10.0).round() / 10.0,
            "duration_s": (path.duration_s * 10.0).round() / 10.0,
            "from_snap_m": (s.distance_m * 10.0).round() / 10.0,
            "to_snap_m": (t.distance_m * 10.0).round() / 10.0,
            "edges": path.edges,
            "geometry": {"type": "LineString", "coordinates": geometry.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()},
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{:.2} km, {:.1} min free-flow, {} edges",
            path.distance_m / 1000.0,
            path.duration_s / 60.0,
            path.edges.len()
        );
        let mut last = String::new();
        for &e in &path.edges {
            let label = network.edge_label(evac_network::EdgeId(e));
            if label != last {
                println!("  {label}");
                last = label;
            }
        }
    }
    Ok(())
}
