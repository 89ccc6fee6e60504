//! Rendering of evac's outputs: orders, plans and transit schedules as JSON, CSV, GeoJSON,
//! printable HTML, SVG maps and charts, and terminal tables. Everything here is pure
//! (values in, text out); `evac-files` writes the results.

pub mod html;
pub mod map;
pub mod order;
pub mod plan;
pub mod simulation;
pub mod table;
pub mod transit;

/// Attribution line for outputs that show OSM- or GeoNames-derived data.
pub const DATA_ATTRIBUTION: &str = "Settlement locations and boundaries © OpenStreetMap contributors (ODbL 1.0); \
place data © GeoNames (CC BY 4.0); settlement codes: KATOTTG codifier (Ministry of Development of Communities and Territories of Ukraine); \
official populations: State Statistics Service of Ukraine, present population on 1 January 2022.";
