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
    /// The network's edge id (meaningless for a junction gate).
    pub id: EdgeId,
    /// `Some(node)`: not a road but the gate of a junction (the network node), which every
    /// vehicle leaving the junction passes; its capacity is the junction's.
    #[serde(default)]
    pub junction: Option<u32>,
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

#[cfg(test)]
impl PlanEdge {
    /// A road for unit tests: its id made from its ends, free flow exactly its steps.
    pub(crate) fn road(from: u32, to: u32, travel_steps: u32, capacity_per_step: f64) -> PlanEdge {
        PlanEdge {
            id: EdgeId(from * 100 + to),
            junction: None,
            free_flow_s: travel_steps as f32 * 60.0,
            from,
            to,
            travel_steps,
            capacity_per_step,
        }
    }
}

impl PlanEdge {
    /// Vehicles that may enter the edge in step `t`: `floor((t + 1) r) - floor(t r)` for the
    /// rate `r` = `capacity_per_step`. Over any run of steps the total is the rate times the
    /// run, within one vehicle — no rounding of the rate per step (a 600 veh/h road at a
    /// 10-s step lets 1, 2, 2, 1, 2, 2, … vehicles in, not 1 each step).
    ///
    /// The rate is taken in thousandths of a vehicle and the steps are counted in integers,
    /// so that any program reading plan.json finds the same capacities (floating-point
    /// products would differ in the last bit between two computations of the same rate).
    pub fn capacity_at(&self, t: u32) -> u32 {
        let milli = round_to_u64(self.capacity_per_step * 1000.0);
        let t = u64::from(t);
        ((t + 1) * milli / 1000 - t * milli / 1000) as u32
    }

    /// The most vehicles any single step admits.
    pub fn max_capacity(&self) -> u32 {
        self.capacity_per_step.ceil() as u32
    }
}

/// `x.round() as u64`, without the call into libm that `f64::round` compiles to where the
/// target has no rounding instruction (it was 5% of a plan's time, in `capacity_at`):
/// `x - trunc(x)` is exact for every finite `x`, and halves round away from zero as
/// `round` does; NaN, negative and too large values saturate as the cast does.
#[inline]
fn round_to_u64(x: f64) -> u64 {
    let whole = x as u64;
    if x - whole as f64 >= 0.5 { whole.saturating_add(1) } else { whole }
}

/// Add a gate for every junction (a node where three or more roads meet): its out-edges
/// now start at a new exit node, reached from the junction over the gate. Returns the
/// junction of each exit node, in order. `road_vph`: a road's capacity as the planner uses
/// it (calibrated), so that a priority junction's gate passes what its widest road does.
fn junction_gates(
    n: usize,
    open: &[(EdgeId, &evac_network::EdgeRec)],
    edges: &mut Vec<PlanEdge>,
    model: JunctionModel,
    road_vph: impl Fn(&evac_network::EdgeRec) -> f64,
    rate: impl Fn(f64) -> f64,
) -> Vec<u32> {
    let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut widest_in = vec![0f64; n];
    let mut major = vec![false; n];
    for (_, e) in open {
        neighbours[e.from as usize].push(e.to);
        neighbours[e.to as usize].push(e.from);
        widest_in[e.to as usize] = widest_in[e.to as usize].max(road_vph(e));
        let is_major = !is_minor(e.class);
        major[e.from as usize] |= is_major;
        major[e.to as usize] |= is_major;
    }
    let mut exit = vec![u32::MAX; n];
    let mut exit_of = Vec::new();
    for v in 0..n {
        let list = &mut neighbours[v];
        list.sort_unstable();
        list.dedup();
        if list.len() < 3 {
            continue;
        }
        exit[v] = (n + exit_of.len()) as u32;
        exit_of.push(v as u32);
        let vph = if major[v] { widest_in[v] } else { model.minor_vph };
        edges.push(PlanEdge {
            id: EdgeId(u32::MAX),
            junction: Some(v as u32),
            free_flow_s: if major[v] { 0.0 } else { model.minor_delay_s as f32 },
            from: v as u32,
            to: exit[v],
            travel_steps: 0,
            capacity_per_step: rate(vph),
        });
    }
    for e in edges.iter_mut().filter(|e| e.junction.is_none()) {
        if exit[e.from as usize] != u32::MAX {
            e.from = exit[e.from as usize];
        }
    }
    // Minor roads yield where they meet a major one: they get the gaps in its stream. At a
    // junction with traffic signals every approach gets the green share of the cycle
    // instead, crossing traffic or not (fixed-time programs, as SUMO's default ones).
    for (i, (_, e)) in open.iter().enumerate() {
        if e.flags & evac_network::flags::SIGNALS != 0 && exit[e.to as usize] != u32::MAX {
            edges[i].capacity_per_step *= model.signal_share;
        } else if exit[e.to as usize] != u32::MAX && major[e.to as usize] && is_minor(e.class) {
            edges[i].capacity_per_step *= model.priority_factor;
        }
    }
    exit_of
}

