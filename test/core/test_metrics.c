/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c - the Prometheus text format, byte for byte: HELP
 * escaping, label escaping, how each kind of value is written, and
 * histograms (cumulative buckets, a value on a bound, +Inf, _sum, _count).
 * Vectors carry their own line so a failure names the one that broke.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"

/* Compare what @p b holds with @p want, then empty it. */
static void expect(struct buf *b, const char *want, int line)
{
	if (b->oom || !b->p || strcmp(b->p, want) != 0)
		fail_msg("line %d: got\n%s\nwant\n%s", line, b->p ? b->p : "(null)", want);
	buf_free(b);
}

struct family_vec {
	int line;
	const char *name, *type, *help;
	const char *out;
};

static const struct family_vec family_vecs[] = {
        {__LINE__, "rackboot_dhcp_acks_total", "counter", "DHCPACKs sent.",
         "# HELP rackboot_dhcp_acks_total DHCPACKs sent.\n"
         "# TYPE rackboot_dhcp_acks_total counter\n"},
        {__LINE__, "x", "gauge", "", "# HELP x \n# TYPE x gauge\n"},
        {__LINE__, "x", "histogram", "a\\b", "# HELP x a\\\\b\n# TYPE x histogram\n"},
        {__LINE__, "x", "counter", "two\nlines", "# HELP x two\\nlines\n# TYPE x counter\n"},
        /* Quotes are not escaped in HELP (only in label values). */
        {__LINE__, "x", "counter", "say \"hi\"", "# HELP x say \"hi\"\n# TYPE x counter\n"},
        {__LINE__, "x", "counter", "\\n\n\\", "# HELP x \\\\n\\n\\\\\n# TYPE x counter\n"},
        {__LINE__, "x", "counter", "caf\xc3\xa9", "# HELP x caf\xc3\xa9\n# TYPE x counter\n"},
};

static void test_family(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(family_vecs) / sizeof(family_vecs[0]); i++) {
		const struct family_vec *v = &family_vecs[i];
		struct buf b;

		buf_init(&b);
		assert_int_equal(metrics_family(&b, v->name, v->type, v->help), 0);
		expect(&b, v->out, v->line);
	}
}

struct value_vec {
	int line;
	double v;
	const char *out;
};

static const struct value_vec value_vecs[] = {
        {__LINE__, 0, "0"},
        {__LINE__, -0.0, "0"},
        {__LINE__, 1, "1"},
        {__LINE__, -5, "-5"},
        {__LINE__, 1234567, "1234567"},
        {__LINE__, 4294967296.0, "4294967296"},
        {__LINE__, 9007199254740992.0, "9007199254740992"},           /* 2^53: integer */
        {__LINE__, -9007199254740992.0, "-9007199254740992"},         /* -2^53 */
        {__LINE__, 9007199254740994.0, "9007199254740994"},           /* past 2^53: %.17g */
        {__LINE__, 18446744073709551616.0, "1.8446744073709552e+19"}, /* 2^64 */
        {__LINE__, 1e20, "1e+20"},
        {__LINE__, 0.5, "0.5"},
        {__LINE__, -2.5, "-2.5"},
        {__LINE__, 0.1, "0.10000000000000001"},
        {__LINE__, 1.0 / 3, "0.33333333333333331"},
        {__LINE__, 1.5e-7, "1.4999999999999999e-07"},
        {__LINE__, 1e-300, "1e-300"},
        {__LINE__, 5e-324, "4.9406564584124654e-324"},
        {__LINE__, 1.7976931348623157e308, "1.7976931348623157e+308"},
        {__LINE__, NAN, "NaN"},
        {__LINE__, -NAN, "NaN"},
        {__LINE__, INFINITY, "+Inf"},
        {__LINE__, -INFINITY, "-Inf"},
};

static void test_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(value_vecs) / sizeof(value_vecs[0]); i++) {
		const struct value_vec *v = &value_vecs[i];
		char want[64];
		struct buf b;

		buf_init(&b);
		assert_int_equal(metrics_sample(&b, "m", NULL, v->v), 0);
		strcpy(want, "m ");
		strcat(want, v->out);
		strcat(want, "\n");
		expect(&b, want, v->line);
	}
}

struct label_vec {
	int line;
	const char *const *labels;
	const char *out;
};

static const char *const no_labels[] = {NULL};
static const char *const one_label[] = {"iface", "eth0", NULL};
static const char *const two_labels[] = {"method", "GET", "code", "200", NULL};
static const char *const quote_label[] = {"path", "a\"b", NULL};
static const char *const bs_label[] = {"path", "C:\\boot\\", NULL};
static const char *const nl_label[] = {"msg", "one\ntwo", NULL};
static const char *const mixed_label[] = {"v", "\\\"\n\\n", "empty", "", NULL};
static const char *const odd_labels[] = {"a", "1", "b", NULL}; /* a key with no value ends it */

