#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tests: every test binary of the userspace workspace (the module's logic,
# the simulator, the /proc parser, the tools) and its doc-tests, in release mode.
#
# Cargo builds the test binaries (the files `cargo test --no-run` builds, but
# going on past a target that does not compile); this script then runs each
# binary itself, the way `cargo test` does (cwd = its package's folder,
# CARGO_MANIFEST_DIR and CARGO_PKG_NAME/VERSION set), one after the other under
# a time limit, so that a crash, a hang or a compile error is a failure with a
# name instead of a stuck or silent run, and the other binaries still count:
#   FAIL <package>/<target>: <test>           a test failed
#   FAIL <package>/<target>: killed by signal SIGSEGV (11)
#   FAIL <package>/<target>: timed out after 300 s
#   FAIL <package>/<target>: compile error
#   FAIL <package>/<target>: exit status N ...
#   FAIL <crate>/doc: <doc-test>
# where <target> is lib, bin/NAME or tests/NAME. Ends with
# "host: N passed, M failed" and exits non-zero on any failure.
#
# Environment: HOST_TESTS_WORKSPACE (default userspace/), HOST_TEST_TIMEOUT
# (seconds per test binary and for the doc-tests, default 300),
# HOST_BUILD_TIMEOUT (seconds for the build, default 1800), CARGO_TARGET_DIR.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ws=$(cd "${HOST_TESTS_WORKSPACE:-$here/userspace}" && pwd -P) || exit 1
limit=${HOST_TEST_TIMEOUT:-300}
build_limit=${HOST_BUILD_TIMEOUT:-1800}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs() { local ms=$(($(now_ms) - $1)); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }
# "killed by signal SIGSEGV (11)", "exit status 3", "timed out after 300 s"
# for a status of `timeout LIMIT cmd` that ran for ELAPSED_MS.
describe() { # status, elapsed ms, limit
    local rc=$1
    if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ "$2" -ge $(($3 * 1000)) ]; }; then
        echo "timed out after $3 s"
    elif [ "$rc" -gt 128 ]; then
        echo "killed by signal SIG$(kill -l $((rc - 128)) 2>/dev/null) ($((rc - 128)))"
    else
        echo "exit status $rc"
    fi
}
ulimit -c 0 # a crashing test leaves no core file behind

# Build every test binary: what `cargo test --release --no-run` builds (the same
# files), but past a target that does not compile (`cargo test` has no
# --keep-going). The JSON on stdout names each binary and each error.
t0=$(now_ms)
(cd "$ws" && exec timeout -k 10 "$build_limit" cargo build --workspace --release --tests \
    --examples --keep-going --message-format=json) \
    >"$work/build.json" 2>"$work/build.err" </dev/null
build_rc=$?
python3 - "$work/build.json" "$work/errors" >"$work/plan" <<'EOF'
# Lists the test binaries ("bin", name, package folder, path, package name,
# version, crate name) and the targets that did not compile ("error", name),
# and writes the compiler's error messages to the second file.
import json, os, sys

def package(pid, manifest):
    # "path+file:///dir#name@1.0", "path+file:///dir#1.0", or "name 1.0 (...)"
    if "#" in pid:
        frag = pid.rsplit("#", 1)[1]
        if "@" in frag:
            return frag.split("@", 1)
        return os.path.basename(os.path.dirname(manifest)), frag
    return pid.split(" ")[:2]

def name(pkg, target):
    kind = target["kind"][0]
    if kind in ("bin", "test", "bench", "example"):
        folder = {"bin": "bin", "test": "tests", "bench": "benches", "example": "examples"}[kind]
        return f"{pkg}/{folder}/{target['name']}"
    if kind == "custom-build":
        return f"{pkg}/build.rs"
    return f"{pkg}/lib"

errors, seen = [], set()
rendered = open(sys.argv[2], "w")
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if "target" not in m:
        continue
    pkg, version = package(m["package_id"], m.get("manifest_path", ""))
    what = name(pkg, m["target"])
    if m["reason"] == "compiler-message" and m["message"]["level"] in ("error", "error: internal compiler error"):
        text = m["message"].get("rendered") or m["message"]["message"] + "\n"
        if what not in errors:
            errors.append(what)
        if text not in seen:
            seen.add(text)
            rendered.write(text)
    elif m["reason"] == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        crate = m["target"]["name"].replace("-", "_")
        folder = os.path.dirname(m["manifest_path"])
        print("\t".join(["bin", what, folder, m["executable"], pkg, version, crate]))
for what in errors:
    print("\t".join(["error", what]))
EOF
[ $? = 0 ] || { echo "FAIL host_tests: cannot read cargo's JSON output"; failed=$((failed + 1)); }
if [ "$build_rc" != 0 ]; then
    # The compiler's messages, then one failure per target that did not build.
    head -60 "$work/errors"
    nerr=0
    while IFS=$'\t' read -r kind what; do
        [ "$kind" = error ] && { fail "$what: compile error"; nerr=$((nerr + 1)); }
    done <"$work/plan"
    if [ "$nerr" = 0 ]; then # not the compiler's fault: cargo itself, a build script, the limit
        tail -20 "$work/build.err"
        fail "cargo_build: $(describe "$build_rc" $(($(now_ms) - t0)) "$build_limit")"
    fi
