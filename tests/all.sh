#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every test (`make test`): style checks, build-input checks and host tests,
# while the VM suite runs on the debug kernel of each kernel of the matrix
# (6.12 with the project's patch, 7.3 with the course's; TEST_KERNELS picks
# fewer) in the background. Ends with one line "N passed, M failed"; non-zero
# on failure.
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
kernels=(${TEST_KERNELS:-6.12 7.3})
echo "== kernels ${kernels[*]} (debug; cached under ${ELEVATOR_CACHE:-~/.cache/elevator})"
# The tests run on the debug kernels only; the plain ones are for make run/bench.
make -s deps || { echo "make deps failed"; echo "$passed passed, 1 failed"; exit 1; }
# Kernels not yet in the cache are built side by side (each build has long
# one-core stretches: the Rust crates, the link), while the host checks that
# need no kernel run; with every kernel cached, the VM suites start first and
# the host checks run beside them.
cold=0
for k in "${kernels[@]}"; do
    [ -f "$(KERNEL=$k scripts/kernel.sh debug outdir)/.done" ] || cold=1
done
declare -A kernel_pid
for k in "${kernels[@]}"; do
    KERNEL=$k scripts/kernel.sh debug build &
    kernel_pid[$k]=$!
done
lap=$(date +%s)
lap() { local now; now=$(date +%s); echo "   ($(( now - lap )) s)"; lap=$now; }
# The checks that need no kernel.
host_checks() {
    echo "== style"
    make -s fmt-check >/tmp/elevator-fmt.log 2>&1; count rustfmt $?; [ -s /tmp/elevator-fmt.log ] && head -20 /tmp/elevator-fmt.log
    (cd userspace && cargo clippy --workspace --all-targets -q -- -D warnings) >/tmp/elevator-clippy-us.log 2>&1; count clippy_userspace $?
    head -30 /tmp/elevator-clippy-us.log
    lap
    echo "== host tests"
    local out
    out=$(mktemp)
    tests/host-tests.sh | tee "$out"; add_counts "$out" "${PIPESTATUS[0]}"
    rm -f "$out"
    lap
    echo "== runner self-test (the host runner and these checks, on broken fixtures)"
    out=$(mktemp)
    tests/runner-selftest.sh 2>&1 | tee "$out"; add_counts "$out" "${PIPESTATUS[0]}"
    rm -f "$out"
    lap
}
# Builds the modules (KERNEL from the environment) with clippy into the log:
# status 0 when they built without a warning, 1 with warnings, 2 when they
# did not build.
clippy_module() { # log
    make -s clippy DEBUG=1 >"$1" 2>&1
    local rc=$?
    [ "$rc" = 0 ] || { tail -20 "$1"; echo "make clippy: exit status $rc"; }
    grep -E "^(warning|error)" -A5 "$1" | head -30
    [ "$rc" = 0 ] || return 2
    ! grep -qE "^(warning|error)" "$1"
}
echo "== build the VM's tools"
vmdir=$(mktemp -d); trap 'rm -rf "$vmdir"' EXIT
declare -A vm_pid
grade_pid=
tools=${CARGO_TARGET_DIR:-${ELEVATOR_CACHE:-$HOME/.cache/elevator}/cargo-target}/x86_64-unknown-linux-gnu/release
tools_ok=0
make -s userspace >/tmp/elevator-build.log 2>&1 && tools_ok=1
lap
if [ $cold = 1 ]; then
    echo "== kernels building in the background; meanwhile the checks that need none"
    host_checks
fi
for k in "${kernels[@]}"; do
    if ! wait "${kernel_pid[$k]}"; then
        echo "kernel $k build failed"; echo "$passed passed, $((failed + 1)) failed"; exit 1
    fi
done
[ $cold = 1 ] && { echo "== kernels ready"; lap; }
# The VM suites need the modules and the static tools; they then run in the
# background (on private copies of them), both kernels at once. The modules
# are built with clippy (CLIPPY=1: clippy-driver compiles them as rustc
# would, and lints them on the way), so the modules the guests load are the
# ones clippy checked, and nothing is compiled twice.
echo "== build the modules (with clippy)"
[ $tools_ok = 1 ] || { tail -30 /tmp/elevator-build.log; count vm_tools_build 1; }
mkdir -p "$vmdir/tools"
[ $tools_ok = 1 ] && cp "$tools"/{producer,consumer,elevctl,elevtest} "$vmdir/tools/"
for k in "${kernels[@]}"; do
    b=build/debug; [ "$k" = 6.12 ] || b=build/$k-debug
    KERNEL=$k clippy_module "/tmp/elevator-build-$k.log"; st=$?
    grep "^elevator:" "/tmp/elevator-build-$k.log" | sed "s/^/   /"
    count "clippy_module_$k" $st
    if [ $st = 2 ]; then count "vm_build_$k" 1; continue; fi
    [ $tools_ok = 1 ] || continue
    mkdir -p "$vmdir/$k/m" "$vmdir/$k/m-proconly"
    cp "$b"/*.ko "$vmdir/$k/m/"; cp "$b-proconly/elevator.ko" "$vmdir/$k/m-proconly/"
    echo "== VM suite on $k started in the background (debug kernel: lockdep, KASAN, kmemleak, fault injection)"
    tests/vm-tests.sh "$(KERNEL=$k scripts/kernel.sh debug path)" "$vmdir/$k/m" "$vmdir/tools" \
        > "$vmdir/out-$k" 2>&1 &
    vm_pid[$k]=$!
done
# make grade's own test: one more 7.3 guest grades our module and the C
# test modules of tests/grade/modules (each must fail exactly the checks
# tests/grade/expected.txt names).
if [ $tools_ok = 1 ] && [[ " ${kernels[*]} " == *" 7.3 "* ]] && [ -f build/7.3-debug/elevator.ko ]; then
    echo "== make grade's test started in the background (7.3 debug kernel)"
    cp build/7.3-debug/elevator.ko "$vmdir/grade-ours.ko"
    GRADE_OURS="$vmdir/grade-ours.ko" tests/grade/run-tests.sh > "$vmdir/out-grade" 2>&1 &
    grade_pid=$!
fi
lap
echo "== build input checks"
tests/build-checks.sh | tee "${TMPDIR:-/tmp}/elevator-build-checks.log"
add_counts "${TMPDIR:-/tmp}/elevator-build-checks.log" "${PIPESTATUS[0]}"
lap
[ $cold = 1 ] || host_checks
echo "== a student's first hour (make help, make shell KO=... in a 160x50 tmux, /host share, terminal restored)"
out=$(mktemp)
tests/vm/first-hour.sh 2>&1 | tee "$out"; add_counts "$out" "${PIPESTATUS[0]}"
rm -f "$out"
lap
for k in "${kernels[@]}"; do
    [ -n "${vm_pid[$k]:-}" ] || continue
    echo "== VM suite on $k (debug kernel: lockdep, KASAN, kmemleak, fault injection)"
    wait "${vm_pid[$k]}"; st=$?
    cat "$vmdir/out-$k"
    add_counts "$vmdir/out-$k" "$st"
    lap
done
if [ -n "${grade_pid:-}" ]; then
    echo "== make grade's test (ours, a correct C module and one per fault)"
    wait "$grade_pid"; st=$?
    cat "$vmdir/out-grade"
    add_counts "$vmdir/out-grade" "$st"
    lap
fi
echo "== all tests in $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
