/* SPDX-License-Identifier: MIT */
/*
 * test_tftp_path.c - the TFTP jail against hostile names (a table, each row
 * carrying its line) and against a real temporary tree: symbolic links in
 * and out, a directory, a FIFO, a device node, an unreadable file opened as
 * nobody in a forked child, and a file swapped for a link between opens.
 * The tree lives under a fresh mkdtemp() directory and is removed after.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/testlib.h"
#include "tftp/tftp_path.h"

#define S16  "aaaaaaaaaaaaaaaa"
#define S64  S16 S16 S16 S16
#define S254 S64 S64 S64 S16 S16 S16 "aaaaaaaaaaaaaa"

struct clean_vec {
	int line;
	const char *name;
	size_t len;
	int rc;
	const char *out;
};

/* The row's line, then the name and its length taken from the literal, so
 * an embedded NUL is part of the name. */
#define N(name) __LINE__, name, sizeof(name) - 1

static const struct clean_vec clean_vecs[] = {
        /* ordinary names */
        {N("pxelinux.0"), 0, "pxelinux.0"},
        {N("ipxe/undionly.kpxe"), 0, "ipxe/undionly.kpxe"},
        {N("EFI/BOOT/BOOTX64.EFI"), 0, "EFI/BOOT/BOOTX64.EFI"},
        /* ".." in every spelling */
        {N(".."), TFTP_P_DOTDOT, ""},
        {N("../etc/passwd"), TFTP_P_DOTDOT, ""},
        {N("a/../../b"), TFTP_P_DOTDOT, ""},
        {N("a/.."), TFTP_P_DOTDOT, ""},
        {N("a/../b"), TFTP_P_DOTDOT, ""}, /* stays inside, still refused */
        {N("..\\..\\windows"), TFTP_P_DOTDOT, ""},
        {N("x\\..\\y"), TFTP_P_DOTDOT, ""},
        {N("/.."), TFTP_P_DOTDOT, ""},
        {N("./../x"), TFTP_P_DOTDOT, ""},
        {N("x/..\\"), TFTP_P_DOTDOT, ""},
        {N("../"), TFTP_P_DOTDOT, ""},
        /* absolute and repeated separators: root-relative */
        {N("/etc/passwd"), 0, "etc/passwd"},
        {N("//x"), 0, "x"},
        {N("\\\\server\\share"), 0, "server/share"},
        {N("\\boot\\x86\\wdsnbp.com"), 0, "boot/x86/wdsnbp.com"},
        {N("x//y"), 0, "x/y"},
        {N("x\\/\\y"), 0, "x/y"},
        /* "." components */
        {N("./x"), 0, "x"},
        {N("x/./y"), 0, "x/y"},
        {N("././././x"), 0, "x"},
        /* names made of dots are names */
        {N("..."), 0, "..."},
        {N("...."), 0, "...."},
        {N(".hidden"), 0, ".hidden"},
        {N("a/.../b"), 0, "a/.../b"},
        {N("..a"), 0, "..a"},
        {N("a.."), 0, "a.."},
        {N(". ."), 0, ". ."},
        /* literal look-alikes: nothing decodes them */
        {N("%2e%2e/etc"), 0, "%2e%2e/etc"},
        {N("%2e%2e%2fetc"), 0, "%2e%2e%2fetc"},
        {N("\xc0\xae\xc0\xae/etc"), 0, "\xc0\xae\xc0\xae/etc"}, /* overlong "." */
        {N("C:\\boot"), 0, "C:/boot"},
        {N("n\xc5\x93ud/\xe2\x98\x83"), 0, "n\xc5\x93ud/\xe2\x98\x83"}, /* UTF-8 */
        {N("\xff"), 0, "\xff"},
        {N(" "), 0, " "},
        {N(" x "), 0, " x "},
        {N("~root/.ssh"), 0, "~root/.ssh"},
        {N("file:etc"), 0, "file:etc"},
        /* NUL and control characters */
        {N("x\0"), TFTP_P_NUL, ""},
        {N("boot.ipxe\0../../etc/passwd"), TFTP_P_NUL, ""},
        {N("\0"), TFTP_P_NUL, ""},
        {N("\x01"), TFTP_P_NUL, ""},
        {N("\x7f"), TFTP_P_NUL, ""},
        {N("a\nb"), TFTP_P_NUL, ""},
        {N("a\tb"), TFTP_P_NUL, ""},
        {N("\x1b[2J"), TFTP_P_NUL, ""},
        {N("../\x1f"), TFTP_P_NUL, ""}, /* NUL outranks DOTDOT */
        /* empty */
        {N(""), TFTP_P_EMPTY, ""},
        {N("/"), TFTP_P_EMPTY, ""},
        {N("///"), TFTP_P_EMPTY, ""},
        {N("."), TFTP_P_EMPTY, ""},
        {N("./"), TFTP_P_EMPTY, ""},
        {N("\\"), TFTP_P_EMPTY, ""},
        {N("/././/."), TFTP_P_EMPTY, ""},
        /* trailing separator or ".": names a directory */
        {N("x/"), TFTP_P_NOTFILE, ""},
        {N("x\\"), TFTP_P_NOTFILE, ""},
        {N("x/."), TFTP_P_NOTFILE, ""},
        {N("x//"), TFTP_P_NOTFILE, ""},
        {N("ipxe/./"), TFTP_P_NOTFILE, ""},
        {N("x/../"), TFTP_P_DOTDOT, ""}, /* DOTDOT outranks NOTFILE */
        /* length */
        {N(S254 "b"), 0, S254 "b"},
        {N(S254 "bc"), TFTP_P_LONG, ""},
        {N("/" S254 "b"), TFTP_P_LONG, ""}, /* the input length counts */
        {N(S254 "\0"), TFTP_P_NUL, ""},
        {N(S254 "b\x01"), TFTP_P_LONG, ""}, /* LONG is judged first */
};

