//! Geometry for evac: geodesic distances on WGS84, a local metric projection, and the
//! area index that clips imports to a boundary.
//!
//! Distances are geodesics on the WGS84 ellipsoid (Karney's algorithm via
//! `geographiclib-rs`), accurate to well under a millimetre; see [`geodesy`]. `geo`'s
//! planar algorithms (buffers) are only ever applied after [`LocalProjection`] has turned
//! degrees into metres.

pub mod area;
pub mod geodesy;
pub mod projection;

pub use geodesy::{distance_m, distance_to_segment_m};
pub use projection::LocalProjection;
