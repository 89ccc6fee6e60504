//! The layers file (TOML): which road class each layer's ways are, how far apart way ends
//! may be and still be joined, and what else goes into the network (area, bridges, access
//! links). Data, not code: a new source of road layers needs a new file, not a new build.
//!
//! ```toml
//! name = "Ukraine main roads (KSE shapefiles)"
//! snap_m = 30
//! [[layer]]
//! file = "roads_international.shp"
//! class = "trunk"
//! id_field = "osm_id"
//! [[layer]]
//! file = "kupiansk_bbox_roads.geojson"
//! field = "class"
//! classes = { "international (M)" = "trunk", "national (H)" = "primary" }
//! ```
//!
//! Paths are relative to the layers file. See docs/network.md for every key.

use evac_network::RoadClass;
use evac_scenario::{InputError, Location};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Default distance within which a loose way end is joined to another road. Measured on
/// Ukraine's national and international road layers (docs/network.md): 161 components
/// joined at shared vertices only, 76 at 25 m, 55 at 50 m (537 ends joined), 45 at 100 m;
/// past 50 m few ends are gained and the gaps bridged are increasingly real ones.
pub const DEFAULT_SNAP_M: f64 = 50.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayersToml {
    name: Option<String>,
    snap_m: Option<f64>,
    clip: Option<PathBuf>,
    bbox: Option<[f64; 4]>,
    bridges: Option<PathBuf>,
    #[serde(default, rename = "layer")]
    layers: Vec<LayerToml>,
    access: Option<AccessToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerToml {
    file: PathBuf,
    class: Option<String>,
    field: Option<String>,
    classes: Option<BTreeMap<String, String>>,
    id_field: Option<String>,
    name_field: Option<String>,
    ref_field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessToml {
    places: Vec<PathBuf>,
    approximate_beyond_m: Option<f64>,
    speed_kmh: Option<f32>,
    class: Option<String>,
    max_m: Option<f64>,
}

/// How the ways of a layer get their road class.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassRule {
    /// Every way of the layer.
    Fixed(RoadClass),
    /// By the value of an attribute; `default` for values not listed (none: an error).
    ByField { field: String, classes: BTreeMap<String, RoadClass>, default: Option<RoadClass> },
}

/// One `[[layer]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRule {
    /// The layer file (resolved against the layers file's folder, or given on the command line).
    pub file: PathBuf,
    pub class: ClassRule,
    /// Attribute holding the way's id (e.g. `osm_id`); else the record/feature number.
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    pub ref_field: Option<String>,
}

/// `[access]`: links from places (settlements, centres, stations) to the nearest road.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRule {
    /// CSV files with `id,name,lat,lon` columns (a scenario's settlements.csv, centres.csv).
    pub places: Vec<PathBuf>,
    /// Links longer than this are flagged approximate (shorter ones join a place the road
    /// passes through).
    pub approximate_beyond_m: f64,
    /// Free-flow speed over the straight link.
    pub speed_kmh: f32,
    /// Road class whose capacity and lanes the links get from the profile.
    pub class: RoadClass,
    /// No link longer than this: the place is reported instead.
    pub max_m: f64,
}

impl Default for AccessRule {
    fn default() -> Self {
        // 25 km/h over the straight line is about 33 km/h over a village road 1.3 times
        // longer than the crow flies (a usual rural detour factor): conservative for
        // unknown, possibly damaged roads. Capacity: a two-lane rural road, one lane per
        // direction at the profile's `unclassified` capacity.
        AccessRule {
            places: Vec::new(),
            approximate_beyond_m: 500.0,
            speed_kmh: 25.0,
            class: RoadClass::Unclassified,
            max_m: 50_000.0,
        }
    }
}

/// A parsed layers file.
#[derive(Debug, Clone, PartialEq)]
pub struct LayersFile {
    /// The file itself (for messages).
    pub path: PathBuf,
    pub name: String,
    pub snap_m: f64,
    pub clip: Option<PathBuf>,
    pub bbox: Option<[f64; 4]>,
    pub bridges: Option<PathBuf>,
    pub layers: Vec<LayerRule>,
    pub access: Option<AccessRule>,
}

fn parse_class(name: &str) -> Option<RoadClass> {
    RoadClass::from_osm(name)
}

