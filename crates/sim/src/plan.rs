//! The plan to simulate, from `plan.json` (what `evac plan` published) or from a plan the
//! library holds (the naive baseline), as one neutral shape: groups of vehicles with their
//! departure, planned arrival and route as network nodes and edges.

use crate::error::SimError;
use evac_network::{EdgeId, Network};
use evac_plan::{Plan, Problem};
use serde::Deserialize;
use std::path::Path;

/// Vehicles that leave together along one route.
#[derive(Debug, Clone, PartialEq)]
pub struct SimGroup {
    /// The plan's source id (`<settlement>#<n>`), for messages.
    pub source: String,
    pub vehicles: u32,
    /// Entering the first road, in steps after the order (waiting at home is leaving later).
    pub depart_step: f64,
    /// Reaching the destination, in steps, as planned.
    pub arrive_step: f64,
    /// Network nodes from the source to the destination (one more than `edges`).
    pub nodes: Vec<u32>,
    /// Network edges in order.
    pub edges: Vec<EdgeId>,
    /// The step at which each edge is entered, as planned.
    pub enter_steps: Vec<f64>,
    /// The step at which the end of each edge is reached, as planned.
    pub reach_steps: Vec<f64>,
    /// Steps the junction model takes to pass the junction after each edge (its gate's
    /// travel time; 0 where there is no gate).
    pub junction_steps: Vec<f64>,
    /// The route's free-flow time in the plan's model (its edges' travel steps added up),
    /// when the plan says what they are.
    pub free_flow_steps: Option<f64>,
}

/// A plan ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    /// "plan" or "baseline".
    pub label: String,
    pub step_s: f64,
    pub groups: Vec<SimGroup>,
    /// The roads the planner reported as its bottlenecks (plan.json's list), in its order.
    pub bottlenecks: Vec<String>,
}

impl PlanInput {
    pub fn vehicles(&self) -> u64 {
        self.groups.iter().map(|g| u64::from(g.vehicles)).sum()
    }

    /// Vehicle-steps the planner's model has vehicles standing on each road, waiting for
    /// room on the next one (a junction gate's wait included): where its queues stand, to
    /// set beside SUMO's lost time per road. Waiting at home is on no road.
    pub fn planned_waiting_steps(&self) -> std::collections::HashMap<EdgeId, f64> {
        let mut out: std::collections::HashMap<EdgeId, f64> = std::collections::HashMap::new();
        for g in &self.groups {
            for k in 0..g.edges.len().saturating_sub(1) {
                let (Some(&reached), Some(&next)) = (g.reach_steps.get(k), g.enter_steps.get(k + 1)) else {
                    continue;
                };
                let reached = reached + g.junction_steps.get(k).copied().unwrap_or(0.0);
                if next > reached {
                    *out.entry(g.edges[k]).or_default() += f64::from(g.vehicles) * (next - reached);
                }
            }
        }
        out
    }

    /// Read `plan.json` as `evac plan` writes it, checking it belongs to `network`.
    pub fn read(path: &Path, network: &Network) -> Result<PlanInput, SimError> {
        let text = std::fs::read_to_string(path).map_err(SimError::io(path))?;
        Self::parse(&text, network).map_err(|message| SimError::Plan { path: path.to_path_buf(), message })
    }

