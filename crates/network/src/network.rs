//! The loaded network: typed, zero-copy views over the file's bytes.

use crate::format::*;
use evac_model::LatLon;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a network file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not an evac network file (run `evac network import` to make one)")]
    NotANetwork { path: PathBuf },
    #[error(
        "{path}: network format version {found}, this evac reads version {expected}: re-import it with `evac network import`"
    )]
    Version { path: PathBuf, found: u32, expected: u32 },
    #[error("{path}: damaged network file: {what}")]
    Damaged { path: PathBuf, what: String },
}

/// What the import kept and dropped, stored in the file as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkMeta {
    pub source: String,
    pub profile: String,
    /// Length of every `highway=*` way of the file by class, before any filtering (km).
    pub raw_km_by_class: BTreeMap<String, f64>,
    pub imported_ways: u64,
    pub nodes_before_contraction: u64,
    pub dropped_components: u64,
    pub dropped_nodes: u64,
    pub dropped_edges: u64,
    pub dropped_km: f64,
    pub bbox: Option<[f64; 4]>,
    #[serde(default)]
    pub clip: Option<String>,
    /// How a network built from road layers (shapefiles, GeoJSON) was joined and completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<LayerReport>,
    /// The OSM turn restrictions read and placed on the graph (none for road layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_restrictions: Option<RestrictionReport>,
}

/// What became of the turn restrictions of an OSM import.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RestrictionReport {
    /// Restriction relations with a via node that apply to cars.
    pub read: u64,
    /// Those whose via node, from way and to way are in the graph.
    pub placed: u64,
    /// The others (clipped away, in a dropped component, or not meeting at the via node).
    pub not_placed: u64,
    /// Banned (in-edge, out-edge) pairs they make.
    pub banned_turns: u64,
}

/// What the layer import did to turn loose road geometries into one network: the
/// components before and after snapping way ends together, the bridges marked and the
/// access links added (see docs/network.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Way ends within this distance of another road were joined to it (metres).
    pub snap_m: f64,
    /// Vertices of the layers (after clipping), distinct positions.
    pub vertices: u64,
    /// Connected components when ways are joined only where they share a vertex.
    pub components_shared_vertices: u64,
    /// Vertices of the largest of those.
    pub largest_shared_vertices: u64,
    /// Way ends moved onto another road by the snapping.
    pub snapped_ends: u64,
    /// Connected components after snapping, and the vertices of the largest.
    pub components_snapped: u64,
    pub largest_snapped: u64,
    /// Bridges marked from the bridges file.
    pub bridges: u64,
    /// Places joined to the roads, and those of them whose link is approximate (longer than
    /// `approximate_beyond_m`).
    pub access_links: u64,
    pub approximate_links: u64,
    pub approximate_beyond_m: f64,
    /// Places given no link (outside the area, or farther than the longest link allowed).
    pub places_not_linked: Vec<String>,
}

/// Backing bytes, 8-byte aligned.
enum Storage {
    Mapped(memmap2::Mmap),
    Owned(Vec<u64>),
}

impl Storage {
    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Mapped(m) => m,
            Storage::Owned(v) => bytemuck::cast_slice(v),
        }
    }
}

/// The road network (largest strongly connected component), rail stations and lines.
pub struct Network {
    storage: Storage,
    sections: [(usize, usize); Section::ALL.len()],
    meta: NetworkMeta,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("nodes", &self.nodes().len()).field("edges", &self.edges().len()).finish()
    }
}

/// The arrays a network is made of, as written by the builder.
#[derive(Debug, Default, Clone)]
pub struct NetworkParts {
    pub nodes: Vec<NodeRec>,
    pub edges: Vec<EdgeRec>,
    pub out_offsets: Vec<u32>,
    pub in_offsets: Vec<u32>,
    pub in_edges: Vec<u32>,
    pub coords: Vec<Coord>,
    pub strings: Vec<String>,
    pub stations: Vec<StationRec>,
    pub rail_lines: Vec<RailRec>,
    /// Banned turns, (in-edge, out-edge) at the node they share, sorted: from OSM turn
    /// restrictions (`no_left_turn`, `only_straight_on`, ...).
    pub turn_bans: Vec<[u32; 2]>,
    pub meta: NetworkMeta,
}

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

