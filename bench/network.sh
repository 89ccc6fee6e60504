#!/usr/bin/env bash
# Network benchmarks, side by side with their peers, in one run:
#   1. import of every bundled extract: evac vs `osmium tags-filter w/highway`;
#   2. import of a synthetic 3-million-node extract: time (median of 3), MB/s, peak memory,
#      evac vs osmium;
#   3. 10,000 random route queries on the largest bundled network: evac (bidirectional
#      Dijkstra, contraction hierarchy) vs pandana (CH) vs networkx (Dijkstra).
# Needs osmium-tool, GNU time, python3 with pandana and networkx (pip install pandana networkx).
#   bash bench/network.sh [grid_size] [buildings]
set -euo pipefail
cd "$(dirname "$0")/.."
GRID=${1:-1000}
BUILDINGS=${2:-500000}
WORK=${BENCH_DIR:-target/bench}
mkdir -p "$WORK"
cargo build --release -q --bin evac --example route_bench -p evac-cli -p evac-network
EVAC=target/release/evac

peak_and_time() { # command... -> prints "seconds peak_mb"
  /usr/bin/time -f "%e %M" "$@" 2> "$WORK/time.txt" > /dev/null || { cat "$WORK/time.txt"; exit 1; }
  tail -1 "$WORK/time.txt" | awk '{printf "%.3f %.0f\n", $1, $2 / 1024}'
}
median3() { sort -n | sed -n 2p; }

echo "== 1. bundled extracts: import time =="
printf "%-34s %8s %10s %10s %7s\n" file MB evac_s osmium_s ratio
for f in data/osm/*.osm.pbf data/osm/*.osm.gz; do
  mb=$(du -m --apparent-size "$f" | cut -f1)
  e=$(peak_and_time $EVAC network import "$f" --out "$WORK/x.evacnet" | cut -d' ' -f1)
  o=$(peak_and_time osmium tags-filter "$f" w/highway -o "$WORK/x.osm.pbf" --overwrite | cut -d' ' -f1)
  printf "%-34s %8s %10s %10s %7.2f\n" "$(basename "$f")" "$mb" "$e" "$o" "$(echo "$e / ($o + 0.001)" | bc -l)"
done

echo
echo "== 2. synthetic extract (grid ${GRID}x${GRID}, ${BUILDINGS} buildings) =="
SYN="$WORK/synthetic-$GRID-$BUILDINGS.osm.pbf"
if [ ! -f "$SYN" ]; then
  python3 bench/gen_synthetic_osm.py --grid "$GRID" --buildings "$BUILDINGS" > "$WORK/synthetic.opl"
  osmium cat "$WORK/synthetic.opl" -o "$SYN" --overwrite
  rm "$WORK/synthetic.opl"
fi
osmium fileinfo -e "$SYN" | grep -E "Number of (nodes|ways)" | sed 's/^ */  /'
size_mb=$(echo "$(stat -c %s "$SYN") / 1000000" | bc -l)
for i in 1 2 3; do peak_and_time $EVAC network import "$SYN" --out "$WORK/syn.evacnet"; done > "$WORK/evac.txt"
for i in 1 2 3; do peak_and_time osmium tags-filter "$SYN" w/highway -o "$WORK/syn-hw.osm.pbf" --overwrite; done > "$WORK/osmium.txt"
et=$(cut -d' ' -f1 "$WORK/evac.txt" | median3); em=$(cut -d' ' -f2 "$WORK/evac.txt" | sort -n | tail -1)
ot=$(cut -d' ' -f1 "$WORK/osmium.txt" | median3); om=$(cut -d' ' -f2 "$WORK/osmium.txt" | sort -n | tail -1)
nodes=$(osmium fileinfo -e -g data.count.nodes "$SYN")
printf "  %-28s %8s %9s %10s %16s\n" tool seconds MB/s peak_MB "peak_MB/10M_nodes"
printf "  %-28s %8s %9.1f %10s %16.0f\n" "evac network import" "$et" "$(echo "$size_mb / $et" | bc -l)" "$em" "$(echo "$em * 10000000 / $nodes" | bc -l)"
printf "  %-28s %8s %9.1f %10s %16.0f\n" "osmium tags-filter w/highway" "$ot" "$(echo "$size_mb / $ot" | bc -l)" "$om" "$(echo "$om * 10000000 / $nodes" | bc -l)"
printf "  time ratio evac/osmium: %.2f (goal <= 2); evac writes %s MB of routable graph, osmium %s MB of PBF\n" \
  "$(echo "$et / $ot" | bc -l)" "$(du -m "$WORK/syn.evacnet" | cut -f1)" "$(du -m "$WORK/syn-hw.osm.pbf" | cut -f1)"

echo
echo "== 3. 10,000 route queries on the largest bundled network (Baltimore) =="
$EVAC network import data/osm/baltimore-2015-02.osm.pbf --out "$WORK/baltimore.evacnet" 2> /dev/null
target/release/examples/route_bench "$WORK/baltimore.evacnet" 10000 "$WORK/routes" | sed 's/^/  /'
python3 bench/routes_peer.py "$WORK/routes" 300 2> /dev/null | grep -v -E "^(Generating|Setting|Range|\.| 100%)" | sed 's/^ *100% *//'
