//! Zone classification and order building.

use evac_geo::HazardIndex;
use evac_model::{DemandDefaults, Hazard, Order, OrderEntry, OrderTotals, Settlement, Zone, ZoneRadii};
use rayon::prelude::*;

/// Distance of one settlement to the hazard and the zone it falls in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    pub distance_m: f64,
    pub zone: Zone,
}

/// Classify every settlement (in parallel): one [`Classification`] per settlement, same order.
pub fn classify(settlements: &[Settlement], index: &HazardIndex, radii: ZoneRadii) -> Vec<Classification> {
    settlements
        .par_iter()
        .map(|s| {
            let distance_m = index.distance_m(s.location);
            Classification { distance_m, zone: radii.zone_for_km(distance_m / 1000.0) }
        })
        .collect()
}

/// Everything an order is computed from.
#[derive(Debug, Clone)]
pub struct OrderInput<'a> {
    pub scenario: &'a str,
    pub authority: &'a str,
    pub illustrative: Option<&'a str>,
    pub settlements: &'a [Settlement],
    pub hazard: &'a Hazard,
    pub radii: ZoneRadii,
    pub demand: DemandDefaults,
    pub number: &'a str,
    pub date: Option<chrono::NaiveDate>,
    /// List the settlements beyond the advisory distance too (zone `outside`).
    pub include_outside: bool,
}

/// Build the order: settlements within the advisory distance, nearest first.
pub fn build_order(input: &OrderInput<'_>) -> Order {
    let index = HazardIndex::new(input.hazard);
    let classes = classify(input.settlements, &index, input.radii);
    let mut entries: Vec<OrderEntry> = input
        .settlements
        .iter()
        .zip(&classes)
        .map(|(s, c)| {
            // Metre precision: stable outputs, and no more than the data supports. The zone is
            // decided on the rounded value so that the printed distance and zone always agree.
            let distance_km = (c.distance_m).round() / 1000.0;
            OrderEntry {
                id: s.id.clone(),
                name: s.name.clone(),
                name_uk: s.name_uk.clone(),
                hromada: s.hromada.clone(),
                katottg: s.katottg.clone(),
                lat: s.location.lat,
                lon: s.location.lon,
                population: s.population,
                distance_km,
                zone: input.radii.zone_for_km(distance_km),
                children: input.demand.children(s),
                immobile: Some(input.demand.immobile(s)),
                households: Some(input.demand.households(s)),
                population_source: s.population_source.clone(),
            }
        })
        .collect();
    let totals = OrderTotals::from_entries(&entries);
    if !input.include_outside {
        entries.retain(|e| e.zone.is_ordered());
    }
    entries.sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km).then_with(|| a.id.cmp(&b.id)));
    Order {
        scenario: input.scenario.to_string(),
        authority: input.authority.to_string(),
        number: input.number.to_string(),
        date: input.date,
        hazard_valid_from: input.hazard.valid_from(),
        illustrative: input.illustrative.map(str::to_string),
        mandatory_km: input.radii.mandatory_km,
        advisory_km: input.radii.advisory_km,
        settlements: entries,
        totals,
    }
}
