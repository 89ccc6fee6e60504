//! Fast point-in-area tests for large polygons (clipping millions of OSM nodes to a raion).
//!
//! Edges are kept in an R-tree; a point is inside when a ray cast east from it crosses an
//! odd number of edges, and only the edges the ray can meet are looked at. Containment is
//! planar in lon/lat, as RFC 7946 defines it.

use geo::{BoundingRect, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Line};
use rstar::{AABB, RTree};

pub struct AreaIndex {
    edges: RTree<GeomWithData<Line<[f64; 2]>, ()>>,
    bbox: Option<Rect<f64>>,
}

impl AreaIndex {
    pub fn new(area: &MultiPolygon<f64>) -> Self {
        let mut edges = Vec::new();
        for p in &area.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in ring.0.windows(2) {
                    edges.push(GeomWithData::new(Line::new([w[0].x, w[0].y], [w[1].x, w[1].y]), ()));
                }
            }
        }
        AreaIndex { edges: RTree::bulk_load(edges), bbox: area.bounding_rect() }
    }

    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.bbox
    }

    /// Is (lon, lat) inside the area?
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let Some(b) = self.bbox else { return false };
        if lon < b.min().x || lon > b.max().x || lat < b.min().y || lat > b.max().y {
            return false;
        }
        let ray = AABB::from_corners([lon, lat], [b.max().x + 1.0, lat]);
        let mut inside = false;
        for e in self.edges.locate_in_envelope_intersecting(&ray) {
            let (a, c) = (e.geom().from, e.geom().to);
            // Half-open rule on y so a vertex on the ray is counted once.
            if (a[1] > lat) != (c[1] > lat) {
                let x = a[0] + (lat - a[1]) / (c[1] - a[1]) * (c[0] - a[0]);
                if x > lon {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Point, polygon};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_geo_contains(x in -1.0..3.0f64, y in -1.0..3.0f64) {
            let poly = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 1.0, y: 0.7), (x: 0.0, y: 2.0), (x: 0.0, y: 0.0)];
            let hole = polygon![(x: 0.5, y: 0.2), (x: 1.5, y: 0.2), (x: 1.0, y: 0.5), (x: 0.5, y: 0.2)];
            let area = MultiPolygon::new(vec![geo::Polygon::new(poly.exterior().clone(), vec![hole.exterior().clone()])]);
            let idx = AreaIndex::new(&area);
            prop_assert_eq!(idx.contains(x, y), area.contains(&Point::new(x, y)));
        }
    }
}
