//! Why a plan could not be made.

use crate::problem::ProblemError;

/// Every way planning can fail, each with what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// An option out of its range (the field names the option).
    #[error("{option} {message}")]
    InvalidOption { option: &'static str, message: String },
    /// The scenario names no road network.
    #[error(
        "{scenario} has no road network: add `network = \"<extract>.osm.pbf\"` (or an evac network file) under [files] in scenario.toml (see docs/network.md)"
    )]
    NoNetwork { scenario: String },
    /// A road to close could not be found.
    #[error(transparent)]
    Closure(#[from] evac_network::ClosureError),
    /// Settlements or centres are farther from the network than the scenario allows.
    #[error("{0}\n(the network may not cover the whole area: import a larger extract, or raise network.max_snap_km)")]
    FarFromRoad(String),
    /// No plan can exist (nobody to move, nowhere to go, not enough room).
    #[error(transparent)]
    Problem(#[from] ProblemError),
    /// A source has no route to any destination.
    #[error("{source_name} cannot reach any destination")]
    NoRoute { source_name: String },
    /// A source ran out of reachable destinations with room while planning.
    #[error("{source_name} cannot reach any destination with room left")]
    NoRoomLeft { source_name: String },
    /// `Method::Optimal` was asked for but the time-expanded network is too large.
    #[error("the exact optimum needs {states} time-expanded states, over the limit of {limit}")]
    TooLarge { states: usize, limit: usize },
    /// A calibration profile that cannot be used.
    #[error("{}: {message} (write one with `evac calibrate`; see docs/planning.md)", path.display())]
    Calibration { path: std::path::PathBuf, message: String },
    /// A planning stage ran out of its time budget.
    #[error("{stage} ran out of its time budget of {seconds} s")]
    OutOfTime { stage: &'static str, seconds: u64 },
    /// A broken invariant: a bug, reported instead of a wrong plan.
    #[error("internal error: {0}")]
    Internal(String),
}
