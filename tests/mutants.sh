#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shows that the VM suite catches real bugs: builds deliberately broken copies
# of the module (against the 6.12 debug kernel, each from a copy of src/ and
# Kbuild with one edit) and runs, in the VM with --quick, the cases named to
# catch each one. Not part of `make test` (a VM boot per mutant); `make
# mutants` builds what it needs and runs this.
#
# 1. Control: the unmutated module, built the same way, runs the union of
#    every selected mutant's cases. It must pass, or nothing is judged.
# 2. A mutant is CAUGHT only when one of ITS named cases prints FAIL (the
#    case's own checks, its kernel-log check included). If the guest died
#    (no "elevtest:" summary), it counts as caught by the named case that
#    was running (its `RUN name` marker has no PASS/FAIL after it) only when
#    the console shows a kernel report (oops, BUG, KASAN, panic...) after
#    that marker. Anything else is MISSED: a failing console scan, kmemleak
#    after the suite, an unnamed case, a guest that did not boot or exited
#    abnormally. A mutant whose edit does not apply or that does not build
#    is BROKEN and counts as missed.
# 3. Each mutant's edit, build log, VM output and console log are kept in
#    MUTANT_OUT/<name>/ (default build/mutants/), printed at the end.
# 4. Ends with `mutants: N caught, M missed`; exit status 1 if any missed.
#
# MUTANTS="name ..." runs only those; MUTANT_JOBS=N runs N mutant guests at
# once (default 1); MUTANT_LIST=1 lists the mutants and their cases;
# MUTANT_EDITS_ONLY=1 only applies each edit to a copy and shows the diff.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${CARGO_TARGET_DIR:-$HOME/.cache/elevator/cargo-target}/x86_64-unknown-linux-gnu/release
out=${MUTANT_OUT:-$here/build/mutants}
jobs=${MUTANT_JOBS:-1}
names=() descs=() edits=() cases=()

mutant() { # name, what it breaks, python edit (run in the copy), cases...
    local name=$1 desc=$2 edit=$3; shift 3
    if [ -n "${MUTANTS:-}" ] && ! printf '%s\n' $MUTANTS | grep -qx "$name"; then return; fi
    names+=("$name") descs+=("$desc") edits+=("$edit") cases+=("$*")
}

mutant sleep_with_lock_held "the thread sleeps with the building mutex held" "
p='src/elevator.rs'; s=open(p).read()
a='''                Step::Sleep(ms) => {
'''
assert a in s
s=s.replace(a, a + '''                    // SAFETY: mutant.
                    unsafe { kernel::bindings::msleep(ms) };
''', 1); open(p,'w').write(s)" proc_read_never_waits_for_a_move

mutant no_weight_limit "boarding ignores the weight limit" "
p='src/logic/mod.rs'; s=open(p).read()
a='car.half_lbs + self.weight(r) <= self.profile.max_half_lbs'
assert a in s; s=s.replace(a, '(car.half_lbs + self.weight(r) <= self.profile.max_half_lbs || true)'); open(p,'w').write(s)" \
    head_of_line_boarding_weight_limit office_exact_and_half_pound_loads

mutant polls_when_idle "the idle thread wakes every 25 jiffies instead of sleeping" "
p='src/elevator.rs'; s=open(p).read()
a='let _ = self.work.wait_interruptible(&mut guard);'
assert a in s; s=s.replace(a, 'let _ = self.work.wait_interruptible_timeout(&mut guard, 25);'); open(p,'w').write(s)" \
    idle_thread_never_wakes

mutant stubs_left_set "unload leaves the STUB_* pointers set" "
p='src/stubs.rs'; s=open(p).read()
import re
s2=re.sub(r'core::ptr::write_volatile\(&raw mut (STUB_\w+), None\);', r'let _ = &raw mut \1;', s)
assert s2 != s; open(p,'w').write(s2)" syscalls_enosys_after_unload

