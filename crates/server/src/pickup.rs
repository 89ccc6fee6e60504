//! Pickup lists: the transit plan's trips (the `vehicles` of transit.json, as `evac transit`
//! writes them) by pickup point and by vehicle, and which registered households ride which
//! trip.
//!
//! The assignment rule, for one settlement (pickup point): its stops in the plan are
//! ordered by departure (then vehicle, then trip number); each stop has as many seats as
//! the plan puts people on it there, of which the plan's `immobile` are places for people
//! who cannot walk (stretchers, wheelchair places). A household already boarded (or
//! departed, arrived) with one of these trips recorded keeps its seat on that trip
//! (whatever its needs). Every household that needs transport (the need `no_car`) and is
//! still at home (registered, checked in, returned: not refused, unreachable or gone), in
//! registration order, takes the first stop where all its people fit together: its members
//! who cannot walk on places for them, the others on ordinary seats or on such places left
//! over (an escort beside a stretcher); a household of people who all walk never takes a
//! place for someone who cannot. A household no stop can hold whole is listed without a
//! seat (`unseated`). Households boarded on a vehicle the plan does not know have left and
//! are not listed. The rule is deterministic: the same database and plan always give the
//! same lists.

use evac_store::{Household, HouseholdStatus, Need};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Largest transit.json read (Kupiansk's is under 1 MB).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
const MAX_TRIPS: usize = 200_000;
/// A trip id is recorded with the boarding event, which takes at most 64 characters.
const MAX_ID_CHARS: usize = 56;

#[derive(Deserialize)]
struct FileVehicle {
    id: String,
    kind: String,
    seats: u32,
    #[serde(default)]
    depot: Option<String>,
    trips: Vec<FileTrip>,
}

#[derive(Deserialize)]
struct FileTrip {
    leave_s: f64,
    pickup: Vec<TripStop>,
    dropoff: String,
    #[serde(default)]
    dropoff_name: Option<String>,
    arrive_s: f64,
}

#[derive(Deserialize)]
struct FilePlan {
    vehicles: Vec<FileVehicle>,
}

/// One stop of a trip: a settlement's pickup point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TripStop {
    pub settlement: String,
    pub name: String,
    /// The pickup point's name (older transit.json files do not have it).
    #[serde(default)]
    pub point: Option<String>,
    /// People the plan puts on the vehicle here: the seats of this stop.
    pub people: u32,
    #[serde(default)]
    pub immobile: u32,
    /// When the vehicle leaves this pickup point, seconds after the order.
    pub at_s: f64,
}

/// One trip of one vehicle.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TripPlan {
    /// `<vehicle>.<n>`: the vehicle's id and the trip's number (from 1).
    pub id: String,
    pub vehicle: String,
    pub kind: String,
    /// The vehicle's seats.
    pub seats: u32,
    pub number: usize,
    pub leave_s: f64,
    pub stops: Vec<TripStop>,
    /// A centre's id or `train:<id>`.
    pub dropoff: String,
    pub dropoff_name: Option<String>,
    pub arrive_s: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VehicleRow {
    pub id: String,
    pub kind: String,
    pub seats: u32,
    pub depot: Option<String>,
    pub trips: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PointRow {
    pub settlement: String,
    pub name: String,
    pub point: Option<String>,
    pub trips: usize,
    /// Seats the plan gives this point over all its trips.
    pub people: u64,
    pub first_s: f64,
}

/// The trips of a transit plan, indexed by id, pickup point and vehicle.
#[derive(Debug, Default)]
pub struct TransitTrips {
    pub trips: Vec<TripPlan>,
    pub vehicles: Vec<VehicleRow>,
    by_id: HashMap<String, usize>,
    /// Per settlement: (trip, stop) in plan order (departure, vehicle, trip number).
    by_settlement: HashMap<String, Vec<(usize, usize)>>,
}

/// A trip's seats at one settlement, and who fills them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seating {
    /// Per stop of the settlement (in plan order): the households seated there.
    pub seated: Vec<Vec<i64>>,
    /// Households no stop can hold whole.
    pub unseated: Vec<i64>,
}

