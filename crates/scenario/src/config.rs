use crate::error::{InputError, Location};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `scenario.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    pub name: String,
    #[serde(default)]
    pub authority: String,
    /// When set, the scenario is (partly) made up; every output repeats this warning.
    #[serde(default)]
    pub illustrative: Option<String>,
    pub zone: ZoneConfig,
    #[serde(default)]
    pub demand: Option<DemandConfig>,
    #[serde(default)]
    pub network: NetworkConfig,
    pub files: FilesConfig,
}

/// How settlements and centres attach to the road network.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// A place farther than this from the nearest road node is reported.
    #[serde(default = "default_max_snap_km")]
    pub max_snap_km: f64,
    /// `warn` (default) or `error` when a place is farther than `max_snap_km`.
    #[serde(default)]
    pub far_from_road: FarFromRoad,
}

fn default_max_snap_km() -> f64 {
    2.0
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { max_snap_km: default_max_snap_km(), far_from_road: FarFromRoad::Warn }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FarFromRoad {
    #[default]
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    pub mandatory_km: f64,
    pub advisory_km: f64,
    /// Weights of exposure by how close to the hazard a vehicle's settlement is (empty: every
    /// vehicle weighs 1). Validated: `within_km` ascending, in (0, mandatory_km]; weights in
    /// 0.1..=100.
    #[serde(default)]
    pub exposure_rings: Vec<ExposureRing>,
    /// Whether the hostile side of a line hazard is set apart (docs/scenario.md, "[zone]").
    #[serde(default)]
    pub beyond_line: BeyondLine,
}

/// One ring of `[zone] exposure_rings`: settlements within `within_km` of the hazard (and
/// beyond the ring before) weigh `weight` in the exposure objective.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureRing {
    pub within_km: f64,
    pub weight: f64,
}

impl ZoneConfig {
    /// The exposure weight of a settlement `distance_km` from the hazard: the weight of the
    /// first ring that holds it (boundaries inclusive, as the zones'), 1 beyond the last
    /// ring or without rings.
    pub fn exposure_weight(&self, distance_km: f64) -> f64 {
        self.exposure_rings.iter().find(|r| distance_km <= r.within_km).map_or(1.0, |r| r.weight)
    }
}

/// `[zone] beyond_line`: what to do with the far side of a front line.
///
/// A hazard drawn as a line (a front line, a river bank) has two sides, and the people on
/// the far side of a front line cannot be reached by road: ordering them to drive out would
/// send them across the line. Under `auto` a place is *beyond the line* when the straight
/// segment from it to its nearest reception centre crosses the hazard's lines an odd number
/// of times (docs/planning.md, "Beyond the line"); `none` keeps the symmetric rings, for
/// line hazards that can be crossed (a flooding river with working bridges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum BeyondLine {
    #[default]
    Auto,
    /// `"none"`: both sides of the line are treated alike (the behaviour before the rule).
    Off,
}

impl TryFrom<String> for BeyondLine {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "auto" => Ok(BeyondLine::Auto),
            "none" => Ok(BeyondLine::Off),
            // The field is named here because a serde message alone says only "invalid value".
            other => Err(format!(
                "zone.beyond_line: expected \"auto\" (the far side of a line hazard is not ordered to drive out) or \"none\" (both sides alike), found \"{other}\""
            )),
        }
    }
}

impl BeyondLine {
    pub fn as_str(self) -> &'static str {
        match self {
            BeyondLine::Auto => "auto",
            BeyondLine::Off => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandConfig {
    pub no_car_share: Option<f64>,
    pub immobile_share: Option<f64>,
    pub children_share: Option<f64>,
    pub household_size: Option<f64>,
}

/// Relative paths of the scenario's files.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesConfig {
    pub settlements: PathBuf,
    pub hazard: PathBuf,
    pub centres: Option<PathBuf>,
    pub network: Option<PathBuf>,
    pub fleet: Option<PathBuf>,
    pub rail: Option<PathBuf>,
    pub boundary: Option<PathBuf>,
    /// Optional pickup points overriding the settlements' own locations.
    pub assembly: Option<PathBuf>,
    /// Optional calibration profile of the car planner (written by `evac calibrate`).
    pub calibration: Option<PathBuf>,
}

impl ScenarioConfig {
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::file(
                path,
                format!(
                    "cannot read the scenario file: {e} (a scenario folder holds a scenario.toml; see docs/scenario.md)"
                ),
            )
        })?;
        let config: ScenarioConfig = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() as u64 + 1);
            let message = e.message().to_string();
            let message = if message.contains("unknown field") {
                format!("{message} (see docs/scenario.md for the keys a scenario may have)")
            } else {
                message
            };
            InputError::at(path, line.map_or(Location::File, Location::Line), None, message)
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), InputError> {
        let err = |field: &str, msg: String| Err(InputError::at(path, Location::File, Some(field), msg));
        let z = &self.zone;
        if !(z.mandatory_km.is_finite() && z.mandatory_km >= 0.0) {
            return err("zone.mandatory_km", format!("expected a distance in km >= 0, found {}", z.mandatory_km));
        }
        if !(z.advisory_km.is_finite() && z.advisory_km >= z.mandatory_km) {
            return err(
                "zone.advisory_km",
                format!("expected a distance in km >= mandatory_km ({}), found {}", z.mandatory_km, z.advisory_km),
            );
        }
        let mut previous_km = 0.0;
        for (i, r) in z.exposure_rings.iter().enumerate() {
            let field = |name: &str| format!("zone.exposure_rings[{i}].{name}");
            if !(r.within_km.is_finite() && r.within_km > previous_km && r.within_km <= z.mandatory_km) {
                let expected = if i == 0 {
                    format!("a distance in km > 0 and <= mandatory_km ({})", z.mandatory_km)
                } else {
                    format!(
                        "a distance in km > the ring before ({previous_km}) and <= mandatory_km ({}): rings go outwards",
                        z.mandatory_km
                    )
                };
                return err(&field("within_km"), format!("expected {expected}, found {}", r.within_km));
            }
            if !(r.weight.is_finite() && (0.1..=100.0).contains(&r.weight)) {
                return err(&field("weight"), format!("expected a weight between 0.1 and 100, found {}", r.weight));
            }
            previous_km = r.within_km;
        }
        if !(self.network.max_snap_km.is_finite() && self.network.max_snap_km > 0.0) {
            return err(
                "network.max_snap_km",
                format!("expected a distance in km > 0, found {}", self.network.max_snap_km),
            );
        }
        if let Some(d) = self.demand {
            for (name, v) in [
                ("demand.no_car_share", d.no_car_share),
                ("demand.immobile_share", d.immobile_share),
                ("demand.children_share", d.children_share),
            ] {
                if let Some(v) = v
                    && !(0.0..=1.0).contains(&v)
                {
                    return err(name, format!("expected a share between 0 and 1, found {v}"));
                }
            }
            if let Some(h) = d.household_size
                && (h.is_nan() || h < 1.0)
            {
                return err("demand.household_size", format!("expected persons per household >= 1, found {h}"));
            }
        }
        Ok(())
    }

    /// Resolve a file of `[files]` relative to the scenario folder; it must exist.
    pub fn file_path(&self, dir: &Path, key: &str, rel: &Path) -> Result<PathBuf, InputError> {
        let p = dir.join(rel);
        if p.is_file() {
            Ok(p)
        } else {
            Err(InputError::at(
                dir.join("scenario.toml"),
                Location::File,
                Some(&format!("files.{key}")),
                format!("the file {} does not exist (paths are relative to the scenario folder)", p.display()),
            ))
        }
    }
}
