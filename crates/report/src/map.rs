//! Static SVG maps (inline in printable documents; no tiles, no network).

use evac_model::{Hazard, HazardGeometry, LatLon};
use evac_zone::{Zone, ZoneAreas};
use geo::{BoundingRect, MultiPolygon};
use std::fmt::Write;

/// A settlement on the map.
#[derive(Debug, Clone)]
pub struct MapPoint {
    pub location: LatLon,
    pub zone: Zone,
    pub population: u32,
    pub label: Option<String>,
}

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct MapLayers<'a> {
    pub boundary: Option<&'a MultiPolygon<f64>>,
    pub areas: Option<&'a ZoneAreas>,
    pub hazard: &'a Hazard,
    pub points: &'a [MapPoint],
}

pub const MANDATORY_COLOUR: &str = "#c62828";
pub const ADVISORY_COLOUR: &str = "#ef8f00";
pub const OUTSIDE_COLOUR: &str = "#607d8b";
/// Settlements beyond a front line: dark violet, apart from the ring colours and the grey
/// of "outside" (they are neither safe nor ordered).
pub const BEYOND_LINE_COLOUR: &str = "#4a148c";

/// Equirectangular projection of a lon/lat box onto a pixel frame (aspect kept).
struct Frame {
    lon0: f64,
    lat1: f64,
    kx: f64,
    ky: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn fit(bbox: (f64, f64, f64, f64), width: f64) -> Self {
        let (lon0, lat0, lon1, lat1) = bbox;
        let cos = ((lat0 + lat1) / 2.0).to_radians().cos();
        let w_deg = (lon1 - lon0).max(1e-6) * cos;
        let h_deg = (lat1 - lat0).max(1e-6);
        let k = width / w_deg;
        Frame { lon0, lat1, kx: k * cos, ky: k, width, height: (h_deg * k).ceil() }
    }
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.kx, (self.lat1 - lat) * self.ky)
    }
    fn km_per_px(&self) -> f64 {
        111.32 / self.ky
    }
}

fn path_of_ring(frame: &Frame, coords: impl Iterator<Item = (f64, f64)>, out: &mut String) {
    for (i, (lon, lat)) in coords.enumerate() {
        let (x, y) = frame.xy(lon, lat);
        let _ = write!(out, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x, y);
    }
    out.push('Z');
}

fn multipolygon_path(frame: &Frame, mp: &MultiPolygon<f64>) -> String {
    let mut d = String::new();
    for p in &mp.0 {
        path_of_ring(frame, p.exterior().0.iter().map(|c| (c.x, c.y)), &mut d);
        for hole in p.interiors() {
            path_of_ring(frame, hole.0.iter().map(|c| (c.x, c.y)), &mut d);
        }
    }
    d
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn zone_colour(z: Zone) -> &'static str {
    match z {
        Zone::Mandatory => MANDATORY_COLOUR,
        Zone::Advisory => ADVISORY_COLOUR,
        Zone::Outside => OUTSIDE_COLOUR,
        Zone::BeyondLine => BEYOND_LINE_COLOUR,
    }
}

