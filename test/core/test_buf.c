/* SPDX-License-Identifier: MIT */
/*
 * test_buf.c - the growable buffer: growth across many reallocations, the
 * NUL after the contents, sticky out-of-memory (provoked with a size that
 * cannot be allocated, and with a format error), buf_steal() of an empty
 * buffer, and the JSON and HTML escapers as vectors that carry their own
 * line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "core/buf.h"

/* The invariants every buffer keeps between calls. */
static void check_buf(const struct buf *b, int line)
{
	if (b->p == NULL) {
		if (b->len != 0 || b->cap != 0)
			fail_msg("line %d: no memory but len %zu cap %zu", line, b->len, b->cap);
		return;
	}
	if (b->len >= b->cap || b->p[b->len] != '\0')
		fail_msg("line %d: len %zu cap %zu, or no NUL", line, b->len, b->cap);
}

static void test_init_free(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.oom, 0);
	buf_free(&b);
	buf_free(&b); /* twice is fine: it is empty again */
	assert_int_equal(buf_puts(&b, "x"), 0);
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

/* Byte by byte and in large pieces, through many doublings; the contents
 * must survive every realloc. */
static void test_growth(void **state)
{
	static const char pat[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char big[5000];
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 100000; i++) {
		assert_int_equal(buf_add(&b, &pat[i % 36], 1), 0);
		if (i % 9973 == 0)
			check_buf(&b, __LINE__);
	}
	assert_int_equal(b.len, 100000);
	for (i = 0; i < b.len; i++)
		if (b.p[i] != pat[i % 36])
			fail_msg("byte %zu is '%c'", i, b.p[i]);
	check_buf(&b, __LINE__);
	buf_free(&b);

	memset(big, 'q', sizeof(big));
	for (i = 0; i < 10; i++) {
		assert_int_equal(buf_add(&b, big, sizeof(big)), 0);
		assert_int_equal(buf_add(&b, "", 0), 0);
		check_buf(&b, __LINE__);
	}
	assert_int_equal(b.len, 10 * sizeof(big));
	assert_int_equal(strspn(b.p, "q"), b.len);
	buf_free(&b);
}

static void test_puts_printf(void **state)
{
	char want[1200];
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_printf(&b, "%s", ""), 0); /* nothing, but a string */
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_printf(&b, "-%d-%s-%06.2f", 42, "x", 2.25), 0);
	assert_string_equal(b.p, "ab-42-x-002.25");
	check_buf(&b, __LINE__);
	/* Longer than the room left: the second vsnprintf path. */
	for (i = 0; i < 1000; i++)
		want[i] = (char)('a' + i % 26);
	want[1000] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", want), 0);
	assert_int_equal(b.len, 14 + 1002);
	assert_memory_equal(b.p + 15, want, 1000);
	assert_string_equal(b.p + 1015, "]");
	check_buf(&b, __LINE__);
	/* Exactly filling the room. */
	buf_free(&b);
	for (i = 1; i < 300; i++) {
		memset(want, 'z', i);
		want[i] = '\0';
		assert_int_equal(buf_printf(&b, "%s", want), 0);
		check_buf(&b, __LINE__);
	}
	assert_int_equal(b.len, 299 * 300 / 2);
	buf_free(&b);
}

static void test_steal(void **state)
{
	struct buf b;
	size_t len = 99;
	char *s;

	(void)state;
	/* Empty: "" (allocated), never NULL. */
	buf_init(&b);
	s = buf_steal(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	s = buf_steal(&b, NULL);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	assert_int_equal(buf_puts(&b, "hello"), 0);
	s = buf_steal(&b, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_null(b.p); /* empty again, and usable */
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(b.p, "again");
	free(s);
	buf_free(&b);
}

/* A request no allocator can meet sets oom; from then on nothing is
 * appended, every call says -ENOMEM, and steal gives NULL until the
 * buffer is freed. */
static void test_oom_sticky(void **state)
{
	static const wchar_t wide[] = {0xe9, 0};
	struct buf b;
	size_t len = 99;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_puts(&b, "keep"), 0);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX / 2), -ENOMEM);
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 4);
	assert_int_equal(buf_puts(&b, "more"), -ENOMEM);
	assert_int_equal(buf_add(&b, "m", 1), -ENOMEM);
	assert_int_equal(buf_printf(&b, "%d", 1), -ENOMEM);
	assert_int_equal(buf_json_str(&b, "j"), -ENOMEM);
	assert_int_equal(buf_html(&b, "h"), -ENOMEM);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.p, "keep");
	assert_null(buf_steal(&b, &len));
	assert_int_equal(len, 0);
	assert_int_equal(b.oom, 1); /* still: NULL only with oom */
	assert_int_equal(buf_puts(&b, "x"), -ENOMEM);
	buf_free(&b);
	assert_int_equal(b.oom, 0);
	assert_int_equal(buf_puts(&b, "x"), 0);
	buf_free(&b);

	/* A format error is as sticky, and what vsnprintf() wrote past the
	 * contents is taken back: a wide character the C locale cannot
	 * encode (the test never calls setlocale()). */
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(buf_printf(&b, "abc%ls", wide), -ENOMEM);
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "0123456789");
	buf_free(&b);

	/* The same from an empty buffer, and past SIZE_MAX. */
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -ENOMEM);
	assert_null(buf_steal(&b, NULL));
	buf_free(&b);
}

