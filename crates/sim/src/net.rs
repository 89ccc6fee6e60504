//! The SUMO network: built with `netconvert` from the scenario's OSM extract (cached beside
//! evac's own network import), and read back from its `.net.xml`.
//!
//! The conversion keeps what lets a plan be mapped onto it: OSM node ids stay junction ids
//! (no junction joining, no geometry removal), the road classes and their default speeds and
//! lanes are evac's car profile (a generated type file replaces SUMO's, so both models drive
//! the same roads at the same free-flow speeds), and the projection is the azimuthal
//! equidistant one centred on the network, the same as `evac_geo::LocalProjection`, so
//! junction positions turn back into latitude and longitude exactly.

use crate::error::SimError;
use crate::tools::{Tools, run};
use evac_geo::LocalProjection;
use evac_model::LatLon;
use evac_network::RoadClass;
use evac_osm::Profile;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Bumped whenever the netconvert call or the type file changes meaning, so old caches are
/// rebuilt rather than trusted.
const NET_RECIPE: u32 = 1;

/// SUMO's right-of-way priorities of the OSM classes (from its osmNetconvert type map), so
/// junction control behaves as in any SUMO study.
fn priority(c: RoadClass) -> u32 {
    use RoadClass::*;
    match c {
        Motorway => 14,
        Trunk => 13,
        Primary => 12,
        Secondary => 11,
        Tertiary => 10,
        MotorwayLink => 9,
        TrunkLink => 8,
        PrimaryLink => 7,
        SecondaryLink => 6,
        TertiaryLink => 5,
        Unclassified => 4,
        Residential | Road => 3,
        LivingStreet => 2,
        Service | Track | Ferry => 1,
    }
}

/// The netconvert type file for evac's car profile: one `highway.<class>` type per routed
/// class with the profile's default speed and lanes per direction. Types not listed are
/// dropped by netconvert, which is what keeps the car-relevant classes only. SUMO's own map
/// closes `service` roads to private cars and has no `road`; evac routes both.
pub fn types_xml(profile: &Profile) -> String {
    let mut out = String::from("<types>\n");
    for c in RoadClass::ALL {
        let p = profile.get(c);
        if !p.route || c == RoadClass::Ferry {
            continue;
        }
        // Motorways are one-way unless tagged otherwise, as in evac's import.
        let oneway = c == RoadClass::Motorway || c == RoadClass::MotorwayLink;
        out.push_str(&format!(
            "    <type id=\"highway.{}\" numLanes=\"{}\" speed=\"{:.2}\" priority=\"{}\" oneway=\"{}\" \
disallow=\"rail rail_urban rail_electric rail_fast tram ship\"/>\n",
            c.osm_name(),
            p.lanes.max(1),
            f64::from(p.speed_kmh) / 3.6,
            priority(c),
            oneway
        ));
    }
    out.push_str("</types>\n");
    out
}

/// The PROJ string of the projection centred on `centre` (`+proj=aeqd` on WGS84, what
/// [`LocalProjection`] computes with Karney's geodesics).
pub fn proj_string(centre: LatLon) -> String {
    format!("+proj=aeqd +lat_0={:.7} +lon_0={:.7} +ellps=WGS84 +units=m +no_defs", centre.lat, centre.lon)
}

/// What the extract is, from its first bytes (as evac's import decides).
fn is_pbf(source: &Path) -> Result<bool, SimError> {
    use std::io::Read;
    let mut head = [0u8; 64];
    let mut f = std::fs::File::open(source).map_err(SimError::io(source))?;
    let n = f.read(&mut head).map_err(SimError::io(source))?;
    let head = &head[..n];
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let xml = head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    Ok(!gzip && !xml)
}

/// Does the extract need osmium (PBF) before netconvert can read it?
pub fn needs_osmium(source: &Path) -> Result<bool, SimError> {
    is_pbf(source)
}

/// A built (or reused) SUMO network file.
#[derive(Debug, Clone)]
pub struct BuiltNet {
    pub path: PathBuf,
    /// Reused from the cache (no netconvert run).
    pub cached: bool,
    pub seconds: f64,
}

