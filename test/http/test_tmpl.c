/* SPDX-License-Identifier: MIT */
/*
 * test_tmpl.c - vectors for the template engine: each row is a template,
 * what it renders to against one fixed set of variables, or the line and a
 * piece of the message it fails to compile with; rows carry their own line
 * so a failure names the vector.  Templates are copied into a heap buffer of
 * exactly their length (no NUL after it) so that AddressSanitizer sees any
 * read past the end.  Then hostile inputs, tmpl_check(), and a realistic
 * iPXE menu.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/tmpl.h"

/* A literal and its length without the literal's own NUL. */
#define S(lit) (lit), sizeof(lit) - 1

#define N10 "abcdefghij"
#define N63 N10 N10 N10 N10 N10 N10 "abc"
#define N64 N63 "d"

#define O4  "{{#set}}{{#set}}{{#set}}{{#set}}"
#define C4  "{{/set}}{{/set}}{{/set}}{{/set}}"
#define O16 O4 O4 O4 O4
#define C16 C4 C4 C4 C4

/* Variables, name then value, NULL-terminated; unset names are absent. */
static const char *const vars[] = {
        "name",   "node7",    "mac",   "52:54:00:12:34:56",
        "set",    "yes",      "empty", "",
        "net.ip", "10.0.0.7", "x-y_z", "dash",
        "A_9",    "nine",     N63,     "long",
        NULL,
};

