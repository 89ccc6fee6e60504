//! Zone classification and order building: the one place where a scenario becomes an order.

use crate::HazardIndex;
use crate::order::{Order, OrderEntry, OrderTotals, Zone, ZoneRadii};
use crate::side::LineSide;
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
/// With a `side`, settlements beyond the line are [`Zone::BeyondLine`] whatever their distance.
pub fn classify(
    settlements: &[Settlement],
    index: &HazardIndex,
    radii: ZoneRadii,
    side: Option<&LineSide>,
) -> Vec<Classification> {
    settlements
        .par_iter()
        .map(|s| {
            let distance_m = index.distance_m(s.location);
            Classification { distance_m, zone: zone_of(radii, distance_m / 1000.0, side, s) }
        })
        .collect()
}

/// The zone of a settlement at `distance_km` from the hazard: beyond the line first (a
/// village 30 km beyond a front line is no safer to send across it than one 3 km beyond).
fn zone_of(radii: ZoneRadii, distance_km: f64, side: Option<&LineSide>, s: &Settlement) -> Zone {
    if side.is_some_and(|side| side.beyond(s.location)) { Zone::BeyondLine } else { radii.zone_for_km(distance_km) }
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

/// The warning owed when a scenario's `[zone] beyond_line` rule cannot apply, if any: a
/// line hazard without reception centres keeps the symmetric rings, both sides ordered.
pub fn side_warning(scenario: &Scenario) -> Option<String> {
    match LineSide::of(scenario) {
        Err(crate::NoSide::NoCentres) => Some(format!(
            "{}: the hazard is a line but the scenario has no reception centres, so which side of the line is ours is unknown: settlements on both sides are ordered ([zone] beyond_line needs [files] centres; docs/scenario.md)",
            scenario.dir.join("scenario.toml").display()
        )),
        _ => None,
    }
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
        let side = LineSide::of(scenario).ok();
        Order::compute(&OrderInput {
            scenario: &scenario.config.name,
            authority: &scenario.config.authority,
            illustrative: scenario.config.illustrative.as_deref(),
            settlements: &scenario.settlements,
            hazard: &scenario.hazard,
            radii: ZoneRadii::of(scenario),
            side: side.as_ref(),
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
    /// Which places lie beyond a line hazard; `None`: both sides alike.
    pub side: Option<&'a LineSide>,
    pub demand: DemandDefaults,
    pub number: &'a str,
    pub date: Option<chrono::NaiveDate>,
    /// List the settlements beyond the advisory distance too (zone `outside`).
    pub include_outside: bool,
}

fn build_order(input: &OrderInput<'_>) -> Order {
    let index = HazardIndex::new(input.hazard);
    let classes = classify(input.settlements, &index, input.radii, input.side);
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
                zone: match c.zone {
                    Zone::BeyondLine => Zone::BeyondLine,
                    _ => input.radii.zone_for_km(distance_km),
                },
                children: input.demand.children(s),
                immobile: Some(input.demand.immobile(s)),
                households: Some(input.demand.households(s)),
                population_source: s.population_source.clone(),
            }
        })
        .collect();
    let totals = OrderTotals::from_entries(&entries);
    if !input.include_outside {
        entries.retain(|e| e.zone.is_listed());
    }
    // The settlements beyond the line come after the others, apart: they are not ordered.
    entries.sort_by(|a, b| {
        (a.zone == Zone::BeyondLine)
            .cmp(&(b.zone == Zone::BeyondLine))
            .then(a.distance_km.total_cmp(&b.distance_km))
            .then_with(|| a.id.cmp(&b.id))
    });
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
