//! What the server knows besides the database: the scenario, its draft order, the map
//! layers and the plans computed by `evac up` (read from the output folder if present).

use evac_model::{Order, Zone};
use evac_network::Network;
use evac_plan::{OrderInput, build_order};
use evac_report::html::{OrderDocument, order_html};
use evac_scenario::Scenario;
use evac_store::Store;
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
}

fn round(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

impl AppState {
    pub fn build(scenario: &Scenario, network: Option<&Network>, out_dir: &Path, store: Store) -> AppState {
        let full = build_order(&OrderInput {
            scenario: &scenario.config.name,
            authority: &scenario.config.authority,
            illustrative: scenario.config.illustrative.as_deref(),
            settlements: &scenario.settlements,
            hazard: &scenario.hazard,
            radii: scenario.radii(),
            demand: scenario.demand(),
            number: "draft",
            date: None,
            include_outside: true,
        });
        let by_id: HashMap<&str, &evac_model::OrderEntry> =
            full.settlements.iter().map(|e| (e.id.as_str(), e)).collect();
        let settlements: Vec<SettlementInfo> = scenario
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
            .collect();
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
        let areas = evac_geo::buffer::zone_areas(&scenario.hazard, scenario.radii());
        let order_map_svg =
            evac_report::map::order_map_svg(&full, scenario.boundary.as_ref(), areas.as_ref(), &scenario.hazard, 900.0);
        let mut draft = full.clone();
        draft.settlements.retain(|e| e.zone.is_ordered());
        // Map layers.
        let mut features: Vec<serde_json::Value> = Vec::new();
        if let Some(b) = &scenario.boundary {
            features
                .push(json!({"type": "Feature", "properties": {"layer": "boundary"}, "geometry": geojson_value(b)}));
        }
        if let Some(a) = &areas {
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
        if let Some(net) = network {
            // Roads by class, each road once; rail; bridges.
            let mut by_class: HashMap<u8, Vec<Vec<[f64; 2]>>> = HashMap::new();
            for (i, e) in net.edges().iter().enumerate() {
                if e.twin != evac_network::NONE && (e.twin as usize) < i {
                    continue;
                }
                let g: Vec<[f64; 2]> =
                    net.edge_geometry(i as u32).iter().map(|p| [round(p.lon), round(p.lat)]).collect();
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
        }
        let plan_summary: Option<serde_json::Value> = std::fs::read_to_string(out_dir.join("plan.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|mut v| {
                if let Some(o) = v.as_object_mut() {
                    for k in ["edges", "sources", "destinations", "groups"] {
                        o.remove(k);
                    }
                }
                v
            });
        if let Ok(text) = std::fs::read_to_string(out_dir.join("plan.geojson"))
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            for f in v["features"].as_array().into_iter().flatten() {
                if f["properties"]["kind"] == "load" {
                    let mut f = f.clone();
                    f["properties"]["layer"] = json!("load");
                    features.push(f);
                }
            }
        }
        if let Some(s) = &plan_summary {
            for b in s["bottlenecks"].as_array().into_iter().flatten() {
                features.push(json!({"type": "Feature", "properties": {"layer": "bottleneck", "label": b["label"], "saturated_steps": b["saturated_steps"]},
                    "geometry": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}}));
            }
        }
        let plan_chart = std::fs::read_to_string(out_dir.join("plan.svg")).ok();
        let transit_summary = std::fs::read_to_string(out_dir.join("transit.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|mut v| {
                if let Some(o) = v.as_object_mut() {
                    o.remove("vehicles");
                }
                v
            });
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
            plan_summary,
            plan_chart,
            transit_summary,
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
