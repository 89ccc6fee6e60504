//! What each snapping tolerance does to Ukraine's main-road layers: connected components
//! and the size of the largest, ways joined at shared vertices only and after joining loose
//! way ends within the tolerance. The figures in docs/network.md come from this.
//!
//!     cargo run --release -p evac-layers --example snap_tolerance [-- ../shared/data/ukraine-main-roads]

use evac_layers::mapping::{ClassRule, LayerRule};
use evac_layers::read::read_layer;
use evac_layers::roads::RoadSet;
use evac_network::RoadClass;
use std::path::PathBuf;

fn main() {
    let dir = std::env::args().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ukraine-main-roads"),
        PathBuf::from,
    );
    let mut ways = Vec::new();
    for (file, class) in [("roads_national.shp", RoadClass::Primary), ("roads_international.shp", RoadClass::Trunk)] {
        let rule = LayerRule {
            file: dir.join(file),
            class: ClassRule::Fixed(class),
            id_field: Some("osm_id".into()),
            name_field: None,
            ref_field: None,
        };
        let layer = read_layer(&rule).unwrap_or_else(|e| panic!("{e}"));
        println!("{file}: {} records, {} lines", layer.records, layer.ways.len());
        ways.extend(layer.ways);
    }
    println!("{:>10} {:>12} {:>14} {:>12} {:>10}", "snap_m", "components", "largest", "vertices", "ends");
    for tol in [0.0, 5.0, 10.0, 25.0, 30.0, 50.0, 100.0, 200.0] {
        let mut set = RoadSet::from_layers(ways.clone());
        let ends = set.snap_ends(tol);
        let (_, c) = set.components();
        println!("{tol:>10} {:>12} {:>14} {:>12} {:>10}", c.count, c.largest, c.vertices, ends);
    }
}