static const char *lookup(void *ctx, const char *name)
{
	const char *const *kv = ctx ? ctx : vars;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

struct vec {
	int line;
	const char *text;
	size_t len;
	const char *want; /* NULL: must fail */
	int err_line;
	const char *err; /* a piece of the message */
};

/* clang-format off */
#define OK(t, w)     {__LINE__, S(t), (w), 0, NULL}
#define ERR(t, l, m) {__LINE__, S(t), NULL, (l), (m)}
/* clang-format on */

static const struct vec vecs[] = {
        /* Plain text, iPXE's own syntax and stray braces pass through. */
        OK("", ""),
        OK("hello\n", "hello\n"),
        OK("#!ipxe\nchain http://x/boot?mac=${net0/mac}\n",
           "#!ipxe\nchain http://x/boot?mac=${net0/mac}\n"),
        OK("${net0/mac:hexhyp} ${ {{name}} }", "${net0/mac:hexhyp} ${ node7 }"),
        OK("a } b }} c { d", "a } b }} c { d"),
        OK("}}", "}}"),
        OK("}}}}}", "}}}}}"),
        OK("{", "{"),
        OK("{a}", "{a}"),
        OK("{ {name} }", "{ {name} }"),
        OK("x{", "x{"),
        OK("\n\n\n", "\n\n\n"),
        OK("\xff\xfe\x01\x7f", "\xff\xfe\x01\x7f"),
        /* "{{{{" is a literal "{{". */
        OK("{{{{", "{{"),
        OK("{{{{name}}", "{{name}}"),
        OK("{{{{{{{{", "{{{{"),
        OK("{{{{{", "{{{"),
        OK("a{{{{b}}c", "a{{b}}c"),
        OK("{{{{{{name}}", "{{node7"),
        /* Substitution. */
        OK("{{name}}", "node7"),
        OK("host {{name}} mac {{mac}}\n", "host node7 mac 52:54:00:12:34:56\n"),
        OK("{{name}}{{name}}", "node7node7"),
        OK("{{ name }}", "node7"),
        OK("{{\tname  }}", "node7"),
        OK("{{net.ip}}/{{x-y_z}}/{{A_9}}", "10.0.0.7/dash/nine"),
        OK("{{" N63 "}}", "long"),
        OK("{{name}}}", "node7}"),
        OK("[{{missing}}]", "[]"),
        OK("[{{empty}}]", "[]"),
        OK("{{0}}{{.}}{{-}}{{_}}", ""),
        /* Sections are conditionals: set means non-NULL and not "". */
        OK("{{#set}}in{{/set}}", "in"),
        OK("{{#missing}}in{{/missing}}", ""),
        OK("{{#empty}}in{{/empty}}", ""),
        OK("{{^set}}in{{/set}}", ""),
        OK("{{^missing}}in{{/missing}}", "in"),
        OK("{{^empty}}in{{/empty}}", "in"),
        OK("a{{#set}}b{{/set}}c", "abc"),
        OK("a{{#missing}}b{{/missing}}c", "ac"),
        OK("{{#set}}{{/set}}", ""),
        OK("{{#mac}}mac={{mac}}{{/mac}}", "mac=52:54:00:12:34:56"),
        OK("{{# set }}x{{/ set }}", "x"),
        OK("{{ #set}}x{{ / set}}", "x"),
        OK("{{#set}}a{{/set}}{{#set}}b{{/set}}", "ab"),
        OK("{{#set}}a{{/set}}{{^set}}b{{/set}}", "a"),
        /* Nesting. */
        OK("{{#set}}1{{#missing}}2{{/missing}}3{{^missing}}4{{/missing}}{{/set}}5", "1345"),
        OK("{{#missing}}1{{#set}}2{{/set}}3{{/missing}}4", "4"),
        OK("{{^missing}}1{{^set}}2{{/set}}3{{/missing}}4", "134"),
        OK("{{#set}}{{#set}}x{{/set}}{{/set}}", "x"),
        OK("{{#set}}{{#name}}{{#mac}}{{name}}{{/mac}}{{/name}}{{/set}}", "node7"),
        OK(O16 "deep" C16, "deep"),
        /* A block tag alone on its line takes the line with it. */
        OK("a\n{{#set}}\nb\n{{/set}}\nc\n", "a\nb\nc\n"),
        OK("a\n{{#missing}}\nb\n{{/missing}}\nc\n", "a\nc\n"),
        OK("a\n{{^missing}}\nb\n{{/missing}}\nc\n", "a\nb\nc\n"),
        OK("a\n  {{#set}}  \nb\n\t{{/set}}\t\nc\n", "a\nb\nc\n"),
        OK("{{#set}}\nb\n{{/set}}", "b\n"),
        OK("{{#set}}\n{{/set}}\n", ""),
        OK("{{#set}}\nx\n  {{/set}}  ", "x\n"),
        OK("\n{{#set}}\n\n{{/set}}\n\n", "\n\n\n"),
        OK("{{! a comment }}\nx\n", "x\n"),
        OK("x\n  {{! a comment }}  \ny", "x\ny"),
        OK("{{#set}}\n  {{#missing}}\n  no\n  {{/missing}}\n  yes\n{{/set}}\n", "  yes\n"),
        /* ...but not when anything else is on the line. */
        OK("a {{#set}}\nb\n{{/set}} c\n", "a \nb\n c\n"),
        OK("{{#set}}x\n{{/set}}", "x\n"),
        OK("{{#set}}{{/set}}\nx", "\nx"),
        OK("{{! c }}{{#set}}\nx\n{{/set}}\n", "\nx\n"),
        OK("{{name}}\n", "node7\n"),
        OK("  {{name}}  \n", "  node7  \n"),
        OK("{{missing}}\nx", "\nx"),
        OK("{{{{\n{{#set}}\n{{/set}}\n", "{{\n"),
        OK("{{{{{{#set}}\nx{{/set}}", "{{\nx"),
        OK("a{{! c }}b\n", "ab\n"),
        OK("{{#set}}\rx{{/set}}", "\rx"),
        OK("  \r{{#set}}\n{{/set}}", "  \r\n"),
        /* CRLF lines. */
        OK("a\r\n{{#set}}\r\nb\r\n{{/set}}\r\nc\r\n", "a\r\nb\r\nc\r\n"),
        OK("a\r\n{{#missing}}\r\nb\r\n{{/missing}}\r\n", "a\r\n"),
        OK("a\r\n {{! c }} \r\nb", "a\r\nb"),
        OK("{{#set}}\r\n{{/set}}\r\n", ""),
        OK("{{#set}} \r \n{{/set}}", " \r \n"),
        /* Comments: anything up to the first "}}" on the line. */
        OK("{{!}}", ""),
        OK("{{!#^/&<>\"'${x}}y", "y"),
        OK("{{! {{name}} }}", " }}"),
        OK("{{ ! spaced }}x", "x"),

        /* Tags are one line; names 1..63 of [A-Za-z0-9_.-]. */
        ERR("{{", 1, "unterminated"),
        ERR("x{{#", 1, "unterminated"),
        ERR("{{name", 1, "unterminated"),
        ERR("{{name}", 1, "unterminated"),
        ERR("{{{", 1, "unterminated"),
        ERR("{{{{{{", 1, "unterminated"),
        ERR("{{na\nme}}", 1, "unterminated"),
        ERR("a\nb {{name}\n}}", 2, "unterminated"),
        ERR("{{! two\nlines }}", 1, "unterminated"),
        ERR("{{}}", 1, "empty name"),
        ERR("{{ }}", 1, "empty name"),
        ERR("{{#}}", 1, "empty name"),
        ERR("{{^ }}", 1, "empty name"),
        ERR("{{/}}", 1, "empty name"),
        ERR("{{na me}}", 1, "bad character 'm'"),
        ERR("{{a/b}}", 1, "bad character '/'"),
        ERR("{{net0:mac}}", 1, "bad character ':'"),
        ERR("{{&name}}", 1, "bad character '&'"),
        ERR("{{>name}}", 1, "bad character '>'"),
        ERR("{{#!x}}", 1, "bad character '!'"),
        ERR("{{##x}}", 1, "bad character '#'"),
        ERR("{{{name}}}", 1, "bad character '{'"),
        ERR("${{{name}}}", 1, "bad character '{'"),
        ERR("{{a}b}}", 1, "bad character '}'"),
        ERR("{{na\xffme}}", 1, "bad character 0xff"),
        ERR("{{name\r}}", 1, "bad character 0x0d"),
        ERR("x\n\n{{" N64 "}}", 3, "longer than 63"),
        /* Sections must pair up. */
        ERR("\n\n{{/x}}", 3, "'{{/x}}' closes no open section"),
        ERR("{{#a}}{{/a}}{{/a}}", 1, "closes no open section"),
        ERR("{{#a}}\n{{/a}}\n{{/a}}\n", 3, "closes no open section"),
        ERR("{{#a}}\n{{/b}}", 2, "mismatched '{{/b}}': the open section is 'a' (line 1)"),
        ERR("{{#a}}\n{{/b}}\n", 2, "mismatched"),
        ERR("{{#a}}{{#b}}{{/a}}{{/b}}", 1, "mismatched"),
        ERR("{{#a}}{{/A}}", 1, "mismatched"),
        ERR("{{#ab}}{{/a}}", 1, "mismatched"),
        ERR("{{#a}}{{/ab}}", 1, "mismatched"),
        ERR("x\n{{#a}}\n{{#b}}\n{{/b}}\n", 2, "section 'a' is not closed"),
        ERR("{{#a}}\n{{#b}}\n", 2, "section 'b' is not closed"),
        ERR("\n{{^a}}", 2, "not closed"),
        ERR(O16 "\n{{#set}}x{{/set}}" C16, 2, "nested deeper than 16"),
        ERR(O16 "{{^set}}" C16 "{{/set}}", 1, "nested deeper than 16"),
        /* NUL bytes, anywhere. */
        ERR("a\0b", 1, "NUL byte"),
        ERR("a\n\nb\0", 3, "NUL byte"),
        ERR("\0{{#", 1, "NUL byte"),
        ERR("{{na\0me}}", 1, "NUL byte"),
        ERR("{{! \0 }}", 1, "NUL byte"),
        ERR("{{#set}}\n\0{{/set}}", 2, "NUL byte"),
};

/* A copy of exactly @p len bytes, nothing after them. */
static char *exact(const char *s, size_t len)
{
	char *c = malloc(len ? len : 1);

	assert_non_null(c);
	memcpy(c, s, len);
	return c;
}

/* Compile @p s (of @p len) from an exact copy. */
static int compile_exact(const char *s, size_t len, struct tmpl **t, struct tmpl_err *err)
{
	char *c = exact(s, len);
	int rc;

	if (err)
		memset(err, 0x55, sizeof(*err));
	rc = tmpl_compile(c, len, t, err);
	/* The template owns what it needs. */
	memset(c, '#', len);
	free(c);
	return rc;
}

/* Render @p t against @p ctx and compare with @p want, twice. */
static void check_render(const struct tmpl *t, void *ctx, const char *want, int line)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < 2; i++) {
		b.len = 0;
		if (tmpl_render(t, lookup, ctx, &b) != 0)
			fail_msg("line %d: render failed", line);
		if (b.len != strlen(want) || (b.len && memcmp(b.p, want, b.len) != 0))
			fail_msg("line %d: rendered \"%.*s\" (%zu), want \"%s\"", line, (int)b.len,
			         b.p ? b.p : "", b.len, want);
	}
	buf_free(&b);
}

