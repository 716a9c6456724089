/* SPDX-License-Identifier: MIT */
/*
 * buf.c - the growable byte buffer behind every response built in memory.
 * Pure: it allocates, but never logs and keeps no state outside the struct.
 * It owns only b->p.  An allocation failure (or a size that would overflow)
 * sets b->oom for good: every later append is a no-op returning -ENOMEM,
 * so a builder makes all its appends and checks once, at the end.  The
 * escapers know JSON (RFC 8259 7) and HTML text and attribute values; they
 * do not validate UTF-8, which is the caller's to hand in.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define BUF_MIN 64 /* first allocation */

void buf_init(struct buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

/**
 * Make room for @p n more bytes and the NUL after them.  Doubles the
 * capacity, so appends are amortised O(1).
 *
 * @v b		buffer
 * @v n		bytes to be appended
 * @ret rc	0, or -ENOMEM (and b->oom set)
 */
static int buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	if (b->cap > 0 && n < b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 2 - 1 - b->len)
		goto err_size;
	cap = b->cap > 0 ? b->cap : BUF_MIN;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		goto err_size;
	if (!b->p)
		p[0] = '\0';
	b->p = p;
	b->cap = cap;
	return 0;

err_size:
	b->oom = 1;
	return -ENOMEM;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (b->oom)
		return -ENOMEM;
	room = b->cap - b->len; /* 0 before the first allocation */
	va_start(ap, fmt);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		/* What did not fit is not ours yet: the NUL goes back. */
		if (room)
			b->p[b->len] = '\0';
		/* A format error leaves the text incomplete: as sticky as
		 * no memory. */
		if (n < 0) {
			b->oom = 1;
			return -ENOMEM;
		}
		if (buf_reserve(b, (size_t)n) < 0)
			return -ENOMEM;
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->p[b->len] = '\0';
			b->oom = 1;
			return -ENOMEM;
		}
	}
	b->len += (size_t)n;
	return 0;
}

int buf_json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run;

	if (!s)
		s = "";
	buf_add(b, "\"", 1);
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = {'\\', 0, '0', '0', 0, 0};
		size_t n = 2;

		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			/* RFC 8259 7: U+0000..U+001F must be escaped; DEL is
			 * too, so that no control character reaches a page. */
			if (c >= 0x20 && c != 0x7f)
				continue;
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_add(b, esc, n);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
	buf_add(b, "\"", 1);
	return b->oom ? -ENOMEM : 0;
}

int buf_html(struct buf *b, const char *s)
{
	const char *run;

	if (!s)
		s = "";
	for (run = s; *s; s++) {
		const char *esc;

		switch (*s) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default: continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_puts(b, esc);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
	return b->oom ? -ENOMEM : 0;
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = 0;
	if (b->oom) {
		/* Empty, but the flag stays until buf_free() or buf_init(). */
		free(b->p);
		b->p = NULL;
		b->len = b->cap = 0;
		return NULL;
	}
	p = b->p ? b->p : strdup("");
	if (!p) {
		b->oom = 1;
		return NULL;
	}
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}
