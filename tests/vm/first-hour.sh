#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A student's first hour, checked (issue 12): `make help`; `make shell` does
# not rebuild an unchanged module; then `make shell KO=... SHARE=...` in a
# 160x50 tmux terminal, typed at as a user would:
#   - the console carries no firmware escapes (ESC c, ESC[?7l, ESC[2J) and no
#     "ACPI Error" / "Unable to load the System Description Tables";
#   - the shell starts in /root, where `insmod elevator.ko` works as written,
#     and the module loaded is the one KO named (same md5sum);
#   - `stty size` says 50 160 (a real controlling tty with the host's size);
#   - a host file shows up in /host, and a file written there reaches SHARE
#     on the host after `reboot -f`;
#   - after the VM exits the host terminal wraps long lines again.
# Prints PASS/FAIL lines and exits non-zero on any FAIL.
#
#   tests/vm/first-hour.sh [KO]   (default KO: the debug build's /proc-only
#                                  variant, build/debug-proconly/elevator.ko)
# Uses DEBUG=1 (the debug kernel). Needs tmux. One VM boot, ~1-3 minutes.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ko=$(realpath "${1:-$root/build/debug-proconly/elevator.ko}")
[ -f "$ko" ] || { echo "first-hour: no module at $ko (make modules DEBUG=1)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "first-hour: tmux missing" >&2; exit 2; }
work=$(mktemp -d)
sess=first-hour-$$
trap 'tmux kill-session -t "$sess" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
# A copy: other builds may replace the module while this runs.
cp "$ko" "$work/elevator.ko"; ko=$work/elevator.ko
fails=0 passes=0
[ -n "${KEEP:-}" ] && echo "first-hour: work folder $work"
check() { # name, condition command...
    local name=$1; shift
    if "$@"; then echo "PASS $name"; passes=$((passes + 1)); else echo "FAIL $name"; fails=$((fails + 1)); fi
}

# make help
make -s -C "$root" help > "$work/help" 2>&1
check make_help_exits_0 [ $? = 0 ]
check make_help_lists_targets_and_variables grep -q "make shell" "$work/help"
grep -q "KO=" "$work/help" && grep -q "SHARE=" "$work/help" && grep -q "KERNEL=" "$work/help" ||
    { echo "FAIL make_help_variables"; fails=$((fails + 1)); }

# make shell's module step twice: the second must not touch the module.
make -s -C "$root" vm-module DEBUG=1 > /dev/null 2>&1
before=$(stat -c %Y "$root/build/debug/elevator.ko" 2>/dev/null)
make -s -C "$root" vm-module DEBUG=1 > "$work/again" 2>&1
after=$(stat -c %Y "$root/build/debug/elevator.ko" 2>/dev/null)
check unchanged_module_not_rebuilt test -n "$before" -a "$before" = "$after"
check unchanged_module_says_up_to_date grep -q "up to date" "$work/again"

# The interactive session.
share=$work/share
mkdir -p "$share"
echo "from-the-host $$" > "$share/in.txt"
tmux new-session -d -s "$sess" -x 160 -y 50 "bash --norc"
tmux pipe-pane -t "$sess" -o "cat >> $work/raw"
tmux send-keys -t "$sess" "cd $root && make -s shell DEBUG=1 KO=$ko SHARE=$share; echo HOST-BACK" Enter
wait_for() { # text, seconds
    local i
    for ((i = 0; i < $2; i++)); do
        tmux capture-pane -p -t "$sess" -S -200 | grep -q "$1" && return 0
        sleep 1
    done
    return 1
}
if ! wait_for '^/[a-z]* #' 600; then
    echo "FAIL shell_prompt: no shell prompt in 600 s"; tmux capture-pane -p -t "$sess" | grep -v '^$' | tail -20
    exit 1
fi
tmux send-keys -t "$sess" 'pwd > /host/pwd; stty size > /host/size; md5sum /lib/modules/elevator.ko > /host/md5' Enter
tmux send-keys -t "$sess" 'cat /host/in.txt > /host/echo.txt; insmod elevator.ko && test -e /proc/elevator && echo ok > /host/insmod' Enter
tmux send-keys -t "$sess" 'echo typed-all; reboot -f' Enter
if ! wait_for '^HOST-BACK' 300; then
    echo "FAIL shell_exit: the VM did not exit in 300 s"; tmux capture-pane -p -t "$sess" | grep -v '^$' | tail -20
    exit 1
fi
tmux send-keys -t "$sess" "clear; echo \$(seq 100 190); echo END-OF-LINE" Enter
sleep 2
tmux capture-pane -p -t "$sess" > "$work/after"

check no_firmware_escapes_on_console \
    bash -c "! grep -aqF \$'\\033c' '$work/raw' && ! grep -aqF \$'\\033[?7l' '$work/raw'"
check no_acpi_errors_on_console bash -c "! grep -aqE 'ACPI Error|Unable to load the System Description Tables' '$work/raw'"
check shell_starts_in_root grep -qx /root "$share/pwd"
check stty_size_is_terminal_size grep -qx "50 160" "$share/size"
check ko_is_the_module_in_the_vm [ "$(cut -d' ' -f1 "$share/md5" 2>/dev/null)" = "$(md5sum < "$ko" | cut -d' ' -f1)" ]
check insmod_elevator_ko_as_written grep -qx ok "$share/insmod"
check host_file_reaches_guest_and_back grep -qx "from-the-host $$" "$share/echo.txt"
# 91 numbers of 4 characters: row 2 of 160 columns starts at 140 when wrapped.
check host_terminal_wraps_after_exit grep -q "^140 141 142" "$work/after"
if [ $fails -gt 0 ]; then
    echo "-- files the guest wrote:"; head -n 3 "$share"/* 2>/dev/null
    echo "-- console (last lines):"; tmux capture-pane -p -t "$sess" -S -60 | grep -v '^$' | tail -25
fi
echo "first-hour: $passes passed, $fails failed"
[ $fails = 0 ]
