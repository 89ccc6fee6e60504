//! The exact optimum of the discrete model: the quickest transshipment, as a maximum flow
//! in the time-expanded network.
//!
//! State (v, t) means "at node v at step t". Arcs: moving along edge e from (u, t) to
//! (w, t + travel) with the edge's capacity per step; waiting from (v, t) to (v, t + 1)
//! without limit; a super source feeding each source at step 0 with its vehicles; every
//! destination state draining into a super sink, limited by the destination's capacity
//! over all steps. Every vehicle is safe by step T iff the maximum flow with horizon T
//! carries all of them; the optimum is the smallest such T.
//!
//! The time-expanded network is never built: states are indexed implicitly and only those
//! that can matter are kept (v is reachable from a source by step t, and a destination is
//! reachable from v by T). Dinic's algorithm runs on it. The horizon starts at a proven
//! lower bound and grows one step at a time, keeping the flow found so far (a flow for T is
//! a flow for T + 1), until everyone is carried: that T is optimal. The flow is then
//! decomposed into groups, giving an optimal plan.

use crate::plan::{Group, Leg, Plan};
use crate::problem::{EdgeIx, Problem};

const NONE: u32 = u32::MAX;

/// The optimum and an optimal plan.
#[derive(Debug, Clone)]
pub struct Exact {
    pub optimum_steps: u32,
    pub plan: Plan,
    pub states: usize,
    pub phases: u32,
}

/// Why the exact optimum was not computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ExactError {
    TooLarge {
        states: usize,
        limit: usize,
    },
    Infeasible,
    /// Gave up at the deadline; the horizon reached is a proven lower bound.
    OutOfTime {
        lower_bound: u32,
    },
}

struct Te<'p> {
    p: &'p Problem,
    horizon_max: u32,
    horizon: u32,
    early: Vec<u32>,
    to_dest: Vec<u32>,
    vbase: Vec<usize>,
    state_node: Vec<u32>,
    ebase: Vec<usize>,
    elen: Vec<u32>,
    /// Earliest step at the tail of each edge (its flow window starts there).
    edge_early: Vec<u32>,
    limit: Vec<i64>,
    flow: Vec<u32>,
    hold: Vec<u32>,
    /// Distinct source nodes; each has an aggregate state feeding (node, t) for every t,
    /// so waiting at home costs no arcs (Dinic's levels stay short).
    src_nodes: Vec<u32>,
    /// Vehicles still at home, per source node position.
    supply_left: Vec<u64>,
    /// Vehicles set off from home at each step, per source node position.
    launch: Vec<Vec<u32>>,
    /// Position of a node in `src_nodes` (NONE if not a source).
    src_pos: Vec<u32>,
    /// Per destination: vehicles delivered so far, and by step.
    delivered: Vec<u64>,
    sink_by_step: Vec<Vec<u32>>,
    dest_at: Vec<Vec<u32>>,
    level: Vec<u32>,
    cursor: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
}

/// A state's node and step with its adjacency (see [`Te::at`]).
struct At<'a> {
    v: u32,
    t: u32,
    dests: &'a [u32],
    out: &'a [u32],
    inn: &'a [u32],
}

/// An arc out of a state in the residual network. Each destination has an aggregate
/// state (after the (v, t) states): arrivals flow into it at any step, and it drains into
/// the super sink up to the destination's capacity. Its reverse arcs let a later
/// augmenting path move a delivery to another step or another destination.
#[derive(Clone, Copy, Debug)]
enum Arc {
    /// (v, t) -> aggregate of destination d.
    Arrive(u32),
    /// Aggregate of d -> super sink.
    Drain(u32),
    /// Aggregate of d -> (node of d, t): cancel an arrival.
    Unarrive {
        d: u32,
        t: u32,
    },
    Move {
        e: u32,
        t: u32,
    },
    Hold,
    Unmove {
        e: u32,
        t: u32,
    },
    Unhold,
    /// Source aggregate j -> (its node, t): set off at step t.
    Launch {
        j: u32,
        t: u32,
    },
    /// (source node, t) -> its aggregate: cancel a departure.
    Unlaunch {
        j: u32,
        t: u32,
    },
}

impl<'p> Te<'p> {
    #[inline]
    fn state(&self, v: u32, t: u32) -> Option<usize> {
        let e = self.early[v as usize];
        // `limit` is horizon - steps to a destination, or -1 for nodes without states.
        if t < e || i64::from(t) > self.limit[v as usize] {
            return None;
        }
        Some(self.vbase[v as usize] + (t - e) as usize)
    }

    /// Recompute `limit` for the current horizon.
    fn set_horizon(&mut self, horizon: u32) {
        self.horizon = horizon;
        for v in 0..self.early.len() {
            let (e, d) = (self.early[v], self.to_dest[v]);
            self.limit[v] = if e == NONE || d == NONE || self.vbase[v + 1] == self.vbase[v] {
                -1
            } else {
                i64::from(horizon) - i64::from(d)
            };
        }
    }

    /// Extend the horizon to `horizon` and augment the flow (`carried` vehicles of `total`)
    /// to a maximum flow for it; returns the vehicles it carries.
    fn maximise_at(&mut self, horizon: u32, mut carried: u64, total: u64) -> u64 {
        self.set_horizon(horizon);
        loop {
            let added = self.phase();
            carried += added;
            if added == 0 || carried == total {
                return carried;
            }
        }
    }

    fn time_of(&self, state: usize) -> u32 {
        let v = self.state_node[state];
        self.early[v as usize] + (state - self.vbase[v as usize]) as u32
    }

