//! Zone classification and order building: the one place where a scenario becomes an order.

use crate::HazardIndex;
use crate::order::{Order, OrderEntry, OrderTotals, Zone, ZoneRadii};
use evac_model::{DemandDefaults, Hazard, Settlement};
use evac_scenario::Scenario;
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

/// How to issue an order from a scenario: the document's number and date, and whether to
/// list the settlements outside the zone too.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderOptions {
    /// Order number as printed ("draft" until issued).
    pub number: String,
    pub date: Option<chrono::NaiveDate>,
    /// List the settlements beyond the advisory distance too (zone `outside`).
    pub include_outside: bool,
}

impl Default for OrderOptions {
    fn default() -> Self {
        OrderOptions { number: "draft".into(), date: None, include_outside: false }
    }
}

impl OrderOptions {
    /// Every settlement of the scenario with its zone: what planners and the server need.
    pub fn all_settlements() -> Self {
        OrderOptions { include_outside: true, ..Default::default() }
    }
}

impl Order {
    /// The order a scenario's hazard and zone distances call for.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use evac_zone::{Order, OrderOptions};
    /// let scenario = evac_scenario::Scenario::load("scenarios/kupiansk".as_ref())?;
    /// let order = Order::build(&scenario, &OrderOptions::default());
    /// println!("{} settlements must leave", order.totals.mandatory.settlements);
    /// # Ok(()) }
    /// ```
    pub fn build(scenario: &Scenario, options: &OrderOptions) -> Order {
        Order::compute(&OrderInput {
            scenario: &scenario.config.name,
            authority: &scenario.config.authority,
            illustrative: scenario.config.illustrative.as_deref(),
            settlements: &scenario.settlements,
            hazard: &scenario.hazard,
            radii: ZoneRadii::of(scenario),
            demand: scenario.demand(),
            number: &options.number,
            date: options.date,
            include_outside: options.include_outside,
        })
    }

    /// Build the order from its parts: settlements within the advisory distance, nearest first.
    pub fn compute(input: &OrderInput<'_>) -> Order {
        build_order(input)
    }

    /// The zone of each settlement id.
    pub fn zones(&self) -> std::collections::HashMap<&str, Zone> {
        self.settlements.iter().map(|e| (e.id.as_str(), e.zone)).collect()
    }
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

fn build_order(input: &OrderInput<'_>) -> Order {
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