fi
echo "   built in $(secs "$t0")"
if [ "$build_rc" = 0 ] && ! grep -q "^bin" "$work/plan"; then
    fail "host_tests: cargo built no test binary in $ws"
fi

# Run each test binary as cargo would, under the time limit.
i=0
while IFS=$'\t' read -r kind what dir exe pkg version crate; do
    [ "$kind" = bin ] || continue
    i=$((i + 1)); log=$work/run$i.log; t=$(now_ms)
    # (In braces, so that bash's "Segmentation fault" note goes to the log,
    # where it is then dropped: the FAIL line says it.)
    { (cd "$dir" && CARGO=$(command -v cargo) CARGO_MANIFEST_DIR=$dir \
        CARGO_MANIFEST_PATH=$dir/Cargo.toml CARGO_PKG_NAME=$pkg CARGO_PKG_VERSION=$version \
        CARGO_CRATE_NAME=$crate exec timeout -k 10 "$limit" "$exe"); } >"$log" 2>&1 </dev/null
    rc=$?; ms=$(($(now_ms) - t))
    sed -i "\\|^$0: line [0-9]*: |d" "$log"
    result=$(grep -E "^test result: " "$log" | tail -1)
    p=$(echo "$result" | sed -nE 's/.* ([0-9]+) passed;.*/\1/p')
    f=$(echo "$result" | sed -nE 's/.* ([0-9]+) failed;.*/\1/p')
    failing=$(sed -nE 's/^test (.*) \.\.\. FAILED$/\1/p' "$log")
    echo "   $what: ${p:-$(grep -c " \.\.\. ok$" "$log")} ok$([ "${f:-0}" = 0 ] || echo ", $f failed") ($(secs "$t"))"
    if [ "$rc" = 0 ] && [ -n "$result" ] && [ "$f" = 0 ]; then
        passed=$((passed + p)); continue
    fi
    # Something failed: the failing tests by name, then the binary itself
    # unless it ended the normal way of failed tests (status 101, a count).
    sed -n '/^failures:$/,/^test result:/p' "$log" | head -80 | sed 's/^/    /'
    if [ -n "$result" ]; then
        passed=$((passed + p))
    else # it died mid-run: the tests that finished, and its last words
        passed=$((passed + $(grep -c " \.\.\. ok$" "$log")))
        tail -15 "$log" | sed 's/^/    /'
    fi
    while IFS= read -r test; do
        [ -n "$test" ] && fail "$what: $test"
    done <<<"$failing"
    nfailing=$(grep -c . <<<"$failing")
    if [ -z "$result" ] || [ "$rc" != 101 ] || [ "${f:-0}" = 0 ] || [ "$nfailing" != "$f" ]; then
        if [ -z "$result" ] && [ "$rc" = 0 ]; then
            fail "$what: exit status 0 without a 'test result' line (did a test exit the process?)"
        else
            fail "$what: $(describe "$rc" "$ms" "$limit")${result:+ ($result)}"
        fi
    fi
done < <(sort -t$'\t' -k2,2 "$work/plan")

# Doc-tests (rustdoc compiles and runs them itself), when everything built.
if [ "$build_rc" = 0 ] && grep -q "/lib"$'\t' "$work/plan"; then
    t=$(now_ms)
    (cd "$ws" && exec timeout -k 10 "$limit" cargo test --workspace --release --doc \
        --no-fail-fast) >"$work/doc.log" 2>&1 </dev/null
    rc=$?; ms=$(($(now_ms) - t))
    p=$(sed -nE 's/^test result: .* ([0-9]+) passed;.*/\1/p' "$work/doc.log" | paste -sd+ | bc)
    n=$(grep -c "^test result: " "$work/doc.log")
    echo "   doc-tests of $n crates: ${p:-0} ok ($(secs "$t"))"
    passed=$((passed + ${p:-0}))
    nf=0 crate=doc-tests
    while IFS= read -r line; do
        case $line in
            "   Doc-tests "*) crate=${line#   Doc-tests } ;;
            "test "*" ... FAILED") test=${line#test }; fail "$crate/doc: ${test% ... FAILED}"; nf=$((nf + 1)) ;;
        esac
    done <"$work/doc.log"
    if [ "$rc" != 0 ]; then
        sed -n '/^failures:$/,/^test result:/p' "$work/doc.log" | head -80 | sed 's/^/    /'
        [ "$nf" = 0 ] && { tail -20 "$work/doc.log" | sed 's/^/    /'; fail "doc-tests: $(describe "$rc" "$ms" "$limit")"; }
    fi
elif [ "$build_rc" != 0 ]; then
    echo "   doc-tests: not run (the build failed)"
fi
echo "   host tests in $(secs "$t0")"
echo "host: $passed passed, $failed failed"
[ "$failed" = 0 ]
