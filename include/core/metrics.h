/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - Prometheus text exposition format (version 0.0.4) and the
 * histogram type behind it.  Pure: the services keep their own counters and
 * write them through these functions when /metrics is asked for.
 */
#ifndef RACKBOOT_METRICS_H
#define RACKBOOT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define HIST_MAX 16

/** A histogram with fixed upper bounds (cumulative only when written). */
struct hist {
	size_t n;                      /* bounds in use, <= HIST_MAX */
	double le[HIST_MAX];           /* ascending upper bounds */
	uint64_t bucket[HIST_MAX + 1]; /* per bucket, not cumulative; [n] = +Inf */
	uint64_t count;
	double sum;
};

/** Set up @p h with @p n ascending bounds (n <= HIST_MAX).  @ret rc 0 or -EINVAL */
int hist_init(struct hist *h, const double *le, size_t n);

/** Count one observation (a value equal to a bound falls into that bucket). */
void hist_observe(struct hist *h, double v);

/**
 * Write the "# HELP" and "# TYPE" lines of a metric family.  @p type is
 * "counter", "gauge" or "histogram"; @p help is escaped as the format
 * requires (backslash and newline).
 */
int metrics_family(struct buf *b, const char *name, const char *type, const char *help);

/**
 * Write one sample line: name, optional labels, value.  @p labels is NULL
 * or a list of "key", "value" pairs ending with NULL; label values are
 * escaped (backslash, double quote, newline).  Values are written as
 * integers when integral (up to 2^53), otherwise with %.17g; NaN and
 * infinities as NaN, +Inf, -Inf.
 */
int metrics_sample(struct buf *b, const char *name, const char *const *labels, double value);

/**
 * Write a histogram's samples: <name>_bucket{...,le="X"} (cumulative, the
 * last with le="+Inf"), <name>_sum and <name>_count, with @p labels (as for
 * metrics_sample, may be NULL) on each.
 */
int metrics_hist(struct buf *b, const char *name, const char *const *labels, const struct hist *h);

#endif
