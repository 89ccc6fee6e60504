//! Fuzzing the OSM XML reader and the turn-restriction parser: damaged files and arbitrary
//! relations never panic; a file is read or refused with the reason.

use evac_osm::read::{read, restriction_from};
use evac_osm::{Profile, ReadProgress};
use proptest::prelude::*;

/// A small valid file: a junction with three roads and a `no_left_turn` relation.
const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="47.0" lon="9.0"/>
  <node id="2" lat="47.0" lon="9.01"/>
  <node id="3" lat="47.01" lon="9.01"/>
  <node id="4" lat="47.0" lon="9.02"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>
  <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="primary"/></way>
  <way id="12"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <relation id="100">
    <member type="way" ref="10" role="from"/>
    <member type="node" ref="2" role="via"/>
    <member type="way" ref="12" role="to"/>
    <tag k="type" v="restriction"/>
    <tag k="restriction" v="no_left_turn"/>
  </relation>
</osm>
"#;

fn read_bytes(bytes: &[u8]) -> Result<evac_osm::read::Collected, evac_osm::read::ReadError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.osm");
    std::fs::write(&path, bytes).unwrap();
    read(&path, &Profile::default(), &() as &dyn ReadProgress)
}

#[test]
fn the_sample_has_its_restriction() {
    let c = read_bytes(SAMPLE.as_bytes()).unwrap();
    assert_eq!(c.roads.len(), 3);
    assert_eq!(c.restrictions.len(), 1);
    let r = &c.restrictions[0];
    assert_eq!((r.relation_id, r.from_way, r.via_node, r.to_way, r.only, r.u_turn), (100, 10, 2, 12, false, false));
}

fn member() -> impl Strategy<Value = (String, i64, String)> {
    (
        prop::sample::select(vec!["node", "way", "relation", ""]),
        -3i64..30,
        prop::sample::select(vec!["from", "via", "to", "", "location_hint"]),
    )
        .prop_map(|(t, r, role)| (t.to_string(), r, role.to_string()))
}

fn tag() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(vec!["type", "restriction", "restriction:motorcar", "except", "name"]),
        prop::sample::select(vec![
            "restriction",
            "no_left_turn",
            "only_straight_on",
            "no_u_turn",
            "only_u_turn",
            "give_way",
            "motorcar",
            "bicycle;motor_vehicle",
            "",
        ]),
    )
        .prop_map(|(k, v)| (k.to_string(), v.to_string()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Bytes flipped or the file cut anywhere: the reader answers, never panics.
    #[test]
    fn damaged_files_never_panic(flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<Option<usize>>()) {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        if let Some(c) = cut {
            bytes.truncate(c % (bytes.len() + 1));
        }
        let _ = read_bytes(&bytes);
    }

    /// Any relation: a restriction is read only with one from way, one via node, one to
    /// way, a `no_*`/`only_*` kind and `type=restriction`, and cars not excepted.
    #[test]
    fn arbitrary_relations_give_a_restriction_only_when_complete(
        tags in prop::collection::vec(tag(), 0..6),
        members in prop::collection::vec(member(), 0..6),
    ) {
        let r = restriction_from(
            7,
            tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            members.iter().map(|(t, r, role)| (t.as_str(), *r, role.as_str())),
        );
        if let Some(r) = r {
            let count = |t: &str, role: &str| members.iter().filter(|m| m.0 == t && m.2 == role).count();
            prop_assert_eq!(count("way", "from"), 1);
            prop_assert_eq!(count("node", "via"), 1);
            prop_assert_eq!(count("way", "to"), 1);
            prop_assert!(!members.iter().any(|m| m.2 == "via" && m.0 != "node"));
            prop_assert!(tags.iter().any(|(k, v)| k == "type" && v == "restriction"));
            prop_assert_eq!(r.relation_id, 7);
        }
    }
}
