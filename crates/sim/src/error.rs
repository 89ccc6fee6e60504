//! Why a simulation check could not run, each with what to fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// SUMO (or osmium, for PBF extracts) is not installed: the check needs the real thing.
    #[error(
        "{tools} not found on PATH: the simulation check runs Eclipse SUMO. Install it \
(Debian/Ubuntu: `apt-get install sumo sumo-tools`{osmium}; elsewhere see https://sumo.dlr.de/docs/Installing/) \
and run again"
    )]
    MissingTools { tools: String, osmium: &'static str },
    /// The scenario names no road network, or one SUMO cannot read.
    #[error("{scenario}: {message}")]
    Network { scenario: PathBuf, message: String },
    /// No plan.json where one was expected.
    #[error("{path}: no plan to simulate: run `evac plan {scenario}` first (or pass --plan)")]
    NoPlan { path: PathBuf, scenario: String },
    /// plan.json cannot be read or does not belong to this network.
    #[error("{path}: {message}")]
    Plan { path: PathBuf, message: String },
    /// An option out of its range.
    #[error("{option} {message}")]
    InvalidOption { option: &'static str, message: String },
    /// Planning the naive baseline failed.
    #[error("cannot plan the naive baseline: {0}")]
    Baseline(#[from] evac_plan::PlanError),
    /// netconvert, sumo or osmium ran and failed.
    #[error("{tool} failed ({status}): {detail}\n(command: {command})")]
    ToolFailed { tool: &'static str, status: String, detail: String, command: String },
    /// A file SUMO wrote (or we wrote for it) is not what it should be.
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },
    /// A plan route that has no counterpart in the SUMO network.
    #[error("{0}")]
    Mapping(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl SimError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> SimError {
        let path = path.into();
        move |source| SimError::Io { path, source }
    }
}
