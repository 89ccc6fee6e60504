//! One planning run: heuristic, naive baseline, bound and (where it fits) the exact
//! optimum, with the timings of each.

use crate::error::PlanError;
use crate::plan::Plan;
use crate::problem::Problem;
use crate::{baseline, bound, exact, heuristic};
use std::time::Instant;

/// Which plan to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The optimal plan where the exact solver fits, else the heuristic.
    #[default]
    Auto,
    Heuristic,
    Optimal,
}

#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub method: Method,
    /// Largest time-expanded network (states) the exact solver may build.
    pub max_states: usize,
    /// Skip the naive baseline (what-if sweeps do not need it).
    pub baseline: bool,
    /// Time for the exact solver before it falls back to the best bound it proved.
    pub exact_budget: std::time::Duration,
    /// Time for the heuristic's improvement phase.
    pub heuristic_budget: std::time::Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            method: Method::Auto,
            max_states: 40_000_000,
            baseline: true,
            exact_budget: std::time::Duration::from_secs(60),
            heuristic_budget: std::time::Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunResult {
    /// The published plan.
    pub plan: Plan,
    /// "optimal" or "heuristic".
    pub plan_kind: &'static str,
    pub heuristic: Plan,
    pub heuristic_searches: u64,
    pub baseline: Option<Plan>,
    pub lower_bound: u32,
    /// "exact" or the name of the relaxation.
    pub bound_kind: String,
    pub optimum: Option<u32>,
    pub exact_states: Option<usize>,
    pub exact_skipped: Option<String>,
    pub seconds_heuristic: f64,
    pub seconds_bound: f64,
    pub seconds_exact: f64,
    pub seconds_baseline: f64,
}

impl RunResult {
    /// (clearance - bound) / bound.
    pub fn gap(&self, p: &Problem) -> f64 {
        let c = f64::from(self.plan.clearance_steps(p));
        let b = f64::from(self.lower_bound.max(1));
        (c - b) / b
    }

    pub fn heuristic_gap(&self, p: &Problem) -> f64 {
        let c = f64::from(self.heuristic.clearance_steps(p));
        let b = f64::from(self.lower_bound.max(1));
        (c - b) / b
    }
}

pub fn run(p: &Problem, options: RunOptions) -> Result<RunResult, PlanError> {
    // The cheap bound and the heuristic's first round are independent: one core each.
    let t = Instant::now();
    let ((cheap, cheap_kind, seconds_bound), first) = rayon::join(
        || {
            let t = Instant::now();
            let (bound, kind) = bound::best_cheap_bound(p);
            (bound, kind, t.elapsed().as_secs_f64())
        },
        || heuristic::first_round(p),
    );
    let first_round = t.elapsed();
    let (h, searches) =
        heuristic::improve(p, first?, first_round, cheap, options.heuristic_budget.saturating_sub(first_round));
    let seconds_heuristic = t.elapsed().as_secs_f64();
    let mut cheap = cheap;
    let mut cheap_kind = cheap_kind.to_string();
    let (mut optimum, mut exact_plan, mut exact_states, mut exact_skipped) = (None, None, None, None);
    let t = Instant::now();
    if options.method != Method::Heuristic {
        let deadline = (options.method == Method::Auto).then(|| Instant::now() + options.exact_budget);
        match exact::solve_warm(p, cheap, h.clearance_steps(p), options.max_states, deadline, &h) {
            Ok(x) => {
                optimum = Some(x.optimum_steps);
                exact_states = Some(x.states);
                exact_plan = Some(x.plan);
            }
            Err(exact::ExactError::TooLarge { states, limit }) => {
                if options.method == Method::Optimal {
                    return Err(PlanError::TooLarge { states, limit });
                }
                exact_skipped = Some(format!("time-expanded network of {states} states is over the limit of {limit}"));
            }
            Err(exact::ExactError::Infeasible) => {
                return Err(PlanError::Internal("the exact solver found no plan where the heuristic did".into()));
            }
            Err(exact::ExactError::OutOfTime { lower_bound }) => {
                exact_skipped =
                    Some(format!("stopped after {} s (raise it with --exact-seconds)", options.exact_budget.as_secs()));
                if lower_bound > cheap {
                    cheap = lower_bound;
                    cheap_kind = "time-expanded max flow (partial)".into();
                }
            }
        }
    }
    let seconds_exact = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let baseline = if options.baseline { Some(baseline::plan(p)?) } else { None };
    let seconds_baseline = t.elapsed().as_secs_f64();
    let (plan, plan_kind) = match exact_plan {
        Some(x) if x.clearance_steps(p) < h.clearance_steps(p) => (x, "optimal"),
        _ => (h.clone(), "heuristic"),
    };
    Ok(RunResult {
        plan,
        plan_kind,
        heuristic: h,
        heuristic_searches: searches,
        baseline,
        lower_bound: optimum.unwrap_or(cheap),
        bound_kind: if optimum.is_some() { "exact".into() } else { cheap_kind },
        optimum,
        exact_states,
        exact_skipped,
        seconds_heuristic,
        seconds_bound,
        seconds_exact,
        seconds_baseline,
    })
}