impl NetworkParts {
    /// The sections' bytes, in file order.
    fn sections(&self) -> (Vec<u32>, Vec<u8>, Vec<u8>) {
        let mut string_offsets = Vec::with_capacity(self.strings.len() + 1);
        let mut string_bytes = Vec::new();
        string_offsets.push(0u32);
        for s in &self.strings {
            string_bytes.extend_from_slice(s.as_bytes());
            string_offsets.push(string_bytes.len() as u32);
        }
        let meta = serde_json::to_vec(&self.meta).expect("meta serialises");
        (string_offsets, string_bytes, meta)
    }

    /// Lay the parts out as the file format and hand each piece to `sink` (header, table,
    /// sections, padding), returning the total size.
    fn emit(&self, mut sink: impl FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<usize> {
        let (string_offsets, string_bytes, meta) = self.sections();
        let payloads: [&[u8]; 12] = [
            bytemuck::cast_slice(&self.nodes),
            bytemuck::cast_slice(&self.edges),
            bytemuck::cast_slice(&self.out_offsets),
            bytemuck::cast_slice(&self.in_offsets),
            bytemuck::cast_slice(&self.in_edges),
            bytemuck::cast_slice(&self.coords),
            bytemuck::cast_slice(&string_offsets),
            &string_bytes,
            bytemuck::cast_slice(&self.stations),
            bytemuck::cast_slice(&self.rail_lines),
            &meta,
            bytemuck::cast_slice(&self.turn_bans),
        ];
        let header =
            Header { magic: MAGIC, version: FORMAT_VERSION, section_count: payloads.len() as u32, reserved: [0; 6] };
        let table_len = payloads.len() * std::mem::size_of::<SectionEntry>();
        let mut offset = align8(std::mem::size_of::<Header>() + table_len);
        let mut table = Vec::with_capacity(payloads.len());
        for (kind, p) in Section::ALL.iter().zip(payloads) {
            table.push(SectionEntry { kind: *kind as u32, reserved: 0, offset: offset as u64, len: p.len() as u64 });
            offset = align8(offset + p.len());
        }
        let zeros = [0u8; 8];
        sink(bytemuck::bytes_of(&header))?;
        sink(bytemuck::cast_slice(&table))?;
        let mut written = std::mem::size_of::<Header>() + table_len;
        sink(&zeros[..align8(written) - written])?;
        written = align8(written);
        for p in payloads {
            sink(p)?;
            written += p.len();
            sink(&zeros[..align8(written) - written])?;
            written = align8(written);
        }
        Ok(written)
    }

    /// Serialise to the file layout.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.emit(|b| {
            out.extend_from_slice(b);
            Ok(())
        })
        .expect("writing to memory cannot fail");
        out
    }

    /// Write the network file atomically (temporary file in the same folder, fsync, rename),
    /// streaming the sections without assembling the file in memory.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        evac_files::write_atomic_with(path, |w| self.emit(|b| w.write_all(b)).map(drop))
    }
}

impl Network {
    /// A network from freshly built parts (no file involved).
    pub fn from_parts(parts: &NetworkParts) -> Self {
        let mut words: Vec<u64> = Vec::new();
        let mut len = 0usize;
        parts
            .emit(|b| {
                // Every piece but the padding is a multiple of 8 bytes after padding: grow in words.
                let need = (len + b.len()).div_ceil(8);
                words.resize(need, 0);
                bytemuck::cast_slice_mut::<u64, u8>(&mut words)[len..len + b.len()].copy_from_slice(b);
                len += b.len();
                Ok(())
            })
            .expect("writing to memory cannot fail");
        Self::from_storage(Storage::Owned(words), None, cfg!(debug_assertions))
            .expect("freshly built networks are valid")
    }

