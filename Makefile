# SPDX-License-Identifier: GPL-2.0
#
# elevator: the OS course's elevator kernel module, in Rust.
#
#   make run       build what is missing, boot the VM, load the module, drive
#                  it with the request generator and show /proc/elevator
#   make test      every test: host tests, build checks, and the VM suite on
#                  the debug kernels of both kernels of the matrix
#
# Other targets: make [all] (elevator.ko against KDIR or the cached kernel),
# deps, kernel, kernel-path [DEBUG=1], userspace, shell, bench, bench-sim,
# check (rustfmt + clippy), clean. Variables: KERNEL=6.12|7.3 (which kernel of
# the matrix; default 6.12), KDIR=<Rust-enabled kernel build tree>, DEBUG=1
# (debug kernel), CLIPPY=1, FLOOR_MS/LOAD_MS/PROFILE (make run), VM_ACCEL=kvm.

SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
FLAVOR := $(if $(DEBUG),debug,plain)
# The kernel matrix: 6.12 (the project's patch, clang 14) or 7.3 (the course's
# plain patch, clang 19); see scripts/kernel.sh.
KERNEL ?= 6.12
export KERNEL
LLVM_SUFFIX := $(if $(filter 7.3,$(KERNEL)),-19,-14)
RUST_ENV := RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
	RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library \
	BINDGEN=$(HOME)/.cargo/bin/bindgen CLIPPY_DRIVER=/usr/bin/clippy-driver LLVM=$(LLVM_SUFFIX)
