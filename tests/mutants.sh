#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shows that the VM suite catches real bugs: builds deliberately broken copies
# of the module (against the debug kernel) and runs the cases that must catch
# each one. Every mutant must make its cases FAIL. Not part of `make test`
# (a VM boot per mutant); run after `make modules userspace DEBUG=1`.
# MUTANTS="name ..." runs only those.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kdir=$("$here/scripts/kernel.sh" debug kdir)
kernel=$("$here/scripts/kernel.sh" debug path)
tools=${CARGO_TARGET_DIR:-$HOME/.cache/elevator/cargo-target}/x86_64-unknown-linux-gnu/release
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
caught=0 missed=0

mutant() { # name, python edit (run in the copy), cases...
    local name=$1 edit=$2; shift 2
    if [ -n "${MUTANTS:-}" ] && ! printf '%s\n' $MUTANTS | grep -qx "$name"; then return; fi
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

# Boarding skips a rider who does not fit and boards the next who does
# (SPEC rule 3 says it stops at the first misfit).
mutant boarding_skips_misfits "
p='src/logic/mod.rs'; s=open(p).read()
a='''        while let Some(r) = self.queues[i].front().copied() {
            if !self.fits(&r) {
                break;
            }
            self.queues[i].pop();
'''
assert a in s
s=s.replace(a, '''        for _ in 0..self.queues[i].len() {
            let Some(r) = self.queues[i].pop() else { break };
            if !self.fits(&r) {
                let _ = self.queues[i].push(r);
                continue;
            }
'''); open(p,'w').write(s)" boarding_stops_at_the_first_misfit

# While deactivating, a stop where someone gets off also boards.
mutant boards_at_unload_stop_while_deactivating "
p='src/logic/mod.rs'; s=open(p).read()
a='let moved = self.unload(now, events) + self.board(now, events);'
assert a in s
s=s.replace(a, '''let off = self.unload(now, events);
                let deactivating = self.deactivating;
                if off > 0 {
                    self.deactivating = false;
                }
                let moved = off + self.board(now, events);
                self.deactivating = deactivating;'''); open(p,'w').write(s)" \
    no_boarding_at_an_unload_stop_while_deactivating

# pets: the Pug and the Pughuahua weigh each other's weight.
mutant pets_pug_pughuahua_swapped "
p='src/logic/profile.rs'; s=open(p).read()
a='''t(\"Pug\", b'P', 28),'''; b='''t(\"Pughuahua\", b'H', 20),'''
assert a in s and b in s
s=s.replace(a, a.replace('28', '20')).replace(b, b.replace('20', '28')); open(p,'w').write(s)" \
    every_rider_weight_in_every_profile stress_conservation

# The weight limit is exclusive.
mutant weight_limit_exclusive "
p='src/logic/mod.rs'; s=open(p).read()
a='car.half_lbs + self.weight(r) <= self.profile.max_half_lbs'
assert a in s; s=s.replace(a, a.replace('<=', '<')); open(p,'w').write(s)" \
    boarding_stops_at_the_first_misfit office_exact_and_half_pound_loads

# /proc/elevator leaves out the top floor (caught by the profile check of
# every snapshot: nobody in restart_after_offline goes to floor 5).
mutant render_drops_top_floor "
p='src/logic/render.rs'; s=open(p).read()
a='for f in (1..=p.floors).rev()'
assert a in s; s=s.replace(a, 'for f in (1..p.floors).rev()'); open(p,'w').write(s)" restart_after_offline

# /proc/elevator lists the floors bottom up.
mutant render_bottom_up "
p='src/logic/render.rs'; s=open(p).read()
a='for f in (1..=p.floors).rev()'
assert a in s; s=s.replace(a, 'for f in 1..=p.floors'); open(p,'w').write(s)" restart_after_offline

# A move takes half of floor_ms.
mutant short_moves "
p='src/logic/mod.rs'; s=open(p).read()
a='Step::Sleep(self.timing.floor_ms)'
assert a in s; s=s.replace(a, 'Step::Sleep(self.timing.floor_ms / 2)'); open(p,'w').write(s)" \
    moves_and_stops_take_their_time

# A move takes twelve times floor_ms.
mutant long_moves "
p='src/logic/mod.rs'; s=open(p).read()
a='Step::Sleep(self.timing.floor_ms)'
assert a in s; s=s.replace(a, 'Step::Sleep(self.timing.floor_ms * 12)'); open(p,'w').write(s)" \
    moves_and_stops_take_their_time

# A stop takes half of load_ms.
mutant short_stops "
p='src/logic/mod.rs'; s=open(p).read()
a='Step::Sleep(self.timing.load_ms)'
assert a in s; s=s.replace(a, 'Step::Sleep(self.timing.load_ms / 2)'); open(p,'w').write(s)" \
    moves_and_stops_take_their_time

# An unknown profile fails insmod with ENOENT instead of EINVAL.
mutant bad_profile_enoent "
p='src/elevator.rs'; s=open(p).read()
a='(expected pets, dorm or office)'
i=s.index(a); j=s.index('return Err(EINVAL);', i)
s=s[:j]+'return Err(ENOENT);'+s[j+len('return Err(EINVAL);'):]; open(p,'w').write(s)" \
    bad_module_parameters_rejected

# An unknown policy fails insmod without a word in the log.
mutant bad_policy_silent "
p='src/elevator.rs'; s=open(p).read()
import re
s2=re.sub(r'pr_err!\(\s*\"unknown policy=[^;]*;', '', s)
assert s2 != s; open(p,'w').write(s2)" bad_module_parameters_rejected

# Requests refuse floor 5 (the top) as start or destination: the producer
# lines that touch floor 5 say 1 where 0 is due.
mutant top_floor_refused "
p='src/logic/mod.rs'; s=open(p).read()
a='let floors = i32::from(profile.floors);'
assert a in s; s=s.replace(a, 'let floors = i32::from(profile.floors) - 1;'); open(p,'w').write(s)" course_sequence

# rmmod leaves /proc/elevator behind: the case's read on the descriptor
# opened before rmmod reaches the freed module and the guest oopses.
mutant proc_entry_left "
p='src/procfs.rs'; s=open(p).read()
a='unsafe { proc_remove(self.entry.as_ptr()) };'
assert a in s; s=s.replace(a, 'let _ = self.entry.as_ptr();'); open(p,'w').write(s)" rmmod_with_open_proc_file

echo "mutants: $caught caught, $missed missed"
[ "$missed" = 0 ]