    /// Map a network file into memory and check it.
    pub fn load(path: &Path) -> Result<Self, NetworkError> {
        let file = std::fs::File::open(path).map_err(|source| NetworkError::Io { path: path.into(), source })?;
        // SAFETY: the file is opened read-only and evac replaces network files by rename,
        // never in place, so the mapping does not change under us. The one unsafe block of
        // the workspace (the lint denies any other).
        #[allow(unsafe_code)]
        let map =
            unsafe { memmap2::Mmap::map(&file) }.map_err(|source| NetworkError::Io { path: path.into(), source })?;
        Self::from_storage(Storage::Mapped(map), Some(path.to_path_buf()), true)
    }

    /// `verify`: run the structural checks (always for files; built networks are trusted).
    fn from_storage(storage: Storage, path: Option<PathBuf>, verify: bool) -> Result<Self, NetworkError> {
        let shown = path.clone().unwrap_or_else(|| PathBuf::from("<memory>"));
        let p = || shown.clone();
        let bytes = storage.bytes();
        if bytes.len() < 64 || bytes[..8] != MAGIC {
            return Err(NetworkError::NotANetwork { path: p() });
        }
        let header: Header = *bytemuck::from_bytes(&bytes[..64]);
        if header.version != FORMAT_VERSION {
            return Err(NetworkError::Version { path: p(), found: header.version, expected: FORMAT_VERSION });
        }
        let damaged = |what: String| NetworkError::Damaged { path: p(), what };
        let n = header.section_count as usize;
        let table_end = 64 + n * std::mem::size_of::<SectionEntry>();
        if n != Section::ALL.len() || bytes.len() < table_end {
            return Err(damaged(format!("{n} sections")));
        }
        let table: &[SectionEntry] = bytemuck::cast_slice(&bytes[64..table_end]);
        let mut sections = [(0usize, 0usize); Section::ALL.len()];
        for (i, (entry, kind)) in table.iter().zip(Section::ALL).enumerate() {
            let (off, len) = (entry.offset as usize, entry.len as usize);
            if entry.kind != kind as u32
                || !off.is_multiple_of(8)
                || off.checked_add(len).is_none_or(|end| end > bytes.len())
            {
                return Err(damaged(format!("section {i} out of bounds (the file may be truncated)")));
            }
            sections[i] = (off, len);
        }
        let meta_bytes = &bytes[sections[10].0..sections[10].0 + sections[10].1];
        let meta: NetworkMeta = serde_json::from_slice(meta_bytes).map_err(|e| damaged(format!("metadata: {e}")))?;
        let net = Network { storage, sections, meta, path };
        if verify {
            net.check().map_err(damaged)?;
        }
        Ok(net)
    }