# Boarding skips a rider who does not fit and boards the next who does
# (SPEC rule 3 says it stops at the first misfit).
mutant boarding_skips_misfits "boarding skips a misfit and boards the next rider who fits" "
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
mutant boards_at_unload_stop_while_deactivating "boarding while deactivating at a stop where someone gets off" "
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
mutant pets_pug_pughuahua_swapped "two rider types' weights swapped (Pug, Pughuahua)" "
p='src/logic/profile.rs'; s=open(p).read()
a='''t(\"Pug\", b'P', 28),'''; b='''t(\"Pughuahua\", b'H', 20),'''
assert a in s and b in s
s=s.replace(a, a.replace('28', '20')).replace(b, b.replace('20', '28')); open(p,'w').write(s)" \
    every_rider_weight_in_every_profile stress_conservation

# The weight limit is exclusive.
mutant weight_limit_exclusive "weight check <= becomes <" "
p='src/logic/mod.rs'; s=open(p).read()
a='car.half_lbs + self.weight(r) <= self.profile.max_half_lbs'
assert a in s; s=s.replace(a, a.replace('<=', '<')); open(p,'w').write(s)" \
    boarding_stops_at_the_first_misfit office_exact_and_half_pound_loads

# /proc/elevator leaves out the top floor (caught by the profile check of
# every snapshot: nobody in restart_after_offline goes to floor 5).
mutant render_drops_top_floor "/proc/elevator drops the top floor" "
p='src/logic/render.rs'; s=open(p).read()
a='for f in (1..=p.floors).rev()'
assert a in s; s=s.replace(a, 'for f in (1..p.floors).rev()'); open(p,'w').write(s)" restart_after_offline

# /proc/elevator lists the floors bottom up.
mutant render_bottom_up "/proc/elevator lists the floors bottom-up" "
p='src/logic/render.rs'; s=open(p).read()
a='for f in (1..=p.floors).rev()'
assert a in s; s=s.replace(a, 'for f in 1..=p.floors'); open(p,'w').write(s)" restart_after_offline

# A move takes half of floor_ms.
mutant short_moves "a move takes half of floor_ms" "
p='src/logic/mod.rs'; s=open(p).read()
a='Step::Sleep(self.timing.floor_ms)'
assert a in s; s=s.replace(a, 'Step::Sleep(self.timing.floor_ms / 2)'); open(p,'w').write(s)" \
    moves_and_stops_take_their_time

# A move takes twelve times floor_ms.
mutant long_moves "a move takes twelve times floor_ms" "
p='src/logic/mod.rs'; s=open(p).read()
a='Step::Sleep(self.timing.floor_ms)'
assert a in s; s=s.replace(a, 'Step::Sleep(self.timing.floor_ms * 12)'); open(p,'w').write(s)" \
    moves_and_stops_take_their_time

# A stop takes half of load_ms.
mutant short_stops "a stop takes half of load_ms" "
p='src/logic/mod.rs'; s=open(p).read()
a='Step::Sleep(self.timing.load_ms)'
assert a in s; s=s.replace(a, 'Step::Sleep(self.timing.load_ms / 2)'); open(p,'w').write(s)" \
    moves_and_stops_take_their_time

# An unknown profile fails insmod with ENOENT instead of EINVAL.
mutant bad_profile_enoent "an unknown profile fails insmod with ENOENT, not EINVAL" "
p='src/elevator.rs'; s=open(p).read()
a='(expected pets, dorm or office)'
i=s.index(a); j=s.index('return Err(EINVAL);', i)
s=s[:j]+'return Err(ENOENT);'+s[j+len('return Err(EINVAL);'):]; open(p,'w').write(s)" \
    bad_module_parameters_rejected

# An unknown policy fails insmod without a word in the log.
mutant bad_policy_silent "an unknown policy fails insmod without a log line" "
p='src/elevator.rs'; s=open(p).read()
import re
s2=re.sub(r'pr_err!\(\s*\"unknown policy=[^;]*;', '', s)
assert s2 != s; open(p,'w').write(s2)" bad_module_parameters_rejected

# Requests refuse floor 5 (the top) as start or destination: the producer
# lines that touch floor 5 say 1 where 0 is due.
mutant top_floor_refused "requests to or from the top floor are refused" "
p='src/logic/mod.rs'; s=open(p).read()
a='let floors = i32::from(profile.floors);'
assert a in s; s=s.replace(a, 'let floors = i32::from(profile.floors) - 1;'); open(p,'w').write(s)" course_sequence

