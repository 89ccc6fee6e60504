//! rail.toml: stations and evacuation trains.

use crate::error::{InputError, Location};
use evac_model::{Centre, LatLon, RailPlan, RailStation, Train};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RailFile {
    #[serde(default)]
    station: Vec<StationRow>,
    #[serde(default)]
    train: Vec<TrainRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StationRow {
    id: String,
    name: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainRow {
    id: String,
    station: String,
    capacity: u32,
    first_departure_min: f64,
    turnaround_min: f64,
    destination: String,
    travel_min: f64,
}

/// Most people one train carries per trip.
pub const MAX_TRAIN_CAPACITY: u32 = 10_000;
/// Shortest turnaround of a train, in minutes.
pub const MIN_TURNAROUND_MIN: f64 = 1.0;
/// Longest time in a rail plan: a week, in minutes.
pub const MAX_MINUTES: f64 = 7.0 * 24.0 * 60.0;

pub fn read_rail(path: &Path, centres: &[Centre]) -> Result<RailPlan, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let file: RailFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() as u64 + 1);
        InputError::at(path, line.map_or(Location::File, Location::Line), None, e.message().to_string())
    })?;
    let err = |field: &str, msg: String| InputError::at(path, Location::File, Some(field), msg);
    let mut stations = Vec::new();
    for s in file.station {
        if !(-90.0..=90.0).contains(&s.lat) || !(-180.0..=180.0).contains(&s.lon) {
            return Err(err(
                "station.lat",
                format!("station {}: position {}, {} is not a latitude, longitude", s.id, s.lat, s.lon),
            ));
        }
        stations.push(RailStation { id: s.id, name: s.name, location: LatLon::new(s.lat, s.lon) });
    }
    let mut trains = Vec::new();
    for t in file.train {
        if !stations.iter().any(|s| s.id == t.station) {
            return Err(err("train.station", format!("train {}: no station with id \"{}\"", t.id, t.station)));
        }
        if !centres.iter().any(|c| c.id == t.destination) {
            return Err(err(
                "train.destination",
                format!("train {}: no reception centre with id \"{}\" in the centres file", t.id, t.destination),
            ));
        }
        if !(1..=MAX_TRAIN_CAPACITY).contains(&t.capacity) {
            return Err(err(
                "train.capacity",
                format!("train {}: expected between 1 and {MAX_TRAIN_CAPACITY} people, found {}", t.id, t.capacity),
            ));
        }
        // NaN compares false with everything, so each range is checked as "inside", never
        // as "not outside"; a turnaround of a fraction of a minute would mean millions of trips.
        for (field, value, low) in [
            ("train.first_departure_min", t.first_departure_min, 0.0),
            ("train.turnaround_min", t.turnaround_min, MIN_TURNAROUND_MIN),
            ("train.travel_min", t.travel_min, 0.0),
        ] {
            if !(value.is_finite() && (low..=MAX_MINUTES).contains(&value)) {
                return Err(err(
                    field,
                    format!("train {}: expected minutes between {low} and {MAX_MINUTES}, found {value}", t.id),
                ));
            }
        }
        trains.push(Train {
            id: t.id,
            station: t.station,
            capacity: t.capacity,
            first_departure_min: t.first_departure_min,
            turnaround_min: t.turnaround_min,
            destination: t.destination,
            travel_min: t.travel_min,
        });
    }
    Ok(RailPlan { stations, trains })
}
