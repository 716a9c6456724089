/* SPDX-License-Identifier: MIT */
/*
 * tmpl.c - the iPXE script template engine.  tmpl_compile() parses the text
 * once into a flat list of ops: TEXT (a span of the template's own literal
 * pool), VAR, and SECTION/INVERTED, which carry the index of the op after
 * their section, so that rendering is one forward walk with no parsing, no
 * stack and no allocation besides the appends to the caller's buffer.  The
 * template owns its pool (literal bytes, escapes already collapsed and
 * standalone lines already removed, then each distinct name once,
 * NUL-terminated) and borrows nothing from the text it was compiled from.
 * Pure: no I/O, no logging; what a name means is the lookup's business.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "http/tmpl.h"

/* Keeps every offset in a uint32_t and every line count in an int. */
#define TEXT_MAX ((size_t)INT_MAX - 1)

enum op_kind { OP_TEXT, OP_VAR, OP_SECTION, OP_INVERTED };

/* The tags, by the character after the braces (or its absence). */
enum tag_kind { TAG_VAR, TAG_SECTION, TAG_INVERTED, TAG_CLOSE, TAG_COMMENT };

struct op {
	uint8_t kind; /* enum op_kind */
	uint32_t a;   /* TEXT: offset in the pool; others: the name's offset */
	uint32_t b;   /* TEXT: length; SECTION, INVERTED: index of the op after */
};

/* A distinct name, where it was first used (for tmpl_check()). */
struct name {
	uint32_t off; /* in the pool, NUL-terminated */
	int line;
};

/** Owner: whoever compiled it; tmpl_free() releases all of it. */
struct tmpl {
	char *pool; /* literal text, then names, interleaved in text order */
	struct op *ops;
	size_t nops;
	struct name *names; /* in order of first use */
	size_t nnames;
};

/* An open section while compiling. */
struct open {
	size_t op; /* its SECTION or INVERTED op */
	uint32_t name;
	int line;
};

/* Compiler state; everything here but the result is freed at the end. */
struct comp {
	const char *text;
	size_t len;
	int line;      /* of the byte being looked at */
	size_t bol;    /* offset of that line's first byte */
	int dirty;     /* the line has had something besides spaces and tabs */
	size_t lit;    /* pool offset where the literal not yet in an op starts */
	size_t plen;   /* bytes used in t->pool, which holds len + 1 */
	size_t opscap; /* of t->ops */
	size_t namescap;
	uint32_t *hash; /* name index + 1 per slot, 0 when free */
	size_t hashcap; /* a power of two, more than twice t->nnames */
	struct open stack[TMPL_DEPTH];
	int depth;
	struct tmpl *t;
	struct tmpl_err *err;
};

static int set_err(struct tmpl_err *err, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/**
 * Fill in an error, when the caller asked for one.
 *
 * @v err	where, or NULL
 * @v line	1-based line (0 when it is not about a line)
 * @v fmt	message format
 * @ret rc	-EINVAL, for the caller to return
 */
static int set_err(struct tmpl_err *err, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/**
 * Make room for one more element in a growing array.
 *
 * @v arr	the array (may be NULL)
 * @v cap	its capacity in elements (updated)
 * @v n		elements in use
 * @v size	of one element
 * @ret arr	the array, moved or not, or NULL when out of memory
 */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *q;

	if (n < *cap)
		return arr;
	if (c > SIZE_MAX / size)
		return NULL;
	q = realloc(arr, c * size);
	if (q)
		*cap = c;
	return q;
}

static int emit(struct comp *c, enum op_kind kind, size_t a, size_t b)
{
	struct tmpl *t = c->t;
	struct op *o;

	o = grow(t->ops, &c->opscap, t->nops, sizeof(*o));
	if (!o)
		return -ENOMEM;
	t->ops = o;
	o += t->nops++;
	o->kind = (uint8_t)kind;
	o->a = (uint32_t)a;
	o->b = (uint32_t)b;
	return 0;
}

/*
 * Append to the pool.  It never overflows: every byte put here stands for
 * at least one byte of text not otherwise copied ("{{{{" gives two, a name
 * and its NUL come from a tag of at least five), and it holds len + 1.
 */
static void pool_add(struct comp *c, const char *s, size_t n)
{
	memcpy(c->t->pool + c->plen, s, n);
	c->plen += n;
}

/* Turn the literal collected since the last op into a TEXT op. */
static int flush_lit(struct comp *c)
{
	int rc = 0;

	if (c->plen > c->lit)
		rc = emit(c, OP_TEXT, c->lit, c->plen - c->lit);
	c->lit = c->plen;
	return rc;
}

/* The slot where @p s (of @p n bytes) is, or the free one where it would be. */
static uint32_t *hash_slot(const struct comp *c, const char *s, size_t n)
{
	size_t mask = c->hashcap - 1, i = hash_fnv1a(s, n) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t *slot = &c->hash[i];
		const char *have;

		if (*slot == 0)
			return slot;
		have = c->t->pool + c->t->names[*slot - 1].off;
		if (strncmp(have, s, n) == 0 && have[n] == 0)
			return slot;
	}
}

