//! One planning run: heuristic, naive baseline, bound and (where it fits) the exact
//! optimum, with the timings of each.

use crate::error::PlanError;
use crate::plan::{Plan, Waiting};
use crate::problem::Problem;
use crate::timing::OrdF64;
use crate::{baseline, bound, exact, exposure, heuristic, routes};
use std::time::Instant;

/// What the published plan optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// The earliest time the last vehicle is safe; people wait at home.
    Clearance,
    /// The least time spent inside the mandatory zone, whatever the clearance.
    Exposure,
    /// The least exposure among the plans whose clearance is within the slack of the
    /// optimum (the best clearance found where the optimum is not proven).
    #[default]
    Balanced,
}

impl Objective {
    pub const ALL: [Objective; 3] = [Objective::Clearance, Objective::Exposure, Objective::Balanced];

    pub fn name(self) -> &'static str {
        match self {
            Objective::Clearance => "clearance",
            Objective::Exposure => "exposure",
            Objective::Balanced => "balanced",
        }
    }
}

impl std::fmt::Display for Objective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The best plan found for one objective: its clearance, exposure and routes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObjectiveBest {
    pub objective: Objective,
    /// How the plan was made.
    pub plan: String,
    pub clearance_steps: u32,
    /// Weighted by the sources' exposure weights ([`Plan::exposure_vehicle_steps`]).
    pub exposure_vehicle_steps: f64,
    /// The most routes any settlement takes.
    pub max_routes: usize,
}

