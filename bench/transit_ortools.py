#!/usr/bin/env python3
"""evac's transit planner side by side with Google OR-Tools routing on exactly evac's
problem (`evac transit --export-instance`), both plans re-timed by this script with evac's
rules, and the figures printed for both: finish of the last person, trips, vehicles,
vehicle-hours, evac's lower bound, run time.

    python3 bench/transit_ortools.py SCENARIO [--seconds 120] [--evac-seconds 10] [--free-flow]
    (or: bash bench/transit.sh SCENARIO ..., which makes the venv with the pinned OR-Tools)

The OR-Tools model, rule by rule (docs/transit.md, "Side by side"):
  * seats per kind: one capacity dimension per vehicle = its seats; people are nodes in
    chunks (people who cannot walk in chunks of 1-2, the others in chunks of at most 19 and
    31, so that a 50-seat bus fills with two and a minibus with one);
  * people who cannot walk ride only ambulances and accessible vehicles, the others only
    buses, minibuses and accessible vehicles (each node's allowed vehicles);
  * stops and boarding: arriving at a pickup point costs the stop time (once per visit:
    consecutive chunks at the same point share it) and each person's boarding (12 s if they
    cannot walk, 4 s otherwise) and alighting (4 s, charged at boarding: the re-timing puts
    it back at the centre);
  * trips end at a centre: optional reload nodes (copies of each centre) empty the vehicle;
    the last trip drives to the centre nearest its last stop; leaving a centre costs the
    unloading stop;
  * makespan: the span of the time dimension is the objective (global span cost), driving
    time a small second term;
  * beds: not modelled (ample in the bundled scenarios; the re-timing counts them);
  * multi-stop detour limit: not modelled (OR-Tools may combine any points: a relaxation in
    its favour); trains: not used by OR-Tools (centres only).
Makespan: a first plan on the span cost, then bisection on a hard deadline for every route
(between evac's lower bound and the best plan so far), each try a sixth of the budget;
single-threaded (OR-Tools routing is), parallel cheapest insertion then guided local
search. The span objective alone leaves OR-Tools stuck far above (10 h on the Rhine).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def travel(inst, a, b, t):
    """evac's Times::get_at: the free-flow time, or in traffic the time leaving at t."""
    tr = inst.get("traffic")
    free = inst["times_s"][a][b]
    free = float("inf") if free is None else free
    if not tr:
        return free
    slot = tr["slot_s"]
    mats = tr["times_by_departure_s"]
    x = max(t / slot, 0.0)
    k = int(x)

    def at(k):
        if k < len(mats):
            v = mats[k][a][b]
            return float("inf") if v is None else v
        return free

    t0, t1 = at(k), at(k + 1)
    if t0 == float("inf") or t1 == float("inf"):
        return max(t0, t1)
    return t0 + (t1 - t0) * (x - k)


def retime(inst, plan):
    """Time a plan with evac's rules. plan: per vehicle a list of trips
    {"stops": [[pickup, mobile, immobile], ...], "centre": c}. Returns the figures and checks
    seats, kinds, everyone carried once and beds."""
    r = inst["rules"]
    stop, pm, pi, al = r["stop_s"], r["board_s_per_person"]["mobile"], r["board_s_per_person"]["immobile"], r["alight_s_per_person"]
    finish, trips, used, vh = 0.0, 0, 0, 0.0
    carried = [[0, 0] for _ in inst["pickups"]]
    beds = [c["beds"] for c in inst["centres"]]
    for v, vtrips in zip(inst["vehicles"], plan):
        if not vtrips:
            continue
        used += 1
        free, at = 0.0, v["depot_site"]
        for trip in vtrips:
            clock = free
            people = 0
            for (i, m, im) in trip["stops"]:
                assert im == 0 or v["carries_immobile"], "immobile in a vehicle that cannot take them"
                assert m == 0 or v["carries_mobile"], "mobile in an ambulance"
                site = inst["pickups"][i]["site"]
                clock += travel(inst, at, site, clock)
                at = site
                clock += stop + pm * m + pi * im
                people += m + im
                carried[i][0] += m
                carried[i][1] += im
            assert people <= v["seats"], "seats exceeded"
            c = trip["centre"]
            drop = inst["centres"][c]["site"] if c is not None else inst["trains"][trip["train"]]["station_site"]
            arrive = clock + travel(inst, at, drop, clock)
            safe = trip.get("safe_s", arrive) if c is None else arrive
            if c is not None:
                beds[c] -= people
            finish = max(finish, safe)
            free = arrive + stop + al * people
            at = drop
            trips += 1
        vh += arrive
    for i, pk in enumerate(inst["pickups"]):
        assert carried[i] == [pk["mobile"], pk["immobile"]], f"pickup {pk['name']}: carried {carried[i]}"
    assert min(beds) >= 0, "a centre over its beds"
    return {"finish_s": finish, "trips": trips, "vehicles": used, "vehicle_hours": vh / 3600.0}


