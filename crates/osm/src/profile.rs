//! The car profile: which roads are routable, at what speed and capacity.
//!
//! Defaults (see docs/network.md for sources): free-flow speeds are typical posted limits
//! for each class where `maxspeed` is missing; capacities are conservative mixed-traffic
//! per-lane values in the spirit of the Highway Capacity Manual (HCM 6th ed.: basic freeway
//! segments 2,200-2,400 pc/h/ln; multilane highways 1,900-2,200; two-lane highways about
//! 1,700 pc/h per direction; signalised urban streets about 1,900 x g/C). They can be
//! overridden per class in a TOML profile.

use evac_network::RoadClass;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Routing parameters of one road class.
/// A profile that cannot be used, naming its file (or "profile") and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ProfileError {
    pub origin: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassProfile {
    /// Is the class routed at all?
    pub route: bool,
    /// Free-flow speed when `maxspeed` is missing, km/h.
    pub speed_kmh: f32,
    /// Vehicles per hour per lane.
    pub capacity_per_lane_vph: f32,
    /// Lanes per direction when `lanes` is missing.
    pub lanes: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub classes: BTreeMap<RoadClass, ClassProfile>,
}

const fn class(route: bool, speed_kmh: f32, capacity_per_lane_vph: f32, lanes: u8) -> ClassProfile {
    ClassProfile { route, speed_kmh, capacity_per_lane_vph, lanes }
}

impl Default for Profile {
    fn default() -> Self {
        use RoadClass::*;
        let table = [
            (Motorway, class(true, 110.0, 2000.0, 2)),
            (Trunk, class(true, 90.0, 1800.0, 1)),
            (Primary, class(true, 70.0, 1500.0, 1)),
            (Secondary, class(true, 60.0, 1200.0, 1)),
            (Tertiary, class(true, 50.0, 1000.0, 1)),
            (Unclassified, class(true, 40.0, 800.0, 1)),
            (Residential, class(true, 30.0, 600.0, 1)),
            (Service, class(true, 20.0, 400.0, 1)),
            (LivingStreet, class(true, 10.0, 300.0, 1)),
            (Track, class(false, 20.0, 200.0, 1)),
            (Road, class(true, 30.0, 600.0, 1)),
            (MotorwayLink, class(true, 60.0, 1500.0, 1)),
            (TrunkLink, class(true, 50.0, 1400.0, 1)),
            (PrimaryLink, class(true, 45.0, 1200.0, 1)),
            (SecondaryLink, class(true, 40.0, 1000.0, 1)),
            (TertiaryLink, class(true, 35.0, 900.0, 1)),
            (Ferry, class(true, 10.0, 60.0, 1)),
        ];
        Profile { name: "car (evac default)".into(), classes: table.into_iter().collect() }
    }
}

/// A profile file: `name` and `[classes.<class>]` tables overriding any of the fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: Option<String>,
    #[serde(default)]
    classes: BTreeMap<String, PartialClass>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialClass {
    route: Option<bool>,
    speed_kmh: Option<f32>,
    capacity_per_lane_vph: Option<f32>,
    lanes: Option<u8>,
}

impl Profile {
    pub fn get(&self, c: RoadClass) -> ClassProfile {
        self.classes[&c]
    }

    /// Read a TOML profile; unspecified values keep the defaults.
    pub fn from_toml_file(path: &Path) -> Result<Self, ProfileError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProfileError { origin: origin.clone(), message: format!("cannot read: {e}") })?;
        Self::from_toml(&text).map_err(|e| ProfileError { origin, ..e })
    }

    pub fn from_toml(text: &str) -> Result<Self, ProfileError> {
        let err = |message: String| ProfileError { origin: "profile".into(), message };
        let file: ProfileFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut p = Profile::default();
        if let Some(n) = file.name {
            p.name = n;
        }
        for (name, over) in file.classes {
            let class = if name == "ferry" { Some(RoadClass::Ferry) } else { RoadClass::from_osm(&name) };
            let Some(class) = class else {
                let known: Vec<&str> = RoadClass::ALL.iter().map(|c| c.osm_name()).collect();
                return Err(err(format!("unknown road class `{name}` (known: {})", known.join(", "))));
            };
            let c = p.classes.get_mut(&class).expect("every class has a default");
            if let Some(v) = over.route {
                c.route = v;
            }
            if let Some(v) = over.speed_kmh {
                if v.is_nan() || v <= 0.0 || v > 250.0 {
                    return Err(err(format!("classes.{name}.speed_kmh must be in 0..250, found {v}")));
                }
                c.speed_kmh = v;
            }
            if let Some(v) = over.capacity_per_lane_vph {
                if v.is_nan() || v <= 0.0 {
                    return Err(err(format!("classes.{name}.capacity_per_lane_vph must be > 0, found {v}")));
                }
                c.capacity_per_lane_vph = v;
            }
            if let Some(v) = over.lanes {
                c.lanes = v.max(1);
            }
        }
        Ok(p)
    }
}

