#!/usr/bin/env bash
# evac's transit planner side by side with Google OR-Tools on the same exported instance.
# Makes a venv with the pinned OR-Tools (target/ortools-venv) if it is missing.
#   bash bench/transit.sh scenarios/rhine [--seconds 120] [--evac-seconds 10] [--free-flow]
set -euo pipefail
cd "$(dirname "$0")/.."
ORTOOLS_VERSION=9.15.6755
VENV=${ORTOOLS_VENV:-target/ortools-venv}
if ! "$VENV/bin/python" -c "import ortools, sys; sys.exit(ortools.__version__ != '$ORTOOLS_VERSION')" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "ortools==$ORTOOLS_VERSION"
fi
cargo build --release -q --bin evac -p evac-cli
exec "$VENV/bin/python" bench/transit_ortools.py "$@"
