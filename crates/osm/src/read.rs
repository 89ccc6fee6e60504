//! Reading OSM files: PBF (blocks decoded in parallel), XML and gzipped XML.

use crate::profile::Profile;
use crate::tags::{WayTags, road_attrs};
use evac_model::LatLon;
use evac_network::format::Coord;
use evac_network::{InputLine, InputRestriction, InputRoad, InputStation, RoadAttrs};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A `place=*` node or closed way.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub osm_id: i64,
    /// "node" or "way".
    pub osm_type: &'static str,
    pub place: String,
    pub name: String,
    pub name_uk: Option<String>,
    pub name_en: Option<String>,
    pub population: Option<u32>,
    /// Known for nodes; for ways, computed from the nodes after reading.
    pub location: Option<LatLon>,
    pub way_nodes: Vec<i64>,
}

/// Everything of interest in an OSM file.
#[derive(Debug, Default)]
pub struct Collected {
    pub nodes: Vec<(i64, Coord)>,
    pub roads: Vec<InputRoad>,
    /// `highway=*` value of each road (for the raw per-class count).
    pub road_highway: Vec<String>,
    /// Ferry durations (seconds) by road index, where tagged.
    pub ferry_durations: Vec<(usize, f64)>,
    /// Highway ways that are not routed: (highway value, node refs), for the raw count.
    pub other_highways: Vec<(String, Vec<i64>)>,
    pub rails: Vec<InputLine>,
    pub waterways: Vec<InputLine>,
    pub stations: Vec<InputStation>,
    pub places: Vec<Place>,
    /// Turn restrictions for cars with a via node.
    pub restrictions: Vec<InputRestriction>,
    /// Nodes tagged `highway=traffic_signals` (OSM ids).
    pub signals: Vec<i64>,
    pub ways_seen: u64,
}

impl Collected {
    fn merge(&mut self, mut other: Collected) {
        let offset = self.roads.len();
        self.nodes.append(&mut other.nodes);
        self.roads.append(&mut other.roads);
        self.road_highway.append(&mut other.road_highway);
        self.ferry_durations.extend(other.ferry_durations.into_iter().map(|(i, d)| (i + offset, d)));
        self.other_highways.append(&mut other.other_highways);
        self.rails.append(&mut other.rails);
        self.waterways.append(&mut other.waterways);
        self.stations.append(&mut other.stations);
        self.places.append(&mut other.places);
        self.restrictions.append(&mut other.restrictions);
        self.signals.append(&mut other.signals);
        self.ways_seen += other.ways_seen;
    }

    fn on_node<'a>(&mut self, id: i64, lat_e7: i32, lon_e7: i32, tags: impl Iterator<Item = (&'a str, &'a str)>) {
        self.nodes.push((id, [lon_e7, lat_e7]));
        let mut railway = None;
        let mut public_transport = None;
        let mut train = None;
        let mut name = None;
        let mut rest: Vec<(&str, &str)> = Vec::new();
        for (k, v) in tags {
            match k {
                "railway" => railway = Some(v),
                "public_transport" => public_transport = Some(v),
                "train" => train = Some(v),
                "name" => name = Some(v),
                "place" | "name:uk" | "name:en" | "population" => rest.push((k, v)),
                "highway" if v == "traffic_signals" => self.signals.push(id),
                _ => {}
            }
        }
        let location = LatLon::new(f64::from(lat_e7) * 1e-7, f64::from(lon_e7) * 1e-7);
        let kind = match (railway, public_transport) {
            (Some("station"), _) => Some(0),
            (Some("halt"), _) => Some(1),
            (_, Some("station")) if train == Some("yes") || railway.is_some() => Some(0),
            _ => None,
        };
        if let Some(kind) = kind {
            self.stations.push(InputStation { osm_id: id, location, name: name.unwrap_or("").to_string(), kind });
        }
        if !rest.is_empty() {
            let t = WayTags::from_pairs(rest.into_iter().chain(name.map(|n| ("name", n))));
            if let Some(p) = place_from(&t, id, "node", Some(location), Vec::new()) {
                self.places.push(p);
            }
        }
    }

    fn on_way<'a>(&mut self, id: i64, refs: impl FnOnce() -> Vec<i64>, tags: WayTags<'a>, profile: &Profile) {
        self.ways_seen += 1;
        if !tags.interesting() {
            return;
        }
        let refs = refs();
        if let Some(attrs) = road_attrs(&tags, profile) {
            if let Some(d) = tags.duration.and_then(crate::tags::parse_duration_s)
                && attrs.class == evac_network::RoadClass::Ferry
            {
                self.ferry_durations.push((self.roads.len(), d));
            }
            self.road_highway.push(tags.highway.unwrap_or("ferry").to_string());
            self.roads.push(InputRoad { way_id: id, nodes: refs.clone(), attrs: RoadAttrs { ..attrs } });
        } else if let Some(h) = tags.highway
            && tags.area != Some("yes")
        {
            // Areas (pedestrian squares) are not roads: left out of the per-class length.
            self.other_highways.push((h.to_string(), refs.clone()));
        }
        if tags.railway == Some("rail") {
            self.rails.push(InputLine { way_id: id, nodes: refs.clone(), name: tags.name.unwrap_or("").to_string() });
        }
        if matches!(tags.waterway, Some("river" | "canal")) {
            self.waterways.push(InputLine {
                way_id: id,
                nodes: refs.clone(),
                name: tags.name.unwrap_or("").to_string(),
            });
        }
        if tags.place.is_some()
            && refs.len() > 3
            && refs.first() == refs.last()
            && let Some(p) = place_from(&tags, id, "way", None, refs)
        {
            self.places.push(p);
        }
    }
}

