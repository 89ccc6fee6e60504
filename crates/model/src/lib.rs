//! Domain types of evac.
//!
//! This crate is the shared vocabulary of the pipeline: plain data, no IO, no algorithms
//! beyond trivial derived values. Everything else (loading, geometry, planning, rendering)
//! lives in the crates that need it.

mod order;
mod scenario;

pub use order::{Order, OrderDiff, OrderEntry, OrderTotals, Zone, ZoneChange, ZoneRadii, ZoneTotals};
pub use scenario::{Centre, DemandDefaults, Hazard, HazardFeature, HazardGeometry, LatLon, Settlement};
mod transit;
pub use transit::{AssemblyPoint, FleetEntry, RailPlan, RailStation, Train, VehicleKind};
