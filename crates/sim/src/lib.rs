//! The simulation check: replay a plan (and, on request, evac's naive baseline) in Eclipse
//! SUMO on the same OpenStreetMap roads, and compare what the planner promised with what a
//! traffic simulation makes of it (see docs/simulation.md).
//!
//! [`Simulation::run`] is the entry point: the scenario, its network, the plan and
//! [`SimOptions`] in; a [`SimReport`] with planned and simulated figures out. It builds the
//! SUMO network with netconvert ([`net`]), maps every plan leg onto SUMO edges
//! ([`mapping`]), writes the routes and runs SUMO ([`sumo`]), and measures.
//!
//! SUMO is not a build dependency: the programs are looked up when a check runs, and their
//! absence is an error that says how to install them.

pub mod calibrate;
mod error;
pub mod mapping;
pub mod net;
pub mod plan;
pub mod sumo;
pub mod tools;
pub mod whatif;

pub use error::SimError;
pub use mapping::MappingStats;
pub use plan::{PlanInput, SimGroup};
pub use sumo::{Mode, SumoSettings, Teleports};

use evac_geo::LocalProjection;
use evac_model::LatLon;
use evac_network::{EdgeId, Network, flags};
use evac_plan::{CarOptions, CarPlan};
use evac_scenario::Scenario;
use evac_zone::HazardIndex;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// The attribution every output showing OSM-derived roads carries.
pub const OSM_ATTRIBUTION: &str = "Road network © OpenStreetMap contributors (ODbL)";

/// How to run the check.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    pub mode: Mode,
    /// SUMO's random seed (driver imperfection, speed factors): the same seed, the same run.
    pub seed: u64,
    /// Also simulate evac's naive baseline (everyone leaves now by the fastest route).
    pub baseline: bool,
    /// `--time-to-teleport`, seconds (SUMO's default 300; 0 never teleports, which can
    /// leave a gridlocked run to the end time).
    pub time_to_teleport_s: f64,
    /// Simulated time after which SUMO stops; vehicles still on the road are reported.
    pub end_s: f64,
    /// Where SUMO's inputs, configuration and outputs are kept.
    pub work_dir: PathBuf,
    /// How the naive baseline is planned (the step comes from the plan).
    pub car_options: CarOptions,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            mode: Mode::Micro,
            seed: 42,
            baseline: false,
            time_to_teleport_s: 300.0,
            end_s: 24.0 * 3600.0,
            work_dir: PathBuf::from("out/sumo"),
            car_options: CarOptions::default(),
        }
    }
}

impl SimOptions {
    pub fn validate(&self) -> Result<(), SimError> {
        if !(self.time_to_teleport_s.is_finite() && self.time_to_teleport_s >= 0.0) {
            return Err(SimError::InvalidOption {
                option: "--time-to-teleport",
                message: "must be 0 (never) or a number of seconds".into(),
            });
        }
        if !(self.end_s.is_finite() && self.end_s > 0.0 && self.end_s <= 7.0 * 86400.0) {
            return Err(SimError::InvalidOption { option: "--end", message: "must be between 1 s and 7 days".into() });
        }
        Ok(())
    }

    fn settings(&self) -> SumoSettings {
        SumoSettings {
            mode: self.mode,
            seed: self.seed,
            time_to_teleport_s: self.time_to_teleport_s,
            end_s: self.end_s,
            step_length_s: 1.0,
            depart_lane: "best",
            depart_speed: "max",
            vehicle_type: "SUMO default passenger car (Krauss; length 5 m, min gap 2.5 m, tau 1 s, sigma 0.5, speed factor normc(1, 0.1, 0.2, 2))",
        }
    }
}

/// Arrivals and exposure of one plan, planned or simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Vehicles counted (simulated: those SUMO could be given a route).
    pub vehicles: u64,
    pub arrived: u64,
    /// When the last vehicle arrived, seconds after the order (None if some never did).
    pub last_arrival_s: Option<f64>,
    /// When 90% of the vehicles had arrived.
    pub arrival_90_s: Option<f64>,
    /// Vehicle-minutes inside the mandatory zone: from the order until a vehicle reaches a
    /// node outside it (waiting at home counts).
    pub exposure_vehicle_minutes: f64,
    /// Vehicles safe by the end of each plan step (0, 1, ... steps after the order).
    pub safe_by_step: Vec<u64>,
}