fn known_classes() -> String {
    RoadClass::ALL.iter().filter(|c| **c != RoadClass::Ferry).map(|c| c.osm_name()).collect::<Vec<_>>().join(", ")
}

impl LayersFile {
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
        Self::parse(path, &text)
    }

    /// Parse `text` as the layers file `path` (relative paths resolve against its folder).
    pub fn parse(path: &Path, text: &str) -> Result<Self, InputError> {
        let raw: LayersToml = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() as u64 + 1);
            InputError::at(path, line.map_or(Location::File, Location::Line), None, e.message().to_string())
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let err = |field: &str, message: String| InputError::at(path, Location::File, Some(field), message);
        let snap_m = raw.snap_m.unwrap_or(DEFAULT_SNAP_M);
        if !(0.0..=1000.0).contains(&snap_m) {
            return Err(err("snap_m", format!("expected metres between 0 and 1000, found {snap_m}")));
        }
        if let Some(b) = raw.bbox
            && !(b[0] < b[2] && b[1] < b[3] && b.iter().all(|v| v.is_finite()))
        {
            return Err(err(
                "bbox",
                format!("expected [min_lon, min_lat, max_lon, max_lat] with min < max, found {b:?}"),
            ));
        }
        let mut layers = Vec::new();
        for (i, l) in raw.layers.into_iter().enumerate() {
            let field_name = |f: &str| format!("layer[{i}].{f}");
            let fixed = match &l.class {
                Some(c) => Some(parse_class(c).ok_or_else(|| {
                    err(&field_name("class"), format!("unknown road class `{c}` (known: {})", known_classes()))
                })?),
                None => None,
            };
            let class = match (&l.field, l.classes) {
                (Some(field), Some(values)) => {
                    let mut classes = BTreeMap::new();
                    for (value, c) in values {
                        let class = parse_class(&c).ok_or_else(|| {
                            err(
                                &field_name(&format!("classes.\"{value}\"")),
                                format!("unknown road class `{c}` (known: {})", known_classes()),
                            )
                        })?;
                        classes.insert(value, class);
                    }
                    ClassRule::ByField { field: field.clone(), classes, default: fixed }
                }
                (Some(_), None) => {
                    return Err(err(&field_name("classes"), "`field` needs a `classes` table: value = class".into()));
                }
                (None, Some(_)) => {
                    return Err(err(&field_name("field"), "`classes` needs the `field` whose values it maps".into()));
                }
                (None, None) => ClassRule::Fixed(fixed.ok_or_else(|| {
                    err(&field_name("class"), "give the layer a `class` (or `field` and `classes`)".into())
                })?),
            };
            layers.push(LayerRule {
                file: dir.join(&l.file),
                class,
                id_field: l.id_field,
                name_field: l.name_field,
                ref_field: l.ref_field,
            });
        }
        let access = match raw.access {
            None => None,
            Some(a) => {
                let base = AccessRule::default();
                let rule = AccessRule {
                    places: a.places.iter().map(|p| dir.join(p)).collect(),
                    approximate_beyond_m: a.approximate_beyond_m.unwrap_or(base.approximate_beyond_m),
                    speed_kmh: a.speed_kmh.unwrap_or(base.speed_kmh),
                    class: match a.class {
                        Some(c) => parse_class(&c).ok_or_else(|| {
                            err("access.class", format!("unknown road class `{c}` (known: {})", known_classes()))
                        })?,
                        None => base.class,
                    },
                    max_m: a.max_m.unwrap_or(base.max_m),
                };
                if !(rule.speed_kmh > 0.0 && rule.speed_kmh <= 130.0) {
                    return Err(err("access.speed_kmh", format!("expected km/h in 0..130, found {}", rule.speed_kmh)));
                }
                if !(rule.approximate_beyond_m >= 0.0 && rule.max_m > rule.approximate_beyond_m) {
                    return Err(err(
                        "access.max_m",
                        format!(
                            "expected max_m ({}) > approximate_beyond_m ({}) >= 0",
                            rule.max_m, rule.approximate_beyond_m
                        ),
                    ));
                }
                Some(rule)
            }
        };
        Ok(LayersFile {
            path: path.to_path_buf(),
            name: raw.name.unwrap_or_else(|| {
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "road layers".into())
            }),
            snap_m,
            clip: raw.clip.map(|p| dir.join(p)),
            bbox: raw.bbox,
            bridges: raw.bridges.map(|p| dir.join(p)),
            layers,
            access,
        })
    }

    /// Use the layer files given on the command line instead of those the file names: each
    /// input takes the rule of the `[[layer]]` with the same file name.
    pub fn select_inputs(&mut self, inputs: &[PathBuf]) -> Result<(), InputError> {
        let mut chosen = Vec::new();
        for input in inputs {
            let name = input.file_name().map(|n| n.to_os_string());
            let Some(rule) = self.layers.iter().find(|l| l.file.file_name().map(|n| n.to_os_string()) == name) else {
                let known: Vec<String> = self
                    .layers
                    .iter()
                    .filter_map(|l| l.file.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect();
                return Err(InputError::at(
                    &self.path,
                    Location::File,
                    Some("layer"),
                    format!(
                        "no [[layer]] for {} (this file maps: {}); add one with its `file` name and `class`",
                        input.display(),
                        if known.is_empty() { "nothing".into() } else { known.join(", ") }
                    ),
                ));
            };
            chosen.push(LayerRule { file: input.clone(), ..rule.clone() });
        }
        self.layers = chosen;
        Ok(())
    }

    /// Every file the network is built from (for cache keys).
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = Vec::new();
        for l in &self.layers {
            files.push(l.file.clone());
            if l.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) {
                files.push(l.file.with_extension("dbf"));
                files.push(l.file.with_extension("shx"));
            }
        }
        files.extend(self.clip.iter().cloned());
        files.extend(self.bridges.iter().cloned());
        if let Some(a) = &self.access {
            files.extend(a.places.iter().cloned());
        }
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_layer_and_by_value() {
        let f = LayersFile::parse(
            Path::new("/data/m.toml"),
            "snap_m = 40\n[[layer]]\nfile = \"a.shp\"\nclass = \"trunk\"\nid_field = \"osm_id\"\n\
             [[layer]]\nfile = \"b.geojson\"\nfield = \"class\"\nclasses = { \"national (H)\" = \"primary\" }\n\
             [access]\nplaces = [\"s.csv\"]\n",
        )
        .unwrap();
        assert_eq!(f.snap_m, 40.0);
        assert_eq!(f.layers[0].class, ClassRule::Fixed(RoadClass::Trunk));
        assert_eq!(f.layers[0].file, PathBuf::from("/data/a.shp"));
        match &f.layers[1].class {
            ClassRule::ByField { field, classes, default } => {
                assert_eq!(field, "class");
                assert_eq!(classes["national (H)"], RoadClass::Primary);
                assert_eq!(*default, None);
            }
            other => panic!("{other:?}"),
        }
        let a = f.access.unwrap();
        assert_eq!(a.places, vec![PathBuf::from("/data/s.csv")]);
        assert_eq!(a.class, RoadClass::Unclassified);
    }

    #[test]
    fn mistakes_name_the_key() {
        let e =
            LayersFile::parse(Path::new("m.toml"), "[[layer]]\nfile = \"a.shp\"\nclass = \"highway\"\n").unwrap_err();
        assert!(e.to_string().contains("layer[0].class") && e.to_string().contains("unknown road class"), "{e}");
        let e = LayersFile::parse(Path::new("m.toml"), "[[layer]]\nfile = \"a.shp\"\n").unwrap_err();
        assert!(e.to_string().contains("give the layer a `class`"), "{e}");
        let e = LayersFile::parse(Path::new("m.toml"), "snap = 3\n").unwrap_err();
        assert!(e.to_string().contains("m.toml, line 1") && e.to_string().contains("unknown field"), "{e}");
        let e = LayersFile::parse(Path::new("m.toml"), "snap_m = -1\n").unwrap_err();
        assert!(e.to_string().contains("snap_m"), "{e}");
    }

    #[test]
    fn command_line_inputs_take_their_rule_by_file_name() {
        let mut f =
            LayersFile::parse(Path::new("m.toml"), "[[layer]]\nfile = \"roads_national.shp\"\nclass = \"primary\"\n")
                .unwrap();
        f.select_inputs(&[PathBuf::from("/x/roads_national.shp")]).unwrap();
        assert_eq!(f.layers[0].file, PathBuf::from("/x/roads_national.shp"));
        let e = f.select_inputs(&[PathBuf::from("/x/other.shp")]).unwrap_err();
        assert!(e.to_string().contains("no [[layer]] for /x/other.shp"), "{e}");
    }
}