/// Keep the network's banned turns out of every route. At a junction with bans, each
/// approach whose set of banned turns is not empty ends at a node of its own instead of the
/// junction, and each road out of the junction starts at a node of its own; zero-time
/// *movement* edges (marked as the junction's, like its gate) join each approach to the
/// roads it may turn onto: the unrestricted approaches through the junction's gate as
/// before, each restricted group of approaches through a copy of the gate. The copy has the
/// junction's whole capacity: the junction's capacity is shared by the unrestricted
/// approaches only (a modelling simplification at the few junctions with bans). Movement
/// edges can carry everything the junction's roads bring and never bind. New nodes are
/// appended to `exit_of` with their junction. A junction that is a destination keeps its
/// bans out: vehicles arriving there are safe and turn nowhere.
fn apply_turn_bans(
    network: &Network,
    open: &[(EdgeId, &evac_network::EdgeRec)],
    edges: &mut Vec<PlanEdge>,
    n: usize,
    destination_nodes: &[u32],
    exit_of: &mut Vec<u32>,
) {
    let bans = network.turn_bans();
    if bans.is_empty() {
        return;
    }
    // Roads are `edges[..open.len()]`, in `open`'s order.
    let position: std::collections::HashMap<u32, usize> =
        open.iter().enumerate().map(|(i, (id, _))| (id.0, i)).collect();
    // Per junction, its banned (approach, road out) pairs among the open roads.
    let mut at: std::collections::BTreeMap<u32, Vec<(usize, usize)>> = std::collections::BTreeMap::new();
    for &[a, b] in bans {
        if let (Some(&a), Some(&b)) = (position.get(&a), position.get(&b))
            && !destination_nodes.contains(&edges[a].to)
        {
            at.entry(edges[a].to).or_default().push((a, b));
        }
    }
    if at.is_empty() {
        return;
    }
    // The approaches, roads out and gate of each junction with bans, in one pass.
    let mut ins: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    let mut outs: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    let mut gate: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (i, e) in edges.iter().enumerate() {
        match e.junction {
            Some(v) if at.contains_key(&v) => {
                gate.insert(v, i);
            }
            Some(_) => {}
            None => {
                if at.contains_key(&e.to) {
                    ins.entry(e.to).or_default().push(i);
                }
                // A road out of a junction with a gate starts at the gate's exit node.
                let junction = if (e.from as usize) < n { e.from } else { exit_of[e.from as usize - n] };
                if at.contains_key(&junction) {
                    outs.entry(junction).or_default().push(i);
                }
            }
        }
    }
    let new_node = |exit_of: &mut Vec<u32>, v: u32| {
        exit_of.push(v);
        (n + exit_of.len() - 1) as u32
    };
    for (v, banned) in at {
        let ins = ins.remove(&v).unwrap_or_default();
        let outs = outs.remove(&v).unwrap_or_default();
        let gate = gate.get(&v).map(|&g| edges[g]);
        let plenty: f64 = ins.iter().chain(&outs).map(|&e| edges[e].capacity_per_step).sum();
        let movement = |from: u32, to: u32| PlanEdge {
            id: EdgeId(u32::MAX),
            junction: Some(v),
            free_flow_s: 0.0,
            from,
            to,
            travel_steps: 0,
            capacity_per_step: plenty,
        };
        // Where the unrestricted approaches can turn from: the gate's exit, or the junction.
        let hub = gate.map_or(v, |g| g.to);
        let mut start_of = std::collections::HashMap::new();
        for &b in &outs {
            let s = new_node(exit_of, v);
            edges[b].from = s;
            start_of.insert(b, s);
            edges.push(movement(hub, s));
        }
        // Approaches grouped by the set of turns banned to them.
        let mut groups: std::collections::BTreeMap<Vec<usize>, Vec<usize>> = std::collections::BTreeMap::new();
        for &a in &ins {
            let mut set: Vec<usize> = banned.iter().filter(|&&(x, _)| x == a).map(|&(_, b)| b).collect();
            set.sort_unstable();
            set.dedup();
            if !set.is_empty() {
                groups.entry(set).or_default().push(a);
            }
        }
        for (set, approaches) in groups {
            let entry = new_node(exit_of, v);
            for &a in &approaches {
                edges[a].to = entry;
            }
            let from = match gate {
                Some(g) => {
                    let exit = new_node(exit_of, v);
                    edges.push(PlanEdge { from: entry, to: exit, ..g });
                    exit
                }
                None => entry,
            };
            for &b in outs.iter().filter(|b| !set.contains(b)) {
                edges.push(movement(from, start_of[&b]));
            }
        }
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
    /// What a vehicle-step of exposure of these vehicles counts for (the weight of the
    /// exposure ring their settlement lies in; 1 without rings). See
    /// [`crate::Plan::exposure_vehicle_steps`].
    #[serde(default = "unit_weight")]
    pub exposure_weight: f64,
}

impl Source {
    /// The first origin (`"<settlement>#1"`) of a settlement named by its id, weight 1:
    /// synthetic cases and tests.
    pub fn first_origin(settlement: &str, node: u32, vehicles: u32) -> Source {
        Source {
            id: format!("{settlement}#1"),
            settlement: settlement.into(),
            name: settlement.into(),
            node,
            vehicles,
            exposure_weight: 1.0,
        }
    }
}

fn unit_weight() -> f64 {
    1.0
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
    /// Nodes of the network (`0..network_nodes`); a junction's exit side (see
    /// [`JunctionModel`]) is an extra node after them.
    pub(crate) network_nodes: usize,
    /// The network node of each extra node, in order.
    pub(crate) exit_of: Vec<u32>,
    /// Per settlement, the network nodes of its area (sorted): where its vehicles start
    /// and gather. A route of the settlement starts where a group leaves its area for the
    /// last time (see [`Problem::route_key`]). By default a settlement's origins.
    pub(crate) areas: std::collections::HashMap<String, Vec<u32>>,
}

/// What `evac calibrate` fits so that planned and simulated times agree: a factor on free-flow
/// times, factors on road capacities by class (primary: motorway, trunk, primary and their
/// links; secondary and tertiary with their links; minor: the rest), and the junction model.
/// Written as a TOML profile that `evac plan` reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    pub speed_factor: f64,
    pub primary_capacity_factor: f64,
    pub secondary_capacity_factor: f64,
    pub tertiary_capacity_factor: f64,
    pub minor_capacity_factor: f64,
    pub junctions: JunctionModel,
}

