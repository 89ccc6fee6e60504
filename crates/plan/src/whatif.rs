//! What if a bridge is lost? Close each river crossing in turn, replan, and rank the
//! crossings by the delay their loss causes (or the settlements it cuts off).

use crate::car::{CarOptions, CarProblem};
use crate::error::PlanError;
use crate::{Plan, Problem};
use evac_network::Network;
use evac_scenario::Scenario;
use serde::Serialize;

/// The plan with one crossing closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BridgeLoss {
    /// The crossing's position in the network's list of river crossings: names repeat (a
    /// dual carriageway is two crossings of one name), this does not.
    pub crossing: usize,
    pub bridge: String,
    pub clearance_steps: Option<u32>,
    pub delay_steps: Option<i64>,
    pub lower_bound_steps: Option<u32>,
    /// Why no plan exists without it (who is cut off), if none does.
    pub cut_off: Option<String>,
}

/// Every crossing's loss, worst first (cut-offs, then the longest delay).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIfBridges {
    pub base_clearance_steps: u32,
    pub step_s: f64,
    pub bridges: Vec<BridgeLoss>,
}

/// Replan with each river crossing closed in turn (on top of `options.close`);
/// `progress(done, total)` is called before each replan.
pub fn what_if_bridges(
    scenario: &Scenario,
    network: &Network,
    options: &CarOptions,
    progress: impl Fn(usize, usize),
) -> Result<WhatIfBridges, PlanError> {
    what_if_bridges_each(scenario, network, options, progress, |_| {})
}

/// One plan of a what-if: the base plan (`bridge` None, every crossing open) or the plan
/// with one crossing closed.
pub struct Variant<'a> {
    /// [`BridgeLoss::crossing`] of the closed crossing.
    pub crossing: Option<usize>,
    pub bridge: Option<&'a str>,
    pub problem: &'a Problem,
    pub plan: &'a Plan,
}

/// [`what_if_bridges`], handing every plan made (the base plan first) to `each`, so that a
/// caller can keep or simulate it.
pub fn what_if_bridges_each(
    scenario: &Scenario,
    network: &Network,
    options: &CarOptions,
    progress: impl Fn(usize, usize),
    mut each: impl FnMut(Variant<'_>),
) -> Result<WhatIfBridges, PlanError> {
    let built = CarProblem::build(scenario, network, options)?;
    built.problem.check("")?;
    // Bridges are ranked by the clearance they cost: the clearance objective, no route limit.
    let run_options = crate::run::RunOptions {
        objective: crate::run::Objective::Clearance,
        max_routes: None,
        ..options.run_options(false)
    };
    let base = crate::run::run(&built.problem, run_options)?;
    let base_clearance = base.plan.clearance_steps(&built.problem);
    each(Variant { crossing: None, bridge: None, problem: &built.problem, plan: &base.plan });
    let crossings: Vec<evac_network::stats::Bridge> =
        evac_network::stats::bridges(network).into_iter().filter(|b| b.crossing.is_some()).collect();
    let mut rows = Vec::new();
    for (i, b) in crossings.iter().enumerate() {
        progress(i, crossings.len());
        let mut closed = built.closures.clone();
        for &e in &b.edges {
            closed.close_edge(network, e);
        }
        let p = built.problem.with_closures(network, &closed);
        let row = match p.check(&b.label) {
            Err(e) => BridgeLoss {
                crossing: i,
                bridge: b.label.clone(),
                clearance_steps: None,
                delay_steps: None,
                lower_bound_steps: None,
                cut_off: Some(e.to_string()),
            },
            Ok(()) => {
                let r = crate::run::run(&p, run_options)?;
                let c = r.plan.clearance_steps(&p);
                each(Variant { crossing: Some(i), bridge: Some(&b.label), problem: &p, plan: &r.plan });
                BridgeLoss {
                    crossing: i,
                    bridge: b.label.clone(),
                    clearance_steps: Some(c),
                    delay_steps: Some(i64::from(c) - i64::from(base_clearance)),
                    lower_bound_steps: Some(r.lower_bound),
                    cut_off: None,
                }
            }
        };
        rows.push(row);
    }
    rows.sort_by(|x, y| {
        y.cut_off
            .is_some()
            .cmp(&x.cut_off.is_some())
            .then(y.delay_steps.unwrap_or(0).cmp(&x.delay_steps.unwrap_or(0)))
            .then(x.bridge.cmp(&y.bridge))
    });
    Ok(WhatIfBridges { base_clearance_steps: base_clearance, step_s: built.problem.step_s(), bridges: rows })
}
