//! The fleet-work lower bound: a linear program over trips that counts each vehicle's own
//! seats, stop and boarding times and the driving no trip can avoid.
//!
//! Why it is valid. Every trip starts where the vehicle's previous trip ended (a centre or a
//! station; its depot for the first), visits one or more pickup points and ends at a centre
//! (or a station, if it carries no one who cannot walk). Travel times are shortest-path
//! times, so they obey the triangle inequality, and a trip that visits pickup point `j`
//! drives at least `r_j` = (shortest drive from any drop-off place to `j`) + (shortest drive
//! from `j` to a place where its passengers may be dropped). A trip therefore costs at
//! least `r_f` for its costliest point `f`, plus a stop to load, a stop to unload (not after
//! a vehicle's last trip) and each passenger's boarding and alighting. People at points
//! costing at least `θ` can only ride trips costing at least `θ`: one covering row per
//! threshold and group. The vehicles of a class (same kind and seats) share
//! `vehicles × T` of time; trips are counted fractionally (passengers / seats), which only
//! lowers the bound. `T` minimised over that program is a lower bound on the completion.
//!
//! The program is solved through its dual (a packing program whose slack basis is
//! feasible, [`crate::lp::maximize`]); any dual-feasible point is a valid bound, so the
//! solution is made exactly feasible before its value is used.

use crate::problem::TransitProblem;
use evac_model::VehicleKind;

/// Pickup-point cost levels kept apart in the program (more are merged into this many
/// buckets, each priced at its cheapest member: still a valid bound).
const MAX_LEVELS: usize = 48;

/// Which groups of people the bound counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Groups {
    Both,
    /// People who cannot walk only.
    Immobile,
    /// People who can walk only.
    Mobile,
}

/// Cost levels of one kind of trip: each pickup's level, and each level's (lowest) cost.
struct Levels {
    of: Vec<Option<usize>>,
    cost: Vec<f64>,
}

fn levels(r: &[f64], used: &[bool]) -> Levels {
    let mut vals: Vec<f64> = r.iter().zip(used).filter(|(v, u)| **u && v.is_finite()).map(|(v, _)| *v).collect();
    vals.sort_by(|a, b| b.total_cmp(a));
    vals.dedup();
    // Bucket boundaries: level k holds costs in (cost[k+1], cost[k - 1]] priced at cost[k].
    let cost: Vec<f64> = if vals.len() <= MAX_LEVELS {
        vals
    } else {
        let n = vals.len();
        let mut c: Vec<f64> = (0..MAX_LEVELS).map(|k| vals[((k + 1) * n / MAX_LEVELS).min(n) - 1]).collect();
        c.dedup();
        c
    };
    let of = r
        .iter()
        .zip(used)
        .map(|(v, u)| {
            if !*u || !v.is_finite() {
                return None;
            }
            // The most expensive level not above this cost (costs are descending).
            cost.iter().position(|c| *c <= *v)
        })
        .collect();
    Levels { of, cost }
}

