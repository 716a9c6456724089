/* SPDX-License-Identifier: MIT */
/*
 * buf.h - a growable byte buffer for responses built in memory (rendered
 * scripts, /metrics, JSON, the status page).  Pure.  Allocation failure is
 * sticky: after one, every append is a no-op returning -ENOMEM and b->oom
 * stays set, so a builder checks once at the end.
 */
#ifndef RACKBOOT_BUF_H
#define RACKBOOT_BUF_H

#include <stddef.h>

/** Owner: whoever declared it; buf_free() or buf_steal() releases it. */
struct buf {
	char *p;    /* always NUL-terminated when non-NULL */
	size_t len; /* bytes, not counting the NUL */
	size_t cap;
	int oom;
};

/** An empty buffer (no allocation yet). */
void buf_init(struct buf *b);

/** Release the memory; the buffer is empty again. */
void buf_free(struct buf *b);

/** Append @p n bytes.  @ret rc 0 or -ENOMEM */
int buf_add(struct buf *b, const void *p, size_t n);

/** Append a C string.  @ret rc 0 or -ENOMEM */
int buf_puts(struct buf *b, const char *s);

/** Append formatted text.  @ret rc 0 or -ENOMEM */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Append @p s as a JSON string literal, with its quotes: '"', '\\' and
 * control characters escaped (\n, \t, ... or \u00XX); bytes >= 0x80 pass
 * through (the callers hand UTF-8 or ASCII).
 */
int buf_json_str(struct buf *b, const char *s);

/** Append @p s HTML-escaped (& < > " '), for text and attribute values. */
int buf_html(struct buf *b, const char *s);

/**
 * Take the contents: the caller owns the returned malloc'd string (never
 * NULL unless b->oom; an empty buffer yields "").  The buffer is empty
 * again.
 *
 * @v len	receives the length (may be NULL)
 */
char *buf_steal(struct buf *b, size_t *len);

#endif
