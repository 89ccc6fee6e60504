use serde::{Deserialize, Serialize};

/// Which ring of the hazard a settlement falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    /// Within `mandatory_km`: residents must leave.
    Mandatory,
    /// Within `advisory_km`: residents are urged to leave.
    Advisory,
    Outside,
    /// Beyond a line hazard, on the far side from the reception centres (a front line's
    /// hostile side, [`crate::LineSide`]): within reach of no road out, so not ordered to
    /// drive out, listed apart so the authority knows who its order cannot reach.
    #[serde(rename = "beyond_line")]
    BeyondLine,
}

impl Zone {
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Mandatory => "mandatory",
            Zone::Advisory => "advisory",
            Zone::Outside => "outside",
            Zone::BeyondLine => "beyond_line",
        }
    }

    /// Ordered to leave: mandatory or advisory.
    pub fn is_ordered(self) -> bool {
        matches!(self, Zone::Mandatory | Zone::Advisory)
    }

    /// Listed in an order document: the ordered zones, and the settlements beyond the line
    /// (listed apart, not ordered).
    pub fn is_listed(self) -> bool {
        self.is_ordered() || self == Zone::BeyondLine
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two distances that define the zones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZoneRadii {
    pub mandatory_km: f64,
    pub advisory_km: f64,
}

impl ZoneRadii {
    /// The radii a scenario sets in `[zone]`.
    pub fn of(scenario: &evac_scenario::Scenario) -> Self {
        let z = &scenario.config.zone;
        ZoneRadii { mandatory_km: z.mandatory_km, advisory_km: z.advisory_km }
    }

    /// Classify a distance. Boundaries are inclusive: a settlement exactly at
    /// `mandatory_km` is in the mandatory zone.
    ///
    /// ```
    /// use evac_zone::{Zone, ZoneRadii};
    /// let r = ZoneRadii { mandatory_km: 10.0, advisory_km: 25.0 };
    /// assert_eq!(r.zone_for_km(10.0), Zone::Mandatory);
    /// assert_eq!(r.zone_for_km(10.1), Zone::Advisory);
    /// assert_eq!(r.zone_for_km(25.1), Zone::Outside);
    /// ```
    pub fn zone_for_km(&self, distance_km: f64) -> Zone {
        if distance_km <= self.mandatory_km {
            Zone::Mandatory
        } else if distance_km <= self.advisory_km {
            Zone::Advisory
        } else {
            Zone::Outside
        }
    }
}

/// One settlement as listed in an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderEntry {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_uk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hromada: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub katottg: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
    /// Geodesic distance to the hazard, km (0 inside a hazard polygon).
    pub distance_km: f64,
    pub zone: Zone,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immobile: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_source: Option<String>,
}

/// Counts for one zone.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ZoneTotals {
    pub settlements: u32,
    pub population: u64,
    pub children: u64,
    pub immobile: u64,
    pub households: u64,
}

impl ZoneTotals {
    fn add(&mut self, e: &OrderEntry) {
        self.settlements += 1;
        self.population += u64::from(e.population);
        self.children += u64::from(e.children.unwrap_or(0));
        self.immobile += u64::from(e.immobile.unwrap_or(0));
        self.households += u64::from(e.households.unwrap_or(0));
    }
}

/// Totals of an order, by zone.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct OrderTotals {
    pub mandatory: ZoneTotals,
    pub advisory: ZoneTotals,
    /// Mandatory + advisory.
    pub ordered: ZoneTotals,
    /// Settlements of the scenario beyond the advisory distance (not listed).
    pub outside: ZoneTotals,
    /// Settlements on the far side of a line hazard (listed apart, not ordered). Absent
    /// from orders written before the rule: zero.
    #[serde(default)]
    pub beyond_line: ZoneTotals,
}

impl OrderTotals {
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a OrderEntry>) -> Self {
        let mut t = OrderTotals::default();
        for e in entries {
            match e.zone {
                Zone::Mandatory => t.mandatory.add(e),
                Zone::Advisory => t.advisory.add(e),
                Zone::Outside => t.outside.add(e),
                Zone::BeyondLine => t.beyond_line.add(e),
            }
            if e.zone.is_ordered() {
                t.ordered.add(e);
            }
        }
        t
    }
}

