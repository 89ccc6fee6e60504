//! Parsers never panic, whatever the bytes: arbitrary and mutated inputs either load or are
//! refused with an error naming the file (a stand-in for coverage-guided fuzzing, which
//! needs a nightly toolchain).

use proptest::prelude::*;

const SETTLEMENTS: &str = "id,name,lat,lon,population,no_car_share,immobile\na,Alpha,49.7,37.6,100,0.3,2\nb,\"Beta, \"\"B\"\"\",49.8,37.5,200,,\n";
const HAZARD: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"l","valid_from":"2025-01-01"},"geometry":{"type":"Polygon","coordinates":[[[37.0,49.0],[37.2,49.0],[37.2,49.2],[37.0,49.0]]]}}]}"#;

fn mutate(base: &str, edits: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for &(pos, b) in edits {
        let i = pos % (bytes.len() + 1);
        match b % 3 {
            0 if i < bytes.len() => bytes[i] = b,
            1 => bytes.insert(i, b),
            _ if i < bytes.len() => {
                bytes.remove(i);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn settlements_csv_never_panics(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..12)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(&p, mutate(SETTLEMENTS, &edits)).unwrap();
        if let Err(e) = evac_scenario::read_settlements(&p) {
            prop_assert!(e.to_string().contains("s.csv"));
        }
    }

    #[test]
    fn hazard_geojson_never_panics(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..12)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.geojson");
        std::fs::write(&p, mutate(HAZARD, &edits)).unwrap();
        if let Err(e) = evac_scenario::read_hazard(&p) {
            prop_assert!(e.to_string().contains("h.geojson"));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.csv", "b.geojson", "c.csv"] {
            std::fs::write(dir.path().join(name), &bytes).unwrap();
        }
        let _ = evac_scenario::read_settlements(&dir.path().join("a.csv"));
        let _ = evac_scenario::read_hazard(&dir.path().join("b.geojson"));
        let _ = evac_scenario::read_centres(&dir.path().join("c.csv"));
    }
}
