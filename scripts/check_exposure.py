#!/usr/bin/env python3
"""Independent check of the exposure an evac plan.json reports (standard library only;
shares no code with evac).

    python3 scripts/check_exposure.py scenarios/rhine/out/plan.json

Exposure (docs/planning.md): a group is exposed from the order (step 0) until it is out
of the mandatory zone for good: it arrives at the node after its last node inside the zone
(`enter_step + travel_steps` of the leg that reaches it; waiting at home counts; a group
that ends inside is exposed until its last arrival; one that leaves and comes back counts
until it leaves the last time); a group never inside is not exposed. Vehicle-minutes = vehicles x steps x step_s / 60 x weight, summed over the groups,
where weight is the group's source's `exposure_weight` — written only when the scenario sets
`[zone] exposure_rings` (then also listed as the top-level `exposure_rings`); a source
without it weighs 1. The weights are checked to be the rings' (or 1, beyond the last ring)
and the same for every origin of one settlement.

Recomputes it from `groups`, `edges`, `sources` and `nodes` (`in_zone`) and checks that it
equals `exposure_vehicle_minutes` (total and per settlement), that the lower bound does not
exceed it and that `exposure_gap` is what the two give. Prints the figures; exit status 1
and one line per disagreement otherwise.
"""

import json
import sys


def exposure(plan):
    """Vehicle-steps of exposure per settlement, from the plan's groups alone."""
    in_zone = {n["id"]: n["in_zone"] for n in plan["nodes"]}
    # Edge ids: the network's edge id (a number), "j<node>" for a junction's gate, or
    # "j<node>-<from>-<to>" for the other edges of a junction with turn bans.
    edges = {json.dumps(e["id"]): (e["to"], e["travel_steps"]) for e in plan["edges"]}
    sources = {s["id"]: (s["node"], s["settlement"], s.get("exposure_weight", 1.0)) for s in plan["sources"]}
    per_settlement = {}
    for g in plan["groups"]:
        node, settlement, weight = sources[g["source"]]
        # Out for good: the step it reaches the node after its last one inside the zone
        # (its arrival if it ends inside); 0 if it is never inside.
        steps = 0
        inside = in_zone[node]
        for leg in g["legs"]:
            to, travel = edges[json.dumps(leg["edge"])]
            if inside or in_zone[to]:
                steps = leg["enter_step"] + travel
            inside = in_zone[to]
        per_settlement[settlement] = per_settlement.get(settlement, 0) + g["vehicles"] * steps * weight
    return per_settlement


def weight_errors(plan):
    """The sources' weights are the rings' (1 beyond the last ring, or without rings), one
    per settlement."""
    rings = plan.get("exposure_rings", [])
    allowed = {r["weight"] for r in rings} | {1.0}
    errors = []
    if any("exposure_weight" in s for s in plan["sources"]) and not rings:
        errors.append("sources carry exposure weights but plan.json lists no exposure_rings")
    if [r["within_km"] for r in rings] != sorted({r["within_km"] for r in rings}):
        errors.append(f"exposure_rings are not strictly outwards: {rings}")
    per_settlement = {}
    for s in plan["sources"]:
        w = s.get("exposure_weight", 1.0)
        if w not in allowed:
            errors.append(f"source {s['id']}: exposure_weight {w} is no ring's weight ({sorted(allowed)})")
        if per_settlement.setdefault(s["settlement"], w) != w:
            errors.append(f"settlement {s['settlement']}: origins with different weights")
    return errors


def main(path):
    with open(path, encoding="utf-8") as f:
        plan = json.load(f)
    per_step = plan["step_s"] / 60.0
    mine = exposure(plan)
    total = sum(mine.values()) * per_step
    errors = weight_errors(plan)
    written = plan["exposure_vehicle_minutes"]
    if abs(written - total) > 1e-6 * max(1.0, total):
        errors.append(f"exposure: plan.json says {written} vehicle-minutes, the groups give {total}")
    for s in plan["settlements"]:
        m = mine.get(s["id"], 0) * per_step
        if abs(s["exposure_vehicle_minutes"] - m) > 1e-6 * max(1.0, m):
            errors.append(f"settlement {s['id']}: plan.json says {s['exposure_vehicle_minutes']}, the groups give {m}")
    bound = plan["exposure_lower_bound"]
    if bound > total + 1e-6:
        errors.append(f"the lower bound {bound} exceeds the exposure {total}")
    if bound > 0:
        gap = (total - bound) / bound
        if abs(plan["exposure_gap"] - gap) > 1e-9:
            errors.append(f"exposure_gap {plan['exposure_gap']} but exposure and bound give {gap}")
    weighted = " (weighted by exposure_rings)" if plan.get("exposure_rings") else ""
    print(
        f"exposure {total:.1f} vehicle-minutes{weighted} over {len(plan['groups'])} groups "
        f"(objective {plan['objective']}); lower bound {bound:.1f} ({plan['exposure_bound_kind']}), "
        f"gap {plan['exposure_gap'] * 100:.1f}%"
    )
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
