//! The graph builder, the file format and the router on hand-made networks.

use evac_network::build::build_network;
use evac_network::testing::{grid, input, road};
use evac_network::{Closures, EdgeId, NONE, Network, NetworkError, RoadClass, Router, flags};
use proptest::prelude::*;

#[test]
fn degree_two_chains_are_contracted_with_their_geometry() {
    // a - b - c - d, with a side road at c: b is contracted, c is an intersection.
    let nodes = [(1, 47.0, 9.0), (2, 47.0, 9.001), (3, 47.0, 9.002), (4, 47.0, 9.003), (5, 47.001, 9.002)];
    let r = road(RoadClass::Primary, 50.0, 1, 1500.0);
    let net = build_network(&input(
        &nodes,
        vec![(10, vec![1, 2, 3], r.clone()), (11, vec![3, 4], r.clone()), (12, vec![3, 5], r.clone())],
    ))
    .unwrap();
    // Way 10 and way 11 meet at c with another road: c stays. a, c, d, e remain.
    assert_eq!(net.nodes().len(), 4);
    assert_eq!(net.edges().len(), 6);
    let ab = EdgeId(net.edges().iter().position(|e| net.nodes()[e.from as usize].osm_id == 1).unwrap() as u32);
    assert_eq!(net.edge_geometry(ab).len(), 3, "the contracted node's position is kept");
    let e = *net.edge(ab);
    assert_ne!(e.twin, NONE);
    assert_eq!(net.edges()[e.twin as usize].twin, ab.0);
    assert!((e.length_m - 152.0).abs() < 1.0, "{}", e.length_m);
    assert!((e.time_s - e.length_m / (50.0 / 3.6)).abs() < 0.01);
    assert_eq!(e.capacity_vph, 1500.0);
    // The twin's geometry runs the other way.
    let back = net.edge_geometry(EdgeId(e.twin));
    assert_eq!(back.first(), net.edge_geometry(ab).last());
}

#[test]
fn equal_ways_joined_end_to_end_become_one_edge_but_different_ones_do_not() {
    let nodes = [(1, 47.0, 9.0), (2, 47.0, 9.001), (3, 47.0, 9.002)];
    let r = road(RoadClass::Primary, 50.0, 1, 1500.0);
    let net = build_network(&input(&nodes, vec![(10, vec![1, 2], r.clone()), (11, vec![2, 3], r.clone())])).unwrap();
    assert_eq!((net.nodes().len(), net.edges().len()), (2, 2));
    let mut bridge = r.clone();
    bridge.flags = flags::BRIDGE;
    let net = build_network(&input(&nodes, vec![(10, vec![1, 2], r), (11, vec![2, 3], bridge)])).unwrap();
    assert_eq!((net.nodes().len(), net.edges().len()), (3, 4), "a bridge stays its own edge");
}

#[test]
fn only_the_largest_strongly_connected_component_is_kept() {
    let mut inp = grid(4, 4, 0.001);
    // A one-way spur out of the grid: reachable but no way back.
    inp.nodes = evac_network::NodeCoords::from_unsorted(
        inp.nodes
            .ids
            .iter()
            .copied()
            .zip(inp.nodes.coords.iter().copied())
            .chain([(100, [90_100_000, 470_000_000])])
            .collect(),
    );
    let mut oneway = road(RoadClass::Service, 20.0, 1, 400.0);
    oneway.backward = false;
    inp.roads.push(evac_network::InputRoad { way_id: 999, nodes: vec![16, 100], attrs: oneway });
    let net = build_network(&inp).unwrap();
    assert_eq!(net.meta().dropped_components, 1);
    assert_eq!(net.meta().dropped_nodes, 1);
    assert_eq!(net.meta().dropped_edges, 1);
    assert!(net.nodes().iter().all(|n| n.osm_id != 100));
}

#[test]
fn no_roads_is_an_error() {
    assert!(build_network(&input(&[(1, 47.0, 9.0)], vec![])).is_err());
    // A way whose nodes are all missing is no road either.
    assert!(
        build_network(&input(&[(1, 47.0, 9.0)], vec![(1, vec![5, 6], road(RoadClass::Primary, 50.0, 1, 1.0))]))
            .is_err()
    );
}

