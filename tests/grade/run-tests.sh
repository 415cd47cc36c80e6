#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The grader's own test (make grade, userspace/elevgrade): grades this
# project's module and each test module of tests/grade/modules/ (C, course
# style: one correct, each other with one fault) at scaled timing, and checks
# that each fails exactly the checks tests/grade/expected.txt names for it and
# no other. One VM (the 7.3 debug kernel, the course's plain patch) grades
# them all in sequence, each with its own kernel-log and kmemleak check;
# "ours" goes first and is the others' riders reference.
#
# Prints one PASS/FAIL line per module and ends with
# "grade-tests: N passed, M failed"; exit status non-zero on any failure.
#
#   tests/grade/run-tests.sh          (GRADE_FLOOR_MS=200 GRADE_LOAD_MS=100,
#                                      GRADE_OURS=path/to/elevator.ko,
#                                      GRADE_TEST_MODULES="correct ...",
#                                      GRADE_LOGS=DIR keeps reports and console,
#                                      GRADE_MODULES_DIR=DIR GRADE_EXPECTED=FILE:
#                                      other modules and expectations)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export KERNEL=7.3
# 200/100 ms: the grader judges a boarding without a stop only when no
# whole stop fits between the two reads (75 % of a stop for the same
# floor); at 50 ms stops a loaded host (load average 10) left
# boards_no_stop's boardings unjudged and the fault unseen.
floor=${GRADE_FLOOR_MS:-200} load=${GRADE_LOAD_MS:-100}
start=$(date +%s)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/share" "$work/mods"
cargo_target=${CARGO_TARGET_DIR:-${ELEVATOR_CACHE:-$HOME/.cache/elevator}/cargo-target}
tools=$cargo_target/x86_64-unknown-linux-gnu/release

fail_setup() {
    echo "FAIL grade_tests_setup: $*"
    echo "grade-tests: 0 passed, 1 failed"
    exit 1
}

bz=$("$root/scripts/kernel.sh" debug path) || fail_setup "no 7.3 debug kernel (make kernel KERNEL=7.3)"
kdir=$("$root/scripts/kernel.sh" debug kdir)
[ -f "$bz" ] || fail_setup "no 7.3 debug kernel at $bz (make kernel KERNEL=7.3)"
ours=${GRADE_OURS:-$root/build/7.3-debug/elevator.ko}
if [ ! -f "$ours" ]; then
    make -s --no-print-directory -C "$root" modules DEBUG=1 KERNEL=7.3 > "$work/ours-build.log" 2>&1 ||
        fail_setup "our module does not build: $(tail -3 "$work/ours-build.log")"
fi
(cd "$root/userspace" && CARGO_TARGET_DIR=$cargo_target RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release -q --target x86_64-unknown-linux-gnu -p elevgrade) > "$work/cargo.log" 2>&1 ||
    fail_setup "elevgrade does not build: $(tail -5 "$work/cargo.log")"

# The modules to grade: ours, then the expected list's order.
expected=${GRADE_EXPECTED:-$here/expected.txt}
modules_dir=${GRADE_MODULES_DIR:-$here/modules}
names=$(grep -vE '^\s*(#|$)' "$expected" | awk '{print $1}')
[ -n "${GRADE_TEST_MODULES:-}" ] && names="ours $GRADE_TEST_MODULES"
adds=(--add "$tools/elevgrade:bin/elevgrade" --add "$ours:lib/modules/grade/ours.ko")
for n in $names; do
    [ "$n" = ours ] && continue
    src=$modules_dir/$n
    [ -d "$src" ] || fail_setup "no test module $src"
    b=$work/build/$n; mkdir -p "$b"; cp -rL "$src/." "$b/"
    PATH=/usr/lib/llvm-19/bin:$PATH make -C "$kdir" M="$b" LLVM=-19 modules > "$b/build.log" 2>&1 ||
        fail_setup "test module $n does not build: $(grep -m3 -E 'error|Error' "$b/build.log")"
    ko=$(find "$b" -maxdepth 1 -name '*.ko' | head -1)
    adds+=(--add "$ko:lib/modules/grade/$n.ko")
done

# The payload: each module in turn; the first prepares kmemleak.
{
    echo 'echo "guest: $(grep -c ^processor /proc/cpuinfo) CPUs, kernel $(uname -r)"'
    first=1
    for n in $names; do
        args="--ko /lib/modules/grade/$n.ko --name $n --params 'floor_ms=$floor load_ms=$load' --out /host/$n --require-kmemleak"
        [ $first = 1 ] || args="$args --no-kmemleak-prepare"
        [ "$n" = ours ] || args="$args --reference-json /host/ours/report.json"
        echo "echo '@@GRADE $n'"
        echo "elevgrade $args"
        # Its report to the host now, in case a later module kills the guest.
        echo "hostsync"
        first=0
    done
    echo 'true'
} > "$work/payload"

"$root/tests/vm/run.sh" --kernel "$bz" "${adds[@]}" --mem "${VM_MEM:-256}" \
    --append "rcupdate.rcu_expedited=1 ignore_loglevel" --share "$work/share" \
    --payload "$work/payload" --timeout "${GRADE_TEST_TIMEOUT:-900}" \
    --log "$work/console.log" > "$work/vm.out" 2>&1
status=$?

passed=0 failed=0
for n in $names; do
    want=$(awk -v n="$n" '$1 == n { $1 = ""; print }' "$expected" | tr ' ' '\n' | grep -v '^-\?$' | sort | tr '\n' ' ')
    json=$work/share/$n/report.json
    if [ ! -f "$json" ]; then
        echo "FAIL grade_$n: no report (VM status $status); console:"
        tr -d '\r' < "$work/console.log" | sed -n "/@@GRADE $n/,\$p" | head -30 | sed 's/^/    /'
        failed=$((failed + 1))
        continue
    fi
    got=$("$tools/elevgrade" failed "$json" | sort | tr '\n' ' ')
    summary=$(tr -d '\r' < "$work/console.log" | sed -n "/@@GRADE $n\$/,\$p" | grep -m1 '^grade: ')
    if [ "$got" = "$want" ]; then
        echo "PASS grade_$n: fails exactly [${want% }] ($summary)"
        passed=$((passed + 1))
    else
        echo "FAIL grade_$n: expected to fail [${want% }], failed [${got% }] ($summary)"
        tr -d '\r' < "$work/console.log" | sed -n "/@@GRADE $n\$/,/^grade: /p" | grep -E '^FAIL ' | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
if [ -n "${GRADE_LOGS:-}" ]; then
    mkdir -p "$GRADE_LOGS" && cp -r "$work/share/." "$work/console.log" "$GRADE_LOGS/"
fi
echo "grade-tests: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
[ "$failed" = 0 ]
