#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prints the path of Debian's kernel source tarball for a kernel of the
# matrix, fetching it first when it is missing.
#
#   scripts/linux-source.sh 6.12|7.3 [tarball|version]
#
# 6.12: Debian bookworm's linux-source-6.12, installed by scripts/deps.sh.
# 7.3:  Debian's linux-source-7.3, an architecture-independent package of the
#       trixie-backports suite. It is fetched with apt-get under a private
#       sources list, package lists and cache in $ELEVATOR_CACHE/debian, and
#       unpacked there with dpkg -x: the system's apt sources, lists and
#       installed packages are not touched.
set -euo pipefail

kver=${1:?usage: linux-source.sh 6.12|7.3 [tarball|version]}
what=${2:-tarball}
cache=${ELEVATOR_CACHE:-$HOME/.cache/elevator}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

case "$kver" in
6.12)
    tarball=/usr/src/linux-source-6.12.tar.xz
    [ -f "$tarball" ] || { echo "linux-source.sh: $tarball missing (run scripts/deps.sh)" >&2; exit 1; }
    version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
    ;;
7.3)
    pkg=linux-source-7.3 suite=trixie-backports
    apt_dir="$cache/debian/$suite"
    mkdir -p "$apt_dir"
    exec 8>"$apt_dir/.lock"
    flock 8
    if [ ! -f "$apt_dir/root/.done" ]; then
        echo "linux-source.sh: fetching $pkg from Debian $suite (about 170 MB) into $apt_dir" >&2
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/pkg"
        echo "deb $MIRROR $suite main" > "$apt_dir/sources.list"
        apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
                  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
                  -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1"
                  -o "APT::Sandbox::User=root")
        apt-get -qq "${apt_opts[@]}" update
        rm -f "$apt_dir"/pkg/*.deb
        (cd "$apt_dir/pkg" && apt-get -qq "${apt_opts[@]}" download "$pkg")
        deb=$(ls "$apt_dir"/pkg/"${pkg}"_*.deb)
        rm -rf "$apt_dir/root"
        dpkg -x "$deb" "$apt_dir/root"
        dpkg-deb -f "$deb" Version > "$apt_dir/root/.version"
        touch "$apt_dir/root/.done"
    fi
    tarball="$apt_dir/root/usr/src/$pkg.tar.xz"
    version=$(cat "$apt_dir/root/.version")
    ;;
*) echo "linux-source.sh: unknown kernel '$kver' (6.12 or 7.3)" >&2; exit 2 ;;
esac

case "$what" in
tarball) echo "$tarball" ;;
version) echo "$version" ;;
*) echo "linux-source.sh: unknown request '$what'" >&2; exit 2 ;;
esac