/// The netconvert arguments besides input and output.
fn netconvert_args(types: &Path, centre: LatLon) -> Vec<String> {
    [
        "--type-files",
        &types.to_string_lossy(),
        "--proj",
        &proj_string(centre),
        // Net coordinates are the projection's own (no shift to a zero origin).
        "--offset.disable-normalization",
        "true",
        "--keep-edges.by-vclass",
        "passenger",
        "--remove-edges.isolated",
        "true",
        // Junction ids must stay OSM node ids for the plan to map onto them.
        "--junctions.join",
        "false",
        "--geometry.remove",
        "false",
        "--output.street-names",
        "true",
        "--xml-validation",
        "never",
        "--no-warnings",
        "true",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// Build the SUMO network of `source` into `cache_dir`, or reuse the one built before from
/// the same extract (size and modification time), netconvert version, profile and
/// projection.
pub fn build_or_reuse(
    tools: &Tools,
    source: &Path,
    cache_dir: &Path,
    centre: LatLon,
    profile: &Profile,
) -> Result<BuiltNet, SimError> {
    let started = std::time::Instant::now();
    let meta = std::fs::metadata(source).map_err(SimError::io(source))?;
    let version = tools.version(&tools.netconvert, "netconvert")?;
    let types = types_xml(profile);
    let proj = proj_string(centre);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    NET_RECIPE.hash(&mut h);
    meta.len().hash(&mut h);
    meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).hash(&mut h);
    version.hash(&mut h);
    types.hash(&mut h);
    proj.hash(&mut h);
    let stem = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "network".into());
    let stem = stem.trim_end_matches(".gz").trim_end_matches(".pbf").trim_end_matches(".osm").to_string();
    let path = cache_dir.join(format!("{stem}-{:016x}.net.xml", h.finish()));
    if path.is_file() && SumoNet::read(&path).is_ok() {
        return Ok(BuiltNet { path, cached: true, seconds: started.elapsed().as_secs_f64() });
    }
    std::fs::create_dir_all(cache_dir).map_err(SimError::io(cache_dir))?;
    // Everything netconvert reads or writes is staged under a private name in the cache
    // folder and only the finished network is renamed into place: a failed or interrupted
    // build leaves nothing a later run could mistake for a network.
    let stage = |suffix: &str| cache_dir.join(format!(".{stem}-{}-{suffix}", std::process::id()));
    let types_path = stage("types.xml");
    let osm_path = stage("extract.osm");
    let out_path = stage("net.xml");
    let cleanup = || {
        for p in [&types_path, &osm_path, &out_path] {
            let _ = std::fs::remove_file(p);
        }
    };
    let result = (|| {
        std::fs::write(&types_path, &types).map_err(SimError::io(&types_path))?;
        let input = if is_pbf(source)? {
            let osmium = tools.osmium.as_ref().ok_or_else(|| SimError::MissingTools {
                tools: "`osmium` (to read the PBF extract)".into(),
                osmium: " osmium-tool",
            })?;
            run(
                tools
                    .command(osmium)
                    .arg("cat")
                    .arg(source)
                    .arg("-f")
                    .arg("osm")
                    .arg("-o")
                    .arg(&osm_path)
                    .arg("--overwrite"),
                "osmium",
            )?;
            osm_path.clone()
        } else {
            source.to_path_buf()
        };
        run(
            tools
                .command(&tools.netconvert)
                .arg("--osm-files")
                .arg(&input)
                .arg("--output-file")
                .arg(&out_path)
                .args(netconvert_args(&types_path, centre)),
            "netconvert",
        )?;
        // Refuse a network that cannot be read back before it is cached.
        SumoNet::read(&out_path)?;
        std::fs::File::open(&out_path).and_then(|f| f.sync_all()).map_err(SimError::io(&out_path))?;
        std::fs::rename(&out_path, &path).map_err(SimError::io(&path))?;
        Ok(BuiltNet { path: path.clone(), cached: false, seconds: started.elapsed().as_secs_f64() })
    })();
    cleanup();
    result
}

/// A SUMO junction (not the internal ones).
#[derive(Debug, Clone, PartialEq)]
pub struct Junction {
    pub id: String,
    pub x: f64,
    pub y: f64,
}

/// A SUMO edge (not the internal ones inside junctions).
#[derive(Debug, Clone, PartialEq)]
pub struct SumoEdge {
    pub id: String,
    pub from: u32,
    pub to: u32,
    /// Length of its first lane, metres.
    pub length_m: f64,
    /// Fastest lane speed limit, m/s.
    pub speed_mps: f64,
    pub lanes: u32,
    /// OSM name (netconvert's `--output.street-names`), may be empty.
    pub name: String,
    /// Per lane: may a private car (`passenger`) drive on it?
    pub lane_passenger: Vec<bool>,
}

