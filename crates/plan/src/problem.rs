//! The evacuation problem in discrete time (see docs/planning.md).

use evac_network::{Closures, Csr, EdgeId, Network};
use serde::{Deserialize, Serialize};

/// The position of an edge in a [`Problem`] (closed edges are left out, so this is not the
/// network's [`EdgeId`]; [`Problem::edge`] maps one to the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeIx(pub u32);

impl EdgeIx {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An edge as the planner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanEdge {
    /// The network's edge id.
    pub id: EdgeId,
    /// Free-flow travel time, seconds (what `travel_steps` is derived from).
    pub free_flow_s: f32,
    pub from: u32,
    pub to: u32,
    /// Travel time in whole steps, from the free-flow time by the rule of
    /// [`crate::timing`] (may be 0 for an edge shorter than a step).
    pub travel_steps: u32,
    /// Vehicles that may enter the edge per step, on average (the road's flow rate times
    /// the step; may be fractional). The whole number allowed in step `t` is
    /// [`PlanEdge::capacity_at`].
    pub capacity_per_step: f64,
}

impl PlanEdge {
    /// Vehicles that may enter the edge in step `t`: `floor((t + 1) r) - floor(t r)` for the
    /// rate `r` = `capacity_per_step`. Over any run of steps the total is the rate times the
    /// run, within one vehicle — no rounding of the rate per step (a 600 veh/h road at a
    /// 10-s step lets 1, 2, 2, 1, 2, 2, … vehicles in, not 1 each step).
    pub fn capacity_at(&self, t: u32) -> u32 {
        let r = self.capacity_per_step;
        ((f64::from(t) + 1.0) * r).floor() as u32 - (f64::from(t) * r).floor() as u32
    }

    /// The most vehicles any single step admits.
    pub fn max_capacity(&self) -> u32 {
        self.capacity_per_step.ceil() as u32
    }
}

/// Roads below this flow rate are treated as having it: a road that a vehicle may enter
/// only once an hour is no road, and the rate keeps every search step bounded.
const MIN_CAPACITY_VPH: f32 = 60.0;

/// Where vehicles start: one of a settlement's origins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Unique among the sources (a settlement with several origins has one source each).
    pub id: String,
    /// The settlement the vehicles belong to (its id in the scenario).
    pub settlement: String,
    pub name: String,
    pub node: u32,
    pub vehicles: u32,
}

/// Where vehicles are safe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    pub id: String,
    pub name: String,
    pub node: u32,
    /// `None`: unlimited (a safe exit).
    pub capacity_vehicles: Option<u32>,
}

/// The discrete-time evacuation problem.
///
/// Its arrays are private to the crate: they are built once, consistently (the adjacency
/// lists index `edges`), and read through the accessors below.
#[derive(Debug, Clone)]
pub struct Problem {
    pub(crate) step_s: f64,
    pub(crate) node_count: usize,
    /// Open edges (closed ones are left out), indexed by [`EdgeIx`].
    pub(crate) edges: Vec<PlanEdge>,
    /// Out- and in-edge positions of each node.
    pub(crate) out: Csr,
    pub(crate) inn: Csr,
    pub(crate) sources: Vec<Source>,
    pub(crate) destinations: Vec<Destination>,
    /// Nodes inside the mandatory zone (exposure is counted there).
    pub(crate) in_zone: Vec<bool>,
}

/// Why a problem cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemError {
    #[error("no settlement to evacuate: the order is empty")]
    NoSources,
    #[error("no destination: add reception centres (centres.csv) outside the zone")]
    NoDestinations,
    #[error(
        "the reception centres the evacuees can reach{closed} hold {capacity} vehicles' worth of people but {vehicles} vehicles must leave{unreachable}: add centres or capacity, or reopen roads"
    )]
    NotEnoughCapacity { capacity: u64, vehicles: u64, closed: String, unreachable: String },
    #[error(
        "{names} cannot reach any destination{closed}: reopen a closed road, add a centre they can reach, or check the network around them"
    )]
    Unreachable { names: String, closed: String },
}

impl Problem {
    /// Build from a network: every open edge, with travel steps and capacity per step.
    pub fn new(
        network: &Network,
        closures: Option<&Closures>,
        step_s: f64,
        sources: Vec<Source>,
        destinations: Vec<Destination>,
        in_zone: Vec<bool>,
    ) -> Self {
        let n = network.nodes().len();
        let open: Vec<(EdgeId, &evac_network::EdgeRec)> = network
            .edge_ids()
            .zip(network.edges())
            .filter(|(id, e)| !closures.is_some_and(|c| c.is_closed(id.0)) && e.from != e.to)
            .collect();
        let timed: Vec<(u32, u32, f64)> = open.iter().map(|(_, e)| (e.from, e.to, f64::from(e.time_s))).collect();
        let roots: Vec<u32> = destinations.iter().map(|d| d.node).collect();
        let steps = crate::timing::edge_steps(&timed, &crate::timing::seconds_to(n, &timed, &roots), step_s);
        let edges = open
            .iter()
            .zip(steps)
            .map(|((id, e), travel_steps)| PlanEdge {
                id: *id,
                free_flow_s: e.time_s,
                from: e.from,
                to: e.to,
                travel_steps,
                capacity_per_step: f64::from(e.capacity_vph.max(MIN_CAPACITY_VPH)) * step_s / 3600.0,
            })
            .collect();
        Self::from_edges(step_s, n, edges, sources, destinations, in_zone)
    }

