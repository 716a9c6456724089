# rackboot - one binary, one loop.  GNU make.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share/rackboot
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system

CC      ?= cc
PKGS    := libuv libconfig libmicrohttpd libnl-3.0 libnl-route-3.0 libiscsi libcrypto
# CFLAGS is the user's (optimisation, debug); RB_CFLAGS is what the code
# needs and always applies; SAN adds sanitizers to compile and link.
CFLAGS  ?= -O2 -g
RB_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers \
	   -MMD -MP -Iinclude $(shell pkg-config --cflags $(PKGS)) \
	   -DRACKBOOT_VERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"'
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lrbd -lrados

# The daemon's modules; main.c is apart so tests can link the rest.
# Pure modules (parsers, codecs, tables: unit-tested and fuzzed) apart from
# the loop code that uses them.
PURE_SRC := src/addr.c src/conf.c src/dhcp_msg.c src/dhcp_boot.c src/lease.c src/journal.c \
	    src/tftp_pkt.c src/tftp_path.c src/buf.c src/tmpl.c src/metrics.c src/timeline.c \
	    src/http_util.c src/script.c src/iscsi_pdu.c src/iscsi_text.c src/iscsi_login.c \
	    src/scsi.c src/scsi_pr.c src/imgspec.c src/import_dnsmasq.c
LOOP_SRC := src/log.c src/netif.c src/notify.c src/priv.c src/server.c src/udp.c src/dhcp.c \
	    src/tftp.c src/secret.c src/api.c src/http.c src/explain.c src/store_file.c src/store_rbd.c \
	    src/iscsi.c src/extcheck.c src/import.c
LIB_SRC := $(PURE_SRC) $(LOOP_SRC)
MAIN_SRC := src/main.c
UNIT_TESTS := test_addr test_conf test_dhcp_msg test_dhcp_boot test_lease test_journal \
	      test_tftp_pkt test_tftp_path test_buf test_metrics test_timeline test_http_util \
	      test_tmpl test_script test_iscsi_pdu test_iscsi_text test_iscsi_login test_scsi \
	      test_scsi_pr test_store_file test_imgspec test_import_dnsmasq
FUZZERS := fuzz_addr fuzz_conf fuzz_dhcp_msg fuzz_journal fuzz_tftp_pkt fuzz_tftp_path \
	   fuzz_tmpl fuzz_http_util fuzz_iscsi_pdu fuzz_iscsi_text fuzz_iscsi_login fuzz_scsi \
	   fuzz_imgspec fuzz_import_dnsmasq
TOOLS := dhcp_probe iscsi_pattern iscsi_raw ra_send

B ?= build
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/%.o)
MANS := $(B)/man/rackboot.8 $(B)/man/rackboot.conf.5

all: $(B)/rackboot $(MANS)

$(B)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) $(RB_CFLAGS) -c -o $@ $<

$(B)/librackboot.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/rackboot: $(B)/main.o $(B)/librackboot.a
	$(CC) $(LDFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(B)/man/%: man/%.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' $< > $@

# Unit tests (cmocka), linked against the same library as the daemon.
$(B)/test/%.o: test/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) $(RB_CFLAGS) $(shell pkg-config --cflags cmocka) -c -o $@ $<

$(B)/test/%: $(B)/test/%.o $(B)/librackboot.a
	$(CC) $(LDFLAGS) $(SAN) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_TESTS:%=$(B)/test/%) $(TOOLS:%=$(B)/test/%) $(B)/rackboot $(MANS)

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

test: all unit asan tsan fuzz-build
	test/run.sh

# libFuzzer drivers (clang); `make fuzz` runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_BASE := -O1 -g -std=c11 -D_GNU_SOURCE -Iinclude $(shell pkg-config --cflags libconfig)
FUZZ_CFLAGS := -fsanitize=fuzzer,address,undefined $(FUZZ_BASE)
# The pure modules are compiled once for all the drivers (fuzzer-no-link:
# instrumented, without libFuzzer's main).
FUZZ_OBJ := $(PURE_SRC:src/%.c=$(B)/fuzz/obj/%.o)
$(B)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	clang -fsanitize=fuzzer-no-link,address,undefined $(FUZZ_BASE) -MMD -MP -c -o $@ $<
-include $(FUZZ_OBJ:.o=.d)
$(B)/fuzz/%: test/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(shell pkg-config --libs libconfig libcrypto)

fuzz-build: $(FUZZERS:%=$(B)/fuzz/%)
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	  mkdir -p $(B)/fuzz/corpus-$$f; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp \
	  $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) $(B)/fuzz/corpus-$$f test/fuzz/corpus/$$f || exit 1; \
	done

demo: all
	scripts/demo.sh

# Benchmarks against the peers, side by side in one run (not tests).
bench: all
	scripts/bench.sh

format:
	clang-format -i src/*.c include/*.h test/*.c test/fuzz/*.c

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(SYSCONFDIR)/rackboot/nodes.d \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(B)/rackboot $(DESTDIR)$(SBINDIR)/rackboot
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