    #[inline]
    fn flow_index(&self, e: u32, t: u32) -> Option<usize> {
        let early = self.edge_early[e as usize];
        if t < early || t - early >= self.elen[e as usize] {
            return None;
        }
        Some(self.ebase[e as usize] + (t - early) as usize)
    }

    fn sink_room(&self, d: u32) -> u64 {
        match self.p.destinations[d as usize].capacity_vehicles {
            Some(c) => u64::from(c).saturating_sub(self.delivered[d as usize]),
            None => u64::MAX,
        }
    }

    fn aggregate(&self, d: u32) -> usize {
        self.state_node.len() + d as usize
    }

    fn sink_flow(&self, d: u32, t: u32) -> u32 {
        let node = self.p.destinations[d as usize].node;
        let e = self.early[node as usize];
        if t < e {
            return 0;
        }
        self.sink_by_step[d as usize].get((t - e) as usize).copied().unwrap_or(0)
    }

    /// The k-th arc of state `x`, with its head state (none for the super sink) and residual.
    fn source_aggregate(&self, j: u32) -> usize {
        self.state_node.len() + self.p.destinations.len() + j as usize
    }

    fn arc_of(&self, x: usize, k: u32) -> Option<(Arc, Option<usize>, u64)> {
        let first_src = self.state_node.len() + self.p.destinations.len();
        if x >= first_src {
            let j = (x - first_src) as u32;
            let node = self.src_nodes[j as usize];
            let head = self.state(node, k)?;
            return Some((Arc::Launch { j, t: k }, Some(head), u64::MAX));
        }
        if x >= self.state_node.len() {
            let d = (x - self.state_node.len()) as u32;
            if k == 0 {
                return Some((Arc::Drain(d), None, self.sink_room(d)));
            }
            let node = self.p.destinations[d as usize].node;
            let e = self.early[node as usize];
            let row = &self.sink_by_step[d as usize];
            let i = (k - 1) as usize;
            if i >= row.len() {
                return None;
            }
            let t = e + i as u32;
            let head = self.state(node, t);
            let room = if head.is_some() { u64::from(row[i]) } else { 0 };
            return Some((Arc::Unarrive { d, t }, head, room));
        }
        self.arc(self.state_node[x], self.time_of(x), k)
    }

    /// The heads of the arcs of state `x` with residual room, in the order of
    /// [`Te::arc_of`] (`None`: the super sink). The same arcs as calling `arc_of(x, k)` for
    /// k = 0, 1, … and skipping those without room, but the state's node, step and
    /// adjacency are looked up once instead of once per arc: the breadth-first search of
    /// every Dinic phase visits every arc of every reachable state, and on issue 14's river
    /// case that lookup was most of the exposure stage's time.
    fn for_each_open_head(&self, x: usize, mut f: impl FnMut(Option<usize>)) {
        if x >= self.state_node.len() {
            let mut k = 0;
            while let Some((_, head, room)) = self.arc_of(x, k) {
                k += 1;
                if room > 0 {
                    f(head);
                }
            }
            return;
        }
        let p = self.p;
        let v = self.state_node[x];
        let t = self.time_of(x);
        for &d in &self.dest_at[v as usize] {
            f(Some(self.aggregate(d)));
        }
        for &e in p.out(v) {
            let edge = &p.edges[e as usize];
            if let (Some(head), Some(i)) = (self.state(edge.to, t + edge.travel_steps), self.flow_index(e, t))
                && edge.capacity_at(t) > self.flow[i]
            {
                f(Some(head));
            }
        }
        if let Some(head) = self.state(v, t + 1) {
            f(Some(head));
        }
        for &e in p.inn(v) {
            let edge = &p.edges[e as usize];
            if let Some(t0) = t.checked_sub(edge.travel_steps)
                && let (Some(head), Some(i)) = (self.state(edge.from, t0), self.flow_index(e, t0))
                && self.flow[i] > 0
            {
                f(Some(head));
            }
        }
        if let Some(head) = t.checked_sub(1).and_then(|t0| self.state(v, t0))
            && self.hold[head] > 0
        {
            f(Some(head));
        }
        let j = self.src_pos[v as usize];
        if j != NONE && self.launch[j as usize].get(t as usize).is_some_and(|&n| n > 0) {
            f(Some(self.source_aggregate(j)));
        }
    }

    /// The k-th arc of state (v, t).
    fn arc(&self, v: u32, t: u32, k: u32) -> Option<(Arc, Option<usize>, u64)> {
        self.arc_at(&self.at(v, t), k)
    }

