//! The routing network evac plans on.
//!
//! * [`build`] turns imported roads (see the `evac-osm` crate) into a graph: ways split at
//!   intersections, only the largest strongly connected component kept, chains of
//!   degree-2 nodes with equal attributes contracted (geometry kept for display).
//! * [`Network`] is that graph as one compact, versioned, memory-mapped file ([`format`]).
//! * [`snap`] finds the nearest routing node of a point; [`route`] answers shortest-path
//!   queries (bidirectional Dijkstra, one-to-all for many-to-many tables, closures and
//!   avoid-areas); [`ch`] adds contraction hierarchies for heavy query loads.

pub mod build;
pub mod ch;
pub mod class;
pub mod csr;
pub mod format;
mod network;
pub mod route;
pub mod snap;
pub mod stats;
pub mod testing;

pub use build::{
    InputLine, InputRestriction, InputRoad, InputStation, NetworkInput, NodeCoords, RoadAttrs, build_network,
    build_parts,
};
pub use class::{RoadClass, flags};
pub use csr::Csr;
pub use format::{EdgeId, EdgeRec, NONE, NodeRec, RailRec, StationRec};
pub use network::{LayerReport, Network, NetworkError, NetworkMeta, NetworkParts, RestrictionReport};
pub use route::{ClosedRoad, ClosureError, Closures, Path, Router};
pub use snap::{Snap, Snapper};
