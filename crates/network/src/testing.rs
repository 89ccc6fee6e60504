//! Small hand-made networks for tests (here and in other crates' tests).

use crate::build::{InputRoad, NetworkInput, NodeCoords, RoadAttrs};
use crate::class::RoadClass;
use crate::format::to_fixed;

/// Attributes of a plain two-way road.
pub fn road(class: RoadClass, speed_kmh: f32, lanes: u8, capacity_per_lane_vph: f32) -> RoadAttrs {
    RoadAttrs {
        class,
        forward: true,
        backward: true,
        speed_kmh,
        lanes_forward: lanes,
        lanes_backward: lanes,
        capacity_per_lane_vph,
        flags: 0,
        name: String::new(),
        ref_: String::new(),
    }
}

/// Build inputs from (id, lat, lon) nodes and (way id, node ids, attrs) roads.
pub fn input(nodes: &[(i64, f64, f64)], roads: Vec<(i64, Vec<i64>, RoadAttrs)>) -> NetworkInput {
    NetworkInput {
        nodes: NodeCoords::from_unsorted(
            nodes.iter().map(|&(id, lat, lon)| (id, [to_fixed(lon), to_fixed(lat)])).collect(),
        ),
        roads: roads.into_iter().map(|(way_id, nodes, attrs)| InputRoad { way_id, nodes, attrs }).collect(),
        ..Default::default()
    }
}

/// A `w` x `h` grid of two-way residential streets, `spacing_deg` apart, ids row-major from 1.
pub fn grid(w: usize, h: usize, spacing_deg: f64) -> NetworkInput {
    let mut nodes = Vec::new();
    for y in 0..h {
        for x in 0..w {
            nodes.push(((y * w + x + 1) as i64, 47.0 + y as f64 * spacing_deg, 9.0 + x as f64 * spacing_deg));
        }
    }
    let mut roads = Vec::new();
    let id = |x: usize, y: usize| (y * w + x + 1) as i64;
    let mut way = 1;
    for y in 0..h {
        for x in 0..w {
            if x + 1 < w {
                roads.push((way, vec![id(x, y), id(x + 1, y)], road(RoadClass::Residential, 30.0, 1, 600.0)));
                way += 1;
            }
            if y + 1 < h {
                roads.push((way, vec![id(x, y), id(x, y + 1)], road(RoadClass::Residential, 30.0, 1, 600.0)));
                way += 1;
            }
        }
    }
    input(&nodes, roads)
}
