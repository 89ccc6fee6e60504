//! Transit for the people without cars: buses, minibuses, ambulances and trains.
//!
//! * [`Transit::solve`] is the entry point: a scenario and its network in, the pickups
//!   (people without a car, and people who cannot walk, per ordered settlement), the fleet,
//!   the beds left after the car evacuees, the trains — and the plan, its lower bound and,
//!   on request, how many more vehicles a deadline needs.
//! * [`problem::TransitProblem`] is the model on a matrix of travel times between sites
//!   (free flow, or by departure time inside the car plan's traffic: [`traffic`]); its
//!   planner is list scheduling with restarts, then a large-neighbourhood search (ruin and
//!   recreate of whole trips), bounded below by [`problem::TransitProblem::lower_bound_s`]
//!   (a linear program over trips with each vehicle's own seats).
//!
//! Invariant: a plan never carries more people than a vehicle's seats, never drops more
//! people at a centre than its beds or on a train than its room, and every person is either
//! carried or listed as unserved.

mod bound;
mod lp;
pub mod problem;
mod search;
mod solve;
pub mod traffic;

pub use problem::{
    Dropoff, Pickup, Rule, Stop, TCentre, TTrain, TVehicle, Times, TransitPlan, TransitProblem, Trip, exact_small,
};
pub use solve::{
    BuiltProblem, Congestion, CutOffPickup, DeadlineAnswer, Transit, TransitError, TransitOptions, TransitSummary,
    parse_duration,
};
