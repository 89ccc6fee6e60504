use crate::LatLon;
use serde::{Deserialize, Serialize};

/// What a vehicle of the fleet can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VehicleKind {
    /// Seats for people who can walk.
    Bus,
    Minibus,
    /// Stretcher places for people who cannot walk.
    Ambulance,
    /// Wheelchair places: people who cannot walk first, others in the remaining seats.
    Accessible,
}

impl VehicleKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bus" => Some(Self::Bus),
            "minibus" => Some(Self::Minibus),
            "ambulance" => Some(Self::Ambulance),
            "accessible" => Some(Self::Accessible),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bus => "bus",
            Self::Minibus => "minibus",
            Self::Ambulance => "ambulance",
            Self::Accessible => "accessible",
        }
    }
    pub fn carries_mobile(self) -> bool {
        matches!(self, Self::Bus | Self::Minibus | Self::Accessible)
    }
    pub fn carries_immobile(self) -> bool {
        matches!(self, Self::Ambulance | Self::Accessible)
    }
}

/// One line of fleet.csv: `count` identical vehicles at a depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetEntry {
    pub id: String,
    pub kind: VehicleKind,
    pub depot: LatLon,
    pub seats: u32,
    pub count: u32,
}

/// A railway station used by evacuation trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RailStation {
    pub id: String,
    pub name: String,
    pub location: LatLon,
}

/// An evacuation train shuttling from a station to a reception centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Train {
    pub id: String,
    pub station: String,
    /// Passengers per run.
    pub capacity: u32,
    /// First departure, minutes after the order.
    pub first_departure_min: f64,
    /// Minutes from one departure until the train can leave the station again.
    pub turnaround_min: f64,
    /// Reception centre id where passengers arrive.
    pub destination: String,
    /// Minutes from the station to the destination.
    pub travel_min: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RailPlan {
    pub stations: Vec<RailStation>,
    pub trains: Vec<Train>,
}

/// A settlement's pickup point (assembly point), where buses collect people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssemblyPoint {
    pub settlement_id: String,
    pub name: String,
    pub location: LatLon,
}
