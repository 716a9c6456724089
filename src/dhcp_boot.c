/* SPDX-License-Identifier: MIT */
/*
 * dhcp_boot.c - PXE / UEFI HTTP boot / iPXE classification.  Pure; reads
 * only the options of an already parsed message.
 */
#include <string.h>

#include "dhcp_boot.h"

/* Option numbers used here (RFC 2132, RFC 3004, RFC 4578, iPXE). */
#define OPT_VENDOR_CLASS 60
#define OPT_USER_CLASS   77
#define OPT_CLIENT_ARCH  93
#define OPT_IPXE_ENCAP   175

static int opt_prefix(const struct dhcp_opt *o, const char *prefix)
{
	size_t n = strlen(prefix);

	return o->data && o->len >= n && memcmp(o->data, prefix, n) == 0;
}

/*
 * Option 77 carries "iPXE" either raw (what iPXE sends) or as one entry of
 * the RFC 3004 list of length-prefixed classes.
 */
static int user_class_ipxe(const struct dhcp_opt *o)
{
	size_t pos = 0;

	if (!o->data)
		return 0;
	if (o->len == 4 && memcmp(o->data, "iPXE", 4) == 0)
		return 1;
	while (pos < o->len) {
		size_t n = o->data[pos];

		if (n == 0 || pos + 1 + n > o->len)
			return 0;
		if (n == 4 && memcmp(o->data + pos + 1, "iPXE", 4) == 0)
			return 1;
		pos += 1 + n;
	}
	return 0;
}

void dhcp_boot_classify(const struct dhcp_msg *m, struct dhcp_boot *b)
{
	const struct dhcp_opt *arch = &m->opt[OPT_CLIENT_ARCH];
	const struct dhcp_opt *vendor = &m->opt[OPT_VENDOR_CLASS];

	/* RFC 4578 2.1: a list of 16-bit types; the first is the one the
	 * client runs now. */
	b->arch = arch->data && arch->len >= 2 ? arch->data[0] << 8 | arch->data[1] : -1;
	if (m->opt[OPT_IPXE_ENCAP].data || user_class_ipxe(&m->opt[OPT_USER_CLASS]))
		b->kind = BOOT_IPXE;
	else if (opt_prefix(vendor, "HTTPClient") || b->arch == ARCH_HTTP_X64 ||
	         b->arch == ARCH_HTTP_ARM64)
		b->kind = BOOT_HTTP;
	else if (opt_prefix(vendor, "PXEClient") || b->arch >= 0)
		b->kind = BOOT_PXE;
	else
		b->kind = BOOT_NONE;
}

const char *dhcp_boot_file(const struct conf *c, int arch)
{
	switch (arch) {
	case ARCH_BIOS: return c->dhcp.boot.bios;
	case ARCH_EFI_IA32: return c->dhcp.boot.efi_ia32;
	case ARCH_EFI_X64:
	case ARCH_EFI_BC:
	case ARCH_HTTP_X64: return c->dhcp.boot.efi_x64;
	case ARCH_EFI_ARM32: return c->dhcp.boot.efi_arm32;
	case ARCH_EFI_ARM64:
	case ARCH_HTTP_ARM64: return c->dhcp.boot.efi_arm64;
	default: return NULL;
	}
}

const char *dhcp_boot_arch_name(int arch)
{
	switch (arch) {
	case -1: return "none";
	case ARCH_BIOS: return "bios";
	case ARCH_EFI_IA32: return "efi-ia32";
	case ARCH_EFI_X64: return "efi-x64";
	case ARCH_EFI_BC: return "efi-bc";
	case ARCH_EFI_ARM32: return "efi-arm32";
	case ARCH_EFI_ARM64: return "efi-arm64";
	case ARCH_HTTP_X64: return "http-x64";
	case ARCH_HTTP_ARM64: return "http-arm64";
	default: return "other";
	}
}
