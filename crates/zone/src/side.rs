//! The two sides of a line hazard: which places lie *beyond* a front line.
//!
//! A distance has no side, so the rings of [`crate::ZoneRadii`] are symmetric about a line
//! hazard: a village 5 km east of a front line is "mandatory" just as one 5 km west of it,
//! and a car plan would route its residents across the line, toward the reception centres.
//! The authority cannot reach the far side, and a road there is no way out.
//!
//! The rule (docs/planning.md, "Beyond the line"): a place is beyond the line when the
//! straight segment from it to its nearest reception centre crosses the hazard's lines an
//! odd number of times. The reception centres stand for "our side": whatever way the line
//! is drawn (north to south or back, in one piece or several), an odd number of crossings
//! between a place and safety puts the place on the other side. A place past the end of a
//! line is not beyond it (the segment to the centre goes round the end), which is right for
//! a front line that stops at a border or a river. Polygon hazards take no part: a place
//! inside a hazard area is at distance 0, in the hazard itself.
//!
//! Geometry: the nearest centre is the nearest on the ellipsoid (a degree of longitude is
//! two thirds of a degree of latitude here, so "nearest in degrees" would pick the wrong
//! centre). Crossings are counted in a plane centred on the place, with longitudes
//! unwrapped around it (no trouble at the antimeridian) and scaled by the cosine of its
//! latitude; the orientation tests are `geo`'s robust predicates. A straight segment in
//! that plane and the geodesic between the same ends part by well under a kilometre over
//! the ~100 km from a village to a centre, so the parity differs only for places within
//! that distance of where a line ends — places inside the mandatory ring either way.

use evac_model::{Hazard, HazardGeometry, LatLon};
use geo::kernels::{Kernel, RobustKernel};
use geo::{Coord, Orientation};
use rayon::prelude::*;

/// Answers "is this place beyond the hazard's lines, seen from the reception centres".
#[derive(Debug, Clone)]
pub struct LineSide {
    /// Every segment of every hazard line, in lon/lat.
    segments: Vec<(LatLon, LatLon)>,
    centres: Vec<LatLon>,
}

/// Why the rule does not apply to a scenario (it then behaves as before: symmetric rings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSide {
    /// The hazard has no line (polygons only, or empty): nothing has a far side.
    NoLines,
    /// `[zone] beyond_line = "none"`.
    TurnedOff,
    /// A line hazard but no reception centre: there is no "our side" to measure from.
    NoCentres,
}

impl LineSide {
    /// The side rule of a hazard seen from `centres`, or why there is none.
    pub fn new(hazard: &Hazard, centres: &[LatLon]) -> Result<LineSide, NoSide> {
        let mut segments = Vec::new();
        for feature in &hazard.features {
            if let HazardGeometry::Lines(lines) = &feature.geometry {
                for line in lines {
                    segments.extend(line.windows(2).map(|w| (w[0], w[1])));
                }
            }
        }
        if segments.is_empty() {
            return Err(NoSide::NoLines);
        }
        if centres.is_empty() {
            return Err(NoSide::NoCentres);
        }
        Ok(LineSide { segments, centres: centres.to_vec() })
    }

    /// The side rule a scenario asks for (`[zone] beyond_line`), or why there is none.
    pub fn of(scenario: &evac_scenario::Scenario) -> Result<LineSide, NoSide> {
        if scenario.config.zone.beyond_line == evac_scenario::BeyondLine::Off {
            return Err(NoSide::TurnedOff);
        }
        let centres: Vec<LatLon> = scenario.centres.iter().map(|c| c.location).collect();
        LineSide::new(&scenario.hazard, &centres)
    }

