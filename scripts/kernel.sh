#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds (once) and prints the path of the project's kernel.
#
#   scripts/kernel.sh plain|debug [path|kdir|build|outdir]
#
# path: build if needed, print bzImage's path; kdir: the same for the build
# tree (KDIR for modules); build: build only; outdir: print the cache folder
# without building.
#
# The kernel is Debian's linux-source-6.12 with kernel/*.patch applied,
# configured from tinyconfig + kernel/elevator.config (+ kernel/debug.config
# for "debug"), built with clang 14 and Debian's rustc 1.96. The source tree,
# the build folder and bzImage live under $ELEVATOR_CACHE (default
# ~/.cache/elevator), in a folder named by a hash of everything that goes into
# them, so every clone on the machine shares them and a change to any input
# builds a new one.
set -euo pipefail

flavor=${1:?usage: kernel.sh plain|debug [path|kdir|build]}
what=${2:-path}
case "$flavor" in plain|debug) ;; *) echo "kernel.sh: unknown flavor '$flavor'" >&2; exit 2;; esac

here=$(cd "$(dirname "$0")/.." && pwd)
# Bump when the build steps below change in a way that changes the result.
RECIPE="elevator-kernel-recipe-1: tinyconfig + fragments, LLVM=-14, bzImage modules_prepare, Module.symvers"
cache=${ELEVATOR_CACHE:-$HOME/.cache/elevator}
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${JOBS:-$(( $(nproc) + 1 ))}
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
       RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library \
       BINDGEN="$HOME/.cargo/bin/bindgen" LIBCLANG_PATH=/usr/lib/llvm-14/lib
kmake=(make LLVM=-14 RUSTC="$RUSTC" RUSTDOC="$RUSTDOC" BINDGEN="$BINDGEN"
       RUST_LIB_SRC="$RUST_LIB_SRC")

[ -f "$tarball" ] || { echo "kernel.sh: $tarball missing (run scripts/deps.sh)" >&2; exit 1; }

fragments=("$here/kernel/elevator.config")
[ "$flavor" = debug ] && fragments+=("$here/kernel/debug.config")

src_key=$( {
    dpkg-query -W -f='${Version}' linux-source-6.12
    cat "$here"/kernel/*.patch
} | sha256sum | cut -c1-12)
build_key=$( {
    echo "$src_key"
    echo "$RECIPE"
    cat "${fragments[@]}"
    "$RUSTC" -vV; clang-14 --version | head -1; "$BINDGEN" --version
} | sha256sum | cut -c1-12)

srcdir="$cache/src-$src_key"
outdir="$cache/kernel-$flavor-$build_key"

if [ "$what" = outdir ]; then
    echo "$outdir"; exit 0
fi
if [ "$what" = path ] && [ -f "$outdir/.done" ]; then
    echo "$outdir/arch/x86/boot/bzImage"; exit 0
fi
if [ "$what" = kdir ] && [ -f "$outdir/.done" ]; then
    echo "$outdir"; exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock-$flavor"
flock 9

if [ ! -f "$srcdir/.done" ]; then
    echo "kernel.sh: unpacking and patching linux-source-6.12 into $srcdir" >&2
    rm -rf "$srcdir" "$srcdir.tmp"; mkdir -p "$srcdir.tmp"
    tar -xf "$tarball" -C "$srcdir.tmp" --strip-components=1
    for p in "$here"/kernel/*.patch; do
        patch -d "$srcdir.tmp" -p1 --quiet --forward < "$p"
    done
    touch "$srcdir.tmp/.done"
    mv "$srcdir.tmp" "$srcdir"
fi

if [ ! -f "$outdir/.done" ]; then
    start=$(date +%s)
    echo "kernel.sh: building the $flavor kernel in $outdir (about 10 minutes, -j$jobs)" >&2
    mkdir -p "$outdir"
    "${kmake[@]}" -C "$srcdir" O="$outdir" tinyconfig >/dev/null
    (cd "$outdir" && KCONFIG_CONFIG=.config "$srcdir/scripts/kconfig/merge_config.sh" \
        -m -O "$outdir" .config "${fragments[@]}" >/dev/null)
    "${kmake[@]}" -C "$srcdir" O="$outdir" olddefconfig >/dev/null
    # olddefconfig drops what it cannot satisfy without a word: check.
    missing=0
    for f in "${fragments[@]}"; do
        while IFS= read -r line; do
            case "$line" in
            CONFIG_*=*) grep -qx "$line" "$outdir/.config" || { echo "kernel.sh: not in .config: $line" >&2; missing=1; } ;;
            "# CONFIG_"*" is not set")
                o=${line#\# }; o=${o%% *}
                if grep -q "^$o=" "$outdir/.config"; then echo "kernel.sh: still set: $o" >&2; missing=1; fi ;;
            esac
        done < "$f"
    done
    [ $missing = 0 ] || { echo "kernel.sh: ERROR: configuration incomplete" >&2; exit 1; }
    "${kmake[@]}" -C "$srcdir" O="$outdir" rustavailable >/dev/null
    if ! "${kmake[@]}" -C "$srcdir" O="$outdir" -j"$jobs" bzImage modules_prepare \
            > "$outdir/build.log" 2>&1; then
        tail -40 "$outdir/build.log" >&2
        echo "kernel.sh: ERROR: kernel build failed (log: $outdir/build.log)" >&2; exit 1
    fi
    # External modules resolve kernel symbols through Module.symvers.
    cp "$outdir/vmlinux.symvers" "$outdir/Module.symvers"
    touch "$outdir/.done"
    echo "kernel.sh: $flavor kernel built in $(( $(date +%s) - start )) s" >&2
fi

case "$what" in
path) echo "$outdir/arch/x86/boot/bzImage" ;;
kdir) echo "$outdir" ;;
build) ;;
*) echo "kernel.sh: unknown request '$what'" >&2; exit 2 ;;
esac