impl SumoEdge {
    pub fn passenger(&self) -> bool {
        self.lane_passenger.iter().any(|&p| p)
    }

    /// The OSM way this edge comes from: netconvert names edges `[-]<way id>[#<part>]`.
    pub fn way_id(&self) -> Option<i64> {
        self.id.trim_start_matches('-').split('#').next()?.parse().ok()
    }
}

/// A `.net.xml`, the parts the mapping and the measurements need.
#[derive(Debug, Clone, Default)]
pub struct SumoNet {
    pub path: PathBuf,
    pub projection: String,
    pub net_offset: (f64, f64),
    pub junctions: Vec<Junction>,
    pub edges: Vec<SumoEdge>,
    /// successors[e]: the edges a car may take after `e` (connections between lanes that
    /// allow `passenger`).
    pub successors: Vec<Vec<u32>>,
    /// out_edges[j]: the car edges leaving junction `j`.
    pub out_edges: Vec<Vec<u32>>,
    junction_ids: HashMap<String, u32>,
    edge_ids: HashMap<String, u32>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

/// SUMO's permission rule for one lane and the `passenger` class: an `allow` list names
/// the classes allowed, a `disallow` list the ones refused, neither means everyone.
fn lane_allows_passenger(allow: Option<&str>, disallow: Option<&str>) -> bool {
    let has = |list: &str| list.split_whitespace().any(|c| c == "passenger" || c == "all");
    match (allow, disallow) {
        (Some(a), _) => has(a),
        (None, Some(d)) => !has(d),
        (None, None) => true,
    }
}

impl SumoNet {
    pub fn read(path: &Path) -> Result<SumoNet, SimError> {
        let f = std::fs::File::open(path).map_err(SimError::io(path))?;
        let mut net = SumoNet::parse(std::io::BufReader::with_capacity(1 << 16, f))
            .map_err(|message| SimError::Output { path: path.to_path_buf(), message })?;
        net.path = path.to_path_buf();
        Ok(net)
    }

