#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the test runners: each check feeds one a broken input and wants
# a non-zero status AND a FAIL line naming the broken thing (plus a passing
# control that must stay green, so a runner that always fails is caught too).
#   - tests/host-tests.sh on the one-package workspaces of
#     tests/fixtures/runner/: a failing test, a test binary killed by SIGSEGV,
#     a test binary that does not compile, a test that never ends, a failing
#     doc-test, and a `cargo` that fails on its own (a stand-in on PATH). The
#     count line must still count the other binaries' tests (no fail-fast).
#   - tests/all.sh's clippy_module and add_counts functions (taken from the
#     file as they are), with a stand-in `make` on PATH.
# The fixtures build in their own CARGO_TARGET_DIR under the cache folder.
# Ends with "runner-selftest: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$(cd "$here/tests/fixtures/runner" && pwd -P)
export CARGO_TARGET_DIR=${ELEVATOR_CACHE:-$HOME/.cache/elevator}/runner-fixtures-target
unset HOST_TEST_TIMEOUT HOST_BUILD_TIMEOUT
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # name, "" if it holds or why it does not, output to show when it does not
    if [ -z "$2" ]; then
        passed=$((passed + 1)); echo "PASS $1"
    else
        failed=$((failed + 1)); echo "FAIL $1: $2"
        echo "$3" | tail -25 | sed 's/^/    | /'
    fi
}
# What is wrong with a run: its status, a line it must print, its count line.
verdict() { # output, status, "fail" or "pass", wanted line (grep -F), wanted count line
    local out=$1 rc=$2 why=
    if [ "$3" = fail ] && [ "$rc" = 0 ]; then why="exit status 0";
    elif [ "$3" = pass ] && [ "$rc" != 0 ]; then why="exit status $rc"; fi
    grep -qF -- "$4" <<<"$out" || why="${why:+$why; }no line '$4'"
    [ "$(tail -1 <<<"$out")" = "$5" ] || why="${why:+$why; }last line not '$5'"
    echo "$why"
}
outer=600 # seconds for one run of the runner
host() { # check name, fixture, pass|fail, wanted line, wanted count line [, VAR=value...]
    local name=$1 fixture=$2 want=$3 line=$4 counts=$5; shift 5
    local out rc t=$SECONDS
    out=$(env "$@" HOST_TESTS_WORKSPACE="$fixtures/$fixture" \
        timeout "$outer" "$here/tests/host-tests.sh" 2>&1)
    rc=$?
    check "$name" "$(verdict "$out" "$rc" "$want" "$line" "$counts")" "$out"
    echo "   ($((SECONDS - t)) s)"
}

echo "-- tests/host-tests.sh on tests/fixtures/runner/"
host host_passing_workspace good pass "   good/tests/fine: 2 ok" "host: 4 passed, 0 failed"
host host_failing_test fails fail "FAIL fails/tests/fails: this_one_fails" "host: 4 passed, 1 failed"
host host_crashing_binary crashes fail "FAIL crashes/tests/crash: killed by signal SIGSEGV (11)" \
    "host: 3 passed, 1 failed"
# From a cold target folder, one job at a time: the other binaries are built
# (and counted) only if the build goes on past the error.
rm -rf "$CARGO_TARGET_DIR/cold"
host host_compile_error broken fail "FAIL broken/tests/broken: compile error" \
    "host: 3 passed, 1 failed" CARGO_TARGET_DIR="$CARGO_TARGET_DIR/cold" CARGO_BUILD_JOBS=1
# (With a 3 s limit per binary, the whole run must be over in 2 minutes.)
outer=120
host host_hanging_test hangs fail "FAIL hangs/tests/hang: timed out after 3 s" \
    "host: 3 passed, 1 failed" HOST_TEST_TIMEOUT=3
outer=600
host host_failing_doctest doc fail "FAIL doc/doc: src/lib.rs - one_more (line 7)" \
    "host: 3 passed, 1 failed"
# cargo itself fails before compiling anything (a bad manifest, a lock, ...).
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "error: stand-in cargo fails" >&2\nexit 3\n' >"$work/bin/cargo"
chmod +x "$work/bin/cargo"
host host_cargo_fails good fail "FAIL cargo_build: exit status 3" "host: 0 passed, 1 failed" \
    PATH="$work/bin:$PATH"

echo "-- tests/all.sh: clippy_module and add_counts"
# The functions as tests/all.sh defines them.
for f in count add_counts clippy_module; do
    sed -n "/^$f() {/,/^}/p" "$here/tests/all.sh" >"$work/$f.sh"
    if [ -s "$work/$f.sh" ]; then . "$work/$f.sh"; else check "all_sh_defines_$f" "not found" ""; fi
done
# Runs `clippy_module LOG; count clippy_module $?` as tests/all.sh does, with
# a `make` that prints what is in $work/make.out and exits with $1; prints
# the output, then the counts and clippy_module's status.
clippy_with_make() {
    printf '#!/bin/sh\ncat "%s"\nexit %s\n' "$work/make.out" "$1" >"$work/bin/make"
    chmod +x "$work/bin/make"
    (
        PATH="$work/bin:$PATH" passed=0 failed=0
        clippy_module "$work/clippy.log"; st=$?
        count clippy_module $st
        echo "counts: $passed passed, $failed failed"
        exit $st
    ) 2>&1
}
clippy_check() { # name, pass|fail, make's output, make's status
    local out rc counts="counts: 1 passed, 0 failed" line="PASS clippy_module"
    printf '%b' "$3" >"$work/make.out"
    out=$(clippy_with_make "$4"); rc=$?
    [ "$2" = fail ] && { counts="counts: 0 passed, 1 failed"; line="FAIL clippy_module"; }
    check "$1" "$(verdict "$out" "$rc" "$2" "$line" "$counts")" "$out"
}
clippy_check clippy_module_make_fails fail \
    "  RUSTC [M] elevator.o\\nmake[2]: *** [Makefile:1] Error 1\\n" 2
clippy_check clippy_module_warning fail \
    "warning: unused variable: \`x\`\\n --> src/elevator.rs:1:1\\n" 0
clippy_check clippy_module_clean pass "  RUSTC [M] elevator.o\\n" 0

add_counts_check() { # name, log text, status ("" for none), wanted FAIL line or "", wanted counts
    printf '%b' "$2" >"$work/count.log"
    local out why=
    out=$(
        passed=10 failed=0
        add_counts "$work/count.log" ${3:+"$3"}
        echo "counts: $passed passed, $failed failed"
    )
    if [ -n "$4" ]; then grep -qF -- "$4" <<<"$out" || why="no line '$4'"; fi
    [ "$(tail -1 <<<"$out")" = "$5" ] || why="${why:+$why; }last line not '$5'"
    check "$1" "$why" "$out"
}
add_counts_check add_counts_no_count_line "compile error, nothing ran\\n" "" \
    "FAIL $work/count.log: no 'N passed, M failed' line" "counts: 10 passed, 1 failed"
add_counts_check add_counts_failed_status "host: 3 passed, 0 failed\\n" 1 \
    "FAIL $work/count.log: exit status 1 with 0 failed" "counts: 13 passed, 1 failed"
add_counts_check add_counts_adds "PASS a\\nvm: 3 passed, 2 failed (12 s)\\n" 1 "" \
    "counts: 13 passed, 2 failed"
add_counts_check add_counts_last_line_wins "x: 5 passed, 0 failed\\nhost: 3 passed, 0 failed\\n" 0 "" \
    "counts: 13 passed, 0 failed"

echo "runner-selftest: $passed passed, $failed failed"
[ "$failed" = 0 ]
