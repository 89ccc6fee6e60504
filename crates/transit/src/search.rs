//! Large-neighbourhood search on whole plans: ruin (take trips out of vehicles, their people
//! back to the pickup points) and recreate (rebuild full trips from what is left and insert
//! each where its vehicle finishes soonest), accepted by simulated annealing on the
//! completion time with the vehicles' finishing times as a tie-break. A second phase keeps
//! the best completion as a cap and empties vehicles, then shortens vehicle-hours and the
//! time people wait at pickup points near the hazard.
//!
//! Why insertion is O(1) per position: trips have no time windows (only train runs, settled
//! after every change), so the time a vehicle needs for its trips from position k on depends
//! on where it stands before them, not on when; a vehicle's route keeps its start times and
//! its tail durations, and a candidate position is priced from those two numbers.

use crate::problem::{Dropoff, Stop, TransitPlan, TransitProblem, Trip};
use std::time::{Duration, Instant};

/// What the search optimises, in order (smaller is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub unserved: u32,
    pub completion_s: f64,
    pub vehicles: usize,
    pub vehicle_s: f64,
    /// Person-seconds waited at pickup points inside the zone, weighted by nearness to the
    /// hazard (1 at the zone's edge, 2 at the hazard).
    pub exposure: f64,
}

impl Score {
    /// Completion times within half a second are equal (plans are printed to the second).
    pub fn better_than(&self, o: &Score) -> bool {
        if self.unserved != o.unserved {
            return self.unserved < o.unserved;
        }
        if (self.completion_s - o.completion_s).abs() > 0.5 {
            return self.completion_s < o.completion_s;
        }
        if self.vehicles != o.vehicles {
            return self.vehicles < o.vehicles;
        }
        self.secondary() < o.secondary() - 1e-6
    }

    /// Vehicle-seconds plus exposure at a small price: waiting less is bought only when it
    /// costs few vehicle-minutes.
    fn secondary(&self) -> f64 {
        self.vehicle_s + EXPOSURE_PRICE * self.exposure
    }
}

/// Vehicle-seconds paid for one person-second less of waiting near the hazard.
const EXPOSURE_PRICE: f64 = 0.02;

/// Settle train bookings: every trip that ends at a station takes the earliest departure at
/// least the transfer time after it arrives that still has room (in arrival order).
pub(crate) fn settle_trains(p: &TransitProblem, routes: &mut [Vec<Trip>]) {
    if p.trains.is_empty() {
        return;
    }
    let mut bookings: Vec<(f64, usize, usize)> = Vec::new();
    for (v, r) in routes.iter().enumerate() {
        for (k, t) in r.iter().enumerate() {
            if matches!(t.dropoff, Dropoff::Train { .. }) {
                bookings.push((t.arrive_s, v, k));
            }
        }
    }
    bookings.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut booked: Vec<Vec<u32>> = vec![Vec::new(); p.trains.len()];
    for (arrive, v, k) in bookings {
        let trip = &mut routes[v][k];
        let Dropoff::Train { train, .. } = trip.dropoff else { continue };
        let tr = &p.trains[train];
        let ready = arrive + p.transfer_s;
        let mut n = if ready <= tr.first_departure_s {
            0
        } else {
            ((ready - tr.first_departure_s) / tr.period_s).ceil() as usize
        };
        let people = trip.people();
        while booked[train].get(n).copied().unwrap_or(0) + people > tr.capacity {
            n += 1;
        }
        if booked[train].len() <= n {
            booked[train].resize(n + 1, 0);
        }
        booked[train][n] += people;
        let depart_s = tr.first_departure_s + n as f64 * tr.period_s;
        trip.dropoff = Dropoff::Train { train, depart_s };
        trip.safe_s = (depart_s + tr.travel_s).max(trip.arrive_s);
    }
}

/// The score of a timed plan.
pub(crate) fn score(p: &TransitProblem, routes: &[Vec<Trip>], unserved: u32, closeness: &[f64]) -> Score {
    let mut s = Score { unserved, completion_s: 0.0, vehicles: 0, vehicle_s: 0.0, exposure: 0.0 };
    for r in routes {
        let (Some(first), Some(last)) = (r.first(), r.last()) else { continue };
        s.vehicles += 1;
        s.vehicle_s += last.arrive_s - first.leave_s;
        for t in r {
            s.completion_s = s.completion_s.max(t.safe_s);
            for st in &t.stops {
                if p.pickups[st.pickup].in_zone {
                    s.exposure += f64::from(st.mobile + st.immobile) * st.at_s * (1.0 + closeness[st.pickup]);
                }
            }
        }
    }
    s
}