/// Render the zone map as an SVG element `width` pixels wide.
pub fn zone_map_svg(layers: &MapLayers<'_>, width: f64) -> String {
    let bbox = layers
        .boundary
        .and_then(|b| b.bounding_rect())
        .map(|r| (r.min().x, r.min().y, r.max().x, r.max().y))
        .or_else(|| {
            let mut it = layers.points.iter().map(|p| p.location);
            let first = it.next()?;
            Some(it.fold((first.lon, first.lat, first.lon, first.lat), |(a, b, c, d), p| {
                (a.min(p.lon), b.min(p.lat), c.max(p.lon), d.max(p.lat))
            }))
        })
        .unwrap_or((0.0, 0.0, 1.0, 1.0));
    let pad_x = (bbox.2 - bbox.0) * 0.04;
    let pad_y = (bbox.3 - bbox.1) * 0.04;
    let frame = Frame::fit((bbox.0 - pad_x, bbox.1 - pad_y, bbox.2 + pad_x, bbox.3 + pad_y), width);
    let (w, h) = (frame.width, frame.height);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="100%" role="img" aria-label="Map of the evacuation zone" font-family="sans-serif">
<defs><clipPath id="frame"><rect width="{w:.0}" height="{h:.0}"/></clipPath></defs>
<rect width="{w:.0}" height="{h:.0}" fill="#f4f1ea"/>
<g clip-path="url(#frame)">
"##
    );
    if let Some(b) = layers.boundary {
        let _ = writeln!(
            svg,
            r##"<path d="{}" fill="#ffffff" stroke="#8d8d8d" stroke-width="1.2" fill-rule="evenodd"/>"##,
            multipolygon_path(&frame, b)
        );
    }
    if let Some(a) = layers.areas {
        let _ = writeln!(
            svg,
            r##"<path d="{}" fill="{ADVISORY_COLOUR}" fill-opacity="0.18" stroke="{ADVISORY_COLOUR}" stroke-width="1" fill-rule="evenodd"/>"##,
            multipolygon_path(&frame, &a.advisory_ring)
        );
        let _ = writeln!(
            svg,
            r##"<path d="{}" fill="{MANDATORY_COLOUR}" fill-opacity="0.16" stroke="{MANDATORY_COLOUR}" stroke-width="1.2" fill-rule="evenodd"/>"##,
            multipolygon_path(&frame, &a.mandatory)
        );
    }
    for f in &layers.hazard.features {
        match &f.geometry {
            HazardGeometry::Lines(lines) => {
                for l in lines {
                    let mut d = String::new();
                    for (i, p) in l.iter().enumerate() {
                        let (x, y) = frame.xy(p.lon, p.lat);
                        let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                    }
                    let _ = writeln!(
                        svg,
                        r##"<path d="{d}" fill="none" stroke="#5d0000" stroke-width="3" stroke-dasharray="9 4"/>"##
                    );
                }
            }
            HazardGeometry::Polygons(polys) => {
                let mut d = String::new();
                for rings in polys {
                    for r in rings {
                        path_of_ring(&frame, r.iter().map(|p| (p.lon, p.lat)), &mut d);
                    }
                }
                let _ = writeln!(
                    svg,
                    r##"<path d="{d}" fill="#5d0000" fill-opacity="0.35" stroke="#5d0000" stroke-width="2" fill-rule="evenodd"/>"##
                );
            }
        }
    }
    // Outside first so ordered settlements draw on top.
    let mut points: Vec<&MapPoint> = layers.points.iter().collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.zone));
    for p in &points {
        let (x, y) = frame.xy(p.location.lon, p.location.lat);
        let r = 1.6 + (f64::from(p.population).max(1.0)).sqrt() / 25.0;
        let _ = writeln!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="{}" stroke="#ffffff" stroke-width="0.6"/>"##,
            r.min(9.0),
            zone_colour(p.zone)
        );
    }
    for p in points.iter().filter(|p| p.label.is_some()) {
        let (x, y) = frame.xy(p.location.lon, p.location.lat);
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#1b1b1b" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
            x + 5.0,
            y - 4.0,
            esc(p.label.as_deref().unwrap_or(""))
        );
    }
    svg.push_str("</g>\n");
    // Scale bar: a round length about a fifth of the width.
    let target_km = w / 5.0 * frame.km_per_px();
    let bar_km =
        [200.0, 100.0, 50.0, 25.0, 20.0, 10.0, 5.0, 2.0, 1.0].into_iter().find(|&k| k <= target_km).unwrap_or(1.0);
    let bar_px = bar_km / frame.km_per_px();
    let (bx, by) = (16.0, h - 18.0);
    let _ = write!(
        svg,
        r##"<g font-size="11"><rect x="{:.0}" y="{:.0}" width="{:.0}" height="26" fill="#ffffff" fill-opacity="0.8"/>
<path d="M{bx:.0},{by:.0}h{bar_px:.1}" stroke="#000" stroke-width="3"/><text x="{bx:.0}" y="{:.0}">{bar_km} km</text>
<path d="M{:.0},40l8,-22l8,22l-8,-6z" fill="#000"/><text x="{:.0}" y="52" text-anchor="middle">N</text></g>
"##,
        bx - 6.0,
        by - 20.0,
        bar_px + 40.0,
        by - 6.0,
        w - 34.0,
        w - 26.0
    );
    svg.push_str("</svg>\n");
    svg
}

/// The zone map of an order: every settlement of `order` (list the outside ones too for
/// context), labelled when ordered and of 1,500 people or more.
pub fn order_map_svg(
    order: &evac_zone::Order,
    boundary: Option<&MultiPolygon<f64>>,
    areas: Option<&ZoneAreas>,
    hazard: &Hazard,
    width: f64,
) -> String {
    let points: Vec<MapPoint> = order
        .settlements
        .iter()
        .map(|e| MapPoint {
            location: LatLon::new(e.lat, e.lon),
            zone: e.zone,
            population: e.population,
            label: (e.zone != Zone::Outside && e.population >= 1500).then(|| e.name.clone()),
        })
        .collect();
    zone_map_svg(&MapLayers { boundary, areas, hazard, points: &points }, width)
}
