#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regenerates docs/run.svg, docs/run.csv and docs/watch.txt from a real run in
# the VM (tests/vm/docs-run.sh), rendering `elevctl watch` on a real snapshot
# under tmux. Run from the top of the repository after `make modules userspace`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${CARGO_TARGET_DIR:-$HOME/.cache/elevator/cargo-target}/x86_64-unknown-linux-gnu/release
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$here/tests/vm/run.sh" --kernel "$("$here/scripts/kernel.sh" plain path)" \
    --add "$here/build/plain/elevator.ko:lib/modules/elevator.ko" \
    --add "$tools/elevctl:bin/elevctl" --add "$tools/producer:bin/producer" \
    --add "$tools/consumer:bin/consumer" \
    --payload "$here/tests/vm/docs-run.sh" --timeout 600 --log "$work/log" > /dev/null
tr -d '\r' < "$work/log" > "$work/clean"
for f in run.csv run.svg snap1.txt snap2.txt; do
    sed -n "/@@BEGIN $f@@/,/@@END $f@@/p" "$work/clean" | sed '1d;$d' | base64 -d > "$work/$f"
done
cp "$work/run.svg" "$work/run.csv" "$here/docs/"
cp "$work/snap1.txt" "$here/docs/proc-snapshot.txt"
tmux kill-session -t elevdoc 2>/dev/null || true
tmux new-session -d -s elevdoc -x 100 -y 16 -c "$here" \
    "$tools/elevctl watch --proc-file docs/proc-snapshot.txt"
sleep 2
tmux capture-pane -p -t elevdoc > "$here/docs/watch.txt"
tmux kill-session -t elevdoc
echo "docs: run.svg run.csv watch.txt proc-snapshot.txt updated"