/// A trip before it is timed: its stops, drop-off and the time from arriving at its first
/// pickup point to arriving at the drop-off.
#[derive(Clone)]
struct Draft {
    stops: Vec<Stop>,
    dropoff: Dropoff,
    drop_site: usize,
    inner_s: f64,
    people: u32,
}

/// What a draft depends on: the vehicle's kind and seats, people who cannot walk only, the
/// train whose station it ends at.
type DraftKey = (evac_model::VehicleKind, u32, bool, Option<usize>);

struct Search<'a> {
    p: &'a TransitProblem,
    routes: Vec<Vec<Trip>>,
    mobile: Vec<u32>,
    immobile: Vec<u32>,
    beds: Vec<u32>,
    /// Nearest centre time from each pickup (the detour rule's reference).
    ride: Vec<f64>,
    closeness: Vec<f64>,
    rng: u64,
}

impl<'a> Search<'a> {
    fn rand(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
    fn unit(&mut self) -> f64 {
        (self.rand() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.rand() % n.max(1) as u64) as usize
    }

    fn drop_site(&self, d: &Dropoff) -> usize {
        match *d {
            Dropoff::Centre(c) => self.p.centres[c].site,
            Dropoff::Train { train, .. } => self.p.trains[train].station_site,
        }
    }

    fn unload_s(&self, people: u32) -> f64 {
        self.p.stop_s + self.p.per_person_s * f64::from(people)
    }

    /// Take a trip out: its people go back to their pickup points, its beds are freed.
    fn give_back(&mut self, t: &Trip) {
        for s in &t.stops {
            self.mobile[s.pickup] += s.mobile;
            self.immobile[s.pickup] += s.immobile;
        }
        let dest = match t.dropoff {
            Dropoff::Centre(c) => c,
            Dropoff::Train { train, .. } => self.p.trains[train].destination,
        };
        self.beds[dest] += t.people();
    }

    fn retime_all(&mut self, vehicles: &[usize]) {
        for &v in vehicles {
            let mut r = std::mem::take(&mut self.routes[v]);
            self.p.retime(v, &mut r);
            self.routes[v] = r;
        }
        settle_trains(self.p, &mut self.routes);
    }

    fn unserved(&self) -> u32 {
        self.mobile.iter().sum::<u32>() + self.immobile.iter().sum::<u32>()
    }

    fn score(&self) -> Score {
        score(self.p, &self.routes, self.unserved(), &self.closeness)
    }

    /// The trip vehicle `v` would make starting at pickup `i` from the people left:
    /// immobile first, mobile in the remaining seats (unless `imm_only`), top-ups at other
    /// points on the way within the detour limit, and the drop-off (`station` = that
    /// train's station instead of the nearest centre with beds).
    fn draft(&self, v: usize, i: usize, imm_only: bool, station: Option<usize>) -> Option<Draft> {
        let p = self.p;
        let veh = &p.vehicles[v];
        let mut seats = veh.seats;
        let mut stops: Vec<Stop> = Vec::new();
        let mut here = p.pickups[i].site;
        let mut inner = 0.0;
        let mut at = i;
        let first_ride = self.ride[i];
        let mut driven = 0.0;
        let (mut taken_m, mut taken_i) = (0u32, 0u32);
        loop {
            let imm = if veh.kind.carries_immobile() { self.immobile[at].min(seats) } else { 0 };
            let mob = if veh.kind.carries_mobile() && !imm_only { self.mobile[at].min(seats - imm) } else { 0 };
            if imm + mob == 0 {
                break;
            }
            seats -= imm + mob;
            taken_m += mob;
            taken_i += imm;
            inner += p.stop_s + p.per_person_s * f64::from(imm * 3 + mob);
            stops.push(Stop { pickup: at, mobile: mob, immobile: imm, at_s: 0.0 });
            if !p.multi_stop || seats == 0 {
                break;
            }
            // Top up at the point that adds the least driving, within the detour limit
            // (measured against driving from the first point straight to its nearest centre).
            let mut best: Option<(f64, usize)> = None;
            for (j, pk) in p.pickups.iter().enumerate() {
                if stops.iter().any(|s| s.pickup == j) {
                    continue;
                }
                let has = (veh.kind.carries_immobile() && self.immobile[j] > 0)
                    || (veh.kind.carries_mobile() && !imm_only && self.mobile[j] > 0);
                if !has {
                    continue;
                }
                let hop = p.times.get(here, pk.site);
                if driven + hop + self.ride[j] - first_ride <= p.max_detour_s && best.is_none_or(|b| hop < b.0) {
                    best = Some((hop, j));
                }
            }
            let Some((hop, j)) = best else { break };
            driven += hop;
            inner += hop;
            here = p.pickups[j].site;
            at = j;
        }
        if stops.is_empty() {
            return None;
        }
        let people = taken_m + taken_i;
        let (dropoff, drop_site, drive) = match station {
            Some(k) if taken_i == 0 => {
                let tr = &p.trains[k];
                let dt = p.times.get(here, tr.station_site);
                if !dt.is_finite() || self.beds[tr.destination] < people {
                    return None;
                }
                (Dropoff::Train { train: k, depart_s: 0.0 }, tr.station_site, dt)
            }
            Some(_) => return None,
            None => {
                let (c, dt) = p
                    .centres
                    .iter()
                    .enumerate()
                    .filter(|(c, _)| self.beds[*c] >= people)
                    .map(|(c, ce)| (c, p.times.get(here, ce.site)))
                    .filter(|(_, t)| t.is_finite())
                    .min_by(|a, b| a.1.total_cmp(&b.1))?;
                (Dropoff::Centre(c), p.centres[c].site, dt)
            }
        };
        if driven + drive - first_ride > p.max_detour_s + 1e-6 && stops.len() > 1 {
            return None;
        }
        Some(Draft { stops, dropoff, drop_site, inner_s: inner + drive, people })
    }

    /// When a draft leaving `from` at `t` reaches its drop-off, on the traffic's times
    /// (the same steps as [`TransitProblem::retime`]).
    fn arrive_in_traffic(&self, d: &Draft, from: usize, t: f64) -> f64 {
        let p = self.p;
        let (mut clock, mut at) = (t, from);
        for s in &d.stops {
            let site = p.pickups[s.pickup].site;
            clock += p.times.get_at(at, site, clock);
            at = site;
            clock += p.stop_s + p.per_person_s * f64::from(s.immobile * 3 + s.mobile);
        }
        clock + p.times.get_at(at, d.drop_site, clock)
    }

    /// Best (score, vehicle, position) for a draft made for each able vehicle, with
    /// `cap`: positions that would finish a vehicle later are skipped (phase two).
    fn insert_one(&mut self, i: usize, imm: bool, bias: f64, cap: Option<f64>, open_penalty: f64) -> bool {
        let p = self.p;
        let mut best: Option<(f64, usize, usize, Draft)> = None;
        let stations: Vec<Option<usize>> = std::iter::once(None).chain((0..p.trains.len()).map(Some)).collect();
        // A draft depends on the vehicle's kind and seats only: made once per class.
        let mut drafts: Vec<(DraftKey, Option<Draft>)> = Vec::new();
        for v in 0..p.vehicles.len() {
            let kind = p.vehicles[v].kind;
            if imm && !kind.carries_immobile() || !imm && !kind.carries_mobile() {
                continue;
            }
            let variants: &[bool] = if imm && kind.carries_mobile() { &[true, false] } else { &[false] };
            let route = &self.routes[v];
            let n = route.len();
            // Start time and place before each position.
            let mut start = Vec::with_capacity(n + 1);
            let mut place = Vec::with_capacity(n + 1);
            let (mut free, mut at) = (0.0, p.vehicles[v].depot_site);
            for t in route {
                start.push(free);
                place.push(at);
                at = self.drop_site(&t.dropoff);
                free = t.arrive_s + self.unload_s(t.people());
            }
            start.push(free);
            place.push(at);
            let finish = route.last().map_or(0.0, |t| t.arrive_s);
            let old_busy = route.first().map_or(0.0, |_| finish);
            for &imm_only in variants {
                for &st in &stations {
                    if st.is_some() && imm {
                        continue;
                    }
                    let key = (kind, p.vehicles[v].seats, imm_only, st);
                    let d = match drafts.iter().find(|x| x.0 == key) {
                        Some(x) => x.1.clone(),
                        None => {
                            let d = self.draft(v, i, imm_only, st);
                            drafts.push((key, d.clone()));
                            d
                        }
                    };
                    let Some(d) = d else { continue };
                    if imm && d.stops[0].immobile == 0 || !imm && d.stops[0].mobile == 0 {
                        continue;
                    }
                    let first = p.pickups[d.stops[0].pickup].site;
                    for k in 0..=n {
                        let to_first = p.times.get(place[k], first);
                        if !to_first.is_finite() {
                            continue;
                        }
                        let arrive = if p.times.in_traffic() {
                            self.arrive_in_traffic(&d, place[k], start[k])
                        } else {
                            start[k] + to_first + d.inner_s
                        };
                        let new_finish = if k == n {
                            arrive
                        } else {
                            let next_first = p.pickups[route[k].stops[0].pickup].site;
                            let tail = finish - start[k] - p.times.get(place[k], next_first)
                                + p.times.get(d.drop_site, next_first);
                            arrive + self.unload_s(d.people) + tail
                        };
                        if cap.is_some_and(|c| new_finish > c + 1e-6) {
                            continue;
                        }
                        let mut train_wait = 0.0;
                        if let Dropoff::Train { train, .. } = d.dropoff {
                            let tr = &p.trains[train];
                            let ready = arrive + p.transfer_s;
                            let n_dep = ((ready - tr.first_departure_s) / tr.period_s).ceil().max(0.0);
                            train_wait = tr.first_departure_s + n_dep * tr.period_s + tr.travel_s - arrive;
                        }
                        let added = new_finish - old_busy;
                        let mut s = new_finish.max(arrive + train_wait) + bias * added;
                        if cap.is_some() {
                            // Phase two: fewest vehicle-seconds; opening an idle vehicle costs extra.
                            s = added + if n == 0 { open_penalty } else { 0.0 };
                        }
                        if best.as_ref().is_none_or(|b| s < b.0) {
                            best = Some((s, v, k, d.clone()));
                        }
                    }
                }
            }
        }
        let Some((_, v, k, d)) = best else { return false };
        for s in &d.stops {
            self.mobile[s.pickup] -= s.mobile;
            self.immobile[s.pickup] -= s.immobile;
        }
        let dest = match d.dropoff {
            Dropoff::Centre(c) => c,
            Dropoff::Train { train, .. } => p.trains[train].destination,
        };
        self.beds[dest] -= d.people;
        let trip = Trip { leave_s: 0.0, stops: d.stops, dropoff: d.dropoff, arrive_s: 0.0, safe_s: 0.0 };
        self.routes[v].insert(k, trip);
        let mut r = std::mem::take(&mut self.routes[v]);
        p.retime(v, &mut r);
        self.routes[v] = r;
        true
    }

    /// Rebuild trips from everyone left, hardest points first (farthest, people who cannot
    /// walk before the others), each trip where it finishes soonest.
    fn recreate(&mut self, cap: Option<f64>, open_penalty: f64) {
        let bias = 0.3 * self.unit();
        let mut order: Vec<(f64, usize, bool)> = Vec::new();
        for i in 0..self.p.pickups.len() {
            let noise = 0.7 + 0.6 * self.unit();
            if self.immobile[i] > 0 {
                order.push((self.ride[i] * noise + 1e6, i, true));
            }
            if self.mobile[i] > 0 {
                order.push((self.ride[i] * noise, i, false));
            }
        }
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, i, imm) in order {
            loop {
                let left = if imm { self.immobile[i] } else { self.mobile[i] };
                if left == 0 || !self.insert_one(i, imm, bias, cap, open_penalty) {
                    break;
                }
            }
        }
        settle_trains(self.p, &mut self.routes);
    }