static void test_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct tmpl_err err;
		struct tmpl *t = (struct tmpl *)&err;
		int rc;

		rc = compile_exact(v->text, v->len, &t, &err);
		if (v->want) {
			if (rc != 0)
				fail_msg("line %d: rc %d, line %d: %s", v->line, rc, err.line,
				         err.msg);
			check_render(t, NULL, v->want, v->line);
			tmpl_free(t);
			continue;
		}
		if (rc != -EINVAL || t != NULL)
			fail_msg("line %d: rc %d, want -EINVAL", v->line, rc);
		if (err.line != v->err_line || !memchr(err.msg, 0, sizeof(err.msg)) ||
		    !strstr(err.msg, v->err))
			fail_msg("line %d: error at %d \"%.128s\", want at %d \"%s\"", v->line,
			         err.line, err.msg, v->err_line, v->err);
		/* The error is optional. */
		if (compile_exact(v->text, v->len, &t, NULL) != -EINVAL)
			fail_msg("line %d: without err", v->line);
	}
}

/* Compile @p s, which must compile; NUL-terminated for convenience. */
static struct tmpl *must_compile(const char *s, size_t len)
{
	struct tmpl_err err;
	struct tmpl *t;

	if (compile_exact(s, len, &t, &err) != 0)
		fail_msg("compile: line %d: %s", err.line, err.msg);
	return t;
}

