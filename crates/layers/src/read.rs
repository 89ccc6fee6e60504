//! Reading road layers: ESRI shapefiles (.shp with its .shx and .dbf, via the `shapefile`
//! crate) and GeoJSON FeatureCollections (via `geojson`). Every line of a layer becomes a
//! way with the class its layer rule gives it; anything malformed is an error naming the
//! file, the record or feature, and the field.

use crate::mapping::{ClassRule, LayerRule};
use evac_network::RoadClass;
use evac_scenario::{InputError, Location};
use geojson::GeometryValue;
use std::collections::BTreeMap;
use std::path::Path;

/// One line of a layer, lon/lat.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerWay {
    pub id: i64,
    pub class: RoadClass,
    pub name: String,
    pub ref_: String,
    /// [longitude, latitude] in degrees.
    pub points: Vec<[f64; 2]>,
}

/// A layer read whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub ways: Vec<LayerWay>,
    /// Records/features read.
    pub records: u64,
    /// Records with no geometry (shapefile null shapes, GeoJSON `null`) or parts of fewer
    /// than two points: nothing to route on, counted and skipped.
    pub empty: u64,
}

/// Read the layer `rule.file` (format by extension: `.shp`, `.geojson`/`.json`).
pub fn read_layer(rule: &LayerRule) -> Result<Layer, InputError> {
    let path = rule.file.as_path();
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "shp" => read_shapefile(path, rule),
        "geojson" | "json" => read_geojson(path, rule),
        _ => Err(InputError::file(
            path,
            "unknown road layer format: expected an ESRI shapefile (.shp with .shx and .dbf) or GeoJSON (.geojson)",
        )),
    }
}

/// Attribute values as text, whatever their dBase or JSON type.
type Attributes = BTreeMap<String, String>;

/// What the rule makes of one record's attributes: id, class, name, ref.
fn apply_rule(
    rule: &LayerRule,
    attrs: &Attributes,
    number: u64,
    err: &dyn Fn(&str, String) -> InputError,
) -> Result<(i64, RoadClass, String, String), InputError> {
    let get = |field: &str| -> Result<Option<&String>, InputError> {
        if attrs.contains_key(field) {
            Ok(attrs.get(field).filter(|v| !v.is_empty()))
        } else {
            let known: Vec<&str> = attrs.keys().map(String::as_str).collect();
            Err(err(field, format!("no such attribute (the layer has: {})", known.join(", "))))
        }
    };
    let id = match &rule.id_field {
        None => number as i64,
        Some(f) => match get(f)? {
            None => number as i64,
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| err(f, format!("expected a whole number (the way's id), found \"{v}\"")))?,
        },
    };
    let class = match &rule.class {
        ClassRule::Fixed(c) => *c,
        ClassRule::ByField { field, classes, default } => {
            let value = get(field)?.map(String::as_str).unwrap_or("");
            match classes.get(value).copied().or(*default) {
                Some(c) => c,
                None => {
                    let listed: Vec<&str> = classes.keys().map(String::as_str).collect();
                    return Err(err(
                        field,
                        format!(
                            "value \"{value}\" has no road class in the layers file (it maps: {}); add it to `classes` or give the layer a default `class`",
                            listed.join(", ")
                        ),
                    ));
                }
            }
        }
    };
    let text = |f: &Option<String>| -> Result<String, InputError> {
        Ok(match f {
            Some(f) => get(f)?.cloned().unwrap_or_default(),
            None => String::new(),
        })
    };
    Ok((id, class, text(&rule.name_field)?, text(&rule.ref_field)?))
}

fn check_position(lon: f64, lat: f64) -> Result<[f64; 2], String> {
    if lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Ok([lon, lat])
    } else {
        Err(format!(
            "position [{lon}, {lat}] is not a longitude/latitude in degrees (WGS84): reproject the layer to EPSG:4326"
        ))
    }
}

fn describe_shapefile_error(e: &shapefile::Error) -> String {
    match e {
        shapefile::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends inside this record: it is truncated or damaged".to_string()
        }
        shapefile::Error::InvalidFileCode(c) => format!("not an ESRI shapefile (file code {c}, expected 9994)"),
        shapefile::Error::InvalidShapeType(t) => format!("unknown shape type {t}: the file is damaged"),
        shapefile::Error::InvalidShapeRecordSize => "impossible record size: the file is damaged".to_string(),
        shapefile::Error::DbaseError(d) => format!("attribute table (.dbf): {d}"),
        other => other.to_string(),
    }
}

fn dbase_text(v: &shapefile::dbase::FieldValue) -> String {
    use shapefile::dbase::FieldValue as F;
    let number = |x: f64| if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { x.to_string() };
    match v {
        F::Character(s) => s.as_deref().unwrap_or("").trim().to_string(),
        F::Memo(s) => s.trim().to_string(),
        F::Numeric(n) => n.map(number).unwrap_or_default(),
        F::Float(n) => n.map(|x| number(f64::from(x))).unwrap_or_default(),
        F::Double(x) | F::Currency(x) => number(*x),
        F::Integer(i) => i.to_string(),
        F::Logical(b) => b.map(|b| b.to_string()).unwrap_or_default(),
        F::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        F::DateTime(d) => format!("{d:?}"),
    }
}