    /// Remove trips; returns the vehicles touched.
    fn ruin(&mut self, phase_two: bool) -> Vec<usize> {
        let total: usize = self.routes.iter().map(Vec::len).sum();
        if total == 0 {
            return Vec::new();
        }
        let k = 2 + self.below((total / 8).clamp(2, 30));
        let mut picked: Vec<(usize, usize)> = Vec::new();
        let op = self.below(if phase_two { 5 } else { 4 });
        match op {
            // The vehicle that finishes last: some of its trips, and some random others.
            0 => {
                let crit = (0..self.routes.len())
                    .max_by(|&a, &b| {
                        let fa = self.routes[a].iter().map(|t| t.safe_s).fold(0.0, f64::max);
                        let fb = self.routes[b].iter().map(|t| t.safe_s).fold(0.0, f64::max);
                        fa.total_cmp(&fb)
                    })
                    .unwrap_or(0);
                let n = self.routes[crit].len();
                for _ in 0..(1 + k / 2).min(n) {
                    let t = self.below(n);
                    picked.push((crit, t));
                }
                for _ in 0..k / 2 {
                    let v = self.below(self.routes.len());
                    if !self.routes[v].is_empty() {
                        let t = self.below(self.routes[v].len());
                        picked.push((v, t));
                    }
                }
            }
            // Trips visiting one pickup point.
            1 => {
                let i = self.below(self.p.pickups.len());
                let mut all: Vec<(usize, usize)> = Vec::new();
                for (v, r) in self.routes.iter().enumerate() {
                    for (t, trip) in r.iter().enumerate() {
                        if trip.stops.iter().any(|s| s.pickup == i) {
                            all.push((v, t));
                        }
                    }
                }
                for _ in 0..k.min(all.len()) {
                    let x = self.below(all.len());
                    picked.push(all.swap_remove(x));
                }
            }
            // The last trips of a few vehicles.
            2 => {
                for _ in 0..k {
                    let v = self.below(self.routes.len());
                    let n = self.routes[v].len();
                    if n > 0 {
                        let back = self.below(3.min(n));
                        picked.push((v, n - 1 - back));
                    }
                }
            }
            // A whole vehicle (phase two: try to do without it).
            4 => {
                let used: Vec<usize> = (0..self.routes.len()).filter(|&v| !self.routes[v].is_empty()).collect();
                if !used.is_empty() {
                    // Prefer the least busy vehicles.
                    let v = *used
                        .iter()
                        .min_by(|&&a, &&b| {
                            let la = self.routes[a].last().map_or(0.0, |t| t.arrive_s);
                            let lb = self.routes[b].last().map_or(0.0, |t| t.arrive_s);
                            (la * (0.5 + self.unit_peek(a))).total_cmp(&(lb * (0.5 + self.unit_peek(b))))
                        })
                        .expect("non-empty");
                    picked.extend((0..self.routes[v].len()).map(|t| (v, t)));
                }
            }
            _ => {
                for _ in 0..k {
                    let v = self.below(self.routes.len());
                    if !self.routes[v].is_empty() {
                        let t = self.below(self.routes[v].len());
                        picked.push((v, t));
                    }
                }
            }
        }
        picked.sort_unstable();
        picked.dedup();
        let mut touched: Vec<usize> = picked.iter().map(|x| x.0).collect();
        touched.dedup();
        for &(v, t) in picked.iter().rev() {
            let trip = self.routes[v].remove(t);
            self.give_back(&trip);
        }
        touched
    }

