#!/usr/bin/env bash
# Issue 14 ("Speed"): the whole `evac plan` command on the 2,400-node river case against a
# plain Python CCRP on the same instance.
#
#   bench/plan_peer.sh [case folder (default target/river-case)] [python seconds limit (default none)]
#
# Builds the release `evac` binary, writes the case with bench/gen_river_case.py (seed 14),
# times `evac plan <case> --out <case>/out` with /usr/bin/time (wall s, peak RSS), then runs
# bench/ccrp_peer.py on the plan.json evac wrote (same edges, capacities and step: evac
# chooses the step with `--step-s auto` and the Python CCRP reads it from plan.json) and
# prints one table. The network import is cached in <case>/.cache/ by evac; it is removed
# first, so the timed command includes importing roads.osm, as a new user's first run does.
# A Python limit (second argument) makes ccrp_peer.py stop and extrapolate linearly; the
# table then says so.
set -euo pipefail
cd "$(dirname "$0")/.."
case_dir=${1:-target/river-case}
py_limit=${2:-}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
evac=$CARGO_TARGET_DIR/release/evac

cargo build --release --locked --bin evac
python3 bench/gen_river_case.py "$case_dir"
rm -rf "$case_dir/.cache" "$case_dir/out" "$case_dir/ccrp-plan.json"

echo "== evac plan (whole command) =="
/usr/bin/time -f "%e %M" -o "$case_dir/evac.time" "$evac" plan "$case_dir" --out "$case_dir/out" >"$case_dir/evac.log"
tail -n 1 "$case_dir/evac.log"
read -r evac_wall evac_rss_kb <"$case_dir/evac.time"

echo "== python CCRP on the same plan.json =="
py_args=("$case_dir/out/plan.json" --json "$case_dir/ccrp.json" --write-plan "$case_dir/ccrp-plan.json")
[[ -n $py_limit ]] && py_args+=(--seconds "$py_limit")
# A violation makes ccrp_peer.py exit 1; the table below still shows it (feasible: no).
python3 bench/ccrp_peer.py "${py_args[@]}" || true
# evac's own independent verifier, on both plans (the Python plan only when it finished).
echo "== scripts/verify_plan.py =="
python3 scripts/verify_plan.py "$case_dir/out/plan.json" | head -n 3 || true
[[ -f $case_dir/ccrp-plan.json ]] && { python3 scripts/verify_plan.py "$case_dir/ccrp-plan.json" | head -n 3 || true; }

python3 - "$case_dir/out/plan.json" "$case_dir/ccrp.json" "$evac_wall" "$evac_rss_kb" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
py = json.load(open(sys.argv[2]))
wall, rss = float(sys.argv[3]), int(sys.argv[4])
step = plan["step_s"]
def hmm(steps):
    m = round(steps * step / 60)
    return f"{m // 60}:{m % 60:02d}"
nodes = len({n for e in plan["edges"] for n in (e["from"], e["to"])})
print(f"\ninstance: {plan['vehicles']} vehicles, {len(plan['sources'])} sources, {len(plan['edges'])} edges, "
      f"{nodes} nodes (with junction gates), step_s {step:g} (evac --step-s auto)")
if py["finished"]:
    py_wall = py["ccrp_seconds"]
    py_clear = f"{py['clearance_steps']} steps = {py['clearance_hmm']}"
    ratio = f"{py_wall / wall:.2f}"
else:
    py_wall = py["extrapolated_seconds"]
    py_clear = f"unfinished ({py['share_routed']:.1%} routed in {py['ccrp_seconds']:.0f} s)"
    ratio = f"{py_wall / wall:.2f} (EXTRAPOLATED)"
rows = [
    ("evac wall s (whole `evac plan`)", f"{wall:.2f}"),
    ("evac peak RSS", f"{rss / 1024:.0f} MB"),
    ("evac clearance", f"{plan['clearance_steps']} steps = {hmm(plan['clearance_steps'])}"),
    ("evac optimum / bound", f"{plan.get('optimum_steps')} / {plan['lower_bound_steps']} steps ({plan['bound_kind']})"),
    ("evac stages (plan.json seconds)", ", ".join(f"{k} {v:.1f}" for k, v in plan["seconds"].items())),
    ("python CCRP wall s" + (" (extrapolated)" if not py["finished"] else ""), f"{py_wall:.1f}"),
    ("python CCRP clearance", py_clear),
    ("python plan feasible", "yes" if py["feasible"] else "NO"),
    ("ratio python / evac", ratio),
]
print("| measure | value |\n|---|---|")
for k, v in rows:
    print(f"| {k} | {v} |")
EOF
