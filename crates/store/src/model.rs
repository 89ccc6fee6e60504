//! Records and requests, and the closed vocabularies (roles, statuses, event kinds, needs)
//! shared by the database, the API and its OpenAPI document.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// A closed set of names: the enum, its `ALL` variants and `NAMES` in the same order, and
/// one spelling per variant used by serde, SQL and the OpenAPI document alike (so the
/// stored text, the JSON and the documented `enum` lists cannot disagree).
macro_rules! named_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The names of `ALL`, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| serde::de::Error::unknown_variant(&s, $name::NAMES))
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                $name::parse(s).ok_or_else(|| {
                    FromSqlError::Other(format!("unknown {} {s:?} in the database", stringify!($name)).into())
                })
            }
        }
    };
}

named_enum! {
    /// What a user may do (see docs/operations.md).
    pub enum Role {
        Viewer = "viewer",
        Registrar = "registrar",
        Coordinator = "coordinator",
    }
}

named_enum! {
    /// Where a household is: registered, and then as its last event says.
    pub enum HouseholdStatus {
        Registered = "registered",
        Departed = "departed",
        Arrived = "arrived",
        Refused = "refused",
        Returned = "returned",
    }
}

named_enum! {
    /// What a registrar records about a household.
    pub enum EventKind {
        Departed = "departed",
        /// At a reception centre (the event names it).
        Arrived = "arrived",
        Refused = "refused",
        Returned = "returned",
    }
}

named_enum! {
    /// Help a household needs to leave.
    pub enum Need {
        Wheelchair = "wheelchair",
        Stretcher = "stretcher",
        Medical = "medical",
        Children = "children",
        Elderly = "elderly",
        Pets = "pets",
        NoCar = "no_car",
        Hearing = "hearing",
    }
}

impl HouseholdStatus {
    /// The state machine of a household: which event may follow its status, or why not.
    /// Registered people leave, arrive (on their own), or refuse; on the way they arrive or
    /// turn back; at a centre they may go home; who refused may still leave; who returned
    /// may leave again or refuse. Recording the status a household already has is refused
    /// too: it is a repeated click or a lost update, never new information.
    pub fn check(self, kind: EventKind) -> Result<(), String> {
        if self.may_become(kind) {
            return Ok(());
        }
        let next: Vec<&str> = EventKind::ALL.iter().filter(|k| self.may_become(**k)).map(|k| k.as_str()).collect();
        Err(if kind.status() == self {
            format!("the household is already {self}")
        } else {
            format!("a household that is {self} cannot be recorded as {kind}; it may next be: {}", next.join(", "))
        })
    }

    pub fn may_become(self, kind: EventKind) -> bool {
        use EventKind as E;
        use HouseholdStatus as S;
        match self {
            S::Registered => matches!(kind, E::Departed | E::Arrived | E::Refused),
            S::Departed => matches!(kind, E::Arrived | E::Returned),
            S::Arrived => matches!(kind, E::Returned),
            S::Refused => matches!(kind, E::Departed | E::Arrived),
            S::Returned => matches!(kind, E::Departed | E::Refused),
        }
    }
}

impl EventKind {
    /// The household's status once this event is recorded.
    pub fn status(self) -> HouseholdStatus {
        match self {
            EventKind::Departed => HouseholdStatus::Departed,
            EventKind::Arrived => HouseholdStatus::Arrived,
            EventKind::Refused => HouseholdStatus::Refused,
            EventKind::Returned => HouseholdStatus::Returned,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// Who makes a change or reads personal data, as the audit log records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// `None`: the operator at the server's command line (`evac user add`, the first
    /// account), who has no session and no address.
    pub user: Option<User>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn user(user: &User, ip: Option<String>) -> Actor {
        Actor { user: Some(user.clone()), ip }
    }

    pub fn command_line() -> Actor {
        Actor { user: None, ip: None }
    }
}

/// A household as registered (checked by the API: known settlement, 1-50 people, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct NewHousehold {
    pub settlement_id: String,
    pub head_name: String,
    pub members: u32,
    pub needs: Vec<Need>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub id: i64,
    pub settlement_id: String,
    pub head_name: String,
    pub members: u32,
    pub needs: Vec<Need>,
    pub phone: Option<String>,
    pub status: HouseholdStatus,
    pub centre_id: Option<String>,
    pub created_at: String,
    /// Goes up by one with every change: the ETag a change must name in If-Match.
    pub version: i64,
}

/// A user as the coordinators' list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
}

/// An event as recorded: its id and the household's new version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub version: i64,
}

/// A likely duplicate found when registering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateHint {
    pub id: i64,
    pub head_name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl StatusCounts {
    /// Count `households` households of `people` people now in `status`.
    pub fn add(&mut self, status: HouseholdStatus, households: u64, people: u64) {
        self.households += households;
        self.registered += people;
        match status {
            HouseholdStatus::Registered => {}
            HouseholdStatus::Departed => self.departed += people,
            HouseholdStatus::Arrived => self.arrived += people,
            HouseholdStatus::Refused => self.refused += people,
            HouseholdStatus::Returned => self.returned += people,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_todays_strings_in_json_and_parse_back() {
        assert_eq!(
            Need::NAMES,
            ["wheelchair", "stretcher", "medical", "children", "elderly", "pets", "no_car", "hearing"]
        );
        assert_eq!(EventKind::NAMES, ["departed", "arrived", "refused", "returned"]);
        assert_eq!(HouseholdStatus::NAMES, ["registered", "departed", "arrived", "refused", "returned"]);
        assert_eq!(Role::NAMES, ["viewer", "registrar", "coordinator"]);
        for (need, name) in Need::ALL.iter().zip(Need::NAMES) {
            assert_eq!(serde_json::to_string(need).unwrap(), format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Need>(&format!("\"{name}\"")).unwrap(), *need);
            assert_eq!(Need::parse(name), Some(*need));
        }
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str(), kind.status().as_str(), "an event names the status it leads to");
        }
        let err = serde_json::from_str::<Need>("\"jetpack\"").unwrap_err().to_string();
        assert!(err.contains("jetpack") && err.contains("no_car"), "{err}");
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn counts_add_people_by_status() {
        let mut c = StatusCounts::default();
        c.add(HouseholdStatus::Registered, 2, 5);
        c.add(HouseholdStatus::Arrived, 1, 3);
        c.add(HouseholdStatus::Refused, 1, 1);
        assert_eq!(c, StatusCounts { households: 4, registered: 9, departed: 0, arrived: 3, refused: 1, returned: 0 });
    }
}