/// A road where SUMO's vehicles lost time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Queue {
    /// The road's name as evac names it ("Rhein bridge, Rheinstrasse (433.1)").
    pub label: String,
    /// The network edge the SUMO edges were mapped from (None for SUMO-only edges).
    pub edge: Option<EdgeId>,
    pub sumo_edges: Vec<String>,
    /// Time lost against free-flow driving on it, vehicle-hours (SUMO `timeLoss`).
    pub time_loss_vehicle_hours: f64,
    /// Time spent standing (speed < 0.1 m/s), vehicle-hours.
    pub waiting_vehicle_hours: f64,
    /// Time the planner's model has vehicles standing on it waiting for room on the next
    /// road (or junction), vehicle-hours: the same queue as the planner sees it.
    pub planned_waiting_vehicle_hours: f64,
    pub vehicles: u64,
    /// Does the queue stand inside the mandatory zone (its end is)?
    pub in_zone: bool,
    /// Is it on the planner's own bottleneck list?
    pub planner_bottleneck: bool,
    /// Where the queue discharges (the end of the road).
    pub lat: f64,
    pub lon: f64,
}

/// Time on the road per vehicle (means), in the plan's model and in SUMO. The plan's model
/// rounds every edge up to whole steps, SUMO drives them; the free-flow parts show what the
/// rounding does, the rest is queueing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TravelTimes {
    /// From leaving home to arriving, as planned.
    pub planned_on_road_s: f64,
    /// The routes' free-flow times in the plan's model (edge travel steps added up).
    pub planned_free_flow_s: Option<f64>,
    /// From entering the network to arriving, in SUMO (arrived vehicles).
    pub simulated_on_road_s: f64,
    /// SUMO's time on the road less its time loss: the same routes at the desired speed.
    pub simulated_free_flow_s: f64,
    /// Waiting to enter the network after the planned departure (SUMO `departDelay`).
    pub depart_delay_mean_s: f64,
    pub depart_delay_max_s: f64,
}

/// One plan, planned against simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// "plan" or "baseline".
    pub label: String,
    pub vehicles: u64,
    pub groups: usize,
    pub mapping: MappingStats,
    pub planned: Figures,
    pub simulated: Figures,
    pub teleports: Teleports,
    /// Vehicles still on the road (or not yet inserted) when SUMO stopped.
    pub unfinished: u64,
    pub travel: TravelTimes,
    /// The 10 roads where SUMO's vehicles lost the most time.
    pub queues: Vec<Queue>,
    /// The 10 roads where the planner's model has vehicles wait the longest (with SUMO's
    /// lost time on the same road beside): where the two models disagree about queues.
    pub planned_queues: Vec<Queue>,
    /// All waiting on roads in the planner's model, and all time SUMO lost, vehicle-hours.
    pub planned_waiting_vehicle_hours: f64,
    pub simulated_time_loss_vehicle_hours: f64,
    /// The planner's bottleneck list (plan.json), to set beside the queues.
    pub planner_bottlenecks: Vec<String>,
    pub sumo_seconds: f64,
    /// `sumo -c <this>` repeats the run.
    pub sumo_config: PathBuf,
}

/// The SUMO network used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetReport {
    pub extract: PathBuf,
    pub sumo_net: PathBuf,
    pub cached: bool,
    pub netconvert_seconds: f64,
    pub junctions: usize,
    pub edges: usize,
    pub sumo_version: String,
}

/// Everything the check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    pub scenario: String,
    pub illustrative: Option<String>,
    pub step_s: f64,
    pub mandatory_km: f64,
    pub settings: SumoSettings,
    pub network: NetReport,
    pub plan: RunReport,
    pub baseline: Option<RunReport>,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub attribution: &'static str,
}

