#!/usr/bin/env python3
"""The same route queries as `route_bench`, answered by pandana (contraction hierarchies,
C++) and networkx (bidirectional Dijkstra, pure Python), with per-query times and a check
that all three agree.

    python3 bench/routes_peer.py target/bench-routes [networkx_queries]
"""

import csv
import json
import os
import sys
import time

import networkx as nx
import pandana
import pandas as pd


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "target/bench-routes"
    nx_queries = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    nodes = pd.read_csv(os.path.join(d, "nodes.csv"), index_col="id")
    edges = pd.read_csv(os.path.join(d, "edges.csv"))
    pairs = pd.read_csv(os.path.join(d, "pairs.csv"))
    # pandana treats edges as two-way unless told otherwise.
    t = time.perf_counter()
    net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["time_s"]], twoway=False)
    build = time.perf_counter() - t
    t = time.perf_counter()
    got = net.shortest_path_lengths(pairs["from"].tolist(), pairs["to"].tolist(), imp_name="time_s")
    pandana_s = time.perf_counter() - t
    worst = 0.0
    for ours, theirs in zip(pairs["evac_time_s"], got):
        if ours != float("inf") and theirs < 1e300:
            worst = max(worst, abs(ours - theirs) / max(ours, 1.0))
    g = nx.DiGraph()
    for f, to, w in zip(edges["from"], edges["to"], edges["time_s"]):
        if not g.has_edge(f, to) or g[f][to]["w"] > w:
            g.add_edge(f, to, w=w)
    sample = pairs.head(nx_queries)
    t = time.perf_counter()
    nx_worst = 0.0
    for f, to, ours in zip(sample["from"], sample["to"], sample["evac_time_s"]):
        theirs = nx.bidirectional_dijkstra(g, f, to, weight="w")[0] if f != to else 0.0
        nx_worst = max(nx_worst, abs(ours - theirs) / max(ours, 1.0))
    nx_s = time.perf_counter() - t
    n = len(pairs)
    print(f"  pandana {pandana.__version__} CH build        {float(build):>9.2f} s")
    print(f"  pandana CH query (batch)       {float(pandana_s) / n * 1e6:>9.1f} us/query (time only)")
    print(f"  networkx {nx.__version__} bidir Dijkstra {float(nx_s) / len(sample) * 1e6:>9.1f} us/query ({len(sample)} queries)")
    print(f"  largest relative difference vs evac: pandana {worst:.2e}, networkx {nx_worst:.2e}")
    with open(os.path.join(d, "peer.json"), "w") as f:
        json.dump({"pandana_build_s": build, "pandana_us": pandana_s / n * 1e6, "networkx_us": nx_s / len(sample) * 1e6,
                   "pandana_worst": worst, "networkx_worst": nx_worst}, f)


if __name__ == "__main__":
    main()
