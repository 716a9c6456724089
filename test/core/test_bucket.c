/* SPDX-License-Identifier: MIT */
/*
 * test_bucket.c - the token bucket: a full burst then refusal, exact
 * refill at the rate (no drift over many small steps), the cap at the
 * burst after a long idle time (and no overflow after a huge one), a clock
 * going back, a burst of 0 meaning no limit, and a rate of 0 meaning the
 * burst only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/bucket.h"

/* Take tokens at @now until refused; how many were granted. */
static unsigned drain(struct bucket *b, unsigned burst, unsigned rate, uint64_t now)
{
	unsigned n = 0;

	while (bucket_take(b, burst, rate, now))
		if (++n > 1000000)
			fail_msg("the bucket never empties");
	return n;
}

static void test_burst_then_refused(void **state)
{
	struct bucket b;

	(void)state;
	bucket_init(&b, 100, 5000);
	assert_int_equal(bucket_tokens(&b), 100);
	assert_int_equal(drain(&b, 100, 10, 5000), 100);
	assert_int_equal(bucket_take(&b, 100, 10, 5000), 0);
	assert_int_equal(bucket_tokens(&b), 0);
}

static void test_refill_exact(void **state)
{
	struct bucket b;
	uint64_t t;
	unsigned got = 0;

	(void)state;
	bucket_init(&b, 10, 0);
	assert_int_equal(drain(&b, 10, 3, 0), 10);
	/* 3 a second, asked every 7 ms up to 9996 ms: 29 tokens and 988
	 * thousandths, nothing lost to rounding on the many small steps. */
	for (t = 7; t <= 10000; t += 7)
		got += (unsigned)bucket_take(&b, 10, 3, t);
	assert_int_equal(got, 29);
	/* the 30th is due at 10 000 ms exactly */
	got += (unsigned)bucket_take(&b, 10, 3, 10000);
	assert_int_equal(got, 30);
	/* a third of a second later: one more */
	assert_int_equal(bucket_take(&b, 10, 3, 10333), 0);
	assert_int_equal(bucket_take(&b, 10, 3, 10334), 1);
}

static void test_cap_and_long_idle(void **state)
{
	struct bucket b;

	(void)state;
	bucket_init(&b, 50, 0);
	assert_int_equal(drain(&b, 50, 1000, 0), 50);
	/* an hour idle at 1000/s: full, not 3.6 million */
	assert_int_equal(drain(&b, 50, 1000, 3600000), 50);
	/* and after ~584 million years at the largest rate, no overflow */
	assert_int_equal(drain(&b, 50, UINT32_MAX, UINT64_MAX), 50);
}

static void test_clock_back(void **state)
{
	struct bucket b;

	(void)state;
	bucket_init(&b, 2, 10000);
	assert_int_equal(drain(&b, 2, 1, 10000), 2);
	/* time went back: nothing refilled, and the next second counts from
	 * the earlier time */
	assert_int_equal(bucket_take(&b, 2, 1, 5000), 0);
	assert_int_equal(bucket_take(&b, 2, 1, 5999), 0);
	assert_int_equal(bucket_take(&b, 2, 1, 6000), 1);
}

static void test_no_limit(void **state)
{
	struct bucket b;
	unsigned i;

	(void)state;
	bucket_init(&b, 0, 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(bucket_take(&b, 0, 0, 0), 1);
}

static void test_rate_zero(void **state)
{
	struct bucket b;

	(void)state;
	bucket_init(&b, 3, 0);
	assert_int_equal(drain(&b, 3, 0, 0), 3);
	assert_int_equal(drain(&b, 3, 0, 1000000000), 0);
}

static void test_larger_burst_later(void **state)
{
	struct bucket b;

	(void)state;
	/* A reload that grows the burst lets the bucket refill up to it. */
	bucket_init(&b, 2, 0);
	assert_int_equal(drain(&b, 2, 1, 0), 2);
	assert_int_equal(drain(&b, 10, 1, 20000), 10);
	/* one that shrinks it clips what is held */
	bucket_init(&b, 10, 0);
	assert_int_equal(drain(&b, 4, 1, 0), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_burst_then_refused), cmocka_unit_test(test_refill_exact),
	        cmocka_unit_test(test_cap_and_long_idle),  cmocka_unit_test(test_clock_back),
	        cmocka_unit_test(test_no_limit),           cmocka_unit_test(test_rate_zero),
	        cmocka_unit_test(test_larger_burst_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
