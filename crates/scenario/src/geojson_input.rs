//! Hazard and boundary GeoJSON files.

use crate::error::{InputError, Location};
use evac_model::{Hazard, HazardFeature, HazardGeometry, LatLon};
use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use geojson::{Feature, GeometryValue, Position};
use std::path::Path;

/// Parse a file as JSON, then check it is a FeatureCollection; returns its features as
/// raw JSON so that each can be reported by index.
fn read_feature_collection(path: &Path) -> Result<Vec<serde_json::Value>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| InputError::at(path, Location::Line(e.line() as u64), None, format!("not valid JSON: {e}")))?;
    let kind = value.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if kind != "FeatureCollection" {
        return Err(InputError::at(
            path,
            Location::File,
            Some("type"),
            format!(
                "expected a GeoJSON FeatureCollection, found {}",
                if kind.is_empty() { "no \"type\"".into() } else { format!("\"{kind}\"") }
            ),
        ));
    }
    match value.get("features") {
        Some(serde_json::Value::Array(features)) => Ok(features.clone()),
        _ => Err(InputError::at(path, Location::File, Some("features"), "expected an array of features")),
    }
}

fn feature_name(raw: &serde_json::Value) -> Option<String> {
    raw.get("properties")?.get("name")?.as_str().map(str::to_string)
}

struct FeatureCtx<'a> {
    path: &'a Path,
    index: usize,
    name: Option<String>,
}

impl FeatureCtx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> InputError {
        InputError::at(
            self.path,
            Location::Feature { index: self.index, name: self.name.clone() },
            Some(field),
            message,
        )
    }

    fn position(&self, p: &Position) -> Result<LatLon, InputError> {
        let s = p.as_slice();
        if s.len() < 2 {
            return Err(self.err("geometry.coordinates", "a position needs [longitude, latitude]"));
        }
        let (lon, lat) = (s[0], s[1]);
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) || !lon.is_finite() || !lat.is_finite() {
            return Err(self.err(
                "geometry.coordinates",
                format!(
                    "position [{lon}, {lat}] is outside [-180..180, -90..90] (GeoJSON order is [longitude, latitude])"
                ),
            ));
        }
        Ok(LatLon::new(lat, lon))
    }

    fn line(&self, positions: &[Position]) -> Result<Vec<LatLon>, InputError> {
        if positions.len() < 2 {
            return Err(self
                .err("geometry.coordinates", format!("a line needs at least 2 positions, found {}", positions.len())));
        }
        positions.iter().map(|p| self.position(p)).collect()
    }

    fn polygon(&self, rings: &[Vec<Position>]) -> Result<Vec<Vec<LatLon>>, InputError> {
        if rings.is_empty() {
            return Err(self.err("geometry.coordinates", "a polygon needs an exterior ring"));
        }
        let mut out = Vec::with_capacity(rings.len());
        for (i, ring) in rings.iter().enumerate() {
            let pts: Vec<LatLon> = ring.iter().map(|p| self.position(p)).collect::<Result<_, _>>()?;
            let which = if i == 0 { "exterior ring".to_string() } else { format!("hole {i}") };
            if pts.len() < 4 {
                return Err(self.err(
                    "geometry.coordinates",
                    format!("{which} needs at least 4 positions (closed), found {}", pts.len()),
                ));
            }
            if pts.first() != pts.last() {
                return Err(self.err(
                    "geometry.coordinates",
                    format!("{which} is not closed: its last position must repeat the first"),
                ));
            }
            out.push(pts);
        }
        let to_ls =
            |r: &Vec<LatLon>| LineString::from(r.iter().map(|p| Coord { x: p.lon, y: p.lat }).collect::<Vec<_>>());
        let poly = Polygon::new(to_ls(&out[0]), out[1..].iter().map(to_ls).collect());
        if let Err(problem) = poly.check_validation() {
            return Err(self.err("geometry", format!("invalid polygon: {problem} (a ring must not cross itself)")));
        }
        Ok(out)
    }
}

