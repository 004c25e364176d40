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
# KDIR: the kernel build tree; another one (a debug kernel's O= tree, see
# scripts/debug-kernel.sh) with KVER naming its release.
KDIR ?= /lib/modules/$(KVER)/build

# Each kernel builds in its own copy of the sources, so builds for two
# kernels never share object files.
KSRC = $(BUILD)/$(KVER)/src
MODULE_SOURCES := $(wildcard $(TOP)/module/*.[ch] $(TOP)/module/Kbuild) \
		  $(TOP)/include/uapi/linux/xballoon.h $(TOP)/dkms.conf

USER := $(BUILD)/user

.PHONY: all help module modules-all tools selftests unit sparse checkpatch \
	payload doclint deps check soak demo bench bench-quick dkms-add dkms-install dkms-uninstall \
	install install-files install-dkms-src uninstall deb clean

all: module

help:
	@echo "make [KVER=<release>]   build xballoon.ko (default: running kernel)"
	@echo "make KVER=<r> KDIR=<d>  ... against the kernel build tree <d> instead"
	@echo "make modules-all        build for every kernel with headers installed"
	@echo "make tools              build xballoonctl and xballoond (static, build/user/tools)"
	@echo "make unit               run the user-space unit tests (ASan/UBSan)"
	@echo "make sparse             sparse-check the module for KVER"
	@echo "make checkpatch         run the kernel's checkpatch.pl on our sources"
	@echo "make doclint            lint the man pages (groff -ww, man --warnings) and the completion"
	@echo "make deps               install everything from Debian's archive (root)"
	@echo "make check              deps, then every test layer; prints N passed, N failed"
	@echo "make soak               deps, then the stress layer with long phases (SOAK_SECS=$(SOAK_SECS):"
	@echo "                        about 30 min a kernel); not in CI"
	@echo "make demo               deps, then boot a stock kernel in QEMU with the module"
	@echo "make bench-quick        io, hog and the kthread balloon learned, told and stepped on every platform"
	@echo "                        (TCG process and vCPU caps, Xen credit1/credit2, shared pCPU) at cap 50,"
	@echo "                        vclock and overhead benchmarks, the newest kernel"
	@echo "make bench              every benchmark: every case and cap row, both kernels, every platform (hours)"
	@echo "make dkms-install       register with DKMS and install for KVER (root)"
	@echo "make install            the tools, unit, config, man pages under DESTDIR/PREFIX"
	@echo "                        (PREFIX=$(PREFIX)); make uninstall removes them"
	@echo "make deb                xballoon-dkms and xballoon-tools .debs in build/deb/"

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
	$(wildcard tools/*.[ch] tools/ctl/*.[ch] tests/unit/*.c \
		tests/selftests/xb_*.[ch] \
		bench/*.[ch] bench/vclock/*.c)
CHECKPATCH_OPTS := --no-tree --terse --show-types --ignore FILE_PATH_CHANGES
checkpatch: $(CHECKPATCH)
	cd $(TOP) && $(CHECKPATCH) $(CHECKPATCH_OPTS) --strict -f $(CHECKPATCH_STRICT)
	cd $(TOP) && $(CHECKPATCH) $(CHECKPATCH_OPTS) -f $(CHECKPATCH_DEFAULT) \
		--ignore PREFER_DEFINED_ATTRIBUTE_MACRO,EMBEDDED_FUNCTION_NAME,LONG_LINE_STRING
	cd $(TOP) && scripts/once-bool-lint.sh module/*.c module/*.h

# The man pages: groff's every warning (-ww) and man's own checks must say
# nothing; the bash completion must parse.
MAN_PAGES := $(wildcard $(TOP)/man/*.[1-9])
doclint:
	@set -e; for f in $(MAN_PAGES); do \
		out=$$(LC_ALL=C.UTF-8 groff -ww -z -t -man $$f 2>&1; \
		       LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l $$f 2>&1 >/dev/null); \
		if [ -n "$$out" ]; then echo "$$f:"; echo "$$out"; exit 1; fi; \
		echo "$$f: clean"; \
	done
	bash -n $(TOP)/tools/completion/xballoonctl.bash

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
$(USER)/unit/steal_acct_test: $(TOP)/module/steal_acct.c \
		$(TOP)/tests/unit/trace_file.h $(wildcard $(TOP)/tests/unit/traces/*.inc)
$(USER)/unit/swc_test: $(TOP)/module/swc.c $(TOP)/module/learn.c
$(USER)/unit/learn_test: $(TOP)/module/learn.c $(TOP)/module/swc.c \
		$(TOP)/tests/unit/trace_file.h $(wildcard $(TOP)/tests/unit/traces/*.inc)
$(USER)/unit/credit_policy_test: $(TOP)/module/credit_policy.c
$(USER)/unit/hostpoll_policy_test: $(TOP)/module/hostpoll_policy.c
$(USER)/unit/utf8_test: $(TOP)/tools/xb_utf8.c $(TOP)/tools/xb_tool.h
$(USER)/unit/%_test: $(TOP)/tests/unit/%_test.c $(TOP)/module/*.h
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(filter %.c,$(filter-out $<,$^))

# Shell tests too: the bash completion, run through bash-completion.
UNIT_SCRIPTS := $(wildcard $(TOP)/tests/unit/*_test.sh)
unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do $$t; done; \
		for t in $(UNIT_SCRIPTS); do bash $$t; done

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

# The stress layer of make check with each timed phase SOAK_SECS long
# instead of 6 s: fuzzing, kill storms, unload, parameter writes and CPU
# hotplug for about half an hour a kernel.
SOAK_SECS ?= 120
soak: deps
	@XB_LAYERS=stress XB_STRESS_SECS=$(SOAK_SECS) $(TOP)/tests/check.sh

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
# includes and dkms.conf, nothing else (debian/rules installs the same).
DKMS_SRC := /usr/src/xballoon-$(VERSION)
install-dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/include/uapi/linux $(DESTDIR)$(DKMS_SRC)/module
	install -m 0644 $(TOP)/dkms.conf $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 $(TOP)/module/*.[ch] $(TOP)/module/Kbuild $(DESTDIR)$(DKMS_SRC)/module/
	install -m 0644 $(TOP)/include/uapi/linux/xballoon.h \
		$(DESTDIR)$(DKMS_SRC)/include/uapi/linux/

dkms-add: install-dkms-src
	dkms status -m xballoon -v $(VERSION) | grep -q . || dkms add -m xballoon -v $(VERSION)

dkms-install: $(KDIR)/Makefile dkms-add
	dkms build -m xballoon -v $(VERSION) -k $(KVER) --force
	dkms install -m xballoon -v $(VERSION) -k $(KVER) --force

dkms-uninstall:
	-dkms remove -m xballoon -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# make install: what an operator needs on a guest besides the module
# (make dkms-install, or the xballoon-dkms package): xballoond and
# xballoonctl, the unit, the configuration (/etc/default/xballoon, the one
# place for the cap; /etc/modprobe.d/xballoon.conf), and the man pages,
# bash completion and metrics units when the tree has them. An existing
# configuration file is kept. debian/rules runs install-files with its own
# build of the tools (TOOLS_OUT) and PREFIX=/usr.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
# systemd reads /lib/systemd/system and /usr/local/lib/systemd/system.
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
# systemd-tmpfiles reads /usr/lib/tmpfiles.d and /usr/local/lib/tmpfiles.d.
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
TMPFILES := $(wildcard $(TOP)/tools/xballoon-metrics.tmpfiles)
TOOLS_OUT ?= $(USER)/tools
UNITS := $(TOP)/tools/xballoond.service \
	$(wildcard $(TOP)/tools/xballoon-metrics.service $(TOP)/tools/xballoon-metrics.timer)
COMPLETION := $(wildcard $(TOP)/tools/completion/xballoonctl.bash)
CONF_DEFAULT := $(DESTDIR)$(SYSCONFDIR)/default/xballoon
CONF_MODPROBE := $(DESTDIR)$(SYSCONFDIR)/modprobe.d/xballoon.conf
INSTALL_DIRS := $(SBINDIR) $(UNITDIR) $(SYSCONFDIR)/default $(SYSCONFDIR)/modprobe.d \
	$(if $(MAN_PAGES),$(sort $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))))) \
	$(if $(COMPLETION),$(BASHCOMPDIR)) $(if $(TMPFILES),$(TMPFILESDIR))

install: tools
	@$(MAKE) --no-print-directory install-files
	@echo "installed under $(or $(DESTDIR),/) with PREFIX=$(PREFIX): load the module with"
	@echo "make dkms-install, then: systemctl daemon-reload; systemctl enable --now xballoond"

install-files:
	@test -x $(TOOLS_OUT)/xballoond || { echo "no $(TOOLS_OUT)/xballoond: make tools" >&2; exit 1; }
	install -d $(addprefix $(DESTDIR),$(INSTALL_DIRS))
	install -m 0755 $(TOOLS_OUT)/xballoonctl $(TOOLS_OUT)/xballoond $(DESTDIR)$(SBINDIR)/
	@set -e; for u in $(UNITS); do \
		echo "install $$u $(DESTDIR)$(UNITDIR)/"; \
		sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/etc/default/|$(SYSCONFDIR)/default/|g' \
			"$$u" > $(DESTDIR)$(UNITDIR)/$$(basename "$$u"); \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename "$$u"); \
	done
	@if [ -e $(CONF_DEFAULT) ]; then echo "keeping $(CONF_DEFAULT)"; \
	else echo "install $(CONF_DEFAULT)"; \
		install -m 0644 $(TOP)/tools/xballoon.default $(CONF_DEFAULT); fi
	@if [ -e $(CONF_MODPROBE) ]; then echo "keeping $(CONF_MODPROBE)"; \
	else echo "install $(CONF_MODPROBE)"; \
		install -m 0644 $(TOP)/tools/modprobe-xballoon.conf $(CONF_MODPROBE); fi
	@set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; echo "install $$m $(DESTDIR)$(MANDIR)/man$$s/"; \
		install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	$(if $(COMPLETION),install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/xballoonctl)
	$(if $(TMPFILES),install -m 0644 $(TMPFILES) $(DESTDIR)$(TMPFILESDIR)/xballoon.conf)

# The configuration goes only if it is still as shipped.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xballoonctl $(DESTDIR)$(SBINDIR)/xballoond
	rm -f $(foreach u,$(UNITS),$(DESTDIR)$(UNITDIR)/$(notdir $(u)))
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/xballoonctl $(DESTDIR)$(TMPFILESDIR)/xballoon.conf
	@for f in $(CONF_DEFAULT):xballoon.default $(CONF_MODPROBE):modprobe-xballoon.conf; do \
		c=$${f%%:*}; [ -e "$$c" ] || continue; \
		if cmp -s "$$c" $(TOP)/tools/$${f#*:}; then echo "rm $$c"; rm -f "$$c"; \
		else echo "keeping $$c (changed)"; fi; \
	done

# Both packages, from a copy of the tree (dpkg-buildpackage writes next to
# its source directory and leaves debian/ build state behind), into
# build/deb/. DEB_BUILD_OPTIONS is honoured: nocheck skips make unit.
DEB_OUT := $(BUILD)/deb
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh_dkms >/dev/null || \
		{ echo "dpkg-buildpackage or dh_dkms missing: run make deps" >&2; exit 1; }
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src/xballoon-$(VERSION)
	cd $(TOP) && if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' | \
			xargs -0 cp -P --parents -t $(DEB_OUT)/src/xballoon-$(VERSION); \
	else \
		tar -cf - --exclude=./build . | tar -xf - -C $(DEB_OUT)/src/xballoon-$(VERSION); \
	fi
	cd $(DEB_OUT)/src/xballoon-$(VERSION) && dpkg-buildpackage -us -uc -b
	mv $(DEB_OUT)/src/*.deb $(DEB_OUT)/src/*.buildinfo $(DEB_OUT)/src/*.changes $(DEB_OUT)/
	rm -rf $(DEB_OUT)/src
	@ls -l $(DEB_OUT)/*.deb

clean:
	rm -rf $(BUILD)
	rm -f $(TOP)/module/*.o $(TOP)/module/*.ko $(TOP)/module/*.mod* \
	      $(TOP)/module/.*.cmd $(TOP)/module/Module.symvers $(TOP)/module/modules.order