    /// Structural checks, so that the accessors cannot index out of bounds later.
    fn check(&self) -> Result<(), String> {
        let sizes_ok = [
            (0, std::mem::size_of::<NodeRec>()),
            (1, std::mem::size_of::<EdgeRec>()),
            (2, 4),
            (3, 4),
            (4, 4),
            (5, 8),
            (6, 4),
            (8, std::mem::size_of::<StationRec>()),
            (9, std::mem::size_of::<RailRec>()),
            (11, 8),
        ];
        for (i, size) in sizes_ok {
            if !self.sections[i].1.is_multiple_of(size) {
                return Err(format!("section {i} has a partial record"));
            }
        }
        let (n, m) = (self.nodes().len(), self.edges().len());
        let (out, inn, in_edges) = (self.raw_u32(2), self.raw_u32(3), self.raw_u32(4));
        if out.len() != n + 1 || inn.len() != n + 1 || in_edges.len() != m {
            return Err("adjacency sizes do not match".into());
        }
        if out.last().copied() != Some(m as u32) || inn.last().copied() != Some(m as u32) {
            return Err("adjacency offsets do not end at the edge count".into());
        }
        if out.windows(2).any(|w| w[0] > w[1]) || inn.windows(2).any(|w| w[0] > w[1]) {
            return Err("adjacency offsets are not sorted".into());
        }
        if self
            .nodes()
            .iter()
            .any(|v| !(v.lat.is_finite() && v.lon.is_finite() && v.lat.abs() <= 90.0 && v.lon.abs() <= 180.0))
        {
            return Err("a node lies outside -90..90, -180..180".into());
        }
        let edges = self.edges();
        for (i, &[a, b]) in self.turn_bans().iter().enumerate() {
            if a as usize >= m || b as usize >= m || edges[a as usize].to != edges[b as usize].from {
                return Err(format!("turn ban {i} is not a turn between two edges of the network"));
            }
        }
        let coords = self.coords().len() as u64;
        let strings = self.raw_u32(6).len().saturating_sub(1) as u32;
        let str_ok = |s: u32| s == NONE || s < strings;
        for (i, e) in self.edges().iter().enumerate() {
            if e.from as usize >= n || e.to as usize >= n {
                return Err(format!("edge {i} points to a missing node"));
            }
            if u64::from(e.geom_start) + u64::from(e.geom_len) > coords || e.geom_len < 2 {
                return Err(format!("edge {i} geometry out of bounds"));
            }
            if !(str_ok(e.name) && str_ok(e.ref_) && str_ok(e.crossing)) || (e.twin != NONE && e.twin as usize >= m) {
                return Err(format!("edge {i} has a bad index"));
            }
            // Searches assume non-negative finite costs: a damaged value would send them in
            // circles (a negative time) or poison every sum (NaN).
            let sane = |x: f32, max: f32| x.is_finite() && (0.0..=max).contains(&x);
            if !(sane(e.time_s, 1.0e7) && sane(e.length_m, 1.0e7) && sane(e.capacity_vph, 1.0e6)) {
                return Err(format!("edge {i} has a time, length or capacity out of range"));
            }
        }
        if in_edges.iter().any(|&e| e as usize >= m) {
            return Err("in-edge list points to a missing edge".into());
        }
        let offsets = self.raw_u32(6);
        let total = self.section(7).len() as u32;
        if offsets.windows(2).any(|w| w[0] > w[1]) || offsets.last().is_some_and(|&l| l > total) {
            return Err("string table is inconsistent".into());
        }
        for i in 0..strings {
            let (a, b) = (offsets[i as usize] as usize, offsets[i as usize + 1] as usize);
            std::str::from_utf8(&self.section(7)[a..b]).map_err(|_| format!("string {i} is not UTF-8"))?;
        }
        for s in self.stations() {
            if s.node as usize >= n || !str_ok(s.name) {
                return Err("station with a bad index".into());
            }
        }
        for r in self.rail_lines() {
            if u64::from(r.geom_start) + u64::from(r.geom_len) > coords || !str_ok(r.name) {
                return Err("rail line with a bad index".into());
            }
        }
        Ok(())
    }

    fn section(&self, i: usize) -> &[u8] {
        let (off, len) = self.sections[i];
        &self.storage.bytes()[off..off + len]
    }

    fn raw_u32(&self, i: usize) -> &[u32] {
        bytemuck::cast_slice(self.section(i))
    }

