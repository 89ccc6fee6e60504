#!/usr/bin/env python3
"""Independent verifier of an evac plan.json (standard library only; shares no code with evac).

    python3 scripts/verify_plan.py scenarios/rhine/out/plan.json

Rules (docs/planning.md): every group's legs are contiguous from its source's node to its
destination's node; each enter_step >= the previous enter_step + its travel_steps (and >= 0);
vehicles entering an edge in one step never exceed its capacity_per_step; every source's
vehicles are fully routed; no destination over its capacity_vehicles; clearance_steps is the
latest arrival; lower_bound_steps <= clearance_steps. Exit status 1 and one line per
violation if the plan breaks a rule.
"""

import json
import sys
from collections import defaultdict


def verify(plan):
    errors = []
    edges = {e["id"]: e for e in plan["edges"]}
    sources = {s["id"]: s for s in plan["sources"]}
    dests = {d["id"]: d for d in plan["destinations"]}
    routed = defaultdict(int)
    arrived = defaultdict(int)
    load = defaultdict(int)
    latest = 0
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
        if at != d["node"]:
            errors.append(f"group {gi}: ends at node {at}, destination {d['id']} is node {d['node']}")
        latest = max(latest, ready)
    for (e, step), n in load.items():
        if n > edges[e]["capacity_per_step"]:
            errors.append(f"edge {e} at step {step}: {n} vehicles enter, capacity {edges[e]['capacity_per_step']}")
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
    return errors


def main():
    plan = json.load(open(sys.argv[1], encoding="utf-8"))
    errors = verify(plan)
    for e in errors[:50]:
        print(e)
    total = sum(s["vehicles"] for s in plan["sources"])
    if errors:
        print(f"INVALID: {len(errors)} violation(s)")
        sys.exit(1)
    print(f"valid: {len(plan['groups'])} groups, {total} vehicles, clearance {plan['clearance_steps']} steps, "
          f"bound {plan['lower_bound_steps']} ({plan['bound_kind']})")


if __name__ == "__main__":
    main()