/// An evacuation order: the settlements within the zone, sorted by distance to the hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub scenario: String,
    #[serde(default)]
    pub authority: String,
    /// Order number as issued ("draft" until issued).
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub date: Option<chrono::NaiveDate>,
    /// The date of the hazard geometry the order was computed from.
    #[serde(default)]
    pub hazard_valid_from: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illustrative: Option<String>,
    pub mandatory_km: f64,
    pub advisory_km: f64,
    pub settlements: Vec<OrderEntry>,
    pub totals: OrderTotals,
}

impl Order {
    pub fn ordered(&self) -> impl Iterator<Item = &OrderEntry> {
        self.settlements.iter().filter(|e| e.zone.is_ordered())
    }

    /// The settlements listed beyond the line (not ordered).
    pub fn beyond_line(&self) -> impl Iterator<Item = &OrderEntry> {
        self.settlements.iter().filter(|e| e.zone == Zone::BeyondLine)
    }
}

/// A settlement whose zone differs between two orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneChange {
    pub id: String,
    pub name: String,
    pub population: u32,
    pub from: Zone,
    pub to: Zone,
}

/// What changed from one order to the next.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrderDiff {
    pub previous_settlements: u32,
    pub current_settlements: u32,
    /// Ordered now, not ordered before.
    pub added: Vec<OrderEntry>,
    /// Ordered before, not ordered now.
    pub removed: Vec<OrderEntry>,
    /// Ordered in both, in a different zone.
    pub zone_changed: Vec<ZoneChange>,
    /// Ordered in one order and beyond the line in the other: the line moved past them
    /// (such settlements are in `added` or `removed` too; this says why).
    #[serde(default)]
    pub beyond_line_changed: Vec<ZoneChange>,
    pub population_added: u64,
    pub population_removed: u64,
    /// Current ordered population minus the previous one (may be negative).
    pub population_growth: i64,
}

impl OrderDiff {
    /// Compare two orders by settlement id.
    pub fn between(previous: &Order, current: &Order) -> Self {
        use std::collections::HashMap;
        let prev: HashMap<&str, &OrderEntry> = previous.ordered().map(|e| (e.id.as_str(), e)).collect();
        let cur: HashMap<&str, &OrderEntry> = current.ordered().map(|e| (e.id.as_str(), e)).collect();
        let added: Vec<OrderEntry> = current.ordered().filter(|e| !prev.contains_key(e.id.as_str())).cloned().collect();
        let removed: Vec<OrderEntry> =
            previous.ordered().filter(|e| !cur.contains_key(e.id.as_str())).cloned().collect();
        let zone_changed = current
            .ordered()
            .filter_map(|e| {
                let p = prev.get(e.id.as_str())?;
                (p.zone != e.zone).then(|| ZoneChange {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    population: e.population,
                    from: p.zone,
                    to: e.zone,
                })
            })
            .collect();
        // Settlements that left the order because the line moved past them, or came back.
        let listed =
            |o: &'_ Order| -> HashMap<String, Zone> { o.settlements.iter().map(|e| (e.id.clone(), e.zone)).collect() };
        let (prev_zone, cur_zone) = (listed(previous), listed(current));
        let change = |e: &OrderEntry, from: Zone, to: Zone| ZoneChange {
            id: e.id.clone(),
            name: e.name.clone(),
            population: e.population,
            from,
            to,
        };
        let beyond_line_changed = removed
            .iter()
            .filter(|e| cur_zone.get(&e.id) == Some(&Zone::BeyondLine))
            .map(|e| change(e, e.zone, Zone::BeyondLine))
            .chain(
                added
                    .iter()
                    .filter(|e| prev_zone.get(&e.id) == Some(&Zone::BeyondLine))
                    .map(|e| change(e, Zone::BeyondLine, e.zone)),
            )
            .collect();
        let sum = |v: &[OrderEntry]| v.iter().map(|e| u64::from(e.population)).sum::<u64>();
        let prev_pop: u64 = previous.ordered().map(|e| u64::from(e.population)).sum();
        let cur_pop: u64 = current.ordered().map(|e| u64::from(e.population)).sum();
        OrderDiff {
            previous_settlements: prev.len() as u32,
            current_settlements: cur.len() as u32,
            population_added: sum(&added),
            population_removed: sum(&removed),
            population_growth: cur_pop as i64 - prev_pop as i64,
            added,
            removed,
            zone_changed,
            beyond_line_changed,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.zone_changed.is_empty()
    }
}
