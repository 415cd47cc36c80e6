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
# (debug kernel), CLIPPY=1, FLOOR_MS/LOAD_MS/PROFILE (make run), VM_ACCEL=kvm,
# KO=path/to/elevator.ko and SHARE=DIR (make run/shell). `make help` lists them.

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

.PHONY: all modules deps kernel kernel-path userspace run shell help vm-module test test-quick host-test \
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

# make run / make shell: KO=path/to/elevator.ko boots with that module (a
# student's own) instead of the project's, which is then not built; SHARE=DIR
# is the guest's /host (copied in at boot, copied back when the VM exits).
KO ?=
SHARE ?= $(ROOT)/build/share
VM_KO = $(if $(KO),$(abspath $(KO)),$(BUILD)/elevator.ko)
VM_ADDS = $(foreach t,$(TOOLS),--add $(TOOLS_DIR)/$(t):bin/$(t)) \
	--add $(VM_KO):lib/modules/elevator.ko \
	$(if $(KO),$(if $(wildcard $(BUILD)/example5.ko),--add $(BUILD)/example5.ko:lib/modules/example5.ko),--add $(BUILD)/example5.ko:lib/modules/example5.ko) \
	--share $(abspath $(SHARE))

# The VM's module: KO if given (checked against the VM's kernel), else the
# project's, rebuilt only when a source file or the kernel changed.
vm-module: deps
	@set -e; kdir=$$($(ROOT)/scripts/kernel.sh $(FLAVOR) kdir); \
	if [ -n "$(KO)" ]; then \
	    [ -f "$(KO)" ] || { echo "make: KO=$(KO): no such file" >&2; exit 2; }; \
	    have=$$(tr '\0' '\n' < "$(KO)" | sed -n 's/^vermagic=//p' | cut -d' ' -f1); \
	    want=$$(cat "$$kdir/include/config/kernel.release"); \
	    [ "$$have" = "$$want" ] || echo "make: warning: $(KO) was built for Linux '$$have', the VM runs '$$want': insmod will refuse it (build it against KDIR=$$kdir)" >&2; \
	    echo "vm: module $(abspath $(KO))"; \
	elif [ -f $(BUILD)/elevator.ko ] && [ -f $(BUILD)/example5.ko ] && \
	     [ "$$(cat $(BUILD)/.vm-kdir 2>/dev/null)" = "$$kdir" ] && \
	     [ -z "$$(find $(MODULE_SRCS) $(ROOT)/Makefile -newer $(BUILD)/elevator.ko)" ]; then \
	    echo "modules: $(BUILD)/elevator.ko is up to date"; \
	else $(MAKE) --no-print-directory modules; echo "$$kdir" > $(BUILD)/.vm-kdir; fi

FLOOR_MS ?= 2000
LOAD_MS ?= 1000
PROFILE ?= pets
RIDERS ?= 12

run: vm-module userspace
	@mkdir -p $(ROOT)/build; { echo "FLOOR_MS=$(FLOOR_MS) LOAD_MS=$(LOAD_MS) PROFILE=$(PROFILE) RIDERS=$(RIDERS)"; \
		cat $(ROOT)/tests/vm/demo.sh; } > $(ROOT)/build/demo.sh
	@$(ROOT)/tests/vm/run.sh --kernel $$($(ROOT)/scripts/kernel.sh $(FLAVOR) path) \
		$(VM_ADDS) --quiet-boot --payload $(ROOT)/build/demo.sh --timeout 1800

shell: vm-module userspace
	@$(ROOT)/tests/vm/run.sh --kernel $$($(ROOT)/scripts/kernel.sh $(FLAVOR) path) \
		$(VM_ADDS) --quiet-boot --add $(ROOT)/tests/vm/motd:etc/motd --shell

help:
	@echo 'make run            build what is missing, boot the VM, load the module, drive it, show /proc/elevator'
	@echo 'make shell          the same VM with a shell (in /root beside elevator.ko; /host is SHARE; reboot -f leaves)'
	@echo 'make test           every test: style, host tests, build checks, the VM suite on both debug kernels'
	@echo 'make test-quick     the same with the VM suite'"'"'s smaller variants'
	@echo 'make [all|modules]  elevator.ko and example5.ko, against KDIR or the cached kernel'
	@echo 'make userspace      the static tools (producer, consumer, elevctl, elevtest)'
	@echo 'make deps           install the Debian packages and bindgen'
	@echo 'make kernel         build the plain and debug kernels (cached in ~/.cache/elevator)'
	@echo 'make -s kernel-path print the bzImage path (DEBUG=1 for the debug kernel)'
	@echo 'make host-test      the host tests only;  make vm-test: the VM suite only'
	@echo 'make bench          benchmarks in the VM (docs/bench.md);  make bench-sim: the simulator (docs/bench-sim.md)'
	@echo 'make check          rustfmt + clippy;  make clippy: the module with CLIPPY=1;  make fmt-check'
	@echo 'make mutants       broken copies of the module that the VM suite must catch (tests/mutants.sh)'
	@echo 'make grade MODULE=dir|.ko  grade any elevator module in the VM (MODULES=folder: a class; KERNEL, PROFILE, PARAMS)'
	@echo 'make clean          remove build/, the .ko files and userspace/target'
	@echo 'make help           this list'
	@echo
	@echo 'Variables:'
	@echo '  KERNEL=6.12|7.3            which kernel of the matrix (default 6.12)'
	@echo '  DEBUG=1                    the debug kernel (lockdep, KASAN, kmemleak) instead of the plain one'
	@echo '  KDIR=DIR                   build the module against your own Rust-enabled kernel tree'
	@echo '  KO=path/to/elevator.ko     run/shell: boot with this module instead of the project'"'"'s'
	@echo '  SHARE=DIR                  run/shell: the host folder that is /host in the VM (default build/share)'
	@echo '  FLOOR_MS=2000 LOAD_MS=1000 PROFILE=pets RIDERS=12   make run'"'"'s demo'
	@echo '  ELEVTEST_ARGS="names..."   test/test-quick/vm-test: the VM cases to run (--quick, --skip=NAME)'
	@echo '  VM_ACCEL=kvm               ask qemu for KVM instead of TCG'
	@echo '  CLIPPY=1                   module build with clippy'

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

# make grade MODULE=<folder or .ko>: grades any elevator module (a
# student's or ours) black-box in the VM, on the 7.3 debug kernel unless
# KERNEL is given; MODULES=<folder> grades each submission in it, one VM
# each, then a summary table (scripts/grade.sh; reports in build/grade/).
.PHONY: grade
grade: deps
	@KERNEL=$(if $(filter command line environment,$(origin KERNEL)),$(KERNEL),7.3) \
	    PROFILE=$(if $(filter command line environment,$(origin PROFILE)),$(PROFILE)) PARAMS='$(PARAMS)' \
	    $(ROOT)/scripts/grade.sh $(MODULE) $(if $(MODULES),$(sort $(wildcard $(MODULES:%/=%)/*/ $(MODULES:%/=%)/*.ko)))

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