/// The simulation check.
pub struct Simulation;

impl Simulation {
    /// Simulate the plan in `plan_json` (as `evac plan` wrote it), and with
    /// `options.baseline` the naive baseline of the same scenario, in SUMO; `progress` hears
    /// what is being done (SUMO runs take a while). SUMO is looked for before anything else.
    pub fn run(
        scenario: &Scenario,
        network: &Network,
        plan_json: &std::path::Path,
        options: &SimOptions,
        progress: impl FnMut(&str),
    ) -> Result<SimReport, SimError> {
        let (extract, tools) = Self::prepare(scenario, options)?;
        if !plan_json.is_file() {
            return Err(SimError::NoPlan {
                path: plan_json.to_path_buf(),
                scenario: scenario.dir.display().to_string(),
            });
        }
        let plan = PlanInput::read(plan_json, network)?;
        Self::simulate(scenario, network, &plan, options, extract, tools, progress)
    }

    /// The same for a plan held in memory.
    pub fn run_input(
        scenario: &Scenario,
        network: &Network,
        plan: &PlanInput,
        options: &SimOptions,
        progress: impl FnMut(&str),
    ) -> Result<SimReport, SimError> {
        let (extract, tools) = Self::prepare(scenario, options)?;
        Self::simulate(scenario, network, plan, options, extract, tools, progress)
    }

    /// The options checked, the extract SUMO will read, and the tools to run.
    fn prepare(scenario: &Scenario, options: &SimOptions) -> Result<(PathBuf, tools::Tools), SimError> {
        options.validate()?;
        let toml = scenario.dir.join("scenario.toml");
        let Some(extract) = scenario.optional_file("network") else {
            return Err(SimError::Network {
                scenario: toml,
                message: "no road network: add `network = \"<extract>.osm.pbf\"` under [files]".into(),
            });
        };
        if !extract.is_file() {
            return Err(SimError::Network {
                scenario: toml,
                message: format!("files.network names {}, which does not exist", extract.display()),
            });
        }
        if evac_osm::cache::is_network_file(&extract) {
            return Err(SimError::Network {
                scenario: toml,
                message: format!(
                    "files.network names an evac network file ({}); SUMO builds its network from the OSM extract: name the .osm.pbf/.osm/.osm.gz instead",
                    extract.display()
                ),
            });
        }
        let tools = tools::Tools::locate(net::needs_osmium(&extract)?)?;
        Ok((extract, tools))
    }

    fn simulate(
        scenario: &Scenario,
        network: &Network,
        plan: &PlanInput,
        options: &SimOptions,
        extract: PathBuf,
        tools: tools::Tools,
        mut progress: impl FnMut(&str),
    ) -> Result<SimReport, SimError> {
        let started = std::time::Instant::now();
        let prepared = Prepared::new(scenario, network, options, extract, tools, &mut progress)?;
        let mut warnings = prepared.warnings.clone();
        let context = prepared.context(network, &options.work_dir);
        progress(&format!("simulating the plan ({} vehicles, SUMO {})", plan.vehicles(), options.mode.name()));
        let plan_report = context.simulate(plan)?;
        let baseline = if options.baseline {
            progress("planning the naive baseline");
            let car = CarPlan::solve(
                scenario,
                network,
                &CarOptions { step: evac_plan::TimeStep::Seconds(plan.step_s), ..options.car_options.clone() },
            )?;
            let Some(b) = car.result.baseline.as_ref() else {
                return Err(SimError::Baseline(evac_plan::PlanError::Internal(
                    "the planner returned no baseline".into(),
                )));
            };
            let input = PlanInput::from_plan("baseline", &car.problem, b);
            if input.vehicles() != plan.vehicles() {
                warnings.push(format!(
                    "the plan moves {} vehicles, the baseline of the scenario's default options {}: the plan was made with other options",
                    plan.vehicles(),
                    input.vehicles()
                ));
            }
            progress(&format!("simulating the baseline ({} vehicles, SUMO {})", input.vehicles(), options.mode.name()));
            Some(context.simulate(&input)?)
        } else {
            None
        };
        for r in std::iter::once(&plan_report).chain(&baseline) {
            warnings.extend(run_warnings(r, prepared.settings.end_s));
        }
        Ok(SimReport {
            scenario: scenario.config.name.clone(),
            illustrative: scenario.config.illustrative.clone(),
            step_s: plan.step_s,
            mandatory_km: scenario.config.zone.mandatory_km,
            settings: prepared.settings.clone(),
            network: prepared.report.clone(),
            plan: plan_report,
            baseline,
            warnings,
            seconds: started.elapsed().as_secs_f64(),
            attribution: OSM_ATTRIBUTION,
        })
    }
}

