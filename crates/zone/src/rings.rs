//! Zone rings: the areas within the mandatory and advisory distances of the hazard.
//!
//! `geo`'s buffer works in the plane, so the hazard is projected to metres with a
//! [`LocalProjection`] centred on it, long segments are densified first (a geodesic is not
//! a straight line in the projection), the buffers are built and united there, and the
//! result is projected back to lon/lat.

use crate::ZoneRadii;
use evac_geo::LocalProjection;
use evac_model::{Hazard, HazardGeometry, LatLon};
use geo::algorithm::buffer::{BufferStyle, LineCap, LineJoin};
use geo::{BooleanOps, Buffer, Coord, LineString, MultiLineString, MultiPolygon, Polygon};

/// Densify so that no projected edge is longer than this (metres).
const MAX_EDGE_M: f64 = 2_000.0;
/// Angle step of round joins (radians): 126 vertices a circle, < 8 m off a 25 km circle.
const ROUND_STEP_RAD: f64 = 0.05;

/// The zone areas as lon/lat multipolygons (`x` = lon, `y` = lat).
#[derive(Debug, Clone)]
pub struct ZoneAreas {
    /// Everything within `mandatory_km`.
    pub mandatory: MultiPolygon<f64>,
    /// Within `advisory_km` but beyond `mandatory_km`.
    pub advisory_ring: MultiPolygon<f64>,
}

/// Build the zone areas of a hazard. Returns `None` for an empty hazard.
pub fn zone_areas(hazard: &Hazard, radii: ZoneRadii) -> Option<ZoneAreas> {
    let all_points = hazard.features.iter().flat_map(|f| match &f.geometry {
        HazardGeometry::Lines(ls) => ls.iter().flatten().copied().collect::<Vec<_>>(),
        HazardGeometry::Polygons(ps) => ps.iter().flatten().flatten().copied().collect(),
    });
    let proj = LocalProjection::around(all_points)?;
    let mut lines = Vec::new();
    let mut polygons = Vec::new();
    for f in &hazard.features {
        match &f.geometry {
            HazardGeometry::Lines(ls) => lines.extend(ls.iter().map(|l| project_path(&proj, l))),
            HazardGeometry::Polygons(ps) => polygons.extend(ps.iter().map(|rings| {
                let mut rings = rings.iter().map(|r| project_path(&proj, r));
                let exterior = rings.next().unwrap_or_else(|| LineString::new(vec![]));
                Polygon::new(exterior, rings.collect())
            })),
        }
    }
    let lines = MultiLineString::new(lines);
    let polygons = MultiPolygon::new(polygons);
    let buffer = |km: f64| -> MultiPolygon<f64> {
        let style = || {
            BufferStyle::new(km * 1000.0)
                .line_join(LineJoin::Round(ROUND_STEP_RAD))
                .line_cap(LineCap::Round(ROUND_STEP_RAD))
        };
        let from_lines = lines.buffer_with_style(style());
        if polygons.0.is_empty() {
            return from_lines;
        }
        let from_polygons = polygons.buffer_with_style(style());
        if from_lines.0.is_empty() { from_polygons } else { from_lines.union(&from_polygons) }
    };
    let mandatory = buffer(radii.mandatory_km);
    let advisory = buffer(radii.advisory_km);
    let advisory_ring = advisory.difference(&mandatory);
    Some(ZoneAreas { mandatory: unproject(&proj, &mandatory), advisory_ring: unproject(&proj, &advisory_ring) })
}

fn project_path(proj: &LocalProjection, path: &[LatLon]) -> LineString<f64> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(path.len());
    for (i, p) in path.iter().enumerate() {
        let (x, y) = proj.forward(*p);
        if i > 0 {
            let prev = path[i - 1];
            let len = evac_geo::geodesy::distance_m(prev, *p);
            let pieces = (len / MAX_EDGE_M).ceil() as usize;
            if pieces > 1 {
                let (_, azi) = evac_geo::geodesy::distance_azimuth(prev, *p);
                for k in 1..pieces {
                    let (q, _) = evac_geo::geodesy::destination(prev, azi, len * k as f64 / pieces as f64);
                    let (qx, qy) = proj.forward(q);
                    out.push(Coord { x: qx, y: qy });
                }
            }
        }
        out.push(Coord { x, y });
    }
    LineString::new(out)
}

fn unproject(proj: &LocalProjection, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>| {
        LineString::new(
            ls.0.iter()
                .map(|c| {
                    let p = proj.inverse(c.x, c.y);
                    Coord { x: p.lon, y: p.lat }
                })
                .collect(),
        )
    };
    MultiPolygon::new(
        mp.0.iter().map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HazardIndex;
    use evac_model::HazardFeature;
    use geo::{Contains, Point};

    #[test]
    fn ring_boundaries_sit_at_the_zone_distances() {
        let hazard = Hazard {
            features: vec![HazardFeature {
                name: None,
                valid_from: None,
                geometry: HazardGeometry::Lines(vec![vec![
                    LatLon::new(50.3, 37.9),
                    LatLon::new(49.9, 37.8),
                    LatLon::new(49.4, 37.85),
                ]]),
            }],
        };
        let radii = ZoneRadii { mandatory_km: 10.0, advisory_km: 25.0 };
        let areas = zone_areas(&hazard, radii).unwrap();
        let index = HazardIndex::new(&hazard);
        // Every vertex of the mandatory outline is ~10 km from the hazard.
        for poly in &areas.mandatory.0 {
            for c in poly.exterior().0.iter().step_by(7) {
                let d = index.distance_m(LatLon::new(c.y, c.x));
                assert!((d - 10_000.0).abs() < 60.0, "{d}");
            }
        }
        // A point 5 km away is in the mandatory area, one 15 km away in the advisory ring.
        assert!(areas.mandatory.contains(&Point::new(37.8 - 0.07, 49.9)));
        assert!(areas.advisory_ring.contains(&Point::new(37.8 - 0.21, 49.9)));
    }
}