    pub fn nodes(&self) -> &[NodeRec] {
        bytemuck::cast_slice(self.section(0))
    }
    pub fn edges(&self) -> &[EdgeRec] {
        bytemuck::cast_slice(self.section(1))
    }
    /// One edge by id.
    pub fn edge(&self, e: EdgeId) -> &EdgeRec {
        &self.edges()[e.0 as usize]
    }
    /// Every edge id, in file order.
    pub fn edge_ids(&self) -> impl Iterator<Item = EdgeId> + use<> {
        (0..self.edges().len() as u32).map(EdgeId)
    }
    pub fn out_offsets(&self) -> &[u32] {
        self.raw_u32(2)
    }
    pub fn in_offsets(&self) -> &[u32] {
        self.raw_u32(3)
    }
    /// Edge ids grouped by their `to` node (see [`Network::in_offsets`]).
    pub fn in_edge_ids(&self) -> &[u32] {
        self.raw_u32(4)
    }
    pub fn coords(&self) -> &[Coord] {
        bytemuck::cast_slice(self.section(5))
    }
    pub fn stations(&self) -> &[StationRec] {
        bytemuck::cast_slice(self.section(8))
    }
    pub fn rail_lines(&self) -> &[RailRec] {
        bytemuck::cast_slice(self.section(9))
    }
    /// Banned turns: (in-edge, out-edge) pairs at the node they share, sorted.
    pub fn turn_bans(&self) -> &[[u32; 2]] {
        bytemuck::cast_slice(self.section(11))
    }
    pub fn meta(&self) -> &NetworkMeta {
        &self.meta
    }
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Out-edge ids of node `v`.
    pub fn out_edge_ids(&self, v: u32) -> std::ops::Range<u32> {
        let o = self.out_offsets();
        o[v as usize]..o[v as usize + 1]
    }

    /// In-edge ids of node `v`.
    pub fn in_edges_of(&self, v: u32) -> &[u32] {
        let o = self.in_offsets();
        &self.in_edge_ids()[o[v as usize] as usize..o[v as usize + 1] as usize]
    }

    /// A string of the string table ("" for NONE).
    pub fn string(&self, idx: u32) -> &str {
        if idx == NONE {
            return "";
        }
        let offsets = self.raw_u32(6);
        let (a, b) = (offsets[idx as usize] as usize, offsets[idx as usize + 1] as usize);
        std::str::from_utf8(&self.section(7)[a..b]).unwrap_or("")
    }

    pub fn string_count(&self) -> usize {
        self.raw_u32(6).len().saturating_sub(1)
    }

    pub fn node_location(&self, v: u32) -> LatLon {
        let n = self.nodes()[v as usize];
        LatLon::new(n.lat, n.lon)
    }

    /// The geometry of an edge, from its `from` node to its `to` node.
    pub fn edge_geometry(&self, e: EdgeId) -> Vec<LatLon> {
        let edge = self.edge(e);
        let slice = &self.coords()[edge.geom_start as usize..(edge.geom_start + edge.geom_len) as usize];
        let mut pts: Vec<LatLon> = slice.iter().map(|c| LatLon::new(from_fixed(c[1]), from_fixed(c[0]))).collect();
        if edge.flags & crate::class::flags::REVERSED_GEOMETRY != 0 {
            pts.reverse();
        }
        pts
    }

    pub fn rail_geometry(&self, r: &RailRec) -> Vec<LatLon> {
        self.coords()[r.geom_start as usize..(r.geom_start + r.geom_len) as usize]
            .iter()
            .map(|c| LatLon::new(from_fixed(c[1]), from_fixed(c[0])))
            .collect()
    }

    /// "Name (ref)" or whichever of the two exists, or the OSM way id.
    pub fn edge_label(&self, e: EdgeId) -> String {
        let edge = self.edge(e);
        match (self.string(edge.name), self.string(edge.ref_)) {
            ("", "") => format!("way {}", edge.way_id),
            (n, "") => n.to_string(),
            ("", r) => r.to_string(),
            (n, r) => format!("{n} ({r})"),
        }
    }

    /// Road length in km, each road counted once whatever its directions.
    pub fn road_km(&self) -> f64 {
        self.edges()
            .iter()
            .enumerate()
            .filter(|(i, e)| e.twin == NONE || (e.twin as usize) > *i)
            .map(|(_, e)| f64::from(e.length_m))
            .sum::<f64>()
            / 1000.0
    }

    /// Write the network to a file atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        evac_files::write_atomic(path, self.storage.bytes())
    }

    pub fn size_bytes(&self) -> usize {
        self.storage.bytes().len()
    }
}