/// Parse an OSM `maxspeed` value to km/h. `None` for values that carry no number
/// ("signals", "variable", "none" — the class default applies).
///
/// ```
/// use evac_osm::profile::parse_maxspeed;
/// assert_eq!(parse_maxspeed("50"), Some(50.0));
/// assert_eq!(parse_maxspeed("50 mph").map(f32::round), Some(80.0));
/// assert_eq!(parse_maxspeed("RU:urban"), Some(60.0));
/// assert_eq!(parse_maxspeed("UA:rural"), Some(90.0));
/// assert_eq!(parse_maxspeed("60;80"), Some(60.0));
/// assert_eq!(parse_maxspeed("walk"), Some(6.0));
/// assert_eq!(parse_maxspeed("signals"), None);
/// ```
pub fn parse_maxspeed(value: &str) -> Option<f32> {
    let v = value.split(';').next()?.trim();
    let lower = v.to_ascii_lowercase();
    if let Some((country, zone)) = lower.split_once(':') {
        return zone_speed(country, zone);
    }
    match lower.as_str() {
        "walk" => return Some(6.0),
        "none" | "signals" | "variable" | "" => return None,
        _ => {}
    }
    let (num, factor) = if let Some(n) = lower.strip_suffix("mph") {
        (n.trim(), 1.609_344)
    } else if let Some(n) = lower.strip_suffix("knots") {
        (n.trim(), 1.852)
    } else if let Some(n) = lower.strip_suffix("km/h").or_else(|| lower.strip_suffix("kmh")) {
        (n.trim(), 1.0)
    } else {
        (lower.as_str(), 1.0)
    };
    let n: f32 = num.parse().ok()?;
    (n > 0.0).then_some(n * factor as f32)
}

/// Implicit limits (`maxspeed=XX:zone`), from national traffic rules.
fn zone_speed(country: &str, zone: &str) -> Option<f32> {
    let s = match (country, zone) {
        (_, "walk") | (_, "living_street") => 20.0,
        ("ua", "urban") => 50.0,
        ("ua", "rural") => 90.0,
        ("ua", "trunk") => 110.0,
        ("ua", "motorway") => 130.0,
        ("ru", "urban") => 60.0,
        ("ru", "rural") => 90.0,
        ("ru", "motorway") => 110.0,
        ("de", "urban") | ("at", "urban") | ("ch", "urban") | ("li", "urban") | ("fr", "urban") => 50.0,
        ("de", "rural") | ("at", "rural") => 100.0,
        ("ch", "rural") | ("li", "rural") => 80.0,
        ("fr", "rural") => 80.0,
        ("de", "motorway") => 130.0,
        ("ch", "motorway") | ("li", "motorway") => 120.0,
        ("at", "motorway") | ("fr", "motorway") => 130.0,
        ("ch", "trunk") => 100.0,
        (_, "urban") => 50.0,
        (_, "rural") => 90.0,
        (_, "motorway") => 110.0,
        (_, "trunk") => 100.0,
        (_, "zone30") | (_, "zone:30") => 30.0,
        _ => {
            // "DE:zone30", "zone:maxspeed" style values carry the number at the end.
            let digits: String = zone.chars().filter(|c| c.is_ascii_digit()).collect();
            return digits.parse().ok();
        }
    };
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_merge_with_defaults() {
        let p = Profile::from_toml("name = \"rural\"\n[classes.track]\nroute = true\nspeed_kmh = 15\n").unwrap();
        assert_eq!(p.name, "rural");
        let t = p.get(RoadClass::Track);
        assert!(t.route);
        assert_eq!(t.speed_kmh, 15.0);
        assert_eq!(t.capacity_per_lane_vph, 200.0);
        assert_eq!(p.get(RoadClass::Motorway), Profile::default().get(RoadClass::Motorway));
    }

    #[test]
    fn bad_profiles_say_why() {
        assert!(
            Profile::from_toml("[classes.highway]\nroute = true")
                .unwrap_err()
                .to_string()
                .contains("unknown road class")
        );
        assert!(Profile::from_toml("[classes.primary]\nspeed_kmh = -4").unwrap_err().to_string().contains("speed_kmh"));
        assert!(Profile::from_toml("[classes.primary]\nsped = 4").unwrap_err().to_string().contains("unknown field"));
    }

    #[test]
    fn maxspeed_variants() {
        assert_eq!(parse_maxspeed("30 km/h"), Some(30.0));
        assert_eq!(parse_maxspeed("DE:zone30"), Some(30.0));
        assert_eq!(parse_maxspeed("10 knots").map(f32::round), Some(19.0));
        assert_eq!(parse_maxspeed("none"), None);
        assert_eq!(parse_maxspeed("fast"), None);
        assert_eq!(parse_maxspeed("-5"), None);
    }
}