static const struct label_vec label_vecs[] = {
        {__LINE__, NULL, "m 7\n"},
        {__LINE__, no_labels, "m 7\n"},
        {__LINE__, one_label, "m{iface=\"eth0\"} 7\n"},
        {__LINE__, two_labels, "m{method=\"GET\",code=\"200\"} 7\n"},
        {__LINE__, quote_label, "m{path=\"a\\\"b\"} 7\n"},
        {__LINE__, bs_label, "m{path=\"C:\\\\boot\\\\\"} 7\n"},
        {__LINE__, nl_label, "m{msg=\"one\\ntwo\"} 7\n"},
        {__LINE__, mixed_label, "m{v=\"\\\\\\\"\\n\\\\n\",empty=\"\"} 7\n"},
        {__LINE__, odd_labels, "m{a=\"1\"} 7\n"},
};

static void test_labels(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(label_vecs) / sizeof(label_vecs[0]); i++) {
		const struct label_vec *v = &label_vecs[i];
		struct buf b;

		buf_init(&b);
		assert_int_equal(metrics_sample(&b, "m", v->labels, 7), 0);
		expect(&b, v->out, v->line);
	}
}

struct hist_init_vec {
	int line;
	double le[HIST_MAX + 1];
	size_t n;
	int rc;
};

static const struct hist_init_vec hist_init_vecs[] = {
        {__LINE__, {0}, 0, 0}, /* only +Inf */
        {__LINE__, {1}, 1, 0},
        {__LINE__, {-1, 0, 0.5, 1e9}, 4, 0},
        {__LINE__, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, HIST_MAX, 0},
        {__LINE__,
         {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
         HIST_MAX + 1,
         -EINVAL},
        {__LINE__, {1, 1}, 2, -EINVAL},    /* equal */
        {__LINE__, {2, 1}, 2, -EINVAL},    /* descending */
        {__LINE__, {1, 3, 2}, 3, -EINVAL}, /* descending later */
        {__LINE__, {NAN}, 1, -EINVAL},
        {__LINE__, {1, NAN, 3}, 3, -EINVAL},
        {__LINE__, {1, INFINITY}, 2, -EINVAL}, /* +Inf is implicit */
        {__LINE__, {-INFINITY, 1}, 2, -EINVAL},
};

static void test_hist_init(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hist_init_vecs) / sizeof(hist_init_vecs[0]); i++) {
		const struct hist_init_vec *v = &hist_init_vecs[i];
		struct hist h;
		size_t j;
		int rc;

		memset(&h, 0xa5, sizeof(h));
		rc = hist_init(&h, v->le, v->n);
		if (rc != v->rc)
			fail_msg("line %d: rc %d", v->line, rc);
		if (rc != 0)
			continue;
		if (h.n != v->n || h.count != 0 || h.sum != 0)
			fail_msg("line %d: not reset", v->line);
		for (j = 0; j <= h.n; j++)
			if (h.bucket[j] != 0 || (j < h.n && h.le[j] != v->le[j]))
				fail_msg("line %d: bucket %zu", v->line, j);
	}
	assert_int_equal(hist_init(&(struct hist){0}, NULL, 0), 0);
}

/* Values on a bound fall into that bucket; buckets are written cumulative;
 * the values are exact in binary so _sum is exact. */