/// What the route limit cost: the plan before and after it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RouteLimitCost {
    pub max_routes: u32,
    pub unlimited_clearance_steps: u32,
    pub unlimited_exposure_vehicle_steps: f64,
    pub unlimited_max_routes: usize,
    pub limited_clearance_steps: u32,
    pub limited_exposure_vehicle_steps: f64,
    pub limited_max_routes: usize,
    /// Sources that could reach none of their settlement's kept routes (planned freely).
    pub unconstrained_sources: Vec<String>,
}

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
    pub objective: Objective,
    /// Balanced: the clearance may exceed the optimum by this share.
    pub clearance_slack: f64,
    /// At most this many routes per settlement (`None`: no limit).
    pub max_routes: Option<u32>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            method: Method::Auto,
            max_states: 40_000_000,
            baseline: true,
            exact_budget: std::time::Duration::from_secs(60),
            heuristic_budget: std::time::Duration::from_secs(30),
            objective: Objective::Clearance,
            clearance_slack: 0.05,
            max_routes: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunResult {
    /// The published plan.
    pub plan: Plan,
    /// How the published plan was made: "optimal" or "heuristic" (the clearance plan),
    /// "optimal, leaving the zone early" …, "exposure-first", each with ", route-limited"
    /// when the route limit re-planned it.
    pub plan_kind: String,
    /// The plan with the best clearance found (people wait at home); `plan` for the
    /// clearance objective without a route limit.
    pub clearance_plan: Plan,
    /// "optimal" or "heuristic".
    pub clearance_plan_kind: &'static str,
    pub objective: Objective,
    pub clearance_slack: f64,
    /// Balanced: the latest clearance a plan may have (steps).
    pub clearance_limit: u32,
    /// The best plan found for each objective (before any route limit).
    pub best: Vec<ObjectiveBest>,
    /// A lower bound on every plan's exposure, (weighted) vehicle-steps.
    pub exposure_lower_bound: f64,
    pub exposure_bound_kind: String,
    pub max_routes: Option<u32>,
    pub route_limit: Option<RouteLimitCost>,
    pub seconds_exposure: f64,
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

    /// (exposure - bound) / bound of the published plan (0 when both are 0).
    pub fn exposure_gap(&self, p: &Problem) -> f64 {
        let x = self.plan.exposure_vehicle_steps(p);
        let b = self.exposure_lower_bound;
        if b == 0.0 { if x == 0.0 { 0.0 } else { f64::INFINITY } } else { (x - b) / b }
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
    let first = first?;
    // Two independent strands, one core each: (1) the exact optimum, warm-started from the
    // first round — where it is proven, the heuristic's improvement rounds cannot beat it
    // and are skipped (on the Kharkiv oblast they were a quarter of the run); where it is
    // not, they run after it — then the naive baseline; (2) the candidates of the safety
    // objectives that need no other plan: the exposure-first plan and the route-limited
    // plan made as CCRP goes (see `safety_first`).
    let t = Instant::now();
    let (clearance_strand, speculative) = rayon::join(
        || clearance_strand(p, &options, first, first_round, cheap, cheap_kind),
        || speculative_candidates(p, &options),
    );
    let seconds_speculative = t.elapsed().as_secs_f64();
    let ClearanceStrand {
        heuristic: (h, searches),
        cheap,
        cheap_kind,
        optimum,
        exact_plan,
        exact_states,
        exact_skipped,
        baseline,
        seconds_exact,
        seconds_improve,
        seconds_baseline,
    } = clearance_strand?;
    let seconds_heuristic = first_round.as_secs_f64() + seconds_improve;
    let (mut clearance_plan, mut clearance_plan_kind) = match exact_plan {
        Some(x) if x.clearance_steps(p) < h.clearance_steps(p) => (x, "optimal"),
        _ => (h.clone(), "heuristic"),
    };
    // Never publish a plan slower than everyone leaving now: where the heuristic loses to
    // the naive baseline (a single bridge everyone queues for, the exact solver out of
    // time) the baseline is the better plan, and it is a valid one.
    if let Some(b) = baseline.as_ref().filter(|b| b.clearance_steps(p) < clearance_plan.clearance_steps(p)) {
        clearance_plan = b.clone();
        clearance_plan_kind = "naive baseline";
    }
    let t = Instant::now();
    let safety =
        safety_first(p, &options, speculative, &clearance_plan, clearance_plan_kind, &h, baseline.as_ref(), optimum)?;
    // (The speculative candidates ran beside the exact solver: this stage overlaps it.)
    let seconds_exposure = seconds_speculative + t.elapsed().as_secs_f64();
    Ok(RunResult {
        plan: safety.plan,
        plan_kind: safety.plan_kind,
        clearance_plan,
        clearance_plan_kind,
        objective: options.objective,
        clearance_slack: options.clearance_slack,
        clearance_limit: safety.clearance_limit,
        best: safety.best,
        exposure_lower_bound: safety.exposure_lower_bound,
        exposure_bound_kind: safety.exposure_bound_kind,
        max_routes: options.max_routes,
        route_limit: safety.route_limit,
        seconds_exposure,
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

/// What the first strand of [`run`] found.
struct ClearanceStrand {
    heuristic: (Plan, u64),
    cheap: u32,
    cheap_kind: String,
    optimum: Option<u32>,
    exact_plan: Option<Plan>,
    exact_states: Option<usize>,
    exact_skipped: Option<String>,
    baseline: Option<Plan>,
    seconds_exact: f64,
    seconds_improve: f64,
    seconds_baseline: f64,
}

/// The exact optimum (warm-started from the first round), the improvement rounds where it
/// is not proven, and the naive baseline.
fn clearance_strand(
    p: &Problem,
    options: &RunOptions,
    first: (Plan, u64),
    first_round: std::time::Duration,
    cheap: u32,
    cheap_kind: &str,
) -> Result<ClearanceStrand, PlanError> {
    let mut cheap = cheap;
    let mut cheap_kind = cheap_kind.to_string();
    let (mut optimum, mut exact_plan, mut exact_states, mut exact_skipped) = (None, None, None, None);
    let mut seconds_exact = 0.0;
    if options.method != Method::Heuristic {
        let t = Instant::now();
        let deadline = (options.method == Method::Auto).then(|| Instant::now() + options.exact_budget);
        match exact::solve_warm(p, cheap, first.0.clearance_steps(p), options.max_states, deadline, &first.0) {
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
        seconds_exact = t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    let heuristic = match optimum {
        Some(_) => first,
        None => heuristic::improve(p, first, first_round, cheap, options.heuristic_budget.saturating_sub(first_round)),
    };
    let seconds_improve = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let baseline = if options.baseline { Some(baseline::plan(p)?) } else { None };
    Ok(ClearanceStrand {
        heuristic,
        cheap,
        cheap_kind,
        optimum,
        exact_plan,
        exact_states,
        exact_skipped,
        baseline,
        seconds_exact,
        seconds_improve,
        seconds_baseline: t.elapsed().as_secs_f64(),
    })
}

/// Candidates of the safety objectives that need no other plan, made while the exact
/// solver runs: the exposure-first plan (which fails only where the clearance plan would:
/// no room) and, under a route limit, the route-limited plan made as CCRP goes (with the
/// waiting outside the zone). Each has the heuristic's deadline; on very large networks it
/// gives up and the other candidates remain. `None` under the clearance objective.
struct Speculative {
    exposure_first: Option<Result<Plan, PlanError>>,
    /// With exposure rings: the exposure-first plan letting the inner rings out first.
    inner_first: Option<Result<Plan, PlanError>>,
    as_planned: Option<Result<routes::Limited, PlanError>>,
}

fn speculative_candidates(p: &Problem, options: &RunOptions) -> Speculative {
    if options.objective == Objective::Clearance {
        return Speculative { exposure_first: None, inner_first: None, as_planned: None };
    }
    let ((exposure_first, inner_first), as_planned) = rayon::join(
        || {
            let plain = exposure::exposure_first(p, Some(Instant::now() + options.heuristic_budget));
            // With exposure rings, also the inner rings first (after the other, each with
            // its own deadline).
            let inner = exposure::weights_differ(p)
                .then(|| exposure::exposure_first_inner_first(p, Some(Instant::now() + options.heuristic_budget)));
            (plain, inner)
        },
        || {
            options.max_routes.map(|n| {
                routes::limit_routes_as_planned(
                    p,
                    n,
                    Waiting::OutsideZone,
                    Some(Instant::now() + options.heuristic_budget),
                )
            })
        },
    );
    Speculative { exposure_first: Some(exposure_first), inner_first, as_planned }
}

/// `exposure_bound_kind` of a bound from the earliest-arrival profile: "earliest-arrival
/// flow out of the zone" only when every step was computed to the end (then, without
/// weights, it is the least exposure itself; scripts/exposure_lp.py checks it equal).
fn flow_bound_kind(complete: bool, stride: u32) -> String {
    let mut kind = "earliest-arrival flow out of the zone".to_string();
    if stride > 1 {
        kind.push_str(&format!(", every {stride} steps"));
    }
    if !complete {
        kind.push_str(" (partial)");
    }
    kind
}

struct Safety {
    plan: Plan,
    plan_kind: String,
    clearance_limit: u32,
    best: Vec<ObjectiveBest>,
    exposure_lower_bound: f64,
    exposure_bound_kind: String,
    route_limit: Option<RouteLimitCost>,
}

/// The plans of the exposure and balanced objectives, the exposure bound and the route
/// limit, from the clearance plan.
#[allow(clippy::too_many_arguments)]
fn safety_first(
    p: &Problem,
    options: &RunOptions,
    speculative: Speculative,
    clearance_plan: &Plan,
    clearance_kind: &'static str,
    heuristic: &Plan,
    baseline: Option<&Plan>,
    optimum: Option<u32>,
) -> Result<Safety, PlanError> {
    // Every plan considered, with how it was made.
    let mut plans: Vec<(String, Plan)> = vec![(clearance_kind.to_string(), clearance_plan.clone())];
    let mut limited_as_planned = None;
    if options.objective != Objective::Clearance {
        let leaving_early = |plan: &Plan| {
            let mut early = plan.clone();
            early.leave_early(p);
            early
        };
        plans.push((format!("{clearance_kind}, leaving the zone early"), leaving_early(clearance_plan)));
        if clearance_kind == "optimal" {
            plans.push(("heuristic, leaving the zone early".into(), leaving_early(heuristic)));
        }
        if let Some(Ok(x)) = speculative.exposure_first {
            plans.push(("exposure-first".into(), x));
        }
        if let Some(Ok(x)) = speculative.inner_first {
            plans.push(("exposure-first, inner rings first".into(), x));
        }
        // Everyone leaving now, waiting outside the zone where roads are full.
        if let Some(b) = baseline {
            plans.push(("naive baseline, leaving the zone early".into(), leaving_early(b)));
        }
        limited_as_planned = speculative.as_planned;
    }
    // The least-exposure plan: the earliest-arrival flow out of the zone (every step where
    // the exit problem is small enough, else every k-th), up to the earliest last exit of
    // the plans so far; its profile is the exposure bound. Not for the heuristic only or
    // the clearance objective (see the bound below).
    let mut exact_bound = None;
    if options.method != Method::Heuristic && options.objective != Objective::Clearance {
        // Any plan's last exit is a horizon by which everyone can be out: the earliest.
        if let Some(upper) = plans.iter().map(|(_, plan)| exposure::last_exit_step(p, plan)).min() {
            let deadline = Instant::now() + options.exact_budget;
            if let Ok(Some(least)) = exposure::least_exposure(p, upper, options.max_states, Some(deadline)) {
                if let Some(plan) = least.plan {
                    plans.push(("least exposure (earliest-arrival exits)".into(), plan));
                }
                exact_bound = Some((least.bound, least.complete, least.stride));
            }
        }
    }
    let reference = optimum.unwrap_or_else(|| clearance_plan.clearance_steps(p));
    let clearance_limit = ((f64::from(reference) * (1.0 + options.clearance_slack)).floor() as u32).max(reference);
    let exposure_of = |plan: &Plan| plan.exposure_vehicle_steps(p);
    let pick = |admissible: &dyn Fn(&Plan) -> bool| -> usize {
        (0..plans.len())
            .filter(|&i| admissible(&plans[i].1))
            .min_by_key(|&i| (OrdF64(exposure_of(&plans[i].1)), plans[i].1.clearance_steps(p), i))
            .unwrap_or(0)
    };
    let best_exposure = pick(&|_| true);
    let balanced = pick(&|plan| plan.clearance_steps(p) <= clearance_limit);
    let describe = |objective: Objective, i: usize| ObjectiveBest {
        objective,
        plan: plans[i].0.clone(),
        clearance_steps: plans[i].1.clearance_steps(p),
        exposure_vehicle_steps: exposure_of(&plans[i].1),
        max_routes: plans[i].1.max_routes(p),
    };
    let best = vec![
        describe(Objective::Clearance, 0),
        describe(Objective::Exposure, best_exposure),
        describe(Objective::Balanced, balanced),
    ];
    let chosen = match options.objective {
        Objective::Clearance => 0,
        Objective::Exposure => best_exposure,
        Objective::Balanced => balanced,
    };
    // The exposure bound: free flow out of the zone; then the earliest-arrival flows of the
    // exit problem up to the last exit of the least-exposure plan, unless the heuristic only
    // or the clearance objective was asked for (the flows are the longest stage on large
    // cases — 29 s of 32 on issue 14's river case — and the clearance objective does not
    // choose by exposure; its exposure is still reported, beside the free-flow bound).
    let upper = (options.method != Method::Heuristic && options.objective != Objective::Clearance)
        .then(|| exposure::last_exit_step(p, &plans[best_exposure].1));
    let bound = || {
        let mut bound = (exposure::free_flow_exposure_bound(p), "free-flow exit".to_string());
        if let Some((b, complete, stride)) = exact_bound {
            if b >= bound.0 {
                bound = (b, flow_bound_kind(complete, stride));
            }
            return bound;
        }
        if let Some(upper) = upper {
            let deadline = Instant::now() + options.exact_budget;
            if let Ok((b, complete)) = exposure::flow_exposure_bound(p, upper, options.max_states, Some(deadline))
                && b >= bound.0
            {
                bound = (b, flow_bound_kind(complete, upper.div_ceil(64).max(1)));
            }
        }
        bound
    };
    let (mut kind, mut plan) = plans.swap_remove(chosen);
    // The route limit runs beside the exposure bound (a series of max flows, the longest
    // stage on large cases): neither needs the other.
    let limit = || -> Result<Option<(Plan, RouteLimitCost)>, PlanError> {
        let Some(n) = options.max_routes else { return Ok(None) };
        let before = plan.max_routes(p);
        if before <= n as usize {
            return Ok(None);
        }
        let waiting = if options.objective == Objective::Clearance { Waiting::Home } else { Waiting::OutsideZone };
        // Two ways to choose the routes: the plan's busiest ones, or as CCRP goes. The
        // objective picks: the least exposure among those within the clearance limit
        // (balanced; else the earliest clearance), the least exposure, or the earliest
        // clearance.
        let mut tried = vec![routes::limit_routes(p, &plan, n, waiting)?];
        // The plan kept wherever it keeps the limit, the rest re-planned.
        if let Ok(l) = routes::limit_routes_locally(p, &plan, n, waiting) {
            tried.push(l);
        }
        // (Made above, alongside the exposure-first plan, unless the objective is the
        // clearance: then with the waiting at home.)
        let as_planned = limited_as_planned.take().unwrap_or_else(|| {
            routes::limit_routes_as_planned(p, n, waiting, Some(Instant::now() + options.heuristic_budget))
        });
        if let Ok(l) = as_planned {
            tried.push(l);
        }
        // Every other candidate that already keeps the limit (the naive baseline leaving
        // the zone early often does: one fastest route per origin) competes too, so the
        // limit never makes the plan slower than everyone leaving now.
        for (_, candidate) in &plans {
            if candidate.max_routes(p) <= n as usize {
                tried.push(routes::Limited { plan: candidate.clone(), unconstrained_sources: Vec::new() });
            }
        }
        let ranking = routes::Ranking { objective: options.objective, max_routes: n, clearance_limit };
        let score = |l: &routes::Limited| ranking.key(p, l);
        let best = (0..tried.len()).min_by_key(|&i| (score(&tried[i]), i)).unwrap_or(0);
        let limited = tried.swap_remove(best);
        // Then other routes from the plans made so far, swapped in while the score improves.
        let pool: Vec<&Plan> = std::iter::once(&plan).chain(plans.iter().map(|(_, c)| c)).collect();
        let deadline = Instant::now() + options.heuristic_budget / 3;
        let limited = routes::improve_route_choice(p, limited, &pool, ranking, waiting, deadline);
        // A settlement the chosen plan leaves over the limit is named with its origins,
        // however the plan was made: the report never claims a limit the plan breaks.
        let mut unconstrained_sources = limited.unconstrained_sources;
        for (settlement, routes) in limited.plan.routes_per_settlement(p) {
            if routes > n as usize {
                for s in p.sources.iter().filter(|s| s.settlement == settlement) {
                    if !unconstrained_sources.contains(&s.id) {
                        unconstrained_sources.push(s.id.clone());
                    }
                }
            }
        }
        let cost = RouteLimitCost {
            max_routes: n,
            unlimited_clearance_steps: plan.clearance_steps(p),
            unlimited_exposure_vehicle_steps: exposure_of(&plan),
            unlimited_max_routes: before,
            limited_clearance_steps: limited.plan.clearance_steps(p),
            limited_exposure_vehicle_steps: exposure_of(&limited.plan),
            limited_max_routes: limited.plan.max_routes(p),
            unconstrained_sources,
        };
        Ok(Some((limited.plan, cost)))
    };
    let ((exposure_lower_bound, exposure_bound_kind), limited) = rayon::join(bound, limit);
    let mut route_limit = None;
    if let Some((limited, cost)) = limited? {
        plan = limited;
        kind.push_str(", route-limited");
        route_limit = Some(cost);
    }
    Ok(Safety { plan, plan_kind: kind, clearance_limit, best, exposure_lower_bound, exposure_bound_kind, route_limit })
}