    /// Parse plan.json text. Only the keys the simulation needs are read, so fields added to
    /// the format later do not break it; numbers of steps may be fractional.
    pub fn parse(text: &str, network: &Network) -> Result<PlanInput, String> {
        let file: PlanFile =
            serde_json::from_str(text).map_err(|e| format!("not a plan.json written by evac plan: {e}"))?;
        if !(file.step_s.is_finite() && file.step_s > 0.0) {
            return Err(format!("step_s is {}, expected a positive number of seconds", file.step_s));
        }
        let edges = network.edges();
        let another = "plan.json was made on another road network: re-run `evac plan` on this scenario";
        let mut travel: std::collections::HashMap<u32, f64> = std::collections::HashMap::new();
        let gate_travel: std::collections::HashMap<String, f64> = file
            .edges
            .iter()
            .filter(|e| e.junction.is_some())
            .map(|e| (e.id.as_str().map_or_else(|| e.id.to_string(), str::to_string), e.travel_steps))
            .collect();
        // Junction gates (`"id": "j<node>"`) lead from a junction to its exit node; roads
        // leaving a junction start at that exit (at a junction with turn bans, at a node of
        // their own, and restricted approaches end at one). SUMO models junctions itself:
        // gates are skipped and every node of a junction read as the junction.
        let exit_of: std::collections::HashMap<u32, u32> =
            file.edges.iter().filter_map(|e| e.junction.map(|j| [(e.to, j), (e.from, j)])).flatten().collect();
        let node = |v: u32| exit_of.get(&v).copied().unwrap_or(v);
        for e in &file.edges {
            if e.junction.is_some() {
                continue;
            }
            let Some(id) = e.id.as_u64().and_then(|i| u32::try_from(i).ok()) else {
                return Err(format!("edge {} is neither a road id nor a junction gate", e.id));
            };
            let e = EdgeRec { id, from: node(e.from), to: node(e.to), travel_steps: e.travel_steps };
            let Some(n) = edges.get(e.id as usize) else {
                return Err(format!("edge {} is not in the network ({another})", e.id));
            };
            if (n.from, n.to) != (e.from, e.to) {
                return Err(format!(
                    "edge {} runs {} -> {} here but {} -> {} in the network ({another})",
                    e.id, e.from, e.to, n.from, n.to
                ));
            }
            travel.insert(e.id, e.travel_steps);
        }
        let sources: std::collections::HashMap<&str, u32> =
            file.sources.iter().map(|s| (s.id.as_str(), s.node)).collect();
        let mut groups = Vec::with_capacity(file.groups.len());
        for (i, g) in file.groups.iter().enumerate() {
            let at = format!("group {} (source {})", i + 1, g.source);
            let Some(&source_node) = sources.get(g.source.as_str()) else {
                return Err(format!("{at}: the source is not listed under `sources`"));
            };
            if g.legs.is_empty() {
                return Err(format!("{at}: no legs"));
            }
            let mut nodes = vec![source_node];
            let mut ids = Vec::with_capacity(g.legs.len());
            let mut enter = Vec::with_capacity(g.legs.len());
            // Road legs (numeric ids); the gate legs (string ids) after a road add their
            // travel to its junction time.
            let mut roads: Vec<LegRec> = Vec::with_capacity(g.legs.len());
            let mut junction_steps: Vec<f64> = Vec::with_capacity(g.legs.len());
            for l in &g.legs {
                match l.edge.as_u64().and_then(|i| u32::try_from(i).ok()) {
                    Some(edge) => {
                        roads.push(LegRec { edge, enter_step: l.enter_step });
                        junction_steps.push(0.0);
                    }
                    None => {
                        if let (Some(gate), Some(last)) = (l.edge.as_str(), junction_steps.last_mut()) {
                            *last += gate_travel.get(gate).copied().unwrap_or(0.0);
                        }
                    }
                }
            }
            if roads.is_empty() {
                return Err(format!("{at}: no road legs"));
            }
            for (k, l) in roads.iter().enumerate() {
                let Some(e) = edges.get(l.edge as usize) else {
                    return Err(format!("{at}: leg {} uses edge {}, not in the network ({another})", k + 1, l.edge));
                };
                let here = *nodes.last().expect("never empty");
                if e.from != here {
                    return Err(format!(
                        "{at}: leg {} (edge {}) starts at node {} but the previous leg ends at node {here}",
                        k + 1,
                        l.edge,
                        e.from
                    ));
                }
                if !(l.enter_step.is_finite() && l.enter_step >= enter.last().copied().unwrap_or(0.0)) {
                    return Err(format!(
                        "{at}: leg {} enters at step {}, before the leg before it",
                        k + 1,
                        l.enter_step
                    ));
                }
                nodes.push(e.to);
                ids.push(EdgeId(l.edge));
                enter.push(l.enter_step);
            }
            let last = roads.last().expect("not empty");
            let arrive_step = match (g.arrive_step, travel.get(&last.edge)) {
                (Some(a), _) => a,
                (None, Some(t)) => last.enter_step + t,
                (None, None) => return Err(format!("{at}: no arrive_step and edge {} is not listed", last.edge)),
            };
            if g.vehicles == 0 {
                return Err(format!("{at}: 0 vehicles"));
            }
            // The end of a leg is reached after its travel time; without the edge list, the
            // next leg's entry is the latest it can have been reached.
            let reach_steps = (0..ids.len())
                .map(|k| match travel.get(&ids[k].0) {
                    Some(t) => enter[k] + t,
                    None => enter.get(k + 1).copied().unwrap_or(arrive_step),
                })
                .collect();
            let free_flow_steps = ids.iter().map(|e| travel.get(&e.0)).sum::<Option<f64>>();
            groups.push(SimGroup {
                source: g.source.clone(),
                vehicles: g.vehicles,
                depart_step: enter[0],
                arrive_step,
                nodes,
                edges: ids,
                enter_steps: enter,
                reach_steps,
                junction_steps,
                free_flow_steps,
            });
        }
        if groups.is_empty() {
            return Err("the plan has no groups of vehicles".into());
        }
        Ok(PlanInput {
            label: "plan".into(),
            step_s: file.step_s,
            groups,
            bottlenecks: file.bottlenecks.into_iter().map(|b| b.label).collect(),
        })
    }