static void test_hist(void **state)
{
	static const double le[] = {0.25, 1, 2.5, 10};
	static const double obs[] = {0.25, 1, 0.125, 100, 10, 3, 2.5, -4};
	static const char *const labels[] = {"svc", "tftp", NULL};
	struct hist h;
	struct buf b;
	size_t i;

	(void)state;
	assert_int_equal(hist_init(&h, le, 4), 0);
	for (i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
		hist_observe(&h, obs[i]);
	assert_int_equal(h.bucket[0], 3); /* 0.25, 0.125, -4 */
	assert_int_equal(h.bucket[1], 1); /* 1 */
	assert_int_equal(h.bucket[2], 1); /* 2.5 */
	assert_int_equal(h.bucket[3], 2); /* 10, 3 */
	assert_int_equal(h.bucket[4], 1); /* 100 */
	assert_int_equal(h.count, 8);

	buf_init(&b);
	assert_int_equal(metrics_hist(&b, "rackboot_tftp_seconds", NULL, &h), 0);
	expect(&b,
	       "rackboot_tftp_seconds_bucket{le=\"0.25\"} 3\n"
	       "rackboot_tftp_seconds_bucket{le=\"1\"} 4\n"
	       "rackboot_tftp_seconds_bucket{le=\"2.5\"} 5\n"
	       "rackboot_tftp_seconds_bucket{le=\"10\"} 7\n"
	       "rackboot_tftp_seconds_bucket{le=\"+Inf\"} 8\n"
	       "rackboot_tftp_seconds_sum 112.875\n"
	       "rackboot_tftp_seconds_count 8\n",
	       __LINE__);

	assert_int_equal(metrics_hist(&b, "t", labels, &h), 0);
	expect(&b,
	       "t_bucket{svc=\"tftp\",le=\"0.25\"} 3\n"
	       "t_bucket{svc=\"tftp\",le=\"1\"} 4\n"
	       "t_bucket{svc=\"tftp\",le=\"2.5\"} 5\n"
	       "t_bucket{svc=\"tftp\",le=\"10\"} 7\n"
	       "t_bucket{svc=\"tftp\",le=\"+Inf\"} 8\n"
	       "t_sum{svc=\"tftp\"} 112.875\n"
	       "t_count{svc=\"tftp\"} 8\n",
	       __LINE__);
}

/* Bounds are written as a person would type them, not with %.17g. */
static void test_hist_bounds(void **state)
{
	static const double le[] = {-1.5, 0.005, 0.1, 0.3, 1e-9, 2.5e10, 1e300};
	static const double le_sorted[] = {-1.5, 1e-9, 0.005, 0.1, 0.3, 2.5e10, 1e300};
	struct hist h;
	struct buf b;

	(void)state;
	assert_int_equal(hist_init(&h, le, 7), -EINVAL);
	assert_int_equal(hist_init(&h, le_sorted, 7), 0);
	buf_init(&b);
	assert_int_equal(metrics_hist(&b, "x", NULL, &h), 0);
	expect(&b,
	       "x_bucket{le=\"-1.5\"} 0\n"
	       "x_bucket{le=\"1e-09\"} 0\n"
	       "x_bucket{le=\"0.005\"} 0\n"
	       "x_bucket{le=\"0.1\"} 0\n"
	       "x_bucket{le=\"0.3\"} 0\n"
	       "x_bucket{le=\"25000000000\"} 0\n"
	       "x_bucket{le=\"1e+300\"} 0\n"
	       "x_bucket{le=\"+Inf\"} 0\n"
	       "x_sum 0\n"
	       "x_count 0\n",
	       __LINE__);
}

/* Edge cases: no bounds, NaN and infinities observed, counts past 2^53
 * written exactly. */
static void test_hist_edges(void **state)
{
	static const double le[] = {1};
	struct hist h;
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(hist_init(&h, NULL, 0), 0);
	hist_observe(&h, 5);
	hist_observe(&h, -INFINITY);
	assert_int_equal(metrics_hist(&b, "e", NULL, &h), 0);
	expect(&b, "e_bucket{le=\"+Inf\"} 2\ne_sum -Inf\ne_count 2\n", __LINE__);

	assert_int_equal(hist_init(&h, le, 1), 0);
	hist_observe(&h, NAN); /* compares with nothing: +Inf */
	hist_observe(&h, INFINITY);
	hist_observe(&h, 1);
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.bucket[1], 2);
	assert_int_equal(metrics_hist(&b, "e", NULL, &h), 0);
	expect(&b, "e_bucket{le=\"1\"} 1\ne_bucket{le=\"+Inf\"} 3\ne_sum NaN\ne_count 3\n",
	       __LINE__);

	assert_int_equal(hist_init(&h, le, 1), 0);
	h.bucket[0] = (1ull << 53) + 1;
	h.bucket[1] = 2;
	h.count = (1ull << 53) + 3;
	h.sum = 0.75;
	assert_int_equal(metrics_hist(&b, "e", NULL, &h), 0);
	expect(&b,
	       "e_bucket{le=\"1\"} 9007199254740993\n"
	       "e_bucket{le=\"+Inf\"} 9007199254740995\n"
	       "e_sum 0.75\n"
	       "e_count 9007199254740995\n",
	       __LINE__);
}

/* A whole family as /metrics would write it, appended to one buffer. */
static void test_exposition(void **state)
{
	static const char *const l4[] = {"proto", "dhcp", NULL};
	static const char *const l6[] = {"proto", "tftp", NULL};
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(metrics_family(&b, "rb_up", "gauge", "1 when serving."), 0);
	assert_int_equal(metrics_sample(&b, "rb_up", NULL, 1), 0);
	assert_int_equal(metrics_family(&b, "rb_requests_total", "counter", "Requests."), 0);
	assert_int_equal(metrics_sample(&b, "rb_requests_total", l4, 12), 0);
	assert_int_equal(metrics_sample(&b, "rb_requests_total", l6, 3), 0);
	expect(&b,
	       "# HELP rb_up 1 when serving.\n"
	       "# TYPE rb_up gauge\n"
	       "rb_up 1\n"
	       "# HELP rb_requests_total Requests.\n"
	       "# TYPE rb_requests_total counter\n"
	       "rb_requests_total{proto=\"dhcp\"} 12\n"
	       "rb_requests_total{proto=\"tftp\"} 3\n",
	       __LINE__);

	/* Out of memory: -ENOMEM from each, nothing written. */
	b.oom = 1;
	assert_int_equal(metrics_family(&b, "x", "gauge", "h"), -ENOMEM);
	assert_int_equal(metrics_sample(&b, "x", l4, 1), -ENOMEM);
	assert_null(b.p);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_family),     cmocka_unit_test(test_values),
	        cmocka_unit_test(test_labels),     cmocka_unit_test(test_hist_init),
	        cmocka_unit_test(test_hist),       cmocka_unit_test(test_hist_bounds),
	        cmocka_unit_test(test_hist_edges), cmocka_unit_test(test_exposition),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