    /// Parse a `.net.xml`; the error says what is wrong (the caller adds the file).
    pub fn parse<R: BufRead>(input: R) -> Result<SumoNet, String> {
        let mut reader = quick_xml::Reader::from_reader(input);
        let mut buf = Vec::new();
        let mut net = SumoNet::default();
        let mut saw_net = false;
        // Edges name their junctions before the junctions appear: resolve at the end.
        let mut edge_ends: Vec<(String, String)> = Vec::new();
        let mut connections: Vec<(String, String, usize, usize)> = Vec::new();
        let mut in_edge = false;
        loop {
            let pos = reader.buffer_position();
            let event = reader.read_event_into(&mut buf).map_err(|e| format!("not valid XML at byte {pos}: {e}"))?;
            let (e, empty) = match &event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) => {
                    if e.name().as_ref() == b"edge" {
                        in_edge = false;
                    }
                    buf.clear();
                    continue;
                }
                Event::Eof => break,
                _ => {
                    buf.clear();
                    continue;
                }
            };
            match e.name().as_ref() {
                b"net" => saw_net = true,
                b"location" => {
                    net.projection = attr(e, b"projParameter").unwrap_or_default();
                    if let Some(off) = attr(e, b"netOffset") {
                        let mut it = off.split(',').map(|v| v.trim().parse::<f64>());
                        if let (Some(Ok(x)), Some(Ok(y))) = (it.next(), it.next()) {
                            net.net_offset = (x, y);
                        }
                    }
                }
                b"edge" => {
                    // Internal edges (inside junctions), crossings and walking areas carry
                    // a `function`; cars are routed over normal edges only.
                    let function = attr(e, b"function");
                    if function.as_deref().is_some_and(|f| f != "normal") {
                        in_edge = false;
                    } else {
                        let id = attr(e, b"id").ok_or_else(|| format!("an edge without id at byte {pos}"))?;
                        let from = attr(e, b"from").ok_or_else(|| format!("edge {id} has no `from`"))?;
                        let to = attr(e, b"to").ok_or_else(|| format!("edge {id} has no `to`"))?;
                        let name = attr(e, b"name").unwrap_or_default();
                        net.edge_ids.insert(id.clone(), net.edges.len() as u32);
                        net.edges.push(SumoEdge {
                            id,
                            from: 0,
                            to: 0,
                            length_m: 0.0,
                            speed_mps: 0.0,
                            lanes: 0,
                            name,
                            lane_passenger: Vec::new(),
                        });
                        edge_ends.push((from, to));
                        in_edge = !empty;
                    }
                }
                b"lane" if in_edge => {
                    let edge = net.edges.last_mut().expect("inside an edge");
                    let num = |k: &[u8]| attr(e, k).and_then(|v| v.parse::<f64>().ok());
                    let (Some(length), Some(speed)) = (num(b"length"), num(b"speed")) else {
                        return Err(format!("a lane of edge {} lacks length or speed", edge.id));
                    };
                    if edge.lanes == 0 {
                        edge.length_m = length;
                    }
                    edge.speed_mps = edge.speed_mps.max(speed);
                    edge.lanes += 1;
                    edge.lane_passenger
                        .push(lane_allows_passenger(attr(e, b"allow").as_deref(), attr(e, b"disallow").as_deref()));
                }
                b"junction" => {
                    if attr(e, b"type").as_deref() == Some("internal") {
                        buf.clear();
                        continue;
                    }
                    let id = attr(e, b"id").ok_or_else(|| format!("a junction without id at byte {pos}"))?;
                    let num = |k: &[u8]| attr(e, k).and_then(|v| v.parse::<f64>().ok());
                    let (Some(x), Some(y)) = (num(b"x"), num(b"y")) else {
                        return Err(format!("junction {id} has no position"));
                    };
                    net.junction_ids.insert(id.clone(), net.junctions.len() as u32);
                    net.junctions.push(Junction { id, x, y });
                }
                b"connection" => {
                    let from = attr(e, b"from").unwrap_or_default();
                    if from.starts_with(':') {
                        buf.clear();
                        continue;
                    }
                    let to = attr(e, b"to").unwrap_or_default();
                    let lane = |k: &[u8]| attr(e, k).and_then(|v| v.parse::<usize>().ok());
                    if let (Some(fl), Some(tl)) = (lane(b"fromLane"), lane(b"toLane")) {
                        connections.push((from, to, fl, tl));
                    }
                }
                _ => {}
            }
            buf.clear();
        }
        if !saw_net {
            return Err("not a SUMO network (no <net> element)".into());
        }
        for (i, (from, to)) in edge_ends.iter().enumerate() {
            let find = |j: &str| {
                net.junction_ids
                    .get(j)
                    .copied()
                    .ok_or_else(|| format!("edge {} names unknown junction {j}", net.edges[i].id))
            };
            let (f, t) = (find(from)?, find(to)?);
            net.edges[i].from = f;
            net.edges[i].to = t;
        }
        net.successors = vec![Vec::new(); net.edges.len()];
        for (from, to, fl, tl) in connections {
            let (Some(&f), Some(&t)) = (net.edge_ids.get(&from), net.edge_ids.get(&to)) else { continue };
            let ok = |e: u32, l: usize| net.edges[e as usize].lane_passenger.get(l).copied().unwrap_or(false);
            if ok(f, fl) && ok(t, tl) && !net.successors[f as usize].contains(&t) {
                net.successors[f as usize].push(t);
            }
        }
        net.out_edges = vec![Vec::new(); net.junctions.len()];
        for (i, e) in net.edges.iter().enumerate() {
            if e.passenger() {
                net.out_edges[e.from as usize].push(i as u32);
            }
        }
        Ok(net)
    }

    pub fn junction(&self, id: &str) -> Option<u32> {
        self.junction_ids.get(id).copied()
    }

    pub fn edge_index(&self, id: &str) -> Option<u32> {
        self.edge_ids.get(id).copied()
    }

    /// The projection the network was built with, to turn net coordinates into latitude and
    /// longitude and back.
    pub fn projection(&self) -> Result<NetProjection, String> {
        let param = |key: &str| {
            self.projection.split_whitespace().find_map(|p| p.strip_prefix(key)).and_then(|v| v.parse::<f64>().ok())
        };
        match (self.projection.contains("+proj=aeqd"), param("+lat_0="), param("+lon_0=")) {
            (true, Some(lat), Some(lon)) => {
                Ok(NetProjection { projection: LocalProjection::new(LatLon::new(lat, lon)), offset: self.net_offset })
            }
            _ => Err(format!(
                "projection `{}` is not the one evac builds its SUMO networks with (+proj=aeqd): rebuild it",
                self.projection
            )),
        }
    }
}