static void test_clean_table(void **state)
{
	size_t i;

	(void)state;
	assert_true(sizeof(clean_vecs) / sizeof(clean_vecs[0]) >= 40);
	for (i = 0; i < sizeof(clean_vecs) / sizeof(clean_vecs[0]); i++) {
		const struct clean_vec *v = &clean_vecs[i];
		char out[TFTP_NAME_MAX + 1];
		int rc;

		memset(out, 'Z', sizeof(out));
		rc = tftp_path_clean(v->name, v->len, out, sizeof(out));
		if (rc != v->rc || strcmp(out, v->out) != 0)
			fail_msg("line %d: rc %d (%s) want %d (%s), out \"%s\" want \"%s\"",
			         v->line, rc, tftp_path_err_name(rc), v->rc,
			         tftp_path_err_name(v->rc), out, v->out);
	}
}

/* Every accepted name cleans to itself (idempotence), and never holds
 * "..", "//", a leading or trailing '/' or a backslash. */
static void test_clean_output_is_clean(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(clean_vecs) / sizeof(clean_vecs[0]); i++) {
		const struct clean_vec *v = &clean_vecs[i];
		char out[TFTP_NAME_MAX + 1], again[TFTP_NAME_MAX + 1];
		size_t n;

		if (tftp_path_clean(v->name, v->len, out, sizeof(out)) != 0)
			continue;
		n = strlen(out);
		if (tftp_path_clean(out, n, again, sizeof(again)) != 0 || strcmp(out, again))
			fail_msg("line %d: \"%s\" does not clean to itself", v->line, out);
		if (n == 0 || out[0] == '/' || out[n - 1] == '/' || strstr(out, "//") ||
		    strchr(out, '\\'))
			fail_msg("line %d: \"%s\" has a stray separator", v->line, out);
	}
}

static void test_clean_cap(void **state)
{
	char out[16];

	(void)state;
	/* "a/b" needs 4 bytes with its NUL. */
	assert_int_equal(tftp_path_clean("/a//b", 5, out, 4), 0);
	assert_string_equal(out, "a/b");
	memset(out, 'Z', sizeof(out));
	assert_int_equal(tftp_path_clean("/a//b", 5, out, 3), TFTP_P_LONG);
	assert_int_equal(out[0], '\0');
	assert_int_equal(tftp_path_clean("x", 1, out, 1), TFTP_P_LONG);
	assert_int_equal(tftp_path_clean("x", 1, out, 0), TFTP_P_LONG);
	/* The reason does not depend on the buffer: ".." still wins. */
	assert_int_equal(tftp_path_clean("aaaaaaaa/..", 11, out, 4), TFTP_P_DOTDOT);
	assert_int_equal(tftp_path_clean("aaaaaaaa/", 9, out, 4), TFTP_P_NOTFILE);
	/* NULL with length 0 is the empty name, not a crash. */
	assert_int_equal(tftp_path_clean(NULL, 0, out, sizeof(out)), TFTP_P_EMPTY);
}

