//! Every malformed input stops with an error naming the file, the line or feature, the field
//! and what was expected.

use evac_scenario::{InputError, Location, Scenario};
use std::path::Path;

const TOML: &str = r#"name = "Test"
authority = "Test authority"
[zone]
mandatory_km = 5
advisory_km = 10
[files]
settlements = "settlements.csv"
hazard = "hazard.geojson"
centres = "centres.csv"
"#;

const SETTLEMENTS: &str = "id,name,lat,lon,population,extra\na,Alpha,49.7,37.6,100,x\nb,Beta,49.8,37.5,200,y\n";
const HAZARD: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"line"},"geometry":{"type":"LineString","coordinates":[[37.8,50.0],[37.7,49.5]]}}]}"#;
const CENTRES: &str = "id,name,lat,lon,capacity\nk,Kharkiv,49.99,36.23,1000\n";

/// A valid scenario with one file replaced.
fn scenario_with(file: &str, content: &str) -> (tempfile::TempDir, Result<Scenario, InputError>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("scenario.toml", TOML),
        ("settlements.csv", SETTLEMENTS),
        ("hazard.geojson", HAZARD),
        ("centres.csv", CENTRES),
    ] {
        std::fs::write(dir.path().join(name), if name == file { content } else { text }).unwrap();
    }
    let result = Scenario::load(dir.path());
    (dir, result)
}

fn expect_error(file: &str, content: &str) -> InputError {
    let (_dir, result) = scenario_with(file, content);
    let err = result.expect_err("bad input must be rejected");
    assert!(
        err.to_string().contains(Path::new(file).file_name().unwrap().to_str().unwrap()) || file == "scenario.toml",
        "{err}"
    );
    err
}

#[test]
fn valid_scenario_loads_and_keeps_unknown_columns_out_of_the_way() {
    let (_dir, result) = scenario_with("", "");
    let s = result.unwrap();
    assert_eq!(s.settlements.len(), 2);
    assert_eq!(s.settlements[1].population, 200);
    assert_eq!(s.centres[0].capacity, 1000);
    assert_eq!(s.hazard.features.len(), 1);
}

#[test]
fn missing_column() {
    let e = expect_error("settlements.csv", "id,name,lat,lon\na,Alpha,49.7,37.6\n");
    assert_eq!(e.field.as_deref(), Some("population"));
    assert_eq!(e.location, Location::Line(1));
    assert!(e.message.contains("missing column"), "{e}");
}

#[test]
fn non_numeric_population() {
    let e =
        expect_error("settlements.csv", "id,name,lat,lon,population\na,Alpha,49.7,37.6,100\nb,Beta,49.8,37.5,many\n");
    assert_eq!(e.location, Location::Line(3));
    assert_eq!(e.field.as_deref(), Some("population"));
    assert!(e.to_string().contains("\"many\""), "{e}");
}

#[test]
fn latitude_out_of_range() {
    let e = expect_error("settlements.csv", "id,name,lat,lon,population\na,Alpha,97.1,37.6,100\n");
    assert_eq!((e.location.clone(), e.field.as_deref()), (Location::Line(2), Some("lat")));
    assert!(e.message.contains("between -90 and 90"), "{e}");
}

#[test]
fn duplicate_id_and_wrong_field_count() {
    let e =
        expect_error("settlements.csv", "id,name,lat,lon,population\na,Alpha,49.7,37.6,100\na,Again,49.7,37.6,100\n");
    assert_eq!((e.location.clone(), e.field.as_deref()), (Location::Line(3), Some("id")));
    let e = expect_error("settlements.csv", "id,name,lat,lon,population\na,Alpha,49.7,37.6,100,extra\n");
    assert_eq!(e.location, Location::Line(2));
    assert!(e.message.contains("expected 5 fields"), "{e}");
}

#[test]
fn share_out_of_range_and_immobile_above_population() {
    let e = expect_error("settlements.csv", "id,name,lat,lon,population,no_car_share\na,Alpha,49.7,37.6,100,1.5\n");
    assert_eq!(e.field.as_deref(), Some("no_car_share"));
    let e = expect_error("settlements.csv", "id,name,lat,lon,population,immobile\na,Alpha,49.7,37.6,100,101\n");
    assert_eq!(e.field.as_deref(), Some("immobile"));
}

