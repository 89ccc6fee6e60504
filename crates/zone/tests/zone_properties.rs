//! Invariants of zone classification on random settlements and hazards.

use evac_geo::distance_to_segment_m;
use evac_model::{DemandDefaults, Hazard, HazardFeature, HazardGeometry, LatLon, Settlement};
use evac_zone::HazardIndex;
use evac_zone::{LineSide, Order, OrderInput, Zone, ZoneRadii, classify};
use proptest::prelude::*;
use std::collections::HashSet;

fn settlement(i: usize, lat: f64, lon: f64, population: u32) -> Settlement {
    Settlement {
        id: format!("s{i}"),
        name: format!("Settlement {i}"),
        name_uk: None,
        name_latin: None,
        alt_names: vec![],
        hromada: Some(format!("h{}", i % 3)),
        katottg: None,
        location: LatLon::new(lat, lon),
        population,
        households: None,
        no_car_share: None,
        immobile: None,
        children: None,
        population_source: None,
    }
}

fn arb_settlements() -> impl Strategy<Value = Vec<Settlement>> {
    prop::collection::vec((49.0..50.5f64, 36.5..38.5f64, 0u32..30_000), 1..80)
        .prop_map(|v| v.into_iter().enumerate().map(|(i, (lat, lon, p))| settlement(i, lat, lon, p)).collect())
}

fn arb_line() -> impl Strategy<Value = Vec<LatLon>> {
    prop::collection::vec((49.0..50.5f64, 37.0..38.2f64), 2..12)
        .prop_map(|v| v.into_iter().map(|(a, b)| LatLon::new(a, b)).collect())
}

fn hazard(line: Vec<LatLon>) -> Hazard {
    Hazard {
        features: vec![HazardFeature { name: None, valid_from: None, geometry: HazardGeometry::Lines(vec![line]) }],
    }
}

fn input<'a>(settlements: &'a [Settlement], hazard: &'a Hazard, radii: ZoneRadii) -> OrderInput<'a> {
    with_side(settlements, hazard, radii, None)
}

fn with_side<'a>(
    settlements: &'a [Settlement],
    hazard: &'a Hazard,
    radii: ZoneRadii,
    side: Option<&'a LineSide>,
) -> OrderInput<'a> {
    OrderInput {
        scenario: "prop",
        authority: "",
        illustrative: None,
        settlements,
        hazard,
        radii,
        side,
        demand: DemandDefaults::default(),
        number: "1",
        date: None,
        include_outside: true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_settlement_classified_exactly_once(settlements in arb_settlements(), line in arb_line(), m in 0.0..30.0f64, extra in 0.0..30.0f64) {
        let hazard = hazard(line);
        let radii = ZoneRadii { mandatory_km: m, advisory_km: m + extra };
        let order = Order::compute(&input(&settlements, &hazard, radii));
        prop_assert_eq!(order.settlements.len(), settlements.len());
        let ids: HashSet<&str> = order.settlements.iter().map(|e| e.id.as_str()).collect();
        prop_assert_eq!(ids.len(), settlements.len());
        let t = order.totals;
        prop_assert_eq!(t.mandatory.settlements + t.advisory.settlements + t.outside.settlements, settlements.len() as u32);
        let total: u64 = settlements.iter().map(|s| u64::from(s.population)).sum();
        prop_assert_eq!(t.mandatory.population + t.advisory.population + t.outside.population, total);
        prop_assert_eq!(t.ordered.population, t.mandatory.population + t.advisory.population);
        // Sorted by distance, and each zone agrees with its distance.
        for w in order.settlements.windows(2) {
            prop_assert!(w[0].distance_km <= w[1].distance_km);
        }
        for e in &order.settlements {
            prop_assert_eq!(e.zone, radii.zone_for_km(e.distance_km), "{} at {} km", e.id, e.distance_km);
        }
    }

    #[test]
    fn zones_are_monotone_in_the_radii(settlements in arb_settlements(), line in arb_line(), m in 0.0..20.0f64, a in 0.0..20.0f64, grow_m in 0.0..10.0f64, grow_a in 0.0..10.0f64) {
        let hazard = hazard(line);
        let index = HazardIndex::new(&hazard);
        let small = ZoneRadii { mandatory_km: m, advisory_km: m + a };
        let large = ZoneRadii { mandatory_km: m + grow_m, advisory_km: m + grow_m + a + grow_a };
        let before = classify(&settlements, &index, small, None);
        let after = classify(&settlements, &index, large, None);
        for (b, a) in before.iter().zip(&after) {
            // Zone order: Mandatory < Advisory < Outside; a larger radius never moves a settlement outwards.
            prop_assert!(a.zone <= b.zone, "{:?} -> {:?}", b.zone, a.zone);
            if b.zone == Zone::Mandatory { prop_assert_eq!(a.zone, Zone::Mandatory); }
        }
    }

    #[test]
    fn beyond_the_line_is_listed_apart_and_counted(settlements in arb_settlements(), line in arb_line(), centres in prop::collection::vec((49.0..50.5f64, 35.5..36.5f64), 1..4), m in 0.0..30.0f64, extra in 0.0..30.0f64) {
        let hazard = hazard(line);
        let centres: Vec<LatLon> = centres.into_iter().map(|(a, b)| LatLon::new(a, b)).collect();
        let side = LineSide::new(&hazard, &centres).unwrap();
        let radii = ZoneRadii { mandatory_km: m, advisory_km: m + extra };
        let order = Order::compute(&with_side(&settlements, &hazard, radii, Some(&side)));
        prop_assert_eq!(order.settlements.len(), settlements.len());
        let t = order.totals;
        prop_assert_eq!(t.mandatory.settlements + t.advisory.settlements + t.outside.settlements + t.beyond_line.settlements, settlements.len() as u32);
        let total: u64 = settlements.iter().map(|s| u64::from(s.population)).sum();
        prop_assert_eq!(t.mandatory.population + t.advisory.population + t.outside.population + t.beyond_line.population, total);
        prop_assert_eq!(t.ordered.population, t.mandatory.population + t.advisory.population);
        // Beyond the line exactly where the rule says so; every other zone agrees with its distance.
        for e in &order.settlements {
            let beyond = side.beyond(LatLon::new(e.lat, e.lon));
            prop_assert_eq!(e.zone == Zone::BeyondLine, beyond, "{}", e.id);
            if !beyond { prop_assert_eq!(e.zone, radii.zone_for_km(e.distance_km)); }
        }
        // The ones beyond the line come last, each group nearest first.
        for w in order.settlements.windows(2) {
            let (a, b) = (w[0].zone == Zone::BeyondLine, w[1].zone == Zone::BeyondLine);
            prop_assert!(!a || b);
            if a == b { prop_assert!(w[0].distance_km <= w[1].distance_km); }
        }
    }

    #[test]
    fn index_distance_equals_brute_force(settlements in arb_settlements(), line in arb_line()) {
        let hazard = hazard(line.clone());
        let index = HazardIndex::new(&hazard);
        for s in &settlements {
            let brute = line.windows(2).map(|w| distance_to_segment_m(s.location, w[0], w[1])).fold(f64::INFINITY, f64::min);
            let fast = index.distance_m(s.location);
            prop_assert!((fast - brute).abs() < 1e-3, "{} vs {}", fast, brute);
        }
    }
}
