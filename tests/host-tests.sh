#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tests: cargo test over the userspace workspace (the module's logic,
# the simulator, the /proc parser, the tools). Ends with "host: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp); trap 'rm -f "$log"' EXIT
(cd "$here/userspace" && cargo test --workspace --release 2>&1) | tee "$log" | grep -E "^test .* (FAILED|ok)$|panicked|^error" | grep -v " ok$" || true
status=${PIPESTATUS[0]}
passed=$(sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\1/p' "$log" | paste -sd+ | bc)
failed=$(sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\2/p' "$log" | paste -sd+ | bc)
passed=${passed:-0}; failed=${failed:-0}
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
    tail -30 "$log"
    echo "FAIL cargo_test: exit status $status"
    failed=1
fi
echo "host: $passed passed, $failed failed"
[ "$failed" = 0 ]