#[test]
fn invalid_geojson() {
    let e = expect_error("hazard.geojson", "{\"type\": \"FeatureCollection\",\n \"features\": [\n");
    assert!(matches!(e.location, Location::Line(_)), "{e}");
    assert!(e.message.contains("not valid JSON"), "{e}");
    let e = expect_error("hazard.geojson", r#"{"type":"Feature","geometry":null,"properties":{}}"#);
    assert_eq!(e.field.as_deref(), Some("type"));
    assert!(e.message.contains("FeatureCollection"), "{e}");
}

#[test]
fn unsupported_geometry_names_the_feature() {
    let e = expect_error(
        "hazard.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"LineString","coordinates":[[37.8,50.0],[37.7,49.5]]}},{"type":"Feature","properties":{"name":"shell impact"},"geometry":{"type":"Point","coordinates":[37.8,50.0]}}]}"#,
    );
    assert_eq!(e.location, Location::Feature { index: 1, name: Some("shell impact".into()) });
    assert_eq!(e.field.as_deref(), Some("geometry.type"));
    assert!(e.to_string().contains("feature 1 (\"shell impact\")"), "{e}");
}

#[test]
fn self_intersecting_polygon() {
    let e = expect_error(
        "hazard.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"bow tie"},"geometry":{"type":"Polygon","coordinates":[[[37.0,49.0],[38.0,50.0],[38.0,49.0],[37.0,50.0],[37.0,49.0]]]}}]}"#,
    );
    assert_eq!(e.location, Location::Feature { index: 0, name: Some("bow tie".into()) });
    assert!(e.message.contains("invalid polygon"), "{e}");
    assert!(e.message.contains("intersect"), "{e}");
}

#[test]
fn unclosed_ring_and_bad_date_and_swapped_coordinates() {
    let e = expect_error(
        "hazard.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[37.0,49.0],[38.0,50.0],[38.0,49.0],[37.5,49.0]]]}}]}"#,
    );
    assert!(e.message.contains("not closed"), "{e}");
    let e = expect_error(
        "hazard.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"valid_from":"yesterday"},"geometry":{"type":"LineString","coordinates":[[37.8,50.0],[37.7,49.5]]}}]}"#,
    );
    assert_eq!(e.field.as_deref(), Some("properties.valid_from"));
    let e = expect_error(
        "hazard.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[50.0,137.8],[49.5,37.7]]}}]}"#,
    );
    assert!(e.message.contains("[longitude, latitude]"), "{e}");
}

#[test]
fn empty_hazard() {
    let e = expect_error("hazard.geojson", r#"{"type":"FeatureCollection","features":[]}"#);
    assert!(e.message.contains("hazard is empty"), "{e}");
}

#[test]
fn unknown_file_key_in_scenario_toml() {
    let e = expect_error("scenario.toml", &TOML.replace("centres = ", "shelters = "));
    assert_eq!(e.location, Location::Line(9));
    assert!(e.message.contains("unknown field `shelters`"), "{e}");
    assert!(e.to_string().starts_with(&format!("{}", e.path.display())), "{e}");
}

#[test]
fn missing_file_named_in_scenario_toml() {
    let e = expect_error("scenario.toml", &TOML.replace("centres.csv", "nowhere.csv"));
    assert_eq!(e.field.as_deref(), Some("files.centres"));
    assert!(e.message.contains("nowhere.csv"), "{e}");
}

#[test]
fn advisory_inside_mandatory() {
    let e = expect_error("scenario.toml", &TOML.replace("advisory_km = 10", "advisory_km = 3"));
    assert_eq!(e.field.as_deref(), Some("zone.advisory_km"));
}

/// The scenario with `[zone] exposure_rings = <rings>`.
fn with_rings(rings: &str) -> String {
    TOML.replace("advisory_km = 10\n", &format!("advisory_km = 10\nexposure_rings = {rings}\n"))
}

#[test]
fn exposure_rings_are_read_and_weigh_by_distance() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "scenario.toml",
            with_rings("[{ within_km = 2.0, weight = 3.0 }, { within_km = 5.0, weight = 0.5 }]").as_str(),
        ),
        ("settlements.csv", SETTLEMENTS),
        ("hazard.geojson", HAZARD),
        ("centres.csv", CENTRES),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let zone = Scenario::load(dir.path()).unwrap().config.zone;
    assert_eq!(zone.exposure_rings.len(), 2);
    // Boundaries inclusive, as the zones'; 1 beyond the last ring.
    assert_eq!(zone.exposure_weight(0.0), 3.0);
    assert_eq!(zone.exposure_weight(2.0), 3.0);
    assert_eq!(zone.exposure_weight(2.001), 0.5);
    assert_eq!(zone.exposure_weight(5.0), 0.5);
    assert_eq!(zone.exposure_weight(5.5), 1.0);
    let (_dir, plain) = scenario_with("", "");
    assert!(plain.unwrap().config.zone.exposure_rings.is_empty(), "no rings by default");
}

