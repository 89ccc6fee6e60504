//! The layer import on the real shared data (Ukraine's main-road shapefiles and their GeoJSON
//! cut around Kupiansk): the reading matches the known figures, damaged files are refused
//! with the file and record/feature named and nothing written, way ends are joined within the
//! tolerance only, access links are flagged and counted, listed bridges become closable
//! river crossings.

use evac_layers::mapping::LayersFile;
use evac_layers::roads::RoadSet;
use evac_layers::{build_parts, build_to_file};
use evac_network::stats::stats;
use evac_network::{Closures, Network, flags};
use evac_osm::Profile;
use std::path::{Path, PathBuf};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ukraine-main-roads")
}

/// A layers file in `dir` with the given text (paths in it relative to `dir`).
fn layers(dir: &Path, text: &str) -> LayersFile {
    let path = dir.join("layers.toml");
    std::fs::write(&path, text).unwrap();
    LayersFile::read(&path).unwrap()
}

fn geojson_layer(extra: &str) -> String {
    format!(
        "[[layer]]\nfile = \"{}\"\nfield = \"class\"\nclasses = {{ \"international (M)\" = \"trunk\", \"national (H)\" = \"primary\" }}\nid_field = \"osm_id\"\n{extra}",
        shared().join("kupiansk_bbox_roads.geojson").display()
    )
}

#[test]
fn the_shapefiles_read_as_the_known_161_components() {
    let dir = tempfile::tempdir().unwrap();
    let f = layers(
        dir.path(),
        &format!(
            "[[layer]]\nfile = \"{0}/roads_national.shp\"\nclass = \"primary\"\nid_field = \"osm_id\"\n\
             [[layer]]\nfile = \"{0}/roads_international.shp\"\nclass = \"trunk\"\nid_field = \"osm_id\"\n",
            shared().display()
        ),
    );
    let mut ways = Vec::new();
    for rule in &f.layers {
        let layer = evac_layers::read::read_layer(rule).unwrap();
        assert_eq!(layer.empty, 0);
        ways.extend(layer.ways);
    }
    assert_eq!(ways.len(), 7_775 + 14_863);
    assert!(ways.iter().any(|w| w.id == 112_187_536), "OSM way ids come from the osm_id attribute");
    let set = RoadSet::from_layers(ways.clone());
    let (_, c) = set.components();
    assert_eq!((c.count, c.largest, c.vertices), (161, 55_491, 158_675));
    // Joining loose way ends: the figures of docs/network.md.
    for (tol, ends, components, largest) in
        [(10.0, 126, 118, 72_714), (25.0, 362, 76, 106_862), (50.0, 537, 55, 112_527)]
    {
        let mut set = RoadSet::from_layers(ways.clone());
        assert_eq!(set.snap_ends(tol), ends, "{tol} m");
        let (_, c) = set.components();
        assert_eq!((c.count, c.largest), (components, largest), "{tol} m");
    }
}

#[test]
fn the_import_reports_the_joining() {
    let dir = tempfile::tempdir().unwrap();
    let report = |snap: f64| {
        let mut f = layers(dir.path(), &geojson_layer(""));
        f.snap_m = snap;
        build_parts(&f, &Profile::default()).unwrap().meta.layers.unwrap()
    };
    let (none, joined) = (report(0.0), report(50.0));
    assert_eq!((none.snapped_ends, none.components_shared_vertices, none.components_snapped), (0, 2, 2));
    assert_eq!(joined.snapped_ends, 2);
    assert_eq!(joined.vertices, none.vertices);
}

#[test]
fn access_links_are_flagged_approximate_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // Kupiansk lies on the main road; Dvorichna (KATOTTG UA63080050010081319) 16 km from it.
    std::fs::write(
        dir.path().join("places.csv"),
        "id,name,lat,lon\nkupiansk,Kupiansk,49.71003,37.61581\ndvorichna,Dvorichna,49.850938,37.682613\n",
    )
    .unwrap();
    let f = layers(dir.path(), &geojson_layer("[access]\nplaces = [\"places.csv\"]\n"));
    let net = Network::from_parts(&build_parts(&f, &Profile::default()).unwrap());
    let s = stats(&net);
    assert_eq!(s.approximate_links, 1, "only the long link is approximate");
    assert!(s.approximate_km > 10.0 && s.approximate_km < 25.0, "{}", s.approximate_km);
    let report = s.layers.unwrap();
    assert_eq!((report.access_links, report.approximate_links), (2, 1));
    let approx: Vec<_> = net.edges().iter().filter(|e| e.flags & flags::APPROXIMATE != 0).collect();
    assert_eq!(approx.len(), 2, "both directions of the link");
    assert!(net.string(approx[0].name).contains("Dvorichna") && net.string(approx[0].name).contains("approximate"));
    assert_eq!(approx[0].speed_kmh, 25);
    assert_eq!(approx[0].capacity_vph, 800.0, "one lane per direction at the unclassified capacity");
    let local = net.edges().iter().find(|e| net.string(e.name) == "access to Kupiansk").unwrap();
    assert_eq!(local.flags & flags::APPROXIMATE, 0);
}

