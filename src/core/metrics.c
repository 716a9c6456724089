/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - writes the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), and keeps
 * histograms.  Pure: it owns no counters and no state, only appends to the
 * caller's buffer.  Names and label names come from the code and are
 * written as given; help text and label values are escaped as the format
 * requires.  Numbers are written with the C library's printf, so the
 * process must stay in the C locale for LC_NUMERIC (rackboot never calls
 * setlocale()); a ',' radix is turned back into '.' all the same.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

#define NUM_LEN   32                 /* the longest %.17g is 24 characters */
#define EXACT_MAX 9007199254740992.0 /* 2^53: every integer up to it is a double */

int hist_init(struct hist *h, const double *le, size_t n)
{
	size_t i;

	if (n > HIST_MAX)
		return -EINVAL;
	/* Finite and strictly ascending: +Inf is the implicit last bucket,
	 * and a NaN bound would never compare. */
	for (i = 0; i < n; i++)
		if (!isfinite(le[i]) || (i > 0 && !(le[i] > le[i - 1])))
			return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->n = n;
	if (n > 0)
		memcpy(h->le, le, n * sizeof(le[0]));
	return 0;
}

void hist_observe(struct hist *h, double v)
{
	size_t i = 0;

	/* Upper bounds are inclusive ("le"); NaN lands in +Inf only. */
	while (i < h->n && !(v <= h->le[i]))
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

/* Undo a locale's decimal comma, should one ever be set. */
static void fix_radix(char *s)
{
	for (; *s; s++)
		if (*s == ',')
			*s = '.';
}

/**
 * Format a sample value: integers (up to 2^53) without a fraction,
 * everything else with %.17g, which reads back to the same double.
 *
 * @v v		value
 * @v out	NUM_LEN bytes
 * @ret out
 */
static char *fmt_value(double v, char *out)
{
	if (isnan(v))
		return strcpy(out, "NaN");
	if (isinf(v))
		return strcpy(out, v > 0 ? "+Inf" : "-Inf");
	if (v >= -EXACT_MAX && v <= EXACT_MAX && (double)(long long)v == v)
		snprintf(out, NUM_LEN, "%lld", (long long)v);
	else
		snprintf(out, NUM_LEN, "%.17g", v);
	fix_radix(out);
	return out;
}

/**
 * Format a bucket bound as the shortest text that reads back to it
 * ("0.005", not "0.0050000000000000001"): PromQL matches le as a string,
 * so the label should be what a person would type.
 *
 * @v v		finite bound
 * @v out	NUM_LEN bytes
 * @ret out
 */
static char *fmt_bound(double v, char *out)
{
	int prec;

	if (v >= -EXACT_MAX && v <= EXACT_MAX && (double)(long long)v == v)
		return fmt_value(v, out);
	for (prec = 1; prec < 17; prec++) {
		snprintf(out, NUM_LEN, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(out, NUM_LEN, "%.17g", v);
	fix_radix(out);
	return out;
}

/**
 * Append @p s with the characters in @p special escaped: backslash as
 * "\\", newline as "\n", double quote as "\"".
 */
static void put_escaped(struct buf *b, const char *s, const char *special)
{
	const char *run;

	for (run = s; *s; s++) {
		if (!strchr(special, *s))
			continue;
		buf_add(b, run, (size_t)(s - run));
		buf_puts(b, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\");
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

/**
 * Append a sample's name and its label set: name{k="v",...,le="X"}.
 *
 * @v b		buffer
 * @v name	metric name
 * @v suffix	appended to the name ("_bucket"), or ""
 * @v labels	"key", "value" pairs ending with NULL, or NULL
 * @v le	the bucket bound, or NULL
 */
static void put_head(struct buf *b, const char *name, const char *suffix, const char *const *labels,
                     const char *le)
{
	const char *sep = "{";

	buf_puts(b, name);
	buf_puts(b, suffix);
	for (; labels && labels[0] && labels[1]; labels += 2) {
		buf_puts(b, sep);
		buf_puts(b, labels[0]);
		buf_puts(b, "=\"");
		put_escaped(b, labels[1], "\\\"\n");
		buf_puts(b, "\"");
		sep = ",";
	}
	if (le) {
		buf_puts(b, sep);
		buf_puts(b, "le=\"");
		buf_puts(b, le);
		buf_puts(b, "\"");
		sep = ",";
	}
	if (sep[0] == ',')
		buf_puts(b, "}");
	buf_puts(b, " ");
}

int metrics_family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	put_escaped(b, help ? help : "", "\\\n");
	buf_printf(b, "\n# TYPE %s %s\n", name, type);
	return b->oom ? -ENOMEM : 0;
}

int metrics_sample(struct buf *b, const char *name, const char *const *labels, double value)
{
	char num[NUM_LEN];

	put_head(b, name, "", labels, NULL);
	buf_puts(b, fmt_value(value, num));
	buf_puts(b, "\n");
	return b->oom ? -ENOMEM : 0;
}

int metrics_hist(struct buf *b, const char *name, const char *const *labels, const struct hist *h)
{
	char num[NUM_LEN];
	uint64_t cum = 0;
	size_t i;

	/* Counts are written as integers, not through a double: they may
	 * pass 2^53. */
	for (i = 0; i < h->n; i++) {
		cum += h->bucket[i];
		put_head(b, name, "_bucket", labels, fmt_bound(h->le[i], num));
		buf_printf(b, "%" PRIu64 "\n", cum);
	}
	cum += h->bucket[h->n];
	put_head(b, name, "_bucket", labels, "+Inf");
	buf_printf(b, "%" PRIu64 "\n", cum);
	put_head(b, name, "_sum", labels, NULL);
	buf_puts(b, fmt_value(h->sum, num));
	buf_puts(b, "\n");
	put_head(b, name, "_count", labels, NULL);
	buf_printf(b, "%" PRIu64 "\n", h->count);
	return b->oom ? -ENOMEM : 0;
}
