/* SPDX-License-Identifier: MIT */
/*
 * test_imgspec.c - RBD image names as the configuration writes them: a
 * table of texts, each row carrying its line, with the parts expected or
 * the refusal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/imgspec.h"

#define S16 "aaaaaaaaaaaaaaaa"
#define S95 S16 S16 S16 S16 S16 "aaaaaaaaaaaaaaa"

struct vec {
	int line;
	const char *text;
	const char *def_pool;
	int rc;
	const char *pool, *image, *snap;
};

static const struct vec vecs[] = {
        {__LINE__, "golden@v1", "rbd", 0, "rbd", "golden", "v1"},
        {__LINE__, "images/golden@v1", "rbd", 0, "images", "golden", "v1"},
        {__LINE__, "node01", "rbd", 0, "rbd", "node01", ""},
        {__LINE__, "p/node01", "rbd", 0, "p", "node01", ""},
        {__LINE__, "a.b_c-d+e/f.g@h_i-2", "rbd", 0, "a.b_c-d+e", "f.g", "h_i-2"},
        {__LINE__, S95, "rbd", 0, "rbd", S95, ""},
        {__LINE__, S95 "a", "rbd", -EINVAL},
        {__LINE__, "", "rbd", -EINVAL},
        {__LINE__, "@v1", "rbd", -EINVAL},
        {__LINE__, "golden@", "rbd", -EINVAL},
        {__LINE__, "/golden@v1", "rbd", -EINVAL},
        {__LINE__, "p/", "rbd", -EINVAL},
        {__LINE__, "a/b/c", "rbd", -EINVAL},
        {__LINE__, "a@b@c", "rbd", -EINVAL},
        {__LINE__, "a@b/c", "rbd", -EINVAL},
        {__LINE__, "../golden@v1", "rbd", -EINVAL},
        {__LINE__, "./golden", "rbd", -EINVAL},
        {__LINE__, "gold en@v1", "rbd", -EINVAL},
        {__LINE__, "golden@v1\n", "rbd", -EINVAL},
        {__LINE__, "golden", "", -EINVAL},
        {__LINE__, "golden", "bad pool", -EINVAL},
        {__LINE__, "golden", NULL, -EINVAL},
        {__LINE__, "p/golden", NULL, 0, "p", "golden", ""},
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct imgspec out;
		int rc = imgspec_parse(v->text, v->def_pool, &out);

		if (rc != v->rc)
			fail_msg("line %d: \"%s\": rc %d, want %d", v->line, v->text, rc, v->rc);
		if (rc < 0) {
			if (out.pool[0] || out.image[0] || out.snap[0])
				fail_msg("line %d: a refusal left parts behind", v->line);
			continue;
		}
		if (strcmp(out.pool, v->pool) || strcmp(out.image, v->image) ||
		    strcmp(out.snap, v->snap))
			fail_msg("line %d: \"%s\" gave %s / %s @ %s", v->line, v->text, out.pool,
			         out.image, out.snap);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(imgspec_name_valid("rbd"));
	assert_true(imgspec_name_valid(S95));
	assert_false(imgspec_name_valid(S95 "a"));
	assert_false(imgspec_name_valid(""));
	assert_false(imgspec_name_valid(NULL));
	assert_false(imgspec_name_valid(".."));
	assert_false(imgspec_name_valid("a/b"));
	assert_false(imgspec_name_valid("a@b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
