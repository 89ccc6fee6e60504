#!/usr/bin/env python3
"""The least exposure of an evac plan.json's problem, by linear programming (SciPy's HiGHS),
sharing no code with evac: an independent check of evac's exact least-exposure plan and
its exposure bound.

    python3 scripts/exposure_lp.py out/plan.json

From `edges` (travel_steps, capacity_per_step), `nodes` (`in_zone`), `sources` and
`destinations` alone it builds the time-expanded network of the exit problem
(docs/planning.md, "The exit problem"): a node is *safe* when it lies outside the zone and
a destination can be reached from it over nodes outside the zone; every safe node and
every destination is a sink; the roads starting at the other nodes carry the flow, at
most `capacity_at(rate, t)` vehicles entering a road in step t (the planner's rule), a
road of k steps entered at t reaches its end at t + k, vehicles may wait at any node. The
LP minimises the total of the steps at which the vehicles reach a sink (each vehicle's
exposure is at least that step, and with no exposure weights the least-exposure plan's
is exactly that), over the horizon of the plan's last arrival. The network matrix is
totally unimodular, so the LP optimum is the integer optimum.

Prints the LP optimum in vehicle-minutes and, when plan.json has no exposure weights,
checks it against `exposure_lower_bound` (they must be equal when `exposure_bound_kind`
is the complete earliest-arrival flow) and that no plan is below it
(`exposure_vehicle_minutes` ≥ the LP). Exit status 1 on a disagreement; 2 without SciPy.
"""

import json
import sys
from collections import defaultdict


def round_half_away(x):
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def capacity_at(rate, t):
    """floor((t+1) r) - floor(t r), r in thousandths of a vehicle (integers, as evac)."""
    milli = round_half_away(rate * 1000)
    return (t + 1) * milli // 1000 - t * milli // 1000


def safe_nodes(plan, in_zone):
    incoming = defaultdict(list)
    for e in plan["edges"]:
        if not in_zone[e["from"]] and not in_zone[e["to"]]:
            incoming[e["to"]].append(e["from"])
    safe = {d["node"] for d in plan["destinations"] if not in_zone[d["node"]]}
    stack = list(safe)
    while stack:
        v = stack.pop()
        for u in incoming[v]:
            if u not in safe:
                safe.add(u)
                stack.append(u)
    return safe


def least_exposure_steps(plan, horizon):
    """The LP optimum (vehicle-steps) of the exit problem over steps 0..horizon."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    in_zone = {n["id"]: n["in_zone"] for n in plan["nodes"]}
    sink = safe_nodes(plan, in_zone) | {d["node"] for d in plan["destinations"]}
    supply = defaultdict(int)
    for s in plan["sources"]:
        if s["node"] not in sink:
            supply[s["node"]] += s["vehicles"]
    if not supply:
        return 0.0
    roads = [e for e in plan["edges"] if e["from"] not in sink]
    inner = sorted({e["from"] for e in roads} | set(supply))
    row_of = {(v, t): i for i, (v, t) in enumerate((v, t) for v in inner for t in range(horizon + 1))}
    rows, cols, vals, cost, upper = [], [], [], [], []

    def column(c, bound, entries):
        j = len(cost)
        cost.append(c)
        upper.append(bound)
        for r, a in entries:
            rows.append(r)
            cols.append(j)
            vals.append(a)

    # Conservation at every (node short of safety, step): what leaves minus what arrives
    # (from a road, or waiting from the step before) equals the node's supply at step 0.
    for e in roads:
        k = e["travel_steps"]
        for t in range(horizon + 1 - k):
            cap = capacity_at(e["capacity_per_step"], t)
            if cap <= 0:
                continue
            entries = [(row_of[(e["from"], t)], 1.0)]
            if e["to"] in sink:
                c = float(t + k)  # reaches safety at step t + k
            else:
                c = 0.0
                entries.append((row_of[(e["to"], t + k)], -1.0))
            column(c, cap, entries)
    for v in inner:
        for t in range(horizon):
            column(0.0, None, [(row_of[(v, t)], 1.0), (row_of[(v, t + 1)], -1.0)])
    b_eq = [0.0] * len(row_of)
    for v, n in supply.items():
        b_eq[row_of[(v, 0)]] = float(n)
    a_eq = coo_matrix((vals, (rows, cols)), shape=(len(row_of), len(cost))).tocsr()
    # Nobody waits past the horizon: no waiting column leaves the last step, so the last
    # step's conservation forces everyone onto a road that reaches safety by then.
    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=[(0, u) for u in upper], method="highs")
    if result.status != 0:
        raise SystemExit(f"the LP found no plan within {horizon} steps: {result.message}")
    return result.fun


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        import scipy  # noqa: F401
    except ImportError:
        print("exposure_lp.py needs SciPy: pip install scipy", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    horizon = plan["clearance_steps"]
    minutes = plan["step_s"] / 60.0
    lp = least_exposure_steps(plan, horizon) * minutes
    weighted = any(s.get("exposure_weight", 1.0) != 1.0 for s in plan["sources"])
    bound, exposure = plan["exposure_lower_bound"], plan["exposure_vehicle_minutes"]
    print(f"least exposure by LP {lp:.1f} vehicle-minutes (horizon {horizon} steps); evac: bound {bound:.1f} "
          f"({plan['exposure_bound_kind']}), plan {exposure:.1f}")
    errors = []
    if not weighted:
        if exposure < lp - 1e-6:
            errors.append(f"the plan's exposure {exposure} is below the LP optimum {lp}")
        if bound > lp + 1e-6:
            errors.append(f"the bound {bound} is above the LP optimum {lp}")
        if plan["exposure_bound_kind"] == "earliest-arrival flow out of the zone" and abs(bound - lp) > 1e-6:
            errors.append(f"the bound {bound} is complete but not the LP optimum {lp}")
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
