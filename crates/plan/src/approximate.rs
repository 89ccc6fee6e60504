//! How much of a car plan rests on approximate links (straight access links standing for
//! village roads that are not in the data; `evac_network::flags::APPROXIMATE`): the
//! vehicles, and the people in them, whose routes use one. Kept apart from the planner: it
//! only reads a finished plan.

use crate::car::CarPlan;
use evac_network::{NONE, Network, flags};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};

/// Vehicles and people whose planned routes use at least one approximate link.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApproximateUse {
    /// Approximate links in the network (each road once, whatever its directions).
    pub network_links: u64,
    pub vehicles: u64,
    /// The people in those vehicles (vehicles times persons per car).
    pub people: u64,
    /// Share of all planned vehicles.
    pub share: f64,
    /// Settlements with at least one such vehicle.
    pub settlements: u64,
    /// Distinct approximate links the plan uses, and their length.
    pub links_used: u64,
    pub km_used: f64,
}

/// Count what of `car`'s plan uses approximate links of `network`; `occupancy` is the
/// persons per car the plan was made with.
pub fn approximate_use(car: &CarPlan, network: &Network, occupancy: f64) -> ApproximateUse {
    let p = &car.problem;
    let edges = network.edges();
    let approximate = |id: u32| edges[id as usize].flags & flags::APPROXIMATE != 0;
    let network_links = edges
        .iter()
        .enumerate()
        .filter(|(i, e)| e.flags & flags::APPROXIMATE != 0 && (e.twin == NONE || e.twin as usize > *i))
        .count() as u64;
    let mut vehicles = 0u64;
    let mut settlements = BTreeSet::new();
    // A link and its twin are one road.
    let mut used: HashSet<u32> = HashSet::new();
    for g in &car.result.plan.groups {
        let mut uses = false;
        for l in g.legs.iter().filter(|l| p.edge(l.edge).junction.is_none()) {
            let id = p.edge(l.edge).id.0;
            if approximate(id) {
                uses = true;
                let twin = edges[id as usize].twin;
                used.insert(if twin == NONE { id } else { id.min(twin) });
            }
        }
        if uses {
            vehicles += u64::from(g.vehicles);
            settlements.insert(p.sources()[g.source as usize].settlement.as_str());
        }
    }
    let total = p.total_vehicles();
    ApproximateUse {
        network_links,
        vehicles,
        people: (vehicles as f64 * occupancy).round() as u64,
        share: if total == 0 { 0.0 } else { vehicles as f64 / total as f64 },
        settlements: settlements.len() as u64,
        links_used: used.len() as u64,
        // + 0.0: an empty sum is -0.0.
        km_used: used.iter().map(|&e| f64::from(edges[e as usize].length_m)).sum::<f64>().round() / 1000.0 + 0.0,
    }
}