/// The bound, seconds (0 when nobody in the chosen groups needs a ride).
pub fn fleet_lp_bound_s(p: &TransitProblem, groups: Groups) -> f64 {
    let count_imm = groups != Groups::Mobile;
    let count_mob = groups != Groups::Immobile;
    let centre_sites: Vec<usize> = p.centres.iter().map(|c| c.site).collect();
    let drop_sites: Vec<usize> = centre_sites.iter().copied().chain(p.trains.iter().map(|t| t.station_site)).collect();
    let min_over = |it: &mut dyn Iterator<Item = f64>| it.fold(f64::INFINITY, f64::min);
    let back: Vec<f64> =
        p.pickups.iter().map(|pk| min_over(&mut drop_sites.iter().map(|&a| p.times.get(a, pk.site)))).collect();
    let fwd_imm: Vec<f64> =
        p.pickups.iter().map(|pk| min_over(&mut centre_sites.iter().map(|&c| p.times.get(pk.site, c)))).collect();
    let fwd_mob: Vec<f64> =
        p.pickups.iter().map(|pk| min_over(&mut drop_sites.iter().map(|&c| p.times.get(pk.site, c)))).collect();
    let r_imm: Vec<f64> = back.iter().zip(&fwd_imm).map(|(a, b)| a + b).collect();
    let r_mob: Vec<f64> = back.iter().zip(&fwd_mob).map(|(a, b)| a + b).collect();
    let need_imm: Vec<u32> = p.pickups.iter().map(|pk| if count_imm { pk.immobile } else { 0 }).collect();
    let need_mob: Vec<u32> = p.pickups.iter().map(|pk| if count_mob { pk.mobile } else { 0 }).collect();
    let any: Vec<bool> = need_imm.iter().zip(&need_mob).map(|(a, b)| a + b > 0).collect();
    let li = levels(&r_imm, &any);
    let lm = levels(&r_mob, &need_mob.iter().map(|&m| m > 0).collect::<Vec<_>>());
    // Covering rows (the dual's variables u): immobile per imm level, mobile per mob level.
    let mut demand: Vec<f64> = Vec::new();
    let imm_rows: Vec<usize> = (0..li.cost.len())
        .map(|k| {
            demand.push(
                (0..p.pickups.len())
                    .filter(|&j| li.of[j].is_some_and(|l| l <= k))
                    .map(|j| f64::from(need_imm[j]))
                    .sum(),
            );
            demand.len() - 1
        })
        .collect();
    // For mobile row k: the people at points of mob level <= k, and the cheapest imm level
    // any of them has (a trip that ends at a centre and carries them costs at least that).
    let mut mob_rows: Vec<(usize, usize)> = Vec::new();
    for k in 0..lm.cost.len() {
        let members: Vec<usize> = (0..p.pickups.len()).filter(|&j| lm.of[j].is_some_and(|l| l <= k)).collect();
        demand.push(members.iter().map(|&j| f64::from(need_mob[j])).sum());
        let worst_imm = members.iter().filter_map(|&j| li.of[j]).max().unwrap_or(0);
        mob_rows.push((demand.len() - 1, worst_imm));
    }
    if demand.iter().all(|&d| d <= 0.0) {
        return 0.0;
    }
    // Vehicle classes: (kind, seats) -> count, and the sum of the members' head starts on
    // their first trip (a depot nearer a pickup than any drop-off place; never a delay, to
    // stay valid). A class's time is the sum of its members' times: depots need no class
    // of their own.
    let mut classes: Vec<(VehicleKind, u32, f64, u32)> = Vec::new();
    for v in &p.vehicles {
        let head = (0..p.pickups.len())
            .filter(|&j| any[j] && back[j].is_finite())
            .map(|j| p.times.get(v.depot_site, p.pickups[j].site) - back[j])
            .fold(0.0f64, f64::min);
        match classes.iter_mut().find(|c| c.0 == v.kind && c.1 == v.seats) {
            Some(c) => {
                c.2 += head;
                c.3 += 1;
            }
            None => classes.push((v.kind, v.seats, head, 1)),
        }
    }
    let board_imm = 3.0 * p.per_person_s;
    let board_mob = p.per_person_s;
    let alight = p.per_person_s;
    let nc = classes.len();
    let nu = demand.len();
    // Dual variables: w_c (nc), u_k (nu). Columns of the primal (people of a group on trips
    // of a kind and level in a class) are the dual's rows.
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut class_k: Vec<f64> = Vec::new();
    for (ci, &(kind, seats, head, m)) in classes.iter().enumerate() {
        class_k.push(f64::from(m) * (p.stop_s + alight * f64::from(seats)) - head);
        if seats == 0 {
            continue;
        }
        let per_trip = |level_cost: f64| (level_cost + 2.0 * p.stop_s) / f64::from(seats);
        let mut push = |cost: f64, covers: Vec<usize>| {
            let mut row = vec![0.0; nc + nu];
            row[ci] = -cost;
            for k in covers {
                row[nc + k] = 1.0;
            }
            rows.push(row);
        };
        if kind.carries_immobile() {
            for (l, &c) in li.cost.iter().enumerate() {
                // Immobile riders on a centre trip of level l cover imm rows l..
                push(per_trip(c) + board_imm + alight, imm_rows[l..].to_vec());
                if kind.carries_mobile() {
                    let covers = mob_rows.iter().filter(|(_, worst)| l <= *worst).map(|(r, _)| *r).collect();
                    push(per_trip(c) + board_mob + alight, covers);
                }
            }
        }
        if kind.carries_mobile() {
            for (l, &c) in lm.cost.iter().enumerate() {
                push(per_trip(c) + board_mob + alight, mob_rows[l..].iter().map(|(r, _)| *r).collect());
            }
        }
    }
    // The T column: sum of vehicles x w <= 1.
    let mut t_row = vec![0.0; nc + nu];
    for (ci, c) in classes.iter().enumerate() {
        t_row[ci] = f64::from(c.3);
    }
    rows.push(t_row);
    let mut b = vec![0.0; rows.len()];
    *b.last_mut().expect("t row") = 1.0;
    let mut obj: Vec<f64> = class_k.iter().map(|k| -k).collect();
    obj.extend(&demand);
    // A group nobody can carry has no column covering it: its u would be unbounded; the
    // plan leaves those people unserved and the bound ignores them.
    for k in 0..nu {
        if !rows.iter().any(|r| r[nc + k] > 0.0) {
            obj[nc + k] = 0.0;
        }
    }
    let mut sol = crate::lp::maximize(&obj, &rows, &b);
    // Make the point exactly feasible. The column rows are homogeneous in (w, u): raise each
    // w_c to what its rows need (rounding leaves tiny excesses), then scale w and u together
    // into the T row. The value of a feasible dual point bounds the primal from below.
    for u in &mut sol[nc..] {
        *u *= 1.0 - 1e-12;
    }
    for r in &rows[..rows.len() - 1] {
        let cover: f64 = (0..nu).map(|k| r[nc + k] * sol[nc + k]).sum();
        let ci = (0..nc).find(|&ci| r[ci] < 0.0).expect("every column row has a class");
        sol[ci] = sol[ci].max(cover / -r[ci]);
    }
    let wsum: f64 = classes.iter().enumerate().map(|(ci, c)| f64::from(c.3) * sol[ci]).sum();
    let scale = wsum.max(1.0);
    let value: f64 = ((0..nc).map(|ci| -class_k[ci] * sol[ci]).sum::<f64>()
        + (0..nu).map(|k| obj[nc + k] * sol[nc + k]).sum::<f64>())
        / scale;
    value.max(0.0)
}