#[test]
fn file_round_trip_and_damage_detection() {
    let net = build_network(&grid(5, 5, 0.002)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.evacnet");
    net.save(&path).unwrap();
    let loaded = Network::load(&path).unwrap();
    assert_eq!(loaded.nodes(), net.nodes());
    assert_eq!(loaded.edges(), net.edges());
    assert_eq!(loaded.meta(), net.meta());
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(Network::load(&path), Err(NetworkError::Damaged { .. })));
    std::fs::write(&path, b"<?xml version='1.0'?><osm></osm>").unwrap();
    assert!(matches!(Network::load(&path), Err(NetworkError::NotANetwork { .. })));
    let mut old = bytes.clone();
    old[8] = 0;
    std::fs::write(&path, &old).unwrap();
    let err = Network::load(&path).unwrap_err();
    assert!(matches!(err, NetworkError::Version { found: 0, .. }));
    assert!(err.to_string().contains("re-import"), "{err}");
    // A flipped byte inside the edge table is caught by the structural checks.
    let mut bad = bytes.clone();
    let table: &[u8] = &bad[64 + 24..64 + 48];
    let edges_offset = u64::from_le_bytes(table[8..16].try_into().unwrap()) as usize;
    bad[edges_offset + 8..edges_offset + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&path, &bad).unwrap();
    assert!(matches!(Network::load(&path), Err(NetworkError::Damaged { .. })));
}