    /// A fixed pseudo-random number per vehicle and iteration (for tie-breaking in ruin).
    fn unit_peek(&self, v: usize) -> f64 {
        let x = self.rng.wrapping_add(v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Closeness to the hazard of each pickup point, 0 (zone edge or outside) to 1.
fn closeness(p: &TransitProblem) -> Vec<f64> {
    p.pickups.iter().map(|pk| if pk.in_zone { pk.closeness.clamp(0.0, 1.0) } else { 0.0 }).collect()
}

/// Improve `start` for at most `budget` or `max_iterations` ruin-and-recreate rounds, and
/// stop early after `patience` rounds without a better plan. Deterministic for a given
/// seed when the iteration limit, not the clock, ends the search.
pub(crate) fn improve(
    p: &TransitProblem,
    start: TransitPlan,
    budget: Duration,
    max_iterations: u64,
    patience: u64,
    seed: u64,
) -> TransitPlan {
    let started = Instant::now();
    if p.vehicles.is_empty() || start.trip_count() == 0 {
        return start;
    }
    let mut mobile = vec![0u32; p.pickups.len()];
    let mut immobile = vec![0u32; p.pickups.len()];
    for &(i, m, im) in &start.unserved {
        mobile[i] += m;
        immobile[i] += im;
    }
    let mut beds: Vec<u32> = p.centres.iter().map(|c| c.capacity).collect();
    for t in start.trips.iter().flatten() {
        let dest = match t.dropoff {
            Dropoff::Centre(c) => c,
            Dropoff::Train { train, .. } => p.trains[train].destination,
        };
        beds[dest] = beds[dest].saturating_sub(t.people());
    }
    let ride = (0..p.pickups.len()).map(|i| p.ride_s(i)).collect();
    let mut s = Search {
        p,
        routes: start.trips.clone(),
        mobile,
        immobile,
        beds,
        ride,
        closeness: closeness(p),
        rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
    };
    let all: Vec<usize> = (0..p.vehicles.len()).collect();
    s.retime_all(&all);
    // The start may leave people unserved that a rebuild can place.
    s.recreate(None, 0.0);
    let mut cur = s.score();
    let mut best = (cur, s.routes.clone(), s.mobile.clone(), s.immobile.clone(), s.beds.clone());
    let energy = |sc: &Score, routes: &[Vec<Trip>]| {
        let spread: f64 = routes.iter().map(|r| r.last().map_or(0.0, |t| t.safe_s)).sum();
        1e7 * f64::from(sc.unserved) + sc.completion_s + 0.02 * spread
    };
    let mut cur_e = energy(&cur, &s.routes);
    let two_at = max_iterations.saturating_mul(2) / 3;
    let mut since_best = 0u64;
    let mut phase_two = false;
    let mut it = 0u64;
    let temp0 = 0.002 * cur.completion_s.max(60.0);
    while it < max_iterations {
        if it.is_multiple_of(16) && started.elapsed() >= budget {
            break;
        }
        // Share of the time budget spent (0 without one: then only the iterations count).
        let elapsed = if budget == Duration::MAX {
            0.0
        } else {
            started.elapsed().as_secs_f64() / budget.as_secs_f64().max(1e-9)
        };
        if !phase_two && (it >= two_at || elapsed >= 0.7 || since_best >= patience) {
            // Phase two: the best completion becomes a cap.
            phase_two = true;
            s.routes = best.1.clone();
            s.mobile = best.2.clone();
            s.immobile = best.3.clone();
            s.beds = best.4.clone();
            cur = best.0;
            since_best = 0;
        } else if phase_two && since_best >= patience {
            break;
        }
        it += 1;
        since_best += 1;
        let saved = (s.routes.clone(), s.mobile.clone(), s.immobile.clone(), s.beds.clone());
        let touched = s.ruin(phase_two);
        s.retime_all(&touched);
        if phase_two {
            let cap = best.0.completion_s;
            s.recreate(Some(cap), 2.0 * cap);
        } else {
            s.recreate(None, 0.0);
        }
        let sc = s.score();
        let accept = if phase_two {
            // Never lose completion or people; take equal-or-better secondary figures, and
            // slightly worse ones now and then to move on.
            sc.unserved <= best.0.unserved
                && sc.completion_s <= best.0.completion_s + 0.5
                && (sc.vehicles < cur.vehicles
                    || sc.vehicles == cur.vehicles && sc.secondary() <= cur.secondary() * (1.0 + 0.002 * s.unit()))
        } else {
            let e = energy(&sc, &s.routes);
            let frac = (it as f64 / two_at.max(1) as f64).max(elapsed / 0.7).min(1.0);
            let temp = temp0 * (1.0 - frac) + 1e-3;
            e <= cur_e || s.unit() < (-(e - cur_e) / temp).exp()
        };
        if accept {
            cur = sc;
            if !phase_two {
                cur_e = energy(&sc, &s.routes);
            }
            if sc.better_than(&best.0) {
                best = (sc, s.routes.clone(), s.mobile.clone(), s.immobile.clone(), s.beds.clone());
                since_best = 0;
            }
        } else {
            (s.routes, s.mobile, s.immobile, s.beds) = saved;
        }
    }
    if std::env::var_os("EVAC_TRANSIT_TRACE").is_some() {
        eprintln!("search: {it} rounds in {:.1} s, best {:?}", started.elapsed().as_secs_f64(), best.0);
    }
    let (_, mut trips, mobile, immobile, _) = best;
    for (v, r) in trips.iter_mut().enumerate() {
        p.retime(v, r);
    }
    settle_trains(p, &mut trips);
    let unserved =
        (0..p.pickups.len()).filter(|&i| mobile[i] + immobile[i] > 0).map(|i| (i, mobile[i], immobile[i])).collect();
    TransitPlan { trips, unserved }
}