    /// Build from explicit edges (tests, hand-made networks).
    pub fn from_edges(
        step_s: f64,
        node_count: usize,
        edges: Vec<PlanEdge>,
        sources: Vec<Source>,
        destinations: Vec<Destination>,
        in_zone: Vec<bool>,
    ) -> Self {
        let out = Csr::build(node_count, edges.iter().map(|e| e.from));
        let inn = Csr::build(node_count, edges.iter().map(|e| e.to));
        let in_zone = if in_zone.len() == node_count { in_zone } else { vec![false; node_count] };
        Problem { step_s, node_count, edges, out, inn, sources, destinations, in_zone }
    }

    /// Out-edge positions of node `v`.
    pub fn out(&self, v: u32) -> &[u32] {
        self.out.row(v)
    }

    /// In-edge positions of node `v`.
    pub fn inn(&self, v: u32) -> &[u32] {
        self.inn.row(v)
    }

    /// Length of a time step, seconds.
    pub fn step_s(&self) -> f64 {
        self.step_s
    }

    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// The open edges, indexed by [`EdgeIx`].
    pub fn edges(&self) -> &[PlanEdge] {
        &self.edges
    }

    pub fn edge(&self, e: EdgeIx) -> &PlanEdge {
        &self.edges[e.index()]
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// Whether node `v` lies inside the mandatory zone.
    pub fn in_zone(&self, v: u32) -> bool {
        self.in_zone[v as usize]
    }

    /// One flag per node: inside the mandatory zone.
    pub fn zone_flags(&self) -> &[bool] {
        &self.in_zone
    }

    /// The same demand and destinations on the same network with other edges closed.
    pub fn with_closures(&self, network: &Network, closures: &Closures) -> Problem {
        Problem::new(
            network,
            Some(closures),
            self.step_s,
            self.sources.clone(),
            self.destinations.clone(),
            self.in_zone.clone(),
        )
    }

    pub fn total_vehicles(&self) -> u64 {
        self.sources.iter().map(|s| u64::from(s.vehicles)).sum()
    }

    /// Free-flow steps from every node to the nearest destination (u32::MAX if none).
    pub fn steps_to_destinations(&self) -> Vec<u32> {
        let roots: Vec<u32> = self.destinations.iter().map(|d| d.node).collect();
        self.multi_source_steps(&roots, false)
    }

    /// Free-flow steps from the nearest of `roots` (forward) or to it (`forward = false`).
    pub fn multi_source_steps(&self, roots: &[u32], forward: bool) -> Vec<u32> {
        use std::cmp::Reverse;
        let mut dist = vec![u32::MAX; self.node_count];
        let mut heap = std::collections::BinaryHeap::new();
        for &r in roots {
            dist[r as usize] = 0;
            heap.push(Reverse((0u32, r)));
        }
        while let Some(Reverse((d, v))) = heap.pop() {
            if d > dist[v as usize] {
                continue;
            }
            let list = if forward { self.out(v) } else { self.inn(v) };
            for &ei in list {
                let e = &self.edges[ei as usize];
                let w = if forward { e.to } else { e.from };
                let nd = d + e.travel_steps;
                if nd < dist[w as usize] {
                    dist[w as usize] = nd;
                    heap.push(Reverse((nd, w)));
                }
            }
        }
        dist
    }

    /// Refuse problems no plan can solve, naming what to fix.
    pub fn check(&self, closures_described: &str) -> Result<(), ProblemError> {
        if self.sources.iter().all(|s| s.vehicles == 0) {
            return Err(ProblemError::NoSources);
        }
        if self.destinations.is_empty() {
            return Err(ProblemError::NoDestinations);
        }
        let closed =
            if closures_described.is_empty() { String::new() } else { format!(" with {closures_described} closed") };
        let to_dest = self.steps_to_destinations();
        let stuck: Vec<&str> = self
            .sources
            .iter()
            .filter(|s| s.vehicles > 0 && to_dest[s.node as usize] == u32::MAX)
            .map(|s| s.name.as_str())
            .collect();
        if !stuck.is_empty() {
            let mut names = stuck;
            names.dedup();
            return Err(ProblemError::Unreachable { names: names.join(", "), closed });
        }
        let source_nodes: Vec<u32> = self.sources.iter().filter(|s| s.vehicles > 0).map(|s| s.node).collect();
        let reach = self.multi_source_steps(&source_nodes, true);
        let reachable = |d: &&Destination| reach[d.node as usize] != u32::MAX;
        if self.destinations.iter().filter(reachable).all(|d| d.capacity_vehicles.is_some()) {
            let capacity: u64 =
                self.destinations.iter().filter(reachable).map(|d| u64::from(d.capacity_vehicles.unwrap_or(0))).sum();
            if capacity < self.total_vehicles() {
                let cut: Vec<&str> =
                    self.destinations.iter().filter(|d| !reachable(d)).map(|d| d.name.as_str()).collect();
                let unreachable =
                    if cut.is_empty() { String::new() } else { format!(" ({} cannot be reached)", cut.join(", ")) };
                return Err(ProblemError::NotEnoughCapacity {
                    capacity,
                    vehicles: self.total_vehicles(),
                    closed,
                    unreachable,
                });
            }
        }
        Ok(())
    }
}