    /// A plan the planner returned (e.g. the naive baseline) on its problem.
    pub fn from_plan(label: &str, problem: &Problem, plan: &Plan) -> PlanInput {
        let groups = plan
            .groups
            .iter()
            .filter(|g| !g.legs.is_empty())
            .map(|g| {
                let source = &problem.sources()[g.source as usize];
                // Junction gates are the model's, not roads SUMO drives: their travel is the
                // junction time after the road before them.
                let mut roads: Vec<&evac_plan::Leg> = Vec::with_capacity(g.legs.len());
                let mut junction_steps: Vec<f64> = Vec::with_capacity(g.legs.len());
                for l in &g.legs {
                    let e = problem.edge(l.edge);
                    if e.junction.is_none() {
                        roads.push(l);
                        junction_steps.push(0.0);
                    } else if let Some(last) = junction_steps.last_mut() {
                        *last += f64::from(e.travel_steps);
                    }
                }
                let mut nodes = vec![source.node];
                nodes.extend(roads.iter().map(|l| problem.network_node(problem.edge(l.edge).to)));
                SimGroup {
                    source: source.id.clone(),
                    vehicles: g.vehicles,
                    depart_step: f64::from(g.depart_step()),
                    arrive_step: f64::from(g.arrival_step(problem)),
                    nodes,
                    edges: roads.iter().map(|l| problem.edge(l.edge).id).collect(),
                    enter_steps: roads.iter().map(|l| f64::from(l.enter_step)).collect(),
                    junction_steps,
                    reach_steps: roads
                        .iter()
                        .map(|l| f64::from(l.enter_step + problem.edge(l.edge).travel_steps))
                        .collect(),
                    free_flow_steps: Some(g.legs.iter().map(|l| f64::from(problem.edge(l.edge).travel_steps)).sum()),
                }
            })
            .collect();
        PlanInput { label: label.into(), step_s: problem.step_s(), groups, bottlenecks: Vec::new() }
    }
}

#[derive(Deserialize)]
struct PlanFile {
    step_s: f64,
    #[serde(default)]
    edges: Vec<EdgeFileRec>,
    sources: Vec<SourceRec>,
    groups: Vec<GroupRec>,
    #[serde(default)]
    bottlenecks: Vec<BottleneckRec>,
}

#[derive(Deserialize)]
struct EdgeFileRec {
    id: serde_json::Value,
    from: u32,
    to: u32,
    travel_steps: f64,
    #[serde(default)]
    junction: Option<u32>,
}

struct EdgeRec {
    id: u32,
    from: u32,
    to: u32,
    travel_steps: f64,
}

#[derive(Deserialize)]
struct SourceRec {
    id: String,
    node: u32,
}

#[derive(Deserialize)]
struct GroupRec {
    source: String,
    vehicles: u32,
    #[serde(default)]
    arrive_step: Option<f64>,
    legs: Vec<LegFileRec>,
}

#[derive(Deserialize)]
struct LegFileRec {
    edge: serde_json::Value,
    enter_step: f64,
}

struct LegRec {
    edge: u32,
    enter_step: f64,
}

#[derive(Deserialize)]
struct BottleneckRec {
    label: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use evac_network::build_network;
    use evac_network::testing::grid;