/// Net coordinates to latitude/longitude and back.
#[derive(Debug, Clone, Copy)]
pub struct NetProjection {
    projection: LocalProjection,
    offset: (f64, f64),
}

impl NetProjection {
    pub fn to_latlon(&self, x: f64, y: f64) -> LatLon {
        self.projection.inverse(x - self.offset.0, y - self.offset.1)
    }

    pub fn to_xy(&self, p: LatLon) -> (f64, f64) {
        let (x, y) = self.projection.forward(p);
        (x + self.offset.0, y + self.offset.1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A hand-written network in the shape netconvert writes: junctions 1 - 2 - 3 on a
    /// two-way street (way 100, split at 2), a one-way spur 2 -> 4 (way 200), a bus-only
    /// edge 3 -> 4 (way 300) and internal edges and junctions that must be skipped.
    pub(crate) const TINY_NET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<net version="1.9" junctionCornerDetail="5">
    <location netOffset="0.00,0.00" convBoundary="0,0,200,100" origBoundary="9.5,47.1,9.6,47.2" projParameter="+proj=aeqd +lat_0=47.1000000 +lon_0=9.5000000 +ellps=WGS84 +units=m +no_defs"/>
    <type id="highway.residential" priority="3" numLanes="1" speed="8.33"/>
    <edge id=":2_0" function="internal">
        <lane id=":2_0_0" index="0" speed="8.33" length="5.00" shape="0,0 1,1"/>
    </edge>
    <edge id="100#0" from="1" to="2" priority="3" type="highway.residential" name="Hauptstrasse">
        <lane id="100#0_0" index="0" disallow="tram rail ship" speed="8.33" length="100.00" shape="0,0 100,0"/>
    </edge>
    <edge id="-100#0" from="2" to="1" priority="3" type="highway.residential" name="Hauptstrasse">
        <lane id="-100#0_0" index="0" disallow="tram rail ship" speed="8.33" length="100.00" shape="100,0 0,0"/>
    </edge>
    <edge id="100#1" from="2" to="3" priority="3" type="highway.residential" name="Hauptstrasse">
        <lane id="100#1_0" index="0" speed="8.33" length="100.00" shape="100,0 200,0"/>
        <lane id="100#1_1" index="1" allow="bus" speed="13.89" length="100.00" shape="100,0 200,0"/>
    </edge>
    <edge id="-100#1" from="3" to="2" priority="3" type="highway.residential" name="Hauptstrasse">
        <lane id="-100#1_0" index="0" speed="8.33" length="100.00" shape="200,0 100,0"/>
    </edge>
    <edge id="200" from="2" to="4" priority="3" type="highway.residential" name="Spur &amp; Co">
        <lane id="200_0" index="0" speed="8.33" length="100.00" shape="100,0 100,100"/>
    </edge>
    <edge id="300" from="3" to="4" priority="3" type="highway.residential">
        <lane id="300_0" index="0" allow="bus" speed="8.33" length="100.00" shape="200,0 100,100"/>
    </edge>
    <junction id="1" type="dead_end" x="0.00" y="0.00" incLanes="-100#0_0" intLanes="" shape="0,0"/>
    <junction id="2" type="priority" x="100.00" y="0.00" incLanes="100#0_0 -100#1_0" intLanes=":2_0_0" shape="100,0">
        <request index="0" response="00" foes="00" cont="0"/>
    </junction>
    <junction id="3" type="dead_end" x="200.00" y="0.00" incLanes="100#1_0" intLanes="" shape="200,0"/>
    <junction id="4" type="dead_end" x="100.00" y="100.00" incLanes="200_0 300_0" intLanes="" shape="100,100"/>
    <junction id=":2_0_0" type="internal" x="100.00" y="0.00" incLanes="" intLanes=""/>
    <connection from="100#0" to="100#1" fromLane="0" toLane="0" via=":2_0_0" dir="s" state="M"/>
    <connection from="100#0" to="200" fromLane="0" toLane="0" dir="l" state="m"/>
    <connection from="-100#1" to="-100#0" fromLane="0" toLane="0" dir="s" state="M"/>
    <connection from="-100#1" to="200" fromLane="0" toLane="0" dir="r" state="m"/>
    <connection from="100#1" to="-100#1" fromLane="0" toLane="0" dir="t" state="m"/>
    <connection from="100#1" to="300" fromLane="1" toLane="0" dir="r" state="m"/>
    <connection from=":2_0" to="100#1" fromLane="0" toLane="0" dir="s" state="M"/>
</net>
"#;

    pub(crate) fn tiny() -> SumoNet {
        SumoNet::parse(TINY_NET.as_bytes()).unwrap()
    }

    #[test]
    fn parses_edges_junctions_and_car_connections() {
        let net = tiny();
        assert_eq!(net.junctions.len(), 4, "the internal junction is skipped");
        assert_eq!(net.edges.len(), 6, "the internal edge is skipped");
        let e = |id: &str| net.edge_index(id).unwrap();
        let j = |id: &str| net.junction(id).unwrap();
        let main = &net.edges[e("100#1") as usize];
        assert_eq!((main.from, main.to), (j("2"), j("3")));
        assert_eq!(main.lanes, 2);
        assert_eq!(main.lane_passenger, vec![true, false]);
        assert!((main.speed_mps - 13.89).abs() < 1e-9 && (main.length_m - 100.0).abs() < 1e-9);
        assert_eq!(main.way_id(), Some(100));
        assert_eq!(net.edges[e("-100#0") as usize].way_id(), Some(100));
        assert_eq!(net.edges[e("200") as usize].name, "Spur & Co");
        assert!(!net.edges[e("300") as usize].passenger(), "bus only");
        // Connections: the bus lane's turn into the bus-only edge is not a car's.
        let mut s = net.successors[e("100#0") as usize].clone();
        s.sort();
        assert_eq!(s, {
            let mut v = vec![e("100#1"), e("200")];
            v.sort();
            v
        });
        assert!(net.successors[e("100#1") as usize].contains(&e("-100#1")), "turnaround");
        assert!(!net.successors[e("100#1") as usize].contains(&e("300")));
        assert!(!net.out_edges[j("3") as usize].contains(&e("300")));
        assert_eq!(net.out_edges[j("2") as usize].len(), 3);
    }

    #[test]
    fn permissions_follow_sumo() {
        assert!(lane_allows_passenger(None, None));
        assert!(lane_allows_passenger(None, Some("tram rail")));
        assert!(!lane_allows_passenger(None, Some("passenger bus")));
        assert!(lane_allows_passenger(Some("passenger"), None));
        assert!(lane_allows_passenger(Some("all"), None));
        assert!(!lane_allows_passenger(Some("delivery bicycle"), None));
    }

    #[test]
    fn projection_round_trips_through_net_coordinates() {
        let net = tiny();
        let proj = net.projection().unwrap();
        let p = proj.to_latlon(0.0, 0.0);
        assert!((p.lat - 47.1).abs() < 1e-12 && (p.lon - 9.5).abs() < 1e-12);
        let q = LatLon::new(47.12, 9.53);
        let (x, y) = proj.to_xy(q);
        let r = proj.to_latlon(x, y);
        assert!((q.lat - r.lat).abs() < 1e-9 && (q.lon - r.lon).abs() < 1e-9);
        // 1 km north is about 0.009 degrees.
        assert!((proj.to_latlon(0.0, 1000.0).lat - 47.109).abs() < 2e-4);
    }

    #[test]
    fn bad_networks_say_what_is_wrong() {
        assert!(SumoNet::parse("<routes/>".as_bytes()).unwrap_err().contains("not a SUMO network"));
        let dangling = r#"<net><edge id="a" from="1" to="9"><lane id="a_0" index="0" speed="1" length="1"/></edge>
            <junction id="1" type="dead_end" x="0" y="0"/></net>"#;
        assert!(SumoNet::parse(dangling.as_bytes()).unwrap_err().contains("unknown junction 9"));
        let broken = "<net><edge id=\"a\" from=\"1\"";
        assert!(SumoNet::parse(broken.as_bytes()).is_err());
        let foreign = SumoNet { projection: "+proj=utm +zone=32".into(), ..SumoNet::default() };
        assert!(foreign.projection().unwrap_err().contains("aeqd"));
    }

    #[test]
    fn type_file_follows_the_profile() {
        let t = types_xml(&Profile::default());
        assert!(t.contains(r#"id="highway.service" numLanes="1" speed="5.56""#), "{t}");
        assert!(t.contains(r#"id="highway.residential" numLanes="1" speed="8.33""#), "{t}");
        assert!(t.contains(r#"id="highway.motorway" numLanes="2" speed="30.56" priority="14" oneway="true""#), "{t}");
        assert!(t.contains("highway.road"));
        assert!(!t.contains("highway.track"), "tracks are off in the default profile");
    }
}