struct esc_vec {
	int line;
	const char *in;
	const char *out;
};

static const struct esc_vec json_vecs[] = {
        {__LINE__, "", "\"\""},
        {__LINE__, "abc", "\"abc\""},
        {__LINE__, "\"", "\"\\\"\""},
        {__LINE__, "\\", "\"\\\\\""},
        {__LINE__, "a\"b\\c", "\"a\\\"b\\\\c\""},
        {__LINE__, "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
        {__LINE__, "\x01", "\"\\u0001\""},
        {__LINE__, "\x1f", "\"\\u001f\""},
        {__LINE__, "\x1b[31m", "\"\\u001b[31m\""},
        {__LINE__, "\x7f", "\"\\u007f\""},
        {__LINE__, "x\x0by", "\"x\\u000by\""},
        {__LINE__, " ~/", "\" ~/\""},
        {__LINE__, "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""}, /* UTF-8 as is */
        {__LINE__, "\xff", "\"\xff\""},
        {__LINE__, "</script>", "\"</script>\""},
        {__LINE__, "'", "\"'\""},
        {__LINE__, "end\\", "\"end\\\\\""},
};

static const struct esc_vec html_vecs[] = {
        {__LINE__, "", ""},
        {__LINE__, "plain text", "plain text"},
        {__LINE__, "&<>\"'", "&amp;&lt;&gt;&quot;&#39;"},
        {__LINE__, "a&amp;b", "a&amp;amp;b"},
        {__LINE__, "<script>alert('x')</script>",
         "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
        {__LINE__, "\" onload=\"x", "&quot; onload=&quot;x"},
        {__LINE__, "caf\xc3\xa9", "caf\xc3\xa9"},
        {__LINE__, "tab\there\n", "tab\there\n"},
        {__LINE__, "&", "&amp;"},
};

static void run_esc(const struct esc_vec *v, size_t n, int (*fn)(struct buf *, const char *))
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct buf b;

		buf_init(&b);
		/* After some text, so that runs are copied from the middle. */
		assert_int_equal(buf_puts(&b, "<"), 0);
		if (fn(&b, v[i].in) != 0 || strcmp(b.p + 1, v[i].out) != 0)
			fail_msg("line %d: got [%s]", v[i].line, b.p + 1);
		check_buf(&b, v[i].line);
		buf_free(&b);
	}
}

static void test_json_str(void **state)
{
	struct buf b;

	(void)state;
	run_esc(json_vecs, sizeof(json_vecs) / sizeof(json_vecs[0]), buf_json_str);
	buf_init(&b);
	assert_int_equal(buf_json_str(&b, NULL), 0); /* as "" */
	assert_string_equal(b.p, "\"\"");
	buf_free(&b);
}

static void test_html(void **state)
{
	struct buf b;

	(void)state;
	run_esc(html_vecs, sizeof(html_vecs) / sizeof(html_vecs[0]), buf_html);
	buf_init(&b);
	assert_int_equal(buf_html(&b, NULL), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* Every control character, one at a time: escaped as \uXXXX unless it
 * has a short form, and nothing below 0x20 left in the output. */
static void test_json_all_controls(void **state)
{
	int c;

	(void)state;
	for (c = 1; c < 0x80; c++) {
		char in[2] = {(char)c, 0};
		struct buf b;
		size_t i;

		buf_init(&b);
		assert_int_equal(buf_json_str(&b, in), 0);
		for (i = 0; i < b.len; i++)
			if ((unsigned char)b.p[i] < 0x20 || b.p[i] == 0x7f)
				fail_msg("0x%02x: raw control in output", c);
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			assert_true(b.p[1] == '\\');
		else
			assert_int_equal(b.len, 3);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_free),   cmocka_unit_test(test_growth),
	        cmocka_unit_test(test_puts_printf), cmocka_unit_test(test_steal),
	        cmocka_unit_test(test_oom_sticky),  cmocka_unit_test(test_json_str),
	        cmocka_unit_test(test_html),        cmocka_unit_test(test_json_all_controls),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
