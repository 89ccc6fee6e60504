//! Attaching settlements and reception centres to the road network.

use crate::error::PlanError;
use evac_model::LatLon;
use evac_network::{Network, Snapper};
use evac_scenario::{FarFromRoad, Scenario};

/// A place attached to its nearest routing node.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub location: LatLon,
    pub node: u32,
    /// Geodesic distance from the place to its node, metres.
    pub snap_m: f64,
}

impl Site {
    pub fn is_far(&self, max_snap_m: f64) -> bool {
        self.snap_m > max_snap_m
    }
}

/// Snap places (id, name, location) to the network.
pub fn attach<'a>(network: &Network, places: impl IntoIterator<Item = (&'a str, &'a str, LatLon)>) -> Vec<Site> {
    let snapper = Snapper::new(network);
    places
        .into_iter()
        .map(|(id, name, location)| {
            let snap = snapper.nearest(location).expect("a built network has nodes");
            Site { id: id.to_string(), name: name.to_string(), location, node: snap.node, snap_m: snap.distance_m }
        })
        .collect()
}

/// A scenario's settlements and centres attached to the network, with the far ones reported.
#[derive(Debug, Clone)]
pub struct Attached {
    /// One site per settlement of the scenario, same order.
    pub settlements: Vec<Site>,
    /// One site per reception centre, same order.
    pub centres: Vec<Site>,
    pub warnings: Vec<String>,
}

/// Attach a scenario's places. Places farther than `network.max_snap_km` are warnings, or an
/// error when the scenario sets `far_from_road = "error"`.
pub fn attach_scenario(scenario: &Scenario, network: &Network) -> Result<Attached, PlanError> {
    let settlements =
        attach(network, scenario.settlements.iter().map(|s| (s.id.as_str(), s.name.as_str(), s.location)));
    let centres = attach(network, scenario.centres.iter().map(|c| (c.id.as_str(), c.name.as_str(), c.location)));
    let max_m = scenario.config.network.max_snap_km * 1000.0;
    let mut warnings = Vec::new();
    for (kind, sites) in [("settlement", &settlements), ("centre", &centres)] {
        for s in sites.iter().filter(|s| s.is_far(max_m)) {
            warnings.push(format!(
                "{kind} {} ({}) is {:.1} km from the nearest road of the network (limit network.max_snap_km = {})",
                s.name,
                s.id,
                s.snap_m / 1000.0,
                scenario.config.network.max_snap_km
            ));
        }
    }
    if scenario.config.network.far_from_road == FarFromRoad::Error && !warnings.is_empty() {
        return Err(PlanError::FarFromRoad(warnings.join("\n")));
    }
    Ok(Attached { settlements, centres, warnings })
}

/// What `evac scenario check` reports about a scenario on its network.
#[derive(Debug, Clone)]
pub struct Reachability {
    pub attached: Attached,
    /// Settlements (index into the scenario's) with no route to any reception centre.
    pub unreachable: Vec<usize>,
    /// Free-flow seconds from the settlement farthest from its nearest centre.
    pub worst_s: f64,
}

/// Attach a scenario and check that every settlement can reach a reception centre.
pub fn reachability(scenario: &Scenario, network: &Network) -> Result<Reachability, PlanError> {
    let attached = attach_scenario(scenario, network)?;
    let router = evac_network::Router::new(network, None);
    let nodes: Vec<u32> = attached.settlements.iter().map(|s| s.node).collect();
    let targets: Vec<u32> = attached.centres.iter().map(|c| c.node).collect();
    let table = if targets.is_empty() { vec![Vec::new(); nodes.len()] } else { router.matrix(&nodes, &targets) };
    let unreachable =
        table.iter().enumerate().filter(|(_, row)| row.iter().all(Option::is_none)).map(|(i, _)| i).collect();
    let worst_s = table.iter().filter_map(|row| row.iter().flatten().copied().reduce(f64::min)).fold(0.0, f64::max);
    Ok(Reachability { attached, unreachable, worst_s })
}
