#!/usr/bin/env bash
# Intake benchmarks (protocol: /work/shared/design/benchmarks.md). Builds the bench in release, waits
# (up to INTAKE_BENCH_WAIT seconds, default 600) until no other compiler is running on this shared
# machine, then runs `cargo bench --bench intake`. Arguments are passed on as filters, e.g.
#   benches/run.sh intake_http
# The bench binary pins its own threads (server: core 0, load generator: core 1), so no taskset here.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench --bench intake --no-run

wait_max=${INTAKE_BENCH_WAIT:-600}
waited=0
while pgrep -x rustc >/dev/null || pgrep -x clippy-driver >/dev/null || pgrep -x rustdoc >/dev/null; do
    if [ "$waited" -ge "$wait_max" ]; then
        echo "run.sh: other builds still running after ${wait_max}s; measuring anyway (expect noise)" >&2
        break
    fi
    [ "$waited" -eq 0 ] && echo "run.sh: waiting for other builds to finish (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    sleep 5
    waited=$((waited + 5))
done

echo "run.sh: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec cargo bench --bench intake -- "$@"