#[test]
fn bad_exposure_rings_name_the_ring_and_field() {
    for (rings, field, says) in [
        ("[{ within_km = 0.0, weight = 2.0 }]", "zone.exposure_rings[0].within_km", "> 0"),
        ("[{ within_km = 6.0, weight = 2.0 }]", "zone.exposure_rings[0].within_km", "<= mandatory_km (5)"),
        (
            "[{ within_km = 3.0, weight = 2.0 }, { within_km = 2.0, weight = 1.0 }]",
            "zone.exposure_rings[1].within_km",
            "outwards",
        ),
        (
            "[{ within_km = 3.0, weight = 2.0 }, { within_km = 3.0, weight = 1.0 }]",
            "zone.exposure_rings[1].within_km",
            "outwards",
        ),
        ("[{ within_km = 3.0, weight = 0.05 }]", "zone.exposure_rings[0].weight", "between 0.1 and 100"),
        ("[{ within_km = 3.0, weight = 101.0 }]", "zone.exposure_rings[0].weight", "between 0.1 and 100"),
        ("[{ within_km = 3.0, weight = nan }]", "zone.exposure_rings[0].weight", "between 0.1 and 100"),
        ("[{ within_km = inf, weight = 1.0 }]", "zone.exposure_rings[0].within_km", "<= mandatory_km"),
    ] {
        let e = expect_error("scenario.toml", &with_rings(rings));
        assert_eq!(e.field.as_deref(), Some(field), "{rings}: {e}");
        let text = e.to_string();
        assert!(text.contains("scenario.toml") && text.contains(field) && text.contains(says), "{rings}: {text}");
    }
    // A misspelt key is an error too, not a ring without a weight.
    let e = expect_error("scenario.toml", &with_rings("[{ within_km = 3.0, weigth = 2.0 }]"));
    assert!(e.to_string().contains("weigth"), "{e}");
}

#[test]
fn centres_bad_capacity() {
    let e = expect_error("centres.csv", "id,name,lat,lon,capacity\nk,Kharkiv,49.99,36.23,-5\n");
    assert_eq!((e.location.clone(), e.field.as_deref()), (Location::Line(2), Some("capacity")));
}

/// A valid scenario plus a fleet, a rail plan and a boundary, with `file` replaced.
fn with_transit_files(file: &str, content: &str) -> Result<Scenario, InputError> {
    let dir = tempfile::tempdir().unwrap();
    let toml = TOML.replace(
        "[files]\n",
        "[files]\nfleet = \"fleet.csv\"\nrail = \"rail.toml\"\nboundary = \"boundary.geojson\"\n",
    );
    let fleet = "id,kind,depot_lat,depot_lon,seats,count\nb,bus,49.9,36.3,50,4\n";
    let rail = "[[station]]\nid = \"s\"\nname = \"S\"\nlat = 49.7\nlon = 37.6\n\n[[train]]\nid = \"T1\"\nstation = \"s\"\ncapacity = 400\nfirst_departure_min = 45\nturnaround_min = 40\ndestination = \"k\"\ntravel_min = 8\n";
    let boundary = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"oblast"},"geometry":{"type":"Polygon","coordinates":[[[37,49],[38,49],[38,50],[37,50],[37,49]]]}}]}"#;
    for (name, text) in [
        ("scenario.toml", toml.as_str()),
        ("settlements.csv", SETTLEMENTS),
        ("hazard.geojson", HAZARD),
        ("centres.csv", CENTRES),
        ("fleet.csv", fleet),
        ("rail.toml", rail),
        ("boundary.geojson", boundary),
    ] {
        std::fs::write(dir.path().join(name), if name == file { content } else { text }).unwrap();
    }
    Scenario::load(dir.path())
}

