#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots a kernel in qemu with a busybox initramfs holding the project's
# modules, tools and a payload script, and exits with the payload's status.
#
#   tests/vm/run.sh --kernel BZIMAGE [--add SRC:DEST]... [--payload SCRIPT]
#                   [--shell] [--timeout SECONDS] [--cpus N] [--mem MB]
#                   [--log FILE] [--append "kernel args"]
#
# TCG by default (KVM does not work on the project's machines); VM_ACCEL=kvm
# asks for KVM where it works. Exit status: the payload's, 124 on timeout,
# 125 if the guest never reported one.
set -euo pipefail

kernel= payload= shell=0 timeout=600 cpus=2 mem=1024 log= append=
adds=()
while [ $# -gt 0 ]; do
    case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --add) adds+=("$2"); shift 2 ;;
    --payload) payload=$2; shift 2 ;;
    --shell) shell=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -f "$kernel" ] || { echo "run.sh: no kernel at '$kernel'" >&2; exit 2; }
[ $shell = 1 ] || [ -f "$payload" ] || { echo "run.sh: no payload script '$payload'" >&2; exit 2; }
busybox=/bin/busybox
[ -x "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q "statically linked" || busybox=/usr/bin/busybox
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 missing (make deps)" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,root,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod +x "$root/init"
[ -n "$payload" ] && cp "$payload" "$root/payload"
for a in "${adds[@]}"; do
    src=${a%%:*} dest=${a#*:}
    mkdir -p "$root/$(dirname "$dest")"
    cp -r "$src" "$root/$dest"
done
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

accel=${VM_ACCEL:-tcg}
cmdline="console=ttyS0 loglevel=4 panic=-1 oops=panic"
[ $shell = 1 ] && cmdline="$cmdline elevator.shell=1"
[ -n "$append" ] && cmdline="$cmdline $append"
qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -smp "$cpus" -m "$mem"
      -kernel "$kernel" -initrd "$work/initramfs.cpio" -append "$cmdline"
      -nographic -no-reboot -serial mon:stdio -display none -net none)
[ "$accel" = tcg ] || qemu[3]=host

if [ $shell = 1 ]; then
    exec "${qemu[@]}"
fi

out=${log:-$work/console.log}
set +e
timeout --foreground -k 5 "$timeout" "${qemu[@]}" < /dev/null | tee "$out"
status=${PIPESTATUS[0]}
set -e
if [ "$status" = 124 ]; then
    echo "run.sh: guest timed out after $timeout s" >&2
    exit 124
fi
rc=$(sed -n 's/.*@@ELEVATOR-VM-EXIT \([0-9]*\)@@.*/\1/p' "$out" | tail -1)
if [ -z "$rc" ]; then
    echo "run.sh: the guest never reported an exit status (qemu status $status)" >&2
    exit 125
fi
exit "$rc"