# rmmod leaves /proc/elevator behind: the case's read on the descriptor
# opened before rmmod reaches the freed module and the guest oopses.
mutant proc_entry_left "rmmod leaves /proc/elevator behind" "
p='src/procfs.rs'; s=open(p).read()
a='unsafe { proc_remove(self.entry.as_ptr()) };'
assert a in s; s=s.replace(a, 'let _ = self.entry.as_ptr();'); open(p,'w').write(s)" rmmod_with_open_proc_file

# stop_elevator while OFFLINE answers 0 (and nothing happens).
mutant stop_offline_returns_0 "stop_elevator while OFFLINE returns 0" "
p='src/logic/mod.rs'; s=open(p).read()
a='''        if !self.active || self.deactivating {
            return Err(NotRunning);
        }
'''
assert s.count(a) == 1
s=s.replace(a, '''        if !self.active {
            return Ok(());
        }
        if self.deactivating {
            return Err(NotRunning);
        }
'''); open(p,'w').write(s)" syscall_return_codes

# start_elevator after OFFLINE starts on the floor where the car stopped.
mutant start_keeps_old_floor "start_elevator keeps the old floor after OFFLINE" "
p='src/logic/mod.rs'; s=open(p).read()
i=s.index('pub fn start(&mut self)'); j=s.index('self.floor = 1;', i)
assert j - i < 400
s=s[:j]+'let _ = 1;'+s[j+len('self.floor = 1;'):]; open(p,'w').write(s)" restart_after_offline

# Unload does not wait for syscalls in flight (no synchronize_srcu on the
# project's 6.12 patch): a hammer still inside a handler uses the freed
# building or returns into the freed module.
mutant unload_without_synchronize "unload does not wait for in-flight syscalls (no elevator_stubs_synchronize)" "
p='src/stubs.rs'; s=open(p).read()
a='''            unsafe {
                elevator_stubs_synchronize()
            };
'''
assert s.count(a) == 1
s=s.replace(a, '''            let _ = elevator_stubs_synchronize as unsafe extern \"C\" fn();
'''); open(p,'w').write(s)" unload_races

# Module exit stops the thread first, then removes /proc/elevator and the
# stubs (memory-safe here: /proc and the stubs hold their own Arc of the
# building; but for a synchronize_srcu() and a proc_remove() after the thread
# is gone, /proc and the syscalls still accept work no thread will serve).
mutant thread_stopped_before_proc_and_stubs "unload stops the thread before removing /proc and the stubs" "
p='src/elevator.rs'; s=open(p).read()
i=s.index('impl Drop for ElevatorModule'); j=s.index('if let Some(thread) = self.thread.take()', i)
k=s.index('pr_info!(\"unloaded', j)
first=s[i:j]; thread=s[j:k]
a='drop(self.stubs.take());'; b='drop(self.proc_entry.take());'
assert a in first and b in first
s=s[:i]+first.replace(a, '').replace(b, '')+thread+a+'\n        '+b+'\n        '+s[k:]
open(p,'w').write(s)" unload_removes_proc_and_stubs_before_the_thread

# A leak: each load leaves one allocation unreferenced. elevtest's kmemleak
# scans come every 30 s of suite time and a leak shows at the second scan
# after it, so the cases named here are over a minute's worth (with --quick);
# the one at which that scan falls reports the leak (the final check alone
# would count as missed).
mutant leaks_on_load "each insmod leaks a 64-byte allocation" "
p='src/elevator.rs'; s=open(p).read()
a='        let (profile, timing, policy) = config()?;\n'
assert a in s
s=s.replace(a, a + '''        core::mem::forget(kernel::alloc::KBox::new([0u8; 64], GFP_KERNEL)?);
''', 1); open(p,'w').write(s)" \
    load_shows_offline_floor_1 module_parameters_visible bad_module_parameters_rejected \
    syscall_return_codes issue_request_validation proc_commands bad_proc_writes_change_nothing \
    every_policy_drains stop_delivers_aboard_without_boarding stress_conservation \
    unload_removes_proc_and_stubs_before_the_thread every_rider_weight_in_every_profile \
    rmmod_in_every_state fault_injection_insmod proc_read_never_waits_for_a_move \
    moves_and_stops_take_their_time large_queue_read_whole_any_chunking course_sequence

