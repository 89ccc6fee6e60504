//! Time-dependent residual capacities: how many vehicles still may enter each edge at each step.

use crate::problem::Problem;

#[derive(Debug, Clone)]
pub struct Reservations {
    used: Vec<Vec<u32>>,
    /// Per edge, a disjoint-set forest over steps: a full step points to a later step, a
    /// step with room to itself. Capacities only shrink, so "the first step at or after t
    /// with room" is a find with path compression instead of a scan over a long queue.
    next: Vec<Vec<u32>>,
}

impl Reservations {
    pub fn new(p: &Problem) -> Self {
        Reservations { used: vec![Vec::new(); p.edges.len()], next: vec![Vec::new(); p.edges.len()] }
    }

    pub fn used(&self, e: u32, t: u32) -> u32 {
        self.used[e as usize].get(t as usize).copied().unwrap_or(0)
    }

    pub fn residual(&self, p: &Problem, e: u32, t: u32) -> u32 {
        p.edges[e as usize].capacity_at(t).saturating_sub(self.used(e, t))
    }

    /// The first step at or after `t` at which the edge still has room.
    pub fn earliest_free(&self, p: &Problem, e: u32, t: u32) -> u32 {
        let next = &self.next[e as usize];
        let mut s = t;
        // Read-only walk (compression happens when reserving).
        while (s as usize) < next.len() && next[s as usize] != s {
            s = next[s as usize];
        }
        // Beyond the steps reserved so far only the road's own rate can leave a step
        // empty (a fractional rate below one vehicle per step).
        let edge = &p.edges[e as usize];
        while (s as usize) >= next.len() && edge.capacity_at(s) == 0 {
            s += 1;
        }
        s
    }

    fn find_and_compress(&mut self, e: u32, t: u32) -> u32 {
        let next = &mut self.next[e as usize];
        let mut root = t;
        while (root as usize) < next.len() && next[root as usize] != root {
            root = next[root as usize];
        }
        let mut s = t;
        while (s as usize) < next.len() && next[s as usize] != s {
            let up = next[s as usize];
            next[s as usize] = root;
            s = up;
        }
        root
    }

    pub fn reserve(&mut self, p: &Problem, e: u32, t: u32, n: u32) {
        let edge = &p.edges[e as usize];
        let used = &mut self.used[e as usize];
        if used.len() <= t as usize {
            used.resize(t as usize + 1, 0);
            let next = &mut self.next[e as usize];
            let from = next.len() as u32;
            // Steps the rate leaves empty are full from the start.
            next.extend((from..=t).map(|s| if edge.capacity_at(s) == 0 { s + 1 } else { s }));
        }
        used[t as usize] += n;
        if used[t as usize] >= edge.capacity_at(t) {
            self.next[e as usize][t as usize] = t + 1;
            self.find_and_compress(e, t);
        }
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
