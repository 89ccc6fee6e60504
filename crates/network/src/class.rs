//! Road classes and edge flags.

use serde::{Deserialize, Serialize};

/// The OSM `highway=*` classes evac routes cars on, plus ferries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum RoadClass {
    Motorway = 0,
    Trunk = 1,
    Primary = 2,
    Secondary = 3,
    Tertiary = 4,
    Unclassified = 5,
    Residential = 6,
    Service = 7,
    LivingStreet = 8,
    Track = 9,
    Road = 10,
    MotorwayLink = 11,
    TrunkLink = 12,
    PrimaryLink = 13,
    SecondaryLink = 14,
    TertiaryLink = 15,
    Ferry = 16,
}

impl RoadClass {
    pub const ALL: [RoadClass; 17] = [
        RoadClass::Motorway,
        RoadClass::Trunk,
        RoadClass::Primary,
        RoadClass::Secondary,
        RoadClass::Tertiary,
        RoadClass::Unclassified,
        RoadClass::Residential,
        RoadClass::Service,
        RoadClass::LivingStreet,
        RoadClass::Track,
        RoadClass::Road,
        RoadClass::MotorwayLink,
        RoadClass::TrunkLink,
        RoadClass::PrimaryLink,
        RoadClass::SecondaryLink,
        RoadClass::TertiaryLink,
        RoadClass::Ferry,
    ];

    /// The OSM tag value (`highway=<this>`; `ferry` for `route=ferry`).
    pub fn osm_name(self) -> &'static str {
        match self {
            RoadClass::Motorway => "motorway",
            RoadClass::Trunk => "trunk",
            RoadClass::Primary => "primary",
            RoadClass::Secondary => "secondary",
            RoadClass::Tertiary => "tertiary",
            RoadClass::Unclassified => "unclassified",
            RoadClass::Residential => "residential",
            RoadClass::Service => "service",
            RoadClass::LivingStreet => "living_street",
            RoadClass::Track => "track",
            RoadClass::Road => "road",
            RoadClass::MotorwayLink => "motorway_link",
            RoadClass::TrunkLink => "trunk_link",
            RoadClass::PrimaryLink => "primary_link",
            RoadClass::SecondaryLink => "secondary_link",
            RoadClass::TertiaryLink => "tertiary_link",
            RoadClass::Ferry => "ferry",
        }
    }

    pub fn from_osm(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.osm_name() == value && *c != RoadClass::Ferry)
    }

    pub fn from_u8(v: u8) -> Option<Self> {
        Self::ALL.get(usize::from(v)).copied()
    }
}

impl std::fmt::Display for RoadClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.osm_name())
    }
}

/// Bit flags of an edge.
pub mod flags {
    pub const BRIDGE: u8 = 1;
    pub const TUNNEL: u8 = 2;
    pub const FORD: u8 = 4;
    pub const FERRY: u8 = 8;
    pub const ROUNDABOUT: u8 = 16;
    /// A link whose course is not known: a settlement joined in a straight line to the
    /// nearest main road when village roads are missing from the data (see docs/network.md,
    /// "Access links"). Plans report how many people depend on such links.
    pub const APPROXIMATE: u8 = 32;
    /// The edge ends at a node with traffic signals (OSM `highway=traffic_signals`): at a
    /// junction its traffic gets the green share of the cycle only. Signals inside a
    /// contracted edge (a pedestrian crossing on a through road, where SUMO's program is
    /// green 82 s of 90) are left out.
    pub const SIGNALS: u8 = 64;
    /// The edge runs against the stored geometry (the twin of a two-way road shares it).
    pub const REVERSED_GEOMETRY: u8 = 128;
    /// Flags that describe the road (the rest describe storage).
    pub const ROAD_MASK: u8 = BRIDGE | TUNNEL | FORD | FERRY | ROUNDABOUT | APPROXIMATE;
}
