/* SPDX-License-Identifier: MIT */
/*
 * tftp_path.c - the TFTP jail: turn a requested name into a descriptor of a
 * regular file beneath the root, or a reason why not.  The text pass is pure
 * and only normalises; it never resolves ".." and never decides on its own
 * that a path stays inside the root.  That decision belongs to the kernel:
 * openat2(RESOLVE_BENEATH) judges every component, symbolic links included,
 * at the moment of the open.  Nothing here logs; the caller maps the result
 * to a TFTP ERROR (RFC 1350 section 5: 1 not found, 2 access violation) and
 * logs once.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "tftp/tftp_path.h"

/* openat2 may ask for a retry (EAGAIN: a rename raced a ".." inside a
 * symbolic link's target) or be interrupted; a few attempts are plenty. */
#define OPEN_TRIES 4

static int is_sep(char c)
{
	return c == '/' || c == '\\';
}

/* NUL, the C0 controls and DEL.  Bytes >= 0x80 are not controls here: Linux
 * names are bytes, nothing decodes them, so UTF-8 (and malformed UTF-8 such
 * as an overlong "." spelled 0xc0 0xae) is just a literal name. */
static int is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Find the next component at or after *pos: set *start to it, move *pos
 * past it and return its length, 0 when only separators remain. */
static size_t next_comp(const char *name, size_t len, size_t *pos, size_t *start)
{
	size_t i = *pos, n = 0;

	while (i < len && is_sep(name[i]))
		i++;
	while (i + n < len && !is_sep(name[i + n]))
		n++;
	*start = i;
	*pos = i + n;
	return n;
}

static int is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static int is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

/*
 * Decisions, in the order they are applied (the first that fails wins, so
 * the answer never depends on where in the name the fault is, nor on cap):
 *  1. len > TFTP_NAME_MAX: TFTP_P_LONG, before a byte is read.
 *  2. a NUL inside len, a C0 control or DEL anywhere: TFTP_P_NUL ("../\x01"
 *     is NUL, not DOTDOT).
 *  3. '\\' is a separator like '/' (PXE clients with Windows habits).  No
 *     other Windows spelling is interpreted: "C:\\boot" is the component
 *     "C:" then "boot", and "\\\\server\\share" is "server/share".
 *  4. components are split on separators; empty ones (leading, repeated)
 *     and "." are dropped, so "/etc/passwd" is "etc/passwd" under the root
 *     and "a/./b" is "a/b".  A ".." anywhere is TFTP_P_DOTDOT, even one
 *     that would stay inside ("a/../b"): it is never resolved here, and no
 *     honest client sends one.  "...", ".hidden", "%2e%2e", " " and bytes
 *     >= 0x80 are ordinary names, taken literally (no trimming, no
 *     decoding).
 *  5. nothing left: TFTP_P_EMPTY ("", "/", ".", "./").
 *  6. a name ending in a separator or in a "." component names a
 *     directory, and directories are never served: TFTP_P_NOTFILE here,
 *     rather than quietly opening the file "x" for "x/".
 *  7. the result plus its NUL must fit cap, else TFTP_P_LONG.  The result
 *     is never longer than len, so TFTP_NAME_MAX + 1 always fits.
 * On failure out holds "" (when cap > 0), so a caller that ignores rc opens
 * nothing.  Cost: two passes over at most TFTP_NAME_MAX bytes.
 */
int tftp_path_clean(const char *name, size_t len, char *out, size_t cap)
{
	size_t i, pos, start, n, o = 0;
	int last_dot = 0;

	if (cap > 0)
		out[0] = '\0';
	if (len > TFTP_NAME_MAX)
		return TFTP_P_LONG;
	for (i = 0; i < len; i++)
		if (is_ctrl((unsigned char)name[i]))
			return TFTP_P_NUL;

	/* Pass 1: judge every component and measure the result. */
	for (pos = 0; (n = next_comp(name, len, &pos, &start)) > 0;) {
		last_dot = is_dot(name + start, n);
		if (is_dotdot(name + start, n))
			return TFTP_P_DOTDOT;
		if (!last_dot)
			o += (o > 0) + n;
	}
	if (o == 0)
		return TFTP_P_EMPTY;
	if (last_dot || is_sep(name[len - 1]))
		return TFTP_P_NOTFILE;
	if (o >= cap)
		return TFTP_P_LONG;

	/* Pass 2: copy the kept components, one '/' between each. */
	o = 0;
	for (pos = 0; (n = next_comp(name, len, &pos, &start)) > 0;) {
		if (is_dot(name + start, n))
			continue;
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, name + start, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/*
 * errno of openat2 to a reason.  EXDEV is RESOLVE_BENEATH refusing an
 * absolute path, an absolute symbolic link or a ".." above the root; ELOOP
 * is a magic link (RESOLVE_NO_MAGICLINKS) or a chain of links too long or
 * circular, also treated as an attempt to leave.  ENXIO and ENODEV are the
 * kernel saying "not a file" (a socket, a device with no driver).  ENOSYS
 * (no openat2) and EINVAL/E2BIG (a kernel that does not know these resolve
 * flags) fail closed as TFTP_P_ACCESS: the jail cannot be enforced, so
 * nothing is served, and the error reads as a permission problem.  Anything
 * else (EMFILE, ENOMEM, EIO...) is reported as not found: the client gets no
 * file either way, and the enum has no "server trouble" value.
 */
static int map_errno(int e)
{
	switch (e) {
	case EXDEV:
	case ELOOP: return TFTP_P_ESCAPE;
	case ENOENT:
	case ENOTDIR: return TFTP_P_NOTFOUND;
	case EACCES:
	case EPERM: return TFTP_P_ACCESS;
	case ENXIO:
	case ENODEV: return TFTP_P_NOTFILE;
	case ENOSYS:
	case EINVAL:
	case E2BIG: return TFTP_P_ACCESS;
	default: return TFTP_P_NOTFOUND;
	}
}

/*
 * O_NONBLOCK is there for the open itself: a FIFO opened for reading would
 * otherwise wait for a writer.  It is cleared once the file is known to be
 * regular (where it has no effect on reads anyway, but the caller gets the
 * plain descriptor it expects).  The open of a device node does reach its
 * driver before fstat refuses it; a root on a nodev mount avoids even that.
 */
int tftp_path_open(int rootfd, const char *path, uint64_t *size)
{
	struct open_how how;
	struct stat st;
	int fd = -1, fl, tries;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	for (tries = 0; tries < OPEN_TRIES; tries++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	if (fd < 0)
		return map_errno(errno);

	if (fstat(fd, &st) < 0)
		goto err_stat;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return TFTP_P_NOTFILE;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		goto err_fcntl;
	if (size)
		*size = (uint64_t)st.st_size;
	return fd;

err_fcntl:
err_stat:
	close(fd);
	return TFTP_P_NOTFOUND;
}

const char *tftp_path_err_name(int err)
{
	switch (err) {
	case 0: return "ok";
	case TFTP_P_EMPTY: return "empty";
	case TFTP_P_LONG: return "long";
	case TFTP_P_NUL: return "nul";
	case TFTP_P_DOTDOT: return "dotdot";
	case TFTP_P_ESCAPE: return "escape";
	case TFTP_P_NOTFOUND: return "notfound";
	case TFTP_P_NOTFILE: return "notfile";
	case TFTP_P_ACCESS: return "access";
	default: return "unknown";
	}
}
