#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what the build, the VM and the tests need, when it is missing:
# Debian packages (6.12 kernel source, rustc 1.96 with its library source,
# clang 14 for 6.12 and clang 19 for 7.3, qemu, busybox) and a pinned
# bindgen-cli from crates.io. The 7.3 source is fetched by linux-source.sh.
set -euo pipefail

BINDGEN_VERSION=0.73.2
PKGS=(linux-source-6.12 rustc-web rust-web-src rust-web-clippy rustfmt-web
      clang-14 lld-14 llvm-14 libclang-14-dev clang-19 lld-19 llvm-19
      libclang-19-dev bc bison flex libelf-dev
      libssl-dev cpio busybox-static qemu-system-x86 xz-utils make python3
      tmux)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing Debian packages: ${missing[*]}"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    if ! { $SUDO apt-get update -qq && \
           DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
               --no-install-recommends "${missing[@]}" >/dev/null; }; then
        echo "deps: ERROR: could not install: ${missing[*]}" >&2
        echo "deps: install them by hand (apt-get install ${missing[*]}) and retry" >&2
        exit 1
    fi
fi

BINDGEN="$HOME/.cargo/bin/bindgen"
if ! "$BINDGEN" --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
    echo "deps: installing bindgen-cli $BINDGEN_VERSION from crates.io"
    if ! command -v cargo >/dev/null; then
        echo "deps: ERROR: cargo is needed to install bindgen-cli" >&2; exit 1
    fi
    if ! LIBCLANG_PATH=/usr/lib/llvm-14/lib cargo install --locked --quiet \
            "bindgen-cli@$BINDGEN_VERSION" >/dev/null; then
        echo "deps: ERROR: cargo install bindgen-cli@$BINDGEN_VERSION failed" >&2; exit 1
    fi
fi