    fn json(groups: &str) -> String {
        format!(
            r#"{{"step_s": 60, "future_field": {{"x": 1}}, "sources": [{{"id": "a#1", "node": 0, "vehicles": 5}}],
               "edges": [], "groups": {groups}, "bottlenecks": [{{"label": "Zollstrasse", "edge": 3}}]}}"#
        )
    }

    /// Two contiguous roads from node 0 that do not come back to it: (first, the node
    /// between them, second).
    fn two_roads(net: &evac_network::Network) -> (u32, u32, u32) {
        let e1 = net.out_edge_ids(0).next().unwrap();
        let mid = net.edges()[e1 as usize].to;
        let e2 = net.out_edge_ids(mid).find(|&e| net.edges()[e as usize].to != 0).unwrap();
        (e1, mid, e2)
    }

    #[test]
    fn reads_routes_and_ignores_unknown_keys() {
        let net = build_network(&grid(3, 3, 0.001)).unwrap();
        let (e1, mid, e2) = two_roads(&net);
        let text = json(&format!(
            r#"[{{"source": "a#1", "destination": "d", "vehicles": 5, "depart_step": 2, "arrive_step": 4.5,
                 "legs": [{{"edge": {e1}, "enter_step": 2}}, {{"edge": {e2}, "enter_step": 3.25, "new": true}}]}}]"#
        ));
        let p = PlanInput::parse(&text, &net).unwrap();
        assert_eq!(p.vehicles(), 5);
        let g = &p.groups[0];
        assert_eq!(g.nodes, vec![0, mid, net.edges()[e2 as usize].to]);
        assert_eq!((g.depart_step, g.arrive_step), (2.0, 4.5));
        // No edge list: the end of a leg is reached by the next leg's entry at the latest.
        assert_eq!(g.reach_steps, vec![3.25, 4.5]);
        assert_eq!(g.free_flow_steps, None);
        assert_eq!(p.bottlenecks, vec!["Zollstrasse".to_string()]);
    }

    #[test]
    fn waiting_stands_on_the_road_before_the_one_with_no_room() {
        let net = build_network(&grid(3, 3, 0.001)).unwrap();
        let (e1, mid, e2) = two_roads(&net);
        let end = net.edges()[e2 as usize].to;
        let edges = format!(
            r#"[{{"id": {e1}, "from": 0, "to": {mid}, "travel_steps": 0.5}}, {{"id": {e2}, "from": {mid}, "to": {end}, "travel_steps": 1}}]"#
        );
        // Five vehicles leave home at step 2 (waiting at home is on no road), reach the end
        // of the first road at 2.5 and enter the second at 4: 1.5 steps each on the first.
        // Three more drive through without waiting.
        let text = format!(
            r#"{{"step_s": 60, "sources": [{{"id": "a#1", "node": 0}}], "edges": {edges}, "groups": [
                {{"source": "a#1", "vehicles": 5, "legs": [{{"edge": {e1}, "enter_step": 2}}, {{"edge": {e2}, "enter_step": 4}}]}},
                {{"source": "a#1", "vehicles": 3, "legs": [{{"edge": {e1}, "enter_step": 0}}, {{"edge": {e2}, "enter_step": 0.5}}]}}]}}"#
        );
        let p = PlanInput::parse(&text, &net).unwrap();
        let waiting = p.planned_waiting_steps();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[&EdgeId(e1)], 7.5);
    }

    #[test]
    fn plans_of_another_network_are_refused() {
        let net = build_network(&grid(3, 3, 0.001)).unwrap();
        let far =
            json(r#"[{"source": "a#1", "vehicles": 5, "arrive_step": 1, "legs": [{"edge": 999, "enter_step": 0}]}]"#);
        assert!(PlanInput::parse(&far, &net).unwrap_err().contains("another road network"));
        // Legs that do not join up.
        let e1 = net.out_edge_ids(0).next().unwrap();
        let other = net.edge_ids().find(|e| net.edge(*e).from != net.edges()[e1 as usize].to).unwrap().0;
        let broken = json(&format!(
            r#"[{{"source": "a#1", "vehicles": 5, "arrive_step": 3, "legs": [{{"edge": {e1}, "enter_step": 0}}, {{"edge": {other}, "enter_step": 1}}]}}]"#
        ));
        assert!(PlanInput::parse(&broken, &net).unwrap_err().contains("previous leg ends"));
        let unknown_source = r#"{"step_s": 60, "sources": [], "groups": [{"source": "x", "vehicles": 1, "legs": []}]}"#;
        assert!(PlanInput::parse(unknown_source, &net).unwrap_err().contains("not listed"));
        assert!(PlanInput::parse("{\"groups\": []}", &net).unwrap_err().contains("not a plan.json"));
    }
}