#[test]
fn transit_files_load_when_valid() {
    let s = with_transit_files("", "").unwrap();
    assert_eq!((s.fleet[0].count, s.rail.as_ref().map(|r| r.trains.len())), (4, Some(1)));
}

#[test]
fn fleet_counts_and_seats_out_of_range_name_the_field() {
    for (row, field) in [
        ("b,bus,49.9,36.3,50,4294967295", "count"),
        ("b,bus,49.9,36.3,50,0", "count"),
        ("b,bus,49.9,36.3,500,4", "seats"),
        ("b,bus,49.9,36.3,0,4", "seats"),
        ("b,bus,49.9,36.3,-1,4", "seats"),
    ] {
        let e = with_transit_files("fleet.csv", &format!("id,kind,depot_lat,depot_lon,seats,count\n{row}\n"))
            .expect_err(row);
        assert_eq!((e.location.clone(), e.field.as_deref()), (Location::Line(2), Some(field)), "{row}: {e}");
        assert!(e.to_string().contains("fleet.csv, line 2"), "{e}");
    }
}

#[test]
fn rail_times_must_be_finite_and_sane() {
    let base = "[[station]]\nid = \"s\"\nname = \"S\"\nlat = 49.7\nlon = 37.6\n\n[[train]]\nid = \"T1\"\nstation = \"s\"\ndestination = \"k\"\n";
    for (fields, field) in [
        ("capacity = 400\nfirst_departure_min = 45\nturnaround_min = 1e-9\ntravel_min = 8", "train.turnaround_min"),
        ("capacity = 400\nfirst_departure_min = 45\nturnaround_min = 40\ntravel_min = nan", "train.travel_min"),
        ("capacity = 400\nfirst_departure_min = inf\nturnaround_min = 40\ntravel_min = 8", "train.first_departure_min"),
        ("capacity = 400\nfirst_departure_min = 45\nturnaround_min = 40\ntravel_min = -1", "train.travel_min"),
        ("capacity = 0\nfirst_departure_min = 45\nturnaround_min = 40\ntravel_min = 8", "train.capacity"),
    ] {
        let e = with_transit_files("rail.toml", &format!("{base}{fields}\n")).expect_err(fields);
        assert_eq!(e.field.as_deref(), Some(field), "{fields}: {e}");
        assert!(e.to_string().contains("train T1"), "{e}");
    }
}

#[test]
fn boundary_rings_are_checked_like_hazard_rings() {
    let bow_tie = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"oblast"},"geometry":{"type":"Polygon","coordinates":[[[37,49],[38,50],[38,49],[37,50],[37,49]]]}}]}"#;
    let e = with_transit_files("boundary.geojson", bow_tie).unwrap_err();
    assert!(matches!(&e.location, Location::Feature { index: 0, name: Some(n) } if n == "oblast"), "{e}");
    let open = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[37,49],[38,49],[38,50],[37,50]]]}}]}"#;
    let e = with_transit_files("boundary.geojson", open).unwrap_err();
    assert!(e.message.contains("not closed"), "{e}");
    let short = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[37,49],[38,49],[37,49]]]}}]}"#;
    let e = with_transit_files("boundary.geojson", short).unwrap_err();
    assert!(e.message.contains("at least 4 positions"), "{e}");
}

#[test]
fn a_column_named_twice_is_refused() {
    let e = expect_error("settlements.csv", "id,name,lat,lon,population,population\na,Alpha,49.7,37.6,100,200000\n");
    assert_eq!((e.location.clone(), e.field.as_deref()), (Location::Line(1), Some("population")), "{e}");
}
