/*
 * packlink.c - the objects a fetch from a path remote, or a push to one,
 * needs (packcopy.c) without a pack written for them (see vault-sync(1)):
 * when they lie in a few small packs of the one side that the other
 * does not hold, those packs are linked into the other's objects/pack,
 * or copied where a link cannot be made (another file system); what no
 * such pack holds (a merge's trees and commit, beside the pack of the
 * commit merged) is written as a pack of its own.
 *
 * The other agent's push leaves just such a pack in the remote, and our
 * commit one in ours (cyclepack.c): that cycle's objects. Writing a pack
 * from one inflated and deflated every object again: the fetch's pack
 * alone was a tenth of the CPU of a --watch cycle that pulled and pushed
 * (perf). A pack is never changed once its index is there, so a second
 * name for it is safe; one a repack removes lives on under the other
 * name. Only the newest LINK_PACKS packs of at most LINK_MAX bytes are
 * looked at, so that the look stays short however many packs a side
 * keeps, and what comes along besides the objects needed is bounded.
 * Each pack is in place before its index, which is what makes a pack
 * seen, and both are fsynced, then the folder, before a ref names them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>

#include "vault/vault.h"
#include "internal.h"

#define LINK_PACKS 8
#define LINK_MAX   ((off_t)8 << 20)

struct cand {
	char base[64];           /* pack-<hex>, without .pack or .idx */
	struct timespec mtime;
	off_t size;
	int used;
};

static int newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec :
	    a->tv_nsec > b->tv_nsec;
}

/* The newest small packs of fromdir that todir lacks, newest first,
 * into c[LINK_PACKS]: how many. */
static size_t candidates(int fromfd, int tofd, struct cand *c)
{
	struct dirent *e;
	struct stat st;
	size_t n = 0, i, len;
	char pack[80];
	DIR *d;
	int dfd = dup(fromfd);

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len < 10 || len >= sizeof c->base + 4 ||
		    strncmp(e->d_name, "pack-", 5) != 0 ||
		    strcmp(e->d_name + len - 4, ".idx") != 0)
			continue;
		snprintf(pack, sizeof pack, "%.*s.pack", (int)(len - 4),
		    e->d_name);
		if (fstatat(fromfd, pack, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size > LINK_MAX ||
		    faccessat(tofd, e->d_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		/* kept sorted, newest first; the oldest falls off the end */
		for (i = n; i > 0 && newer(&st.st_mtim, &c[i - 1].mtime); i--)
			if (i < LINK_PACKS)
				c[i] = c[i - 1];
		if (i >= LINK_PACKS)
			continue;
		snprintf(c[i].base, sizeof c[i].base, "%.*s", (int)(len - 4),
		    e->d_name);
		c[i].mtime = st.st_mtim;
		c[i].size = st.st_size;
		c[i].used = 0;
		if (n < LINK_PACKS)
			n++;
	}
	closedir(d);
	return n;
}

/* Which candidates hold which objects of pc: got[i] set for each one
 * found (the candidates that hold one marked used); how many. */
static size_t cover(struct packcopy *pc, const char *fromdir, struct cand *c,
    size_t n, unsigned char *got)
{
	size_t i, k, found = 0;
	git_odb_backend *b;
	char idx[4300];

	for (k = 0; k < n && found < pc->lacks.n; k++) {
		snprintf(idx, sizeof idx, "%.4200s/%.63s.idx", fromdir, c[k].base);
		if (git_odb_backend_one_pack(&b, idx) < 0)
			continue;       /* gone meanwhile: the copy does it */
		for (i = 0; i < pc->lacks.n; i++)
			if (!got[i] && b->exists(b, &pc->lacks.v[i])) {
				got[i] = 1;
				found++;
				c[k].used = 1;
			}
		b->free(b);
	}
	return found;
}

/* name of fromfd as the same name in tofd, a link or else a copy, and
 * fsynced: 0, or -1 with errno set. */
static int place(int fromfd, int tofd, const char *name)
{
	char tmp[120], buf[65536];
	int in = -1, out = -1, e;
	ssize_t got;

	if (linkat(fromfd, name, tofd, name, 0) == 0 || errno == EEXIST) {
		if ((out = openat(tofd, name, O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
		e = fsync(out);
		close(out);
		return e;
	}
	if (errno != EXDEV && errno != EPERM && errno != EMLINK &&
	    errno != ENOTSUP)
		return -1;
	snprintf(tmp, sizeof tmp, "tmp_link_%ld_%s", (long)getpid(), name);
	if ((in = openat(fromfd, name, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (out = openat(tofd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0444)) < 0)
		goto fail;
	while ((got = read(in, buf, sizeof buf)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (fd_write_all(out, buf, (size_t)got) < 0)
			goto fail;
	}
	if (fsync(out) < 0)
		goto fail;
	e = close(out);
	out = -1;
	if (e < 0)
		goto fail;
	close(in);
	in = -1;
	if (renameat(tofd, tmp, tofd, name) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	unlinkat(tofd, tmp, 0);
	errno = e;
	return -1;
}

int packlink(struct packcopy *pc, git_repository *from, git_repository *to)
{
	char fromdir[4200], todir[4200], name[80];
	struct cand c[LINK_PACKS];
	unsigned char *got = NULL;
	int fromfd = -1, tofd = -1, r = 0;
	size_t n, k, i, j, found;
	off_t total = 0;

	if (!pc->lacks.n)
		return 0;
	snprintf(fromdir, sizeof fromdir, "%sobjects/pack",
	    git_repository_path(from));
	snprintf(todir, sizeof todir, "%sobjects/pack",
	    git_repository_path(to));
	if ((fromfd = open(fromdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (tofd = open(todir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;       /* no packs there: the copy does it */
	if (!(n = candidates(fromfd, tofd, c)) ||
	    !(got = calloc(pc->lacks.n, 1)) ||
	    !(found = cover(pc, fromdir, c, n, got)))
		goto out;
	for (k = 0; k < n; k++)
		if (c[k].used)
			total += c[k].size;
	if (total > LINK_MAX)
		goto out;
	for (k = 0; k < n; k++) {
		if (!c[k].used)
			continue;
		snprintf(name, sizeof name, "%.63s.pack", c[k].base);
		if (place(fromfd, tofd, name) < 0)
			break;
		snprintf(name, sizeof name, "%.63s.idx", c[k].base);
		if (place(fromfd, tofd, name) < 0)
			break;
	}
	if (k < n) {
		r = aie_fail_errno(EX_TEMP, "%s: %s/%s", pc->what, todir, name);
		goto out;
	}
	if (fsync(tofd) < 0 && errno != EINVAL) {
		r = aie_fail_errno(EX_TEMP, "%s: %s", pc->what, todir);
		goto out;
	}
	/* what no linked pack holds (a merge's trees and commit, say) is
	 * what is left of pc, written as a pack of its own */
	for (i = j = 0; i < pc->lacks.n; i++)
		if (!got[i])
			pc->lacks.v[j++] = pc->lacks.v[i];
	pc->lacks.n = j;
	if (j && packcopy_write(pc, to) < 0) {
		r = -1;
		goto out;
	}
	r = 1;
out:
	free(got);
	if (fromfd >= 0)
		close(fromfd);
	if (tofd >= 0)
		close(tofd);
	return r;
}
