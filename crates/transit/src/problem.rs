//! Transit evacuation: buses, minibuses, ambulances and trains for the people without cars
//! (the bus evacuation problem, Bish 2011: minimise the time the last person is safe).
//!
//! Heuristic: list scheduling. Whenever a vehicle becomes free (at its depot at the start,
//! or where it dropped its last passengers), it is sent to the pickup point with the most
//! remaining work per vehicle already on its way (remaining trips x cycle time), loads as
//! many as fit, may top up at nearby pickup points on the way (multi-stop, bounded detour),
//! and drops them where they are safe soonest: a reception centre with beds left, or a
//! railway station whose next train still has room. Ambulances carry people who cannot
//! walk; accessible vehicles carry them first and others in the remaining seats.
//!
//! Lower bound: the largest of (a) the farthest pickup's earliest possible service (nearest
//! suitable depot -> pickup -> nearest safe place), and (b) for each group of people
//! (walking / not walking), the person-minutes of riding they need at least, divided by the
//! seats that can carry them.

use evac_model::VehicleKind;
use serde::Serialize;

/// Default timings: a stop (doors, marshalling), boarding per person, the longest top-up
/// detour, and the transfer from bus to train, seconds.
pub const STOP_S: f64 = 300.0;
pub const PER_PERSON_S: f64 = 4.0;
pub const MAX_DETOUR_S: f64 = 900.0;
pub const TRANSFER_S: f64 = 600.0;

/// How much later than by road passengers may reach safety by train, when the train frees
/// the vehicle sooner, seconds.
const TRAIN_SLACK_S: f64 = 1800.0;

/// Travel times between sites (seconds; infinite where there is no road).
#[derive(Debug, Clone)]
pub struct Times {
    /// Free-flow times: the lower bound and the planner's estimates use these.
    pub seconds: Vec<Vec<f64>>,
    /// In traffic: the times for departures at `k * slot_s` (k = 0, 1, ...); after the last
    /// one the roads are free again. Empty: free flow throughout.
    pub by_departure: Vec<Vec<Vec<f64>>>,
    pub slot_s: f64,
}

impl Times {
    /// Free-flow times only.
    pub fn free_flow(seconds: Vec<Vec<f64>>) -> Times {
        Times { seconds, by_departure: Vec::new(), slot_s: 1.0 }
    }

    /// The free-flow time (never more than the time in traffic).
    pub fn get(&self, a: usize, b: usize) -> f64 {
        self.seconds[a][b]
    }

    /// The time leaving at `t` (interpolated between the computed departures).
    pub fn get_at(&self, a: usize, b: usize, t: f64) -> f64 {
        if self.by_departure.is_empty() {
            return self.seconds[a][b];
        }
        let x = (t / self.slot_s).max(0.0);
        let k = x.floor() as usize;
        let at = |k: usize| self.by_departure.get(k).map_or(self.seconds[a][b], |m| m[a][b]);
        let (t0, t1) = (at(k), at(k + 1));
        if !t0.is_finite() || !t1.is_finite() {
            return t0.max(t1);
        }
        t0 + (t1 - t0) * (x - k as f64)
    }

