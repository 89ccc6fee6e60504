//! From OSM tags to what evac keeps: roads (with their routing attributes), railways,
//! waterways, stations, places.

use crate::profile::{Profile, parse_maxspeed};
use evac_network::{RoadAttrs, RoadClass, flags};

/// The tags of a way that matter here (borrowed from the reader's buffers).
#[derive(Debug, Default, Clone, Copy)]
pub struct WayTags<'a> {
    pub highway: Option<&'a str>,
    pub oneway: Option<&'a str>,
    pub junction: Option<&'a str>,
    pub access: Option<&'a str>,
    pub vehicle: Option<&'a str>,
    pub motor_vehicle: Option<&'a str>,
    pub motorcar: Option<&'a str>,
    pub maxspeed: Option<&'a str>,
    pub lanes: Option<&'a str>,
    pub lanes_forward: Option<&'a str>,
    pub lanes_backward: Option<&'a str>,
    pub bridge: Option<&'a str>,
    pub tunnel: Option<&'a str>,
    pub ford: Option<&'a str>,
    pub name: Option<&'a str>,
    pub ref_: Option<&'a str>,
    pub area: Option<&'a str>,
    pub route: Option<&'a str>,
    pub duration: Option<&'a str>,
    pub railway: Option<&'a str>,
    pub waterway: Option<&'a str>,
    pub place: Option<&'a str>,
    pub name_uk: Option<&'a str>,
    pub name_en: Option<&'a str>,
    pub population: Option<&'a str>,
}

impl<'a> WayTags<'a> {
    pub fn from_pairs(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut t = WayTags::default();
        for (k, v) in pairs {
            match k {
                "highway" => t.highway = Some(v),
                "oneway" => t.oneway = Some(v),
                "junction" => t.junction = Some(v),
                "access" => t.access = Some(v),
                "vehicle" => t.vehicle = Some(v),
                "motor_vehicle" => t.motor_vehicle = Some(v),
                "motorcar" => t.motorcar = Some(v),
                "maxspeed" => t.maxspeed = Some(v),
                "lanes" => t.lanes = Some(v),
                "lanes:forward" => t.lanes_forward = Some(v),
                "lanes:backward" => t.lanes_backward = Some(v),
                "bridge" => t.bridge = Some(v),
                "tunnel" => t.tunnel = Some(v),
                "ford" => t.ford = Some(v),
                "name" => t.name = Some(v),
                "ref" => t.ref_ = Some(v),
                "area" => t.area = Some(v),
                "route" => t.route = Some(v),
                "duration" => t.duration = Some(v),
                "railway" => t.railway = Some(v),
                "waterway" => t.waterway = Some(v),
                "place" => t.place = Some(v),
                "name:uk" => t.name_uk = Some(v),
                "name:en" => t.name_en = Some(v),
                "population" => t.population = Some(v),
                _ => {}
            }
        }
        t
    }

    /// Is this way of any interest (so the reader can skip the rest quickly)?
    pub fn interesting(&self) -> bool {
        self.highway.is_some()
            || self.route == Some("ferry")
            || self.railway == Some("rail")
            || matches!(self.waterway, Some("river" | "canal"))
            || self.place.is_some()
    }
}

fn denies(value: &str) -> bool {
    matches!(value, "no" | "private" | "agricultural" | "forestry" | "use_sidepath")
}

fn allows(value: &str) -> bool {
    matches!(value, "yes" | "designated" | "permissive" | "destination" | "customers" | "delivery")
}

/// May cars use the way? The most specific tag wins: motorcar, motor_vehicle, vehicle, access.
pub fn car_access(t: &WayTags) -> bool {
    for v in [t.motorcar, t.motor_vehicle, t.vehicle, t.access].into_iter().flatten() {
        if denies(v) {
            return false;
        }
        if allows(v) {
            return true;
        }
    }
    true
}

fn parse_lanes(v: Option<&str>) -> Option<u8> {
    let n: f32 = v?.split(';').next()?.trim().parse().ok()?;
    (n >= 1.0).then(|| n.min(12.0) as u8)
}

/// Parse a ferry `duration` ("1:30", "01:30:00", "90" minutes) to seconds.
pub fn parse_duration_s(v: &str) -> Option<f64> {
    let parts: Vec<f64> = v.trim().split(':').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().ok()?;
    let s = match parts.as_slice() {
        [m] => m * 60.0,
        [h, m] => h * 3600.0 + m * 60.0,
        [h, m, s] => h * 3600.0 + m * 60.0 + s,
        _ => return None,
    };
    (s > 0.0).then_some(s)
}

