//! Geometry for evac: geodesic distances on WGS84, the hazard distance index, zone buffers
//! and the transliteration / fuzzy name search used to find settlements.
//!
//! Distances are geodesics on the WGS84 ellipsoid (Karney's algorithm via
//! `geographiclib-rs`), accurate to well under a millimetre; see [`geodesy`].

pub mod area;
pub mod buffer;
pub mod geodesy;
pub mod hazard_index;
pub mod projection;
pub mod search;
pub mod translit;

pub use geodesy::{distance_m, distance_to_segment_m};
pub use hazard_index::HazardIndex;
pub use projection::LocalProjection;
pub use search::{NameIndex, NameMatch};
