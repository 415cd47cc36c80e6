#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Checks that KDIR is a kernel build tree the module can be built against,
# and says which kernel it is, which syscall patch it has (the project's, the
# course's or none) and so which interfaces the module gets.
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
# What the module will get there (Kbuild derives the same switches).
release=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || echo "?")
version=${release%%.*}
if [ "${version:-0}" -ge 7 ] 2>/dev/null; then api="7.x Rust API (module! params, seq_file, Instant)"; else api="6.12 Rust API (own parameter and seq_file wrappers)"; fi
if grep -q CONFIG_TASKS_RCU=y "$kdir/.config"; then tasks="RCU Tasks"; else tasks="no RCU Tasks"; fi
if grep -qw elevator_stubs_synchronize "$kdir/Module.symvers"; then
    echo "elevator: $kdir: Linux $release, $api"
    echo "elevator: it has the project's syscall patch: syscalls 548-550 (SRCU-protected STUB_*) and /proc/elevator"
elif grep -qw STUB_start_elevator "$kdir/Module.symvers"; then
    echo "elevator: $kdir: Linux $release, $api"
    echo "elevator: it has the course's syscall patch: syscalls 548-550 (plain STUB_*, unload waits with $tasks) and /proc/elevator"
else
    echo "elevator: $kdir: Linux $release, $api"
    echo "elevator: WARNING: $kdir lacks a syscall patch (kernel/patches/*):"
    echo "elevator: the module will work through /proc/elevator only (start, stop, issue S D T)"
fi
