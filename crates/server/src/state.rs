//! What the server knows besides the database: the scenario, its draft order, the map
//! layers and the plans computed by `evac up` (read from the output folder if present).

use evac_network::Network;
use evac_report::html::{OrderDocument, order_html};
use evac_scenario::Scenario;
use evac_store::Store;
use evac_zone::{Order, OrderOptions, Zone, ZoneAreas, ZoneRadii};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct SettlementInfo {
    pub id: String,
    pub name: String,
    pub name_uk: Option<String>,
    pub hromada: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
    pub zone: Zone,
    pub distance_km: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CentreInfo {
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub capacity: u32,
}

pub struct AppState {
    pub store: Store,
    pub scenario_name: String,
    pub authority: String,
    pub illustrative: Option<String>,
    pub settlements: Vec<SettlementInfo>,
    pub settlement_index: HashMap<String, usize>,
    pub centres: Vec<CentreInfo>,
    /// The order as computed now (not yet issued), listing only ordered settlements.
    pub draft: Order,
    pub order_map_svg: String,
    pub hazard_name: Option<String>,
    /// GeoJSON FeatureCollection of everything the map draws.
    pub layers: String,
    pub plan_summary: Option<serde_json::Value>,
    pub plan_chart: Option<String>,
    pub transit_summary: Option<serde_json::Value>,
    /// The transit plan's trips for pickup lists: `Err` when transit.json is missing or
    /// cannot be used (the trip calls answer with the reason).
    pub trips: Result<crate::pickup::TransitTrips, TripsUnavailable>,
}

/// Why there are no pickup lists.
#[derive(Debug, Clone, PartialEq)]
pub enum TripsUnavailable {
    /// No transit.json at this path.
    Missing(std::path::PathBuf),
    /// transit.json is there but damaged: what is wrong, naming the file.
    Damaged(String),
}

fn round(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

impl AppState {
    /// Everything the server shows besides the database: the scenario, its draft order, the
    /// map layers, and the plans `evac up` wrote to `out_dir` (if any).
    pub fn build(scenario: &Scenario, network: Option<&Network>, out_dir: &Path, store: Store) -> AppState {
        let full = Order::build(scenario, &OrderOptions::all_settlements());
        let settlements = settlement_infos(scenario, &full);
        let settlement_index = settlements.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        let centres = scenario
            .centres
            .iter()
            .map(|c| CentreInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                lat: c.location.lat,
                lon: c.location.lon,
                capacity: c.capacity,
            })
            .collect();
        let areas = evac_zone::rings::zone_areas(&scenario.hazard, ZoneRadii::of(scenario));
        let order_map_svg =
            evac_report::map::order_map_svg(&full, scenario.boundary.as_ref(), areas.as_ref(), &scenario.hazard, 900.0);
        let mut draft = full;
        // As `evac order` lists it: the ordered settlements, then those beyond the line apart.
        draft.settlements.retain(|e| e.zone.is_listed());
        let outputs = PlanOutputs::read(out_dir);
        let mut features = scenario_features(scenario, areas.as_ref());
        if let Some(net) = network {
            features.extend(network_features(net));
        }
        features.extend(outputs.map_features());
        let layers = serde_json::to_string(&json!({"type": "FeatureCollection", "features": features,
            "attribution": "© OpenStreetMap contributors (ODbL 1.0); GeoNames (CC BY 4.0)"}))
        .expect("layers serialise");
        AppState {
            store,
            scenario_name: scenario.config.name.clone(),
            authority: scenario.config.authority.clone(),
            illustrative: scenario.config.illustrative.clone(),
            settlements,
            settlement_index,
            centres,
            draft,
            order_map_svg,
            hazard_name: scenario.hazard.features.iter().find_map(|f| f.name.clone()),
            layers,
            plan_summary: outputs.plan_summary,
            plan_chart: outputs.plan_chart,
            transit_summary: outputs.transit_summary,
            trips: match crate::pickup::TransitTrips::read(out_dir) {
                Ok(Some(t)) => Ok(t),
                Ok(None) => Err(TripsUnavailable::Missing(out_dir.join("transit.json"))),
                Err(e) => Err(TripsUnavailable::Damaged(e)),
            },
        }
    }

    /// The printable HTML of the draft as issued with `number` at `issued_at`.
    pub fn order_html(&self, number: i64, issued_at: &str) -> String {
        let mut order = self.draft.clone();
        order.number = number.to_string();
        order.date = chrono::DateTime::parse_from_rfc3339(issued_at)
            .ok()
            .map(|d| d.date_naive())
            .or(Some(chrono::Utc::now().date_naive()));
        order_html(
            &order,
            &OrderDocument {
                map_svg: Some(&self.order_map_svg),
                diff: None,
                hazard_name: self.hazard_name.as_deref(),
                attribution: evac_report::DATA_ATTRIBUTION,
            },
        )
    }
}

fn geojson_value(mp: &geo::MultiPolygon<f64>) -> serde_json::Value {
    let polys: Vec<Vec<Vec<[f64; 2]>>> =
        mp.0.iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.iter().map(|c| [round(c.x), round(c.y)]).collect())
                    .collect()
            })
            .collect();
    json!({"type": "MultiPolygon", "coordinates": polys})
}