    /// Whether the times depend on the departure.
    pub fn in_traffic(&self) -> bool {
        !self.by_departure.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pickup {
    pub id: String,
    pub name: String,
    pub site: usize,
    pub mobile: u32,
    pub immobile: u32,
    /// Inside the mandatory zone: people waiting here are exposed until picked up.
    pub in_zone: bool,
    /// Nearness to the hazard, 0 at the zone's edge to 1 at the hazard: the planner picks
    /// up nearer points first when that costs little.
    pub closeness: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TVehicle {
    pub id: String,
    pub kind: VehicleKind,
    pub seats: u32,
    pub depot_site: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TCentre {
    pub id: String,
    pub name: String,
    pub site: usize,
    /// Beds left for transit evacuees.
    pub capacity: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TTrain {
    pub id: String,
    pub station_site: usize,
    pub station_name: String,
    pub capacity: u32,
    pub first_departure_s: f64,
    pub period_s: f64,
    pub travel_s: f64,
    /// Centre index where passengers arrive.
    pub destination: usize,
}

/// How a free vehicle chooses its next pickup point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The most remaining work (trips x cycle time) per vehicle already heading there.
    Workload,
    /// The nearest pickup point with people left.
    Nearest,
    /// The pickup point with the most people left.
    Largest,
    /// The pickup point whose trip would deliver its passengers soonest.
    Completion,
}

#[derive(Debug, Clone)]
pub struct TransitProblem {
    pub site_names: Vec<String>,
    pub times: Times,
    pub pickups: Vec<Pickup>,
    pub vehicles: Vec<TVehicle>,
    pub centres: Vec<TCentre>,
    pub trains: Vec<TTrain>,
    /// Fixed time at each stop (doors, marshalling), seconds.
    pub stop_s: f64,
    /// Boarding or alighting time per person, seconds.
    pub per_person_s: f64,
    /// Allow a vehicle to top up at other pickup points on its way.
    pub multi_stop: bool,
    /// Largest extra driving for a top-up stop, seconds.
    pub max_detour_s: f64,
    /// Minutes between arriving at a station and the train leaving with you.
    pub transfer_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stop {
    pub pickup: usize,
    pub mobile: u32,
    pub immobile: u32,
    /// When the vehicle leaves this pickup point, seconds after the order.
    pub at_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Dropoff {
    Centre(usize),
    /// A train run: (train index, departure, seconds after the order).
    Train {
        train: usize,
        depart_s: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trip {
    pub leave_s: f64,
    pub stops: Vec<Stop>,
    pub dropoff: Dropoff,
    /// When the vehicle reaches the dropoff.
    pub arrive_s: f64,
    /// When its passengers are at a reception centre (train arrival for rail).
    pub safe_s: f64,
}

impl Trip {
    pub fn people(&self) -> u32 {
        self.stops.iter().map(|s| s.mobile + s.immobile).sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TransitPlan {
    /// Trips of each vehicle of `TransitProblem::vehicles`, in order.
    pub trips: Vec<Vec<Trip>>,
    /// People left behind because no vehicle could take them (by pickup).
    pub unserved: Vec<(usize, u32, u32)>,
}

impl TransitPlan {
    /// When the last person is safe, seconds after the order.
    pub fn completion_s(&self) -> f64 {
        self.trips.iter().flatten().map(|t| t.safe_s).fold(0.0, f64::max)
    }
    pub fn people(&self) -> u64 {
        self.trips.iter().flatten().map(|t| u64::from(t.people())).sum()
    }
    pub fn trip_count(&self) -> usize {
        self.trips.iter().map(Vec::len).sum()
    }
    /// Vehicles with at least one trip.
    pub fn vehicles_used(&self) -> usize {
        self.trips.iter().filter(|t| !t.is_empty()).count()
    }
    /// Vehicle-seconds: from leaving the depot to the last arrival, summed over vehicles.
    pub fn vehicle_seconds(&self) -> f64 {
        self.trips.iter().filter_map(|t| Some(t.last()?.arrive_s - t.first()?.leave_s)).sum()
    }
    /// Person-seconds spent waiting at pickup points inside the mandatory zone (from the
    /// order until the vehicle leaves the point).
    pub fn exposure_person_s(&self, p: &TransitProblem) -> f64 {
        self.trips
            .iter()
            .flatten()
            .flat_map(|t| &t.stops)
            .filter(|s| p.pickups[s.pickup].in_zone)
            .map(|s| f64::from(s.mobile + s.immobile) * s.at_s)
            .sum()
    }
}

struct TrainState {
    /// Passengers booked per departure index.
    booked: Vec<u32>,
}

fn nearest_centre(p: &TransitProblem, from: usize, beds: &[u32], need: u32) -> Option<(usize, f64)> {
    p.centres
        .iter()
        .enumerate()
        .filter(|(i, _)| beds[*i] >= need.max(1))
        .map(|(i, c)| (i, p.times.get(from, c.site)))
        .filter(|(_, t)| t.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

impl TransitProblem {
    /// A problem with the standard stop, boarding, detour and transfer times (the consts
    /// of this module) and top-up stops allowed.
    pub fn with_standard_timings(
        site_names: Vec<String>,
        times: Times,
        pickups: Vec<Pickup>,
        vehicles: Vec<TVehicle>,
        centres: Vec<TCentre>,
        trains: Vec<TTrain>,
    ) -> Self {
        TransitProblem {
            site_names,
            times,
            pickups,
            vehicles,
            centres,
            trains,
            stop_s: STOP_S,
            per_person_s: PER_PERSON_S,
            multi_stop: true,
            max_detour_s: MAX_DETOUR_S,
            transfer_s: TRANSFER_S,
        }
    }

    fn can_serve(kind: VehicleKind, mobile: u32, immobile: u32) -> bool {
        (kind.carries_mobile() && mobile > 0) || (kind.carries_immobile() && immobile > 0)
    }

    /// Seconds from a pickup to the nearest centre (for priorities and bounds).
    pub(crate) fn ride_s(&self, pickup: usize) -> f64 {
        let site = self.pickups[pickup].site;
        self.centres.iter().map(|c| self.times.get(site, c.site)).fold(f64::INFINITY, f64::min)
    }

    /// Least driving a vehicle does with people from this pickup: to a centre or a station.
    fn drive_s(&self, pickup: usize) -> f64 {
        let site = self.pickups[pickup].site;
        self.trains.iter().map(|t| self.times.get(site, t.station_site)).fold(self.ride_s(pickup), f64::min)
    }

    /// Least time from leaving this pickup until its people are safe.
    fn safe_after_s(&self, pickup: usize) -> f64 {
        let site = self.pickups[pickup].site;
        self.trains
            .iter()
            .map(|t| self.times.get(site, t.station_site) + self.transfer_s + t.travel_s)
            .fold(self.ride_s(pickup), f64::min)
    }

    /// Plan every trip: the best of the dispatch rules, then of randomised restarts (the
    /// rules' scores perturbed by up to ±40%) until `restarts` runs or `budget` is spent.
    pub fn plan(&self) -> TransitPlan {
        self.plan_within(200, std::time::Duration::from_secs(10))
    }

    pub fn plan_within(&self, restarts: u32, budget: std::time::Duration) -> TransitPlan {
        self.plan_limited(restarts, budget, None)
    }

    /// Plan with a fixed amount of work instead of a time budget: `restarts` randomised
    /// constructions and at most `iterations` search rounds. The same input always gives
    /// the same plan.
    pub fn plan_iterations(&self, restarts: u32, iterations: u64) -> TransitPlan {
        self.plan_limited(restarts, std::time::Duration::MAX, Some(iterations))
    }

    fn plan_limited(&self, restarts: u32, budget: std::time::Duration, iterations: Option<u64>) -> TransitPlan {
        let started = std::time::Instant::now();
        let key = |p: &TransitPlan| (p.unserved.iter().map(|u| u.1 + u.2).sum::<u32>(), p.completion_s());
        let better = |a: &TransitPlan, b: &TransitPlan| {
            let (ka, kb) = (key(a), key(b));
            ka.0 < kb.0 || (ka.0 == kb.0 && ka.1 < kb.1)
        };
        let mut best = self.plan_with(Rule::Workload, 0);
        for rule in [Rule::Nearest, Rule::Largest, Rule::Completion] {
            let p = self.plan_with(rule, 0);
            if better(&p, &best) {
                best = p;
            }
        }
        let rules = [Rule::Workload, Rule::Completion, Rule::Largest];
        // Restarts get a tenth of the budget; the large-neighbourhood search the rest.
        let construct = if iterations.is_some() { budget } else { budget / 10 };
        for seed in 1..=u64::from(restarts) {
            if started.elapsed() > construct {
                break;
            }
            let p = self.improve(self.plan_with(rules[seed as usize % rules.len()], seed));
            if better(&p, &best) {
                best = p;
            }
        }
        let best = self.improve(best);
        let trips = best.trip_count() as u64;
        let rest = budget.saturating_sub(started.elapsed());
        let max_iterations = iterations.unwrap_or(5000 + 5000 * trips);
        crate::search::improve(self, best, rest, max_iterations, 1000 + 100 * trips, 1)
    }

    /// The same trips timed on this problem's travel times (train runs re-booked).
    pub fn retimed(&self, plan: &TransitPlan) -> TransitPlan {
        let mut trips = plan.trips.clone();
        for (v, r) in trips.iter_mut().enumerate() {
            self.retime(v, r);
        }
        crate::search::settle_trains(self, &mut trips);
        TransitPlan { trips, unserved: plan.unserved.clone() }
    }

    /// Re-time a vehicle's trips from the start (same stops, loads and dropoffs).
    pub(crate) fn retime(&self, vehicle: usize, trips: &mut [Trip]) {
        let v = &self.vehicles[vehicle];
        let (mut free, mut at) = (0.0, v.depot_site);
        for trip in trips.iter_mut() {
            trip.leave_s = free;
            let mut clock = free;
            for s in &mut trip.stops {
                clock += self.times.get_at(at, self.pickups[s.pickup].site, clock);
                at = self.pickups[s.pickup].site;
                clock += self.stop_s + self.per_person_s * f64::from(s.immobile * 3 + s.mobile);
                s.at_s = clock;
            }
            let drop = match trip.dropoff {
                Dropoff::Centre(c) => self.centres[c].site,
                Dropoff::Train { train, .. } => self.trains[train].station_site,
            };
            trip.arrive_s = clock + self.times.get_at(at, drop, clock);
            trip.safe_s = match trip.dropoff {
                Dropoff::Centre(_) => trip.arrive_s,
                Dropoff::Train { train, depart_s } => (depart_s + self.trains[train].travel_s).max(trip.arrive_s),
            };
            free = trip.arrive_s + self.stop_s + self.per_person_s * f64::from(trip.people());
            at = drop;
        }
    }

    fn vehicle_done_s(trips: &[Trip]) -> f64 {
        trips.iter().map(|t| t.safe_s).fold(0.0, f64::max)
    }

    fn makespan_of(trips: &[Vec<Trip>]) -> f64 {
        trips.iter().map(|t| Self::vehicle_done_s(t)).fold(0.0, f64::max)
    }

    fn fits(&self, vehicle: usize, trip: &Trip) -> bool {
        let v = &self.vehicles[vehicle];
        v.seats >= trip.people()
            && trip
                .stops
                .iter()
                .all(|s| (s.immobile == 0 || v.kind.carries_immobile()) && (s.mobile == 0 || v.kind.carries_mobile()))
    }

    /// One improving swap or merge of two road trips, if any (small plans only).
    fn swap_or_merge(&self, plan: &mut TransitPlan) -> bool {
        let makespan = Self::makespan_of(&plan.trips);
        let road = |t: &Trip| matches!(t.dropoff, Dropoff::Centre(_));
        let slots: Vec<(usize, usize)> =
            (0..plan.trips.len()).flat_map(|v| (0..plan.trips[v].len()).map(move |i| (v, i))).collect();
        for (x, &(va, ia)) in slots.iter().enumerate() {
            for &(vb, ib) in &slots[x + 1..] {
                let (a, b) = (plan.trips[va][ia].clone(), plan.trips[vb][ib].clone());
                if !road(&a) || !road(&b) {
                    continue;
                }
                // Merge b into a: same single pickup, room in a's vehicle.
                if a.stops.len() == 1 && b.stops.len() == 1 && a.stops[0].pickup == b.stops[0].pickup {
                    let mut merged = a.clone();
                    merged.stops[0].mobile += b.stops[0].mobile;
                    merged.stops[0].immobile += b.stops[0].immobile;
                    if self.fits(va, &merged) {
                        let mut trips = plan.trips.clone();
                        trips[va][ia] = merged;
                        trips[vb].remove(ib);
                        self.retime(va, &mut trips[va]);
                        self.retime(vb, &mut trips[vb]);
                        if Self::makespan_of(&trips) <= makespan + 1e-9 {
                            plan.trips = trips;
                            return true;
                        }
                    }
                }
                // Swap a and b between their vehicles.
                if va != vb && self.fits(va, &b) && self.fits(vb, &a) {
                    let mut trips = plan.trips.clone();
                    trips[va][ia] = b.clone();
                    trips[vb][ib] = a.clone();
                    self.retime(va, &mut trips[va]);
                    self.retime(vb, &mut trips[vb]);
                    if Self::makespan_of(&trips) < makespan - 1e-9 {
                        plan.trips = trips;
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Local search on the makespan: move the last trip of the vehicle that finishes last
    /// to the end of the vehicle where it would finish soonest; on plans of up to 200
    /// trips also swap trips between vehicles and merge trips from the same pickup point;
    /// while that helps. Train trips stay put (their departures are booked).
    pub fn improve(&self, mut plan: TransitPlan) -> TransitPlan {
        if plan.trip_count() <= 200 {
            let mut rounds = 0;
            while rounds < 200 && self.swap_or_merge(&mut plan) {
                rounds += 1;
            }
        }
        for _ in 0..10 * self.vehicles.len().max(1) {
            let Some(critical) = (0..plan.trips.len())
                .max_by(|&a, &b| Self::vehicle_done_s(&plan.trips[a]).total_cmp(&Self::vehicle_done_s(&plan.trips[b])))
            else {
                break;
            };
            let makespan = Self::vehicle_done_s(&plan.trips[critical]);
            let Some(last) = plan.trips[critical].last().cloned() else { break };
            if matches!(last.dropoff, Dropoff::Train { .. }) {
                break;
            }
            let mut rest = plan.trips[critical].clone();
            rest.pop();
            let rest_done = Self::vehicle_done_s(&rest);
            let needs_immobile = last.stops.iter().any(|s| s.immobile > 0);
            let needs_mobile = last.stops.iter().any(|s| s.mobile > 0);
            let mut best: Option<(f64, usize, Vec<Trip>)> = None;
            for v in 0..self.vehicles.len() {
                let veh = &self.vehicles[v];
                if v == critical
                    || veh.seats < last.people()
                    || (needs_immobile && !veh.kind.carries_immobile())
                    || (needs_mobile && !veh.kind.carries_mobile())
                {
                    continue;
                }
                let mut trips = plan.trips[v].clone();
                trips.push(last.clone());
                self.retime(v, &mut trips);
                let done = Self::vehicle_done_s(&trips).max(rest_done);
                if done < makespan - 1e-9 && best.as_ref().is_none_or(|b| done < b.0) {
                    best = Some((done, v, trips));
                }
            }
            let Some((_, v, trips)) = best else { break };
            plan.trips[v] = trips;
            plan.trips[critical] = rest;
        }
        plan
    }

    /// Plan every trip with one dispatch rule; a non-zero `seed` perturbs the scores.
    pub fn plan_with(&self, rule: Rule, seed: u64) -> TransitPlan {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut noise = move || {
            if seed == 0 {
                return 1.0;
            }
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            0.6 + 0.8 * ((state >> 11) as f64 / (1u64 << 53) as f64)
        };
        let mut mobile: Vec<u32> = self.pickups.iter().map(|p| p.mobile).collect();
        let mut immobile: Vec<u32> = self.pickups.iter().map(|p| p.immobile).collect();
        let mut beds: Vec<u32> = self.centres.iter().map(|c| c.capacity).collect();
        let mut trains: Vec<TrainState> = self.trains.iter().map(|_| TrainState { booked: Vec::new() }).collect();
        let mut trips: Vec<Vec<Trip>> = vec![Vec::new(); self.vehicles.len()];
        let mut heading: Vec<u32> = vec![0; self.pickups.len()];
        let mut target: Vec<Option<usize>> = vec![None; self.vehicles.len()];
        // (free at, vehicle, site)
        let mut free: Vec<(f64, usize, usize)> =
            self.vehicles.iter().enumerate().map(|(i, v)| (0.0, i, v.depot_site)).collect();
        let ride: Vec<f64> = (0..self.pickups.len()).map(|i| self.ride_s(i)).collect();
        loop {
            let servable = |kind: VehicleKind, i: usize, mobile: &[u32], immobile: &[u32]| {
                Self::can_serve(kind, mobile[i], immobile[i])
            };
            // Vehicles that still have work they can do, earliest free first.
            free.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let able: Vec<usize> = (0..free.len())
                .filter(|&k| {
                    (0..self.pickups.len()).any(|i| servable(self.vehicles[free[k].1].kind, i, &mobile, &immobile))
                })
                .collect();
            if able.is_empty() {
                break;
            }
            let arrival = |k: usize, i: usize| free[k].0 + self.times.get(free[k].2, self.pickups[i].site);
            // Choose the (vehicle, pickup) pair.
            let mut chosen: Option<(f64, usize, usize)> = None; // (score to minimise, vehicle slot, pickup)
            match rule {
                Rule::Workload | Rule::Largest => {
                    // The pickup with the most work, then the vehicle that reaches it first.
                    let mut best_pickup: Option<(f64, usize)> = None;
                    for i in 0..self.pickups.len() {
                        if !able.iter().any(|&k| servable(self.vehicles[free[k].1].kind, i, &mobile, &immobile))
                            || !ride[i].is_finite()
                        {
                            continue;
                        }
                        let seats = able.iter().map(|&k| self.vehicles[free[k].1].seats).max().unwrap_or(1);
                        let people = mobile[i] + immobile[i];
                        let score = match rule {
                            Rule::Workload => {
                                f64::from(people.div_ceil(seats)) * (2.0 * ride[i] + self.stop_s)
                                    / f64::from(1 + heading[i])
                            }
                            _ => f64::from(people) / f64::from(1 + heading[i]),
                        } * noise();
                        if best_pickup.is_none_or(|b| score > b.0) {
                            best_pickup = Some((score, i));
                        }
                    }
                    if let Some((_, i)) = best_pickup {
                        for &k in &able {
                            if servable(self.vehicles[free[k].1].kind, i, &mobile, &immobile) {
                                let a = arrival(k, i);
                                if a.is_finite() && chosen.is_none_or(|c| a < c.0) {
                                    chosen = Some((a, k, i));
                                }
                            }
                        }
                    }
                }
                Rule::Nearest | Rule::Completion => {
                    // The best pair among the few vehicles free first.
                    for &k in able.iter().take(8) {
                        for (i, &ride_i) in ride.iter().enumerate() {
                            if !servable(self.vehicles[free[k].1].kind, i, &mobile, &immobile) {
                                continue;
                            }
                            let mut score = arrival(k, i);
                            if rule == Rule::Completion {
                                score += ride_i;
                            }
                            score *= noise();
                            if score.is_finite() && chosen.is_none_or(|c| score < c.0) {
                                chosen = Some((score, k, i));
                            }
                        }
                    }
                }
            }
            let Some((_, slot, first)) = chosen else {
                // Nothing reachable by anyone: the rest stays unserved.
                break;
            };
            let (t, vi, at) = free.remove(slot);
            if let Some(old) = target[vi].take() {
                heading[old] -= 1;
            }
            let v = &self.vehicles[vi];
            // Drive, load, maybe top up.
            let mut clock = t + self.times.get(at, self.pickups[first].site);
            let mut here = self.pickups[first].site;
            let mut seats = v.seats;
            let mut stops: Vec<Stop> = Vec::new();
            let mut next = Some(first);
            while let Some(i) = next {
                let take_immobile = if v.kind.carries_immobile() { immobile[i].min(seats) } else { 0 };
                let after = seats - take_immobile;
                let take_mobile = if v.kind.carries_mobile() { mobile[i].min(after) } else { 0 };
                immobile[i] -= take_immobile;
                mobile[i] -= take_mobile;
                seats -= take_immobile + take_mobile;
                clock += self.stop_s + self.per_person_s * f64::from(take_immobile * 3 + take_mobile);
                stops.push(Stop { pickup: i, mobile: take_mobile, immobile: take_immobile, at_s: clock });
                next = None;
                if self.multi_stop && seats > 0 {
                    let direct = ride[i];
                    let mut best_extra = self.max_detour_s;
                    for (j, pk) in self.pickups.iter().enumerate() {
                        if j == i || !Self::can_serve(v.kind, mobile[j], immobile[j]) {
                            continue;
                        }
                        let extra = self.times.get(here, pk.site) + ride[j] - direct;
                        if extra <= best_extra {
                            best_extra = extra;
                            next = Some(j);
                        }
                    }
                    if let Some(j) = next {
                        clock += self.times.get(here, self.pickups[j].site);
                        here = self.pickups[j].site;
                    }
                }
            }
            let people: u32 = stops.iter().map(|s| s.mobile + s.immobile).sum();
            let any_immobile = stops.iter().any(|s| s.immobile > 0);
            // Where are they safe soonest?
            let mut choice: Option<(f64, f64, Dropoff)> = None;
            if let Some((c, dt)) = nearest_centre(self, here, &beds, people) {
                let arrive = clock + dt;
                choice = Some((arrive, arrive, Dropoff::Centre(c)));
            }
            if !any_immobile {
                for (k, train) in self.trains.iter().enumerate() {
                    let dt = self.times.get(here, train.station_site);
                    if !dt.is_finite() || beds[train.destination] < people {
                        continue;
                    }
                    let arrive = clock + dt;
                    let ready = arrive + self.transfer_s;
                    let mut n = if ready <= train.first_departure_s {
                        0
                    } else {
                        ((ready - train.first_departure_s) / train.period_s).ceil() as usize
                    };
                    while trains[k].booked.get(n).copied().unwrap_or(0) + people > train.capacity {
                        n += 1;
                    }
                    let depart = train.first_departure_s + n as f64 * train.period_s;
                    let safe = depart + train.travel_s;
                    // A train frees the vehicle sooner (a short hop to the station): take it
                    // if the passengers are not much later at safety than by road.
                    let better = match &choice {
                        None => true,
                        Some((c_arrive, c_safe, _)) => {
                            safe < *c_safe || (arrive < *c_arrive && safe <= c_safe + TRAIN_SLACK_S)
                        }
                    };
                    if better {
                        choice = Some((arrive, safe, Dropoff::Train { train: k, depart_s: depart }));
                    }
                }
            }
            let Some((arrive, safe, dropoff)) = choice else {
                // No centre has room for this load: give the people back and stop this vehicle.
                for s in &stops {
                    mobile[s.pickup] += s.mobile;
                    immobile[s.pickup] += s.immobile;
                }
                continue;
            };
            match &dropoff {
                Dropoff::Centre(c) => beds[*c] -= people,
                Dropoff::Train { train, depart_s } => {
                    let tr = &self.trains[*train];
                    let n = ((depart_s - tr.first_departure_s) / tr.period_s).round() as usize;
                    let booked = &mut trains[*train].booked;
                    if booked.len() <= n {
                        booked.resize(n + 1, 0);
                    }
                    booked[n] += people;
                    beds[tr.destination] -= people;
                }
            }
            heading[first] += 1;
            target[vi] = Some(first);
            let drop_site = match &dropoff {
                Dropoff::Centre(c) => self.centres[*c].site,
                Dropoff::Train { train, .. } => self.trains[*train].station_site,
            };
            let unload = self.stop_s + self.per_person_s * f64::from(people);
            trips[vi].push(Trip { leave_s: t, stops, dropoff, arrive_s: arrive, safe_s: safe.max(arrive) });
            free.push((arrive + unload, vi, drop_site));
        }
        let unserved = (0..self.pickups.len())
            .filter(|&i| mobile[i] + immobile[i] > 0)
            .map(|i| (i, mobile[i], immobile[i]))
            .collect();
        TransitPlan { trips, unserved }
    }

    /// A lower bound on the completion time, seconds.
    pub fn lower_bound_s(&self) -> f64 {
        let mut reach_bound = 0.0f64;
        for (i, pk) in self.pickups.iter().enumerate() {
            // People who cannot walk go to centres only.
            let ride_mobile = self.safe_after_s(i);
            let ride_immobile = self.ride_s(i);
            for (need, ok, ride) in [
                (pk.mobile, VehicleKind::carries_mobile as fn(VehicleKind) -> bool, ride_mobile),
                (pk.immobile, VehicleKind::carries_immobile, ride_immobile),
            ] {
                if need == 0 {
                    continue;
                }
                let first = self
                    .vehicles
                    .iter()
                    .filter(|v| ok(v.kind))
                    .map(|v| self.times.get(v.depot_site, pk.site))
                    .fold(f64::INFINITY, f64::min);
                reach_bound = reach_bound.max(first + self.stop_s + ride);
            }
        }
        // Fleet workload: the vehicle-time every trip needs at least (the loaded ride, a
        // stop to load and one to unload, boarding, and an empty return before every trip
        // but each vehicle's first), shared among the vehicles that can do it.
        let mut work_bound = 0.0f64;
        let drops: Vec<usize> =
            self.centres.iter().map(|c| c.site).chain(self.trains.iter().map(|t| t.station_site)).collect();
        let min_return = drops
            .iter()
            .flat_map(|&d| self.pickups.iter().map(move |pk| (d, pk.site)))
            .map(|(d, pk)| self.times.get(d, pk))
            .fold(f64::INFINITY, f64::min);
        for ok in [VehicleKind::carries_mobile as fn(VehicleKind) -> bool, VehicleKind::carries_immobile] {
            let is_mobile = ok(VehicleKind::Bus);
            let able: Vec<&TVehicle> = self.vehicles.iter().filter(|v| ok(v.kind)).collect();
            let Some(max_seats) = able.iter().map(|v| v.seats).max() else { continue };
            let people_at = |pk: &Pickup| if is_mobile { pk.mobile } else { pk.immobile };
            let people: u32 = self.pickups.iter().map(people_at).sum();
            if people == 0 {
                continue;
            }
            let trips = people.div_ceil(max_seats);
            let riding: f64 = self
                .pickups
                .iter()
                .enumerate()
                .map(|(i, pk)| {
                    f64::from(people_at(pk)) / f64::from(max_seats)
                        * if is_mobile { self.drive_s(i) } else { self.ride_s(i) }
                })
                .sum();
            // A vehicle's last unloading may end after the last person is safe: not counted.
            let n = able.len() as f64;
            let boarding = (f64::from(people) * self.per_person_s * if is_mobile { 2.0 } else { 4.0 }
                - n * f64::from(max_seats) * self.per_person_s)
                .max(0.0);
            let stops = (2.0 * f64::from(trips) - n).max(0.0) * self.stop_s;
            // Every visit to a pickup point but a vehicle's first starts where it dropped
            // people or at another pickup point (multi-stop): at least the shortest drive from
            // either. The vehicles' first visits are taken from the longest of these drives.
            let mut to_pickup: Vec<f64> = Vec::new();
            for (i, pk) in self.pickups.iter().enumerate() {
                let back = drops
                    .iter()
                    .copied()
                    .chain(self.pickups.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, o)| o.site))
                    .map(|d| self.times.get(d, pk.site))
                    .fold(f64::INFINITY, f64::min);
                let n = (f64::from(people_at(pk)) / f64::from(max_seats)).ceil() as usize;
                to_pickup.extend(std::iter::repeat_n(if back.is_finite() { back } else { 0.0 }, n));
            }
            to_pickup.sort_by(|a, b| b.total_cmp(a));
            let returns: f64 = to_pickup.iter().skip(able.len()).sum::<f64>().min(
                f64::from(trips.saturating_sub(able.len() as u32))
                    * if min_return.is_finite() { min_return } else { 0.0 }
                    + to_pickup.iter().skip(able.len()).sum::<f64>(),
            );
            work_bound = work_bound.max((riding + boarding + stops + returns) / able.len() as f64);
            // Seat throughput: a vehicle's trips after its first each take at least a full
            // cycle (two stops, the shortest drive, the shortest return), and it carries at
            // most its seats per trip; so everyone needs at least
            // first trip + cycle x (people / seats - 1).
            let seats: u32 = able.iter().map(|v| v.seats).sum();
            let shortest_drive = (0..self.pickups.len())
                .filter(|&i| people_at(&self.pickups[i]) > 0)
                .map(|i| if is_mobile { self.drive_s(i) } else { self.ride_s(i) })
                .fold(f64::INFINITY, f64::min);
            let first = able
                .iter()
                .flat_map(|v| self.pickups.iter().filter(|pk| people_at(pk) > 0).map(move |pk| (v.depot_site, pk.site)))
                .map(|(d, pk)| self.times.get(d, pk))
                .fold(f64::INFINITY, f64::min);
            let cycle = 2.0 * self.stop_s + shortest_drive + if min_return.is_finite() { min_return } else { 0.0 };
            let rounds = f64::from(people) / f64::from(seats) - 1.0;
            if rounds > 0.0 && cycle.is_finite() && first.is_finite() {
                work_bound = work_bound.max(first + self.stop_s + shortest_drive + cycle * rounds.floor());
            }
        }
        reach_bound.max(work_bound).max(crate::bound::fleet_lp_bound_s(self, crate::bound::Groups::Both))
    }

    /// The fleet-work bound of each group alone: (people who cannot walk, people who can).
    pub fn group_bounds_s(&self) -> (f64, f64) {
        (
            crate::bound::fleet_lp_bound_s(self, crate::bound::Groups::Immobile),
            crate::bound::fleet_lp_bound_s(self, crate::bound::Groups::Mobile),
        )
    }
}

/// Exact minimum completion time by branch and bound, for small instances with single-stop
/// trips, centres without bed limits and no trains (used to test the heuristic).
pub fn exact_small(p: &TransitProblem) -> f64 {
    fn search(p: &TransitProblem, free: &mut Vec<(f64, usize)>, left: &mut Vec<u32>, current: f64, best: &mut f64) {
        if left.iter().all(|&l| l == 0) {
            *best = best.min(current);
            return;
        }
        // Bound: every pickup with people left needs at least one more ride.
        let mut bound = current;
        for (i, &l) in left.iter().enumerate() {
            if l > 0 {
                let soonest =
                    free.iter().map(|&(t, at)| t + p.times.get(at, p.pickups[i].site)).fold(f64::INFINITY, f64::min);
                bound = bound.max(soonest + p.stop_s + p.ride_s(i));
            }
        }
        if bound >= *best {
            return;
        }
        for v in 0..free.len() {
            for i in 0..left.len() {
                if left[i] == 0 {
                    continue;
                }
                let (t, at) = free[v];
                let veh = &p.vehicles[v];
                let take = left[i].min(veh.seats);
                let loaded = t + p.times.get(at, p.pickups[i].site) + p.stop_s + p.per_person_s * f64::from(take);
                let (c, dt) = p
                    .centres
                    .iter()
                    .enumerate()
                    .map(|(c, ce)| (c, p.times.get(p.pickups[i].site, ce.site)))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .expect("centres");
                let arrive = loaded + dt;
                left[i] -= take;
                let saved = free[v];
                free[v] = (arrive + p.stop_s + p.per_person_s * f64::from(take), p.centres[c].site);
                search(p, free, left, current.max(arrive), best);
                free[v] = saved;
                left[i] += take;
            }
        }
    }
    let mut free: Vec<(f64, usize)> = p.vehicles.iter().map(|v| (0.0, v.depot_site)).collect();
    let mut left: Vec<u32> = p.pickups.iter().map(|pk| pk.mobile).collect();
    let mut best = f64::INFINITY;
    search(p, &mut free, &mut left, 0.0, &mut best);
    best
}
