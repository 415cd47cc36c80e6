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
# struct proc_ops is declared by hand in src/procfs.rs and checked against
# the kernel's header at build time: a declaration that drifts (here: one
# field dropped) must not build.
mkdir -p "$work/layout"; cp -r "$here/src" "$here/Kbuild" "$work/layout/"
python3 - "$work/layout/src/procfs.rs" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
a = "    proc_poll: Option<unsafe extern \"C\" fn(*mut bindings::file, *mut c_void) -> c_uint>,\n"
assert a in s, "procfs.rs: proc_poll field not found"
s = s.replace(a, "", 1).replace("        proc_poll: None,\n", "", 1)
s = s.replace("    assert!(offset_of!(ProcOps, proc_poll) == layout::PROC_OPS_POLL);\n", "")
open(p, "w").write(s)
PY
expect proc_ops_layout_mismatch_fails_build "size_of::<ProcOps>() == layout::PROC_OPS_SIZE" \
    make -C "$kdir" M="$work/layout" LLVM=-14 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
        RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library BINDGEN="$HOME/.cargo/bin/bindgen" modules
echo "build-checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