    /// Is `p` on the far side of the hazard's lines from its nearest reception centre?
    pub fn beyond(&self, p: LatLon) -> bool {
        let centre = self
            .centres
            .iter()
            .map(|&c| (evac_geo::geodesy::distance_m(p, c), c))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c)
            .expect("a LineSide has centres");
        self.crossings(p, centre) % 2 == 1
    }

    /// [`LineSide::beyond`] for many points, in parallel.
    pub fn beyond_all(&self, points: &[LatLon]) -> Vec<bool> {
        points.par_iter().map(|&p| self.beyond(p)).collect()
    }

    /// How many times the segment from `p` to `c` crosses the hazard's lines.
    ///
    /// A hazard segment counts when its ends lie on opposite sides of the query segment's
    /// line and the query segment's ends lie strictly on opposite sides of the hazard
    /// segment. An end lying exactly on the query line counts as being on its right (a
    /// half-open rule, as in point-in-polygon tests): where the query passes exactly through
    /// a vertex of the hazard line, the two segments meeting there count once between them
    /// if the line crosses, and zero or twice if it only touches, so the parity is right.
    fn crossings(&self, p: LatLon, c: LatLon) -> usize {
        let frame = Frame::at(p);
        let (a, b) = (frame.xy(p), frame.xy(c));
        let (lo_x, hi_x) = (a.x.min(b.x), a.x.max(b.x));
        let (lo_y, hi_y) = (a.y.min(b.y), a.y.max(b.y));
        self.segments
            .iter()
            .filter(|(u, v)| {
                let (u, v) = (frame.xy(*u), frame.xy(*v));
                // Boxes apart: no crossing (cheap, and most segments of a long line).
                if u.x.max(v.x) < lo_x || u.x.min(v.x) > hi_x || u.y.max(v.y) < lo_y || u.y.min(v.y) > hi_y {
                    return false;
                }
                let left = |q| RobustKernel::orient2d(a, b, q) == Orientation::CounterClockwise;
                if left(u) == left(v) {
                    return false;
                }
                let (sp, sc) = (RobustKernel::orient2d(u, v, a), RobustKernel::orient2d(u, v, b));
                sp != Orientation::Collinear && sc != Orientation::Collinear && sp != sc
            })
            .count()
    }
}

/// A plane centred on one place: x east, y north, in degrees of latitude.
struct Frame {
    lon0: f64,
    cos_lat0: f64,
}

impl Frame {
    fn at(p: LatLon) -> Frame {
        Frame { lon0: p.lon, cos_lat0: p.lat.to_radians().cos() }
    }

    fn xy(&self, q: LatLon) -> Coord<f64> {
        // Longitude difference in -180..180: the short way round, across the antimeridian too.
        let dlon = (q.lon - self.lon0 + 540.0).rem_euclid(360.0) - 180.0;
        Coord { x: dlon * self.cos_lat0, y: q.lat }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evac_model::HazardFeature;

    fn ll(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon)
    }

    fn hazard(geometry: HazardGeometry) -> Hazard {
        Hazard { features: vec![HazardFeature { name: None, valid_from: None, geometry }] }
    }

    fn lines(lines: &[&[(f64, f64)]]) -> Hazard {
        hazard(HazardGeometry::Lines(
            lines.iter().map(|l| l.iter().map(|&(lat, lon)| ll(lat, lon)).collect()).collect(),
        ))
    }

    /// A north-south front line at 37.9°E from 49.3°N to 50.0°N, a centre far to the west.
    fn front() -> LineSide {
        LineSide::new(&lines(&[&[(49.3, 37.9), (50.0, 37.9)]]), &[ll(49.99, 36.23)]).unwrap()
    }

    #[test]
    fn west_of_the_line_is_our_side_east_is_beyond() {
        let side = front();
        assert!(!side.beyond(ll(49.7, 37.6)));
        assert!(!side.beyond(ll(49.7, 37.89)));
        assert!(side.beyond(ll(49.7, 37.91)));
        assert!(side.beyond(ll(49.7, 38.4)));
    }

    #[test]
    fn past_the_ends_of_the_line_is_not_beyond() {
        let side = front();
        // East of the line's longitude but north of its northern end and south of its
        // southern end: the way to the centre goes round the end.
        assert!(!side.beyond(ll(50.2, 38.2)));
        assert!(!side.beyond(ll(49.1, 38.0)));
    }

    #[test]
    fn the_nearest_centre_decides_and_a_centre_beyond_is_its_own_side() {
        // Two centres, one on each side: each place is on the side of its nearest centre.
        let side = LineSide::new(&lines(&[&[(49.3, 37.9), (50.0, 37.9)]]), &[ll(49.7, 37.0), ll(49.7, 38.8)]).unwrap();
        assert!(!side.beyond(ll(49.7, 38.6)));
        assert!(!side.beyond(ll(49.7, 37.3)));
        // Nearest by metres, not by degrees: 0.6° of longitude east is 43 km, 0.45° of
        // latitude south 50 km; by degrees the southern centre would look nearer.
        let side = LineSide::new(&lines(&[&[(49.5, 37.0), (49.5, 39.0)]]), &[ll(49.7, 38.6), ll(49.25, 38.0)]).unwrap();
        assert!(!side.beyond(ll(49.7, 38.0)));
    }

