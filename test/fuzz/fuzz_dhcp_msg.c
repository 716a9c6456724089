/* SPDX-License-Identifier: MIT */
/* fuzz_dhcp_msg.c - libFuzzer driver for the DHCP codec: any bytes in, no
 * crash; every option of an accepted message lies in the input or in the
 * used part of concat[]; and a reply built to it, echoing the client's
 * options, parses back with those options intact. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *p, size_t n, const void *base, size_t size)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)base;

	return a >= lo && a <= lo + size && n <= lo + size - a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t echo[] = {43, 60, 61, 82}; /* vendor, class, id, relay */
	uint8_t out[DHCP_DEFAULT_MAX];
	struct dhcp_msg m, r;
	struct dhcp_out o;
	size_t i, n;

	if (dhcp_msg_parse(data, size, &m) != 0)
		return 0;
	if (m.concat_used > DHCP_CONCAT_MAX || m.type < DHCPDISCOVER || m.type > DHCPINFORM)
		abort();
	for (i = 0; i < 256; i++)
		if (m.opt[i].data && !inside(m.opt[i].data, m.opt[i].len, data, size) &&
		    !inside(m.opt[i].data, m.opt[i].len, m.concat, m.concat_used))
			abort();
	dhcp_out_init(&o, out, sizeof(out), &m, DHCPOFFER);
	dhcp_out_addrs(&o, m.ciaddr, 0x0a000064, 0x0a000001);
	dhcp_out_file(&o, "undionly.kpxe");
	dhcp_out_u32(&o, 54, 0x0a000001);
	for (i = 0; i < sizeof(echo); i++)
		if (m.opt[echo[i]].data)
			dhcp_out_opt(&o, echo[i], m.opt[echo[i]].data, m.opt[echo[i]].len);
	n = dhcp_out_finish(&o);
	if (n < DHCP_MIN_REPLY || n > sizeof(out) || dhcp_msg_parse(out, n, &r) != 0 ||
	    r.type != DHCPOFFER || r.xid != m.xid || memcmp(r.chaddr, m.chaddr, 16) != 0)
		abort();
	/* What went in without overflow comes back byte for byte. */
	for (i = 0; i < sizeof(echo) && !o.overflow; i++)
		if (m.opt[echo[i]].data &&
		    (r.opt[echo[i]].len != m.opt[echo[i]].len ||
		     memcmp(r.opt[echo[i]].data, m.opt[echo[i]].data, m.opt[echo[i]].len) != 0))
			abort();
	return 0;
}
