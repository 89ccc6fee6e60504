#!/usr/bin/env python3
"""Independent verifier of an evac plan.json (standard library only; shares no code with evac).

    python3 scripts/verify_plan.py scenarios/rhine/out/plan.json

Rules (docs/planning.md): every edge's travel_steps follow from its free_flow_s by the
time rule (recomputed here: potentials to the nearest destination, telescoping rounding with
a fixed per-edge dither); every group's legs are contiguous from its source's node to its
destination's node and pass no node twice (no loops, no U-turns: waiting is holding at a
node); each enter_step >= the previous enter_step + its travel_steps (and >= 0); vehicles
entering an edge in step t never exceed floor((t+1) r) - floor(t r) for its capacity_per_step
r (in whole thousandths of a vehicle); every source's vehicles are fully routed; no destination over its capacity_vehicles;
clearance_steps is the latest arrival; lower_bound_steps <= clearance_steps. Also prints how
far routes' planned driving times are from their free-flow times. Exit status 1 and one line
per violation if the plan breaks a rule.
"""

import heapq
import json
import math
import sys
from collections import defaultdict

MASK = (1 << 64) - 1


def unit_hash(u, v):
    """The per-edge dither in [0, 1): the same 64-bit arithmetic as evac's timing rule."""
    x = (((u << 32) | v) * 0x9E3779B97F4A7C15) & MASK
    x ^= x >> 29
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 32
    return (x >> 11) / float(1 << 53)


def expected_steps(plan):
    """travel_steps of every edge by the time rule, from free_flow_s alone."""
    step = plan["step_s"]
    incoming = defaultdict(list)
    for e in plan["edges"]:
        incoming[e["to"]].append((e["from"], e["free_flow_s"]))
    dist = {}
    heap = [(0.0, d["node"]) for d in plan["destinations"]]
    for d, v in heap:
        dist[v] = 0.0
    heapq.heapify(heap)
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist.get(v, math.inf):
            continue
        for u, t in incoming[v]:
            nd = d + t
            if nd < dist.get(u, math.inf):
                dist[u] = nd
                heapq.heappush(heap, (nd, u))
    out = {}
    for e in plan["edges"]:
        u, v, t = e["from"], e["to"], e["free_flow_s"]
        pu, pv = dist.get(u, math.inf), dist.get(v, math.inf)
        if math.isinf(pu) or math.isinf(pv):
            out[e["id"]] = max(1, math.ceil(t / step))
            continue
        reduced = max(0.0, t + pv - pu)
        r = lambda x: round_half_away(x / step)
        out[e["id"]] = max(0, int(r(pu) - r(pv) + math.floor(reduced / step + unit_hash(u, v))))
    return out


def round_half_away(x):
    """Rust's f64::round (halves away from zero), not Python's banker's rounding."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def capacity_at(rate, t):
    """floor((t+1) r) - floor(t r), with r in thousandths of a vehicle (integers, as evac)."""
    milli = round_half_away(rate * 1000)
    return (t + 1) * milli // 1000 - t * milli // 1000


def verify(plan):
    errors = []
    edges = {e["id"]: e for e in plan["edges"]}
    sources = {s["id"]: s for s in plan["sources"]}
    dests = {d["id"]: d for d in plan["destinations"]}
    routed = defaultdict(int)
    arrived = defaultdict(int)
    load = defaultdict(int)
    latest = 0
    expected = expected_steps(plan)
    for e in plan["edges"]:
        if e["travel_steps"] != expected[e["id"]]:
            errors.append(f"edge {e['id']}: travel_steps {e['travel_steps']}, the time rule gives {expected[e['id']]}")
    route_errors = []
    for gi, g in enumerate(plan["groups"]):
        s, d = sources.get(g["source"]), dests.get(g["destination"])
        if s is None or d is None:
            errors.append(f"group {gi}: unknown source or destination")
            continue
        if g["vehicles"] <= 0:
            errors.append(f"group {gi}: no vehicles")
        routed[g["source"]] += g["vehicles"]
        arrived[g["destination"]] += g["vehicles"]
        at, ready = s["node"], 0
        visited = {at}
        driving, free_flow = 0, 0.0
        for li, leg in enumerate(g["legs"]):
            e = edges.get(leg["edge"])
            if e is None:
                errors.append(f"group {gi} leg {li}: edge {leg['edge']} is not in the edge list")
                break
            if e["from"] != at:
                errors.append(f"group {gi} leg {li}: edge {e['id']} starts at {e['from']}, group is at {at}")
            if leg["enter_step"] < ready:
                errors.append(f"group {gi} leg {li}: enters at {leg['enter_step']} before it can (step {ready})")
            load[(e["id"], leg["enter_step"])] += g["vehicles"]
            at, ready = e["to"], leg["enter_step"] + e["travel_steps"]
            driving += e["travel_steps"]
            free_flow += e["free_flow_s"]
            if at in visited:
                errors.append(f"group {gi} leg {li}: comes back to node {at} (a loop or U-turn)")
            visited.add(at)
        route_errors.append(((driving * plan["step_s"] - free_flow) / plan["step_s"], g["vehicles"]))
        if at != d["node"]:
            errors.append(f"group {gi}: ends at node {at}, destination {d['id']} is node {d['node']}")
        latest = max(latest, ready)
    for (e, step), n in load.items():
        cap = capacity_at(edges[e]["capacity_per_step"], step)
        if n > cap:
            errors.append(f"edge {e} at step {step}: {n} vehicles enter, capacity {cap}")
    for sid, s in sources.items():
        if routed[sid] != s["vehicles"]:
            errors.append(f"source {sid}: {routed[sid]} of {s['vehicles']} vehicles routed")
    for did, d in dests.items():
        if d["capacity_vehicles"] is not None and arrived[did] > d["capacity_vehicles"]:
            errors.append(f"destination {did}: {arrived[did]} vehicles, capacity {d['capacity_vehicles']}")
    if plan["clearance_steps"] != latest:
        errors.append(f"clearance_steps is {plan['clearance_steps']}, the latest arrival is step {latest}")
    if plan["lower_bound_steps"] > plan["clearance_steps"]:
        errors.append("lower_bound_steps exceeds clearance_steps")
    return errors, route_errors


def main():
    plan = json.load(open(sys.argv[1], encoding="utf-8"))
    errors, route_errors = verify(plan)
    for e in errors[:50]:
        print(e)
    total = sum(s["vehicles"] for s in plan["sources"])
    if errors:
        print(f"INVALID: {len(errors)} violation(s)")
        sys.exit(1)
    print(f"valid: {len(plan['groups'])} groups, {total} vehicles, clearance {plan['clearance_steps']} steps, "
          f"bound {plan['lower_bound_steps']} ({plan['bound_kind']})")
    if route_errors:
        within = sum(v for x, v in route_errors if abs(x) <= 1) / max(1, sum(v for _, v in route_errors))
        worst = max(route_errors, key=lambda x: abs(x[0]))[0]
        print(f"planned driving time vs free flow: {within:.1%} of vehicles within one step, worst {worst:+.2f} steps")


if __name__ == "__main__":
    main()