/* Render into a fresh buffer; the caller frees b. */
static void render(const struct tmpl *t, void *ctx, struct buf *b)
{
	buf_init(b);
	assert_int_equal(tmpl_render(t, lookup, ctx, b), 0);
}

/* A large template: one long literal, many lines, a tag at the very end. */
static void test_long_text(void **state)
{
	const size_t n = 1 << 20;
	char *s = malloc(n + 8);
	struct tmpl *t;
	struct buf b;
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = i % 100 == 99 ? '\n' : (char)('a' + i % 26);
	memcpy(s + n, "{{name}}", 8);
	t = must_compile(s, n + 8);
	render(t, NULL, &b);
	assert_int_equal(b.len, n + 5);
	assert_memory_equal(b.p, s, n);
	assert_memory_equal(b.p + n, "node7", 5);
	buf_free(&b);
	tmpl_free(t);
	free(s);
}

/* @p reps copies of @p unit (with up to two "%d" for the index) in @p b. */
static void repeat(struct buf *b, const char *unit, int reps)
{
	int i;

	buf_init(b);
	for (i = 0; i < reps; i++)
		assert_int_equal(buf_printf(b, unit, i, i), 0);
}

static int count_known(void *ctx, const char *name)
{
	(void)name;
	++*(int *)ctx;
	return 1;
}

