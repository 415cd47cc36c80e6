#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots a kernel in qemu with a busybox initramfs holding the project's
# modules, tools and a payload script, and exits with the payload's status.
#
#   tests/vm/run.sh --kernel BZIMAGE [--add SRC:DEST]... [--payload SCRIPT]
#                   [--shell] [--timeout SECONDS] [--cpus N] [--mem MB]
#                   [--log FILE] [--append "kernel args"] [--share DIR]
#                   [--quiet-boot]
#
# TCG by default (KVM does not work on the project's machines); VM_ACCEL=kvm
# asks for KVM where it works. Exit status: the payload's, 124 on timeout,
# 125 if the guest never reported one.
#
# The console is the first serial port on stdio. The firmware stays off it
# (no -nographic: SeaBIOS's serial console would write ESC c, ESC[?7l and
# ESC[2J, which turn the terminal's line wrap off), and line wrap is turned
# back on when the VM exits anyway.
#
# --quiet-boot: console log level 3 until /init, then 4 again. It hides
# "ACPI Error: AE_BAD_PARAMETER, During Region initialization" and "ACPI:
# Unable to load the System Description Tables", which every boot logs: the
# kernels have ACPI but no PCI, so ACPICA cannot install its default
# PCI_Config region handler (ACPI_PCI_CONFIGURED comes with CONFIG_PCI) and
# gives up loading the DSDT. Harmless here (the CPUs come from ACPI's MADT,
# which is read anyway); no qemu option avoids it (-machine acpi=off leaves
# SeaBIOS's MP table with one CPU), CONFIG_PCI=y would.
#
# -cpu max,la57=off: 4-level paging, as on most real x86 machines. With
# 5-level paging the 7.3 debug kernel reported, about once in 70 boots under
# load and before any module was loaded, "BUG: KASAN: wild-memory-access in
# do_raw_spin_lock" from an interrupt during identify_boot_cpu(): while
# __cpuid_reset_table() rebuilds the boot CPU's feature table, LA57 reads as
# absent, so KASAN's address check takes the 5-level direct map
# (0xff11...) for a wild address. Without LA57 there is no such window.
#
# --shell: the guest gets the terminal's size (stty rows/cols) and a shell
# with a controlling tty, in /root beside the modules.
#
# --share DIR: DIR's files are copied into the guest's /host (in the
# initramfs, so in RAM), and what changes in /host is sent back over the
# second serial port (the changed files as a gzipped tar in base64, checked
# every 30 s, when the payload or shell ends, when `reboot` runs and when a
# payload runs `hostsync`) and copied into DIR when the VM exits. The kernels
# have no PCI/virtio, so qemu's 9p share cannot be used; files are copied,
# never deleted, on the host, and symlinks and special files are skipped.
set -euo pipefail

kernel= payload= shell=0 timeout=600 cpus=2 mem=1024 log= append= share= quiet=0
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
    --share) share=$2; shift 2 ;;
    --quiet-boot) quiet=1; shift ;;
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
    [ -e "$src" ] || { echo "run.sh: no such file: $src" >&2; exit 2; }
    mkdir -p "$root/$(dirname "$dest")"
    cp -r "$src" "$root/$dest"
done
if [ -n "$share" ]; then
    mkdir -p "$share" "$root/host"
    size=$(du -sm "$share" | cut -f1)
    [ "$size" -le 256 ] || { echo "run.sh: $share holds $size MB; the share is copied into the guest's RAM (at most 256 MB)" >&2; exit 2; }
    cp -r "$share/." "$root/host/"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

accel=${VM_ACCEL:-tcg}
cmdline="console=ttyS0 loglevel=4 panic=-1 oops=panic"
[ $quiet = 1 ] && cmdline="console=ttyS0 loglevel=3 elevator.loglevel=4 panic=-1 oops=panic"
if [ $shell = 1 ]; then
    cmdline="$cmdline elevator.shell=1"
    # The terminal's size (stty size: rows columns), for the guest's tty.
    if size=$(stty size 2>/dev/null) && [ -n "$size" ]; then
        cmdline="$cmdline elevator.rows=${size% *} elevator.cols=${size#* }"
    fi
fi
[ -n "$share" ] && cmdline="$cmdline elevator.share=1"
[ -n "$append" ] && cmdline="$cmdline $append"
qemu=(qemu-system-x86_64 -accel "$accel" -cpu max,la57=off -smp "$cpus" -m "$mem"
      -kernel "$kernel" -initrd "$work/initramfs.cpio" -append "$cmdline"
      -display none -vga none -no-reboot -serial mon:stdio -net none)
[ "$accel" = tcg ] || qemu[4]=host  # -cpu host
# The second serial port (ttyS1): /host's way out.
[ -n "$share" ] && qemu+=(-serial "file:$work/share.out")

# Applies every complete copy of /host's changes the guest sent, in order,
# and copies the result into the share folder.
share_back() {
    [ -n "$share" ] && [ -s "$work/share.out" ] || return 0
    local n
    mkdir -p "$work/back" "$work/copies"
    # One file per complete copy (BEGIN to END), named by its number; done
    # lists the numbers in the order they came.
    tr -d '\r' < "$work/share.out" | awk -v dir="$work/copies" '
        /^@@HOST-BEGIN [0-9]+@@$/ { n = substr($2, 1, length($2) - 2); f = dir "/" n; printf "" > f; next }
        /^@@HOST-END [0-9]+@@$/ { if (f != "") { close(f); print n > (dir "/done") } f = ""; next }
        f != "" { print > f }'
    [ -s "$work/copies/done" ] || { echo "run.sh: the guest sent no complete copy of /host" >&2; return 0; }
    while read -r n; do
        base64 -d < "$work/copies/$n" | tar -xz -C "$work/back" --no-same-owner --no-same-permissions 2>/dev/null || true
    done < "$work/copies/done"
    find "$work/back" ! -type f ! -type d -delete
    cp -r "$work/back/." "$share/"
    echo "run.sh: the guest's /host is in $share ($(find "$work/back" -type f | wc -l) files)" >&2
}

if [ $shell = 1 ]; then
    set +e
    "${qemu[@]}"
    status=$?
    set -e
    # Line wrap back on, whatever the guest left.
    [ -t 1 ] && printf '\033[?7h'
    share_back
    exit "$status"
fi

out=${log:-$work/console.log}
set +e
timeout --foreground -k 5 "$timeout" "${qemu[@]}" < /dev/null | tee "$out"
status=${PIPESTATUS[0]}
set -e
share_back
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
