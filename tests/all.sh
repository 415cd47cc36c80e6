#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every test (`make test`): style checks, build-input checks and host tests,
# while the VM suite runs on the debug kernel in the background. Ends with one
# line "N passed, M failed"; non-zero on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
passed=0 failed=0
count() { # name, status
    if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "PASS $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
add_counts() { # file ending with a "NAME: N passed, M failed" line [, its writer's exit status]
    local line p f
    line=$(grep -E "^[^:]+: [0-9]+ passed, [0-9]+ failed" "$1" | tail -1)
    p=$(echo "$line" | sed -nE 's/^[^:]+: ([0-9]+) passed.*/\1/p')
    f=$(echo "$line" | sed -nE 's/^[^:]+: [0-9]+ passed, ([0-9]+) failed.*/\1/p')
    if [ -z "$f" ]; then
        f=1; echo "FAIL $1: no 'N passed, M failed' line"
    elif [ "${2:-0}" != 0 ] && [ "$f" = 0 ]; then
        f=1; echo "FAIL $1: exit status $2 with 0 failed"
    fi
    passed=$((passed + ${p:-0})); failed=$((failed + f))
}
t0=$(date +%s)
echo "== kernels (cached under ${ELEVATOR_CACHE:-~/.cache/elevator})"
# The tests run on the debug kernel only; the plain one is for make run/bench.
if ! make -s deps || ! scripts/kernel.sh debug build; then
    echo "kernel build failed"; echo "$passed passed, 1 failed"; exit 1
fi
# The VM suite needs the modules and the static tools; it then runs in the
# background (on private copies of them) while the host checks run.
lap=$(date +%s)
lap() { local now; now=$(date +%s); echo "   ($(( now - lap )) s)"; lap=$now; }
echo "== build the modules and the VM's tools"
vmout=$(mktemp); vmdir=$(mktemp -d); trap 'rm -rf "$vmout" "$vmdir"' EXIT
vm_pid=
tools=${CARGO_TARGET_DIR:-${ELEVATOR_CACHE:-$HOME/.cache/elevator}/cargo-target}/x86_64-unknown-linux-gnu/release
if make -s modules userspace DEBUG=1 >/tmp/elevator-build.log 2>&1; then
    mkdir -p "$vmdir/m" "$vmdir/m-proconly" "$vmdir/tools"
    cp build/debug/*.ko "$vmdir/m/"; cp build/debug-proconly/elevator.ko "$vmdir/m-proconly/"
    cp "$tools"/{producer,consumer,elevctl,elevtest} "$vmdir/tools/"
    echo "== VM suite started in the background (debug kernel: lockdep, KASAN, kmemleak)"
    tests/vm-tests.sh "$(scripts/kernel.sh debug path)" "$vmdir/m" "$vmdir/tools" > "$vmout" 2>&1 &
    vm_pid=$!
else
    tail -30 /tmp/elevator-build.log; count vm_build 1
fi
lap
echo "== style"
make -s fmt-check >/tmp/elevator-fmt.log 2>&1; count rustfmt $?; [ -s /tmp/elevator-fmt.log ] && head -20 /tmp/elevator-fmt.log
clippy_module() { # log: the module built with CLIPPY=1 must succeed without a warning
    make -s clippy DEBUG=1 >"$1" 2>&1
    local rc=$?
    [ "$rc" = 0 ] || { tail -20 "$1"; echo "make clippy: exit status $rc"; }
    grep -E "^(warning|error)" -A5 "$1" | head -30
    [ "$rc" = 0 ] && ! grep -qE "^(warning|error)" "$1"
}
clippy_module /tmp/elevator-clippy.log; count clippy_module $?
(cd userspace && cargo clippy --workspace --all-targets -q -- -D warnings) >/tmp/elevator-clippy-us.log 2>&1; count clippy_userspace $?
head -30 /tmp/elevator-clippy-us.log
lap
echo "== build input checks"
tests/build-checks.sh | tee "${TMPDIR:-/tmp}/elevator-build-checks.log"
add_counts "${TMPDIR:-/tmp}/elevator-build-checks.log"
lap
echo "== host tests"
out=$(mktemp)
tests/host-tests.sh | tee "$out"; add_counts "$out"
rm -f "$out"
lap
echo "== runner self-test (the host runner and these checks, on broken fixtures)"
out=$(mktemp)
tests/runner-selftest.sh 2>&1 | tee "$out"; add_counts "$out" "${PIPESTATUS[0]}"
rm -f "$out"
lap
if [ -n "$vm_pid" ]; then
    echo "== VM suite (debug kernel: lockdep, KASAN, kmemleak)"
    wait "$vm_pid"
    cat "$vmout"
    add_counts "$vmout"
    lap
fi
echo "== all tests in $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
