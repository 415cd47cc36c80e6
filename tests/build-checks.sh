#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Checks that bad build inputs get clear errors: a KDIR that is not a kernel
# tree, a KDIR without Rust support; and that the build names the syscall
# patch it finds: the project's, the course's, or none (which must build the
# /proc-only module, and say so).
# Ends with "build-checks: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
passed=0 failed=0
expect() { # name, expected substring, command...
    local name=$1 want=$2; shift 2
    local out; out=$("$@" 2>&1); local rc=$?
    if echo "$out" | grep -q -- "$want"; then
        passed=$((passed + 1)); echo "PASS $name"
    else
        failed=$((failed + 1)); echo "FAIL $name: wanted '$want', got (rc $rc): $(echo "$out" | tail -3)"
    fi
}
expect_rc() { # name, command... (must fail)
    local name=$1; shift
    if "$@" >/dev/null 2>&1; then failed=$((failed + 1)); echo "FAIL $name: succeeded";
    else passed=$((passed + 1)); echo "PASS $name"; fi
}
expect kdir_missing "not a configured kernel build tree" make -s -C "$here" KDIR="$work/nope"
expect_rc kdir_missing_fails make -s -C "$here" KDIR="$work/nope"
mkdir -p "$work/norust"; touch "$work/norust/Makefile"; echo "CONFIG_MODULES=y" > "$work/norust/.config"
expect kdir_without_rust "has no Rust support" make -s -C "$here" KDIR="$work/norust"
expect_rc kdir_without_rust_fails make -s -C "$here" KDIR="$work/norust"
# A Rust kernel tree without the patch: the cached debug tree with the
# patch's symbols filtered out of a copy of its Module.symvers.
kdir=$("$here/scripts/kernel.sh" debug kdir)
mkdir -p "$work/nopatch"
grep -v -e STUB_ -e elevator_stubs_synchronize "$kdir/Module.symvers" > "$work/nopatch/Module.symvers"
cp "$kdir/.config" "$work/nopatch/.config"; touch "$work/nopatch/Makefile"; mkdir -p "$work/nopatch/rust"
touch "$work/nopatch/rust/libkernel.rmeta"
expect kdir_without_patch_warns "lacks a syscall patch" "$here/scripts/check-kdir.sh" "$work/nopatch"
expect kdir_with_project_patch "has the project's syscall patch" "$here/scripts/check-kdir.sh" "$kdir"
# The course's plain patch: the STUB_* pointers without elevator_stubs_synchronize.
cp -r "$work/nopatch" "$work/coursepatch"
grep -e STUB_ "$kdir/Module.symvers" >> "$work/coursepatch/Module.symvers"
expect kdir_with_course_patch "has the course's syscall patch" "$here/scripts/check-kdir.sh" "$work/coursepatch"
echo "build-checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
