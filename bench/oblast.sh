#!/usr/bin/env bash
# The scale case of the whole pipeline (issue 13): the front line of the Kharkiv oblast
# scenario moves 3 km west; one command gives the new order with what changed since the
# last one, the car plan beside its optimum, and the transit plan (buses to the railhead,
# trains) — timed, with its peak memory and the time of each stage.
#   bash bench/oblast.sh [transit_seconds ...]     (default: 2 10)
# With BENCH_STEP60=1 the car plan is also timed at a fixed one-minute step (the model
# before `--step-s auto`), for the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-target/bench}/oblast
mkdir -p "$WORK"
cargo build --release --locked -q --bin evac
EVAC=target/release/evac
SCENARIO=scenarios/kharkiv-oblast
BUDGETS=("$@")
[ ${#BUDGETS[@]} -eq 0 ] && BUDGETS=(2 10)

# The moved line: every vertex of the hazard 3 km due west (toward the reception centres).
python3 - "$SCENARIO/hazard.geojson" "$WORK/hazard-moved.geojson" <<'EOF'
import json, math, sys
src, dst = sys.argv[1], sys.argv[2]
g = json.load(open(src, encoding="utf-8"))
def move(c):
    if isinstance(c[0], (int, float)):
        lon, lat = c[0], c[1]
        return [round(lon - 3.0 / (111.32 * math.cos(math.radians(lat))), 6), lat]
    return [move(x) for x in c]
for f in g["features"]:
    f["geometry"]["coordinates"] = move(f["geometry"]["coordinates"])
    f["properties"]["name"] = f["properties"].get("name", "hazard") + ", moved 3 km west (bench/oblast.sh)"
json.dump(g, open(dst, "w", encoding="utf-8"), ensure_ascii=False)
EOF

# The last order and plan, on the current line (also builds and caches the network).
$EVAC up "$SCENARIO" --no-serve --out "$WORK/before" --transit-seconds 2 > "$WORK/before.txt"

summary() { # folder -> one line of figures from its outputs
  python3 - "$1" <<'EOF'
import json, sys
d = sys.argv[1]
o = json.load(open(f"{d}/order.json", encoding="utf-8"))
p = json.load(open(f"{d}/plan.json", encoding="utf-8"))
t = json.load(open(f"{d}/transit.json", encoding="utf-8"))
diff = json.load(open(f"{d}/order_changes.json", encoding="utf-8"))
hm = lambda s: f"{int(s // 3600)}:{int(s % 3600 // 60):02d}"
m = lambda steps: hm(steps * p["step_s"])
print(
    f"ordered {o['totals']['ordered']['settlements']} settlements (+{len(diff['added'])} / -{len(diff['removed'])} since the last order), "
    f"{o['totals']['beyond_line']['settlements']} beyond the line; "
    f"cut off by the line: {len(p['cut_off_by_line'])} settlements, {sum(c['vehicles'] for c in p['cut_off_by_line'])} vehicles; "
    f"cars {p['vehicles']} vehicles, step {p['step_s']:.0f} s, clearance {m(p['clearance_steps'])}, "
    f"bound {m(p['lower_bound_steps'])} ({p['bound_kind']}); "
    f"transit {t['people']} people, {t['trips']} trips, last person safe {hm(t['completion_s'])} "
    f"(bound {hm(t['lower_bound_s'])})"
)
EOF
}

printf "\n%-18s %8s %8s  %s\n" "transit budget" "wall_s" "peak_MB" "stages / figures"
for budget in "${BUDGETS[@]}"; do
  out="$WORK/after-$budget"
  cp "$WORK/before/order.json" "$WORK/last-order.json"
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" \
    $EVAC up "$SCENARIO" --no-serve --hazard "$WORK/hazard-moved.geojson" \
    --previous "$WORK/last-order.json" --out "$out" --transit-seconds "$budget" > "$WORK/after-$budget.txt"
  read -r wall peak < "$WORK/time.txt"
  printf "%-18s %8.1f %8.0f  %s\n" "${budget} s" "$wall" "$((peak / 1024))" "$(grep '^every stage' "$WORK/after-$budget.txt")"
  printf "%-18s %8s %8s  %s\n" "" "" "" "$(summary "$out")"
done

if [ "${BENCH_STEP60:-0}" = 1 ]; then
  echo
  echo "car plan alone, moved line: automatic step vs one-minute step"
  for step in auto 60; do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" \
      $EVAC plan "$SCENARIO" --out "$WORK/plan-$step" --step-s "$step" > "$WORK/plan-$step.txt" 2>&1 || true
    read -r wall peak < "$WORK/time.txt"
    printf "%-8s %8.1f s %8.0f MB  %s\n" "$step" "$wall" "$((peak / 1024))" "$(grep -m1 'clearance (last' "$WORK/plan-$step.txt")"
  done
fi
