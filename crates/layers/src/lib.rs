//! Road layers to an evac network: ESRI shapefiles and GeoJSON line layers, each given a
//! road class by a layers file (see [`mapping`]), become a [`Network`](evac_network::Network)
//! through the same builder as OpenStreetMap extracts.
//!
//! Layers such as national road shapefiles are loose geometries: ways meet at shared
//! vertices only where the source drew them so, village roads are missing, and bridges are
//! not tagged. The import therefore
//!
//! * joins way ends that nearly meet another road ([`roads::RoadSet::snap_ends`], the
//!   tolerance measured in docs/network.md);
//! * marks bridges from a list ([`bridges`]), naming the river each crosses;
//! * joins settlements, centres and stations to the roads by straight access links, the
//!   long ones flagged approximate ([`access`]), so that plans can say what rests on them.

pub mod access;
pub mod bridges;
pub mod build;
pub mod cache;
pub mod mapping;
pub mod read;
pub mod roads;

pub use build::{LayerError, build_parts, build_to_file};
pub use mapping::{AccessRule, ClassRule, LayerRule, LayersFile};
