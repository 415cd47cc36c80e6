#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots the (debug) kernel with the modules and tools and runs the in-guest
# suite (userspace/elevtest). Prints each case's PASS/FAIL line and ends with
# "vm: N passed, M failed". ELEVTEST_ARGS passes arguments (--quick, names).
#
#   tests/vm-tests.sh BZIMAGE MODULE_DIR TOOLS_DIR
set -uo pipefail
kernel=${1:?bzImage}; mods=${2:?module dir}; tools=${3:?tools dir}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/payload" <<PAYLOAD
echo "guest: \$(grep -c ^processor /proc/cpuinfo) CPUs, kernel \$(uname -r)"
elevtest ${ELEVTEST_ARGS:-}
PAYLOAD
adds=()
for t in producer consumer elevctl elevtest; do adds+=(--add "$tools/$t:bin/$t"); done
start=$(date +%s)
"$here/vm/run.sh" --kernel "$kernel" "${adds[@]}" \
    --add "$mods/elevator.ko:lib/modules/elevator.ko" \
    --add "$mods/example5.ko:lib/modules/example5.ko" \
    --add "$mods-proconly/elevator.ko:lib/modules/elevator-proconly.ko" \
    --payload "$work/payload" --timeout "${VM_TIMEOUT:-3000}" --log "$work/console.log" \
    > "$work/out" 2>&1
status=$?
grep -E "^(PASS|FAIL|  |guest:)" "$work/console.log" | tr -d '\r'
passed=$(grep -c "^PASS" "$work/console.log")
failed=$(grep -c "^FAIL" "$work/console.log")
if ! grep -q "^elevtest: " "$work/console.log"; then
    echo "FAIL vm_suite_completed: the guest did not finish the suite (status $status); console tail:"
    tail -40 "$work/console.log" | sed 's/^/    /'
    failed=$((failed + 1))
elif [ $status -ne 0 ] && [ "$failed" = 0 ]; then
    echo "FAIL vm_exit_status: guest exited $status"
    failed=$((failed + 1))
fi
echo "vm: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
[ "$failed" = 0 ]