KMAKE = $(MAKE) --no-print-directory -C $(1) $(RUST_ENV) $(if $(CLIPPY),CLIPPY=1)
CARGO := cargo
# Cargo's build folder is shared by every clone on the machine (like the
# kernel cache), so a new clone does not rebuild the crates.io dependencies.
export CARGO_TARGET_DIR ?= $(or $(ELEVATOR_CACHE),$(HOME)/.cache/elevator)/cargo-target
STATIC_TARGET := x86_64-unknown-linux-gnu
TOOLS_DIR := $(CARGO_TARGET_DIR)/$(STATIC_TARGET)/release
TOOLS := producer consumer elevctl elevtest
MODULE_SRCS := $(wildcard $(ROOT)/src/*.rs $(ROOT)/src/logic/*.rs) $(ROOT)/Kbuild

.PHONY: all modules deps kernel kernel-path userspace run shell test test-quick host-test \
	vm-test bench bench-sim check fmt-check clippy clean

all: modules

deps:
	@$(ROOT)/scripts/deps.sh

kernel: deps
	@$(ROOT)/scripts/kernel.sh plain build
	@$(ROOT)/scripts/kernel.sh debug build

kernel-path:
	@$(ROOT)/scripts/kernel.sh $(FLAVOR) path

# The module: against KDIR if given, else the cached kernel of this flavor.
# Each kernel gets its own build folder (build/<flavor> for 6.12, the
# default, build/7.3-<flavor> for 7.3), since a module only loads into the
# kernel it was built against.
KPREFIX := $(if $(filter 6.12,$(KERNEL)),,$(KERNEL)-)
BUILD := $(ROOT)/build/$(KPREFIX)$(FLAVOR)
modules: $(if $(KDIR),,deps)
	@set -e; \
	if [ -n "$(KDIR)" ]; then kdir="$(abspath $(KDIR))"; out=$(ROOT)/build/custom; \
	else $(ROOT)/scripts/kernel.sh $(FLAVOR) build; \
	     kdir=$$($(ROOT)/scripts/kernel.sh $(FLAVOR) kdir); out=$(BUILD); fi; \
	$(ROOT)/scripts/check-kdir.sh "$$kdir"; \
	mkdir -p "$$out"; rm -rf "$$out/src"; cp -r $(ROOT)/src $(ROOT)/Kbuild "$$out/"; \
	$(call KMAKE,$$kdir) M="$$out" modules; \
	if [ -z "$(KDIR)$(DEBUG)" ] && [ "$(KERNEL)" = 6.12 ]; then cp "$$out"/elevator.ko "$$out"/example5.ko $(ROOT)/; fi; \
	if [ -n "$(KDIR)" ]; then cp "$$out"/elevator.ko "$$out"/example5.ko $(ROOT)/; fi; \
	echo "modules: $$out/elevator.ko $$out/example5.ko"; \
	if [ -z "$(KDIR)" ]; then \
	    p="$$out-proconly"; mkdir -p "$$p"; rm -rf "$$p/src"; cp -r $(ROOT)/src $(ROOT)/Kbuild "$$p/"; \
	    $(call KMAKE,$$kdir) M="$$p" ELEVATOR_PROC_ONLY=1 modules >/dev/null; \
	    echo "modules: $$p/elevator.ko (/proc-only variant, for the tests)"; fi

clippy:
	@$(MAKE) --no-print-directory modules CLIPPY=1

fmt-check:
	@/usr/bin/rustfmt --edition 2021 --check $(ROOT)/src/*.rs $(ROOT)/src/logic/*.rs
	@cd $(ROOT)/userspace && $(CARGO) fmt --all --check

check: fmt-check clippy
	@cd $(ROOT)/userspace && $(CARGO) clippy --workspace --all-targets -q -- -D warnings

# Static tools for the VM.
userspace:
	@cd $(ROOT)/userspace && RUSTFLAGS="-C target-feature=+crt-static" \
		$(CARGO) build --release -q --target $(STATIC_TARGET) $(addprefix -p ,$(TOOLS))

VM_ADDS = $(foreach t,$(TOOLS),--add $(TOOLS_DIR)/$(t):bin/$(t)) \
	--add $(BUILD)/elevator.ko:lib/modules/elevator.ko \
	--add $(BUILD)/example5.ko:lib/modules/example5.ko

FLOOR_MS ?= 2000
LOAD_MS ?= 1000
PROFILE ?= pets
RIDERS ?= 12

run: modules userspace
	@{ echo "FLOOR_MS=$(FLOOR_MS) LOAD_MS=$(LOAD_MS) PROFILE=$(PROFILE) RIDERS=$(RIDERS)"; \
		cat $(ROOT)/tests/vm/demo.sh; } > $(ROOT)/build/demo.sh
	@$(ROOT)/tests/vm/run.sh --kernel $$($(ROOT)/scripts/kernel.sh $(FLAVOR) path) \
		$(VM_ADDS) --payload $(ROOT)/build/demo.sh --timeout 1800

shell: modules userspace
	@$(ROOT)/tests/vm/run.sh --kernel $$($(ROOT)/scripts/kernel.sh $(FLAVOR) path) \
		$(VM_ADDS) --add $(ROOT)/tests/vm/motd:etc/motd --shell

host-test:
	@$(ROOT)/tests/host-tests.sh

vm-test:
	@$(MAKE) --no-print-directory modules userspace DEBUG=1
	@$(ROOT)/tests/vm-tests.sh $$($(ROOT)/scripts/kernel.sh debug path) $(ROOT)/build/$(KPREFIX)debug $(TOOLS_DIR)

# Mutants: deliberately broken copies of the module, each of which one of its
# named VM cases must catch, after a control run of the unmutated module
# (tests/mutants.sh; MUTANTS="name ..." and MUTANT_JOBS=N pass through).
.PHONY: mutants
mutants:
	@$(MAKE) -s --no-print-directory modules userspace DEBUG=1
	@CARGO_TARGET_DIR=$(CARGO_TARGET_DIR) $(ROOT)/tests/mutants.sh

test: deps
	@$(ROOT)/tests/all.sh

# The same with the VM suite's smaller variants (50 unload cycles instead of
# 1,000, smaller stress and queues): for quick iterations, not a replacement.
test-quick: deps
	@ELEVTEST_ARGS="--quick $(ELEVTEST_ARGS)" $(ROOT)/tests/all.sh

bench-sim:
	@cd $(ROOT)/userspace && $(CARGO) run --release -q -p elevsim -- --table $(ROOT)/docs/bench-sim.md

bench:
	@$(MAKE) --no-print-directory modules userspace
	@$(ROOT)/tests/bench.sh $$($(ROOT)/scripts/kernel.sh plain path) $(ROOT)/build/$(KPREFIX)plain $(TOOLS_DIR)

clean:
	rm -rf $(ROOT)/build $(ROOT)/elevator.ko $(ROOT)/example5.ko
	rm -rf $(ROOT)/userspace/target
