#!/usr/bin/env bash
# Builds a database of 90 days of 4 furnaces in the agent's own schema and times the dashboard's pages on it.
# Usage: Benchmarks/dashboard/run.sh [requests per page, default 20]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
requests=${1:-20}
work=$(mktemp -d /tmp/hearth-dashboard-bench-XXXXXX)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$root"
swift build --product hearth >/dev/null
swift build --product hearth-dashboard >/dev/null
bin=$(swift build --show-bin-path)

# The agent creates its schema (and one status report) in a two-second run against devices nobody serves.
"$bin/hearth" run --devices devices --database "$work/hearth.db" --models "$work/models" --duration 2 \
    >"$work/agent.log" 2>&1
sqlite3 "$work/hearth.db" "DELETE FROM readings; DELETE FROM signals; DELETE FROM events; DELETE FROM decisions;
    DELETE FROM devices; DELETE FROM deployments; DELETE FROM models; DELETE FROM outbox;"
start=$(date +%s.%N)
sqlite3 "$work/hearth.db" <"$root/Benchmarks/dashboard/history.sql" >/dev/null
echo "database: $(sqlite3 "$work/hearth.db" "SELECT count(*) FROM readings") readings, \
$(sqlite3 "$work/hearth.db" "SELECT count(*) FROM events") events, \
$(sqlite3 "$work/hearth.db" "SELECT count(*) FROM predictions") predictions, \
$(du -m "$work/hearth.db" | cut -f1) MB, built in $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/hearth" dashboard --database "$work/hearth.db" --listen "127.0.0.1:$port" >"$work/dashboard.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/style.css" && break; sleep 0.1; done

echo "page                       median ms   max ms   bytes   ($requests requests each, after one warm-up)"
for page in / /furnaces/furnace-a /models /alarms /metrics /api/status; do
    curl -sf -o /dev/null "http://127.0.0.1:$port$page"
    times=$(for _ in $(seq "$requests"); do
        curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$page"
    done | sort -n)
    median=$(echo "$times" | sed -n "$(((requests + 1) / 2))p")
    max=$(echo "$times" | tail -1)
    bytes=$(curl -sf "http://127.0.0.1:$port$page" | wc -c)
    printf '%-26s %9.1f %8.1f %7d\n' "$page" "$(echo "$median * 1000" | bc)" "$(echo "$max * 1000" | bc)" "$bytes"
done
