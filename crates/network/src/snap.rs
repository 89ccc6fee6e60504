//! Snapping points (settlements, centres, stations) to the nearest routing node.

use crate::network::Network;
use evac_geo::geodesy::{distance_m, ecef};
use evac_model::LatLon;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// The routing node nearest to a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    pub node: u32,
    /// Geodesic distance from the point to the node, metres.
    pub distance_m: f64,
}

/// R-tree over the routing nodes (ECEF, so nearest-by-chord is nearest on the ellipsoid
/// for the short distances snapping deals with).
pub struct Snapper {
    tree: RTree<GeomWithData<[f64; 3], u32>>,
    points: Vec<LatLon>,
}

impl Snapper {
    pub fn new(network: &Network) -> Self {
        let points: Vec<LatLon> = network.nodes().iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
        Self::from_points(&points)
    }

    /// Index arbitrary points; `node` in results is the index into `points`.
    pub fn from_points(points: &[LatLon]) -> Self {
        let entries = points.iter().enumerate().map(|(i, p)| GeomWithData::new(ecef(*p), i as u32)).collect();
        Snapper { tree: RTree::bulk_load(entries), points: points.to_vec() }
    }

    pub fn nearest(&self, p: LatLon) -> Option<Snap> {
        let hit = self.tree.nearest_neighbor(&ecef(p))?;
        Some(Snap { node: hit.data, distance_m: distance_m(p, self.points[hit.data as usize]) })
    }

    /// Nodes within `radius_m` of `p`, nearest first.
    pub fn within(&self, p: LatLon, radius_m: f64) -> Vec<Snap> {
        let mut out: Vec<Snap> = self
            .tree
            .locate_within_distance(ecef(p), radius_m * radius_m)
            .map(|h| Snap { node: h.data, distance_m: distance_m(p, self.points[h.data as usize]) })
            .collect();
        out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        out
    }
}