    /// What the arcs of state (v, t) are read from, looked up once per state.
    fn at(&self, v: u32, t: u32) -> At<'_> {
        let p = self.p;
        At { v, t, dests: &self.dest_at[v as usize], out: p.out(v), inn: p.inn(v) }
    }

    /// The k-th arc of a state, from its looked-up adjacency.
    fn arc_at(&self, at: &At<'_>, k: u32) -> Option<(Arc, Option<usize>, u64)> {
        let p = self.p;
        let (v, t) = (at.v, at.t);
        let dests = at.dests;
        let mut k = k as usize;
        if k < dests.len() {
            let d = dests[k];
            return Some((Arc::Arrive(d), Some(self.aggregate(d)), u64::MAX));
        }
        k -= dests.len();
        let out = at.out;
        if k < out.len() {
            let e = out[k];
            let edge = &p.edges[e as usize];
            let head = self.state(edge.to, t + edge.travel_steps);
            let idx = self.flow_index(e, t);
            let room = match (head, idx) {
                (Some(_), Some(i)) => u64::from(edge.capacity_at(t) - self.flow[i]),
                _ => 0,
            };
            return Some((Arc::Move { e, t }, head, room));
        }
        k -= out.len();
        if k == 0 {
            let head = self.state(v, t + 1);
            return Some((Arc::Hold, head, if head.is_some() { u64::MAX } else { 0 }));
        }
        k -= 1;
        let inn = at.inn;
        if k < inn.len() {
            let e = inn[k];
            let edge = &p.edges[e as usize];
            let (head, room) = match t.checked_sub(edge.travel_steps) {
                Some(t0) => match (self.state(edge.from, t0), self.flow_index(e, t0)) {
                    (Some(h), Some(i)) => (Some(h), u64::from(self.flow[i])),
                    _ => (None, 0),
                },
                None => (None, 0),
            };
            return Some((Arc::Unmove { e, t: t.wrapping_sub(edge.travel_steps) }, head, room));
        }
        k -= inn.len();
        if k == 0 {
            let (head, room) = match t.checked_sub(1).and_then(|t0| self.state(v, t0)) {
                Some(h) => (Some(h), u64::from(self.hold[h])),
                None => (None, 0),
            };
            return Some((Arc::Unhold, head, room));
        }
        k -= 1;
        let j = self.src_pos[v as usize];
        if k == 0 && j != NONE {
            let room = self.launch[j as usize].get(t as usize).copied().unwrap_or(0);
            return Some((Arc::Unlaunch { j, t }, Some(self.source_aggregate(j)), u64::from(room)));
        }
        None
    }

    /// From arc `from` of state `x` on, the first admissible arc of a Dinic phase (room
    /// left, and to the next level or, from the level before it, the super sink) and its
    /// position; the position past the last arc if none.
    fn next_admissible(
        &self,
        x: usize,
        from: u32,
        sink_level: u32,
        g: u32,
    ) -> (u32, Option<(Arc, Option<usize>, u64)>) {
        let admissible = |arc: Arc, head: Option<usize>, room: u64| {
            if room == 0 {
                return None;
            }
            match head {
                None if self.level[x] + 1 == sink_level => Some((arc, None, room)),
                Some(h) if self.stamp[h] == g && self.level[h] == self.level[x] + 1 && self.level[h] < sink_level => {
                    Some((arc, Some(h), room))
                }
                _ => None,
            }
        };
        let mut k = from;
        if x < self.state_node.len() {
            let at = self.at(self.state_node[x], self.time_of(x));
            while let Some((arc, head, room)) = self.arc_at(&at, k) {
                if let Some(found) = admissible(arc, head, room) {
                    return (k, Some(found));
                }
                k += 1;
            }
        } else {
            while let Some((arc, head, room)) = self.arc_of(x, k) {
                if let Some(found) = admissible(arc, head, room) {
                    return (k, Some(found));
                }
                k += 1;
            }
        }
        (k, None)
    }

    fn augment(&mut self, x: usize, arc: Arc, amount: u32) {
        let (v, t) = if x < self.state_node.len() { (self.state_node[x], self.time_of(x)) } else { (0, 0) };
        match arc {
            Arc::Arrive(d) => {
                let e = self.early[v as usize];
                let row = &mut self.sink_by_step[d as usize];
                let i = (t - e) as usize;
                if row.len() <= i {
                    row.resize(i + 1, 0);
                }
                row[i] += amount;
            }
            Arc::Drain(d) => self.delivered[d as usize] += u64::from(amount),
            Arc::Launch { j, t } => {
                let row = &mut self.launch[j as usize];
                if row.len() <= t as usize {
                    row.resize(t as usize + 1, 0);
                }
                row[t as usize] += amount;
            }
            Arc::Unlaunch { j, t } => self.launch[j as usize][t as usize] -= amount,
            Arc::Unarrive { d, t } => {
                let node = self.p.destinations[d as usize].node;
                let i = (t - self.early[node as usize]) as usize;
                self.sink_by_step[d as usize][i] -= amount;
            }
            Arc::Move { e, t } => {
                let i = self.flow_index(e, t).expect("admissible arc");
                self.flow[i] += amount;
            }
            Arc::Hold => {
                let s = self.state(v, t).expect("admissible state");
                self.hold[s] += amount;
            }
            Arc::Unmove { e, t } => {
                let i = self.flow_index(e, t).expect("admissible arc");
                self.flow[i] -= amount;
            }
            Arc::Unhold => {
                let s = self.state(v, t - 1).expect("admissible state");
                self.hold[s] -= amount;
            }
        }
    }

    /// Load the groups of `plan` that arrive by the current horizon as the initial flow;
    /// returns the vehicles carried. Loads nothing unless every such group fits the
    /// time-expanded network and the capacities (a valid plan always does).
    fn load(&mut self, plan: &Plan) -> u64 {
        let p = self.p;
        let horizon = self.horizon;
        let fitting: Vec<&Group> = plan.groups.iter().filter(|g| g.arrival_step(p) <= horizon).collect();
        let mut edge_use: std::collections::HashMap<(u32, u32), u64> = Default::default();
        let mut delivered = vec![0u64; p.destinations.len()];
        let mut supply_used = vec![0u64; self.src_nodes.len()];
        for g in &fitting {
            let Some(source) = p.sources.get(g.source as usize) else { return 0 };
            let j = self.src_pos[source.node as usize];
            if j == NONE || self.state(source.node, g.depart_step()).is_none() {
                return 0;
            }
            supply_used[j as usize] += u64::from(g.vehicles);
            let mut at = (source.node, g.depart_step());
            for leg in &g.legs {
                let edge = p.edge(leg.edge);
                if edge.from != at.0 || leg.enter_step < at.1 || self.state(at.0, leg.enter_step).is_none() {
                    return 0;
                }
                if self.flow_index(leg.edge.0, leg.enter_step).is_none() {
                    return 0;
                }
                *edge_use.entry((leg.edge.0, leg.enter_step)).or_default() += u64::from(g.vehicles);
                at = (edge.to, leg.enter_step + edge.travel_steps);
                if self.state(at.0, at.1).is_none() {
                    return 0;
                }
            }
            let d = g.destination as usize;
            if p.destinations.get(d).is_none_or(|dest| dest.node != at.0) {
                return 0;
            }
            delivered[d] += u64::from(g.vehicles);
        }
        let within_capacity = edge_use.iter().all(|(&(e, t), &n)| n <= u64::from(p.edges[e as usize].capacity_at(t)))
            && delivered
                .iter()
                .zip(&p.destinations)
                .all(|(&n, d)| d.capacity_vehicles.is_none_or(|c| n <= u64::from(c)))
            && supply_used.iter().zip(&self.supply_left).all(|(u, s)| u <= s);
        if !within_capacity {
            return 0;
        }
        let mut carried = 0;
        for g in fitting {
            let node = p.sources[g.source as usize].node;
            let j = self.src_pos[node as usize];
            let n = g.vehicles;
            let depart = g.depart_step();
            let source_aggregate = self.source_aggregate(j);
            self.augment(source_aggregate, Arc::Launch { j, t: depart }, n);
            self.supply_left[j as usize] -= u64::from(n);
            let mut at = (node, depart);
            for leg in &g.legs {
                for t in at.1..leg.enter_step {
                    let x = self.state(at.0, t).expect("checked above");
                    self.augment(x, Arc::Hold, n);
                }
                let x = self.state(at.0, leg.enter_step).expect("checked above");
                self.augment(x, Arc::Move { e: leg.edge.0, t: leg.enter_step }, n);
                let edge = p.edge(leg.edge);
                at = (edge.to, leg.enter_step + edge.travel_steps);
            }
            let x = self.state(at.0, at.1).expect("checked above");
            self.augment(x, Arc::Arrive(g.destination), n);
            let aggregate = self.aggregate(g.destination);
            self.augment(aggregate, Arc::Drain(g.destination), n);
            carried += u64::from(n);
        }
        carried
    }

    /// One Dinic phase. Returns the flow added (0: the flow is maximum for this horizon).
    fn phase(&mut self) -> u64 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        let g = self.generation;
        let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
        for j in 0..self.src_nodes.len() {
            let s = self.source_aggregate(j as u32);
            if self.supply_left[j] > 0 && self.stamp[s] != g {
                self.stamp[s] = g;
                self.level[s] = 0;
                self.cursor[s] = 0;
                queue.push_back(s);
            }
        }
        let mut sink_level = NONE;
        let mut heads: Vec<Option<usize>> = Vec::new();
        while let Some(x) = queue.pop_front() {
            let lx = self.level[x];
            if sink_level != NONE && lx + 1 >= sink_level {
                continue;
            }
            heads.clear();
            self.for_each_open_head(x, |h| heads.push(h));
            for &head in &heads {
                match head {
                    None => sink_level = sink_level.min(lx + 1),
                    Some(h) => {
                        if self.stamp[h] != g {
                            self.stamp[h] = g;
                            self.level[h] = lx + 1;
                            self.cursor[h] = 0;
                            queue.push_back(h);
                        }
                    }
                }
            }
        }
        if sink_level == NONE {
            return 0;
        }
        let mut added = 0u64;
        let mut path: Vec<(usize, Arc, u64)> = Vec::new();
        for j in 0..self.src_nodes.len() {
            let s = self.source_aggregate(j as u32);
            if self.stamp[s] != g || self.level[s] == NONE {
                continue;
            }
            // Iterative DFS along admissible arcs (level + 1) with current-arc pointers;
            // after an augmentation it resumes from the first saturated arc.
            path.clear();
            let mut x = s;
            while self.supply_left[j] > 0 {
                let (cursor, next) = self.next_admissible(x, self.cursor[x], sink_level, g);
                self.cursor[x] = cursor;
                let Some((arc, head, room)) = next else {
                    // Dead end: retire the state and step back.
                    self.level[x] = NONE;
                    match path.pop() {
                        Some((prev, _, _)) => {
                            self.cursor[prev] += 1;
                            x = prev;
                            continue;
                        }
                        None => break,
                    }
                };
                path.push((x, arc, room));
                if let Some(h) = head {
                    x = h;
                    continue;
                }
                let amount = path
                    .iter()
                    .map(|&(_, _, r)| r)
                    .min()
                    .unwrap_or(0)
                    .min(self.supply_left[j])
                    .min(u64::from(u32::MAX));
                for &(y, arc, _) in &path {
                    self.augment(y, arc, amount as u32);
                }
                self.supply_left[j] -= amount;
                added += amount;
                for entry in path.iter_mut() {
                    entry.2 = entry.2.saturating_sub(amount);
                }
                match path.iter().position(|&(_, _, r)| r == 0) {
                    Some(k) => {
                        x = path[k].0;
                        path.truncate(k);
                    }
                    None => break, // the source ran out
                }
            }
        }
        added
    }
}

