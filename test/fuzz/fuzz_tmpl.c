/* SPDX-License-Identifier: MIT */
/* fuzz_tmpl.c - libFuzzer driver for the template engine: any bytes compile
 * or fail at a line inside the text; what compiles owns its text, renders
 * the same twice, no longer than the text plus the longest value per tag
 * (and unchanged when there is no "{{"), and checks its names. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VALUE_MAX 32
static const char *const values[] = {NULL, "", "v", "{{a}} }} ${b} {{{{ and 32 bytes."};

/* Each name always gets the same value: unset, empty or not. */
static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	return values[(strlen(name) + (unsigned char)name[0]) % 4];
}

static int known(void *ctx, const char *name)
{
	(void)ctx;
	return name[0] != 'u';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	size_t tags = 0, lines = 1, i;
	struct tmpl_err err;
	struct tmpl *t;
	struct buf a, b;
	int rc;

	if (!text)
		return 0;
	for (i = 0; i < size; i++) {
		tags += data[i] == '{' && i + 1 < size && data[i + 1] == '{';
		lines += data[i] == '\n';
	}
	memcpy(text, data, size);
	rc = tmpl_compile(text, size, &t, &err);
	free(text);
	if (rc != 0) {
		if (rc != -EINVAL || t || err.line < 1 || (size_t)err.line > lines ||
		    !memchr(err.msg, 0, sizeof(err.msg)))
			abort();
		return 0;
	}
	buf_init(&a);
	buf_init(&b);
	if (tmpl_render(t, lookup, NULL, &a) || tmpl_render(t, lookup, NULL, &b) ||
	    a.len != b.len || (a.len && memcmp(a.p, b.p, a.len)) || a.len > size + tags * VALUE_MAX)
		abort();
	if (tags == 0 && (a.len != size || (size && memcmp(a.p, data, size))))
		abort();
	rc = tmpl_check(t, known, NULL, &err);
	if (rc && (rc != -ENOENT || err.line < 1 || (size_t)err.line > lines ||
	           strncmp(err.msg, "unknown variable 'u", 19)))
		abort();
	buf_free(&a);
	buf_free(&b);
	tmpl_free(t);
	return 0;
}