impl Default for Calibration {
    fn default() -> Self {
        // Fitted against SUMO 1.15 (micro, seed 42) on the Rhine scenario by `evac calibrate
        // scenarios/rhine --evaluations 10` (9.6% mean difference on the plan's and the
        // baseline's last and 90% arrivals, from 25.6%); see docs/simulation.md.
        Calibration {
            speed_factor: 1.1,
            primary_capacity_factor: 0.765,
            secondary_capacity_factor: 1.15,
            tertiary_capacity_factor: 0.935,
            minor_capacity_factor: 1.495,
            junctions: JunctionModel::default(),
        }
    }
}

impl Calibration {
    /// Read a profile written by `evac calibrate` (TOML; every key required).
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self, crate::PlanError> {
        let bad = |message: String| crate::PlanError::Calibration { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let c: Calibration = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        c.validate().map_err(bad)?;
        Ok(c)
    }

    /// The profile as TOML, with a comment saying what it is.
    pub fn to_toml(&self, comment: &str) -> String {
        let body = toml::to_string(self).expect("calibrations serialise");
        let mut out = String::new();
        for line in comment.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&body);
        out
    }

    /// Every factor in a range where the model still means something.
    pub fn validate(&self) -> Result<(), String> {
        let check = |name: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must be in {lo}..={hi}, found {v}"))
            }
        };
        check("speed_factor", self.speed_factor, 0.25, 4.0)?;
        check("primary_capacity_factor", self.primary_capacity_factor, 0.1, 4.0)?;
        check("secondary_capacity_factor", self.secondary_capacity_factor, 0.1, 4.0)?;
        check("tertiary_capacity_factor", self.tertiary_capacity_factor, 0.1, 4.0)?;
        check("minor_capacity_factor", self.minor_capacity_factor, 0.1, 4.0)?;
        check("junctions.priority_factor", self.junctions.priority_factor, 0.1, 4.0)?;
        check("junctions.minor_vph", self.junctions.minor_vph, 60.0, 10_000.0)?;
        check("junctions.minor_delay_s", self.junctions.minor_delay_s, 0.0, 120.0)?;
        check("junctions.signal_share", self.junctions.signal_share, 0.05, 1.0)
    }

    /// The scenario's profile (`[files] calibration`), or the shipped default.
    pub fn for_scenario(scenario: &evac_scenario::Scenario) -> Result<Self, crate::PlanError> {
        match scenario.optional_file("calibration") {
            Some(path) => Self::from_toml_file(&path),
            None => Ok(Self::default()),
        }
    }
}