/// Each settlement of the scenario with its zone and distance from the full order.
fn settlement_infos(scenario: &Scenario, full: &Order) -> Vec<SettlementInfo> {
    let by_id: HashMap<&str, &evac_zone::OrderEntry> = full.settlements.iter().map(|e| (e.id.as_str(), e)).collect();
    scenario
        .settlements
        .iter()
        .map(|s| {
            let e = by_id[s.id.as_str()];
            SettlementInfo {
                id: s.id.clone(),
                name: s.name.clone(),
                name_uk: s.name_uk.clone(),
                hromada: s.hromada.clone(),
                lat: s.location.lat,
                lon: s.location.lon,
                population: s.population,
                zone: e.zone,
                distance_km: e.distance_km,
            }
        })
        .collect()
}

/// Map layers of the scenario itself: the boundary, the zone rings and the hazard.
fn scenario_features(scenario: &Scenario, areas: Option<&ZoneAreas>) -> Vec<serde_json::Value> {
    let mut features: Vec<serde_json::Value> = Vec::new();
    if let Some(b) = &scenario.boundary {
        features.push(json!({"type": "Feature", "properties": {"layer": "boundary"}, "geometry": geojson_value(b)}));
    }
    if let Some(a) = areas {
        features.push(json!({"type": "Feature", "properties": {"layer": "zone", "zone": "advisory"}, "geometry": geojson_value(&a.advisory_ring)}));
        features.push(json!({"type": "Feature", "properties": {"layer": "zone", "zone": "mandatory"}, "geometry": geojson_value(&a.mandatory)}));
    }
    for f in &scenario.hazard.features {
        let lines: Vec<Vec<[f64; 2]>> = match &f.geometry {
            evac_model::HazardGeometry::Lines(ls) => {
                ls.iter().map(|l| l.iter().map(|p| [p.lon, p.lat]).collect()).collect()
            }
            evac_model::HazardGeometry::Polygons(ps) => {
                ps.iter().flatten().map(|r| r.iter().map(|p| [p.lon, p.lat]).collect()).collect()
            }
        };
        features.push(json!({"type": "Feature", "properties": {"layer": "hazard", "name": f.name},
            "geometry": {"type": "MultiLineString", "coordinates": lines}}));
    }
    features
}

/// Map layers of the road network: roads by class (each road once), then rail.
fn network_features(net: &Network) -> Vec<serde_json::Value> {
    let mut features: Vec<serde_json::Value> = Vec::new();
    let mut by_class: HashMap<u8, Vec<Vec<[f64; 2]>>> = HashMap::new();
    for (id, e) in net.edge_ids().zip(net.edges()) {
        if e.twin != evac_network::NONE && e.twin < id.0 {
            continue;
        }
        let g: Vec<[f64; 2]> = net.edge_geometry(id).iter().map(|p| [round(p.lon), round(p.lat)]).collect();
        by_class.entry(e.class).or_default().push(g);
    }
    let mut classes: Vec<_> = by_class.into_iter().collect();
    classes.sort_by_key(|(c, _)| std::cmp::Reverse(*c));
    for (class, lines) in classes {
        let name = evac_network::RoadClass::from_u8(class).map_or("road", |c| c.osm_name());
        features.push(json!({"type": "Feature", "properties": {"layer": "roads", "class": name},
            "geometry": {"type": "MultiLineString", "coordinates": lines}}));
    }
    let rail: Vec<Vec<[f64; 2]>> = net
        .rail_lines()
        .iter()
        .map(|r| net.rail_geometry(r).iter().map(|p| [round(p.lon), round(p.lat)]).collect())
        .collect();
    if !rail.is_empty() {
        features.push(json!({"type": "Feature", "properties": {"layer": "rail"}, "geometry": {"type": "MultiLineString", "coordinates": rail}}));
    }
    features
}

/// What `evac plan` and `evac transit` wrote to the output folder, as far as the server
/// shows it: the summaries (without the bulky arrays), the chart, the loaded roads.
struct PlanOutputs {
    plan_summary: Option<serde_json::Value>,
    plan_chart: Option<String>,
    transit_summary: Option<serde_json::Value>,
    load_features: Vec<serde_json::Value>,
}

impl PlanOutputs {
    fn read(out_dir: &Path) -> PlanOutputs {
        let read_json = |name: &str, drop: &[&str]| {
            let mut v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(out_dir.join(name)).ok()?).ok()?;
            if let Some(o) = v.as_object_mut() {
                for k in drop {
                    o.remove(*k);
                }
            }
            Some(v)
        };
        let load_features = read_json("plan.geojson", &[])
            .map(|v| {
                v["features"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|f| f["properties"]["kind"] == "load")
                    .map(|f| {
                        let mut f = f.clone();
                        f["properties"]["layer"] = json!("load");
                        f
                    })
                    .collect()
            })
            .unwrap_or_default();
        PlanOutputs {
            plan_summary: read_json("plan.json", &["edges", "sources", "destinations", "groups"]),
            plan_chart: std::fs::read_to_string(out_dir.join("plan.svg")).ok(),
            transit_summary: read_json("transit.json", &["vehicles"]),
            load_features,
        }
    }

    /// The loaded roads, then a point per bottleneck.
    fn map_features(&self) -> Vec<serde_json::Value> {
        let mut features = self.load_features.clone();
        if let Some(s) = &self.plan_summary {
            for b in s["bottlenecks"].as_array().into_iter().flatten() {
                features.push(json!({"type": "Feature", "properties": {"layer": "bottleneck", "label": b["label"], "saturated_steps": b["saturated_steps"]},
                    "geometry": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}}));
            }
        }
        features
    }
}
