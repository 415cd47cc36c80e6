#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: the module's numbers measured in the VM on the plain kernel
# (syscall and /proc costs, memory, idle wake-ups, the kthread's CPU time per
# step at 10, 300 and 100,000 waiting, /proc and issue_request latency with
# the car working a saturated building), written to docs/bench.md; the
# simulator's tables are docs/bench-sim.md (make bench-sim), linked from it.
#
#   tests/bench.sh BZIMAGE MODULE_DIR TOOLS_DIR
set -euo pipefail
kernel=${1:?bzImage}; mods=${2:?module dir}; tools=${3:?tools dir}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo 'elevtest --bench' > "$work/payload"
load=$(cut -d' ' -f1-3 /proc/loadavg)   # the host's, before the run
"$here/tests/vm/run.sh" --kernel "$kernel" --add "$tools/elevtest:bin/elevtest" \
    --add "$mods/elevator.ko:lib/modules/elevator.ko" --payload "$work/payload" \
    --timeout 1200 --log "$work/console.log" > /dev/null 2>&1 || {
    tail -30 "$work/console.log"; echo "bench: the VM run failed" >&2; exit 1; }
out=$here/docs/bench.md
{
    echo "# Benchmarks"
    echo
    echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d): the plain kernel in qemu"
    echo "(TCG, 2 vCPUs) on the project's machine; times are emulated-guest times, so"
    echo "compare ratios rather than absolute numbers. The host's load average"
    echo "(1, 5, 15 min) as the run began: $load, on $(nproc) CPUs shared with other work."
    echo
    # elevtest --bench prefixes its report's lines with "@@ " (the console
    # also carries the kernel's messages).
    tr -d '\r' < "$work/console.log" | sed -n -e 's/^@@ //p' -e 's/^@@$//p'
    echo
    echo "## Scheduling policies"
    echo
    echo "The simulator's tables (the module's own logic in virtual time, held-out"
    echo "seeds, the offline yardstick, and the cost of a step on the host) are in"
    echo "[bench-sim.md](bench-sim.md), written by \`make bench-sim\`."
} > "$out"
cat "$out"
