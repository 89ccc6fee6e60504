#!/usr/bin/env python3
"""A plain Python CCRP (Capacity Constrained Route Planner; Lu, George & Shekhar 2005) on the
instance evac wrote to a plan.json: the baseline of issue 14's speed goal.

    python3 bench/ccrp_peer.py target/river-case/out/plan.json [--seconds N] [--json out.json]

It reads only the problem from plan.json, never evac's plan: `edges` (from, to,
travel_steps, capacity_per_step), `sources` (node, vehicles), `destinations` (node,
capacity_vehicles; null = unlimited) and `step_s`. The vehicles that may enter an edge in
step t are floor((t+1) r) - floor(t r) for its rate r taken in whole thousandths of a
vehicle, as docs/planning.md and scripts/verify_plan.py define `capacity_at`.

The algorithm, written from the paper's description:

  while some source has vehicles left:
      one time-dependent Dijkstra from all sources with vehicles left (a super source at
      step 0) over the residual capacities: an edge u -> v reached at step a is entered at
      the first step t >= a where it still has room (waiting at u), arriving at
      t + travel_steps; stop at the first destination node popped that still has room;
      send min(vehicles left at the source, room at the destination, the least residual
      room of the route's legs at their entry steps) vehicles along that route, reserve
      them on every leg at its step, repeat.

Pure Python (heapq and dicts, no numpy): it is the "plain Python CCRP" baseline. Prints the
clearance (steps and h:mm), the wall time of the CCRP loop (reading the JSON excluded and
reported apart), and an independent check of its plan: every vehicle routed, no edge over
its capacity in any step, no destination over its capacity, legs contiguous in time and
space. With --seconds N it stops after N seconds of CCRP and reports the share of vehicles
routed and a LINEAR EXTRAPOLATION of its wall time (an under-estimate: later searches cross
more of the network, as the early routes fill up).
"""

import argparse
import heapq
import json
import math
import sys
import time
from collections import defaultdict


