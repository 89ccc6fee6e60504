//! Every bundled real OSM extract imports, agrees with independent tools and with an
//! independent Dijkstra on the raw ways, and bad files are refused with a clear error.

use evac_geo::geodesy::{distance_m, fast_distance_m};
use evac_model::LatLon;
use evac_network::format::from_fixed;
use evac_network::{Network, NodeCoords, Router};
use evac_osm::{ImportError, ImportOptions, Profile, import};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/osm").join(name)
}

const EXTRACTS: [&str; 7] = [
    "liechtenstein-2015-07.osm.pbf",
    "andorra-2013-05.osm.pbf",
    "north-bayreuth-2014-11.osm.gz",
    "helsinki-centre-2019-04.osm.pbf",
    "baltimore-2015-02.osm.pbf",
    "harrisburg-2015-02.osm.pbf",
    "moscow-north-2013-11.osm.gz",
];

fn import_default(name: &str) -> Network {
    import(&data(name), &ImportOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_extract_imports_into_a_connected_network() {
    for name in EXTRACTS {
        let net = import_default(name);
        assert!(net.nodes().len() > 300, "{name}: {} nodes", net.nodes().len());
        assert!(net.road_km() > 15.0, "{name}: {} km", net.road_km());
        // Strongly connected: from node 0 everything is reachable, and node 0 from everything.
        let router = Router::new(&net, None);
        assert!(router.times_from(0).0.iter().all(|t| t.is_finite()), "{name}: not strongly connected");
        assert!(router.times_to(0).0.iter().all(|t| t.is_finite()), "{name}: not strongly connected");
        // Edge lengths match their geometry.
        for (i, e) in net.edges().iter().enumerate().step_by(17) {
            let g = net.edge_geometry(evac_network::EdgeId(i as u32));
            let len: f64 = g.windows(2).map(|w| distance_m(w[0], w[1])).sum();
            assert!(
                (len - f64::from(e.length_m)).abs() < 0.01 + 1e-4 * len,
                "{name} edge {i}: {len} vs {}",
                e.length_m
            );
        }
    }
}

#[test]
fn cyrillic_names_survive() {
    let net = import_default("moscow-north-2013-11.osm.gz");
    let cyrillic = (0..net.string_count() as u32).filter(|&i| evac_names::translit::is_cyrillic(net.string(i))).count();
    assert!(cyrillic > 20, "{cyrillic} Cyrillic street names");
}

#[test]
fn liechtenstein_has_its_rhine_bridges_and_stations() {
    let net = import_default("liechtenstein-2015-07.osm.pbf");
    let s = evac_network::stats::stats(&net);
    let rhine: Vec<_> = s.bridges.iter().filter(|b| b.crossing.as_deref() == Some("Rhein")).collect();
    assert!(rhine.len() >= 4, "Rhine road bridges: {}", rhine.len());
    assert!(rhine.iter().all(|b| b.capacity_vph > 0.0 && b.label.starts_with("Rhein bridge")));
    assert!(s.stations.iter().any(|st| st.name == "Schaan-Vaduz"));
    assert!(s.rail_km > 5.0);
    let json = serde_json::to_value(&s).unwrap();
    for key in ["nodes", "edges", "road_km", "bridges", "stations"] {
        assert!(!json[key].is_null(), "{key}");
    }
    for key in ["name", "lat", "lon", "capacity_vph"] {
        assert!(!json["bridges"][0][key].is_null(), "bridges[].{key}");
    }
}

/// The same file read by osmium (Debian's osmium-tool): per-class length of every
/// highway way must agree within 1%.
#[test]
fn road_length_per_class_agrees_with_osmium() {
    if std::process::Command::new("osmium").arg("--version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "CI must have osmium-tool (installed by .ci/run)");
        eprintln!("skipped: osmium not installed");
        return;
    }
    for name in EXTRACTS {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ways.geojsonseq");
        // osmium export wants sorted input (some extracts are Overpass exports in any order).
        let sorted = dir.path().join("sorted.osm.pbf");
        let status =
            std::process::Command::new("osmium").args(["sort", "-o"]).arg(&sorted).arg(data(name)).output().unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let status = std::process::Command::new("osmium")
            .args(["export", "-f", "geojsonseq", "--geometry-types=linestring", "-o"])
            .arg(&out)
            .arg(&sorted)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let mut theirs: BTreeMap<String, f64> = BTreeMap::new();
        for line in std::fs::read_to_string(&out).unwrap().lines() {
            let line = line.trim_start_matches('\u{1e}');
            let f: serde_json::Value = serde_json::from_str(line).unwrap();
            let Some(class) = f["properties"]["highway"].as_str() else { continue };
            let coords = f["geometry"]["coordinates"].as_array().unwrap();
            let pts: Vec<LatLon> =
                coords.iter().map(|c| LatLon::new(c[1].as_f64().unwrap(), c[0].as_f64().unwrap())).collect();
            *theirs.entry(class.to_string()).or_default() +=
                pts.windows(2).map(|w| distance_m(w[0], w[1])).sum::<f64>() / 1000.0;
        }
        let net = import_default(name);
        let ours = &net.meta().raw_km_by_class;
        for (class, km) in &theirs {
            if *km < 0.5 {
                continue; // a few hundred metres: one way more or less is not a rate
            }
            let mine = ours.get(class).copied().unwrap_or(0.0);
            assert!((mine - km).abs() <= 0.01 * km, "{name} {class}: evac {mine:.3} km, osmium {km:.3} km");
        }
        // And the routed classes of the network are part of those.
        let routed: f64 = evac_network::stats::stats(&net).km_by_class.values().sum();
        let all: f64 = theirs.values().sum();
        assert!(routed <= all * 1.001, "{name}: routed {routed} > all highways {all}");
    }
}

/// An independent Dijkstra (petgraph) on the raw ways — every OSM node a vertex, no
/// splitting, no contraction — gives the same fastest times as the network.
#[test]
fn shortest_times_agree_with_dijkstra_on_the_raw_ways() {
    for name in ["liechtenstein-2015-07.osm.pbf", "north-bayreuth-2014-11.osm.gz", "helsinki-centre-2019-04.osm.pbf"] {
        let path = data(name);
        let collected = evac_osm::read::read(&path, &Profile::default(), &()).unwrap();
        let nodes = NodeCoords::from_unsorted(collected.nodes.clone());
        let mut g = petgraph::graph::DiGraph::<i64, f64>::new();
        let mut vertex: std::collections::HashMap<i64, petgraph::graph::NodeIndex> = Default::default();
        let mut v =
            |id: i64, g: &mut petgraph::graph::DiGraph<i64, f64>| *vertex.entry(id).or_insert_with(|| g.add_node(id));
        for road in &collected.roads {
            let speed = f64::from(road.attrs.speed_kmh.max(1.0)) / 3.6;
            for w in road.nodes.windows(2) {
                let (Some(a), Some(b)) = (nodes.index(w[0]), nodes.index(w[1])) else { continue };
                let la = LatLon::new(from_fixed(nodes.coords[a][1]), from_fixed(nodes.coords[a][0]));
                let lb = LatLon::new(from_fixed(nodes.coords[b][1]), from_fixed(nodes.coords[b][0]));
                let t = fast_distance_m(la, lb) / speed;
                let (va, vb) = (v(w[0], &mut g), v(w[1], &mut g));
                if road.attrs.forward {
                    g.add_edge(va, vb, t);
                }
                if road.attrs.backward {
                    g.add_edge(vb, va, t);
                }
            }
        }
        let net = import_default(name);
        let router = Router::new(&net, None);
        let step = (net.nodes().len() / 6).max(1);
        for s in (0..net.nodes().len()).step_by(step) {
            let ours = router.times_from(s as u32).0;
            let theirs = petgraph::algo::dijkstra(&g, vertex[&net.nodes()[s].osm_id], None, |e| *e.weight());
            for (t, node) in net.nodes().iter().enumerate().step_by(7) {
                let raw = theirs[&vertex[&node.osm_id]];
                assert!(
                    (ours[t] - raw).abs() <= 1e-3 * raw.max(1.0),
                    "{name} {s}->{t}: evac {} s, raw Dijkstra {raw} s",
                    ours[t]
                );
            }
        }
    }
}

#[test]
fn bad_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // Truncated PBF.
    let bytes = std::fs::read(data("liechtenstein-2015-07.osm.pbf")).unwrap();
    let truncated = dir.path().join("truncated.osm.pbf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let err = import(&truncated, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("truncated.osm.pbf"), "{err}");
    assert!(err.to_string().contains("corrupt or truncated"), "{err}");
    // Corrupt PBF (garbage after a valid header).
    let mut corrupt = bytes.clone();
    for b in corrupt.iter_mut().skip(400).step_by(3) {
        *b ^= 0x5a;
    }
    let path = dir.path().join("corrupt.osm.pbf");
    std::fs::write(&path, &corrupt).unwrap();
    assert!(matches!(import(&path, &ImportOptions::default()), Err(ImportError::Read(_))));
    // Not OSM at all.
    let path = dir.path().join("notes.osm.pbf");
    std::fs::write(&path, "id,name\n1,Kupiansk\n").unwrap();
    let err = import(&path, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not an OpenStreetMap file"), "{err}");
    // OSM, but no road a car may use.
    let path = dir.path().join("paths.osm");
    std::fs::write(
        &path,
        r#"<?xml version="1.0"?><osm version="0.6"><node id="1" lat="47.0" lon="9.0"/><node id="2" lat="47.001" lon="9.0"/><way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>"#,
    )
    .unwrap();
    let err = import(&path, &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::NoRoads { .. }), "{err}");
    assert!(err.to_string().contains("no routable road"), "{err}");
    // A clip area elsewhere.
    let area = geo::MultiPolygon::new(vec![geo::Polygon::new(
        geo::LineString::from(vec![(37.0, 49.0), (38.0, 49.0), (38.0, 50.0), (37.0, 50.0), (37.0, 49.0)]),
        vec![],
    )]);
    let options = ImportOptions { clip: Some(("kupiansk.geojson".into(), area)), ..ImportOptions::default() };
    let err = import(&data("liechtenstein-2015-07.osm.pbf"), &options).unwrap_err();
    assert!(matches!(err, ImportError::ClipMissesData { .. }), "{err}");
    assert!(err.to_string().contains("kupiansk.geojson"), "{err}");
}

#[test]
fn clipping_keeps_only_the_inside() {
    let bbox = [9.50, 47.10, 9.56, 47.20];
    let options = ImportOptions { bbox: Some(bbox), ..ImportOptions::default() };
    let net = import(&data("liechtenstein-2015-07.osm.pbf"), &options).unwrap();
    let full = import_default("liechtenstein-2015-07.osm.pbf");
    assert!(net.nodes().len() < full.nodes().len());
    for n in net.nodes() {
        assert!(n.lon >= bbox[0] && n.lon <= bbox[2] && n.lat >= bbox[1] && n.lat <= bbox[3]);
    }
}

#[test]
fn xml_and_pbf_of_the_same_data_give_the_same_network() {
    if std::process::Command::new("osmium").arg("--version").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("andorra.osm");
    let out = std::process::Command::new("osmium")
        .args(["cat", "-o"])
        .arg(&xml)
        .arg(data("andorra-2013-05.osm.pbf"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let a = import_default("andorra-2013-05.osm.pbf");
    let b = import(&xml, &ImportOptions::default()).unwrap();
    assert_eq!(a.nodes(), b.nodes());
    assert_eq!(a.edges(), b.edges());
}

/// Turn restrictions: the relations osmium finds are the ones read, the same from PBF and
/// XML; Liechtenstein's two that lie inside the extract become banned turns at their via
/// nodes, and the third (its from way is outside the extract) is counted as not placed.
#[test]
fn turn_restrictions_are_read_and_placed_at_their_via_nodes() {
    let net = import_default("liechtenstein-2015-07.osm.pbf");
    let report = net.meta().turn_restrictions.clone().expect("a report");
    assert_eq!((report.read, report.placed, report.not_placed), (3, 2, 1), "{report:?}");
    assert_eq!(report.banned_turns as usize, net.turn_bans().len());
    let mut via: Vec<i64> =
        net.turn_bans().iter().map(|&[a, _]| net.nodes()[net.edges()[a as usize].to as usize].osm_id).collect();
    via.sort_unstable();
    via.dedup();
    // A no_left_turn in Vaduz; a no_u_turn between the carriageways of Im Schwibboga.
    assert_eq!(via, vec![269468749, 1793113950]);
    for &[a, b] in net.turn_bans() {
        let (a, b) = (&net.edges()[a as usize], &net.edges()[b as usize]);
        assert_eq!(a.to, b.from, "a ban is a turn at one node");
        let ways = (a.way_id, b.way_id);
        assert!(ways == (167992391, 24802724) || ways == (258306367, 258306365), "{ways:?}");
    }
    if std::process::Command::new("osmium").arg("--version").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["liechtenstein-2015-07.osm.pbf", "helsinki-centre-2019-04.osm.pbf"] {
        let xml = dir.path().join("restrictions.osm");
        let out = std::process::Command::new("osmium")
            .args(["tags-filter", "--overwrite", "-R", "-o"])
            .arg(&xml)
            .arg(data(name))
            .arg("r/type=restriction")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let listed = std::fs::read_to_string(&xml).unwrap().matches("<relation ").count() as u64;
        let pbf = import_default(name);
        let report = pbf.meta().turn_restrictions.clone().expect("a report");
        // Only restrictions for cars with a via node are read.
        assert!(report.read > 0 && report.read <= listed, "{name}: {report:?} of {listed}");
        assert_eq!(report.placed + report.not_placed, report.read);
        // The same from XML.
        let full = dir.path().join("full.osm");
        let out = std::process::Command::new("osmium")
            .args(["cat", "--overwrite", "-o"])
            .arg(&full)
            .arg(data(name))
            .output()
            .unwrap();
        assert!(out.status.success());
        let from_xml = import(&full, &ImportOptions::default()).unwrap();
        assert_eq!(from_xml.turn_bans(), pbf.turn_bans(), "{name}");
        assert_eq!(from_xml.meta().turn_restrictions, pbf.meta().turn_restrictions, "{name}");
        // And the traffic signals (edge flags).
        let flags = |n: &evac_network::Network| n.edges().iter().map(|e| e.flags).collect::<Vec<_>>();
        assert_eq!(flags(&from_xml), flags(&pbf), "{name}");
    }
}

/// `highway=traffic_signals` nodes flag the roads into them where they are nodes of the
/// graph (not the roads out of them), with osmium's list of the signal nodes as the peer.
#[test]
fn traffic_signals_flag_the_roads_into_their_nodes() {
    use evac_network::flags::SIGNALS;
    let net = import_default("liechtenstein-2015-07.osm.pbf");
    let mut at: Vec<i64> =
        net.edges().iter().filter(|e| e.flags & SIGNALS != 0).map(|e| net.nodes()[e.to as usize].osm_id).collect();
    at.sort_unstable();
    at.dedup();
    // The two signalised junctions of Schaan (Feldkircher Strasse with Churer Strasse and
    // with Oberstädtle); the other six signals of the extract stand inside roads.
    assert_eq!(at, vec![32011308, 1887823669]);
    assert_eq!(evac_network::stats::stats(&net).signalised_nodes, 2);
    for e in net.edges() {
        let into = at.binary_search(&net.nodes()[e.to as usize].osm_id).is_ok();
        assert_eq!(e.flags & SIGNALS != 0, into, "every road into a signalised node, and only those");
    }
    if std::process::Command::new("osmium").arg("--version").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("signals.osm");
    let out = std::process::Command::new("osmium")
        .args(["tags-filter", "--overwrite", "-o"])
        .arg(&xml)
        .arg(data("liechtenstein-2015-07.osm.pbf"))
        .arg("n/highway=traffic_signals")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&xml).unwrap();
    let listed: Vec<i64> =
        text.split("<node id=\"").skip(1).map(|s| s[..s.find('"').unwrap()].parse().unwrap()).collect();
    assert_eq!(listed.len(), 8, "the 2015 extract has eight signal nodes");
    for id in &at {
        assert!(listed.contains(id), "node {id} is flagged but osmium lists no signals there");
    }
}