/* Double the hash table and put every name back. */
static int hash_grow(struct comp *c)
{
	size_t cap = c->hashcap ? c->hashcap * 2 : 64, i;
	uint32_t *old = c->hash;

	c->hash = calloc(cap, sizeof(*c->hash));
	if (!c->hash) {
		c->hash = old;
		return -ENOMEM;
	}
	c->hashcap = cap;
	for (i = 0; i < c->t->nnames; i++) {
		const char *s = c->t->pool + c->t->names[i].off;

		*hash_slot(c, s, strlen(s)) = (uint32_t)(i + 1);
	}
	free(old);
	return 0;
}

/**
 * The pool offset of a name, adding it on first use.
 *
 * @v c		compiler
 * @v s		the name in the text
 * @v n		its length
 * @v off	receives the offset
 * @ret rc	0 or -ENOMEM
 */
static int intern(struct comp *c, const char *s, size_t n, uint32_t *off)
{
	struct tmpl *t = c->t;
	struct name *names;
	uint32_t *slot;

	if (t->nnames * 2 >= c->hashcap && hash_grow(c))
		return -ENOMEM;
	slot = hash_slot(c, s, n);
	if (*slot) {
		*off = t->names[*slot - 1].off;
		return 0;
	}
	names = grow(t->names, &c->namescap, t->nnames, sizeof(*names));
	if (!names)
		return -ENOMEM;
	t->names = names;
	*off = (uint32_t)c->plen;
	pool_add(c, s, n);
	pool_add(c, "", 1);
	t->names[t->nnames].off = *off;
	t->names[t->nnames].line = c->line;
	*slot = (uint32_t)++t->nnames;
	return 0;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int is_name(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/**
 * Read the inside of a tag.
 *
 * @v c		compiler
 * @v p		offset after the opening "{{"
 * @v q		offset of the closing "}}"
 * @v kind	receives the tag's kind
 * @v name	receives the offset of the name in the text
 * @v n		receives its length
 * @ret rc	0 or -EINVAL
 */
static int parse_tag(struct comp *c, size_t p, size_t q, enum tag_kind *kind, size_t *name,
                     size_t *n)
{
	const char *s = c->text;

	while (p < q && is_blank(s[p]))
		p++;
	*kind = TAG_VAR;
	if (p < q) {
		switch (s[p]) {
		case '#': *kind = TAG_SECTION; break;
		case '^': *kind = TAG_INVERTED; break;
		case '/': *kind = TAG_CLOSE; break;
		case '!': *kind = TAG_COMMENT; return 0;
		}
		if (*kind != TAG_VAR)
			p++;
	}
	while (p < q && is_blank(s[p]))
		p++;
	*name = p;
	while (p < q && is_name(s[p]))
		p++;
	*n = p - *name;
	while (p < q && is_blank(s[p]))
		p++;
	if (p < q) {
		unsigned char ch = (unsigned char)s[p];

		if (ch > 0x20 && ch < 0x7f)
			return set_err(c->err, c->line, "bad character '%c' in tag", ch);
		return set_err(c->err, c->line, "bad character 0x%02x in tag", ch);
	}
	if (*n == 0)
		return set_err(c->err, c->line, "empty name in tag");
	if (*n > TMPL_NAME_MAX)
		return set_err(c->err, c->line, "name longer than %d characters", TMPL_NAME_MAX);
	return 0;
}

/*
 * The end of the line when the tag ending at @p end is alone on it (only
 * spaces and tabs besides it, and no other tag), past its "\n" or "\r\n";
 * else 0.  Its own line has had nothing before it: checked by the caller.
 */
static size_t standalone_end(const struct comp *c, size_t end)
{
	const char *s = c->text;

	while (end < c->len && is_blank(s[end]))
		end++;
	if (end == c->len)
		return end;
	if (s[end] == '\n')
		return end + 1;
	if (s[end] == '\r' && end + 1 < c->len && s[end + 1] == '\n')
		return end + 2;
	return 0;
}

/**
 * Compile a substitution, section, inverted section or close tag into ops.
 *
 * @v c		compiler, at the tag's line
 * @v kind	the tag's kind
 * @v s		its name, in the text
 * @v n		the name's length
 * @ret rc	0, -EINVAL or -ENOMEM
 */
static int block(struct comp *c, enum tag_kind kind, const char *s, size_t n)
{
	struct tmpl *t = c->t;
	const struct open *o;
	uint32_t off;
	int rc;

	if ((rc = flush_lit(c)) != 0)
		return rc;
	if (kind == TAG_CLOSE) {
		if (c->depth == 0)
			return set_err(c->err, c->line, "'{{/%.*s}}' closes no open section",
			               (int)n, s);
		o = &c->stack[c->depth - 1];
		if (strncmp(t->pool + o->name, s, n) != 0 || t->pool[o->name + n] != 0)
			return set_err(c->err, c->line,
			               "mismatched '{{/%.*s}}': the open section is '%s' (line %d)",
			               (int)n, s, t->pool + o->name, o->line);
		/* Not showing the section resumes here. */
		t->ops[o->op].b = (uint32_t)t->nops;
		c->depth--;
		return 0;
	}
	if (kind != TAG_VAR && c->depth == TMPL_DEPTH)
		return set_err(c->err, c->line, "sections nested deeper than %d", TMPL_DEPTH);
	if ((rc = intern(c, s, n, &off)) != 0)
		return rc;
	c->lit = c->plen;
	if (kind == TAG_VAR)
		return emit(c, OP_VAR, off, 0);
	c->stack[c->depth].op = t->nops;
	c->stack[c->depth].name = off;
	c->stack[c->depth].line = c->line;
	c->depth++;
	return emit(c, kind == TAG_SECTION ? OP_SECTION : OP_INVERTED, off, 0);
}

/**
 * Compile the tag at @p at (its "{{"), the literal before it being in the
 * pool already.
 *
 * @v c		compiler
 * @v at	offset of the tag
 * @v next	receives the offset where the literal text resumes
 * @ret rc	0, -EINVAL or -ENOMEM
 */
static int tag(struct comp *c, size_t at, size_t *next)
{
	const char *s = c->text;
	size_t q, name = 0, n = 0, end = 0;
	enum tag_kind kind;
	int rc;

	for (q = at + 2;; q++) {
		if (q >= c->len || s[q] == '\n')
			return set_err(c->err, c->line, "unterminated tag: no '}}' on its line");
		if (s[q] == 0)
			return set_err(c->err, c->line, "NUL byte in template");
		if (s[q] == '}' && q + 1 < c->len && s[q + 1] == '}')
			break;
	}
	if ((rc = parse_tag(c, at + 2, q, &kind, &name, &n)) != 0)
		return rc;

	/* A block tag alone on its line takes the line with it. */
	if (kind != TAG_VAR && !c->dirty)
		end = standalone_end(c, q + 2);
	if (end) {
		c->plen -= at - c->bol; /* the blanks before it, just pooled */
		*next = end;
	} else {
		c->dirty = 1;
		*next = q + 2;
	}
	if (kind != TAG_COMMENT && (rc = block(c, kind, s + name, n)) != 0)
		return rc;
	if (end && s[end - 1] == '\n') {
		c->line++;
		c->bol = end;
	}
	return 0;
}

/* The scan: literal text, escapes, tags; the result is in c->t. */
static int compile(struct comp *c)
{
	const char *s = c->text;
	size_t i = 0, start = 0;
	int rc;

	while (i < c->len) {
		char ch = s[i];

		if (ch == 0)
			return set_err(c->err, c->line, "NUL byte in template");
		if (ch == '\n') {
			c->line++;
			c->bol = ++i;
			c->dirty = 0;
			continue;
		}
		if (ch != '{' || i + 1 >= c->len || s[i + 1] != '{') {
			c->dirty |= !is_blank(ch);
			i++;
			continue;
		}
		pool_add(c, s + start, i - start);
		if (i + 3 < c->len && s[i + 2] == '{' && s[i + 3] == '{') {
			pool_add(c, "{{", 2);
			c->dirty = 1;
			start = i += 4;
			continue;
		}
		if ((rc = tag(c, i, &start)) != 0)
			return rc;
		i = start;
	}
	pool_add(c, s + start, i - start);
	if (c->depth)
		return set_err(c->err, c->stack[c->depth - 1].line, "section '%s' is not closed",
		               c->t->pool + c->stack[c->depth - 1].name);
	return flush_lit(c);
}

int tmpl_compile(const char *text, size_t len, struct tmpl **out, struct tmpl_err *err)
{
	struct comp c = {.text = text, .len = len, .line = 1, .err = err};
	int rc;

	*out = NULL;
	if (len > TEXT_MAX)
		return set_err(err, 0, "template too large");
	c.t = calloc(1, sizeof(*c.t));
	if (!c.t)
		goto err_alloc;
	c.t->pool = malloc(len + 1);
	if (!c.t->pool)
		goto err_alloc;
	rc = compile(&c);
	if (rc == -ENOMEM)
		goto err_alloc;
	if (rc)
		goto err_compile;
	free(c.hash);
	*out = c.t;
	return 0;

err_alloc:
	if (err)
		set_err(err, 0, "out of memory");
	rc = -ENOMEM;
err_compile:
	free(c.hash);
	tmpl_free(c.t);
	return rc;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	free(t->pool);
	free(t->ops);
	free(t->names);
	free(t);
}

/*
 * One walk over the ops.  A section that is not to be shown jumps past its
 * end; one that is simply falls into its inside, and its end needs no op.
 * The lookup is called once per VAR, SECTION and INVERTED op reached.
 */
int tmpl_render(const struct tmpl *t, tmpl_lookup_fn lookup, void *ctx, struct buf *out)
{
	size_t i = 0;

	while (i < t->nops) {
		const struct op *o = &t->ops[i];
		const char *v;

		switch (o->kind) {
		case OP_TEXT:
			if (buf_add(out, t->pool + o->a, o->b))
				return -ENOMEM;
			i++;
			break;
		case OP_VAR:
			v = lookup(ctx, t->pool + o->a);
			if (v && buf_puts(out, v))
				return -ENOMEM;
			i++;
			break;
		case OP_SECTION:
			v = lookup(ctx, t->pool + o->a);
			i = v && *v ? i + 1 : o->b;
			break;
		default: /* OP_INVERTED */
			v = lookup(ctx, t->pool + o->a);
			i = v && *v ? o->b : i + 1;
			break;
		}
	}
	return out->oom ? -ENOMEM : 0;
}

int tmpl_check(const struct tmpl *t, tmpl_known_fn known, void *ctx, struct tmpl_err *err)
{
	size_t i;

	for (i = 0; i < t->nnames; i++) {
		const char *name = t->pool + t->names[i].off;

		if (!known(ctx, name)) {
			set_err(err, t->names[i].line, "unknown variable '%s'", name);
			return -ENOENT;
		}
	}
	return 0;
}