/// What a run left undone: vehicles without a SUMO route, vehicles still on the road.
fn run_warnings(r: &RunReport, end_s: f64) -> Vec<String> {
    let mut warnings = Vec::new();
    if r.mapping.vehicles_unmapped > 0 {
        warnings.push(format!(
            "{}: {} vehicles ({} groups) have no route in SUMO and were not simulated: {}",
            r.label,
            r.mapping.vehicles_unmapped,
            r.mapping.groups_unmapped,
            r.mapping.unmapped.join("; ")
        ));
    }
    if r.unfinished > 0 {
        warnings
            .push(format!("{}: {} vehicles had not arrived when SUMO stopped at {} s", r.label, r.unfinished, end_s));
    }
    warnings
}

/// The SUMO network and the zone on both sides, built once and shared by every run of a
/// check (the plan, the baseline, each what-if variant).
struct Prepared {
    tools: tools::Tools,
    net: net::SumoNet,
    projection: net::NetProjection,
    node_in_zone: Vec<bool>,
    junction_in_zone: Vec<bool>,
    junction_points: Vec<LatLon>,
    settings: SumoSettings,
    report: NetReport,
    warnings: Vec<String>,
}

impl Prepared {
    fn new(
        scenario: &Scenario,
        network: &Network,
        options: &SimOptions,
        extract: PathBuf,
        tools: tools::Tools,
        progress: &mut impl FnMut(&str),
    ) -> Result<Prepared, SimError> {
        let mut warnings = Vec::new();
        if network.meta().profile != evac_osm::Profile::default().name {
            warnings.push(format!(
                "the network was imported with profile `{}`; SUMO's road types follow evac's default profile",
                network.meta().profile
            ));
        }

        let locations: Vec<LatLon> = network.nodes().iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
        let centre = LocalProjection::around(locations.iter().copied())
            .map(|p| p.centre)
            .ok_or_else(|| SimError::Mapping("the road network has no nodes".into()))?;
        progress("building the SUMO network with netconvert (cached after the first run)");
        let built =
            net::build_or_reuse(&tools, &extract, &scenario.dir.join(".cache"), centre, &evac_osm::Profile::default())?;
        let sumo_net = net::SumoNet::read(&built.path)?;
        let projection =
            sumo_net.projection().map_err(|message| SimError::Output { path: built.path.clone(), message })?;
        let sumo_version = tools.version(&tools.sumo, "sumo")?;

        // The zone, on both sides: evac nodes for the planned exposure, SUMO junctions for
        // the simulated one.
        let hazard = HazardIndex::new(&scenario.hazard);
        let zone_m = scenario.config.zone.mandatory_km * 1000.0;
        let node_in_zone: Vec<bool> = hazard.distances_m(&locations).into_iter().map(|d| d <= zone_m).collect();
        let junction_points: Vec<LatLon> = sumo_net.junctions.iter().map(|j| projection.to_latlon(j.x, j.y)).collect();
        let junction_in_zone: Vec<bool> =
            hazard.distances_m(&junction_points).into_iter().map(|d| d <= zone_m).collect();
        let report = NetReport {
            extract,
            sumo_net: built.path,
            cached: built.cached,
            netconvert_seconds: built.seconds,
            junctions: sumo_net.junctions.len(),
            edges: sumo_net.edges.len(),
            sumo_version,
        };
        Ok(Prepared {
            tools,
            net: sumo_net,
            projection,
            node_in_zone,
            junction_in_zone,
            junction_points,
            settings: options.settings(),
            report,
            warnings,
        })
    }

