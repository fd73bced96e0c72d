/*
 * repack.c - bounded pack count for vault-sync's repositories (repack.h).
 *
 * Geometric, in the spirit of git repack --geometric: the largest pack
 * (the vault's history) is left alone while the small ones (one per
 * fetch or push) and the loose objects are rewritten as one pack; when
 * those together reach half of the largest, everything is rewritten.
 * The object lists come from the packs' .idx files (version 2: a header,
 * a 256-entry fan-out whose last entry is the object count, then the
 * sorted object names), read with every length checked. A full repack
 * first inserts what the refs reach through a walk (insert_reachable), a
 * repack of the small ones what their commits changed (repackname.c):
 * both under their paths, so that versions of one file pair as deltas.
 * The new pack is written by git_packbuilder (self-contained: deltas
 * only against objects in it), fsynced with its index and the directory,
 * and only then are the old .idx files (first, so no reader finds an
 * index without its pack), .pack files and the loose objects it now
 * holds removed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

struct pack {
	char name[64];           /* "pack-<hex>" */
	uint32_t count;
};

struct packs {
	struct pack *v;
	size_t n, cap;
};

/* The object count of an .idx (version 2), or -1. */
static long idx_count(int dirfd, const char *idx, int *fdp)
{
	unsigned char head[8 + 256 * 4];
	uint32_t n;
	int fd = openat(dirfd, idx, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	if (read(fd, head, sizeof head) != (ssize_t)sizeof head ||
	    memcmp(head, "\377tOc\0\0\0\2", 8) != 0) {
		close(fd);
		return -1;
	}
	memcpy(&n, head + 8 + 255 * 4, 4);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return (long)ntohl(n);
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* The packs of packdir that a repack may replace: an .idx, its .pack,
 * no .keep. */
static int list_packs(int dirfd, struct packs *ps)
{
	DIR *d;
	struct dirent *e;
	char other[80];
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		long count;
		if (len < 10 || len > 60 || strncmp(e->d_name, "pack-", 5) != 0 ||
		    strcmp(e->d_name + len - 4, ".idx") != 0)
			continue;
		snprintf(other, sizeof other, "%.*s.pack", (int)(len - 4),
		    e->d_name);
		if (faccessat(dirfd, other, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(other, sizeof other, "%.*s.keep", (int)(len - 4),
		    e->d_name);
		if (faccessat(dirfd, other, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if ((count = idx_count(dirfd, e->d_name, NULL)) < 0)
			continue;       /* not an index we read: leave it */
		if (ps->n == ps->cap) {
			size_t ncap = ps->cap ? ps->cap * 2 : 32;
			struct pack *n = realloc(ps->v, ncap * sizeof *n);
			if (!n) {
				closedir(d);
				return -1;
			}
			ps->v = n;
			ps->cap = ncap;
		}
		snprintf(ps->v[ps->n].name, sizeof ps->v[ps->n].name, "%.*s",
		    (int)(len - 4), e->d_name);
		ps->v[ps->n].count = (uint32_t)count;
		ps->n++;
	}
	closedir(d);
	return 0;
}

static int packdir_open(const char *gitdir)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/objects/pack", gitdir);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* More loose objects than LOOSE_MAX, told from the folders
 * objects/17, 4a, 9c and e5 (each object lands in one of 256 by its ID):
 * more than LOOSE_MAX / 64 in the four. git gc --auto waits for 6,700,
 * but a loose object takes a block of the file system (4 kB here) where
 * a packed one takes some 200 bytes: 6,700 loose objects filled a 48 MB
 * disk the vault's own 8 MB shared, and a full disk refuses the repack
 * that would have freed it. Each cycle's staging and commit leave their
 * new objects loose. */
enum { LOOSE_MAX = 1024 };

static int loose_many(const char objdir[4096])
{
	static const char *const sample[] = { "17", "4a", "9c", "e5" };
	char sub[4200];
	DIR *d;
	struct dirent *e;
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof sample / sizeof *sample; i++) {
		snprintf(sub, sizeof sub, "%s/%s", objdir, sample[i]);
		if (!(d = opendir(sub)))
			continue;
		while ((e = readdir(d)))
			if (is_hex(e->d_name, GIT_OID_HEXSZ - 2))
				n++;
		closedir(d);
	}
	return n > LOOSE_MAX / 64;
}

int repack_count(const char *gitdir)
{
	struct packs ps = { 0 };
	int dfd = packdir_open(gitdir), n;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	n = list_packs(dfd, &ps) < 0 ? -1 : (int)ps.n;
	free(ps.v);
	close(dfd);
	return n;
}

int repack_wanted(const char *gitdir, int max)
{
	char objdir[4096];

	if (max <= 0)
		return 0;
	if ((size_t)snprintf(objdir, sizeof objdir, "%s/objects", gitdir) >=
	    sizeof objdir)
		return 0;
	return repack_count(gitdir) > max || loose_many(objdir);
}

static int by_count_desc(const void *a, const void *b)
{
	const struct pack *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

struct oids {
	git_oid *v;
	size_t n, cap;
};

static int oids_add(struct oids *o, const git_oid *id)
{
	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 256;
		git_oid *nv = realloc(o->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		o->v = nv;
		o->cap = ncap;
	}
	o->v[o->n++] = *id;
	return 0;
}

/* Every object named by packdir/<name>.idx, added to o. */
static int collect_pack(int dirfd, const struct pack *p, struct oids *o)
{
	char idx[80];
	unsigned char *names;
	size_t len = (size_t)p->count * GIT_OID_RAWSZ, i;
	long count;
	int fd = -1, r = -1;

	snprintf(idx, sizeof idx, "%s.idx", p->name);
	if ((count = idx_count(dirfd, idx, &fd)) < 0 ||
	    (uint32_t)count != p->count)
		return aie_fail(EX_TEMP, "%s: unreadable pack index", idx);
	if (!(names = malloc(len ? len : 1))) {
		close(fd);
		return aie_fail_errno(EX_TEMP, "%s", idx);
	}
	if (pread(fd, names, len, 8 + 256 * 4) != (ssize_t)len) {
		aie_fail(EX_TEMP, "%s: short pack index", idx);
		goto out;
	}
	for (i = 0; i < p->count; i++) {
		git_oid id;
		git_oid_fromraw(&id, names + i * GIT_OID_RAWSZ);
		if (oids_add(o, &id) < 0) {
			aie_fail_errno(EX_TEMP, "%s", idx);
			goto out;
		}
	}
	r = 0;
out:
	free(names);
	close(fd);
	return r;
}

/* Every object the refs reach, inserted through a walk: the packbuilder
 * then knows each blob's path and pairs versions of one note as deltas.
 * Inserted by ID only (insert_pack), the versions of a note land far
 * apart in its delta window: a full repack of 49,000 objects wrote a
 * pack eight times git's and held 150 MB doing it. */
static int insert_reachable(git_packbuilder *pb, git_repository *repo)
{
	git_revwalk *walk = NULL;
	int r = -1;

	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_push_glob(walk, "refs/*") < 0 ||
	    (git_revwalk_push_head(walk) < 0 && !git_repository_head_unborn(repo)) ||
	    git_packbuilder_insert_walk(pb, walk) < 0)
		aie_fail(EX_TEMP, "repack: walk: %s", git_errstr());
	else
		r = 0;
	git_revwalk_free(walk);
	return r;
}

/* The loose objects, added to o (in the order of their folders). */
static int collect_loose(const char objdir[4096], struct oids *o)
{
	char sub[4200], hex[GIT_OID_HEXSZ + 1];
	int i;

	for (i = 0; i < 256; i++) {
		DIR *d;
		struct dirent *e;
		snprintf(sub, sizeof sub, "%s/%02x", objdir, i);
		if (!(d = opendir(sub)))
			continue;
		while ((e = readdir(d))) {
			git_oid id;
			if (!is_hex(e->d_name, GIT_OID_HEXSZ - 2))
				continue;
			snprintf(hex, sizeof hex, "%02x%.38s", i, e->d_name);
			if (git_oid_fromstr(&id, hex) < 0)
				continue;
			if (oids_add(o, &id) < 0) {
				closedir(d);
				return aie_fail_errno(EX_TEMP, "%s", objdir);
			}
		}
		closedir(d);
	}
	return 0;
}

static int fsync_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int repack_maybe(git_repository *repo, int max, struct repack_result *rr)
{
	static const char *const ext[] = { ".idx", ".pack", ".rev", ".bitmap",
	    ".promisor" };
	const char *gitdir = git_repository_path(repo);
	struct packs ps = { 0 };
	git_packbuilder *pb = NULL;
	git_odb *odb = NULL;
	char objdir[4096], packpath[4200], name[80];
	struct oids ids = { 0 };
	const git_oid *loose = NULL;
	size_t nloose = 0, npacked = 0, first = 1, i, k;
	unsigned long long small = 0;
	int dfd, r = -1;

	memset(rr, 0, sizeof *rr);
	if (max <= 0)
		return 0;
	if ((size_t)snprintf(objdir, sizeof objdir, "%sobjects", gitdir) >=
	    sizeof objdir)
		return aie_fail(EX_TEMP, "%s: path too long", gitdir);
	snprintf(packpath, sizeof packpath, "%s/pack", objdir);
	if ((dfd = packdir_open(gitdir)) < 0)
		return errno == ENOENT ? 0 : aie_fail_errno(EX_TEMP, "%s",
		    packpath);
	if (list_packs(dfd, &ps) < 0) {
		aie_fail_errno(EX_TEMP, "%s", packpath);
		goto out;
	}
	rr->packs_before = rr->packs_after = (int)ps.n;
	if (ps.n <= (size_t)max && !loose_many(objdir)) {
		r = 0;
		goto out;
	}
	if (ps.n)
		qsort(ps.v, ps.n, sizeof *ps.v, by_count_desc);
	for (i = 1; i < ps.n; i++)
		small += ps.v[i].count;
	if (!ps.n)
		first = 0;      /* only loose objects */
	else if (small * 2 >= ps.v[0].count) {
		first = 0;      /* the small ones outweigh: rewrite all */
		rr->full = 1;
	} else {
		/* a progression, as git repack --geometric=2 keeps: a pack
		 * holding at least twice what the smaller ones hold together
		 * stays, so the last repack's pack (read through a 16 MiB
		 * delta-base cache when rewritten) is left until the tail
		 * outweighs it; the tail is two packs at least, so that the
		 * count goes down */
		unsigned long long rest = small;

		while (first + 2 < ps.n &&
		    ps.v[first].count >= 2 * (rest - ps.v[first].count)) {
			rest -= ps.v[first].count;
			first++;
		}
	}
	if (git_packbuilder_new(&pb, repo) < 0) {
		aie_fail(EX_TEMP, "repack: %s", git_errstr());
		goto out;
	}
	/* one thread: each further one leaves a malloc arena of its own in
	 * a long-running vault-sync, for a gain only a full repack sees */
	git_packbuilder_set_threads(pb, 1);
	if (!first && insert_reachable(pb, repo) < 0)
		goto out;
	for (i = first; i < ps.n; i++)
		if (collect_pack(dfd, &ps.v[i], &ids) < 0)
			goto out;
	npacked = ids.n;
	if (collect_loose(objdir, &ids) < 0)
		goto out;
	/* the small packs' objects under their paths (repackname.c); a
	 * full repack's walk named what the refs reach */
	if (first && repack_insert_named(pb, repo, ids.v, ids.n) < 0)
		goto out;
	/* the rest by ID; a loose object that cannot be read stays loose */
	for (i = 0; i < ids.n; i++) {
		if (git_packbuilder_insert(pb, &ids.v[i], NULL) == 0) {
			if (i >= npacked)
				ids.v[npacked + nloose++] = ids.v[i];
		} else if (i < npacked) {
			aie_fail(EX_TEMP, "repack: %s", git_errstr());
			goto out;
		}
	}
	loose = ids.v + npacked;
	if (git_packbuilder_write(pb, packpath, 0, NULL, NULL) < 0) {
		aie_fail(EX_TEMP, "repack: write %s: %s", packpath, git_errstr());
		goto out;
	}
	rr->objects = git_packbuilder_object_count(pb);
	/* the new pack and its index, then their names, reach the disk
	 * before anything they replace goes */
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "pack-%s%s", git_packbuilder_name(pb),
		    ext[k]);
		if (fsync_at(dfd, name) < 0) {
			aie_fail_errno(EX_TEMP, "repack: %s/%s", packpath, name);
			goto out;
		}
	}
	if (fsync(dfd) < 0) {
		aie_fail_errno(EX_TEMP, "repack: %s", packpath);
		goto out;
	}
	snprintf(name, sizeof name, "pack-%s", git_packbuilder_name(pb));
	for (i = first; i < ps.n; i++) {
		if (strcmp(ps.v[i].name, name) == 0)
			continue;       /* the same objects: the same pack */
		for (k = 0; k < sizeof ext / sizeof *ext; k++) {
			char f[80];
			snprintf(f, sizeof f, "%s%s", ps.v[i].name, ext[k]);
			if (unlinkat(dfd, f, 0) < 0 && errno != ENOENT) {
				aie_fail_errno(EX_TEMP, "repack: %s/%s", packpath, f);
				goto out;
			}
		}
	}
	for (i = 0; i < nloose; i++) {
		char f[4300], hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof hex, &loose[i]);
		snprintf(f, sizeof f, "%s/%.2s/%s", objdir, hex, hex + 2);
		if (unlink(f) == 0)
			rr->loose++;
		if (i + 1 == nloose || loose[i].id[0] != loose[i + 1].id[0]) {
			snprintf(f, sizeof f, "%s/%.2s", objdir, hex);
			rmdir(f);       /* when empty */
		}
	}
	/* a refresh would only add the new pack, the replaced ones staying
	 * open (see git_odb_renew); it is the fallback */
	if (git_odb_renew(repo) < 0 && git_repository_odb(&odb, repo) == 0)
		git_odb_refresh(odb);
	rr->packs_after = repack_count(gitdir);
	r = 0;
out:
	git_odb_free(odb);
	free(ids.v);
	git_packbuilder_free(pb);
	free(ps.v);
	close(dfd);
	return r;
}

/* What the child of repack_start tells its parent through the pipe. */
struct repack_report {
	struct repack_result rr;
	int rc, errcode;
	char errmsg[sizeof aie_errmsg];
};

/* The child: only the pipe kept (an inherited sync or push lock would
 * stay held for as long as the repack runs, holding the next cycle and
 * the other agents' pushes), the repack lock or nothing, its own
 * repository, the repack, the report, gone. */
static void repack_child(int fd, const char *gitdir, int max)
{
	struct repack_report rep;
	git_repository *repo = NULL;
	char lock[4200];
	int lfd;
	ssize_t n;

	memset(&rep, 0, sizeof rep);
	if (fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0))
		_exit(1);
	fd = 3;
	if (close_range(4, ~0U, 0) < 0)
		_exit(1);
	/* libgit2's process-wide cache of open packs came with the fork: its
	 * entries name descriptors closed above, whose numbers the next
	 * open() takes again (the lock file's), so a pack read through one
	 * would read another file. libgit2 is started afresh here, with an
	 * empty cache, before anything is opened. */
	while (git_libgit2_shutdown() > 0)
		;
	if (git_libgit2_init() < 0)
		_exit(1);
	snprintf(lock, sizeof lock, "%s/vault-sync-repack.lock", gitdir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0)
		rep.rc = aie_fail_errno(EX_TEMP, "repack: %s", lock);
	else if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			rep.rc = aie_fail_errno(EX_TEMP, "repack: %s", lock);
		/* else another process repacks this repository now */
	} else if (git_repository_open_ext(&repo, gitdir,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		rep.rc = aie_fail(EX_TEMP, "repack: %s: %s", gitdir, git_errstr());
	else
		rep.rc = repack_maybe(repo, max, &rep.rr);
	git_repository_free(repo);
	rep.errcode = aie_errcode;
	memcpy(rep.errmsg, aie_errmsg, sizeof rep.errmsg);
	n = write(fd, &rep, sizeof rep);
	_exit(n == (ssize_t)sizeof rep ? 0 : 1);
}

int repack_start(const char *gitdir, int max, struct repack_job *j)
{
	int fds[2];
	pid_t pid, parent = getpid();

	memset(j, 0, sizeof *j);
	j->fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return aie_fail_errno(EX_TEMP, "repack: pipe");
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return aie_fail_errno(EX_TEMP, "repack: fork");
	}
	if (pid == 0) {
		/* it dies with its parent: a repack cut short leaves only
		 * temporary files (see repack_maybe) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		close(fds[0]);
		repack_child(fds[1], gitdir, max);
	}
	close(fds[1]);
	j->pid = pid;
	j->fd = fds[0];
	snprintf(j->gitdir, sizeof j->gitdir, "%s", gitdir);
	return 0;
}

int repack_finish(struct repack_job *j, int wait, struct repack_result *rr)
{
	struct repack_report rep;
	struct rusage ru;
	int status, flags = wait ? 0 : WNOHANG;
	pid_t w;

	memset(rr, 0, sizeof *rr);
	if (j->pid <= 0)
		return 0;
	while ((w = wait4(j->pid, &status, flags, &ru)) < 0)
		if (errno != EINTR)
			return aie_fail_errno(EX_TEMP, "repack: wait");
	if (w == 0)
		return 1;       /* still at work */
	j->pid = 0;
	/* it has exited: the whole report is in the pipe, or nothing */
	memset(&rep, 0, sizeof rep);
	if (read(j->fd, &rep, sizeof rep) != (ssize_t)sizeof rep) {
		close(j->fd);
		j->fd = -1;
		return aie_fail(EX_TEMP, "repack: %s: the repacking process "
		    "ended without a report (%s %d)", j->gitdir,
		    WIFSIGNALED(status) ? "signal" : "status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	close(j->fd);
	j->fd = -1;
	*rr = rep.rr;
	rr->peak_kb = ru.ru_maxrss;
	if (rep.rc < 0) {
		rep.errmsg[sizeof rep.errmsg - 1] = '\0';
		return aie_fail(rep.errcode, "%s", rep.errmsg);
	}
	return 0;
}