#[test]
fn closing_the_only_bridge_forces_the_long_way_or_no_way() {
    // Two banks joined by a bridge (fast) and, far away, a slow ford.
    let nodes = [(1, 47.0, 9.0), (2, 47.0, 9.01), (3, 47.0, 9.02), (4, 47.0, 9.03), (5, 47.01, 9.0), (6, 47.01, 9.03)];
    let r = road(RoadClass::Primary, 50.0, 1, 1500.0);
    let mut bridge = road(RoadClass::Primary, 50.0, 1, 1500.0);
    bridge.flags = flags::BRIDGE;
    bridge.name = "Oskil bridge".into();
    let mut detour = road(RoadClass::Track, 10.0, 1, 200.0);
    detour.name = "Field track".into();
    let net = build_network(&input(
        &nodes,
        vec![
            (1, vec![1, 2], r.clone()),
            (2, vec![2, 3], bridge),
            (3, vec![3, 4], r.clone()),
            (4, vec![1, 5], r.clone()),
            (5, vec![5, 6], detour),
            (6, vec![6, 4], r),
        ],
    ))
    .unwrap();
    let id = |osm: i64| net.nodes().iter().position(|n| n.osm_id == osm).unwrap() as u32;
    let open = Router::new(&net, None).shortest_path(id(2), id(3)).unwrap();
    let mut closed = Closures::none(&net);
    let hit = closed.close_by_name_or_id(&net, "oskil").unwrap();
    assert_eq!(hit.edges.len(), 2, "both directions match the name");
    assert_eq!(closed.closed_count(), 2, "both directions of the bridge");
    let around = Router::new(&net, Some(&closed)).shortest_path(id(2), id(3)).unwrap();
    assert!(around.duration_s > open.duration_s * 2.0);
    assert!(around.edges.iter().all(|&e| !closed.is_closed(e)));
    closed.close_by_name_or_id(&net, "Field track").unwrap();
    assert!(Router::new(&net, Some(&closed)).shortest_path(id(2), id(3)).is_none());
    let err = Closures::none(&net).close_by_name_or_id(&net, "Dnipro").unwrap_err();
    assert!(err.to_string().contains("Oskil bridge"), "suggests known bridges: {err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Bidirectional Dijkstra, the one-to-all trees and the contraction hierarchy agree.
    #[test]
    fn every_search_agrees(w in 2usize..9, h in 2usize..9, closed in prop::collection::vec(0usize..200, 0..12), pairs in prop::collection::vec((0usize..100, 0usize..100), 1..15)) {
        let mut inp = grid(w, h, 0.003);
        // Vary speeds so that paths are unique-ish and not all equal.
        for (i, r) in inp.roads.iter_mut().enumerate() {
            r.attrs.speed_kmh = 20.0 + (i * 37 % 50) as f32;
        }
        let net = build_network(&inp).unwrap();
        let mut c = Closures::none(&net);
        for e in closed {
            if e < net.edges().len() { c.close_edge(&net, EdgeId(e as u32)); }
        }
        let router = Router::new(&net, Some(&c));
        let ch = evac_network::ch::ContractionHierarchy::build(&net, Some(&c));
        let mut calc = ch.calculator();
        let n = net.nodes().len();
        let mut ws = router.workspace();
        for (a, b) in pairs {
            let (s, t) = ((a % n) as u32, (b % n) as u32);
            let tree = router.times_from(s).0[t as usize];
            let bidir = router.shortest_path_with(&mut ws, s, t);
            match bidir {
                None => prop_assert!(tree.is_infinite()),
                Some(p) => {
                    prop_assert!((p.duration_s - tree).abs() < 1e-6 * tree.max(1.0), "{} vs {}", p.duration_s, tree);
                    prop_assert!(p.edges.iter().all(|&e| !c.is_closed(e)));
                    for w in p.edges.windows(2) {
                        prop_assert_eq!(net.edges()[w[0] as usize].to, net.edges()[w[1] as usize].from);
                    }
                    let chp = ch.shortest_path(&mut calc, &router, s, t).expect("CH finds what Dijkstra finds");
                    // CH rounds weights to whole milliseconds per edge.
                    prop_assert!((chp.duration_s - tree).abs() <= 0.0005 * chp.edges.len().max(1) as f64 + 1e-6, "{} vs {}", chp.duration_s, tree);
                }
            }
        }
    }
}

/// Turn restrictions at a junction b where a road (way 10, a – b – c) meets a side road
/// (way 12, b – d).
#[test]
fn turn_restrictions_become_banned_turns_at_the_via_node() {
    use evac_network::InputRestriction;
    // Way 10 runs a – b – c (through the junction b), way 12 runs b – d.
    let nodes = [(1, 47.0, 9.0), (2, 47.0, 9.001), (3, 47.0, 9.002), (4, 47.001, 9.001)];
    let r = road(RoadClass::Primary, 50.0, 1, 1500.0);
    let build = |restrictions: Vec<InputRestriction>| {
        let mut inp = input(&nodes, vec![(10, vec![1, 2, 3], r.clone()), (12, vec![2, 4], r.clone())]);
        inp.restrictions = restrictions;
        build_network(&inp).unwrap()
    };
    let rule = |to_way: i64, only: bool, u_turn: bool| InputRestriction {
        relation_id: 1,
        from_way: 10,
        via_node: 2,
        to_way,
        only,
        u_turn,
    };
    // Turns from a (osm 1) at b, by the osm node they lead to.
    let banned_towards = |net: &Network| {
        let mut to: Vec<i64> = net
            .turn_bans()
            .iter()
            .filter(|&&[a, _]| net.nodes()[net.edges()[a as usize].from as usize].osm_id == 1)
            .map(|&[_, b]| net.nodes()[net.edges()[b as usize].to as usize].osm_id)
            .collect();
        to.sort_unstable();
        to
    };
    // The from way is the to way: a U-turn is the turn back, anything else the one on.
    assert_eq!(banned_towards(&build(vec![rule(10, false, true)])), vec![1]);
    assert_eq!(banned_towards(&build(vec![rule(10, false, false)])), vec![3]);
    // A turn onto the side road; only that turn (U-turn and straight on banned).
    assert_eq!(banned_towards(&build(vec![rule(12, false, false)])), vec![4]);
    assert_eq!(banned_towards(&build(vec![rule(12, true, false)])), vec![1, 3]);
    // From the other direction (c towards b, also way 10) the same rule applies: that
    // approach also ends on way 10 at b.
    let net = build(vec![rule(12, false, false)]);
    assert_eq!(net.turn_bans().len(), 2);
    let report = net.meta().turn_restrictions.clone().unwrap();
    assert_eq!((report.read, report.placed, report.not_placed, report.banned_turns), (1, 1, 0, 2));
    // A via node the graph does not have is counted, not placed; nothing is banned.
    let mut missing = rule(12, false, false);
    missing.via_node = 99;
    let net = build(vec![missing]);
    assert!(net.turn_bans().is_empty());
    assert_eq!(net.meta().turn_restrictions.clone().unwrap().not_placed, 1);
    // The bans survive the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.evacnet");
    let net = build(vec![rule(12, true, false)]);
    net.save(&path).unwrap();
    assert_eq!(Network::load(&path).unwrap().turn_bans(), net.turn_bans());
}