/* Thousands of tags: repeated, distinct, sections in a row and deep. */
static void test_many_tags(void **state)
{
	static const struct {
		const char *unit;
		int reps;
		size_t want_len; /* per unit */
		int names;
	} cases[] = {
	        {"{{name}}", 20000, 5, 1},
	        {"{{#set}}x{{/set}}{{^set}}y{{/set}}\n", 20000, 2, 1},
	        {"{{#set}}\n%d\n{{/set}}\n", 10000, 0, 1},
	        {"{{v%05d}}", 20000, 0, 20000},
	        {"{{#s%05d}}{{/s%05d}}", 20000, 0, 20000},
	        {O16 C16, 2000, 0, 1},
	        {"{{!}}", 50000, 0, 0},
	        {"{{{{", 50000, 2, 0},
	        {"}}", 50000, 2, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf in, out;
		struct tmpl *t;
		int calls = 0;

		repeat(&in, cases[i].unit, cases[i].reps);
		t = must_compile(in.p, in.len);
		render(t, NULL, &out);
		if (cases[i].want_len && out.len != cases[i].want_len * (size_t)cases[i].reps)
			fail_msg("case %zu: %zu bytes", i, out.len);
		assert_int_equal(tmpl_check(t, count_known, &calls, NULL), 0);
		assert_int_equal(calls, cases[i].names);
		buf_free(&out);
		buf_free(&in);
		tmpl_free(t);
	}
}

/* One line of blanks and then many block tags: linear, nothing removed. */
static void test_long_line(void **state)
{
	const size_t blanks = 200000;
	struct buf in, out;
	struct tmpl *t;
	int i;

	(void)state;
	buf_init(&in);
	for (i = 0; i < (int)blanks; i++)
		assert_int_equal(buf_add(&in, i % 2 ? " " : "\t", 1), 0);
	for (i = 0; i < 20000; i++)
		assert_int_equal(buf_puts(&in, "{{! c }}"), 0);
	assert_int_equal(buf_puts(&in, "\n"), 0);
	t = must_compile(in.p, in.len);
	render(t, NULL, &out);
	assert_int_equal(out.len, blanks + 1);
	buf_free(&out);
	buf_free(&in);
	tmpl_free(t);
}

/* Runs of braces: "{{{{" pairs collapse; two or three left over are a tag. */
static void test_braces(void **state)
{
	char s[200];
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(s); n++) {
		struct tmpl_err err;
		struct tmpl *t;
		struct buf b;
		int rc;

		memset(s, '{', n);
		rc = compile_exact(s, n, &t, &err);
		if (n % 4 >= 2) {
			if (rc != -EINVAL || err.line != 1 || !strstr(err.msg, "unterminated"))
				fail_msg("%zu braces: rc %d", n, rc);
			continue;
		}
		assert_int_equal(rc, 0);
		render(t, NULL, &b);
		assert_int_equal(b.len, n / 4 * 2 + n % 4);
		buf_free(&b);
		tmpl_free(t);

		memset(s, '}', n);
		t = must_compile(s, n);
		render(t, NULL, &b);
		assert_int_equal(b.len, n);
		buf_free(&b);
		tmpl_free(t);
	}
}

/*
 * Random short strings over the template's own alphabet: whatever compiles
 * renders, and nothing reads past the end.  A fixed seed keeps it repeatable.
 */
static void test_random(void **state)
{
	static const char alpha[] = "{{}}#^/! \t\r\nab.";
	uint32_t seed = 12345;
	char s[48];
	int iter, ok = 0;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		size_t n, i;
		struct tmpl_err err;
		struct tmpl *t;
		struct buf b;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(s);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		if (compile_exact(s, n, &t, &err) != 0) {
			if (err.line < 1 || err.line > 1 + (int)n)
				fail_msg("iteration %d: error line %d", iter, err.line);
			continue;
		}
		ok++;
		render(t, NULL, &b);
		buf_free(&b);
		tmpl_free(t);
	}
	assert_true(ok > 1000);
}

/* Every prefix of a good template compiles or fails cleanly. */
static const char menu[] =
        "#!ipxe\n"
        "# menu for {{name}}\n"
        "menu rackboot: {{name}} ({{mac}}, {{ip}})\n"
        "item sanboot Boot the iSCSI volume {{iscsi_target}}\n"
        "{{#kernel}}\n"
        "item linux Boot {{kernel}} over HTTP\n"
        "{{/kernel}}\n"
        "item local Boot from the local disk\n"
        "{{^locked}}\n"
        "item shell iPXE shell\n"
        "{{/locked}}\n"
        "choose --default {{#kernel}}linux{{/kernel}}{{^kernel}}sanboot{{/kernel}} "
        "--timeout 10000 target && goto ${target}\n"
        ":sanboot\n"
        "{{#chap_user}}\n"
        "  set username {{chap_user}}\n"
        "  set password {{chap_secret}}\n"
        "{{/chap_user}}\n"
        "sanboot {{sanboot_uri}} || goto shell\n"
        "{{#kernel}}\n"
        ":linux\n"
        "kernel {{http_base}}/{{kernel}} initrd={{initrd}} {{cmdline}}\n"
        "initrd {{http_base}}/{{initrd}}\n"
        "boot || goto shell\n"
        "{{/kernel}}\n"
        ":local\n"
        "exit\n"
        "{{! the shell is always there, locked or not }}\n"
        ":shell\n"
        "shell\n";