fn read_shapefile(path: &Path, rule: &LayerRule) -> Result<Layer, InputError> {
    if !path.is_file() {
        return Err(InputError::file(path, "cannot read: no such file"));
    }
    // A projected layer would be read as nonsense degrees; say so before reading it.
    if let Ok(prj) = std::fs::read_to_string(path.with_extension("prj"))
        && prj.trim_start().starts_with("PROJCS")
    {
        return Err(InputError::file(
            path.with_extension("prj"),
            "the layer is in projected coordinates: reproject it to WGS84 longitude/latitude (EPSG:4326)",
        ));
    }
    let mut reader = shapefile::Reader::from_path(path).map_err(|e| match e {
        shapefile::Error::MissingDbf => InputError::file(
            path.with_extension("dbf"),
            "missing: a shapefile's attributes are in the .dbf beside the .shp (copy all of .shp, .shx, .dbf)",
        ),
        other => InputError::file(path, describe_shapefile_error(&other)),
    })?;
    let expected = reader.shape_count().ok();
    let mut layer = Layer::default();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let number = i as u64 + 1;
        let at = |field: Option<&str>, message: String| InputError::at(path, Location::Record(number), field, message);
        let (shape, record) = item.map_err(|e| at(None, describe_shapefile_error(&e)))?;
        layer.records += 1;
        let parts: Vec<Vec<[f64; 2]>> = match &shape {
            shapefile::Shape::NullShape => {
                layer.empty += 1;
                continue;
            }
            shapefile::Shape::Polyline(p) => {
                p.parts().iter().map(|part| part.iter().map(|q| [q.x, q.y]).collect()).collect()
            }
            shapefile::Shape::PolylineM(p) => {
                p.parts().iter().map(|part| part.iter().map(|q| [q.x, q.y]).collect()).collect()
            }
            shapefile::Shape::PolylineZ(p) => {
                p.parts().iter().map(|part| part.iter().map(|q| [q.x, q.y]).collect()).collect()
            }
            other => {
                return Err(at(
                    Some("geometry"),
                    format!("expected a line (Polyline), found {}: a road layer holds lines", other.shapetype()),
                ));
            }
        };
        let attrs: Attributes = record.into_iter().map(|(k, v)| (k, dbase_text(&v))).collect();
        let (id, class, name, ref_) = apply_rule(rule, &attrs, number, &|f, m| at(Some(f), m))?;
        for part in parts {
            if part.len() < 2 {
                layer.empty += 1;
                continue;
            }
            let points = part
                .iter()
                .map(|p| check_position(p[0], p[1]))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| at(Some("geometry"), m))?;
            layer.ways.push(LayerWay { id, class, name: name.clone(), ref_: ref_.clone(), points });
        }
    }
    // The reader stops quietly when the .dbf runs out of records before the .shp runs out of
    // shapes: a shortened attribute table must not silently drop roads.
    if let Some(n) = expected
        && layer.records != n as u64
    {
        return Err(InputError::file(
            path,
            format!(
                "the index (.shx) lists {n} records but only {} could be read with their attributes (.dbf): the files do not belong together or one is truncated",
                layer.records
            ),
        ));
    }
    if layer.records == 0 {
        return Err(InputError::file(path, "the layer has no records"));
    }
    Ok(layer)
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

fn read_geojson(path: &Path, rule: &LayerRule) -> Result<Layer, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| InputError::at(path, Location::Line(e.line() as u64), None, format!("not valid JSON: {e}")))?;
    if value.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(InputError::at(path, Location::File, Some("type"), "expected a GeoJSON FeatureCollection"));
    }
    let Some(features) = value.get("features").and_then(|f| f.as_array()) else {
        return Err(InputError::at(path, Location::File, Some("features"), "expected an array of features"));
    };
    let mut layer = Layer::default();
    for (index, raw) in features.iter().enumerate() {
        let name = raw.get("properties").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_string);
        let at = |field: &str, message: String| {
            InputError::at(path, Location::Feature { index, name: name.clone() }, Some(field), message)
        };
        let feature: geojson::Feature =
            serde_json::from_value(raw.clone()).map_err(|e| at("geometry", format!("not a GeoJSON feature: {e}")))?;
        layer.records += 1;
        let attrs: Attributes = feature
            .properties
            .as_ref()
            .map(|p| p.iter().map(|(k, v)| (k.clone(), json_text(v))).collect())
            .unwrap_or_default();
        let lines: Vec<&Vec<geojson::Position>> = match feature.geometry.as_ref().map(|g| &g.value) {
            None => {
                layer.empty += 1;
                continue;
            }
            Some(GeometryValue::LineString { coordinates }) => vec![coordinates],
            Some(GeometryValue::MultiLineString { coordinates }) => coordinates.iter().collect(),
            Some(other) => {
                return Err(at(
                    "geometry.type",
                    format!(
                        "expected LineString or MultiLineString, found {}: a road layer holds lines",
                        other.type_name()
                    ),
                ));
            }
        };
        let (id, class, road_name, ref_) =
            apply_rule(rule, &attrs, index as u64, &|f, m| at(&format!("properties.{f}"), m))?;
        for line in lines {
            if line.len() < 2 {
                layer.empty += 1;
                continue;
            }
            let points = line
                .iter()
                .map(|p| {
                    let s = p.as_slice();
                    if s.len() < 2 {
                        return Err("a position needs [longitude, latitude]".to_string());
                    }
                    check_position(s[0], s[1])
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| at("geometry.coordinates", m))?;
            layer.ways.push(LayerWay { id, class, name: road_name.clone(), ref_: ref_.clone(), points });
        }
    }
    if layer.records == 0 {
        return Err(InputError::at(path, Location::File, Some("features"), "the layer has no features"));
    }
    Ok(layer)
}