    #[test]
    fn a_multi_segment_line_that_bends_back_is_crossed_twice() {
        // A salient: the line runs south, bulges west round a town, and runs south again.
        let salient = lines(&[&[(50.0, 37.9), (49.8, 37.9), (49.75, 37.5), (49.65, 37.5), (49.6, 37.9), (49.3, 37.9)]]);
        let side = LineSide::new(&salient, &[ll(49.99, 36.23)]).unwrap();
        // Inside the bulge: beyond (seen from Kharkiv, one crossing of the bulge's west side).
        assert!(side.beyond(ll(49.7, 37.7)));
        // West of the bulge: our side; east of the straight parts: beyond.
        assert!(!side.beyond(ll(49.7, 37.3)));
        assert!(side.beyond(ll(49.45, 38.1)));
        // A place whose way to the centre passes exactly through a vertex of the line, where
        // the line crosses: one crossing, not two. The vertex (49.8, 37.9) lies on the
        // segment from this place to the centre.
        let centre = ll(49.8, 36.0);
        let side = LineSide::new(&salient, &[centre]).unwrap();
        assert!(side.beyond(ll(49.8, 38.3)));
        // The same through a corner: a line shaped "<" whose corner (49.7, 37.5) lies on the
        // way from this place to the centre; the line passes from north to south there.
        let corner = lines(&[&[(50.0, 37.9), (49.7, 37.5), (49.4, 37.9)]]);
        let side = LineSide::new(&corner, &[ll(49.7, 36.0)]).unwrap();
        assert!(side.beyond(ll(49.7, 37.7)));
        // Touching a vertex without crossing: a "V" whose point (49.7, 37.5) touches the way
        // to the centre from the north; both arms stay north of it: zero crossings.
        let touch = lines(&[&[(49.9, 37.3), (49.7, 37.5), (49.9, 37.7)]]);
        let side = LineSide::new(&touch, &[ll(49.7, 36.0)]).unwrap();
        assert!(!side.beyond(ll(49.7, 37.8)));
        assert!(side.beyond(ll(49.8, 37.5)));
    }

    #[test]
    fn several_lines_count_together() {
        // Two parallel lines (a front and a second line behind it): between them is beyond,
        // past both is our side again by parity. That is the documented rule; scenarios draw
        // the front line once.
        let two = lines(&[&[(49.3, 37.9), (50.0, 37.9)], &[(49.3, 38.3), (50.0, 38.3)]]);
        let side = LineSide::new(&two, &[ll(49.99, 36.23)]).unwrap();
        assert!(!side.beyond(ll(49.7, 37.5)));
        assert!(side.beyond(ll(49.7, 38.1)));
        assert!(!side.beyond(ll(49.7, 38.5)));
    }

    #[test]
    fn polygons_and_missing_centres_have_no_side() {
        let ring = vec![ll(49.0, 37.0), ll(49.0, 37.2), ll(49.2, 37.2), ll(49.2, 37.0), ll(49.0, 37.0)];
        let area = hazard(HazardGeometry::Polygons(vec![vec![ring]]));
        assert_eq!(LineSide::new(&area, &[ll(49.99, 36.23)]).unwrap_err(), NoSide::NoLines);
        assert_eq!(LineSide::new(&Hazard::default(), &[ll(49.99, 36.23)]).unwrap_err(), NoSide::NoLines);
        let line = lines(&[&[(49.3, 37.9), (50.0, 37.9)]]);
        assert_eq!(LineSide::new(&line, &[]).unwrap_err(), NoSide::NoCentres);
    }

    #[test]
    fn the_antimeridian_is_crossed_the_short_way() {
        // A line at 179.9°E, a centre at 179.5°E; a place at 179.95°W is east of the line.
        let side = LineSide::new(&lines(&[&[(-17.0, 179.9), (-16.0, 179.9)]]), &[ll(-16.5, 179.5)]).unwrap();
        assert!(side.beyond(ll(-16.5, -179.95)));
        assert!(!side.beyond(ll(-16.5, 179.7)));
    }
}
