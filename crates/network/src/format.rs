//! The network file: one memory-mapped file, read without parsing.
//!
//! Layout (all little-endian, every section 8-byte aligned):
//!
//! ```text
//! Header (64 bytes): magic "EVACNET\0", format version, section count
//! Section table: one SectionEntry (kind, offset, length in bytes) per section
//! Sections: nodes, edges, out_offsets, in_offsets, in_edges, coords,
//!           string_offsets, string_bytes, stations, rail_lines, meta (JSON),
//!           turn_bans ([in-edge, out-edge] u32 pairs)
//! ```
//!
//! Loading maps the file and checks sizes and alignment; the arrays are then used in place
//! through `bytemuck` (zero-copy). Any change to a record layout bumps [`FORMAT_VERSION`];
//! an older file is refused with a message telling the user to re-import it.

use bytemuck::{Pod, Zeroable};

pub const MAGIC: [u8; 8] = *b"EVACNET\0";
/// 2: the edge flag `APPROXIMATE` (access links) and the layer-import report in the
/// metadata; a version-1 reader would take approximate links for real roads.
/// 3: the turn-ban section (OSM turn restrictions); a version-2 reader would route
/// through banned turns.
/// 4: the edge flag `SIGNALS` (approaches of signalised junctions); a version-3 file has
/// none set, and is imported again so that the planner sees the signals.
pub const FORMAT_VERSION: u32 = 4;
/// "No value" for string and edge indices.
pub const NONE: u32 = u32::MAX;

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Header {
    pub magic: [u8; 8],
    pub version: u32,
    pub section_count: u32,
    pub reserved: [u64; 6],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SectionEntry {
    pub kind: u32,
    pub reserved: u32,
    pub offset: u64,
    pub len: u64,
}

/// Section kinds, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Section {
    Nodes = 1,
    Edges = 2,
    OutOffsets = 3,
    InOffsets = 4,
    InEdges = 5,
    Coords = 6,
    StringOffsets = 7,
    StringBytes = 8,
    Stations = 9,
    RailLines = 10,
    Meta = 11,
    TurnBans = 12,
}

impl Section {
    pub const ALL: [Section; 12] = [
        Section::Nodes,
        Section::Edges,
        Section::OutOffsets,
        Section::InOffsets,
        Section::InEdges,
        Section::Coords,
        Section::StringOffsets,
        Section::StringBytes,
        Section::Stations,
        Section::RailLines,
        Section::Meta,
        Section::TurnBans,
    ];
}

/// A routing node (an intersection or a dead end).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct NodeRec {
    pub lat: f64,
    pub lon: f64,
    pub osm_id: i64,
}

/// The id of a directed edge of a [`crate::Network`]: its position in the network file.
/// Planners that leave closed edges out number their own edges differently; this type
/// keeps the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct EdgeId(pub u32);

impl std::fmt::Display for EdgeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A directed edge. Edges are sorted by `from`, so the out-edges of node `v` are
/// `edges[out_offsets[v]..out_offsets[v + 1]]`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct EdgeRec {
    /// OSM way the edge starts on (an edge may continue over ways with equal attributes).
    pub way_id: i64,
    pub from: u32,
    pub to: u32,
    pub length_m: f32,
    /// Free-flow travel time.
    pub time_s: f32,
    /// Vehicles per hour in this direction.
    pub capacity_vph: f32,
    pub name: u32,
    pub ref_: u32,
    /// Name of the river or canal a bridge, ford or ferry crosses.
    pub crossing: u32,
    pub geom_start: u32,
    pub geom_len: u32,
    /// The opposite direction of the same road, or NONE for one-way roads.
    pub twin: u32,
    pub class: u8,
    /// Lanes in this direction.
    pub lanes: u8,
    pub flags: u8,
    pub speed_kmh: u8,
}

/// A railway station or halt.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct StationRec {
    pub lat: f64,
    pub lon: f64,
    pub osm_id: i64,
    pub name: u32,
    /// Nearest routing node.
    pub node: u32,
    /// Geodesic distance to that node, metres.
    pub snap_m: f32,
    /// 0 station, 1 halt.
    pub kind: u32,
}

/// A railway line, kept for display (`coords[geom_start..geom_start + geom_len]`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RailRec {
    pub way_id: i64,
    pub geom_start: u32,
    pub geom_len: u32,
    pub name: u32,
    pub flags: u32,
}

/// Longitude, latitude in 1e-7 degrees (OSM's own precision).
pub type Coord = [i32; 2];

pub fn to_fixed(deg: f64) -> i32 {
    (deg * 1e7).round() as i32
}

pub fn from_fixed(v: i32) -> f64 {
    f64::from(v) * 1e-7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_sizes_are_stable() {
        // Changing any of these is a format change: bump FORMAT_VERSION.
        assert_eq!(std::mem::size_of::<Header>(), 64);
        assert_eq!(std::mem::size_of::<SectionEntry>(), 24);
        assert_eq!(std::mem::size_of::<NodeRec>(), 24);
        assert_eq!(std::mem::size_of::<EdgeRec>(), 56);
        assert_eq!(std::mem::size_of::<StationRec>(), 40);
        assert_eq!(std::mem::size_of::<RailRec>(), 24);
    }
}