def round_half_away(x):
    """Rust's f64::round (halves away from zero); Python's round() rounds halves to even."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def capacity_at(milli, t):
    """Vehicles that may enter an edge of rate milli/1000 per step in step t (integers, so
    that this and evac agree to the vehicle)."""
    return (t + 1) * milli // 1000 - t * milli // 1000


def hmm(steps, step_s):
    minutes = round(steps * step_s / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


class Instance:
    def __init__(self, plan):
        self.step_s = plan["step_s"]
        edges = plan["edges"]
        self.edge_id = [e["id"] for e in edges]
        self.head = [e["to"] for e in edges]
        self.tail = [e["from"] for e in edges]
        self.travel = [e["travel_steps"] for e in edges]
        self.milli = [round_half_away(e["capacity_per_step"] * 1000) for e in edges]
        # Out-edges by node; an edge whose rate rounds to nothing can never be entered.
        self.out = defaultdict(list)
        for i in range(len(edges)):
            if self.milli[i] > 0:
                self.out[self.tail[i]].append(i)
        self.sources = [(s["id"], s["node"], s["vehicles"]) for s in plan["sources"]]
        self.dests = [(d["id"], d["node"], d["capacity_vehicles"]) for d in plan["destinations"]]


def ccrp(inst, seconds=None):
    """Returns (groups, finished): groups are (source index, destination index, vehicles,
    [(edge index, enter step)]); finished is False when the time limit stopped it."""
    used = [dict() for _ in inst.travel]  # edge -> {step: vehicles already entering}
    left = [v for _, _, v in inst.sources]
    room = [math.inf if c is None else c for _, _, c in inst.dests]
    dests_at = defaultdict(list)
    for j, (_, node, _) in enumerate(inst.dests):
        dests_at[node].append(j)
    out, head, travel, milli = inst.out, inst.head, inst.travel, inst.milli
    groups = []
    start = time.perf_counter()
    remaining = sum(left)
    while remaining > 0:
        if seconds is not None and time.perf_counter() - start > seconds:
            return groups, False
        # Super source: every source with vehicles left is at its node at step 0. Several
        # sources can share a node; the first one there stands for the node.
        arrival = {}
        origin = {}
        pred = {}
        heap = []
        for i, (_, node, _) in enumerate(inst.sources):
            if left[i] > 0 and node not in arrival:
                arrival[node] = 0
                origin[node] = i
                heap.append((0, node))
        heapq.heapify(heap)
        done = set()
        reached = None
        while heap:
            a, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            for j in dests_at.get(u, ()):
                if room[j] > 0:
                    reached = (u, j)
                    break
            if reached:
                break
            for e in out.get(u, ()):
                v = head[e]
                if v in done:
                    continue
                # Wait at u until the edge has room: the first step >= a with residual > 0.
                m, ue = milli[e], used[e]
                t = a
                while capacity_at(m, t) - ue.get(t, 0) <= 0:
                    t += 1
                b = t + travel[e]
                if b < arrival.get(v, math.inf):
                    arrival[v] = b
                    origin[v] = origin[u]
                    pred[v] = (u, e, t)
                    heapq.heappush(heap, (b, v))
        if reached is None:
            raise SystemExit("ccrp: vehicles left but no destination with room is reachable")
        node, j = reached
        s = origin[node]
        legs = []
        while node in pred:
            u, e, t = pred[node]
            legs.append((e, t))
            node = u
        legs.reverse()
        flow = min(left[s], room[j])
        for e, t in legs:
            flow = min(flow, capacity_at(milli[e], t) - used[e].get(t, 0))
        for e, t in legs:
            used[e][t] = used[e].get(t, 0) + flow
        left[s] -= flow
        room[j] -= flow
        remaining -= flow
        groups.append((s, j, flow, legs))
    return groups, True


def check(inst, groups, finished):
    """An independent check of the plan (shares only capacity_at with the solver)."""
    errors = []
    load = defaultdict(int)
    routed = defaultdict(int)
    arrived = defaultdict(int)
    latest = 0
    for g, (s, j, n, legs) in enumerate(groups):
        at, ready = inst.sources[s][1], 0
        seen = {at}
        if n <= 0:
            errors.append(f"group {g}: {n} vehicles")
        for e, t in legs:
            if inst.tail[e] != at:
                errors.append(f"group {g}: edge {inst.edge_id[e]} does not start where the group is")
            if t < ready:
                errors.append(f"group {g}: enters edge {inst.edge_id[e]} at {t}, before it arrives ({ready})")
            load[e, t] += n
            at, ready = inst.head[e], t + inst.travel[e]
            if at in seen:
                errors.append(f"group {g}: passes node {at} twice")
            seen.add(at)
        if at != inst.dests[j][1]:
            errors.append(f"group {g}: ends at {at}, not at destination {inst.dests[j][0]}")
        routed[s] += n
        arrived[j] += n
        latest = max(latest, ready)
    for (e, t), n in load.items():
        if n > capacity_at(inst.milli[e], t):
            errors.append(f"edge {inst.edge_id[e]} step {t}: {n} vehicles, capacity {capacity_at(inst.milli[e], t)}")
    for j, (did, _, cap) in enumerate(inst.dests):
        if cap is not None and arrived[j] > cap:
            errors.append(f"destination {did}: {arrived[j]} vehicles, capacity {cap}")
    if finished:
        for s, (sid, _, v) in enumerate(inst.sources):
            if routed[s] != v:
                errors.append(f"source {sid}: {routed[s]} of {v} vehicles routed")
    return errors, latest


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plan_json")
    ap.add_argument("--seconds", type=float, default=None, help="stop the CCRP loop after N seconds")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--write-plan", help="write plan.json with this CCRP's groups in place of evac's, "
                    "for scripts/verify_plan.py (a second, independent check)")
    a = ap.parse_args()

    t0 = time.perf_counter()
    with open(a.plan_json, encoding="utf-8") as f:
        plan = json.load(f)
    inst = Instance(plan)
    load_s = time.perf_counter() - t0
    total = sum(v for _, _, v in inst.sources)
    nodes = {n for e in range(len(inst.head)) for n in (inst.head[e], inst.tail[e])}
    print(f"instance: {len(nodes)} nodes, {len(inst.head)} edges, {len(inst.sources)} sources, "
          f"{len(inst.dests)} destinations, {total} vehicles, step {inst.step_s} s (read in {load_s:.2f} s)")

    t1 = time.perf_counter()
    groups, finished = ccrp(inst, a.seconds)
    wall = time.perf_counter() - t1
    routed = sum(n for _, _, n, _ in groups)
    errors, clearance = check(inst, groups, finished)

    result = {"vehicles": total, "routed": routed, "groups": len(groups), "finished": finished,
              "ccrp_seconds": round(wall, 3), "load_seconds": round(load_s, 3), "step_s": inst.step_s,
              "feasible": not errors}
    if finished:
        result["clearance_steps"] = clearance
        result["clearance_hmm"] = hmm(clearance, inst.step_s)
        print(f"python CCRP: {len(groups)} groups, clearance {clearance} steps = {hmm(clearance, inst.step_s)}, "
              f"wall {wall:.1f} s (+ {load_s:.1f} s reading plan.json)")
    else:
        share = routed / total
        est = wall / share if share > 0 else math.inf
        result["share_routed"] = round(share, 4)
        result["extrapolated_seconds"] = round(est, 1)
        print(f"python CCRP: STOPPED after {wall:.1f} s with {routed} of {total} vehicles routed ({share:.1%}); "
              f"LINEAR EXTRAPOLATION to all vehicles: {est:.0f} s (an under-estimate); "
              f"latest arrival so far {clearance} steps = {hmm(clearance, inst.step_s)}")
    if errors:
        print(f"plan check: {len(errors)} violations, first: {errors[:5]}")
    else:
        print("plan check: feasible (capacities per step, destinations" + (", every vehicle routed)" if finished else ")"))
    if a.write_plan and finished:
        # Same instance, evac's group format; clearance_steps is ours, so that the verifier's
        # "clearance is the latest arrival" rule checks this plan, not evac's.
        plan["groups"] = [{"source": inst.sources[s][0], "destination": inst.dests[j][0], "vehicles": n,
                           "legs": [{"edge": inst.edge_id[e], "enter_step": t} for e, t in legs]}
                          for s, j, n, legs in groups]
        plan["clearance_steps"] = clearance
        plan["lower_bound_steps"] = min(plan["lower_bound_steps"], clearance)
        with open(a.write_plan, "w", encoding="utf-8") as f:
            json.dump(plan, f)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