/// Compute the optimum, starting the horizon at `lower` (a valid lower bound) and never
/// exceeding `upper` (the clearance of a feasible plan). Gives up when the time-expanded
/// network would have more than `max_states` states.
pub fn solve(p: &Problem, lower: u32, upper: u32, max_states: usize) -> Result<Exact, ExactError> {
    solve_until(p, lower, upper, max_states, None)
}

/// [`solve`] with a deadline.
pub fn solve_until(
    p: &Problem,
    lower: u32,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<Exact, ExactError> {
    solve_inner(p, lower, upper, max_states, deadline, None)
}

/// [`solve_until`], starting from the part of a feasible plan (the heuristic's) that
/// arrives by the first horizon tried. Dinic then only adds what that plan lacks, and
/// proves the flow maximum, instead of building the whole flow one phase at a time.
/// The answer is the same; only the time differs.
pub fn solve_warm(
    p: &Problem,
    lower: u32,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
    warm: &Plan,
) -> Result<Exact, ExactError> {
    solve_inner(p, lower, upper, max_states, deadline, Some(warm))
}

fn solve_inner(
    p: &Problem,
    lower: u32,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
    warm: Option<&Plan>,
) -> Result<Exact, ExactError> {
    let mut te = build(p, upper, max_states)?;
    let (n, states) = (p.node_count, te.state_node.len());
    te.set_horizon(lower.min(upper));
    let total = p.total_vehicles();
    // Most vehicles that can arrive at destinations in one step.
    let mut seen = vec![false; n];
    let mut arrival_rate = 0u64;
    for d in &p.destinations {
        if !seen[d.node as usize] {
            seen[d.node as usize] = true;
            arrival_rate += p.inn(d.node).iter().map(|&e| u64::from(p.edges[e as usize].max_capacity())).sum::<u64>();
        }
    }
    let mut carried = warm.map_or(0, |plan| te.load(plan));
    let mut phases = 0u32;
    loop {
        loop {
            let added = te.phase();
            phases += 1;
            carried += added;
            if added == 0 || carried == total {
                break;
            }
            if deadline.is_some_and(|d| std::time::Instant::now() > d) {
                // Every horizon below this one is proven infeasible: it is a lower bound.
                return Err(ExactError::OutOfTime { lower_bound: te.horizon });
            }
        }
        if carried == total {
            break;
        }
        if te.horizon >= te.horizon_max {
            return Err(ExactError::Infeasible);
        }
        if deadline.is_some_and(|d| std::time::Instant::now() > d) {
            // Every horizon up to this one is infeasible: the next one is a lower bound.
            return Err(ExactError::OutOfTime { lower_bound: te.horizon + 1 });
        }
        // No horizon below T + ceil(deficit / r) can carry everyone, r being the most
        // vehicles that can reach destinations in one step: a flow for T + k delivers by T
        // at most what the maximum flow for T delivers, and at most r per later step.
        let jump = (total - carried).div_ceil(arrival_rate.max(1)).max(1);
        te.set_horizon((te.horizon + jump.min(u64::from(u32::MAX)) as u32).min(te.horizon_max));
    }
    let plan = decompose(&mut te);
    Ok(Exact { optimum_steps: te.horizon, plan, states, phases })
}

/// The time-expanded network for horizons up to `upper`, with no flow yet.
fn build(p: &Problem, upper: u32, max_states: usize) -> Result<Te<'_>, ExactError> {
    let source_nodes: Vec<u32> = p.sources.iter().filter(|s| s.vehicles > 0).map(|s| s.node).collect();
    let early = p.multi_source_steps(&source_nodes, true);
    let to_dest = p.steps_to_destinations();
    let n = p.node_count;
    let mut vbase = vec![0usize; n + 1];
    for v in 0..n {
        let len = if early[v] == NONE || to_dest[v] == NONE || early[v].saturating_add(to_dest[v]) > upper {
            0
        } else {
            (upper - to_dest[v] - early[v] + 1) as usize
        };
        vbase[v + 1] = vbase[v] + len;
        if vbase[v + 1] > max_states {
            return Err(ExactError::TooLarge { states: vbase[v + 1], limit: max_states });
        }
    }
    let states = vbase[n];
    let mut state_node = vec![0u32; states];
    for v in 0..n {
        state_node[vbase[v]..vbase[v + 1]].fill(v as u32);
    }
    let mut ebase = vec![0usize; p.edges.len() + 1];
    let mut elen = vec![0u32; p.edges.len()];
    for (i, e) in p.edges.iter().enumerate() {
        let (u, w) = (e.from as usize, e.to as usize);
        let len = if vbase[u + 1] == vbase[u] || vbase[w + 1] == vbase[w] {
            0
        } else {
            let hi = (upper - to_dest[u]).min((upper - to_dest[w]).saturating_sub(e.travel_steps));
            if hi < early[u] { 0 } else { hi - early[u] + 1 }
        };
        elen[i] = len;
        ebase[i + 1] = ebase[i] + len as usize;
    }
    let mut dest_at = vec![Vec::new(); n];
    for (i, d) in p.destinations.iter().enumerate() {
        dest_at[d.node as usize].push(i as u32);
    }
    let mut src_nodes: Vec<u32> = source_nodes.clone();
    src_nodes.sort_unstable();
    src_nodes.dedup();
    let mut src_pos = vec![NONE; n];
    for (j, &v) in src_nodes.iter().enumerate() {
        src_pos[v as usize] = j as u32;
    }
    let mut supply = vec![0u64; src_nodes.len()];
    for s in p.sources.iter().filter(|s| s.vehicles > 0) {
        supply[src_pos[s.node as usize] as usize] += u64::from(s.vehicles);
    }
    let extra = p.destinations.len() + src_nodes.len();
    let early_for_edges = early.clone();
    let te = Te {
        p,
        horizon_max: upper,
        horizon: 0,
        early,
        to_dest,
        vbase,
        state_node,
        ebase: ebase.clone(),
        elen,
        edge_early: p.edges.iter().map(|e| early_for_edges[e.from as usize]).collect(),
        limit: vec![-1; n],
        flow: vec![0; ebase[p.edges.len()]],
        hold: vec![0; states],
        launch: vec![Vec::new(); src_nodes.len()],
        src_nodes,
        src_pos,
        supply_left: supply,
        delivered: vec![0; p.destinations.len()],
        sink_by_step: vec![Vec::new(); p.destinations.len()],
        dest_at,
        level: vec![NONE; states + extra],
        cursor: vec![0; states + extra],
        stamp: vec![0; states + extra],
        generation: 0,
    };
    Ok(te)
}

