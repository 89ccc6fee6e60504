//! Cheap lower bounds on the clearance time, for networks too large for the exact optimum.

use crate::problem::Problem;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// No vehicle arrives before its free-flow time to the nearest destination.
pub fn free_flow_bound(p: &Problem) -> u32 {
    let to_dest = p.steps_to_destinations();
    p.sources.iter().filter(|s| s.vehicles > 0).map(|s| to_dest[s.node as usize]).max().unwrap_or(0)
}

/// Ford and Fulkerson's temporally repeated flows on a relaxation of the problem (every
/// source may send at any rate, destinations take any number): the smallest horizon T
/// whose maximum dynamic flow, sum over the successive shortest paths k of
/// b_k * (T + 1 - L_k)+, carries every vehicle. Any plan needs at least that long.
pub fn temporally_repeated_bound(p: &Problem) -> u32 {
    let all: Vec<usize> = (0..p.sources.len()).collect();
    temporally_repeated_bound_for(p, &all)
}

/// The same relaxation for a subset of the sources (the others ignored): also a valid
/// lower bound, and a much tighter one when one settlement's own exits limit it.
pub fn temporally_repeated_bound_for(p: &Problem, subset: &[usize]) -> u32 {
    let total: u64 = subset.iter().map(|&i| u64::from(p.sources[i].vehicles)).sum();
    if total == 0 {
        return 0;
    }
    let n = p.node_count;
    // Residual graph: arcs 2i (forward) and 2i+1 (backward) of edge i; super source S = n
    // with arcs to source nodes, super sink Z = n + 1 with arcs from destination nodes.
    let s_node = n as u32;
    let z_node = n as u32 + 1;
    let big = u64::MAX / 4;
    let mut head: Vec<u32> = Vec::new();
    let mut cap: Vec<u64> = Vec::new();
    let mut cost: Vec<i64> = Vec::new();
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n + 2];
    let mut add = |a: u32, b: u32, c: u64, w: i64, head: &mut Vec<u32>, cap: &mut Vec<u64>, cost: &mut Vec<i64>| {
        adj[a as usize].push(head.len() as u32);
        head.push(b);
        cap.push(c);
        cost.push(w);
        adj[b as usize].push(head.len() as u32);
        head.push(a);
        cap.push(0);
        cost.push(-w);
    };
    let mut seen = vec![false; n];
    for s in subset.iter().map(|&i| &p.sources[i]).filter(|s| s.vehicles > 0) {
        if !seen[s.node as usize] {
            seen[s.node as usize] = true;
            add(s_node, s.node, big, 0, &mut head, &mut cap, &mut cost);
        }
    }
    let mut seen = vec![false; n];
    for d in &p.destinations {
        if !seen[d.node as usize] && d.capacity_vehicles != Some(0) {
            seen[d.node as usize] = true;
            add(d.node, z_node, big, 0, &mut head, &mut cap, &mut cost);
        }
    }
    for e in &p.edges {
        add(e.from, e.to, u64::from(e.max_capacity()), i64::from(e.travel_steps), &mut head, &mut cap, &mut cost);
    }
    let mut potential = vec![0i64; n + 2];
    let mut paths: Vec<(i64, u64)> = Vec::new();
    let mut best_t = u64::MAX;
    loop {
        // Dijkstra with reduced costs.
        let mut dist = vec![i64::MAX; n + 2];
        let mut via = vec![u32::MAX; n + 2];
        let mut heap = BinaryHeap::new();
        dist[s_node as usize] = 0;
        heap.push(Reverse((0i64, s_node)));
        while let Some(Reverse((d, v))) = heap.pop() {
            if d > dist[v as usize] {
                continue;
            }
            for &a in &adj[v as usize] {
                if cap[a as usize] == 0 {
                    continue;
                }
                let w = head[a as usize];
                let nd = d + cost[a as usize] + potential[v as usize] - potential[w as usize];
                if nd < dist[w as usize] {
                    dist[w as usize] = nd;
                    via[w as usize] = a;
                    heap.push(Reverse((nd, w)));
                }
            }
        }
        if dist[z_node as usize] == i64::MAX {
            break;
        }
        for v in 0..n + 2 {
            if dist[v] != i64::MAX {
                potential[v] += dist[v];
            }
        }
        let length = potential[z_node as usize] - potential[s_node as usize];
        if best_t != u64::MAX && length > best_t as i64 {
            break; // Longer paths add nothing at the horizon already found.
        }
        let mut bottleneck = big;
        let mut v = z_node;
        while v != s_node {
            let a = via[v as usize];
            bottleneck = bottleneck.min(cap[a as usize]);
            v = head[(a ^ 1) as usize];
        }
        if bottleneck >= big {
            return 0; // A source sits on a destination: nothing to bound.
        }
        let mut v = z_node;
        while v != s_node {
            let a = via[v as usize];
            cap[a as usize] -= bottleneck;
            cap[(a ^ 1) as usize] += bottleneck;
            v = head[(a ^ 1) as usize];
        }
        paths.push((length, bottleneck));
        best_t = smallest_horizon(&paths, total);
    }
    if best_t == u64::MAX { free_flow_bound(p) } else { best_t as u32 }
}

/// Smallest T with sum b_k * (T + 1 - L_k)+ >= total.
fn smallest_horizon(paths: &[(i64, u64)], total: u64) -> u64 {
    let carried = |t: u64| -> u64 {
        paths
            .iter()
            .map(|&(l, b)| if (l as u64) <= t { b.saturating_mul(t + 1 - l as u64) } else { 0 })
            .fold(0u64, u64::saturating_add)
    };
    let mut lo = paths.iter().map(|p| p.0 as u64).min().unwrap_or(0);
    let mut hi = lo.max(1);
    while carried(hi) < total {
        hi = hi.saturating_mul(2);
        if hi > 1 << 40 {
            return u64::MAX;
        }
    }
    while lo < hi {
        let mid = (lo + hi) / 2;
        if carried(mid) >= total { hi = mid } else { lo = mid + 1 }
    }
    lo
}

/// Sources grouped by settlement.
pub fn settlement_groups(p: &Problem) -> Vec<Vec<usize>> {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, s) in p.sources.iter().enumerate() {
        groups.entry(s.settlement.as_str()).or_default().push(i);
    }
    groups.into_values().collect()
}

/// The best cheap bound and its name: the largest of the free-flow bound, the
/// temporally repeated flow bound of all sources together, and that of each of the 24
/// settlements with the most vehicles on their own.
pub fn best_cheap_bound(p: &Problem) -> (u32, &'static str) {
    let ff = free_flow_bound(p);
    let mut trf = temporally_repeated_bound(p);
    let mut groups = settlement_groups(p);
    groups.sort_by_key(|g| std::cmp::Reverse(g.iter().map(|&i| u64::from(p.sources[i].vehicles)).sum::<u64>()));
    for g in groups.iter().take(24) {
        trf = trf.max(temporally_repeated_bound_for(p, g));
    }
    if trf >= ff { (trf, "temporally-repeated-flow") } else { (ff, "free-flow") }
}