/// Read a hazard FeatureCollection of LineString/MultiLineString/Polygon/MultiPolygon
/// features with optional `name` and `valid_from` (ISO date) properties.
pub fn read_hazard(path: &Path) -> Result<Hazard, InputError> {
    let raw_features = read_feature_collection(path)?;
    if raw_features.is_empty() {
        return Err(InputError::at(
            path,
            Location::File,
            Some("features"),
            "the hazard is empty: add at least one LineString (front line) or Polygon (area under fire or flood)",
        ));
    }
    let mut features = Vec::with_capacity(raw_features.len());
    for (index, raw) in raw_features.into_iter().enumerate() {
        let ctx = FeatureCtx { path, index, name: feature_name(&raw) };
        let valid_from = match raw.get("properties").and_then(|p| p.get("valid_from")) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => {
                Some(chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map_err(|_| {
                    ctx.err("properties.valid_from", format!("expected an ISO date like 2025-10-01, found \"{s}\""))
                })?)
            }
            Some(other) => {
                return Err(ctx.err("properties.valid_from", format!("expected an ISO date string, found {other}")));
            }
        };
        let feature: Feature = serde_json::from_value(raw)
            .map_err(|e| ctx.err("geometry", format!("not a valid GeoJSON feature: {e}")))?;
        let Some(geometry) = feature.geometry else {
            return Err(ctx.err("geometry", "the feature has no geometry"));
        };
        let geometry = match &geometry.value {
            GeometryValue::LineString { coordinates } => HazardGeometry::Lines(vec![ctx.line(coordinates)?]),
            GeometryValue::MultiLineString { coordinates } => {
                HazardGeometry::Lines(coordinates.iter().map(|l| ctx.line(l)).collect::<Result<_, _>>()?)
            }
            GeometryValue::Polygon { coordinates } => HazardGeometry::Polygons(vec![ctx.polygon(coordinates)?]),
            GeometryValue::MultiPolygon { coordinates } => {
                HazardGeometry::Polygons(coordinates.iter().map(|p| ctx.polygon(p)).collect::<Result<_, _>>()?)
            }
            other => {
                return Err(ctx.err(
                    "geometry.type",
                    format!("{} is not a hazard shape: use LineString/MultiLineString (a front line) or Polygon/MultiPolygon (an area)", other.type_name()),
                ));
            }
        };
        features.push(HazardFeature { name: ctx.name.clone(), valid_from, geometry });
    }
    Ok(Hazard { features })
}

/// Read an area outline (Polygon/MultiPolygon features), for maps and clipping.
pub fn read_boundary(path: &Path) -> Result<MultiPolygon<f64>, InputError> {
    let mut polygons = Vec::new();
    for (index, raw) in read_feature_collection(path)?.into_iter().enumerate() {
        let ctx = FeatureCtx { path, index, name: feature_name(&raw) };
        let feature: Feature = serde_json::from_value(raw)
            .map_err(|e| ctx.err("geometry", format!("not a valid GeoJSON feature: {e}")))?;
        // The same ring checks as a hazard area (closed, 4+ positions, not crossing itself),
        // so a broken outline is named here instead of clipping the network wrongly.
        let rings_to_polygon = |rings: &[Vec<Position>]| -> Result<Polygon<f64>, InputError> {
            let rings = ctx.polygon(rings)?;
            let to_ls =
                |r: &Vec<LatLon>| LineString::from(r.iter().map(|p| Coord { x: p.lon, y: p.lat }).collect::<Vec<_>>());
            Ok(Polygon::new(to_ls(&rings[0]), rings[1..].iter().map(to_ls).collect()))
        };
        match feature.geometry.map(|g| g.value) {
            Some(GeometryValue::Polygon { coordinates }) => polygons.push(rings_to_polygon(&coordinates)?),
            Some(GeometryValue::MultiPolygon { coordinates }) => {
                for p in &coordinates {
                    polygons.push(rings_to_polygon(p)?);
                }
            }
            Some(other) => {
                return Err(
                    ctx.err("geometry.type", format!("expected Polygon or MultiPolygon, found {}", other.type_name()))
                );
            }
            None => return Err(ctx.err("geometry", "the feature has no geometry")),
        }
    }
    if polygons.is_empty() {
        return Err(InputError::at(path, Location::File, Some("features"), "no polygon in the boundary file"));
    }
    Ok(MultiPolygon::new(polygons))
}