static void test_prefixes(void **state)
{
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(menu) - 1; n++) {
		struct tmpl_err err;
		struct tmpl *t;
		struct buf b;

		if (compile_exact(menu, n, &t, &err) != 0) {
			if (err.line < 1 || err.line > 40)
				fail_msg("prefix %zu: line %d", n, err.line);
			continue;
		}
		render(t, NULL, &b);
		buf_free(&b);
		tmpl_free(t);
	}
}

/* The menu against a node with a kernel and CHAP, and a bare one. */
static void test_menu(void **state)
{
	static const char *const full[] = {
	        "name",         "node7",
	        "mac",          "52:54:00:12:34:56",
	        "ip",           "10.0.0.7",
	        "iscsi_target", "iqn.2024-01.org.rackboot:node7",
	        "kernel",       "vmlinuz",
	        "initrd",       "initrd.img",
	        "cmdline",      "console=ttyS0",
	        "http_base",    "http://10.0.0.1:8080",
	        "chap_user",    "node7",
	        "chap_secret",  "s3cret",
	        "sanboot_uri",  "iscsi:10.0.0.1::::iqn.2024-01.org.rackboot:node7",
	        "locked",       "",
	        NULL,
	};
	static const char *const bare[] = {
	        "name",         "node8",
	        "mac",          "52:54:00:00:00:08",
	        "ip",           "10.0.0.8",
	        "iscsi_target", "t8",
	        "sanboot_uri",  "iscsi:10.0.0.1::::t8",
	        "kernel",       "",
	        "chap_user",    "",
	        "locked",       "1",
	        NULL,
	};
	static const char want_full[] =
	        "#!ipxe\n"
	        "# menu for node7\n"
	        "menu rackboot: node7 (52:54:00:12:34:56, 10.0.0.7)\n"
	        "item sanboot Boot the iSCSI volume iqn.2024-01.org.rackboot:node7\n"
	        "item linux Boot vmlinuz over HTTP\n"
	        "item local Boot from the local disk\n"
	        "item shell iPXE shell\n"
	        "choose --default linux --timeout 10000 target && goto ${target}\n"
	        ":sanboot\n"
	        "  set username node7\n"
	        "  set password s3cret\n"
	        "sanboot iscsi:10.0.0.1::::iqn.2024-01.org.rackboot:node7 || goto shell\n"
	        ":linux\n"
	        "kernel http://10.0.0.1:8080/vmlinuz initrd=initrd.img console=ttyS0\n"
	        "initrd http://10.0.0.1:8080/initrd.img\n"
	        "boot || goto shell\n"
	        ":local\n"
	        "exit\n"
	        ":shell\n"
	        "shell\n";
	static const char want_bare[] =
	        "#!ipxe\n"
	        "# menu for node8\n"
	        "menu rackboot: node8 (52:54:00:00:00:08, 10.0.0.8)\n"
	        "item sanboot Boot the iSCSI volume t8\n"
	        "item local Boot from the local disk\n"
	        "choose --default sanboot --timeout 10000 target && goto ${target}\n"
	        ":sanboot\n"
	        "sanboot iscsi:10.0.0.1::::t8 || goto shell\n"
	        ":local\n"
	        "exit\n"
	        ":shell\n"
	        "shell\n";
	struct tmpl *t;

	(void)state;
	t = must_compile(S(menu));
	check_render(t, (void *)full, want_full, __LINE__);
	check_render(t, (void *)bare, want_bare, __LINE__);
	tmpl_free(t);
}

/* Known: the names listed in ctx; counts the calls in known_calls. */
static int known_calls;

static int known(void *ctx, const char *name)
{
	const char *const *k;

	known_calls++;
	for (k = ctx; *k; k++)
		if (strcmp(*k, name) == 0)
			return 1;
	return 0;
}