impl Calibration {
    /// The capacity factor of a road class.
    pub fn capacity_factor(&self, class: u8) -> f64 {
        use evac_network::RoadClass::*;
        match evac_network::RoadClass::from_u8(class) {
            Some(Motorway | Trunk | Primary | MotorwayLink | TrunkLink | PrimaryLink) => self.primary_capacity_factor,
            Some(Secondary | SecondaryLink) => self.secondary_capacity_factor,
            Some(Tertiary | TertiaryLink) => self.tertiary_capacity_factor,
            Some(Ferry) => 1.0,
            _ => self.minor_capacity_factor,
        }
    }
}

fn is_minor(class: u8) -> bool {
    use evac_network::RoadClass;
    matches!(
        RoadClass::from_u8(class),
        Some(
            RoadClass::Residential
                | RoadClass::Unclassified
                | RoadClass::Service
                | RoadClass::LivingStreet
                | RoadClass::Track
                | RoadClass::Road
        )
    )
}

/// How junctions limit traffic. Vehicles leaving a junction (a node where at least three
/// roads meet) first pass its *gate*: an edge of zero length from the node to an extra
/// "exit" node, whose capacity is the junction's. At a priority junction (a major road —
/// tertiary or above — meets others) that is the capacity of its largest incoming road:
/// merging traffic cannot add to the major stream's capacity; and the minor roads entering
/// it yield, keeping `priority_factor` of their capacity. Where only minor roads meet
/// (residential, unclassified, service…: right before left in most of Europe) the gate
/// passes `minor_vph` for all movements together, and passing it takes `minor_delay_s`:
/// a driver must be able to stop for traffic from the right, so slows down at every such
/// junction whether or not anyone comes. Fitted against SUMO by `evac calibrate`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct JunctionModel {
    pub enabled: bool,
    pub priority_factor: f64,
    pub minor_vph: f64,
    /// Seconds to pass a junction where only minor roads meet. A profile written before
    /// this key existed was fitted without it: 0 there.
    #[serde(default)]
    pub minor_delay_s: f64,
    /// The share of an hour a signalised junction's approach has green: its capacity
    /// factor. A profile written before this key existed: the default.
    #[serde(default = "default_signal_share")]
    pub signal_share: f64,
}

/// SUMO's default fixed-time program (netconvert: a 90-s cycle, two main phases with their
/// yellow and the turning phases between) leaves each approach about 45% of the time.
fn default_signal_share() -> f64 {
    0.45
}