#[test]
fn listed_bridges_become_closable_river_crossings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bridges.csv"),
        "name,river,lat,lon,method\nKupiansk,Oskil,49.709820,37.619930,test\n",
    )
    .unwrap();
    let f = layers(dir.path(), &format!("bridges = \"bridges.csv\"\n{}", geojson_layer("")));
    let net = Network::from_parts(&build_parts(&f, &Profile::default()).unwrap());
    let s = stats(&net);
    assert_eq!(s.river_crossings, 1);
    let b = &s.bridges[0];
    assert_eq!(b.label, "Oskil bridge, Kupiansk");
    assert_eq!(b.crossing.as_deref(), Some("Oskil"));
    assert_eq!(b.way_id, 112_187_536, "the short OSM way at the crossing is the bridge");
    assert!((b.lon - 37.62).abs() < 0.003 && (b.lat - 49.71).abs() < 0.002);
    let mut closures = Closures::none(&net);
    let closed = closures.close_by_name_or_id(&net, "Oskil").unwrap();
    assert_eq!(closed.edges.len(), 2);

    // A point far from any road names its line.
    std::fs::write(dir.path().join("bridges.csv"), "name,river,lat,lon,method\nNowhere,Oskil,50.3,37.9,test\n")
        .unwrap();
    let e = build_parts(&f, &Profile::default()).unwrap_err().to_string();
    assert!(e.contains("bridges.csv, line 2") && e.contains("no road of the layers within 200 m"), "{e}");
}

/// Copy the national road shapefile into `dir`, transformed by `damage`.
fn damaged_copy(dir: &Path, damage: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> LayersFile {
    for ext in ["shp", "shx", "dbf", "prj"] {
        let bytes = std::fs::read(shared().join(format!("roads_national.{ext}"))).unwrap();
        if let Some(b) = damage(ext, bytes) {
            std::fs::write(dir.join(format!("roads_national.{ext}")), b).unwrap();
        }
    }
    layers(dir, "[[layer]]\nfile = \"roads_national.shp\"\nclass = \"primary\"\nid_field = \"osm_id\"\n")
}

fn refused(f: &LayersFile, dir: &Path) -> String {
    let out = dir.join("out.evacnet");
    let e = build_to_file(f, &Profile::default(), &out).unwrap_err().to_string();
    assert!(!out.exists(), "nothing written");
    assert_eq!(std::fs::read_dir(dir).unwrap().filter(|e| e.as_ref().unwrap().path().starts_with(&out)).count(), 0);
    e
}

#[test]
fn a_truncated_shapefile_names_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let f = damaged_copy(dir.path(), |ext, b| Some(if ext == "shp" { b[..b.len() / 2].to_vec() } else { b }));
    let e = refused(&f, dir.path());
    assert!(e.contains("roads_national.shp, record ") && e.contains("truncated"), "{e}");
}

#[test]
fn a_missing_attribute_table_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = damaged_copy(dir.path(), |ext, b| (ext != "dbf").then_some(b));
    let e = refused(&f, dir.path());
    assert!(e.contains("roads_national.dbf") && e.contains("missing"), "{e}");
}

#[test]
fn a_shortened_attribute_table_is_not_silently_followed() {
    let dir = tempfile::tempdir().unwrap();
    // Keep the .dbf header (its record count) but cut the records: a damaged table.
    let f = damaged_copy(dir.path(), |ext, b| Some(if ext == "dbf" { b[..b.len() / 3].to_vec() } else { b }));
    let e = refused(&f, dir.path());
    assert!(e.contains("roads_national.shp") && (e.contains("record") || e.contains(".dbf")), "{e}");
}

#[test]
fn bad_geojson_names_the_line_or_feature_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "[[layer]]\nfile = \"roads.geojson\"\nfield = \"class\"\nclasses = { \"national (H)\" = \"primary\" }\n";
    let f = layers(dir.path(), rule);
    std::fs::write(dir.path().join("roads.geojson"), "{\"type\": \"FeatureCollection\",\n \"features\": [\n}").unwrap();
    let e = refused(&f, dir.path());
    assert!(e.contains("roads.geojson, line 3") && e.contains("not valid JSON"), "{e}");

    let line = r#"{"type":"Feature","properties":{"class":"national (H)"},"geometry":{"type":"LineString","coordinates":[[37.6,49.7],[37.61,49.7]]}}"#;
    let point = r#"{"type":"Feature","properties":{"class":"national (H)","name":"a stop"},"geometry":{"type":"Point","coordinates":[37.6,49.7]}}"#;
    std::fs::write(
        dir.path().join("roads.geojson"),
        format!(r#"{{"type":"FeatureCollection","features":[{line},{point}]}}"#),
    )
    .unwrap();
    let e = refused(&f, dir.path());
    assert!(e.contains("feature 1 (\"a stop\"), field `geometry.type`") && e.contains("found Point"), "{e}");

    let odd = line.replace("national (H)", "regional (T)");
    std::fs::write(dir.path().join("roads.geojson"), format!(r#"{{"type":"FeatureCollection","features":[{odd}]}}"#))
        .unwrap();
    let e = refused(&f, dir.path());
    assert!(
        e.contains("feature 0, field `properties.class`") && e.contains("\"regional (T)\" has no road class"),
        "{e}"
    );

    let far = line.replace("[37.6,49.7]", "[137.6,99.7]");
    std::fs::write(dir.path().join("roads.geojson"), format!(r#"{{"type":"FeatureCollection","features":[{far}]}}"#))
        .unwrap();
    let e = refused(&f, dir.path());
    assert!(e.contains("feature 0, field `geometry.coordinates`") && e.contains("EPSG:4326"), "{e}");
}
