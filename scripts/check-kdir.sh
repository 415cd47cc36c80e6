#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Checks that KDIR is a kernel build tree the module can be built against,
# and says whether it has the elevator syscall patch.
set -euo pipefail
kdir=${1:?usage: check-kdir.sh KDIR}
if [ ! -f "$kdir/Makefile" ] || [ ! -f "$kdir/.config" ]; then
    echo "error: KDIR=$kdir is not a configured kernel build tree (no Makefile/.config)" >&2
    exit 1
fi
if ! grep -qx "CONFIG_RUST=y" "$kdir/.config"; then
    echo "error: KDIR=$kdir has no Rust support (CONFIG_RUST is not set); see README.md" >&2
    exit 1
fi
if [ ! -f "$kdir/rust/libkernel.rmeta" ]; then
    echo "error: KDIR=$kdir has CONFIG_RUST=y but no built rust/ (run 'make' there first)" >&2
    exit 1
fi
if [ ! -f "$kdir/Module.symvers" ]; then
    echo "error: KDIR=$kdir has no Module.symvers (build the kernel there first)" >&2
    exit 1
fi
if grep -qw elevator_stubs_synchronize "$kdir/Module.symvers"; then
    echo "elevator: $kdir has the syscall patch: syscalls 548-550 and /proc/elevator"
else
    echo "elevator: WARNING: $kdir lacks the elevator syscall patch (kernel/*.patch):"
    echo "elevator: the module will work through /proc/elevator only (start, stop, issue S D T)"
fi
