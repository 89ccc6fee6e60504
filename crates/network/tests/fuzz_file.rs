//! A damaged network file is refused, never trusted: random byte flips and truncations of a
//! valid file either load (when the damage hit a value, not a structure) with every index
//! in bounds, or fail with an error — no panic, no out-of-bounds access.

use evac_network::Network;
use evac_network::build::build_network;
use evac_network::testing::grid;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn damaged_files_never_panic(flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<Option<usize>>()) {
        let net = build_network(&grid(6, 5, 0.002)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.evacnet");
        net.save(&path).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        for (pos, b) in flips {
            let i = pos % bytes.len();
            bytes[i] ^= b | 1;
        }
        if let Some(c) = cut {
            bytes.truncate(c % (bytes.len() + 1));
        }
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(loaded) = Network::load(&path) {
            // Whatever loaded must be safe to walk.
            let router = evac_network::Router::new(&loaded, None);
            if !loaded.nodes().is_empty() {
                let _ = router.times_from(0);
            }
            for e in loaded.edge_ids() {
                let _ = loaded.edge_geometry(e);
                let _ = loaded.edge_label(e);
            }
            let _ = evac_network::stats::stats(&loaded);
        }
    }
}