static void test_check(void **state)
{
	static const char *const names[] = {"kernel", "http_base", "hostname", "a", NULL};
	static const struct {
		int line;
		const char *text;
		int rc, err_line, calls;
		const char *msg;
	} cases[] = {
	        {__LINE__, "plain ${x}\n", 0, 0, 0, NULL},
	        {__LINE__,
	         "{{#kernel}}\nkernel {{http_base}}/{{kernel}}\n{{/kernel}}\n{{hostname}}", 0, 0, 3,
	         NULL},
	        {__LINE__,
	         "{{#kernel}}\nkernel {{http_base}}/{{kernel}}\n{{/kernel}}\n"
	         "{{hostname}} {{bogus}} {{hostname}} {{other}}\n",
	         -ENOENT, 4, 4, "unknown variable 'bogus'"},
	        {__LINE__, "{{a}}\n{{#b}}{{/b}}\n{{c}}\n{{a}}", -ENOENT, 2, 2,
	         "unknown variable 'b'"},
	        {__LINE__, "{{a}}{{a}}\n\n{{^nope}}x{{/nope}}", -ENOENT, 3, 2,
	         "unknown variable 'nope'"},
	        {__LINE__, "{{! {{comment}} }}{{a}}", 0, 0, 1, NULL},
	        {__LINE__, "{{{{escaped}}{{a}}", 0, 0, 1, NULL},
	        {__LINE__, "{{#a}}\n{{#a}}\n{{/a}}\n{{/a}}\n{{" N63 "}}\n", -ENOENT, 5, 2,
	         "unknown variable '" N63 "'"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmpl_err err = {0};
		struct tmpl *t = must_compile(cases[i].text, strlen(cases[i].text));
		int rc;

		known_calls = 0;
		rc = tmpl_check(t, known, (void *)names, &err);
		if (rc != cases[i].rc || known_calls != cases[i].calls)
			fail_msg("line %d: rc %d, %d calls", cases[i].line, rc, known_calls);
		if (rc && (err.line != cases[i].err_line || strcmp(err.msg, cases[i].msg)))
			fail_msg("line %d: error at %d \"%s\"", cases[i].line, err.line, err.msg);
		assert_int_equal(tmpl_check(t, known, (void *)names, NULL), cases[i].rc);
		tmpl_free(t);
	}
}

static const char *nothing(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

/* Rendering appends, and reports a buffer that ran out of memory. */
static void test_render_buf(void **state)
{
	struct tmpl *t = must_compile(S("{{#set}}s{{/set}}{{^set}}u{{/set}}{{name}}!"));
	struct tmpl *empty = must_compile(S(""));
	struct tmpl *var = must_compile(S("{{name}}"));
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_puts(&b, "pre:"), 0);
	assert_int_equal(tmpl_render(t, lookup, NULL, &b), 0);
	assert_int_equal(tmpl_render(t, nothing, NULL, &b), 0);
	assert_string_equal(b.p, "pre:snode7!u!");
	b.oom = 1;
	assert_int_equal(tmpl_render(t, lookup, NULL, &b), -ENOMEM);
	assert_int_equal(tmpl_render(empty, lookup, NULL, &b), -ENOMEM);
	assert_int_equal(tmpl_render(var, lookup, NULL, &b), -ENOMEM);
	b.oom = 0;
	buf_free(&b);
	tmpl_free(t);
	tmpl_free(empty);
	tmpl_free(var);
	tmpl_free(NULL);
}

/* Sizes past the limit are refused before a byte is read. */
static void test_too_large(void **state)
{
	struct tmpl_err err;
	struct tmpl *t = (struct tmpl *)&err;

	(void)state;
	assert_int_equal(tmpl_compile("", (size_t)INT_MAX, &t, &err), -EINVAL);
	assert_null(t);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(tmpl_compile("", SIZE_MAX, &t, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_vectors),   cmocka_unit_test(test_long_text),
	        cmocka_unit_test(test_many_tags), cmocka_unit_test(test_long_line),
	        cmocka_unit_test(test_braces),    cmocka_unit_test(test_random),
	        cmocka_unit_test(test_prefixes),  cmocka_unit_test(test_menu),
	        cmocka_unit_test(test_check),     cmocka_unit_test(test_render_buf),
	        cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests_name("tmpl", tests, NULL, NULL);
}