/// The road a way describes for cars, if any.
pub fn road_attrs(t: &WayTags, profile: &Profile) -> Option<RoadAttrs> {
    let class = if t.route == Some("ferry") {
        let car = matches!(t.motorcar, Some("yes")) || matches!(t.motor_vehicle, Some("yes"));
        if !car {
            return None;
        }
        RoadClass::Ferry
    } else {
        RoadClass::from_osm(t.highway?)?
    };
    let p = profile.get(class);
    if !p.route || t.area == Some("yes") || !car_access(t) {
        return None;
    }
    let roundabout = matches!(t.junction, Some("roundabout" | "circular"));
    let (forward, backward) = match t.oneway {
        Some("yes" | "true" | "1") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "false" | "0") => (true, true),
        Some("reversible" | "alternating") => return None,
        _ if roundabout || class == RoadClass::Motorway => (true, false),
        _ => (true, true),
    };
    let total = parse_lanes(t.lanes);
    let (mut lf, mut lb) = (parse_lanes(t.lanes_forward), parse_lanes(t.lanes_backward));
    if forward && backward {
        if let Some(total) = total {
            let half = (total / 2).max(1);
            lf = lf.or(Some(total.saturating_sub(lb.unwrap_or(half)).max(1)));
            lb = lb.or(Some(half));
        }
    } else if let Some(total) = total {
        // A one-way road: all its lanes go one way.
        if forward {
            lf = lf.or(Some(total));
        } else {
            lb = lb.or(Some(total));
        }
    }
    let speed = t.maxspeed.and_then(parse_maxspeed).map_or(p.speed_kmh, |s| s.clamp(5.0, 200.0));
    let mut f = 0u8;
    if t.bridge.is_some_and(|v| v != "no") {
        f |= flags::BRIDGE;
    }
    if t.tunnel.is_some_and(|v| v != "no") {
        f |= flags::TUNNEL;
    }
    if t.ford.is_some_and(|v| v != "no") {
        f |= flags::FORD;
    }
    if class == RoadClass::Ferry {
        f |= flags::FERRY;
    }
    if roundabout {
        f |= flags::ROUNDABOUT;
    }
    Some(RoadAttrs {
        class,
        forward,
        backward,
        speed_kmh: speed,
        lanes_forward: lf.unwrap_or(p.lanes),
        lanes_backward: lb.unwrap_or(p.lanes),
        capacity_per_lane_vph: p.capacity_per_lane_vph,
        flags: f,
        name: t.name.unwrap_or("").to_string(),
        ref_: t.ref_.unwrap_or("").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Option<RoadAttrs> {
        road_attrs(&WayTags::from_pairs(pairs.iter().copied()), &Profile::default())
    }

    #[test]
    fn oneway_variants() {
        let a = attrs(&[("highway", "primary"), ("oneway", "yes")]).unwrap();
        assert!(a.forward && !a.backward);
        let a = attrs(&[("highway", "primary"), ("oneway", "-1")]).unwrap();
        assert!(!a.forward && a.backward);
        let a = attrs(&[("highway", "tertiary"), ("junction", "roundabout")]).unwrap();
        assert!(a.forward && !a.backward && a.flags & flags::ROUNDABOUT != 0);
        let a = attrs(&[("highway", "motorway")]).unwrap();
        assert!(a.forward && !a.backward);
        let a = attrs(&[("highway", "motorway"), ("oneway", "no")]).unwrap();
        assert!(a.forward && a.backward);
        assert!(attrs(&[("highway", "residential"), ("oneway", "reversible")]).is_none());
    }

    #[test]
    fn access_rules() {
        assert!(attrs(&[("highway", "residential"), ("access", "private")]).is_none());
        assert!(attrs(&[("highway", "residential"), ("motor_vehicle", "no")]).is_none());
        assert!(attrs(&[("highway", "residential"), ("access", "no"), ("motor_vehicle", "yes")]).is_some());
        assert!(attrs(&[("highway", "residential"), ("motorcar", "no"), ("motor_vehicle", "yes")]).is_none());
        assert!(attrs(&[("highway", "footway")]).is_none());
        assert!(attrs(&[("highway", "track")]).is_none(), "tracks are off by default");
        assert!(attrs(&[("highway", "service"), ("area", "yes")]).is_none());
    }

    #[test]
    fn lanes_speed_flags() {
        let a =
            attrs(&[("highway", "primary"), ("lanes", "4"), ("maxspeed", "50 mph"), ("bridge", "viaduct")]).unwrap();
        assert_eq!((a.lanes_forward, a.lanes_backward), (2, 2));
        assert!((a.speed_kmh - 80.47).abs() < 0.01);
        assert!(a.flags & flags::BRIDGE != 0);
        let a = attrs(&[("highway", "primary"), ("lanes", "3"), ("lanes:backward", "1")]).unwrap();
        assert_eq!((a.lanes_forward, a.lanes_backward), (2, 1));
        let a = attrs(&[("highway", "primary"), ("oneway", "yes"), ("lanes", "3")]).unwrap();
        assert_eq!(a.lanes_forward, 3);
        let a = attrs(&[("highway", "secondary")]).unwrap();
        assert_eq!((a.speed_kmh, a.lanes_forward, a.capacity_per_lane_vph), (60.0, 1, 1200.0));
        assert!(attrs(&[("highway", "secondary"), ("bridge", "no")]).unwrap().flags & flags::BRIDGE == 0);
    }

    #[test]
    fn ferries_need_cars() {
        assert!(attrs(&[("route", "ferry")]).is_none());
        let a = attrs(&[("route", "ferry"), ("motor_vehicle", "yes")]).unwrap();
        assert_eq!(a.class, RoadClass::Ferry);
        assert!(a.flags & flags::FERRY != 0);
        assert_eq!(parse_duration_s("1:30"), Some(5400.0));
        assert_eq!(parse_duration_s("45"), Some(2700.0));
    }
}
