//! Time-dependent residual capacities: how many vehicles still may enter each edge at each step.

use crate::problem::Problem;

#[derive(Debug, Clone)]
pub struct Reservations {
    used: Vec<Vec<u32>>,
}

impl Reservations {
    pub fn new(p: &Problem) -> Self {
        Reservations { used: vec![Vec::new(); p.edges.len()] }
    }

    pub fn used(&self, e: u32, t: u32) -> u32 {
        self.used[e as usize].get(t as usize).copied().unwrap_or(0)
    }

    pub fn residual(&self, p: &Problem, e: u32, t: u32) -> u32 {
        p.edges[e as usize].capacity_per_step.saturating_sub(self.used(e, t))
    }

    /// The first step at or after `t` at which the edge still has room.
    pub fn earliest_free(&self, p: &Problem, e: u32, t: u32) -> u32 {
        let cap = p.edges[e as usize].capacity_per_step;
        let used = &self.used[e as usize];
        let mut s = t;
        while (s as usize) < used.len() && used[s as usize] >= cap {
            s += 1;
        }
        s
    }

    pub fn reserve(&mut self, e: u32, t: u32, n: u32) {
        let used = &mut self.used[e as usize];
        if used.len() <= t as usize {
            used.resize(t as usize + 1, 0);
        }
        used[t as usize] += n;
    }

    /// Follow a fixed route from step `start`, waiting where the road is full: the enter
    /// step of each leg and the arrival step.
    pub fn timed_route(&self, p: &Problem, edges: &[u32], start: u32) -> (Vec<u32>, u32) {
        let mut t = start;
        let mut enters = Vec::with_capacity(edges.len());
        for &e in edges {
            let s = self.earliest_free(p, e, t);
            enters.push(s);
            t = s + p.edges[e as usize].travel_steps;
        }
        (enters, t)
    }
}
