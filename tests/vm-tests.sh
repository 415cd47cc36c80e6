#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots the (debug) kernel with the modules and tools and runs the in-guest
# suite (userspace/elevtest). Prints each case's PASS/FAIL line and ends with
# "vm: N passed, M failed". ELEVTEST_ARGS passes arguments (--quick,
# --skip=NAME, names).
#
# The whole suite runs in two VMs side by side: one for the 1,000
# insmod/rmmod cycles of unload_races and two cases that mostly sleep, one
# for every other case. Each guest ends with its own kmemleak check. Most
# cases spend their time asleep at scaled timing, so the two share the host's
# CPUs well. With case names in ELEVTEST_ARGS, or VM_PARALLEL=0, one VM runs
# what was asked.
#
# Each guest boots with ignore_loglevel, so that every kernel message reaches
# its serial console (at the default console level WARNINGs, lockdep and
# kmemleak reports would not), and its whole console log is scanned
# afterwards: one "PASS console_clean_vmN", or a "FAIL console_clean_vmN:"
# line per report with a few lines of context. The per-case dmesg checks
# alone could miss an early report: the ring buffer (1 MB) is overrun by
# unload_races' 1,000 cycles. On a kernel with kmemleak (its .config beside
# the bzImage says CONFIG_DEBUG_KMEMLEAK=y; VM_KMEMLEAK=0/1 overrides; no
# .config: required) elevtest runs with --require-kmemleak.
#
# VM_LOGS=DIR keeps each guest's console log there (consoleN.log).
#
#   tests/vm-tests.sh BZIMAGE MODULE_DIR TOOLS_DIR
#   tests/vm-tests.sh --scan-console CONSOLE_LOG [NAME]   (scan one log only)
set -uo pipefail

# Kernel reports, at any log level; only kernel lines (with a time stamp)
# count, not elevtest's own PASS/FAIL lines that quote them. The same list as
# PROBLEMS and FINE in userspace/elevator-proc/src/guest.rs (the in-guest
# tools' list, where each pattern is explained), pattern for pattern and in
# the same order: its host test shell_list_is_the_rust_list compares them.
problems='BUG:|WARNING:|Oops|KASAN|possible recursive locking|circular locking|inconsistent lock state'
problems+='|sleeping function called|scheduling while atomic|suspicious RCU usage|general protection fault'
problems+='|Kernel panic|kernel BUG|UBSAN|panicked at|rust_panic|hung_task|blocked for more than'
problems+='|soft lockup|hard LOCKUP|detected stall|detected expedited stall'
problems+='|list_add corruption|list_del corruption|leaked|unreferenced object|kmemleak: '
# kmemleak's lines that report no problem (it falls back to scanning a whole
# object when fault injection fails its own allocation).
fine='kmemleak: Kernel memory leak detector initialized'
fine+='|kmemleak: Automatic memory scanning thread started'
fine+='|kmemleak: Automatic memory scanning thread ended'
fine+='|kmemleak: Cannot allocate a scan area, scanning the full object'
scan_console() { # console log, name; prints PASS/FAIL lines, returns the number of FAIL lines
    local log=$1 name=$2 clean hits n
    clean=$(mktemp)
    tr -d '\r' < "$log" > "$clean"
    hits=$(grep -nE "\[ *[0-9]+\.[0-9]+\].*($problems)" "$clean" | grep -vE "^[0-9]+:(PASS|FAIL) |$fine" | cut -d: -f1)
    if [ -z "$hits" ]; then
        echo "PASS $name"; rm -f "$clean"; return 0
    fi
    n=0
    for l in $hits; do
        n=$((n + 1))
        if [ $n -le 10 ]; then
            echo "FAIL $name: $(sed -n "${l}p" "$clean")"
            sed -n "$((l > 3 ? l - 3 : 1)),$((l + 6))p" "$clean" | sed 's/^/    | /'
        fi
    done
    [ $n -gt 10 ] && echo "FAIL $name: ... $((n - 10)) more report lines"
    rm -f "$clean"
    return $((n > 10 ? 11 : n))
}
if [ "${1:-}" = --scan-console ]; then
    scan_console "${2:?console log}" "${3:-console_clean}"
    exit $?