impl Default for JunctionModel {
    fn default() -> Self {
        // minor_delay_s: on the Rhine scenario against SUMO micro (seed 42), the plan's last
        // vehicle 0:57 planned / 1:10 simulated with 0 s, 0:58 / 1:04 with 10 s, 0:58 / 1:00
        // with 15 s, 0:58 / 0:59–1:02 with 20–30 s (docs/simulation.md).
        JunctionModel {
            enabled: true,
            priority_factor: 0.805,
            minor_vph: 700.0,
            minor_delay_s: 15.0,
            signal_share: default_signal_share(),
        }
    }
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
        Self::calibrated(network, closures, step_s, sources, destinations, in_zone, Calibration::default())
    }

    /// [`Problem::new`] with a given calibration of speeds, capacities and junctions.
    pub fn calibrated(
        network: &Network,
        closures: Option<&Closures>,
        step_s: f64,
        sources: Vec<Source>,
        destinations: Vec<Destination>,
        mut in_zone: Vec<bool>,
        calibration: Calibration,
    ) -> Self {
        let junctions = calibration.junctions;
        let n = network.nodes().len();
        let open: Vec<(EdgeId, &evac_network::EdgeRec)> = network
            .edge_ids()
            .zip(network.edges())
            .filter(|(id, e)| !closures.is_some_and(|c| c.is_closed(id.0)) && e.from != e.to)
            .collect();
        let rate = |vph: f64| vph.max(f64::from(MIN_CAPACITY_VPH)) * step_s / 3600.0;
        let mut edges: Vec<PlanEdge> = open
            .iter()
            .map(|(id, e)| PlanEdge {
                id: *id,
                junction: None,
                free_flow_s: (f64::from(e.time_s) * calibration.speed_factor) as f32,
                from: e.from,
                to: e.to,
                travel_steps: 0,
                capacity_per_step: rate(f64::from(e.capacity_vph) * calibration.capacity_factor(e.class)),
            })
            .collect();
        let mut exit_of = Vec::new();
        if junctions.enabled {
            let road_vph = |e: &evac_network::EdgeRec| f64::from(e.capacity_vph) * calibration.capacity_factor(e.class);
            exit_of = junction_gates(n, &open, &mut edges, junctions, road_vph, rate);
        }
        let destination_nodes: Vec<u32> = destinations.iter().map(|d| d.node).collect();
        apply_turn_bans(network, &open, &mut edges, n, &destination_nodes, &mut exit_of);
        if in_zone.len() == n {
            let extra: Vec<bool> = exit_of.iter().map(|&v| in_zone[v as usize]).collect();
            in_zone.extend(extra);
        }
        let node_count = n + exit_of.len();
        let timed: Vec<(u32, u32, f64)> = edges.iter().map(|e| (e.from, e.to, f64::from(e.free_flow_s))).collect();
        let roots: Vec<u32> = destinations.iter().map(|d| d.node).collect();
        let steps = crate::timing::edge_steps(&timed, &crate::timing::seconds_to(node_count, &timed, &roots), step_s);
        for (e, s) in edges.iter_mut().zip(steps) {
            e.travel_steps = s;
        }
        let mut p = Self::from_edges(step_s, node_count, edges, sources, destinations, in_zone);
        p.network_nodes = n;
        p.exit_of = exit_of;
        let areas = std::mem::take(&mut p.areas);
        p.with_areas(areas)
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
        Problem {
            step_s,
            node_count,
            edges,
            out,
            inn,
            sources,
            destinations,
            in_zone,
            network_nodes: node_count,
            exit_of: Vec::new(),
            areas: std::collections::HashMap::new(),
        }
        .with_areas(std::collections::HashMap::new())
    }

    /// Set the settlements' areas (network nodes); each area also holds the settlement's
    /// origins.
    pub fn with_areas(mut self, mut areas: std::collections::HashMap<String, Vec<u32>>) -> Self {
        for s in &self.sources {
            let node = if (s.node as usize) < self.node_count { self.network_node(s.node) } else { s.node };
            areas.entry(s.settlement.clone()).or_default().push(node);
        }
        for nodes in areas.values_mut() {
            nodes.sort_unstable();
            nodes.dedup();
        }
        self.areas = areas;
        self
    }

    /// Whether node `v` lies in the area of `settlement`.
    pub fn in_area(&self, settlement: &str, v: u32) -> bool {
        self.areas.get(settlement).is_some_and(|a| a.binary_search(&self.network_node(v)).is_ok())
    }

    /// The route a group takes, as a convoy leader sees it: the node of its destination
    /// and the legs after it leaves its settlement's area for the last time (the streets
    /// from each home to the way out are not a route of their own).
    pub fn route_key(&self, g: &crate::plan::Group) -> (u32, Vec<EdgeIx>) {
        let edges: Vec<u32> = g.legs.iter().map(|l| l.edge.0).collect();
        self.route_key_of(
            &self.sources[g.source as usize].settlement,
            self.destinations[g.destination as usize].node,
            &edges,
        )
    }

    /// [`Problem::route_key`] of a path (edge positions) of `settlement`'s vehicles.
    pub fn route_key_of(&self, settlement: &str, destination_node: u32, edges: &[u32]) -> (u32, Vec<EdgeIx>) {
        let k = edges.iter().rposition(|&e| self.in_area(settlement, self.edges[e as usize].to)).map_or(0, |i| i + 1);
        (destination_node, edges[k..].iter().map(|&e| EdgeIx(e)).collect())
    }

    /// The id of a junction's edge in plan.json (`None` for a road): `"j<node>"` for the
    /// junction's gate (the one junction edge leaving the junction's node),
    /// `"j<node>-<from>-<to>"` for the other edges of a junction with turn bans (its
    /// approaches' gates and the turns allowed). Unique within the problem.
    pub fn junction_edge_name(&self, e: EdgeIx) -> Option<String> {
        let edge = self.edge(e);
        let node = edge.junction?;
        let gate = edge.from == node
            && self.out(node).iter().filter(|&&o| self.edges[o as usize].junction.is_some()).count() == 1;
        Some(if gate { format!("j{node}") } else { format!("j{node}-{}-{}", edge.from, edge.to) })
    }

    /// The network node a problem node stands for (a junction's exit is its junction).
    pub fn network_node(&self, v: u32) -> u32 {
        if (v as usize) < self.network_nodes { v } else { self.exit_of[v as usize - self.network_nodes] }
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

    /// One flag per node: *safe*, outside the mandatory zone with a way on to a destination
    /// that stays outside it. A vehicle is out of the zone for good only at a safe node: from
    /// any other node outside (a pocket between zone and closed roads, a road that leads only
    /// back in) every way on to a destination crosses the zone again.
    pub fn safe_nodes(&self) -> Vec<bool> {
        let mut safe = vec![false; self.node_count];
        let mut stack: Vec<u32> = Vec::new();
        for d in &self.destinations {
            if !self.in_zone[d.node as usize] && !safe[d.node as usize] {
                safe[d.node as usize] = true;
                stack.push(d.node);
            }
        }
        while let Some(v) = stack.pop() {
            for &ei in self.inn(v) {
                let u = self.edges[ei as usize].from;
                if !self.in_zone[u as usize] && !safe[u as usize] {
                    safe[u as usize] = true;
                    stack.push(u);
                }
            }
        }
        safe
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
            self.in_zone[..network.nodes().len().min(self.in_zone.len())].to_vec(),
        )
        .with_areas(self.areas.clone())
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

#[cfg(test)]
mod tests {
    use super::*;
    use evac_network::build::build_network;
    use evac_network::testing::{input, road};

    #[test]
    fn rounding_without_libm_is_round() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -0.7,
            0.49999999999999994,
            4503599627370495.5,
            9007199254740993.0,
            1.8446744073709552e19,
            1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for i in 0..200_000u32 {
            let r = f64::from(i) * 0.013_7;
            xs.extend([r * 1000.0, r, r + 0.5, f64::from(i) + 0.5, f64::from(i) / 7.0 * 1000.0]);
        }
        for x in xs {
            assert_eq!(round_to_u64(x), x.round() as u64, "{x}");
        }
    }

    /// The approaches of a signalised junction keep the green share of their capacity —
    /// the primary road too, which at a priority junction keeps all of it — and the roads
    /// leaving it are untouched; without signals nothing changes.
    #[test]
    fn signalised_approaches_keep_their_green_share() {
        let mut inp = merge_input();
        inp.signals = vec![2];
        let signalled = build_network(&inp).unwrap();
        let plain = merge();
        let into_2 = |net: &Network, e: &PlanEdge| e.junction.is_none() && net.nodes()[e.to as usize].osm_id == 2;
        let calibration = Calibration::default();
        let share = calibration.junctions.signal_share;
        let (with, without) = (problem(&signalled, calibration), problem(&plain, calibration));
        assert_eq!(with.edges().len(), without.edges().len());
        let mut approaches = 0;
        for (a, b) in with.edges().iter().zip(without.edges()) {
            let flagged = a.junction.is_none() && signalled.edge(a.id).flags & evac_network::flags::SIGNALS != 0;
            assert_eq!(flagged, into_2(&signalled, a), "only the roads into node 2 are flagged");
            if flagged {
                approaches += 1;
                // Without signals a minor approach yields (priority_factor); with them it
                // has its green share of the road's own capacity.
                let factor = if signalled.edge(a.id).class == RoadClass::Primary as u8 {
                    1.0
                } else {
                    calibration.junctions.priority_factor
                };
                assert!((a.capacity_per_step - b.capacity_per_step / factor * share).abs() < 1e-9, "{a:?} {b:?}");
            } else {
                assert_eq!(a.capacity_per_step, b.capacity_per_step);
            }
        }
        // Ways 10 and 12 and 13 in their direction of travel, and 11 back (two-way roads).
        assert!(approaches >= 3, "{approaches}");
    }

    /// Two minor streets merging into a primary road at node 2, which runs on to node 4.
    fn merge() -> Network {
        build_network(&merge_input()).unwrap()
    }

    fn merge_input() -> evac_network::NetworkInput {
        let nodes = [(1, 47.0, 9.0), (2, 47.0, 9.01), (3, 47.01, 9.01), (4, 47.0, 9.02), (5, 46.99, 9.01)];
        input(
            &nodes,
            vec![
                (10, vec![1, 2], road(RoadClass::Primary, 50.0, 1, 1500.0)),
                (11, vec![2, 4], road(RoadClass::Primary, 50.0, 1, 1500.0)),
                (12, vec![3, 2], road(RoadClass::Residential, 30.0, 1, 600.0)),
                (13, vec![5, 2], road(RoadClass::Residential, 30.0, 1, 600.0)),
            ],
        )
    }
    use evac_network::RoadClass;

    fn problem(net: &Network, calibration: Calibration) -> Problem {
        let node = |osm: i64| net.nodes().iter().position(|n| n.osm_id == osm).unwrap() as u32;
        let src = Source {
            id: "s".into(),
            settlement: "s".into(),
            name: "s".into(),
            node: node(1),
            vehicles: 10,
            exposure_weight: 1.0,
        };
        let dst = Destination { id: "d".into(), name: "d".into(), node: node(4), capacity_vehicles: None };
        Problem::calibrated(net, None, 60.0, vec![src], vec![dst], vec![], calibration)
    }

    /// A junction at node 2: from the west (way 10) straight on east to the destination
    /// (way 11), left over a slower street round by the north (ways 12, 14, 15: one link),
    /// or right into a dead-end street (way 13). `ban`: the straight-on turn from the west
    /// is banned, as `no_straight_on` or as `only_left_turn` onto way 12. (A plan may turn
    /// into the dead end and come back to go straight on: the legal way round the ban,
    /// through another approach.)
    fn cross(ban: Option<bool>) -> Network {
        let nodes =
            [(1, 47.0, 9.0), (2, 47.0, 9.01), (3, 47.01, 9.01), (4, 47.0, 9.02), (5, 46.99, 9.01), (6, 47.01, 9.02)];
        let mut inp = input(
            &nodes,
            vec![
                (10, vec![1, 2], road(RoadClass::Primary, 50.0, 1, 1500.0)),
                (11, vec![2, 4], road(RoadClass::Primary, 50.0, 1, 1500.0)),
                (12, vec![2, 3], road(RoadClass::Residential, 30.0, 1, 600.0)),
                (14, vec![3, 6], road(RoadClass::Residential, 30.0, 1, 600.0)),
                (15, vec![6, 4], road(RoadClass::Residential, 30.0, 1, 600.0)),
                (13, vec![2, 5], road(RoadClass::Residential, 30.0, 1, 600.0)),
            ],
        );
        if let Some(only) = ban {
            inp.restrictions.push(evac_network::InputRestriction {
                relation_id: 1,
                from_way: 10,
                via_node: 2,
                to_way: if only { 12 } else { 11 },
                only,
                u_turn: false,
            });
        }
        build_network(&inp).unwrap()
    }

    #[test]
    fn no_plan_turns_where_a_turn_is_banned() {
        for (ban, enabled) in [(None, true), (Some(false), true), (Some(true), true), (Some(false), false)] {
            let net = cross(ban);
            // only_left_turn bans the three other turns (straight on, right, back).
            assert_eq!(net.turn_bans().len(), usize::from(ban.is_some()) * if ban == Some(true) { 3 } else { 1 });
            let calibration = Calibration {
                junctions: JunctionModel { enabled, ..JunctionModel::default() },
                ..Calibration::default()
            };
            let p = problem(&net, calibration);
            let (heuristic, _) = crate::heuristic::plan(&p).unwrap();
            let lower = crate::bound::best_cheap_bound(&p).0;
            let exact = crate::exact::solve(&p, lower, heuristic.clearance_steps(&p), 1_000_000).unwrap().plan;
            for plan in [&heuristic, &exact] {
                assert!(crate::verify::verify(&p, plan).is_empty(), "{:?}", crate::verify::verify(&p, plan));
                // The roads of each route in order (junction edges left out): way 10 then
                // way 11 is the banned turn.
                let straight_on = plan.groups.iter().any(|g| {
                    let ways: Vec<i64> = g
                        .legs
                        .iter()
                        .filter(|l| p.edge(l.edge).junction.is_none())
                        .map(|l| net.edge(p.edge(l.edge).id).way_id)
                        .collect();
                    ways.windows(2).any(|w| w == [10, 11])
                });
                assert_eq!(straight_on, ban.is_none(), "ban {ban:?}, junctions {enabled}");
                let vehicles: u32 = plan.groups.iter().map(|g| g.vehicles).sum();
                assert_eq!(vehicles, 10, "nobody is lost");
            }
            // plan.json names every junction edge uniquely, gate or not.
            let names: Vec<String> =
                (0..p.edges().len() as u32).filter_map(|e| p.junction_edge_name(EdgeIx(e))).collect();
            let unique: std::collections::HashSet<&String> = names.iter().collect();
            assert_eq!(unique.len(), names.len(), "{names:?}");
            assert_eq!(names.is_empty(), ban.is_none() && !enabled, "ban {ban:?}, junctions {enabled}: {names:?}");
        }
    }

    #[test]
    fn a_junction_gets_one_gate_with_the_major_roads_capacity() {
        let net = merge();
        let p = problem(&net, Calibration::default());
        let gates: Vec<&PlanEdge> = p.edges().iter().filter(|e| e.junction.is_some()).collect();
        assert_eq!(gates.len(), 1, "only node 2 joins three roads");
        let gate = gates[0];
        assert_eq!(gate.travel_steps, 0);
        // The widest incoming road's capacity as the planner uses it (the calibrated one):
        // a gate never passes more than the road feeding it.
        let primary = 1500.0 * Calibration::default().primary_capacity_factor;
        assert!((gate.capacity_per_step - primary / 60.0).abs() < 1e-9, "{}", gate.capacity_per_step);
        let road_in =
            p.edges().iter().find(|e| e.junction.is_none() && e.to == gate.from && e.capacity_per_step > 15.0);
        assert!((road_in.unwrap().capacity_per_step - gate.capacity_per_step).abs() < 1e-9);
        // The residential streets entering it yield to the primary road.
        let minor_in: Vec<&PlanEdge> = p
            .edges()
            .iter()
            .filter(|e| {
                let from_osm = net.nodes()[p.network_node(e.from) as usize].osm_id;
                e.junction.is_none() && e.to == gate.from && (from_osm == 3 || from_osm == 5)
            })
            .collect();
        assert_eq!(minor_in.len(), 2);
        let yielded =
            600.0 * Calibration::default().minor_capacity_factor * JunctionModel::default().priority_factor / 60.0;
        assert!(minor_in.iter().all(|e| (e.capacity_per_step - yielded).abs() < 1e-9), "{minor_in:?}");
        // Every road out of the junction now starts at its exit node, the gate's head.
        let junction = gate.junction.unwrap();
        assert!(p.edges().iter().filter(|e| e.junction.is_none()).all(|e| e.from != junction));
        assert_eq!(p.network_node(gate.to), junction);
        // Without junctions, no gate and no extra node.
        let plain = problem(
            &net,
            Calibration {
                junctions: JunctionModel { enabled: false, ..JunctionModel::default() },
                ..Calibration::default()
            },
        );
        assert!(plain.edges().iter().all(|e| e.junction.is_none()));
        assert_eq!(plain.node_count(), net.nodes().len());
    }

    #[test]
    fn passing_a_junction_of_minor_roads_takes_its_delay() {
        // The same shape with residential streets only: right before left.
        let nodes = [(1, 47.0, 9.0), (2, 47.0, 9.01), (3, 47.01, 9.01), (4, 47.0, 9.02), (5, 46.99, 9.01)];
        let street = || road(RoadClass::Residential, 30.0, 1, 600.0);
        let net = build_network(&input(
            &nodes,
            vec![
                (10, vec![1, 2], street()),
                (11, vec![2, 4], street()),
                (12, vec![3, 2], street()),
                (13, vec![5, 2], street()),
            ],
        ))
        .unwrap();
        let with_delay = |s: f64| {
            let c = Calibration {
                junctions: JunctionModel { minor_delay_s: s, ..JunctionModel::default() },
                ..Calibration::default()
            };
            problem(&net, c)
        };
        let p = with_delay(20.0);
        let gate = *p.edges().iter().find(|e| e.junction.is_some()).unwrap();
        assert_eq!(gate.free_flow_s, 20.0);
        assert!((gate.capacity_per_step - JunctionModel::default().minor_vph / 60.0).abs() < 1e-9);
        // From the source through the junction to the destination: 20 s more than without.
        let seconds = |p: &Problem| {
            let timed: Vec<(u32, u32, f64)> =
                p.edges().iter().map(|e| (e.from, e.to, f64::from(e.free_flow_s))).collect();
            let dest = p.destinations[0].node;
            crate::timing::seconds_to(p.node_count(), &timed, &[dest])[p.sources[0].node as usize]
        };
        assert!((seconds(&p) - seconds(&with_delay(0.0)) - 20.0).abs() < 1e-3);
        // A junction where a major road meets others has no delay: the major stream has way.
        assert_eq!(
            problem(&merge(), Calibration::default())
                .edges()
                .iter()
                .find(|e| e.junction.is_some())
                .unwrap()
                .free_flow_s,
            0.0
        );
        // Profiles written before the key existed were fitted without it.
        let mut old = Calibration::default().to_toml("old");
        old = old.lines().filter(|l| !l.starts_with("minor_delay_s")).collect::<Vec<_>>().join("\n");
        let back: Calibration = toml::from_str(&old).unwrap();
        assert_eq!(back.junctions.minor_delay_s, 0.0);
        assert!(
            Calibration {
                junctions: JunctionModel { minor_delay_s: -1.0, ..JunctionModel::default() },
                ..Calibration::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn calibration_scales_times_and_capacities_and_checks_its_ranges() {
        let net = merge();
        let neutral = Calibration { speed_factor: 1.0, primary_capacity_factor: 1.0, ..Calibration::default() };
        let base = problem(&net, neutral);
        let slow = problem(&net, Calibration { speed_factor: 2.0, primary_capacity_factor: 0.5, ..neutral });
        // A primary road (way 11 leaves the junction: no yielding applies to it).
        let way11 = net.edge_ids().find(|&e| net.edge(e).way_id == 11).unwrap();
        let road = |p: &Problem| *p.edges().iter().find(|e| e.junction.is_none() && e.id == way11).unwrap();
        assert!((road(&slow).free_flow_s - 2.0 * road(&base).free_flow_s).abs() < 1e-3);
        assert!((road(&slow).capacity_per_step - 0.5 * road(&base).capacity_per_step).abs() < 1e-9);
        let text = Calibration::default().to_toml("test");
        let back: Calibration = toml::from_str(&text).unwrap();
        assert_eq!(back, Calibration::default());
        assert!(Calibration { speed_factor: f64::NAN, ..Calibration::default() }.validate().is_err());
        assert!(Calibration { minor_capacity_factor: 0.0, ..Calibration::default() }.validate().is_err());
    }
}