/// The maximum dynamic flow by horizon: entry t is at least the most vehicles that can be
/// at a destination by step t (0..=upper). It is computed exactly at every `stride`-th
/// horizon (the flow of one horizon is kept and augmented to a maximum flow for the next)
/// and each step in between takes the value of the next computed horizon (the flow only
/// grows with the horizon); `stride` 1 gives the exact profile. Stops when every vehicle
/// is carried; at the deadline, returns what it has and `false`.
///
/// With more than one thread the horizons are dealt out to interleaved chains (one
/// time-expanded network each, every chain incremental over its own horizons): the same
/// values, in about half the time on two cores (the river case of issue 14: 44 s alone).
pub fn arrival_profile(
    p: &Problem,
    upper: u32,
    stride: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<(Vec<u64>, bool), ExactError> {
    arrival_profile_and_flow(p, upper, stride, max_states, deadline).map(|(profile, complete, _)| (profile, complete))
}

/// [`arrival_profile`], and the flow of a chain that carried everyone, as a plan: an
/// earliest-arrival flow at that chain's horizons (see [`earliest_arrival`]), so its total
/// of arrival steps is within the profile's stride of the least possible.
pub fn arrival_profile_and_flow(
    p: &Problem,
    upper: u32,
    stride: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<(Vec<u64>, bool, Option<Plan>), ExactError> {
    let stride = stride.max(1);
    let horizons: Vec<u32> = (0..=upper).filter(|h| (h + 1) % stride == 0 || *h == upper).collect();
    let chains = if horizons.len() >= 8 { rayon::current_num_threads().clamp(1, 2) } else { 1 };
    let (first, second): (Vec<u32>, Vec<u32>) = if chains == 2 {
        (horizons.iter().copied().step_by(2).collect(), horizons.iter().copied().skip(1).step_by(2).collect())
    } else {
        (horizons.clone(), Vec::new())
    };
    let (a, b) = rayon::join(
        || profile_chain(p, upper, &first, max_states, deadline),
        || {
            if second.is_empty() {
                Ok((Vec::new(), None))
            } else {
                profile_chain(p, upper, &second, max_states, deadline)
            }
        },
    );
    let ((a, flow_a), (b, flow_b)) = (a?, b?);
    // The chain that carried everyone at the earlier horizon (its flow is complete).
    let flow = match (flow_a, flow_b) {
        (Some((ha, pa)), Some((hb, pb))) => Some(if hb < ha { pb } else { pa }),
        (a, b) => a.or(b).map(|(_, plan)| plan),
    };
    let mut computed: Vec<(u32, u64)> = a.into_iter().chain(b).collect();
    computed.sort_unstable();
    let total = p.total_vehicles();
    // Each step takes the value of the next computed horizon; the profile ends at the first
    // horizon where everyone is carried or, when a chain stopped at the deadline, at the
    // last horizon before the first one missing.
    let mut profile = Vec::new();
    let mut expected = horizons.iter();
    for &(horizon, carried) in &computed {
        if expected.next() != Some(&horizon) {
            return Ok((profile, false, flow));
        }
        profile.resize(horizon as usize + 1, carried);
        if carried == total {
            return Ok((profile, true, flow));
        }
    }
    let complete = computed.len() == horizons.len() && computed.last().is_some_and(|&(_, c)| c == total);
    Ok((profile, complete, flow))
}

/// The maximum flows of one chain of horizons (ascending), each computed from the last:
/// `(horizon, vehicles carried)`, until everyone is carried or the deadline passes; and
/// when everyone is carried, that horizon and the flow as a plan.
type Chain = (Vec<(u32, u64)>, Option<(u32, Plan)>);
fn profile_chain(
    p: &Problem,
    upper: u32,
    horizons: &[u32],
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<Chain, ExactError> {
    let mut te = build(p, upper, max_states)?;
    let total = p.total_vehicles();
    let mut carried = 0u64;
    let mut out = Vec::new();
    for &horizon in horizons {
        carried = te.maximise_at(horizon, carried, total);
        out.push((horizon, carried));
        if carried == total {
            return Ok((out, Some((horizon, decompose(&mut te)))));
        }
        if deadline.is_some_and(|d| std::time::Instant::now() > d) {
            break;
        }
    }
    Ok((out, None))
}

/// An earliest-arrival flow of `p` as a plan, and its arrival profile: the maximum flow of
/// every horizon 0, 1, 2, … in turn, each augmenting the last, until everyone is carried (by
/// `upper` at the latest). Every destination of `p` must be without a room limit (the exit
/// problem's sinks are). Then a destination's aggregate node is one level before the
/// super-sink in every phase, so Dinic's shortest augmenting paths go from it straight to
/// the super-sink and never back along its arrival arcs: the vehicles that arrived by step
/// t under horizon t still do under every later horizon. So the final flow has the most
/// vehicles possible arrived by every step at once, and the least total of arrival steps of
/// any plan (for the exit problem: the least exposure). (With a room limit an augmenting
/// path may move an earlier arrival elsewhere, and the flow is only a maximum flow; every
/// k-th horizon only: [`arrival_profile_and_flow`].) `profile[t]` is the most vehicles any
/// plan can have arrived by step t. `None` at the deadline.
pub fn earliest_arrival(
    p: &Problem,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<Option<(Plan, Vec<u64>)>, ExactError> {
    debug_assert!(p.destinations.iter().all(|d| d.capacity_vehicles.is_none()), "sinks without room limits");
    let mut te = build(p, upper, max_states)?;
    let total = p.total_vehicles();
    let mut carried = 0u64;
    let mut profile = Vec::new();
    for horizon in 0..=upper {
        carried = te.maximise_at(horizon, carried, total);
        profile.push(carried);
        if carried == total {
            return Ok(Some((decompose(&mut te), profile)));
        }
        if deadline.is_some_and(|d| std::time::Instant::now() > d) {
            return Ok(None);
        }
    }
    Err(ExactError::Infeasible)
}

/// Split the flow into groups, following each source's flow forward in time. At every
/// state the walk prefers an edge its settlement already uses, then the edge carrying the
/// most flow: convoys stay on few routes.
fn decompose(te: &mut Te<'_>) -> Plan {
    let p = te.p;
    let mut groups = Vec::new();
    let mut left: Vec<u32> = p.sources.iter().map(|s| s.vehicles).collect();
    let mut used_by_settlement: std::collections::HashMap<&str, std::collections::HashSet<u32>> = Default::default();
    for (si, source) in p.sources.iter().enumerate() {
        let node = source.node;
        let settlement = source.settlement.as_str();
        let j = te.src_pos[node as usize] as usize;
        while left[si] > 0 {
            // Set off at the first step some of this node's vehicles set off.
            let start = te.launch[j].iter().position(|&l| l > 0).expect("every vehicle sets off") as u32;
            let (mut v, mut t) = (node, start);
            let mut legs: Vec<Leg> = Vec::new();
            let mut amount = left[si].min(te.launch[j][start as usize]);
            // Edges shorter than a step take zero steps, so flow may circle within one step
            // (a circulation: it carries nobody anywhere). The walk remembers where it was in
            // the current step; coming back there, it cancels the circle and goes on.
            let mut this_step: Vec<(u32, usize, u32)> = vec![(v, 0, amount)];
            let dest = loop {
                // Arrive here?
                if let Some(&d) = te.dest_at[v as usize].iter().find(|&&d| te.sink_flow(d, t) > 0) {
                    amount = amount.min(te.sink_flow(d, t));
                    break (d, t);
                }
                let moves: Vec<u32> =
                    p.out(v).iter().copied().filter(|&e| te.flow_index(e, t).is_some_and(|i| te.flow[i] > 0)).collect();
                let used = used_by_settlement.get(settlement);
                let flow_of = |e: u32| te.flow_index(e, t).map_or(0, |i| te.flow[i]);
                let pick = moves
                    .iter()
                    .copied()
                    .max_by_key(|&e| (used.is_some_and(|u| u.contains(&e)), flow_of(e), std::cmp::Reverse(e)));
                match pick {
                    Some(e) => {
                        let i = te.flow_index(e, t).expect("positive flow");
                        let w = p.edges[e as usize].to;
                        let travel = p.edges[e as usize].travel_steps;
                        if travel == 0
                            && let Some(k) = this_step.iter().position(|&(x, _, _)| x == w)
                        {
                            let (_, first_leg, before) = this_step[k];
                            let circle: Vec<u32> =
                                legs[first_leg..].iter().map(|l| l.edge.0).chain(std::iter::once(e)).collect();
                            let least = circle
                                .iter()
                                .map(|&c| te.flow[te.flow_index(c, t).expect("positive flow")])
                                .min()
                                .unwrap_or(0);
                            for &c in &circle {
                                let ci = te.flow_index(c, t).expect("positive flow");
                                te.flow[ci] -= least;
                            }
                            legs.truncate(first_leg);
                            this_step.truncate(k + 1);
                            amount = before;
                            v = w;
                            continue;
                        }
                        amount = amount.min(te.flow[i]);
                        legs.push(Leg { edge: EdgeIx(e), enter_step: t });
                        t += travel;
                        v = w;
                        if travel > 0 {
                            this_step.clear();
                        }
                        this_step.push((v, legs.len(), amount));
                    }
                    None => {
                        let s = te.state(v, t).expect("flow stays on states");
                        debug_assert!(te.hold[s] > 0, "flow is conserved");
                        amount = amount.min(te.hold[s]);
                        t += 1;
                        this_step.clear();
                        this_step.push((v, legs.len(), amount));
                    }
                }
            };
            // Subtract the group's flow.
            te.launch[j][start as usize] -= amount;
            let (mut v, mut t) = (node, start);
            for l in &legs {
                while t < l.enter_step {
                    let s = te.state(v, t).expect("state");
                    te.hold[s] -= amount;
                    t += 1;
                }
                let i = te.flow_index(l.edge.0, t).expect("flow");
                te.flow[i] -= amount;
                t += p.edge(l.edge).travel_steps;
                v = p.edge(l.edge).to;
            }
            // The flow may wait at the destination before it is counted there; the group is
            // safe as soon as it arrives, so the plan keeps the earlier arrival.
            let (dest, sink_step) = dest;
            while t < sink_step {
                let s = te.state(v, t).expect("state");
                te.hold[s] -= amount;
                t += 1;
            }
            let e0 = te.early[v as usize];
            te.sink_by_step[dest as usize][(t - e0) as usize] -= amount;
            left[si] -= amount;
            used_by_settlement.entry(settlement).or_default().extend(legs.iter().map(|l| l.edge.0));
            groups.push(Group { source: si as u32, destination: dest, vehicles: amount, legs });
        }
    }
    let mut plan = Plan { groups };
    plan.tidy(p);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Destination, PlanEdge, Source};

    /// 0 → 1 → 2 (destination), two vehicles a step on the first road, `vehicles` at 0.
    fn corridor(vehicles: u32) -> Problem {
        let edges = vec![PlanEdge::road(0, 1, 1, 2.0), PlanEdge::road(1, 2, 1, 5.0)];
        let source = Source::first_origin("a", 0, vehicles);
        let destination = Destination { id: "d".into(), name: "d".into(), node: 2, capacity_vehicles: None };
        Problem::from_edges(60.0, 3, edges, vec![source], vec![destination], vec![true, true, false])
    }

    /// The breadth-first search's one-pass walk over a state's arcs finds exactly the
    /// arcs with room that `arc_of` lists one by one, in the same order, on every state of
    /// a network with flow on it (saturated roads, reverse arcs, a full destination), at
    /// every horizon; and the depth-first search's `next_admissible` stops at the first of
    /// them that leads one level on.
    #[test]
    fn a_states_arcs_read_at_once_are_the_arcs_read_one_by_one() {
        // Two sources (0: 12 vehicles, 1: 9) merging at 2, on to the destinations 3 (room
        // for 10) and 4 over roads of one to two vehicles a step, and a slow road 0 → 4.
        let edges = vec![
            PlanEdge::road(0, 2, 1, 2.0),
            PlanEdge::road(1, 2, 1, 1.0),
            PlanEdge::road(2, 3, 1, 1.5),
            PlanEdge::road(2, 4, 2, 1.0),
            PlanEdge::road(0, 4, 4, 1.0),
            PlanEdge::road(1, 0, 0, 1.0),
        ];
        let sources = vec![Source::first_origin("a", 0, 12), Source::first_origin("b", 1, 9)];
        let destinations = vec![
            Destination { id: "c".into(), name: "c".into(), node: 3, capacity_vehicles: Some(10) },
            Destination { id: "d".into(), name: "d".into(), node: 4, capacity_vehicles: None },
        ];
        let p = Problem::from_edges(60.0, 5, edges, sources, destinations, vec![true, true, true, false, false]);
        let mut te = build(&p, 30, 1_000_000).unwrap();
        let mut carried = 0;
        for horizon in [2, 4, 7, 12, 30] {
            carried = te.maximise_at(horizon, carried, 21);
            let states = te.state_node.len() + p.destinations.len() + te.src_nodes.len();
            for x in 0..states {
                let mut at_once = Vec::new();
                te.for_each_open_head(x, |h| at_once.push(h));
                let mut one_by_one = Vec::new();
                let mut k = 0;
                while let Some((_, head, room)) = te.arc_of(x, k) {
                    if room > 0 {
                        one_by_one.push((k, head));
                    }
                    k += 1;
                }
                assert_eq!(
                    at_once,
                    one_by_one.iter().map(|&(_, h)| h).collect::<Vec<_>>(),
                    "state {x}, horizon {horizon}"
                );
                // With every state on level 0 and the sink on level 1, `next_admissible`
                // stops at each arc to the sink in turn, and only there.
                te.level.fill(0);
                te.stamp.fill(7);
                let mut k = 0;
                while let (at, Some((_, head, _))) = te.next_admissible(x, k, 1, 7) {
                    assert_eq!(head, None, "only the sink is one level on");
                    assert!(one_by_one.contains(&(at, None)), "state {x}: arc {at}");
                    k = at + 1;
                }
                // Unvisited again for the next phases (they count generations from 1).
                te.stamp.fill(0);
            }
        }
        assert_eq!(carried, 21);
    }

    /// The profile made by interleaved chains (two on two cores) is the one made by a
    /// single chain over every horizon, and the known one: two more vehicles a step once
    /// the first can arrive (step 2), until all 30 are in.
    #[test]
    fn the_profile_is_the_same_whichever_chain_computes_a_horizon() {
        let p = corridor(30);
        let (profile, complete) = arrival_profile(&p, 20, 1, 1_000_000, None).unwrap();
        assert!(complete);
        let expected: Vec<u64> = (0..=16).map(|t: u64| (2 * t.saturating_sub(1)).min(30)).collect();
        assert_eq!(profile, expected);
        let (single, flow) = profile_chain(&p, 20, &(0..=20).collect::<Vec<_>>(), 1_000_000, None).unwrap();
        let single: Vec<u64> = single.into_iter().map(|(_, c)| c).collect();
        assert_eq!(profile, single);
        // The chain's final flow is an earliest-arrival flow: as many vehicles arrived by
        // every step as the maximum flow of that step's horizon.
        let (horizon, plan) = flow.expect("everyone carried");
        assert_eq!(horizon, 16);
        assert!(crate::verify::verify(&p, &plan).is_empty());
        for (t, &most) in profile.iter().enumerate() {
            let arrived: u64 =
                plan.groups.iter().filter(|g| g.arrival_step(&p) as usize <= t).map(|g| u64::from(g.vehicles)).sum();
            assert_eq!(arrived, most, "step {t}");
        }
        let (plan, every) = earliest_arrival(&p, 20, 1_000_000, None).unwrap().expect("no deadline");
        assert_eq!(every, profile);
        assert_eq!(plan.groups.iter().map(|g| g.arrival_step(&p) * g.vehicles).sum::<u32>(), {
            (0..profile.len()).map(|t| 30 - profile[t] as u32).sum::<u32>()
        });
        // Every other horizon: the steps between take the next computed value.
        let (coarse, _) = arrival_profile(&p, 20, 2, 1_000_000, None).unwrap();
        assert!(coarse.iter().zip(&profile).all(|(c, f)| c >= f), "{coarse:?}");
    }
}