/// A member of a relation: (type, ref, role), type "node", "way" or "relation".
type Member<'a> = (&'a str, i64, &'a str);

/// A car's turn restriction from a relation's tags and members, if it is one: `type=
/// restriction`, `restriction` (or `restriction:motorcar`) `no_*`/`only_*`, not excepting
/// cars, with exactly one from way, one via node and one to way. (Via ways, conditional and
/// other vehicles' restrictions are left out.)
pub fn restriction_from<'a>(
    id: i64,
    tags: impl Iterator<Item = (&'a str, &'a str)>,
    members: impl Iterator<Item = Member<'a>>,
) -> Option<InputRestriction> {
    let (mut kind, mut car_kind, mut is_restriction, mut except_car) = (None, None, false, false);
    for (k, v) in tags {
        match k {
            "type" => is_restriction = v == "restriction",
            "restriction" => kind = Some(v),
            "restriction:motorcar" => car_kind = Some(v),
            "except" => except_car = v.split(';').any(|x| matches!(x.trim(), "motorcar" | "motor_vehicle")),
            _ => {}
        }
    }
    let kind = car_kind.or(kind)?;
    if !is_restriction || except_car {
        return None;
    }
    let only = if kind.starts_with("only_") {
        true
    } else if kind.starts_with("no_") {
        false
    } else {
        return None;
    };
    let (mut from, mut via, mut to) = (Vec::new(), Vec::new(), Vec::new());
    for (t, r, role) in members {
        match (t, role) {
            ("way", "from") => from.push(r),
            ("way", "to") => to.push(r),
            ("node", "via") => via.push(r),
            (_, "via") => return None,
            _ => {}
        }
    }
    match (from.as_slice(), via.as_slice(), to.as_slice()) {
        (&[from_way], &[via_node], &[to_way]) => Some(InputRestriction {
            relation_id: id,
            from_way,
            via_node,
            to_way,
            only,
            u_turn: kind.ends_with("_u_turn"),
        }),
        _ => None,
    }
}

fn place_from(
    t: &WayTags,
    id: i64,
    osm_type: &'static str,
    location: Option<LatLon>,
    way_nodes: Vec<i64>,
) -> Option<Place> {
    let place = t.place?;
    if !matches!(place, "city" | "town" | "village" | "hamlet") {
        return None;
    }
    let name = t.name.or(t.name_en).or(t.name_uk)?;
    let population = t.population.and_then(|p| p.replace([',', ' ', '.'], "").parse::<u32>().ok());
    Some(Place {
        osm_id: id,
        osm_type,
        place: place.to_string(),
        name: name.to_string(),
        name_uk: t.name_uk.map(str::to_string),
        name_en: t.name_en.map(str::to_string),
        population,
        location,
        way_nodes,
    })
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not an OpenStreetMap file (expected .osm.pbf, .osm XML or gzipped .osm.gz)")]
    NotOsm { path: String },
    #[error("{path}: corrupt or truncated OSM data: {detail}")]
    Corrupt { path: String, detail: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pbf,
    Xml,
    GzipXml,
}

/// Tell the format from the first bytes, not the name.
pub fn sniff(path: &Path) -> Result<Format, ReadError> {
    let p = path.display().to_string();
    let mut f = std::fs::File::open(path).map_err(|source| ReadError::Io { path: p.clone(), source })?;
    let mut head = [0u8; 64];
    let n = read_up_to(&mut f, &mut head).map_err(|source| ReadError::Io { path: p.clone(), source })?;
    let head = &head[..n];
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Format::GzipXml);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return Ok(Format::Xml);
    }
    if n >= 14 && head[4..].windows(9).any(|w| w == b"OSMHeader") {
        return Ok(Format::Pbf);
    }
    Err(ReadError::NotOsm { path: p })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut total = 0;
    while total < buf.len() {
        let n = r.read(&mut buf[total..])?;
        if n == 0 {
            break;
        }
        total += n;
    }
    Ok(total)
}

