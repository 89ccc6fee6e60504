//! Planning: which settlements are ordered out (zones and orders), and how vehicles get
//! out over a capacity-constrained network (see docs/planning.md).

pub mod baseline;
pub mod bound;
pub mod exact;
pub mod heuristic;
pub mod plan;
pub mod problem;
pub mod reserve;
pub mod run;
pub mod sites;
pub mod transit;
pub mod verify;
pub mod zone;

pub use plan::{Group, Leg, Plan};
pub use problem::{Destination, PlanEdge, Problem, ProblemError, Source};
pub use zone::{Classification, OrderInput, build_order, classify};
