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
    /// Where a household is: registered, and then as its last event (not undone) says.
    /// `departed` (left by their own means) and `returned` (came back home) are kept from
    /// the first version; the field workflow is checked in, boarded, arrived.
    pub enum HouseholdStatus {
        Registered = "registered",
        CheckedIn = "checked_in",
        Boarded = "boarded",
        Departed = "departed",
        Arrived = "arrived",
        Refused = "refused",
        Unreachable = "unreachable",
        Returned = "returned",
    }
}

named_enum! {
    /// What a registrar records about a household. `undo` takes back the household's last
    /// event that is not undone (its status returns to what it was before).
    pub enum EventKind {
        /// At a pickup point.
        CheckedIn = "checked_in",
        /// On a vehicle (the event may name the vehicle and the trip of the transit plan).
        Boarded = "boarded",
        /// Left by their own means.
        Departed = "departed",
        /// At a reception centre (the event names it).
        Arrived = "arrived",
        /// Will not leave (the event may give the reason).
        Refused = "refused",
        /// Could not be found or reached.
        Unreachable = "unreachable",
        Returned = "returned",
        Undo = "undo",
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
    /// Recording the status a household already has is refused: it is a repeated tap or a
    /// lost update, never new information. `undo` is always possible when there is an
    /// event to take back (the store checks that).
    pub fn check(self, kind: EventKind) -> Result<(), String> {
        if kind == EventKind::Undo || self.may_become(kind) {
            return Ok(());
        }
        let next: Vec<&str> = EventKind::ALL.iter().filter(|k| self.may_become(**k)).map(|k| k.as_str()).collect();
        Err(if kind.status() == Some(self) {
            format!("the household is already {self}")
        } else {
            format!("a household that is {self} cannot be recorded as {kind}; it may next be: {}", next.join(", "))
        })
    }

    pub fn may_become(self, kind: EventKind) -> bool {
        use EventKind as E;
        use HouseholdStatus as S;
        match self {
            S::Registered | S::Refused | S::Unreachable | S::Returned => {
                !matches!(kind, E::Undo | E::Returned) && kind.status() != Some(self)
            }
            S::CheckedIn => !matches!(kind, E::Undo | E::Returned | E::CheckedIn),
            S::Boarded | S::Departed => matches!(kind, E::Arrived | E::Returned),
            S::Arrived => matches!(kind, E::Returned),
        }
    }
}

impl EventKind {
    /// The household's status once this event is recorded (`undo`: the status before the
    /// event it takes back, which only the store knows).
    pub fn status(self) -> Option<HouseholdStatus> {
        Some(match self {
            EventKind::CheckedIn => HouseholdStatus::CheckedIn,
            EventKind::Boarded => HouseholdStatus::Boarded,
            EventKind::Departed => HouseholdStatus::Departed,
            EventKind::Arrived => HouseholdStatus::Arrived,
            EventKind::Refused => HouseholdStatus::Refused,
            EventKind::Unreachable => HouseholdStatus::Unreachable,
            EventKind::Returned => HouseholdStatus::Returned,
            EventKind::Undo => return None,
        })
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

/// How many of a household's people need what (each between 0 and the household's
/// people, pets any number).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonCounts {
    #[serde(default)]
    pub cannot_walk: u32,
    #[serde(default)]
    pub needs_oxygen: u32,
    #[serde(default)]
    pub needs_bed: u32,
    #[serde(default)]
    pub needs_escort: u32,
    #[serde(default)]
    pub children: u32,
    #[serde(default)]
    pub pets: u32,
}

impl PersonCounts {
    /// The counts that are people (all but pets), with their names.
    pub fn people_fields(&self) -> [(&'static str, u32); 5] {
        [
            ("cannot_walk", self.cannot_walk),
            ("needs_oxygen", self.needs_oxygen),
            ("needs_bed", self.needs_bed),
            ("needs_escort", self.needs_escort),
            ("children", self.children),
        ]
    }
}

/// A household as registered (checked by the API: known settlement, 1-50 people, ...).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewHousehold {
    pub settlement_id: String,
    pub head_name: String,
    /// People in the household.
    pub members: u32,
    pub needs: Vec<Need>,
    pub phone: Option<String>,
    pub counts: PersonCounts,
    /// An identity document's number (passport, ID card, birth certificate).
    pub document: Option<String>,
    pub birth_year: Option<i64>,
    /// The client's id for this registration: a retry with the same id (by the same user)
    /// gets the first one's result instead of a second household.
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub id: i64,
    pub settlement_id: String,
    pub head_name: String,
    /// People in the household (the same as `people`, kept for older clients).
    pub members: u32,
    pub people: u32,
    #[serde(flatten)]
    pub counts: PersonCounts,
    pub needs: Vec<Need>,
    pub phone: Option<String>,
    pub document: Option<String>,
    pub birth_year: Option<i64>,
    pub status: HouseholdStatus,
    pub centre_id: Option<String>,
    pub vehicle: Option<String>,
    pub trip: Option<String>,
    /// Merged into this household (then it is in no list, count or search).
    pub merged_into: Option<i64>,
    pub created_at: String,
    /// Goes up by one with every change: the ETag a change must name in If-Match.
    pub version: i64,
}

/// A change of a household's status as requested.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    /// Arrived: the reception centre.
    pub centre_id: Option<String>,
    /// Boarded: the vehicle and trip (as the transit plan names them).
    pub vehicle: Option<String>,
    pub trip: Option<String>,
    /// Refused, unreachable: why.
    pub reason: Option<String>,
    /// As for registrations: a retry with the same id gets the first one's result.
    pub client_id: Option<String>,
}

impl NewEvent {
    pub fn of(kind: EventKind) -> NewEvent {
        NewEvent { kind, centre_id: None, vehicle: None, trip: None, reason: None, client_id: None }
    }
}

/// One event of a household's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub id: i64,
    pub kind: EventKind,
    pub centre_id: Option<String>,
    pub vehicle: Option<String>,
    pub trip: Option<String>,
    pub reason: Option<String>,
    pub at: String,
    pub by: String,
    /// The undo event that took this one back.
    pub undone_by: Option<i64>,
}

