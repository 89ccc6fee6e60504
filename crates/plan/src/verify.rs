//! The rules every plan must satisfy (the same rules an independent verifier applies to
//! plan.json; see docs/planning.md).

use crate::plan::Plan;
use crate::problem::{EdgeIx, Problem};
use std::collections::HashMap;

/// Check a plan against its problem. Returns every violation found (empty = valid).
pub fn verify(p: &Problem, plan: &Plan) -> Vec<String> {
    let mut errors = Vec::new();
    let mut routed = vec![0u64; p.sources.len()];
    let mut arrived = vec![0u64; p.destinations.len()];
    let mut loads: HashMap<(EdgeIx, u32), u64> = HashMap::new();
    for (gi, g) in plan.groups.iter().enumerate() {
        let (Some(src), Some(dst)) = (p.sources.get(g.source as usize), p.destinations.get(g.destination as usize))
        else {
            errors.push(format!("group {gi}: unknown source or destination"));
            continue;
        };
        if g.vehicles == 0 {
            errors.push(format!("group {gi}: no vehicles"));
        }
        routed[g.source as usize] += u64::from(g.vehicles);
        arrived[g.destination as usize] += u64::from(g.vehicles);
        let mut at = src.node;
        let mut earliest = 0u32;
        for (li, l) in g.legs.iter().enumerate() {
            let Some(e) = p.edges.get(l.edge.index()) else {
                errors.push(format!("group {gi} leg {li}: unknown edge"));
                break;
            };
            if e.from != at {
                errors.push(format!(
                    "group {gi} leg {li}: edge {} starts at node {}, the group is at node {at}",
                    e.id, e.from
                ));
            }
            if l.enter_step < earliest {
                errors.push(format!(
                    "group {gi} leg {li}: enters at step {} before arriving (step {earliest})",
                    l.enter_step
                ));
            }
            *loads.entry((l.edge, l.enter_step)).or_default() += u64::from(g.vehicles);
            at = e.to;
            earliest = l.enter_step + e.travel_steps;
        }
        let nodes = Plan::route_nodes(p, src.node, &g.legs);
        let mut seen = std::collections::HashSet::new();
        if let Some(again) = nodes.iter().find(|n| !seen.insert(**n)) {
            errors.push(format!(
                "group {gi}: passes node {again} twice (a loop or U-turn; waiting is holding at a node)"
            ));
        }
        if at != dst.node {
            errors.push(format!("group {gi}: ends at node {at}, its destination {} is at node {}", dst.id, dst.node));
        }
    }
    for ((edge, step), load) in loads {
        let cap = u64::from(p.edge(edge).capacity_at(step));
        if load > cap {
            errors.push(format!("edge {} at step {step}: {load} vehicles enter, capacity {cap}", p.edge(edge).id));
        }
    }
    for (s, r) in p.sources.iter().zip(&routed) {
        if *r != u64::from(s.vehicles) {
            errors.push(format!("source {}: {r} of {} vehicles routed", s.id, s.vehicles));
        }
    }
    for (d, a) in p.destinations.iter().zip(&arrived) {
        if let Some(cap) = d.capacity_vehicles
            && *a > u64::from(cap)
        {
            errors.push(format!("destination {}: {a} vehicles arrive, capacity {cap}", d.id));
        }
    }
    errors
}
