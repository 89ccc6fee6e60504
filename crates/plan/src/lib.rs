//! The car plan: how vehicles get out over a capacity-constrained network
//! (see docs/planning.md).
//!
//! * [`CarPlan::solve`] is the entry point: a scenario and its network in, the plan, the
//!   proven optimum or a lower bound, and the naive baseline out.
//! * [`problem::Problem`] is the discrete-time model (edges with travel steps and
//!   capacities per step, sources, destinations with room); [`heuristic`] (CCRP-class),
//!   [`exact`] (time-expanded max flow), [`bound`], [`baseline`] solve it; [`verify`] checks
//!   any plan against it — the same rules `scripts/verify_plan.py` applies to plan.json.
//!
//! Invariant: every plan this crate returns has passed [`verify::verify`]: within every
//! edge's capacity per step, every vehicle routed, no destination over its room.

pub mod approximate;
pub mod baseline;
pub mod bound;
pub mod car;
mod error;
pub mod exact;
pub mod exposure;
pub mod heuristic;
pub mod plan;
pub mod problem;
pub mod reserve;
pub mod routes;
pub mod run;
pub mod side;
pub mod sites;
pub mod timing;
pub mod verify;
pub mod whatif;

pub use approximate::{ApproximateUse, approximate_use};
pub use car::{CarOptions, CarPlan, CarProblem, CutOff, TimeStep};
pub use error::PlanError;
pub use plan::{Group, Leg, Plan, Waiting};
pub use problem::{Calibration, Destination, EdgeIx, JunctionModel, PlanEdge, Problem, ProblemError, Source};
pub use run::{Method, Objective, ObjectiveBest, RouteLimitCost, RunOptions, RunResult};
pub use whatif::{BridgeLoss, Variant, WhatIfBridges, what_if_bridges, what_if_bridges_each};