/// Search results: the best few, and how many candidates the index gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub results: Vec<Household>,
    pub total_candidates: u64,
}

/// One settlement's progress in people, as the order counts them (`registered`: people of
/// all its households; each status: people of the households now in it), with the number
/// of households and the people who cannot walk. Merged households are not counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    pub households: u64,
    pub registered: u64,
    pub checked_in: u64,
    pub boarded: u64,
    pub departed: u64,
    pub arrived: u64,
    pub refused: u64,
    pub unreachable: u64,
    pub returned: u64,
    /// The same as `registered` (people of all households), kept for clients that read it.
    pub people: u64,
    pub cannot_walk: u64,
}

impl Progress {
    /// Count `households` households of `people` people (`cannot_walk` of them) in `status`.
    pub fn add(&mut self, status: HouseholdStatus, households: u64, people: u64, cannot_walk: u64) {
        self.households += households;
        self.registered += people;
        self.people += people;
        self.cannot_walk += cannot_walk;
        let field = match status {
            HouseholdStatus::Registered => return,
            HouseholdStatus::CheckedIn => &mut self.checked_in,
            HouseholdStatus::Boarded => &mut self.boarded,
            HouseholdStatus::Departed => &mut self.departed,
            HouseholdStatus::Arrived => &mut self.arrived,
            HouseholdStatus::Refused => &mut self.refused,
            HouseholdStatus::Unreachable => &mut self.unreachable,
            HouseholdStatus::Returned => &mut self.returned,
        };
        *field += people;
    }

    pub fn plus(&mut self, o: &Progress) {
        self.households += o.households;
        self.registered += o.registered;
        self.checked_in += o.checked_in;
        self.boarded += o.boarded;
        self.departed += o.departed;
        self.arrived += o.arrived;
        self.refused += o.refused;
        self.unreachable += o.unreachable;
        self.returned += o.returned;
        self.people += o.people;
        self.cannot_walk += o.cannot_walk;
    }
}

/// People over time, from the status history: at the end of each bucket, the people
/// registered by then, the people whose household was then boarded, departed or arrived,
/// and the people then arrived (each household's status at a time is its last event not
/// undone at or before it). Merged households are not counted, as in [`Progress`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    /// The width of a bucket: 10 (minutes), 60 (an hour) or 1440 (a day).
    pub bucket_minutes: u32,
    /// Oldest first; the first point is the start of the first bucket (all zero), the last
    /// one now. At most [`Timeline::MAX_POINTS`].
    pub points: Vec<TimelinePoint>,
}

impl Timeline {
    pub const MAX_POINTS: usize = 160;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimelinePoint {
    /// UTC, `2026-12-07T06:30:00Z`.
    pub at: String,
    pub registered: u64,
    /// Boarded, departed or arrived.
    pub boarded_or_later: u64,
    pub arrived: u64,
}

/// A user as the coordinators' list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
}

/// An event as recorded: its id and the household's new version (`replayed`: recorded by
/// an earlier request with the same client id, nothing new now).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub version: i64,
    pub replayed: bool,
}

/// A likely duplicate found when registering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateHint {
    pub id: i64,
    pub head_name: String,
    pub settlement_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registered {
    pub id: i64,
    /// Best first, at most five.
    pub possible_duplicates: Vec<DuplicateHint>,
    /// Registered by an earlier request with the same client id: nothing new was created.
    pub replayed: bool,
}

/// People per status in one settlement (members of households).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    pub households: u64,
    pub registered: u64,
    pub checked_in: u64,
    pub boarded: u64,
    pub departed: u64,
    pub arrived: u64,
    pub refused: u64,
    pub unreachable: u64,
    pub returned: u64,
}

impl StatusCounts {
    /// Count `households` households of `people` people now in `status`.
    pub fn add(&mut self, status: HouseholdStatus, households: u64, people: u64) {
        self.households += households;
        self.registered += people;
        match status {
            HouseholdStatus::Registered => {}
            HouseholdStatus::CheckedIn => self.checked_in += people,
            HouseholdStatus::Boarded => self.boarded += people,
            HouseholdStatus::Unreachable => self.unreachable += people,
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
    /// "issued" or "revoked".
    pub status: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
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
        assert_eq!(
            EventKind::NAMES,
            ["checked_in", "boarded", "departed", "arrived", "refused", "unreachable", "returned", "undo"]
        );
        assert_eq!(
            HouseholdStatus::NAMES,
            ["registered", "checked_in", "boarded", "departed", "arrived", "refused", "unreachable", "returned"]
        );
        assert_eq!(Role::NAMES, ["viewer", "registrar", "coordinator"]);
        for (need, name) in Need::ALL.iter().zip(Need::NAMES) {
            assert_eq!(serde_json::to_string(need).unwrap(), format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Need>(&format!("\"{name}\"")).unwrap(), *need);
            assert_eq!(Need::parse(name), Some(*need));
        }
        for kind in EventKind::ALL.iter().filter(|k| **k != EventKind::Undo) {
            assert_eq!(kind.as_str(), kind.status().unwrap().as_str(), "an event names the status it leads to");
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
        assert_eq!(c, StatusCounts { households: 4, registered: 9, arrived: 3, refused: 1, ..Default::default() });
    }
}
