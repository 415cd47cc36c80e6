#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shows that the VM suite catches real bugs: builds deliberately broken copies
# of the module (against the debug kernel) and runs the cases that must catch
# each one. Every mutant must make its cases FAIL. Not part of `make test`
# (four more VM boots); run after `make modules userspace DEBUG=1`.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kdir=$("$here/scripts/kernel.sh" debug kdir)
kernel=$("$here/scripts/kernel.sh" debug path)
tools=${CARGO_TARGET_DIR:-$HOME/.cache/elevator/cargo-target}/x86_64-unknown-linux-gnu/release
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
caught=0 missed=0

mutant() { # name, python edit (run in the copy), cases...
    local name=$1 edit=$2; shift 2
    local d=$work/$name
    mkdir -p "$d/m" "$d/m-proconly"
    cp -r "$here/src" "$here/Kbuild" "$d/m/"
    (cd "$d/m" && python3 -c "$edit") || { echo "MUTANT $name: edit failed"; missed=$((missed + 1)); return; }
    make -s -C "$kdir" M="$d/m" LLVM=-14 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
        RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library BINDGEN="$HOME/.cargo/bin/bindgen" \
        modules > "$d/build.log" 2>&1 || { echo "MUTANT $name: build failed"; missed=$((missed + 1)); return; }
    cp "$d/m/elevator.ko" "$d/m-proconly/elevator.ko"
    local out
    out=$(ELEVTEST_ARGS="--quick $*" "$here/tests/vm-tests.sh" "$kernel" "$d/m" "$tools" 2>&1 | grep -E "^FAIL")
    if [ -n "$out" ]; then
        caught=$((caught + 1)); echo "CAUGHT $name by:"; echo "$out" | cut -c1-160 | sed 's/^/    /'
    else
        missed=$((missed + 1)); echo "MISSED $name (cases: $*)"
    fi
}

mutant sleep_with_lock_held "
p='src/elevator.rs'; s=open(p).read()
a='''                Step::Sleep(ms) => {
'''
assert a in s
s=s.replace(a, a + '''                    // SAFETY: mutant.
                    unsafe { kernel::bindings::msleep(ms) };
''', 1); open(p,'w').write(s)" proc_read_never_waits_for_a_move

mutant no_weight_limit "
p='src/logic/mod.rs'; s=open(p).read()
a='car.half_lbs + self.weight(r) <= self.profile.max_half_lbs'
assert a in s; s=s.replace(a, '(car.half_lbs + self.weight(r) <= self.profile.max_half_lbs || true)'); open(p,'w').write(s)" \
    head_of_line_boarding_weight_limit office_exact_and_half_pound_loads

mutant polls_when_idle "
p='src/elevator.rs'; s=open(p).read()
a='let _ = self.work.wait_interruptible(&mut guard);'
assert a in s; s=s.replace(a, 'let _ = self.work.wait_interruptible_timeout(&mut guard, 25);'); open(p,'w').write(s)" \
    idle_thread_never_wakes

mutant stubs_left_set "
p='src/stubs.rs'; s=open(p).read()
import re
s2=re.sub(r'core::ptr::write_volatile\(&raw mut (STUB_\w+), None\);', r'let _ = &raw mut \1;', s)
assert s2 != s; open(p,'w').write(s2)" syscalls_enosys_after_unload

echo "mutants: $caught caught, $missed missed"
[ "$missed" = 0 ]
