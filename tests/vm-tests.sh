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
#   tests/vm-tests.sh BZIMAGE MODULE_DIR TOOLS_DIR
set -uo pipefail
kernel=${1:?bzImage}; mods=${2:?module dir}; tools=${3:?tools dir}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
args=${ELEVTEST_ARGS:-}
names=$(printf '%s\n' $args | grep -v '^--' || true)
# VM 1's cases; VM 2 runs the rest. They take about the same time.
vm1="unload_races idle_thread_never_wakes example5_counts_seconds"
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
elevtest $2
PAYLOAD
    "$here/vm/run.sh" --kernel "$kernel" "${adds[@]}" \
        --mem "${VM_MEM:-256}" --append "rcupdate.rcu_expedited=1" \
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
    passed=$((passed + p)) failed=$((failed + f))
done
echo "vm: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
[ "$failed" = 0 ]