fi
kernel=${1:?bzImage}; mods=${2:?module dir}; tools=${3:?tools dir}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
args=${ELEVTEST_ARGS:-}
names=$(printf '%s\n' $args | grep -v '^--' || true)
# VM 1's cases; VM 2 runs the rest. They take about the same time.
vm1="unload_races idle_thread_never_wakes example5_counts_seconds"
config=$(cd "$(dirname "$kernel")/../../.." 2>/dev/null && pwd)/.config
if [ -n "${VM_KMEMLEAK:-}" ]; then
    need_kmemleak=$VM_KMEMLEAK
elif [ -f "$config" ]; then
    grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$config" && need_kmemleak=1 || need_kmemleak=0
else
    need_kmemleak=1
fi
kmemleak_arg=; [ "$need_kmemleak" = 1 ] && kmemleak_arg=--require-kmemleak
if [ -z "$names" ] && [ "${VM_PARALLEL:-1}" != 0 ]; then
    shards=("$args $vm1" "$args$(printf ' --skip=%s' $vm1)")
else
    shards=("$args")
fi
adds=()
for t in producer consumer elevctl elevtest; do adds+=(--add "$tools/$t:bin/$t"); done
adds+=(--add "$mods/elevator.ko:lib/modules/elevator.ko"
       --add "$mods/example5.ko:lib/modules/example5.ko"
       --add "$mods-proconly/elevator.ko:lib/modules/elevator-proconly.ko")

# One guest: 256 MB keeps each kmemleak scan short; expedited RCU grace
# periods make each module unload take milliseconds instead of jiffies.
boot() { # index, elevtest arguments
    cat > "$work/payload$1" <<PAYLOAD
echo "guest: \$(grep -c ^processor /proc/cpuinfo) CPUs, kernel \$(uname -r)"
elevtest $kmemleak_arg $2
PAYLOAD
    "$here/vm/run.sh" --kernel "$kernel" "${adds[@]}" \
        --mem "${VM_MEM:-256}" --append "rcupdate.rcu_expedited=1 ignore_loglevel" \
        --payload "$work/payload$1" --timeout "${VM_TIMEOUT:-3000}" \
        --log "$work/console$1.log" > "$work/out$1" 2>&1
    echo $? > "$work/status$1"
}

start=$(date +%s)
for i in "${!shards[@]}"; do
    boot "$i" "${shards[$i]}" &
done
wait
passed=0 failed=0
for i in "${!shards[@]}"; do
    log=$work/console$i.log status=$(cat "$work/status$i")
    touch "$log"
    [ ${#shards[@]} -gt 1 ] && echo "-- VM $((i + 1)): elevtest ${shards[$i]}"
    # The two guests' final leak checks get distinct names.
    suffix=; [ ${#shards[@]} -gt 1 ] && suffix="_vm$((i + 1))"
    grep -E "^(PASS|FAIL|  |guest:)" "$log" | tr -d '\r' | sed "s/^\(PASS\|FAIL\) kmemleak_after_suite/&$suffix/"
    p=$(grep -c "^PASS" "$log") f=$(grep -c "^FAIL" "$log")
    if ! grep -q "^elevtest: " "$log"; then
        echo "FAIL vm_suite_completed$suffix: the guest did not finish (status $status); console tail:"
        tail -40 "$log" | sed 's/^/    /'
        f=$((f + 1))
    elif [ "$status" -ne 0 ] && [ "$f" = 0 ]; then
        echo "FAIL vm_exit_status$suffix: guest exited $status"
        f=$((f + 1))
    fi
    scan_console "$log" "console_clean${suffix:-_vm1}"
    c=$?
    [ "$c" = 0 ] && p=$((p + 1))
    passed=$((passed + p)) failed=$((failed + f + c))
done
[ -n "${VM_LOGS:-}" ] && mkdir -p "$VM_LOGS" && cp "$work"/console*.log "$VM_LOGS/"
echo "vm: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
[ "$failed" = 0 ]