def evac_plan_of(inst, tj):
    """transit.json -> the common plan format (train trips keep evac's safe time)."""
    pk_index = {p["id"]: i for i, p in enumerate(inst["pickups"])}
    centre_index = {c["id"]: i for i, c in enumerate(inst["centres"])}
    train_index = {t["id"]: i for i, t in enumerate(inst["trains"])}
    plan = []
    for v in tj["vehicles"]:
        trips = []
        for t in v["trips"]:
            stops = [[pk_index[s["settlement"]], s["people"] - s["immobile"], s["immobile"]] for s in t["pickup"]]
            if t["dropoff"].startswith("train:"):
                trips.append({"stops": stops, "centre": None, "train": train_index[t["dropoff"][6:]], "safe_s": t["safe_s"]})
            else:
                trips.append({"stops": stops, "centre": centre_index[t["dropoff"]]})
        plan.append(trips)
    return plan


def chunks(n, sizes):
    out = []
    k = 0
    while n > 0:
        s = min(n, sizes[k % len(sizes)])
        out.append(s)
        n -= s
        k += 1
    return out


def solve_ortools(inst, seconds, deadline_s=None):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    r = inst["rules"]
    stop, pm, pi, al = r["stop_s"], r["board_s_per_person"]["mobile"], r["board_s_per_person"]["immobile"], r["alight_s_per_person"]
    T = inst["times_s"]
    vehicles = inst["vehicles"]
    # Nodes: 0 = a free end (every vehicle ends there, at no cost), then vehicles' depots,
    # then people chunks, then centre copies.
    nodes = [("end", None, 0, 0)]
    starts = []
    for v in vehicles:
        starts.append(len(nodes))
        nodes.append(("depot", v["depot_site"], 0, 0))
    for i, p in enumerate(inst["pickups"]):
        for c in chunks(p["immobile"], [2]):
            nodes.append(("imm", i, 0, c))
        for c in chunks(p["mobile"], [19, 31]):
            nodes.append(("mob", i, c, 0))
    people_nodes = len(nodes)
    # Centre copies: as many per centre as chunks whose nearest centre it is, plus a margin.
    near = []
    for p in inst["pickups"]:
        s = p["site"]
        near.append(min(range(len(inst["centres"])), key=lambda c: T[s][inst["centres"][c]["site"]] or 1e18))
    for c, centre in enumerate(inst["centres"]):
        n = sum(1 for x in nodes[1 + len(vehicles):people_nodes] if near[x[1]] == c)
        for _ in range(n + 5):
            nodes.append(("centre", c, 0, 0))

    def site(n):
        kind, x = nodes[n][0], nodes[n][1]
        if kind == "depot":
            return x
        if kind in ("imm", "mob"):
            return inst["pickups"][x]["site"]
        if kind == "centre":
            return inst["centres"][x]["site"]
        return None

    sites = [site(n) for n in range(len(nodes))]
    centre_sites = [c["site"] for c in inst["centres"]]
    final_drop = [
        min(((c, T[s][cs]) for c, cs in enumerate(centre_sites) if T[s][cs] is not None), key=lambda x: x[1])
        if s is not None else (None, 0)
        for s in sites
    ]
    seats_max = max(v["seats"] for v in vehicles)
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(vehicles), starts, [0] * len(vehicles))
    routing = pywrapcp.RoutingModel(manager)

    def time_cb(a, b):
        sa, sb = sites[a], sites[b]
        if nodes[a][0] == "end":
            return 0
        if nodes[b][0] == "end":
            # The last trip's drop-off is implicit: the nearest centre from the last stop.
            return int(round(final_drop[a][1])) if nodes[a][0] in ("imm", "mob") else 0
        drive = T[sa][sb]
        drive = 10**7 if drive is None else drive
        kind, _, m, im = nodes[b]
        service = 0
        if kind in ("imm", "mob"):
            service = (stop if sa != sb or nodes[a][0] not in ("imm", "mob") else 0) + m * (pm + al) + im * (pi + al)
        # Leaving a centre: the unloading stop.
        if nodes[a][0] == "centre":
            service += stop
        return int(round(drive + service))

    # Matrices, not Python callbacks: the search evaluates arcs millions of times.
    nn = len(nodes)
    ti = routing.RegisterTransitMatrix([[time_cb(a, b) for b in range(nn)] for a in range(nn)])
    routing.SetArcCostEvaluatorOfAllVehicles(ti)
    routing.AddDimension(ti, 0, 10**7, True, "Time")
    tdim = routing.GetDimensionOrDie("Time")
    tdim.SetGlobalSpanCostCoefficient(100)
    if deadline_s is not None:
        # A hard end for every route: the search balances far better under a deadline than
        # on the span cost alone (bisection on the deadline, below).
        for k in range(len(vehicles)):
            tdim.CumulVar(routing.End(k)).SetMax(int(deadline_s))

    def load_cb(n):
        kind, _, m, im = nodes[n]
        if kind == "centre":
            return -seats_max
        return m + im

    li = routing.RegisterUnaryTransitVector([load_cb(n) for n in range(nn)])
    routing.AddDimensionWithVehicleCapacity(li, seats_max, [v["seats"] for v in vehicles], True, "Seats")
    sdim = routing.GetDimensionOrDie("Seats")
    for n in range(1, len(nodes)):
        if n in starts:
            continue
        idx = manager.NodeToIndex(n)
        kind = nodes[n][0]
        if kind == "centre":
            sdim.SlackVar(idx).SetRange(0, seats_max)
            routing.AddDisjunction([idx], 0)
        else:
            sdim.SlackVar(idx).SetValue(0)
            ok = [k for k, v in enumerate(vehicles) if (v["carries_immobile"] if kind == "imm" else v["carries_mobile"])]
            routing.VehicleVar(idx).SetValues([-1] + ok)
            # Everyone must be carried; the penalty only lets the search start from a partial plan.
            routing.AddDisjunction([idx], 10**9)
    for k in range(len(vehicles)):
        sdim.SlackVar(routing.Start(k)).SetValue(0)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.seconds = int(seconds)
    t = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    took = time.perf_counter() - t
    if sol is None:
        raise SystemExit("OR-Tools found no solution")
    plan = []
    for k in range(len(vehicles)):
        trips, cur = [], []
        idx = routing.Start(k)
        while not routing.IsEnd(idx):
            idx = sol.Value(routing.NextVar(idx))
            n = manager.IndexToNode(idx)
            kind, x, m, im = nodes[n]
            if kind in ("imm", "mob"):
                if cur and cur[-1][0] == x:
                    cur[-1][1] += m
                    cur[-1][2] += im
                else:
                    cur.append([x, m, im])
            elif kind == "centre" and cur:
                trips.append({"stops": cur, "centre": x})
                cur = []
        if cur:
            last = inst["pickups"][cur[-1][0]]["site"]
            trips.append({"stops": cur, "centre": final_drop[sites.index(last)][0]})
        plan.append(trips)
    dropped = [n for n in range(people_nodes) if nodes[n][0] in ("imm", "mob") and sol.Value(routing.NextVar(manager.NodeToIndex(n))) == manager.NodeToIndex(n)]
    if dropped:
        return None, took
    return plan, took


