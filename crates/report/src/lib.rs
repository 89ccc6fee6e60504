//! Rendering of evac's outputs. Everything here is pure (values in, text out) except
//! [`write_atomic`], the one way outputs reach the disk.

mod atomic;
pub mod html;
pub mod map;
pub mod order;
pub mod plan;
pub mod table;
pub mod transit;

pub use atomic::{write_all_atomic, write_atomic};

/// Attribution line for outputs that show OSM- or GeoNames-derived data.
pub const DATA_ATTRIBUTION: &str = "Settlement locations and boundaries © OpenStreetMap contributors (ODbL 1.0); \
place data © GeoNames (CC BY 4.0); settlement codes: KATOTTG codifier (Ministry of Development of Communities and Territories of Ukraine).";
