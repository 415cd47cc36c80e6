#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Grades elevator modules black-box in the VM (make grade; see the README's
# "Grading modules"). Each MODULE is a source folder (C or Rust, with its own
# Makefile/Kbuild; built against the chosen kernel's tree) or a built .ko.
# One VM per module, on the debug kernel (7.3, the course's plain STUB_*
# patch, unless KERNEL=6.12); userspace/elevgrade grades it there, beside
# this project's module on the same seeded workload, and writes
# build/grade/<name>/report.md, report.json, riders.csv, riders.svg and
# console.log. Prints "grade: N passed, M failed, K riders in 180 s" per
# module, and a summary table for more than one.
#
#   scripts/grade.sh [MODULE...]   (default: this project's module)
#
# Environment: KERNEL=7.3|6.12, PROFILE=pets|dorm|office (default: detected),
# PARAMS="insmod parameters", SEED=N (default 1), GRADE_OUT=DIR (default
# build/grade), REFERENCE=path/to/elevator.ko or REFERENCE=none,
# GRADE_TIMEOUT=seconds per VM (default 900).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
kernel_ver=${KERNEL:-7.3}
case "$kernel_ver" in
7.3) llvm=-19 ;;
6.12) llvm=-14 ;;
*) echo "grade.sh: KERNEL=$kernel_ver: 7.3 or 6.12" >&2; exit 2 ;;
esac
export KERNEL=$kernel_ver
out=${GRADE_OUT:-$root/build/grade}
mkdir -p "$out"
out=$(cd "$out" && pwd)
seed=${SEED:-1}
cargo_target=${CARGO_TARGET_DIR:-${ELEVATOR_CACHE:-$HOME/.cache/elevator}/cargo-target}
tools=$cargo_target/x86_64-unknown-linux-gnu/release

"$root/scripts/kernel.sh" debug build >/dev/null
bz=$("$root/scripts/kernel.sh" debug path)
kdir=$("$root/scripts/kernel.sh" debug kdir)
kprefix=; [ "$kernel_ver" = 6.12 ] || kprefix="$kernel_ver-"

# The grader, static like the other tools of the VM.
(cd "$root/userspace" && CARGO_TARGET_DIR=$cargo_target RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release -q --target x86_64-unknown-linux-gnu -p elevgrade)

# The reference: this project's module on the same kernel.
reference=${REFERENCE:-}
if [ -z "$reference" ]; then
    make -s --no-print-directory -C "$root" modules DEBUG=1 KERNEL="$kernel_ver" >/dev/null
    reference=$root/build/${kprefix}debug/elevator.ko
