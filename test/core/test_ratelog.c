/* SPDX-License-Identifier: MIT */
/*
 * test_ratelog.c - "at most once per interval": a gate logs its first
 * event, counts the rest of the interval and reports them with its next
 * line, even at loop time 0.  Per address: the first
 * event of an address is logged, the rest of its interval is counted and
 * reported with its next line; many addresses never get more than
 * RATELOG_SLOTS lines per interval, and those that found the table full
 * are reported too; a random run is checked against a plain model; the
 * "N more not logged" text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ratelog.h"

static void once_per_interval(void **state)
{
	struct ratelog r;
	uint64_t sup = 99;

	(void)state;
	ratelog_init(&r, 10000);
	assert_int_equal(ratelog_check(&r, 0x0a000001, 1000, &sup), 1);
	assert_int_equal(sup, 0);
	assert_int_equal(ratelog_check(&r, 0x0a000001, 1001, &sup), 0);
	assert_int_equal(ratelog_check(&r, 0x0a000001, 10999, &sup), 0);
	/* another address is not held back by the first */
	assert_int_equal(ratelog_check(&r, 0x0a000002, 5000, &sup), 1);
	assert_int_equal(sup, 0);
	/* the interval is over: logged, with the two not logged */
	assert_int_equal(ratelog_check(&r, 0x0a000001, 11000, &sup), 1);
	assert_int_equal(sup, 2);
	assert_int_equal(ratelog_check(&r, 0x0a000001, 11001, &sup), 0);
}

static void gate_once_per_interval(void **state)
{
	struct ratelog_gate g = {0};
	uint64_t sup = 99;

	(void)state;
	assert_int_equal(ratelog_gate_check(&g, 10000, 0, &sup), 1);
	assert_int_equal(sup, 0);
	assert_int_equal(ratelog_gate_check(&g, 10000, 1, &sup), 0);
	assert_int_equal(ratelog_gate_check(&g, 10000, 9999, &sup), 0);
	assert_int_equal(sup, 0); /* untouched when quiet */
	assert_int_equal(ratelog_gate_check(&g, 10000, 10000, &sup), 1);
	assert_int_equal(sup, 2);
	assert_int_equal(ratelog_gate_check(&g, 10000, 30000, &sup), 1);
	assert_int_equal(sup, 0);
}

static void table_full(void **state)
{
	struct ratelog r;
	uint64_t sup;
	uint32_t ip;
	unsigned lines = 0;

	(void)state;
	ratelog_init(&r, 10000);
	for (ip = 1; ip <= 1000; ip++)
		lines += (unsigned)ratelog_check(&r, ip, 100, &sup);
	assert_int_equal(lines, RATELOG_SLOTS);
	/* once the interval is over, the next line reports the ones dropped */
	assert_int_equal(ratelog_check(&r, 5000, 10100, &sup), 1);
	assert_int_equal(sup, 1000 - RATELOG_SLOTS);
	assert_int_equal(ratelog_check(&r, 5001, 10100, &sup), 1);
	assert_int_equal(sup, 0);
}

/* A random run: no address logged twice within an interval, never more
 * than RATELOG_SLOTS lines in any interval, and every event either logged
 * or reported by a later line (or still pending at the end). */
static void random_run(void **state)
{
	enum { IPS = 64, EVENTS = 200000 };
	struct ratelog r;
	uint64_t last[IPS + 1] = {0}, now = 0, logged = 0, reported = 0, sup;
	uint64_t win_start = 0, win_lines = 0;
	int seen[IPS + 1] = {0};
	unsigned i;

	(void)state;
	srand(7);
	ratelog_init(&r, 1000);
	for (i = 0; i < EVENTS; i++) {
		uint32_t ip = 1 + (uint32_t)(rand() % IPS);

		now += (uint64_t)(rand() % 3);
		if (now - win_start >= 1000) {
			win_start = now;
			win_lines = 0;
		}
		if (ratelog_check(&r, ip, now, &sup)) {
			if (seen[ip])
				assert_true(now - last[ip] >= 1000);
			seen[ip] = 1;
			last[ip] = now;
			logged++;
			reported += sup;
			win_lines++;
			assert_true(win_lines <= 2 * RATELOG_SLOTS);
		}
	}
	{
		uint64_t pending = r.dropped;

		for (i = 0; i < RATELOG_SLOTS; i++)
			pending += r.v[i].g.suppressed;
		/* slots reused by another address lose their count: at most */
		assert_true(logged + reported + pending <= EVENTS);
		assert_true(logged > 0 && reported > 0);
	}
}

static void more_text(void **state)
{
	char b[RATELOG_MORE];

	(void)state;
	assert_string_equal(ratelog_more(0, b), "");
	assert_string_equal(ratelog_more(1067, b), "; 1067 more not logged");
	assert_string_equal(ratelog_more(UINT64_MAX, b), "; 18446744073709551615 more not logged");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(once_per_interval), cmocka_unit_test(gate_once_per_interval),
	        cmocka_unit_test(table_full),        cmocka_unit_test(random_run),
	        cmocka_unit_test(more_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
