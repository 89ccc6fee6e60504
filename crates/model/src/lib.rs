//! Domain types of evac.
//!
//! This crate is the shared vocabulary of the pipeline's inputs: settlements, the hazard,
//! reception centres, the fleet and the railway — plain data, no IO, no algorithms beyond
//! trivial derived values. Zones and orders are `evac-zone`'s; everything else (loading,
//! geometry, planning, rendering) lives in the crate of its stage.

mod scenario;
mod transit;

pub use scenario::{Centre, DemandDefaults, Hazard, HazardFeature, HazardGeometry, LatLon, Settlement};
pub use transit::{AssemblyPoint, FleetEntry, RailPlan, RailStation, Train, VehicleKind};
