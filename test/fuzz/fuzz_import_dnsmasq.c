/* SPDX-License-Identifier: MIT */
/* fuzz_import_dnsmasq.c - libFuzzer driver for the dnsmasq importer: any
 * bytes in, split into lines (the first byte picks the kind of file); the
 * emitted rackboot.conf must always load, since `rackboot import` promises
 * output that passes `rackboot -t`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "cli/import_dnsmasq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct import_opts o = {"/var/lib/rackboot", "rackboot", 1000000};
	struct import_dnsmasq *m;
	struct conf_diag d = {0};
	struct conf *c;
	struct buf out;
	enum import_kind kind;
	size_t pos = 1;
	int line = 1;

	if (size < 1 || size > 65536)
		return 0;
	kind = (enum import_kind)(data[0] % 6);
	m = import_dnsmasq_new();
	if (!m)
		return 0;
	import_dnsmasq_local(m, "eth1", 0x0a000001, 24);
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		struct import_include inc;

		import_dnsmasq_line(m, "f", line++, (const char *)data + pos, len, kind, &inc);
		pos += len + 1;
	}
	buf_init(&out);
	if (import_dnsmasq_emit(m, &o, &out) == 0) {
		c = conf_parse_string(out.p, "imported", &d);
		if (!c)
			abort();
		conf_unref(c);
	}
	conf_diag_fini(&d);
	buf_free(&out);
	import_dnsmasq_free(m);
	return 0;
}
