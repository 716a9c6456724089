# rackboot - one binary, one loop.  GNU make.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
MODULEDIR  ?= $(LIBDIR)/rackboot
DATADIR    ?= $(PREFIX)/share/rackboot
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system

CC      ?= cc
PKGS    := libuv libconfig libmicrohttpd libnl-3.0 libnl-route-3.0 libiscsi nettle
# CFLAGS is the user's (optimisation, debug); RB_CFLAGS is what the code
# needs and always applies; SAN adds sanitizers to compile and link.
CFLAGS  ?= -O2 -g
# Deferred (=), not :=: pkg-config is asked when a compile needs the flags,
# not when the Makefile is read, which on a bare machine is before
# scripts/deps.sh has installed it (see demo and test below).
RB_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers \
	   -MMD -MP -iquote include $(shell pkg-config --cflags $(PKGS)) $(RB_DEFS)
RB_DEFS = -DRACKBOOT_VERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' \
	  -DMODULEDIR='"$(MODULEDIR)"'
LDLIBS  += $(shell pkg-config --libs $(PKGS))
# The RBD backend is a module (store.c loads it for storage.backend "rbd"):
# the binary does not link Ceph's libraries, and exports to the module only
# the few functions it calls back (src/store/module.sym).
MOD_LDLIBS = -lrbd -lrados $(shell pkg-config --libs libuv)
MODULES = $(B)/store_rbd.so

