//! The order as machine-readable files: JSON, CSV, GeoJSON.

use crate::html::{OrderDocument, order_html};
use crate::map::order_map_svg;
use evac_model::{Hazard, HazardGeometry};
use evac_scenario::Scenario;
use evac_zone::{Order, OrderDiff, ZoneAreas, ZoneRadii};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde_json::json;

/// Every file of an order, by name: order.json, order.csv, order.geojson, the printable
/// order.html, and order_changes.json when a previous order is compared. `order` lists what
/// the document lists; `full` every settlement (for the map).
pub fn order_files(
    scenario: &Scenario,
    order: &Order,
    full: &Order,
    diff: Option<&OrderDiff>,
) -> Vec<(&'static str, Vec<u8>)> {
    let areas = evac_zone::rings::zone_areas(&scenario.hazard, ZoneRadii::of(scenario));
    let svg = order_map_svg(full, scenario.boundary.as_ref(), areas.as_ref(), &scenario.hazard, 900.0);
    let hazard_name = scenario.hazard.features.iter().find_map(|f| f.name.clone());
    let html = order_html(
        order,
        &OrderDocument {
            map_svg: Some(&svg),
            diff,
            hazard_name: hazard_name.as_deref(),
            attribution: crate::DATA_ATTRIBUTION,
        },
    );
    let mut files = vec![
        ("order.json", order_json(order).into_bytes()),
        ("order.csv", order_csv(order).into_bytes()),
        ("order.geojson", order_geojson(order, areas.as_ref(), &scenario.hazard).into_bytes()),
        ("order.html", html.into_bytes()),
    ];
    if let Some(diff) = diff {
        let mut json = serde_json::to_string_pretty(diff).expect("diffs serialise");
        json.push('\n');
        files.push(("order_changes.json", json.into_bytes()));
    }
    files
}

/// `order.json`: the order itself (see the `Order` type for the keys).
pub fn order_json(order: &Order) -> String {
    let mut s = serde_json::to_string_pretty(order).expect("orders always serialise");
    s.push('\n');
    s
}

/// `order.csv`: one row per listed settlement, spreadsheet-friendly.
pub fn order_csv(order: &Order) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    crate::write_csv_row(
        &mut w,
        [
            "id",
            "name",
            "name_uk",
            "hromada",
            "katottg",
            "lat",
            "lon",
            "population",
            "distance_km",
            "zone",
            "children",
            "immobile",
            "households",
            "population_source",
        ],
    )
    .expect("in-memory write");
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    for e in &order.settlements {
        crate::write_csv_row(
            &mut w,
            [
                e.id.as_str(),
                e.name.as_str(),
                e.name_uk.as_deref().unwrap_or(""),
                e.hromada.as_deref().unwrap_or(""),
                e.katottg.as_deref().unwrap_or(""),
                &format!("{:.6}", e.lat),
                &format!("{:.6}", e.lon),
                &e.population.to_string(),
                &format!("{:.3}", e.distance_km),
                e.zone.as_str(),
                &opt(e.children),
                &opt(e.immobile),
                &opt(e.households),
                e.population_source.as_deref().unwrap_or(""),
            ],
        )
        .expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory flush")).expect("CSV of UTF-8 fields is UTF-8")
}

fn props(value: serde_json::Value) -> Option<JsonObject> {
    match value {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn feature(geometry: GeometryValue, properties: serde_json::Value) -> Feature {
    Feature { geometry: Some(Geometry::new(geometry)), properties: props(properties), ..Default::default() }
}

/// Round lon/lat to 6 decimals (~0.1 m): smaller files, stable diffs.
fn rounded(mp: &geo::MultiPolygon<f64>) -> geo::MultiPolygon<f64> {
    use geo::MapCoords;
    mp.map_coords(|c| geo::Coord { x: (c.x * 1e6).round() / 1e6, y: (c.y * 1e6).round() / 1e6 })
}

/// `order.geojson`: zone polygons, the hazard, and the listed settlements as points.
pub fn order_geojson(order: &Order, areas: Option<&ZoneAreas>, hazard: &Hazard) -> String {
    let mut features = Vec::new();
    if let Some(areas) = areas {
        features.push(feature(
            GeometryValue::from(&rounded(&areas.advisory_ring)),
            json!({"kind": "zone", "zone": "advisory", "from_km": order.mandatory_km, "to_km": order.advisory_km}),
        ));
        features.push(feature(
            GeometryValue::from(&rounded(&areas.mandatory)),
            json!({"kind": "zone", "zone": "mandatory", "from_km": 0.0, "to_km": order.mandatory_km}),
        ));
    }
    for (i, f) in hazard.features.iter().enumerate() {
        let value = match &f.geometry {
            HazardGeometry::Lines(lines) => GeometryValue::new_multi_line_string(
                lines.iter().map(|l| l.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()),
            ),
            HazardGeometry::Polygons(polys) => GeometryValue::new_multi_polygon(polys.iter().map(|rings| {
                rings.iter().map(|r| r.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()).collect::<Vec<_>>()
            })),
        };
        features.push(feature(
            value,
            json!({"kind": "hazard", "index": i, "name": f.name, "valid_from": f.valid_from, "illustrative": order.illustrative.is_some()}),
        ));
    }
    for e in &order.settlements {
        features.push(feature(
            GeometryValue::new_point([e.lon, e.lat]),
            json!({
                "kind": "settlement", "id": e.id, "name": e.name, "name_uk": e.name_uk, "hromada": e.hromada,
                "katottg": e.katottg, "population": e.population, "distance_km": e.distance_km, "zone": e.zone,
            }),
        ));
    }
    let mut foreign = JsonObject::new();
    foreign.insert("scenario".into(), json!(order.scenario));
    foreign.insert("attribution".into(), json!(crate::DATA_ATTRIBUTION));
    if let Some(note) = &order.illustrative {
        foreign.insert("illustrative".into(), json!(note));
    }
    let fc = FeatureCollection { bbox: None, features, foreign_members: Some(foreign) };
    let mut s = serde_json::to_string(&fc).expect("GeoJSON serialises");
    s.push('\n');
    s
}