/// Progress of reading, in bytes of the file.
pub trait ReadProgress: Sync {
    fn advance(&self, bytes: u64);
}

impl ReadProgress for () {
    fn advance(&self, _: u64) {}
}

/// Read everything of interest from an OSM file.
pub fn read(path: &Path, profile: &Profile, progress: &dyn ReadProgress) -> Result<Collected, ReadError> {
    let mut c = match sniff(path)? {
        Format::Pbf => read_pbf(path, profile, progress)?,
        Format::Xml => {
            let f = std::fs::File::open(path)
                .map_err(|source| ReadError::Io { path: path.display().to_string(), source })?;
            read_xml(path, BufReader::with_capacity(1 << 20, CountingReader { inner: f, progress }), profile)?
        }
        Format::GzipXml => {
            let f = std::fs::File::open(path)
                .map_err(|source| ReadError::Io { path: path.display().to_string(), source })?;
            let gz = flate2::read::MultiGzDecoder::new(CountingReader { inner: f, progress });
            read_xml(path, BufReader::with_capacity(1 << 20, gz), profile)?
        }
    };
    // Parallel reading loses the file order: restore a deterministic one.
    let mut order: Vec<usize> = (0..c.roads.len()).collect();
    order.sort_by_key(|&i| c.roads[i].way_id);
    let mut position = vec![0usize; order.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let roads = std::mem::take(&mut c.roads);
    let highway = std::mem::take(&mut c.road_highway);
    let mut pairs: Vec<(InputRoad, String)> = roads.into_iter().zip(highway).collect();
    pairs.sort_by_key(|(r, _)| r.way_id);
    (c.roads, c.road_highway) = pairs.into_iter().unzip();
    for (i, _) in &mut c.ferry_durations {
        *i = position[*i];
    }
    c.rails.sort_by_key(|l| l.way_id);
    c.waterways.sort_by_key(|l| l.way_id);
    c.stations.sort_by_key(|s| s.osm_id);
    c.places.sort_by_key(|p| (p.osm_type, p.osm_id));
    c.restrictions.sort_by_key(|r| r.relation_id);
    c.other_highways.sort();
    Ok(c)
}

struct CountingReader<'p, R> {
    inner: R,
    progress: &'p dyn ReadProgress,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

fn read_pbf(path: &Path, profile: &Profile, progress: &dyn ReadProgress) -> Result<Collected, ReadError> {
    let p = path.display().to_string();
    let corrupt = |e: osmpbf::Error| ReadError::Corrupt { path: p.clone(), detail: e.to_string() };
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io { path: p.clone(), source })?;
    let reader = osmpbf::BlobReader::new(CountingReader { inner: BufReader::with_capacity(1 << 20, file), progress });
    let chunks: Vec<Collected> = reader
        .par_bridge()
        .map(|blob| -> Result<Collected, ReadError> {
            let blob = blob.map_err(corrupt)?;
            let mut c = Collected::default();
            match blob.decode().map_err(corrupt)? {
                osmpbf::BlobDecode::OsmData(block) => {
                    for group in block.groups() {
                        for n in group.dense_nodes() {
                            c.on_node(n.id(), n.decimicro_lat(), n.decimicro_lon(), n.tags());
                        }
                        for n in group.nodes() {
                            c.on_node(n.id(), n.decimicro_lat(), n.decimicro_lon(), n.tags());
                        }
                        for w in group.ways() {
                            c.on_way(w.id(), || w.refs().collect(), WayTags::from_pairs(w.tags()), profile);
                        }
                        for r in group.relations() {
                            let members = r.members().filter_map(|m| {
                                let t = match m.member_type {
                                    osmpbf::RelMemberType::Node => "node",
                                    osmpbf::RelMemberType::Way => "way",
                                    osmpbf::RelMemberType::Relation => "relation",
                                };
                                Some((t, m.member_id, m.role().ok()?))
                            });
                            c.restrictions.extend(restriction_from(r.id(), r.tags(), members));
                        }
                    }
                }
                osmpbf::BlobDecode::OsmHeader(_) | osmpbf::BlobDecode::Unknown(_) => {}
            }
            Ok(c)
        })
        .collect::<Result<_, _>>()?;
    let mut all = Collected::default();
    for c in chunks {
        all.merge(c);
    }
    Ok(all)
}