# Everything is found from the tree, so a new module or test cannot be
# left out of the build: one folder per subsystem under src/ (headers
# mirrored under include/), main.c the composition root apart so tests can
# link the rest.  Modules (dlopen()ed, not in the binary) are named here.
SUBSYSTEMS := core dhcp tftp http iscsi scsi store cli
MODULE_SRC := src/store/store_rbd.c
LIB_SRC := $(filter-out $(MODULE_SRC),$(wildcard $(SUBSYSTEMS:%=src/%/*.c)))
MAIN_SRC := src/main.c
# test/<subsystem>/test_*.c are the cmocka suites, test/tools/ the helper
# programs the integration tests run; their binaries all go to $(B)/test/.
UNIT_SRC := $(wildcard $(SUBSYSTEMS:%=test/%/test_*.c))
UNIT_TESTS := $(notdir $(UNIT_SRC:.c=))
# test/lib/ holds the helpers the suites share; every suite links it.
TESTLIB_SRC := $(wildcard test/lib/*.c)
TOOL_SRC := $(wildcard test/tools/*.c)
TOOLS := $(notdir $(TOOL_SRC:.c=))
FUZZERS := $(notdir $(basename $(wildcard test/fuzz/fuzz_*.c)))
vpath test_%.c $(SUBSYSTEMS:%=test/%)
vpath %.c test/tools

B ?= build
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/%.o)
MANS := $(B)/man/rackboot.8 $(B)/man/rackboot.conf.5

all: $(B)/rackboot $(MODULES) $(MANS)

$(B)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(RB_CFLAGS) -c -o $@ $<

$(B)/librackboot.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/rackboot: $(B)/main.o $(B)/librackboot.a src/store/module.sym
	$(CC) $(LDFLAGS) $(SAN) -Wl,--dynamic-list=src/store/module.sym -o $@ $(B)/main.o \
		$(B)/librackboot.a $(LDLIBS)

# Modules: position-independent, their undefined symbols resolved against
# the executable that loads them.
$(B)/mod/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(RB_CFLAGS) -fPIC -c -o $@ $<

$(B)/store_rbd.so: $(B)/mod/store/store_rbd.o
	$(CC) $(LDFLAGS) $(SAN) -shared -o $@ $^ $(MOD_LDLIBS)

$(B)/man/%: man/%.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@MODULEDIR@|$(MODULEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# Unit tests (cmocka), linked against the same library as the daemon and
# the shared helpers of test/lib/ (included as "lib/testlib.h").
TEST_CFLAGS = -iquote test $(shell pkg-config --cflags cmocka)
TESTLIB_OBJ := $(TESTLIB_SRC:test/%.c=$(B)/test/%.o)
$(B)/test/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(RB_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(B)/test/lib/%.o: test/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(RB_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(B)/test/libtest.a: $(TESTLIB_OBJ)
	$(AR) rcs $@ $^

$(B)/test/%: $(B)/test/%.o $(B)/test/libtest.a $(B)/librackboot.a
	$(CC) $(LDFLAGS) $(SAN) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

# test_store loads this module of another version (test/store/oldmod.c).
$(B)/test/oldmod/store_rbd.so: test/store/oldmod.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(RB_CFLAGS) -fPIC -shared -o $@ $<
$(B)/test/test_store: | $(B)/test/oldmod/store_rbd.so

unit: $(UNIT_TESTS:%=$(B)/test/%) $(TOOLS:%=$(B)/test/%) $(B)/rackboot $(MODULES) $(MANS)

# The same build with AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) B=build/asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
		SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' unit

# The daemon and the test tools with ThreadSanitizer, for the integration
# suites (RACKBOOT=build/tsan/rackboot; test/tsan.supp), and the unit test
# of the one module that hands work to libuv's thread pool.
tsan:
	$(MAKE) B=build/tsan CFLAGS='-O1 -g -fno-omit-frame-pointer' SAN='-fsanitize=thread' \
		build/tsan/rackboot $(TOOLS:%=build/tsan/test/%) build/tsan/test/test_store_file

# The README's two commands are the first thing typed on a bare Debian 12
# machine, so neither may compile before scripts/deps.sh (the one package
# list) has run: test installs, then builds in a new make (which reads the
# pkg-config flags afresh), then tests; scripts/demo.sh does the same itself.
# Plain `make` never runs apt.
test:
	sh scripts/deps.sh
	$(MAKE) -j$$(nproc) all unit asan tsan fuzz-build
	test/run.sh

# libFuzzer drivers (clang); `make fuzz` runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_BASE = -O1 -g -std=c11 -D_GNU_SOURCE -iquote include $(shell pkg-config --cflags $(PKGS)) $(RB_DEFS)
FUZZ_CFLAGS = -fsanitize=fuzzer,address,undefined $(FUZZ_BASE)
# The library is compiled once for all the drivers (fuzzer-no-link:
# instrumented, without libFuzzer's main) into an archive, from which each
# driver links only the objects its parser needs.
FUZZ_OBJ := $(LIB_SRC:src/%.c=$(B)/fuzz/obj/%.o)
$(B)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	clang -fsanitize=fuzzer-no-link,address,undefined $(FUZZ_BASE) -MMD -MP -c -o $@ $<
$(B)/fuzz/librackboot.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^
$(B)/fuzz/%: test/fuzz/%.c $(B)/fuzz/librackboot.a
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(B)/fuzz/librackboot.a $(LDLIBS)

fuzz-build: $(FUZZERS:%=$(B)/fuzz/%)
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	  mkdir -p $(B)/fuzz/corpus-$$f; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp \
	  $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) $(B)/fuzz/corpus-$$f test/fuzz/corpus/$$f || exit 1; \
	done

demo:
	scripts/demo.sh

# Benchmarks against the peers, side by side in one run (not tests).
bench: all
	scripts/bench.sh

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(SYSCONFDIR)/rackboot/nodes.d \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MODULEDIR)
	install -m 0755 $(B)/rackboot $(DESTDIR)$(SBINDIR)/rackboot
	install -m 0644 $(B)/store_rbd.so $(DESTDIR)$(MODULEDIR)/store_rbd.so
	install -m 0644 $(B)/man/rackboot.8 $(DESTDIR)$(MANDIR)/man8/rackboot.8
	install -m 0644 $(B)/man/rackboot.conf.5 $(DESTDIR)$(MANDIR)/man5/rackboot.conf.5
	install -m 0644 templates/*.ipxe $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 etc/rackboot.conf $(DESTDIR)$(DATADIR)/rackboot.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/rackboot/rackboot.conf || \
		install -m 0644 etc/rackboot.conf $(DESTDIR)$(SYSCONFDIR)/rackboot/rackboot.conf
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/rackboot.service.in > $(DESTDIR)$(UNITDIR)/rackboot.service

clean:
	rm -rf build

.SECONDARY:
.PHONY: all unit asan tsan test fuzz fuzz-build demo bench format install clean
-include $(shell find build -name '*.d' 2>/dev/null)