def ortools_by_deadline(inst, budget, lower_s):
    """OR-Tools for a makespan: a first plan on the span cost, then bisection on a hard
    deadline between evac's lower bound (a property of the instance) and the best plan so
    far, each try a share of the budget. Returns the best plan and the time spent."""
    started = time.perf_counter()
    step = max(budget / 6.0, 5.0)
    best, _ = solve_ortools(inst, step)
    if best is None:
        raise SystemExit("OR-Tools found no plan that carries everyone")
    hi = retime(inst, best)["finish_s"]
    lo = lower_s
    while budget - (time.perf_counter() - started) >= 5.0 and hi - lo > 60.0:
        deadline = (lo + hi) / 2.0
        left = budget - (time.perf_counter() - started)
        plan, _ = solve_ortools(inst, min(step, left), deadline)
        # The model's times approximate evac's rules: judge every plan by the re-timing.
        finish = retime(inst, plan)["finish_s"] if plan is not None else None
        if finish is not None and finish < hi:
            best, hi = plan, finish
        else:
            lo = deadline
    return best, time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--seconds", type=float, default=120, help="OR-Tools time limit")
    ap.add_argument("--evac-seconds", type=float, default=10)
    ap.add_argument("--free-flow", action="store_true")
    ap.add_argument("--evac", default="target/release/evac")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        inst_file = os.path.join(d, "instance.json")
        cmd = [a.evac, "transit", a.scenario, "--out", d, "--json", "--seconds", str(int(a.evac_seconds)), "--export-instance", inst_file]
        if a.free_flow:
            cmd.append("--free-flow")
        t = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        evac_took = time.perf_counter() - t
        tj = json.loads(out)
        inst = json.load(open(inst_file))
    ev = retime(inst, evac_plan_of(inst, tj))
    assert abs(ev["finish_s"] - tj["completion_s"]) <= 1.0, f"re-timing {ev['finish_s']} vs evac {tj['completion_s']}"
    ort_plan, ort_took = ortools_by_deadline(inst, a.seconds, tj["lower_bound_s"])
    ot = retime(inst, ort_plan)
    hm = lambda s: f"{int(round(s / 60)) // 60}:{int(round(s / 60)) % 60:02d}"
    traffic = "in the car plan's traffic" if inst.get("traffic") else "free flow"
    print(f"{tj['scenario']}: {tj['people']} people ({tj['immobile']} cannot walk), {len(inst['vehicles'])} vehicles, {len(inst['trains'])} trains, {traffic}")
    print(f"{'solver':<34} {'finish':>7} {'trips':>6} {'vehicles':>9} {'veh-hours':>10} {'bound':>6} {'run s':>7}")
    bound = hm(tj["lower_bound_s"])
    print(f"{'evac (planning time ' + str(int(a.evac_seconds)) + ' s)':<34} {hm(ev['finish_s']):>7} {ev['trips']:>6} {ev['vehicles']:>9} {ev['vehicle_hours']:>10.1f} {bound:>6} {evac_took:>7.1f}")
    print(f"{'OR-Tools routing (deadline search)':<34} {hm(ot['finish_s']):>7} {ot['trips']:>6} {ot['vehicles']:>9} {ot['vehicle_hours']:>10.1f} {'-':>6} {ort_took:>7.1f}")
    print("evac's run time includes loading the network" + ("" if a.free_flow else " and solving the car plan") + "; both plans re-timed here with evac's rules")


if __name__ == "__main__":
    sys.exit(main())