impl TransitTrips {
    /// The trips of `<out_dir>/transit.json`: `Ok(None)` when there is no such file, an
    /// error naming the file and what is wrong when it cannot be used.
    pub fn read(out_dir: &Path) -> Result<Option<TransitTrips>, String> {
        let path = out_dir.join("transit.json");
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!("{}: {} bytes, more than the {MAX_FILE_BYTES} read", path.display(), meta.len()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        TransitTrips::parse(&text).map(Some).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The trips of a transit.json text, checked: ids present and short, unique vehicles,
    /// seats kept, times finite and in order.
    pub fn parse(text: &str) -> Result<TransitTrips, String> {
        let plan: FilePlan =
            serde_json::from_str(text).map_err(|e| format!("not a transit plan as `evac transit` writes it: {e}"))?;
        let mut t = TransitTrips::default();
        let mut vehicle_ids = HashMap::new();
        for (vi, v) in plan.vehicles.into_iter().enumerate() {
            let here = format!("vehicle {} ({:?})", vi + 1, v.id);
            if v.id.is_empty() || v.id.chars().count() > MAX_ID_CHARS {
                return Err(format!("{here}: the id must have 1-{MAX_ID_CHARS} characters"));
            }
            if vehicle_ids.insert(v.id.clone(), vi).is_some() {
                return Err(format!("{here}: the id is used twice"));
            }
            if v.seats == 0 {
                return Err(format!("{here}: no seats"));
            }
            t.vehicles.push(VehicleRow {
                id: v.id.clone(),
                kind: v.kind.clone(),
                seats: v.seats,
                depot: v.depot.clone(),
                trips: v.trips.len(),
            });
            for (n, trip) in v.trips.into_iter().enumerate() {
                let here = format!("{here}, trip {}", n + 1);
                if t.trips.len() >= MAX_TRIPS {
                    return Err(format!("more than {MAX_TRIPS} trips"));
                }
                let people: u64 = trip.pickup.iter().map(|s| u64::from(s.people)).sum();
                if people > u64::from(v.seats) {
                    return Err(format!("{here}: {people} people on {} seats", v.seats));
                }
                let times_ok = [trip.leave_s, trip.arrive_s]
                    .iter()
                    .chain(trip.pickup.iter().map(|s| &s.at_s))
                    .all(|x| x.is_finite() && *x >= 0.0);
                if !times_ok {
                    return Err(format!("{here}: a time is negative or not a number"));
                }
                if let Some(s) = trip.pickup.iter().find(|s| s.settlement.is_empty() || s.immobile > s.people) {
                    return Err(format!(
                        "{here}: a stop without a settlement id or with more immobile than people ({s:?})"
                    ));
                }
                if trip.pickup.is_empty() {
                    return Err(format!("{here}: no pickup"));
                }
                let index = t.trips.len();
                for (si, s) in trip.pickup.iter().enumerate() {
                    t.by_settlement.entry(s.settlement.clone()).or_default().push((index, si));
                }
                let id = format!("{}.{}", v.id, n + 1);
                t.by_id.insert(id.clone(), index);
                t.trips.push(TripPlan {
                    id,
                    vehicle: v.id.clone(),
                    kind: v.kind.clone(),
                    seats: v.seats,
                    number: n + 1,
                    leave_s: trip.leave_s,
                    stops: trip.pickup,
                    dropoff: trip.dropoff,
                    dropoff_name: trip.dropoff_name,
                    arrive_s: trip.arrive_s,
                });
            }
        }
        let trips = &t.trips;
        for stops in t.by_settlement.values_mut() {
            stops.sort_by(|&(a, sa), &(b, sb)| {
                trips[a].stops[sa].at_s.total_cmp(&trips[b].stops[sb].at_s).then(a.cmp(&b)).then(sa.cmp(&sb))
            });
        }
        Ok(t)
    }

    pub fn trip(&self, id: &str) -> Option<&TripPlan> {
        self.by_id.get(id).map(|&i| &self.trips[i])
    }

    /// The trips stopping at a settlement, in plan order.
    pub fn at_settlement(&self, settlement: &str) -> Vec<&TripPlan> {
        self.by_settlement.get(settlement).into_iter().flatten().map(|&(t, _)| &self.trips[t]).collect()
    }

    pub fn of_vehicle(&self, vehicle: &str) -> Vec<&TripPlan> {
        self.trips.iter().filter(|t| t.vehicle == vehicle).collect()
    }

    /// Every pickup point with its trips and seats, in the order the settlements first appear.
    pub fn points(&self) -> Vec<PointRow> {
        let mut rows: Vec<PointRow> = self
            .by_settlement
            .iter()
            .map(|(settlement, stops)| {
                let (t, s) = stops[0];
                let first = &self.trips[t].stops[s];
                PointRow {
                    settlement: settlement.clone(),
                    name: first.name.clone(),
                    point: stops.iter().find_map(|&(t, s)| self.trips[t].stops[s].point.clone()),
                    trips: stops.len(),
                    people: stops.iter().map(|&(t, s)| u64::from(self.trips[t].stops[s].people)).sum(),
                    first_s: first.at_s,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.settlement.cmp(&b.settlement)));
        rows
    }

    /// Who rides from `settlement`: the assignment rule of this module over its households
    /// (any order; merged ones already left out). Stops are the settlement's, in plan order.
    pub fn seating(&self, settlement: &str, households: &[&Household]) -> Seating {
        let stops = self.by_settlement.get(settlement).map_or(&[][..], Vec::as_slice);
        let seats: Vec<(&str, u32, u32)> = stops
            .iter()
            .map(|&(t, s)| {
                let stop = &self.trips[t].stops[s];
                (self.trips[t].id.as_str(), stop.people, stop.immobile)
            })
            .collect();
        assign(&seats, households)
    }
}

/// Needs a seat: registered as having no car, and not refusing or unreachable.
pub fn needs_transport(h: &Household) -> bool {
    h.needs.contains(&Need::NoCar)
        && h.merged_into.is_none()
        && !matches!(h.status, HouseholdStatus::Refused | HouseholdStatus::Unreachable)
}

/// The places left at a stop: for people who walk, and for people who cannot (stretchers,
/// wheelchair places), as the plan counts them (`people - immobile` and `immobile`).
#[derive(Debug, Clone, Copy)]
struct Free {
    walk: i64,
    carried: i64,
}

impl Free {
    /// Whether household `h` fits whole: its members who cannot walk on places for them, the
    /// others on ordinary seats or on the places for people who cannot walk left over (an
    /// escort beside a stretcher). Nobody who walks takes such a place from the plan alone.
    fn fits(&self, h: &Household) -> bool {
        let (k, m) = split(h);
        if k == 0 { self.walk >= m } else { self.carried >= k && self.walk + (self.carried - k) >= m }
    }

    fn take(&mut self, h: &Household) {
        let (k, m) = split(h);
        self.carried -= k;
        let walk = m.min(self.walk.max(0));
        self.walk -= walk;
        if k > 0 { self.carried -= m - walk } else { self.walk -= m - walk }
    }
}

/// (people who cannot walk, the others) of a household.
fn split(h: &Household) -> (i64, i64) {
    let k = i64::from(h.counts.cannot_walk.min(h.people));
    (k, i64::from(h.people) - k)
}

/// The assignment rule (see the module): `stops` are (trip id, people, of whom cannot walk)
/// in plan order.
pub fn assign(stops: &[(&str, u32, u32)], households: &[&Household]) -> Seating {
    let mut list: Vec<&Household> = households.iter().copied().filter(|h| h.merged_into.is_none()).collect();
    list.sort_by_key(|h| h.id);
    let mut free: Vec<Free> = stops
        .iter()
        .map(|&(_, n, immobile)| Free { walk: i64::from(n.saturating_sub(immobile)), carried: i64::from(immobile) })
        .collect();
    let mut out = Seating { seated: vec![Vec::new(); stops.len()], unseated: Vec::new() };
    let gone = |h: &Household| {
        matches!(h.status, HouseholdStatus::Boarded | HouseholdStatus::Departed | HouseholdStatus::Arrived)
    };
    // Those on board keep their seats, even over the plan's count (they are on the vehicle),
    // and even when they were not registered as needing a seat.
    for h in list.iter().filter(|h| gone(h)) {
        if let Some(i) = stops.iter().position(|(id, _, _)| h.trip.as_deref() == Some(*id)) {
            free[i].take(h);
            out.seated[i].push(h.id);
        }
    }
    for h in list.iter().filter(|h| !gone(h) && needs_transport(h)) {
        match free.iter().position(|f| f.fits(h)) {
            Some(i) => {
                free[i].take(h);
                out.seated[i].push(h.id);
            }
            None => out.unseated.push(h.id),
        }
    }
    for s in &mut out.seated {
        s.sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn household(id: i64, people: u32, status: HouseholdStatus, trip: Option<&str>) -> Household {
        Household {
            id,
            settlement_id: "s".into(),
            head_name: format!("h{id}"),
            members: people,
            people,
            counts: Default::default(),
            needs: vec![Need::NoCar],
            phone: None,
            document: None,
            birth_year: None,
            status,
            centre_id: None,
            vehicle: trip.map(|t| t.split('.').next().unwrap().to_string()),
            trip: trip.map(str::to_string),
            merged_into: None,
            created_at: "t".into(),
            version: 1,
        }
    }

    use HouseholdStatus as S;

    #[test]
    fn households_fill_trips_in_registration_order_first_fit() {
        let hs = [
            household(3, 2, S::Registered, None),
            household(1, 3, S::Registered, None),
            household(2, 4, S::CheckedIn, None),
            household(4, 1, S::Returned, None),
            household(5, 9, S::Registered, None),
        ];
        let refs: Vec<&Household> = hs.iter().collect();
        // 1 (3 people) takes a (2 seats left); 2 (4) does not fit there and takes b (full);
        // 3 (2) fills a; 4 (1) finds a and b full and takes c; 5 (9) fits nowhere whole.
        let s = assign(&[("a.1", 5, 0), ("b.1", 4, 0), ("c.1", 3, 0)], &refs);
        assert_eq!(s.seated, vec![vec![1, 3], vec![2], vec![4]]);
        assert_eq!(s.unseated, vec![5], "nine people fit on no stop whole");
        // The same input in another order: the same lists.
        let rev: Vec<&Household> = hs.iter().rev().collect();
        assert_eq!(assign(&[("a.1", 5, 0), ("b.1", 4, 0), ("c.1", 3, 0)], &rev), s);
    }

    #[test]
    fn boarded_keep_their_trip_and_others_are_left_out() {
        let mut car = household(1, 2, S::Registered, None);
        car.needs = vec![Need::Pets];
        let mut car_boarded = household(8, 1, S::Boarded, Some("a.1"));
        car_boarded.needs = vec![];
        let hs = [
            car,
            car_boarded,
            household(2, 2, S::Refused, None),
            household(3, 2, S::Unreachable, None),
            household(4, 2, S::Registered, None),
            household(5, 3, S::Boarded, Some("b.1")),
            household(6, 1, S::Arrived, Some("x.9")),
            household(7, 2, S::Departed, None),
        ];
        let refs: Vec<&Household> = hs.iter().collect();
        let s = assign(&[("a.1", 3, 0), ("b.1", 3, 0)], &refs);
        // 5 boarded b.1 and keeps it, 8 boarded a.1 (though registered with a car); 4 takes
        // a.1; the car owner at home, the refusing, the unreachable and those who left
        // another way are not on any list.
        assert_eq!(s.seated, vec![vec![4, 8], vec![5]]);
        assert!(s.unseated.is_empty());
    }

    #[test]
    fn people_who_cannot_walk_take_the_places_for_them() {
        let mut stretcher = household(1, 2, S::Registered, None);
        stretcher.counts.cannot_walk = 1;
        let mut family = household(2, 4, S::Registered, None);
        family.counts.cannot_walk = 1;
        let walkers = household(3, 2, S::Registered, None);
        let mut bedridden = household(4, 1, S::Registered, None);
        bedridden.counts.cannot_walk = 1;
        let refs = [&stretcher, &family, &walkers, &bedridden];
        // A bus (no places for people who cannot walk), an ambulance (2 stretchers), an
        // accessible vehicle (3 places, 1 for a wheelchair).
        let s = assign(&[("bus.1", 10, 0), ("amb.1", 2, 2), ("acc.1", 4, 1)], &refs);
        // 1: stretcher and escort in the ambulance; 2: whole family only in the accessible
        // vehicle; 3 walk onto the bus; 4: no stretcher or wheelchair place left.
        assert_eq!(s.seated, vec![vec![3], vec![1], vec![2]]);
        assert_eq!(s.unseated, vec![4]);
        // Nobody who walks takes a stretcher from the plan alone.
        let many: Vec<Household> = (10..14).map(|id| household(id, 1, S::Registered, None)).collect();
        let refs: Vec<&Household> = many.iter().collect();
        let s = assign(&[("amb.1", 2, 2), ("bus.1", 2, 0)], &refs);
        assert_eq!(s.seated, vec![vec![], vec![10, 11]]);
        assert_eq!(s.unseated, vec![12, 13]);
    }

    const PLAN: &str = r#"{"people": 10, "vehicles": [
        {"id": "bus-1", "kind": "bus", "seats": 50, "depot": "d", "trips": [
            {"leave_s": 0, "pickup": [{"settlement": "A", "name": "Alpha", "point": "school", "people": 6, "immobile": 0, "at_s": 900},
                                      {"settlement": "B", "name": "Beta", "people": 4, "immobile": 1, "at_s": 1200}],
             "dropoff": "kharkiv", "dropoff_name": "Kharkiv centre", "arrive_s": 5000, "safe_s": 5000},
            {"leave_s": 5500, "pickup": [{"settlement": "A", "name": "Alpha", "people": 50, "immobile": 0, "at_s": 7000}],
             "dropoff": "train:EVAC-1", "arrive_s": 9000, "safe_s": 20000}]},
        {"id": "bus-2", "kind": "bus", "seats": 19, "trips": [
            {"leave_s": 0, "pickup": [{"settlement": "A", "name": "Alpha", "people": 19, "immobile": 0, "at_s": 800}],
             "dropoff": "kharkiv", "arrive_s": 4000, "safe_s": 4000}]}]}"#;

    #[test]
    fn parses_trips_by_point_in_departure_order() {
        let t = TransitTrips::parse(PLAN).unwrap();
        assert_eq!(t.trips.len(), 3);
        let ids: Vec<&str> = t.at_settlement("A").iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["bus-2.1", "bus-1.1", "bus-1.2"], "by departure from the point");
        assert_eq!(t.trip("bus-1.1").unwrap().stops[0].point.as_deref(), Some("school"));
        assert_eq!(t.trip("bus-1.2").unwrap().dropoff_name, None);
        assert_eq!(t.of_vehicle("bus-1").len(), 2);
        let points = t.points();
        assert_eq!((points[0].name.as_str(), points[0].trips, points[0].people), ("Alpha", 3, 75));
        let a = household(1, 19, S::Registered, None);
        let b = household(2, 6, S::Registered, None);
        let s = t.seating("A", &[&a, &b]);
        assert_eq!(s.seated, vec![vec![1], vec![2], vec![]]);
    }

    #[test]
    fn a_damaged_file_is_refused_naming_the_file_and_the_fault() {
        let dir = tempfile::tempdir().unwrap();
        assert!(TransitTrips::read(dir.path()).unwrap().is_none(), "no file: no plan");
        std::fs::write(dir.path().join("transit.json"), &PLAN[..PLAN.len() / 2]).unwrap();
        let e = TransitTrips::read(dir.path()).unwrap_err();
        assert!(e.contains("transit.json") && e.contains("not a transit plan"), "{e}");
        let over = PLAN.replace("\"people\": 50", "\"people\": 51");
        std::fs::write(dir.path().join("transit.json"), over).unwrap();
        let e = TransitTrips::read(dir.path()).unwrap_err();
        assert!(
            e.contains("transit.json") && e.contains("vehicle 1 (\"bus-1\"), trip 2: 51 people on 50 seats"),
            "{e}"
        );
        let twice = PLAN.replace("\"bus-2\"", "\"bus-1\"");
        let e = TransitTrips::parse(&twice).unwrap_err();
        assert!(e.contains("vehicle 2 (\"bus-1\"): the id is used twice"), "{e}");
        let nan = PLAN.replace("\"at_s\": 900", "\"at_s\": -1");
        assert!(TransitTrips::parse(&nan).unwrap_err().contains("trip 1: a time is negative"));
    }
}
