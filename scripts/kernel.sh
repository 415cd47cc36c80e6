#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds (once) and prints the path of one of the project's kernels.
#
#   [KERNEL=6.12|7.3] scripts/kernel.sh plain|debug [path|kdir|build|outdir|llvm]
#
# path: build if needed, print bzImage's path; kdir: the same for the build
# tree (KDIR for modules); build: build only; outdir: print the cache folder
# without building; llvm: print the LLVM suffix the kernel is built with.
#
# The kernel matrix (KERNEL, default 6.12):
#   6.12  Debian's linux-source-6.12 + kernel/patches/6.12 (the project's
#         SRCU-protected syscall patch), built with clang 14;
#   7.3   Debian's linux-source-7.3 (trixie-backports, see linux-source.sh) +
#         kernel/patches/7.3 (the course's own plain STUB_* patch), built with
#         clang 19 (7.3 needs LLVM >= 17).
# Both are configured from tinyconfig + kernel/elevator.config (+
# kernel/debug.config for "debug") and built with Debian's rustc 1.96. The
# source tree, the build folder and bzImage live under $ELEVATOR_CACHE
# (default ~/.cache/elevator), in a folder named by a hash of everything that
# goes into them, so every clone on the machine shares them and a change to
# any input builds a new one.
set -euo pipefail

flavor=${1:?usage: kernel.sh plain|debug [path|kdir|build|outdir|llvm]}
what=${2:-path}
kver=${KERNEL:-6.12}
case "$flavor" in plain|debug) ;; *) echo "kernel.sh: unknown flavor '$flavor'" >&2; exit 2;; esac
case "$kver" in
6.12) llvm=14 ;;
7.3) llvm=19 ;;
*) echo "kernel.sh: unknown KERNEL '$kver' (6.12 or 7.3)" >&2; exit 2 ;;
esac
if [ "$what" = llvm ]; then echo "-$llvm"; exit 0; fi

here=$(cd "$(dirname "$0")/.." && pwd)
# Bump when the build steps below change in a way that changes the result.
RECIPE="elevator-kernel-recipe-2: tinyconfig + fragments, LLVM=-N, bzImage modules_prepare, Module.symvers"
cache=${ELEVATOR_CACHE:-$HOME/.cache/elevator}
jobs=${JOBS:-$(( $(nproc) + 1 ))}
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
       RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library \
       BINDGEN="$HOME/.cargo/bin/bindgen" LIBCLANG_PATH=/usr/lib/llvm-$llvm/lib
export PATH="/usr/lib/llvm-$llvm/bin:$PATH"
kmake=(make LLVM=-$llvm RUSTC="$RUSTC" RUSTDOC="$RUSTDOC" BINDGEN="$BINDGEN"
       RUST_LIB_SRC="$RUST_LIB_SRC")

patches=("$here"/kernel/patches/"$kver"/*.patch)
fragments=("$here/kernel/elevator.config")
[ "$flavor" = debug ] && fragments+=("$here/kernel/debug.config")

# Only the cheap part (no fetching) when the kernel is already built.
src_key_of() {
    { echo "linux-source-$kver $1"; cat "${patches[@]}"; } | sha256sum | cut -c1-12
}
build_key_of() {
    {
        echo "$1"; echo "$RECIPE"; cat "${fragments[@]}"
        "$RUSTC" -vV; "clang-$llvm" --version | head -1; "$BINDGEN" --version
    } | sha256sum | cut -c1-12
}
tarball=$("$here/scripts/linux-source.sh" "$kver" tarball)
version=$("$here/scripts/linux-source.sh" "$kver" version)
src_key=$(src_key_of "$version")
build_key=$(build_key_of "$src_key")
srcdir="$cache/src-$kver-$src_key"
outdir="$cache/kernel-$kver-$flavor-$build_key"

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
exec 9>"$cache/.lock-$kver-$flavor"
flock 9

if [ ! -f "$srcdir/.done" ]; then
    echo "kernel.sh: unpacking and patching linux-source-$kver ($version) into $srcdir" >&2
    rm -rf "$srcdir" "$srcdir.tmp"; mkdir -p "$srcdir.tmp"
    tar -xf "$tarball" -C "$srcdir.tmp" --strip-components=1
    for p in "${patches[@]}"; do
        patch -d "$srcdir.tmp" -p1 --quiet --forward < "$p"
    done
    touch "$srcdir.tmp/.done"
    mv "$srcdir.tmp" "$srcdir"
fi

if [ ! -f "$outdir/.done" ]; then
    start=$(date +%s)
    log="$outdir/build.log"
    echo "kernel.sh: building the $kver $flavor kernel in $outdir (-j$jobs; about 4-12 minutes on 2 cores)" >&2
    echo "kernel.sh: build log: $log" >&2
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
    "${kmake[@]}" -C "$srcdir" O="$outdir" -j"$jobs" bzImage modules_prepare > "$log" 2>&1 &
    pid=$!
    # A line a minute, so a long build is not silent.
    while kill -0 $pid 2>/dev/null; do
        for _ in $(seq 60); do sleep 1; kill -0 $pid 2>/dev/null || break; done
        kill -0 $pid 2>/dev/null || break
        last=$(grep -E '^ +(CC|RUSTC|LD|AR|AS|BINDGEN)' "$log" | tail -1 | sed 's/^ *//' || true)
        echo "kernel.sh: $kver $flavor kernel: $(( $(date +%s) - start )) s, at: $last" >&2
    done
    if ! wait $pid; then
        tail -40 "$log" >&2
        echo "kernel.sh: ERROR: kernel build failed (log: $log)" >&2; exit 1
    fi
    # External modules resolve kernel symbols through Module.symvers.
    cp "$outdir/vmlinux.symvers" "$outdir/Module.symvers"
    touch "$outdir/.done"
    echo "kernel.sh: $kver $flavor kernel built in $(( $(date +%s) - start )) s" >&2
fi

case "$what" in
path) echo "$outdir/arch/x86/boot/bzImage" ;;
kdir) echo "$outdir" ;;
build) ;;
*) echo "kernel.sh: unknown request '$what'" >&2; exit 2 ;;
esac