static void test_clean_not_terminated(void **state)
{
	/* The length bounds the read: what follows it is not part of the
	 * name, even a "/.." or a NUL. */
	const char buf[] = "boot.ipxe/../x";
	char out[TFTP_NAME_MAX + 1];

	(void)state;
	assert_int_equal(tftp_path_clean(buf, 9, out, sizeof(out)), 0);
	assert_string_equal(out, "boot.ipxe");
	assert_int_equal(tftp_path_clean(buf, 13, out, sizeof(out)), TFTP_P_DOTDOT);
}

static void test_err_name(void **state)
{
	(void)state;
	assert_string_equal(tftp_path_err_name(0), "ok");
	assert_string_equal(tftp_path_err_name(TFTP_P_EMPTY), "empty");
	assert_string_equal(tftp_path_err_name(TFTP_P_LONG), "long");
	assert_string_equal(tftp_path_err_name(TFTP_P_NUL), "nul");
	assert_string_equal(tftp_path_err_name(TFTP_P_DOTDOT), "dotdot");
	assert_string_equal(tftp_path_err_name(TFTP_P_ESCAPE), "escape");
	assert_string_equal(tftp_path_err_name(TFTP_P_NOTFOUND), "notfound");
	assert_string_equal(tftp_path_err_name(TFTP_P_NOTFILE), "notfile");
	assert_string_equal(tftp_path_err_name(TFTP_P_ACCESS), "access");
	assert_string_equal(tftp_path_err_name(-99), "unknown");
	assert_string_equal(tftp_path_err_name(1), "unknown");
}

/* The real tree:
 *   base/outside                    a file outside the root
 *   base/outdir/secret              a directory outside the root
 *   base/root/boot.ipxe             5 bytes
 *   base/root/sub/kernel            4096 bytes
 *   base/root/sub/up -> ../boot.ipxe      relative, stays inside
 *   base/root/in -> boot.ipxe             relative, inside
 *   base/root/subln -> sub                directory link, inside
 *   base/root/passwd -> /etc/passwd       absolute, out
 *   base/root/out -> ../outside           relative, out
 *   base/root/absin -> BASE/root/boot.ipxe   absolute, to inside
 *   base/root/outdir -> ../outdir         directory link, out
 *   base/root/etc -> /etc                 directory link, out
 *   base/root/loop1 -> loop2, loop2 -> loop1
 *   base/root/dir/                 a directory
 *   base/root/fifo                 a FIFO
 *   base/root/null                 character device 1:3
 *   base/root/sock                 a bound UNIX socket
 *   base/root/secret               mode 000
 *   base/root/locked/file          in a directory of mode 0700
 */
struct tree {
	char *base; /* testdir_new() */
	int rootfd;
	int sock;
};