    fn context<'a>(&'a self, network: &'a Network, work_dir: &'a std::path::Path) -> Context<'a> {
        Context {
            tools: &self.tools,
            network,
            net: &self.net,
            net_path: &self.report.sumo_net,
            projection: self.projection,
            node_in_zone: &self.node_in_zone,
            junction_in_zone: &self.junction_in_zone,
            junction_points: &self.junction_points,
            settings: &self.settings,
            work_dir,
        }
    }
}

/// What every run of one check shares.
struct Context<'a> {
    tools: &'a tools::Tools,
    network: &'a Network,
    net: &'a net::SumoNet,
    net_path: &'a std::path::Path,
    projection: net::NetProjection,
    node_in_zone: &'a [bool],
    junction_in_zone: &'a [bool],
    junction_points: &'a [LatLon],
    settings: &'a SumoSettings,
    work_dir: &'a std::path::Path,
}

impl Context<'_> {
    fn simulate(&self, plan: &PlanInput) -> Result<RunReport, SimError> {
        let mut mapper = mapping::Mapper::new(self.net, self.network, self.projection);
        let mut routes: Vec<Vec<u32>> = Vec::new();
        let mut route_index: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut trips: Vec<sumo::Trip> = Vec::new();
        // Vehicle id -> (group, route).
        let mut owner: HashMap<String, (usize, usize)> = HashMap::new();
        for (gi, g) in plan.groups.iter().enumerate() {
            let Some(mapped) = mapper.map_group(&g.nodes, &g.edges, g.vehicles) else { continue };
            let r = *route_index.entry(mapped.edges.clone()).or_insert_with(|| {
                routes.push(mapped.edges.clone());
                routes.len() - 1
            });
            // The plan lets a group's vehicles enter within its step; SUMO gets them spread
            // evenly over the step rather than all in the same second.
            let spread = plan.step_s / f64::from(g.vehicles);
            for k in 0..g.vehicles {
                let id = format!("g{gi}.{k}");
                owner.insert(id.clone(), (gi, r));
                trips.push(sumo::Trip { id, depart_s: g.depart_step * plan.step_s + f64::from(k) * spread, route: r });
            }
        }
        if trips.is_empty() {
            return Err(SimError::Mapping(format!(
                "no group of the {} could be mapped onto the SUMO network: {}",
                plan.label,
                mapper.stats().unmapped.join("; ")
            )));
        }
        let xml = sumo::routes_xml(self.net, &routes, &trips, self.settings);
        let out = sumo::run_sumo(self.tools, self.net_path, self.work_dir, &plan.label, &xml, self.settings)?;

        let step_s = plan.step_s;
        // Planned: every vehicle of the plan, as the planner timed it.
        let mut planned_arrivals = Vec::new();
        let mut planned_exposure_s = 0.0;
        for g in &plan.groups {
            planned_arrivals.extend(std::iter::repeat_n(g.arrive_step * step_s, g.vehicles as usize));
            planned_exposure_s += f64::from(g.vehicles) * self.planned_exposure_steps(g) * step_s;
        }
        let planned = figures(&planned_arrivals, planned_arrivals.len() as u64, planned_exposure_s, step_s);

        // Simulated: every vehicle SUMO was given, as it drove.
        let mut arrivals = Vec::new();
        let mut exposure_s = 0.0;
        let (mut delay_sum, mut delay_max, mut unfinished) = (0.0f64, 0.0f64, 0u64);
        let (mut on_road, mut free_flow) = (0.0f64, 0.0f64);
        for t in &trips {
            let info = out.trips.get(&t.id);
            let exits = out.exits.get(&t.id);
            // A vehicle a teleport carried beyond its destination left the network there:
            // tripinfo has no arrival for it, vehroute has (teleports are reported).
            match (info, info.and_then(|i| i.arrival_s).or_else(|| exits.and_then(|x| x.arrival_s))) {
                (Some(i), Some(arrival)) => {
                    arrivals.push(arrival);
                    on_road += i.duration_s;
                    free_flow += i.duration_s - i.time_loss_s;
                }
                _ => unfinished += 1,
            }
            if let Some(i) = info {
                delay_sum += i.depart_delay_s;
                delay_max = delay_max.max(i.depart_delay_s);
            }
            exposure_s += self.simulated_exposure_s(&routes[owner[&t.id].1], exits, info);
        }
        let arrived = arrivals.len().max(1) as f64;
        let vehicles = plan.vehicles().max(1) as f64;
        let weighted = |f: &dyn Fn(&SimGroup) -> f64| {
            plan.groups.iter().map(|g| f64::from(g.vehicles) * f(g)).sum::<f64>() / vehicles * step_s
        };
        let planned_free_flow = plan.groups.iter().all(|g| g.free_flow_steps.is_some());
        let travel = TravelTimes {
            planned_on_road_s: weighted(&|g| g.arrive_step - g.depart_step),
            planned_free_flow_s: planned_free_flow.then(|| weighted(&|g| g.free_flow_steps.unwrap_or_default())),
            simulated_on_road_s: on_road / arrived,
            simulated_free_flow_s: free_flow / arrived,
            depart_delay_mean_s: delay_sum / trips.len() as f64,
            depart_delay_max_s: delay_max,
        };
        let simulated = figures(&arrivals, trips.len() as u64, exposure_s, step_s);
        let planned_waiting = plan.planned_waiting_steps();
        let (queues, planned_queues) =
            self.queues(&out.edges, &mapper, &plan.bottlenecks, &planned_waiting, step_s / 3600.0);
        Ok(RunReport {
            label: plan.label.clone(),
            vehicles: plan.vehicles(),
            groups: plan.groups.len(),
            mapping: mapper.stats(),
            planned,
            simulated,
            teleports: out.teleports,
            unfinished,
            travel,
            queues,
            planned_queues,
            planned_waiting_vehicle_hours: planned_waiting.values().sum::<f64>() * step_s / 3600.0,
            simulated_time_loss_vehicle_hours: out.edges.values().map(|t| t.time_loss_s.max(0.0)).sum::<f64>() / 3600.0,
            planner_bottlenecks: plan.bottlenecks.clone(),
            sumo_seconds: out.seconds,
            sumo_config: out.config,
        })
    }

    /// The planner's rule (`evac_plan::Group::exposure_steps`): from the order until the
    /// group reaches the node after its last one inside the zone (its arrival if it ends
    /// inside); 0 if it is never inside.
    fn planned_exposure_steps(&self, g: &SimGroup) -> f64 {
        let inside = |k: usize| self.node_in_zone[g.nodes[k] as usize];
        // reach_steps[k] is when the group reaches nodes[k + 1].
        let exit = match (1..=g.reach_steps.len()).rev().find(|&k| inside(k)) {
            Some(k) => k.min(g.reach_steps.len() - 1),
            None if inside(0) && !g.reach_steps.is_empty() => 0,
            None => return 0.0,
        };
        g.reach_steps[exit]
    }

    /// The same rule on SUMO's junctions and exit times; a vehicle that never got out is
    /// exposed until SUMO stopped.
    fn simulated_exposure_s(&self, route: &[u32], exits: Option<&sumo::Exits>, info: Option<&sumo::TripInfo>) -> f64 {
        let edges = &self.net.edges;
        // The edges SUMO reports for the vehicle are the ones its exit times belong to
        // (they are the route it was given unless SUMO had to change it).
        let driven: Vec<u32> = match exits {
            Some(x) if x.edges.len() >= x.times.len() => {
                x.edges.iter().filter_map(|id| self.net.edge_index(id)).collect()
            }
            _ => route.to_vec(),
        };
        let Some(&first) = driven.first() else { return 0.0 };
        let times = exits.map(|x| x.times.as_slice()).unwrap_or(&[]);
        let arrival = info.and_then(|i| i.arrival_s).or_else(|| exits.and_then(|x| x.arrival_s));
        // The edge that takes it out for good: the one after its last edge ending inside.
        let exit = match driven.iter().rposition(|&e| self.junction_in_zone[edges[e as usize].to as usize]) {
            // The route ends inside the zone (a destination inside it): out on arrival.
            Some(k) if k + 1 == driven.len() => return arrival.unwrap_or(self.settings.end_s),
            Some(k) => k + 1,
            None if self.junction_in_zone[edges[first as usize].from as usize] => 0,
            None => return 0.0,
        };
        // Out when it left that edge; a teleport over it leaves no exit time, and the next
        // one recorded (or the arrival) is when it was out at the latest.
        times[exit.min(times.len())..].iter().copied().find(|&t| t >= 0.0).or(arrival).unwrap_or(self.settings.end_s)
    }

    /// The roads with the most lost time in SUMO, and those with the most waiting in the
    /// planner's model, each named as evac names it, with both figures, and set against
    /// the planner's bottleneck list.
    fn queues(
        &self,
        totals: &HashMap<String, sumo::EdgeTotals>,
        mapper: &mapping::Mapper<'_>,
        bottlenecks: &[String],
        planned_waiting_steps: &HashMap<EdgeId, f64>,
        hours_per_step: f64,
    ) -> (Vec<Queue>, Vec<Queue>) {
        // A junction bottleneck ("junction of A and B") names the roads it joins.
        let on_list = |label: &str| {
            bottlenecks.iter().any(|b| {
                b == label
                    || (b.starts_with("junction ")
                        && (b.ends_with(&format!(" {label}")) || b.contains(&format!(" {label} and "))))
            })
        };
        // Sum the SUMO edges of one network edge (a contracted chain is several of them).
        let mut per_road: HashMap<(Option<EdgeId>, String), Queue> = HashMap::new();
        for (id, t) in totals {
            let Some(e) = self.net.edge_index(id) else { continue };
            if t.time_loss_s <= 0.0 {
                continue;
            }
            let edge = &self.net.edges[e as usize];
            let evac = mapper.evac_edge(e);
            let label = match evac {
                Some(ev) => self.label(ev),
                None if !edge.name.is_empty() => edge.name.clone(),
                None => edge.way_id().map_or_else(|| format!("SUMO edge {}", edge.id), |w| format!("way {w}")),
            };
            let key = (evac, if evac.is_some() { String::new() } else { label.clone() });
            let end = self.junction_points[edge.to as usize];
            let q = per_road.entry(key).or_insert_with(|| Queue {
                planner_bottleneck: on_list(&label),
                label,
                edge: evac,
                sumo_edges: Vec::new(),
                time_loss_vehicle_hours: 0.0,
                waiting_vehicle_hours: 0.0,
                planned_waiting_vehicle_hours: evac
                    .and_then(|ev| planned_waiting_steps.get(&ev))
                    .map_or(0.0, |w| w * hours_per_step),
                vehicles: 0,
                in_zone: self.junction_in_zone[edge.to as usize],
                lat: end.lat,
                lon: end.lon,
            });
            q.sumo_edges.push(edge.id.clone());
            q.time_loss_vehicle_hours += t.time_loss_s / 3600.0;
            q.waiting_vehicle_hours += t.waiting_s / 3600.0;
            q.vehicles = q.vehicles.max(t.entered);
        }
        // Roads the planner queues on where SUMO lost no time.
        for (&ev, &steps) in planned_waiting_steps {
            per_road.entry((Some(ev), String::new())).or_insert_with(|| {
                let label = self.label(ev);
                let to = self.network.edge(ev).to as usize;
                let end = &self.network.nodes()[to];
                Queue {
                    planner_bottleneck: on_list(&label),
                    label,
                    edge: Some(ev),
                    sumo_edges: Vec::new(),
                    time_loss_vehicle_hours: 0.0,
                    waiting_vehicle_hours: 0.0,
                    planned_waiting_vehicle_hours: steps * hours_per_step,
                    vehicles: 0,
                    in_zone: self.node_in_zone.get(to).copied().unwrap_or(false),
                    lat: end.lat,
                    lon: end.lon,
                }
            });
        }
        let all: Vec<Queue> = per_road.into_values().collect();
        let top = |key: fn(&Queue) -> f64| {
            let mut list: Vec<Queue> = all.iter().filter(|q| key(q) > 0.0).cloned().collect();
            list.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.label.cmp(&b.label)));
            // One line per road name, as the planner's bottleneck list has it.
            let mut seen = std::collections::HashSet::new();
            list.retain(|q| seen.insert(q.label.clone()));
            list.truncate(10);
            for q in &mut list {
                q.sumo_edges.sort();
            }
            list
        };
        (top(|q| q.time_loss_vehicle_hours), top(|q| q.planned_waiting_vehicle_hours))
    }

    /// The road's name as the planner's bottleneck list writes it.
    fn label(&self, e: EdgeId) -> String {
        if self.network.edge(e).flags & (flags::BRIDGE | flags::FORD | flags::FERRY) != 0 {
            evac_network::stats::crossing_label(self.network, e)
        } else {
            self.network.edge_label(e)
        }
    }
}