fi
[ "$reference" = none ] || [ -f "$reference" ] || { echo "grade.sh: no reference module $reference" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Builds a module folder against the kernel tree; prints the .ko.
build_module() { # dir, name
    local src=$1 name=$2 b=$work/build/$2 env=() ko
    rm -rf "$b"; mkdir -p "$b"
    # A copy of the sources (not the folder's build products or a
    # repository's other folders), built out of the way.
    (cd "$src" && tar -ch --exclude=./.git --exclude=./build --exclude=./userspace --exclude=./target \
        --exclude=./tests --exclude=./docs --exclude='*.ko' --exclude='*.o' .) | tar -x -C "$b"
    # A Rust module needs the toolchain the kernel was built with.
    if find "$b" -name '*.rs' | grep -q .; then
        env=(RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library
             BINDGEN="$HOME/.cargo/bin/bindgen" CLIPPY_DRIVER=/usr/bin/clippy-driver)
    fi
    if ! PATH=/usr/lib/llvm$llvm/bin:$PATH make -C "$kdir" M="$b" LLVM="$llvm" "${env[@]}" modules \
        > "$out/$name/build.log" 2>&1; then
        echo "grade.sh: $name: the module does not build against $kdir (log: $out/$name/build.log)" >&2
        tail -5 "$out/$name/build.log" | sed 's/^/    /' >&2
        return 1
    fi
    # The elevator: elevator.ko if there is one, else the only .ko.
    ko=$(find "$b" -maxdepth 2 -name 'elevator.ko' | head -1)
    [ -n "$ko" ] || ko=$(find "$b" -maxdepth 2 -name '*.ko' ! -name 'example5.ko')
    [ "$(printf '%s\n' "$ko" | grep -c .)" = 1 ] || { echo "grade.sh: $name: expected one .ko, found: $ko" >&2; return 1; }
    echo "$ko"
}

grade_one() { # module (dir or .ko)
    local m=${1%/} name ko dest status
    if [ -d "$m" ]; then
        name=$(basename "$(cd "$m" && pwd)")
        [ "$(cd "$m" && pwd)" = "$root" ] && name=elevator
    else
        name=$(basename "$m" .ko)
    fi
    dest=$out/$name
    rm -rf "$dest"; mkdir -p "$dest"
    if [ -d "$m" ] && [ ! -f "$m/Makefile" ] && [ ! -f "$m/Kbuild" ]; then
        echo "grade: $name: skipped (no Makefile or Kbuild: not a module folder)"
        return 0
    elif [ -d "$m" ]; then
        echo "grade: $name: building $m against the $kernel_ver debug kernel"
        ko=$(build_module "$m" "$name") || { echo "grade: $name: does not build"; return 1; }
    elif [ -f "$m" ]; then
        ko=$m
    else
        echo "grade.sh: $m: no such folder or .ko" >&2; return 1
    fi
    local want have
    want=$(cat "$kdir/include/config/kernel.release")
    have=$(tr '\0' '\n' < "$ko" | sed -n 's/^vermagic=//p' | cut -d' ' -f1)
    [ "$have" = "$want" ] || echo "grade.sh: warning: $ko was built for Linux '$have', the VM runs '$want'" >&2
    local args="--ko /lib/modules/grade/$name.ko --name $name --seed $seed --out /host --require-kmemleak"
    args="$args --label $(printf %q "$(cd "$(dirname "$m")" && pwd)/$(basename "$m")")"
    [ -n "${PARAMS:-}" ] && args="$args --params \"$PARAMS\""
    [ -n "${PROFILE:-}" ] && args="$args --profile $PROFILE"
    local adds=(--add "$tools/elevgrade:bin/elevgrade" --add "$ko:lib/modules/grade/$name.ko")
    if [ "$reference" != none ]; then
        adds+=(--add "$reference:lib/modules/reference.ko")
        args="$args --reference /lib/modules/reference.ko"
        [ -n "${PROFILE:-}" ] && args="$args --reference-params profile=$PROFILE"
    fi
    cat > "$work/payload" <<EOF
echo "guest: \$(grep -c ^processor /proc/cpuinfo) CPUs, kernel \$(uname -r)"
elevgrade $args
EOF
    echo "grade: $name: grading in the VM (kernel $kernel_ver debug; console: $dest/console.log)"
    set +e
    "$root/tests/vm/run.sh" --kernel "$bz" "${adds[@]}" --mem "${VM_MEM:-256}" \
        --append "rcupdate.rcu_expedited=1 ignore_loglevel" --share "$dest" \
        --payload "$work/payload" --timeout "${GRADE_TIMEOUT:-900}" --log "$dest/console.log" \
        > "$work/vm.out" 2>&1
    status=$?
    set -e
    grep -E '^(PASS|FAIL) ' "$dest/console.log" | tr -d '\r' | sed 's/^/  /' || true
    if [ -f "$dest/report.json" ]; then
        grep -E '^grade: ' "$dest/console.log" | tr -d '\r' | tail -1 | sed "s/^grade:/grade: $name:/"
        echo "grade: $name: report in $dest/report.md"
    else
        echo "grade: $name: no report (VM status $status); console tail:"
        tr -d '\r' < "$dest/console.log" | tail -30 | sed 's/^/    /'
        return 1
    fi
}

[ $# -gt 0 ] || set -- "$root"
failed=0
for m in "$@"; do
    grade_one "$m" || failed=$((failed + 1))
done
if [ $# -gt 1 ]; then
    reports=()
    for m in "$@"; do
        if [ -d "$m" ]; then n=$(basename "$(cd "$m" && pwd)"); [ "$(cd "$m" && pwd)" = "$root" ] && n=elevator
        else n=$(basename "$m" .ko); fi
        [ -f "$out/$n/report.json" ] && reports+=("$out/$n/report.json")
    done
    echo
    "$tools/elevgrade" table "${reports[@]}" | tee "$out/summary.md"
fi
[ "$failed" = 0 ]