static void put_file(const char *path, size_t size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	char buf[512];

	assert_true(fd >= 0);
	memset(buf, 'x', sizeof(buf));
	while (size > 0) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		size -= n;
	}
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void at(char *buf, size_t cap, const struct tree *t, const char *rel)
{
	int n = snprintf(buf, cap, "%s/%s", t->base, rel);

	assert_true(n > 0 && (size_t)n < cap);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	struct sockaddr_un sa;
	char p[256], q[256];

	assert_non_null(t);
	t->base = testdir_new("tftp_path");
	assert_non_null(t->base);
	/* Searchable by the unprivileged child. */
	assert_int_equal(chmod(t->base, 0755), 0);
	at(p, sizeof(p), t, "outside");
	put_file(p, 7, 0644);
	at(p, sizeof(p), t, "outdir");
	assert_int_equal(mkdir(p, 0755), 0);
	at(p, sizeof(p), t, "outdir/secret");
	put_file(p, 3, 0644);
	at(p, sizeof(p), t, "root");
	assert_int_equal(mkdir(p, 0755), 0);
	t->rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->rootfd >= 0);

	assert_int_equal(mkdirat(t->rootfd, "sub", 0755), 0);
	assert_int_equal(mkdirat(t->rootfd, "dir", 0755), 0);
	assert_int_equal(mkdirat(t->rootfd, "locked", 0700), 0);
	at(p, sizeof(p), t, "root/boot.ipxe");
	put_file(p, 5, 0644);
	at(p, sizeof(p), t, "root/sub/kernel");
	put_file(p, 4096, 0644);
	at(p, sizeof(p), t, "root/secret");
	put_file(p, 9, 0);
	at(p, sizeof(p), t, "root/locked/file");
	put_file(p, 2, 0644);
	at(p, sizeof(p), t, "root/swap");
	put_file(p, 11, 0644);
	assert_int_equal(symlinkat("../boot.ipxe", t->rootfd, "sub/up"), 0);
	assert_int_equal(symlinkat("boot.ipxe", t->rootfd, "in"), 0);
	assert_int_equal(symlinkat("sub", t->rootfd, "subln"), 0);
	assert_int_equal(symlinkat("/etc/passwd", t->rootfd, "passwd"), 0);
	assert_int_equal(symlinkat("../outside", t->rootfd, "out"), 0);
	at(q, sizeof(q), t, "root/boot.ipxe");
	assert_int_equal(symlinkat(q, t->rootfd, "absin"), 0);
	assert_int_equal(symlinkat("../outdir", t->rootfd, "outdir"), 0);
	assert_int_equal(symlinkat("/etc", t->rootfd, "etc"), 0);
	assert_int_equal(symlinkat("loop2", t->rootfd, "loop1"), 0);
	assert_int_equal(symlinkat("loop1", t->rootfd, "loop2"), 0);
	assert_int_equal(mkfifoat(t->rootfd, "fifo", 0644), 0);
	assert_int_equal(mknodat(t->rootfd, "null", S_IFCHR | 0666, makedev(1, 3)), 0);

	t->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(t->sock >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	at(sa.sun_path, sizeof(sa.sun_path), t, "root/sock");
	assert_int_equal(bind(t->sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	close(t->sock);
	close(t->rootfd);
	/* Depth first, links not followed: only the tree itself goes.  The
	 * mode-0700 directory is no obstacle to root. */
	assert_int_equal(testdir_free(t->base), 0);
	free(t);
	return 0;
}

/* The lowest free descriptor: equal before and after means nothing leaked. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

struct open_vec {
	int line;
	const char *path;
	int rc; /* 0: opens, with this size */
	uint64_t size;
};

static const struct open_vec open_vecs[] = {
        {__LINE__, "boot.ipxe", 0, 5},
        {__LINE__, "sub/kernel", 0, 4096},
        {__LINE__, "in", 0, 5},              /* relative link inside */
        {__LINE__, "sub/up", 0, 5},          /* link with "..", stays inside */
        {__LINE__, "subln/kernel", 0, 4096}, /* directory link inside */
        {__LINE__, "secret", 0, 9},          /* root reads mode 000 */
        {__LINE__, "passwd", TFTP_P_ESCAPE, 0},
        {__LINE__, "out", TFTP_P_ESCAPE, 0},
        {__LINE__, "absin", TFTP_P_ESCAPE, 0}, /* absolute, even to inside */
        {__LINE__, "outdir/secret", TFTP_P_ESCAPE, 0},
        {__LINE__, "etc/passwd", TFTP_P_ESCAPE, 0},
        {__LINE__, "loop1", TFTP_P_ESCAPE, 0}, /* ELOOP */
        {__LINE__, "dir", TFTP_P_NOTFILE, 0},
        {__LINE__, "sub", TFTP_P_NOTFILE, 0},
        {__LINE__, "subln", TFTP_P_NOTFILE, 0},
        {__LINE__, "null", TFTP_P_NOTFILE, 0},
        {__LINE__, "sock", TFTP_P_NOTFILE, 0}, /* ENXIO */
        {__LINE__, "missing", TFTP_P_NOTFOUND, 0},
        {__LINE__, "sub/missing", TFTP_P_NOTFOUND, 0},
        {__LINE__, "boot.ipxe/x", TFTP_P_NOTFOUND, 0}, /* ENOTDIR */
        {__LINE__, "", TFTP_P_NOTFOUND, 0},
        /* Uncleaned paths: the kernel still holds the line. */
        {__LINE__, "/etc/passwd", TFTP_P_ESCAPE, 0},
        {__LINE__, "../outside", TFTP_P_ESCAPE, 0},
        {__LINE__, "sub/../../outside", TFTP_P_ESCAPE, 0},
        {__LINE__, "sub/../boot.ipxe", 0, 5},
};

static void test_open_table(void **state)
{
	struct tree *t = *state;
	int before = lowest_free_fd();
	size_t i;

	for (i = 0; i < sizeof(open_vecs) / sizeof(open_vecs[0]); i++) {
		const struct open_vec *v = &open_vecs[i];
		uint64_t size = 12345;
		int fd = tftp_path_open(t->rootfd, v->path, &size);

		if (v->rc == 0 && (fd < 0 || size != v->size))
			fail_msg("line %d: \"%s\": rc %d (%s) size %llu", v->line, v->path, fd,
			         tftp_path_err_name(fd), (unsigned long long)size);
		if (v->rc != 0 && fd != v->rc)
			fail_msg("line %d: \"%s\": rc %d (%s) want %s", v->line, v->path, fd,
			         tftp_path_err_name(fd), tftp_path_err_name(v->rc));
		if (fd >= 0)
			close(fd);
	}
	assert_int_equal(lowest_free_fd(), before);
}

/* Opening a FIFO for reading waits for a writer unless O_NONBLOCK: the open
 * runs in a child so that a hang fails this test and the tree is still
 * removed. */
static void test_open_fifo(void **state)
{
	struct tree *t = *state;
	int status = 0, i;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(tftp_path_open(t->rootfd, "fifo", NULL) == TFTP_P_NOTFILE ? 0 : 1);
	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	if (i == 500) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("opening a FIFO hung");
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_open_fd_flags(void **state)
{
	struct tree *t = *state;
	char buf[16];
	int fd, fl;

	fd = tftp_path_open(t->rootfd, "boot.ipxe", NULL);
	assert_true(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	assert_true(fl >= 0);
	assert_int_equal(fl & O_ACCMODE, O_RDONLY);
	assert_int_equal(fl & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "xxxxx", 5);
	close(fd);
}

/* A root given as O_DIRECTORY works as well as O_PATH; a bad rootfd is a
 * refusal, not a crash. */
static void test_open_rootfd(void **state)
{
	struct tree *t = *state;
	char p[256];
	uint64_t size = 0;
	int root, fd;

	at(p, sizeof(p), t, "root");
	root = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	fd = tftp_path_open(root, "sub/kernel", &size);
	assert_true(fd >= 0);
	assert_int_equal(size, 4096);
	close(fd);
	close(root);
	assert_true(tftp_path_open(-1, "boot.ipxe", &size) < 0);
}

/* Magic links: /proc/self/{exe,root,fd/N} resolve without following a path;
 * RESOLVE_NO_MAGICLINKS refuses them (ELOOP) even when they sit beneath the
 * root.  Today RESOLVE_BENEATH alone refuses them too (openat2(2): "may
 * change in a future kernel release"), so this cannot tell the two flags
 * apart; it pins the behaviour either way. */
static void test_open_magic_links(void **state)
{
	uint64_t size;
	int proc;

	(void)state;
	proc = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		skip();
	assert_int_equal(tftp_path_open(proc, "exe", &size), TFTP_P_ESCAPE);
	assert_int_equal(tftp_path_open(proc, "root/etc/passwd", &size), TFTP_P_ESCAPE);
	assert_int_equal(tftp_path_open(proc, "fd/0", &size), TFTP_P_ESCAPE);
	assert_int_equal(tftp_path_open(proc, "cwd", &size), TFTP_P_ESCAPE);
	close(proc);
}

/* A file that opened once is replaced by a link out (rename is atomic, so
 * no window where it is missing); the next open must see the link.  Same
 * for a directory swapped for a link to a directory outside. */
static void test_open_swapped(void **state)
{
	struct tree *t = *state;
	uint64_t size = 0;
	int fd;

	fd = tftp_path_open(t->rootfd, "swap", &size);
	assert_true(fd >= 0);
	assert_int_equal(size, 11);
	close(fd);
	assert_int_equal(symlinkat("/etc/passwd", t->rootfd, "swap.new"), 0);
	assert_int_equal(renameat(t->rootfd, "swap.new", t->rootfd, "swap"), 0);
	assert_int_equal(tftp_path_open(t->rootfd, "swap", &size), TFTP_P_ESCAPE);
	assert_int_equal(symlinkat("../outside", t->rootfd, "swap.new"), 0);
	assert_int_equal(renameat(t->rootfd, "swap.new", t->rootfd, "swap"), 0);
	assert_int_equal(tftp_path_open(t->rootfd, "swap", &size), TFTP_P_ESCAPE);

	assert_int_equal(mkdirat(t->rootfd, "swapdir", 0755), 0);
	fd = openat(t->rootfd, "swapdir/secret", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	fd = tftp_path_open(t->rootfd, "swapdir/secret", &size);
	assert_true(fd >= 0);
	assert_int_equal(size, 0);
	close(fd);
	assert_int_equal(renameat(t->rootfd, "swapdir", t->rootfd, "swapdir.old"), 0);
	assert_int_equal(symlinkat("../outdir", t->rootfd, "swapdir"), 0);
	assert_int_equal(tftp_path_open(t->rootfd, "swapdir/secret", &size), TFTP_P_ESCAPE);
}

/* Child exit codes: 0 all well, else the number of the failed check. */
static int child_checks(int rootfd)
{
	uint64_t size = 0;
	int fd;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return 1;
	if (geteuid() != 65534)
		return 2;
	/* Control: a world-readable file opens as nobody. */
	fd = tftp_path_open(rootfd, "boot.ipxe", &size);
	if (fd < 0 || size != 5)
		return 3;
	close(fd);
	if (tftp_path_open(rootfd, "secret", &size) != TFTP_P_ACCESS)
		return 4;
	if (tftp_path_open(rootfd, "locked/file", &size) != TFTP_P_ACCESS)
		return 5;
	/* Escapes are still escapes, whoever asks. */
	if (tftp_path_open(rootfd, "passwd", &size) != TFTP_P_ESCAPE)
		return 6;
	return 0;
}

static void test_open_unprivileged(void **state)
{
	struct tree *t = *state;
	int status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_checks(t->rootfd));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Each table name that cleans, opened beneath a root where it does not
 * exist (an empty directory), is simply not found: the cleaned text is usable as a path as is. */
static void test_clean_then_open(void **state)
{
	struct tree *t = *state;
	size_t i;
	int empty = openat(t->rootfd, "dir", O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(empty >= 0);
	for (i = 0; i < sizeof(clean_vecs) / sizeof(clean_vecs[0]); i++) {
		const struct clean_vec *v = &clean_vecs[i];
		char out[TFTP_NAME_MAX + 1];
		uint64_t size;
		int rc;

		if (tftp_path_clean(v->name, v->len, out, sizeof(out)) != 0)
			continue;
		rc = tftp_path_open(empty, out, &size);
		if (rc != TFTP_P_NOTFOUND)
			fail_msg("line %d: \"%s\": %s", v->line, out, tftp_path_err_name(rc));
	}
	close(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_clean_table),
	        cmocka_unit_test(test_clean_output_is_clean),
	        cmocka_unit_test(test_clean_cap),
	        cmocka_unit_test(test_clean_not_terminated),
	        cmocka_unit_test(test_err_name),
	        cmocka_unit_test_setup_teardown(test_open_table, tree_setup, tree_teardown),
	        cmocka_unit_test_setup_teardown(test_open_fifo, tree_setup, tree_teardown),
	        cmocka_unit_test_setup_teardown(test_open_fd_flags, tree_setup, tree_teardown),
	        cmocka_unit_test_setup_teardown(test_open_rootfd, tree_setup, tree_teardown),
	        cmocka_unit_test(test_open_magic_links),
	        cmocka_unit_test_setup_teardown(test_open_swapped, tree_setup, tree_teardown),
	        cmocka_unit_test_setup_teardown(test_open_unprivileged, tree_setup, tree_teardown),
	        cmocka_unit_test_setup_teardown(test_clean_then_open, tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests_name("tftp_path", tests, NULL, NULL);
}