fn attr<'a>(e: &'a quick_xml::events::BytesStart<'a>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

fn read_xml<R: BufRead>(path: &Path, input: R, profile: &Profile) -> Result<Collected, ReadError> {
    use quick_xml::events::Event;
    let p = path.display().to_string();
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut c = Collected::default();
    enum Current {
        None,
        Node { id: i64, lat: i32, lon: i32 },
        Way { id: i64 },
        Relation { id: i64 },
        Other,
    }
    let mut current = Current::None;
    let mut tags: Vec<(String, String)> = Vec::new();
    let mut refs: Vec<i64> = Vec::new();
    let mut members: Vec<(String, i64, String)> = Vec::new();
    let mut saw_osm = false;
    let corrupt =
        |detail: String, pos: u64| ReadError::Corrupt { path: p.clone(), detail: format!("{detail} (byte {pos})") };
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| corrupt(e.to_string(), pos))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.name().as_ref() {
                b"osm" | b"osmChange" => saw_osm = true,
                b"node" => {
                    let id = attr(&e, b"id").and_then(|v| v.parse().ok());
                    let lat = attr(&e, b"lat").and_then(|v| v.parse::<f64>().ok());
                    let lon = attr(&e, b"lon").and_then(|v| v.parse::<f64>().ok());
                    let (Some(id), Some(lat), Some(lon)) = (id, lat, lon) else {
                        return Err(corrupt("a node without id, lat or lon".into(), pos));
                    };
                    let (lat, lon) = (evac_network::format::to_fixed(lat), evac_network::format::to_fixed(lon));
                    if empty {
                        c.on_node(id, lat, lon, std::iter::empty());
                    } else {
                        current = Current::Node { id, lat, lon };
                        tags.clear();
                    }
                }
                b"way" => {
                    let id = attr(&e, b"id")
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| corrupt("a way without id".into(), pos))?;
                    current = Current::Way { id };
                    tags.clear();
                    refs.clear();
                    if empty {
                        current = Current::None;
                    }
                }
                b"relation" if !empty => {
                    current = match attr(&e, b"id").and_then(|v| v.parse().ok()) {
                        Some(id) => Current::Relation { id },
                        None => Current::Other,
                    };
                    tags.clear();
                    members.clear();
                }
                b"member" => {
                    if let (Some(t), Some(r), Some(role)) =
                        (attr(&e, b"type"), attr(&e, b"ref").and_then(|v| v.parse().ok()), attr(&e, b"role"))
                    {
                        members.push((t, r, role));
                    }
                }
                b"changeset" | b"bounds" if !empty => current = Current::Other,
                b"tag" => {
                    if let (Some(k), Some(v)) = (attr(&e, b"k"), attr(&e, b"v")) {
                        tags.push((k, v));
                    }
                }
                b"nd" => {
                    if let Some(r) = attr(&e, b"ref").and_then(|v| v.parse().ok()) {
                        refs.push(r);
                    }
                }
                _ => {}
            }
            buf.clear();
            continue;
        }
        match event {
            Event::End(e) => match (e.name().as_ref(), &current) {
                (b"node", Current::Node { id, lat, lon }) => {
                    c.on_node(*id, *lat, *lon, tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    current = Current::None;
                }
                (b"way", Current::Way { id }) => {
                    let t = WayTags::from_pairs(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    c.on_way(*id, || std::mem::take(&mut refs), t, profile);
                    current = Current::None;
                }
                (b"relation", Current::Relation { id }) => {
                    c.restrictions.extend(restriction_from(
                        *id,
                        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                        members.iter().map(|(t, r, role)| (t.as_str(), *r, role.as_str())),
                    ));
                    current = Current::None;
                }
                (b"relation" | b"changeset", _) => current = Current::None,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_osm {
        return Err(ReadError::NotOsm { path: p });
    }
    Ok(c)
}