/// Figures from arrival times (seconds), the vehicles expected and the exposure.
fn figures(arrivals: &[f64], vehicles: u64, exposure_s: f64, step_s: f64) -> Figures {
    let mut sorted = arrivals.to_vec();
    sorted.sort_by(f64::total_cmp);
    let arrived = sorted.len() as u64;
    let need = ((vehicles as f64) * 0.9).ceil() as usize;
    let arrival_90_s = if need == 0 { Some(0.0) } else { sorted.get(need - 1).copied() };
    let last_arrival_s = if arrived == vehicles { Some(sorted.last().copied().unwrap_or(0.0)) } else { None };
    let steps = sorted.last().map_or(0, |&t| (t / step_s - 1e-9).ceil().max(0.0) as usize);
    let mut safe_by_step = Vec::with_capacity(steps + 1);
    let mut i = 0;
    for k in 0..=steps {
        let until = k as f64 * step_s + 1e-9;
        while i < sorted.len() && sorted[i] <= until {
            i += 1;
        }
        safe_by_step.push(i as u64);
    }
    Figures {
        vehicles,
        arrived,
        last_arrival_s,
        arrival_90_s,
        exposure_vehicle_minutes: exposure_s / 60.0,
        safe_by_step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_count_arrivals_by_step() {
        let f = figures(&[60.0, 120.0, 125.0, 300.0], 4, 600.0, 60.0);
        assert_eq!(f.safe_by_step, vec![0, 1, 2, 3, 3, 4]);
        assert_eq!(f.last_arrival_s, Some(300.0));
        // 90% of 4 is 3.6: the 4th vehicle.
        assert_eq!(f.arrival_90_s, Some(300.0));
        assert_eq!(f.exposure_vehicle_minutes, 10.0);
        // One vehicle never arrived: no last arrival, 90% not reached either.
        let g = figures(&[60.0, 120.0, 125.0], 4, 0.0, 60.0);
        assert_eq!((g.last_arrival_s, g.arrival_90_s, g.arrived), (None, None, 3));
        let h = figures(&[10.0; 9], 10, 0.0, 60.0);
        assert_eq!(h.arrival_90_s, Some(10.0));
    }

    #[test]
    fn planned_figures_match_the_planners_steps() {
        // Arrivals at whole steps give the planner's own safe-over-time curve.
        let f = figures(&[0.0, 180.0, 180.0], 3, 0.0, 60.0);
        assert_eq!(f.safe_by_step, vec![1, 1, 1, 3]);
    }

    #[test]
    fn options_are_checked() {
        assert!(SimOptions::default().validate().is_ok());
        let bad = SimOptions { time_to_teleport_s: -1.0, ..SimOptions::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("--time-to-teleport"));
        let bad = SimOptions { end_s: 0.0, ..SimOptions::default() };
        assert!(bad.validate().is_err());
    }
}
