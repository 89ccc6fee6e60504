//! Records and requests.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Registrar,
    Coordinator,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "coordinator" => Some(Role::Coordinator),
            "registrar" => Some(Role::Registrar),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Registrar => "registrar",
            Role::Viewer => "viewer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewHousehold {
    pub settlement_id: String,
    pub head_name: String,
    pub members: u32,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub id: i64,
    pub settlement_id: String,
    pub head_name: String,
    pub members: u32,
    pub needs: Vec<String>,
    pub phone: Option<String>,
    pub status: String,
    pub centre_id: Option<String>,
    pub created_at: String,
}

/// A likely duplicate found when registering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateHint {
    pub id: i64,
    pub head_name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    pub id: i64,
    pub possible_duplicates: Vec<DuplicateHint>,
}

/// People per status in one settlement (members of households).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    pub households: u64,
    pub registered: u64,
    pub departed: u64,
    pub arrived: u64,
    pub refused: u64,
    pub returned: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedOrder {
    pub number: i64,
    pub issued_at: String,
    pub issued_by: String,
    pub scope: String,
    pub settlements: i64,
    pub population: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

pub const EVENT_KINDS: [&str; 4] = ["departed", "arrived", "refused", "returned"];
pub const NEEDS: [&str; 8] = ["wheelchair", "stretcher", "medical", "children", "elderly", "pets", "no_car", "hearing"];
