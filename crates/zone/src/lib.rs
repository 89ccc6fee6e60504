//! Zones and orders: which settlements must leave.
//!
//! The whole path from a hazard to an order lives here, in this order:
//! * [`HazardIndex`]: the exact geodesic distance from any point to the hazard (lines and
//!   areas), from an R-tree of ECEF chords;
//! * [`ZoneRadii`]: the mandatory and advisory distances, and the inclusive rule that turns a
//!   distance into a [`Zone`];
//! * [`LineSide`]: which places lie beyond a line hazard, seen from the reception centres
//!   (zone [`Zone::BeyondLine`]: not ordered to drive out, listed apart);
//! * [`classify`] and [`Order::build`]: every settlement of a scenario classified, the order
//!   sorted nearest first with its totals;
//! * [`OrderDiff::between`]: what changed since the previous order;
//! * [`rings::zone_areas`]: the ring polygons drawn on maps.
//!
//! Invariant: a settlement's printed distance (metre precision) and its zone always agree,
//! because the zone is decided on the rounded distance.

mod classify;
pub mod hazard_index;
mod order;
pub mod rings;
pub mod side;

pub use classify::{Classification, OrderInput, OrderOptions, classify, side_warning};
pub use hazard_index::HazardIndex;
pub use order::{Order, OrderDiff, OrderEntry, OrderTotals, Zone, ZoneChange, ZoneRadii, ZoneTotals};
pub use rings::ZoneAreas;
pub use side::{LineSide, NoSide};