if [ "${MUTANT_LIST:-0}" = 1 ]; then
    for i in "${!names[@]}"; do printf '%-40s %s\n    %s\n' "${names[$i]}" "${cases[$i]}" "${descs[$i]}"; done
    exit 0
fi
[ ${#names[@]} -gt 0 ] || { echo "mutants: none selected (MUTANTS=${MUTANTS:-})"; exit 1; }
if [ "${MUTANT_EDITS_ONLY:-0}" = 1 ]; then # apply each edit to a copy of src/, show the diff
    bad=0
    for i in "${!names[@]}"; do
        d=$(mktemp -d); cp -r "$here/src" "$d/"
        if (cd "$d" && python3 -c "${edits[$i]}"); then
            echo "== ${names[$i]}"; diff -ru "$here/src" "$d/src" | grep -E '^[-+][^-+]'
        else
            echo "== ${names[$i]}: BROKEN (edit does not apply)"; bad=1
        fi
        rm -rf "$d"
    done
    exit $bad
fi
kdir=$("$here/scripts/kernel.sh" debug kdir)
kernel=$("$here/scripts/kernel.sh" debug path)
proconly=$here/build/debug-proconly/elevator.ko
for f in "$kernel" "$proconly" "$tools/elevtest"; do
    [ -f "$f" ] || { echo "mutants: $f missing (run make -s modules userspace DEBUG=1)"; exit 1; }
done
rm -rf "$out"; mkdir -p "$out"

# Every named case must exist (a typo would select nothing and catch nothing).
all_cases=$(printf '%s\n' ${cases[*]} | sort -u)
known=$("$tools/elevtest" --list)
for c in $all_cases; do
    grep -qx "$c" <<< "$known" || { echo "mutants: no VM case named $c"; exit 1; }
done

build() { # dir, python edit (empty: none); builds dir/m/elevator.ko, log in dir/build.log
    local d=$1 edit=$2
    mkdir -p "$d/m" "$d/m-proconly"
    cp -r "$here/src" "$here/Kbuild" "$d/m/"
    if [ -n "$edit" ]; then
        printf '%s\n' "$edit" > "$d/edit.py"
        (cd "$d/m" && python3 "$d/edit.py") > "$d/build.log" 2>&1 || { echo "edit does not apply" >> "$d/build.log"; return 1; }
        diff -ru "$here/src" "$d/m/src" > "$d/edit.diff"
    fi
    make -s -C "$kdir" M="$d/m" LLVM=-14 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
        RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library BINDGEN="$HOME/.cargo/bin/bindgen" \
        modules >> "$d/build.log" 2>&1 || return 1
    cp "$proconly" "$d/m-proconly/elevator.ko"
}

vm() { # dir, timeout, cases...; VM output in dir/vm.log, console in dir/console0.log
    local d=$1 t=$2 try r; shift 2
    for try in 1 2; do
        VM_LOGS=$d VM_TIMEOUT=$t VM_PARALLEL=0 ELEVTEST_ARGS="--quick $*" \
            "$here/tests/vm-tests.sh" "$kernel" "$d/m" "$tools" > "$d/vm.log" 2>&1
        r=$?
        # A guest that never reached the first case (a boot failure, as TCG
        # on a loaded host sometimes gives) judged nothing: boot it once more,
        # keeping the first attempt's logs. It still catches nothing.
        tr -d '\r' < "$d/console0.log" 2>/dev/null | grep -q '^RUN ' && break
        [ $try = 1 ] && mv "$d/vm.log" "$d/vm.boot-failed.log" && mv "$d/console0.log" "$d/console0.boot-failed.log" 2>/dev/null
    done
    return $r
}

# Kernel reports in a console log (the same patterns as vm-tests.sh's scan).
report='BUG:|WARNING:|Oops|KASAN|general protection fault|Kernel panic|kernel BUG|UBSAN|panicked at'
report+='|rust_panic|possible recursive locking|circular locking|inconsistent lock state|sleeping function called'
report+='|scheduling while atomic|list_add corruption|list_del corruption|unreferenced object|soft lockup'

judge() { # index; writes dir/result: "CAUGHT|MISSED|BROKEN<tab>detail"
    local i=$1 d=$out/${names[$i]} c hit=() log
    if [ -f "$d/broken" ]; then
        printf 'BROKEN\t%s\n' "$(tail -3 "$d/build.log" | tr '\n' ' ' | cut -c1-200)" > "$d/result"; return
    fi
    for c in ${cases[$i]}; do
        grep -qE "^FAIL $c(:| |\$)" "$d/vm.log" && hit+=("$c")
    done
    if [ ${#hit[@]} -gt 0 ]; then
        printf 'CAUGHT\t%s\n' "${hit[*]}" > "$d/result"; return
    fi
    log=$d/console0.log
    if [ -f "$log" ] && ! grep -q '^elevtest: ' "$log"; then
        # The guest died: which case was running, and did the kernel report
        # something after it started?
        local run line
        run=$(tr -d '\r' < "$log" | grep -nE '^(RUN|PASS|FAIL) ' | tail -1)
        if [[ $run =~ ^([0-9]+):RUN\ (.*)$ ]]; then
            line=${BASH_REMATCH[1]} c=${BASH_REMATCH[2]}
            if printf '%s\n' ${cases[$i]} | grep -qx "$c"; then
                local k
                k=$(tr -d '\r' < "$log" | tail -n +"$line" | grep -E "\[ *[0-9]+\.[0-9]+\].*($report)" | head -1)
                if [ -n "$k" ]; then
                    printf 'CAUGHT\t%s (guest died in it: %s)\n' "$c" "$(cut -c1-120 <<< "$k")" > "$d/result"; return
                fi
            fi
        fi
        printf 'MISSED\tguest died, not inside a named case with a kernel report\n' > "$d/result"; return
    fi
    printf 'MISSED\tno named case failed (%s)\n' "$(grep -E '^(FAIL|vm:)' "$d/vm.log" | cut -c1-100 | tr '\n' ';')" > "$d/result"
}

echo "mutants: building the control and ${#names[@]} mutants against $kdir"
build "$out/control" "" || { echo "mutants: the unmutated module does not build: $out/control/build.log"; exit 1; }
for i in "${!names[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    { build "$out/${names[$i]}" "${edits[$i]}" || touch "$out/${names[$i]}/broken"; } &
done
wait

echo "mutants: control run (unmutated module): $all_cases" | tr '\n' ' '; echo
start=$(date +%s)
if ! vm "$out/control" 3000 $all_cases; then
    grep -E '^(FAIL|vm:)' "$out/control/vm.log" | sed 's/^/    /'
    echo "mutants: the CONTROL run failed: no mutant can be judged against it ($out/control)"
    exit 1
fi
control_s=$(( $(date +%s) - start ))
# A mutant's guest gets three times the control's time (a mutant that hangs
# must not take the default 50 minutes), at least 5 minutes.
limit=$(( control_s * 3 > 300 ? control_s * 3 : 300 ))
echo "mutants: control passed ($(tail -1 "$out/control/vm.log")); guest limit ${limit} s, $jobs at a time"

for i in "${!names[@]}"; do
    [ -f "$out/${names[$i]}/broken" ] && continue
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    vm "$out/${names[$i]}" "$limit" ${cases[$i]} &
done
wait

caught=0 missed=0
printf '%-42s %-7s %s\n' mutant result "caught by / why not"
for i in "${!names[@]}"; do
    judge "$i"
    IFS=$'\t' read -r r detail < "$out/${names[$i]}/result"
    printf '%-42s %-7s %s\n' "${names[$i]}" "$r" "$detail"
    if [ "$r" = CAUGHT ]; then caught=$((caught + 1)); else missed=$((missed + 1)); fi
done
echo "mutants: logs in $out/<name>/ (edit.diff, build.log, vm.log, console0.log)"
echo "mutants: $caught caught, $missed missed"
[ "$missed" = 0 ]
