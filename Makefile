# SPDX-License-Identifier: GPL-2.0
#
# xballoon: module, tools, tests. `make help` lists the targets.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(TOP)/build
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/dkms.conf)

# Kernel to build for; every kernel with headers for the *-all targets.
KVER ?= $(shell uname -r)
KVERS ?= $(shell for d in /lib/modules/*/build; do \
		[ -f $$d/Makefile ] && basename $$(dirname $$d); done 2>/dev/null)
KDIR = /lib/modules/$(KVER)/build

# Each kernel builds in its own copy of the sources, so builds for two
# kernels never share object files.
KSRC = $(BUILD)/$(KVER)/src
MODULE_SOURCES := $(wildcard $(TOP)/module/*.[ch] $(TOP)/module/Kbuild) \
		  $(TOP)/include/uapi/linux/xballoon.h $(TOP)/dkms.conf

USER := $(BUILD)/user

.PHONY: all help module modules-all tools selftests unit sparse checkpatch \
	payload deps check demo bench bench-quick dkms-add dkms-install dkms-uninstall clean

all: module

help:
	@echo "make [KVER=<release>]   build xballoon.ko (default: running kernel)"
	@echo "make modules-all        build for every kernel with headers installed"
	@echo "make tools              build xballoonctl and xballoond (static, build/user/tools)"
	@echo "make unit               run the user-space unit tests (ASan/UBSan)"
	@echo "make sparse             sparse-check the module for KVER"
	@echo "make checkpatch         run the kernel's checkpatch.pl on our sources"
	@echo "make deps               install everything from Debian's archive (root)"
	@echo "make check              deps, then every test layer; prints N passed, N failed"
	@echo "make demo               deps, then boot a stock kernel in QEMU with the module"
	@echo "make bench-quick        balloon (cap 50 % of 100 ms), vclock and overhead benchmarks, a few minutes"
	@echo "make bench              every benchmark: both caps, both kernels, Xen"
	@echo "make dkms-install       register with DKMS and install for KVER (root)"

$(KDIR)/Makefile:
	@echo "no headers for kernel $(KVER) in $(KDIR)" >&2
	@echo "installed: $(KVERS); pass KVER=<release>, or run make deps" >&2
	@exit 1

# Copy the module's sources for this kernel (keeping mtimes, so make stays
# incremental) and build there.
module: $(KDIR)/Makefile
	@mkdir -p $(KSRC)/module $(KSRC)/include/uapi/linux
	@cp -p $(TOP)/module/*.[ch] $(TOP)/module/Kbuild $(KSRC)/module/
	@cp -p $(TOP)/include/uapi/linux/xballoon.h $(KSRC)/include/uapi/linux/
	@cp -p $(TOP)/dkms.conf $(KSRC)/
	$(MAKE) -C $(KDIR) M=$(KSRC)/module W=1 modules
	@echo "built $(KSRC)/module/xballoon.ko"

modules-all:
	@set -e; for k in $(KVERS); do $(MAKE) --no-print-directory module KVER=$$k; done

# sparse over every file of the module, forced (C=2) so nothing is skipped.
sparse: $(KDIR)/Makefile
	@$(MAKE) --no-print-directory module KVER=$(KVER) >/dev/null
	$(MAKE) -C $(KDIR) M=$(KSRC)/module C=2 CHECK=sparse modules

CHECKPATCH := $(BUILD)/checkpatch/scripts/checkpatch.pl
$(CHECKPATCH):
	@src=$$(ls -d /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1); \
	[ -n "$$src" ] || { echo "no linux-source tarball: run make deps" >&2; exit 1; }; \
	top=$$(basename $$src .tar.xz); mkdir -p $(BUILD)/checkpatch; \
	tar -xJf $$src -C $(BUILD)/checkpatch --strip-components=1 \
		$$top/scripts/checkpatch.pl $$top/scripts/spelling.txt \
		$$top/scripts/const_structs.checkpatch

# Our own sources only: the vendored kselftest headers are the kernel's.
# The module and its UAPI meet --strict, but for the tracepoint header whose
# TRACE_EVENT() layout is the kernel's own idiom; user-space code meets the
# default level, minus the checks that only make sense inside the kernel.
CHECKPATCH_STRICT = $(filter-out module/trace.h, \
			$(wildcard module/*.[ch] include/uapi/linux/*.h))
CHECKPATCH_DEFAULT = module/trace.h \
	$(wildcard tools/*.c tests/unit/*.c tests/selftests/xb_*.[ch] \
		bench/*.[ch] bench/vclock/*.c)
CHECKPATCH_OPTS := --no-tree --terse --show-types --ignore FILE_PATH_CHANGES
checkpatch: $(CHECKPATCH)
	cd $(TOP) && $(CHECKPATCH) $(CHECKPATCH_OPTS) --strict -f $(CHECKPATCH_STRICT)
	cd $(TOP) && $(CHECKPATCH) $(CHECKPATCH_OPTS) -f $(CHECKPATCH_DEFAULT) \
		--ignore PREFER_DEFINED_ATTRIBUTE_MACRO,EMBEDDED_FUNCTION_NAME,LONG_LINE_STRING

# Static, for the test guests; built under build/user so the tree stays clean.
tools:
	$(MAKE) -C $(TOP)/tools STATIC=1 O=$(USER)/tools

selftests:
	$(MAKE) -C $(TOP)/tests/selftests O=$(USER)/selftests

# Pure policy code, compiled from the module's own files, under sanitizers.
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
	       -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_TESTS := $(patsubst $(TOP)/tests/unit/%.c,$(USER)/unit/%, \
		$(wildcard $(TOP)/tests/unit/*_test.c))
$(USER)/unit/steal_acct_test: $(TOP)/module/steal_acct.c
$(USER)/unit/swc_test: $(TOP)/module/swc.c
$(USER)/unit/credit_policy_test: $(TOP)/module/credit_policy.c
$(USER)/unit/%_test: $(TOP)/tests/unit/%_test.c $(TOP)/module/*.h
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(filter %.c,$(filter-out $<,$^))

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do $$t; done

# What the guest gets: the module for KVER, static tools and tests, and the
# in-guest runner. tests/vm and tests/xen boot it.
PAYLOAD = $(BUILD)/$(KVER)/payload
payload: module tools selftests
	@rm -rf $(PAYLOAD) && mkdir -p $(PAYLOAD)/bin
	@cp $(KSRC)/module/xballoon.ko $(PAYLOAD)/
	@find $(USER)/tools $(USER)/selftests -maxdepth 1 -type f -perm -u+x \
		-exec cp {} $(PAYLOAD)/bin/ \;
	@cp $(TOP)/tests/guest/run-tests.sh $(PAYLOAD)/
	@echo "payload for $(KVER) in $(PAYLOAD)"

deps:
	@$(TOP)/scripts/install-deps.sh

check: deps
	@$(TOP)/tests/check.sh

demo: deps
	@$(TOP)/tests/demo.sh

# The paper's experiments, with tables and plots in bench/results/.
# In turn, never together: the host-capped platform runs in real time.
bench: deps
	@$(TOP)/bench/run.sh
	@$(TOP)/bench/vclock/run.sh
	@$(TOP)/bench/overhead/run.sh

bench-quick: deps
	@$(TOP)/bench/run.sh --quick
	@$(TOP)/bench/vclock/run.sh --quick
	@$(TOP)/bench/overhead/run.sh --quick

# DKMS builds from /usr/src/<name>-<version>: the module, the UAPI header it
# includes and dkms.conf, nothing else.
DKMS_SRC := /usr/src/xballoon-$(VERSION)
dkms-add:
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)/include/uapi/linux $(DKMS_SRC)/module
	cp $(TOP)/dkms.conf $(DKMS_SRC)/
	cp $(TOP)/module/*.[ch] $(TOP)/module/Kbuild $(DKMS_SRC)/module/
	cp $(TOP)/include/uapi/linux/xballoon.h $(DKMS_SRC)/include/uapi/linux/
	dkms status -m xballoon -v $(VERSION) | grep -q . || dkms add -m xballoon -v $(VERSION)

dkms-install: $(KDIR)/Makefile dkms-add
	dkms build -m xballoon -v $(VERSION) -k $(KVER) --force
	dkms install -m xballoon -v $(VERSION) -k $(KVER) --force

dkms-uninstall:
	-dkms remove -m xballoon -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	rm -rf $(BUILD)
	rm -f $(TOP)/module/*.o $(TOP)/module/*.ko $(TOP)/module/*.mod* \
	      $(TOP)/module/.*.cmd $(TOP)/module/Module.symvers $(TOP)/module/modules.order
