/*
 * unchanged.c - what changed since the last commit, answered from
 * .git/index and the files' stat data before libgit2 is asked.
 *
 * A libgit2 status reads the whole index into memory (parsing and hashing
 * 1 MB at 10,000 files), diffs HEAD's trees against it and stats every
 * file by its full path: most of a one-shot cycle that finds nothing to
 * do. Here the index file is mapped and read in place (indexmap.c reads
 * it; this file's one job is comparing it with the work tree). The index
 * holds HEAD's tree when its cache tree (the TREE extension, which git
 * and libgit2 keep valid or mark invalid on every change) names HEAD's
 * tree.
 * Each tracked file is stat'ed relative to its directory's descriptor and
 * compared as libgit2's status compares it (mode, size, mtime, ctime,
 * inode, owner; an entry not older than the index file is racily clean
 * and counts as changed); each directory is read once, and a name in it
 * that the index lacks and .gitignore does not ignore is a change.
 *
 * The answer is the paths that may have changed, none when nothing did;
 * the status then examines only those (a directory stands for what is
 * below it), as it does for the paths --watch saw. What this pass does
 * not read (an index version, extension or entry flag it does not know,
 * a conflict, a cache tree not valid or not HEAD's, past SCOPE_MAX paths,
 * any error) answers "unknown", and libgit2 examines the whole work tree.
 * So it can spare work but never hide a change: a path listed that did
 * not change is only examined for nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

#define SCOPE_MAX 1000          /* as --watch: past it, the whole tree */
#define DEPTH_MAX 64
#define PRESTAT_MIN 2000        /* entries worth a second thread */

enum { UNKNOWN = -1, LISTED = 0, NONE = 1 };

/* A directory being compared: its descriptor, the length of its path
 * with the '/' (0 at the top), its first entry, and how many of the
 * names the index gives it are present. */
struct level {
	int fd;
	size_t plen, lo, present;
};

struct prestat;
struct walk {
	git_repository *repo;
	const struct index_map *m;
	struct prestat *pre;
	struct sync_paths *out;
	struct level lv[DEPTH_MAX];
	int depth;
};

static int head_tree(git_repository *repo, git_oid *tree)
{
	git_oid head;
	git_commit *c;

	if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
	    git_commit_lookup(&c, repo, &head) < 0)
		return -1;
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

void sync_paths_free(struct sync_paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

/* Add the first len bytes of path to what may have changed. */
static int list(struct walk *w, const char *path, size_t len)
{
	struct sync_paths *o = w->out;

	if (o->n == SCOPE_MAX)
		return UNKNOWN;
	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 16;
		char **v = realloc(o->v, ncap * sizeof *v);
		if (!v)
			return UNKNOWN;
		o->v = v;
		o->cap = ncap;
	}
	if (!(o->v[o->n] = strndup(path, len)))
		return UNKNOWN;
	o->n++;
	return 0;
}

static int newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/* Does the stat data differ from entry e's, or is the entry racily
 * clean (not older than the index file, so a change in the same tick
 * as the index's write would not show)? */
static int differs(const unsigned char *e, const struct stat *st,
    const struct timespec *index_mtime)
{
	uint32_t mode = 0;

	if (S_ISREG(st->st_mode))
		mode = st->st_mode & S_IXUSR ? 0100755 : 0100644;
	else if (S_ISLNK(st->st_mode))
		mode = 0120000;
	return index_be32(e + 24) != mode ||
	    index_be32(e + 36) != (uint32_t)st->st_size ||
	    index_be32(e + 0) != (uint32_t)st->st_ctim.tv_sec ||
	    index_be32(e + 4) != (uint32_t)st->st_ctim.tv_nsec ||
	    index_be32(e + 8) != (uint32_t)st->st_mtim.tv_sec ||
	    index_be32(e + 12) != (uint32_t)st->st_mtim.tv_nsec ||
	    index_be32(e + 20) != (uint32_t)st->st_ino ||
	    index_be32(e + 28) != (uint32_t)st->st_uid ||
	    index_be32(e + 32) != (uint32_t)st->st_gid ||
	    newer(&st->st_mtim, index_mtime);
}

enum { SAME, DIFFERS, MISSING, FAILED };

static int stat_entry(const struct index_map *m, size_t i, int dirfd,
    const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? MISSING : FAILED;
	return differs(index_entry(m, i), &st, &m->mtime) ? DIFFERS : SAME;
}

/* The stats of entries from..n-1, made by a second thread while
 * this one walks the first part and reads the directories: the stats
 * are most of the walk's time, and git's preload-index spreads them
 * over threads too. Its directories are opened by their paths (the
 * walk's own opening of each, without following a symlink, stays the
 * check). */
struct prestat {
	const struct index_map *m;
	int top;                        /* its own descriptor of the top */
	size_t from;
	unsigned char *verdict;         /* SAME ... FAILED, per entry */
	pthread_t tid;
	int running;
};

static void *prestat_run(void *arg)
{
	struct prestat *p = arg;
	const struct index_map *m = p->m;
	char dir[4200];
	size_t i, len, dlen = SIZE_MAX;
	int fd = -1;

	for (i = p->from; i < m->n; i++) {
		const char *path = index_path(m, i), *slash = strrchr(path, '/');
		len = slash ? (size_t)(slash - path) : 0;
		if (len != dlen || memcmp(path, dir, len) != 0) {
			if (fd >= 0 && fd != p->top)
				close(fd);
			fd = -1;
			dlen = SIZE_MAX;
			if (len >= sizeof dir) {
				p->verdict[i] = FAILED;
				continue;
			}
			memcpy(dir, path, len);
			dir[len] = '\0';
			dlen = len;
			fd = len ? openat(p->top, dir, O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC) : p->top;
		}
		p->verdict[i] = fd < 0 ? FAILED :
		    stat_entry(m, i, fd, slash ? slash + 1 : path);
	}
	if (fd >= 0 && fd != p->top)
		close(fd);
	close(p->top);
	return NULL;
}

/* Start the second thread on the entries after the first 45 % (the
 * walk reads every directory besides): 0, or -1 to stat them all here. */
static int prestat_start(struct prestat *p, const struct index_map *m,
    int top)
{
	sigset_t all, old;

	memset(p, 0, sizeof *p);
	p->from = m->n;
	if (m->n < PRESTAT_MIN || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return -1;
	if (!(p->verdict = malloc(m->n)))
		return -1;
	if ((p->top = fcntl(top, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(p->verdict);
		p->verdict = NULL;
		return -1;
	}
	p->m = m;
	p->from = m->n * 45 / 100;
	/* signals are for the main thread, which stops the cycle */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->running = pthread_create(&p->tid, NULL, prestat_run, p) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->running) {
		close(p->top);
		free(p->verdict);
		p->verdict = NULL;
		p->from = m->n;
		return -1;
	}
	return 0;
}

static void prestat_wait(struct prestat *p)
{
	if (p->running) {
		pthread_join(p->tid, NULL);
		p->running = 0;
	}
}

/* Entry i, whose name in the current directory is name: listed unless
 * its stat data is the index's and older than the index file. */
static int check_file(struct walk *w, size_t i, const char *name)
{
	struct level *l = &w->lv[w->depth];
	const char *path = index_path(w->m, i);
	int v;

	if (i >= w->pre->from) {
		prestat_wait(w->pre);
		v = w->pre->verdict[i];
	} else
		v = stat_entry(w->m, i, l->fd, name);
	if (v == FAILED)
		return UNKNOWN;
	if (v != MISSING)
		l->present++;
	return v == SAME ? 0 : list(w, path, strlen(path));
}

/* Names never compared: . and .., and at the top .git and .state (our
 * own state, never staged: see admit() in stage.c). */
static int skipped(const char *name, int top)
{
	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
		return 1;
	return top && (strcmp(name, ".git") == 0 || strcmp(name, ".state") == 0);
}

/* Each name in the directory fd (read from its start) to fn, until fn
 * returns non-zero; that, or -1 when it cannot be read. */
static int each_name(int fd, int top,
    int (*fn)(void *arg, int fd, const struct dirent64 *d), void *arg)
{
	enum { BUFSIZE = 32768 };
	char *buf = malloc(BUFSIZE);
	ssize_t k = -1, off;
	int e = 0;

	if (!buf || lseek(fd, 0, SEEK_SET) < 0) {
		free(buf);
		return -1;
	}
	while (!e && (k = getdents64(fd, buf, BUFSIZE)) > 0)
		for (off = 0; !e && off < k;
		    off += ((const struct dirent64 *)(buf + off))->d_reclen) {
			const struct dirent64 *d = (const void *)(buf + off);
			if (!skipped(d->d_name, top))
				e = fn(arg, fd, d);
		}
	free(buf);
	return e ? e : k < 0 ? -1 : 0;
}

static int count_one(void *arg, int fd, const struct dirent64 *d)
{
	(void)fd;
	(void)d;
	++*(size_t *)arg;
	return 0;
}

/* The first of entries lo..hi-1 not before key. */
static size_t lower_bound(const struct index_map *m, size_t lo, size_t hi,
    const char *key)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(index_path(m, mid), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int is_dir(int fd, const struct dirent64 *d)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_DIR;
	return fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

/* An untracked name: rel is its path, with a '/' added for a directory
 * when asking .gitignore. */
struct untracked {
	struct walk *w;
	char rel[4200];
	size_t len;                     /* of rel, the parent's with '/' */
	int depth;
};

static int ignored(struct walk *w, const char *rel, int dir, int *ign)
{
	char path[4200];

	if ((size_t)snprintf(path, sizeof path, "%s%s", rel, dir ? "/" : "") >=
	    sizeof path || git_ignore_path_is_ignored(ign, w->repo, path) < 0)
		return UNKNOWN;
	return 0;
}

/* 1 when the directory holds something a status would show (a file not
 * ignored, at any depth), 0 when not, UNKNOWN. */
static int shows_below(struct untracked *u, int fd, const char *name);

static int show_one(void *arg, int fd, const struct dirent64 *d)
{
	struct untracked *u = arg;
	size_t len = u->len, n = strlen(d->d_name);
	int dir = is_dir(fd, d), ign, e;

	if (len + n + 2 > sizeof u->rel)
		return UNKNOWN;
	memcpy(u->rel + len, d->d_name, n + 1);
	if ((e = ignored(u->w, u->rel, dir, &ign)) < 0)
		return e;
	if (ign)
		e = 0;
	else if (!dir)
		e = 1;
	else {
		u->rel[len + n] = '/';
		u->rel[len + n + 1] = '\0';
		u->len = len + n + 1;
		e = shows_below(u, fd, d->d_name);
		u->len = len;
	}
	u->rel[len] = '\0';
	return e;
}

static int shows_below(struct untracked *u, int fd, const char *name)
{
	int sub, e;

	if (++u->depth > DEPTH_MAX) {
		u->depth--;
		return 1;
	}
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0) {
		u->depth--;
		return UNKNOWN;
	}
	e = each_name(sub, 0, show_one, u);
	close(sub);
	u->depth--;
	return e < 0 ? UNKNOWN : e;
}

/* A name of the current directory (at path prefix pre, its entries
 * lo..hi-1): nothing when the index has it or below it, else listed
 * unless ignored or (a directory) holding nothing a status shows. */
struct extra {
	struct walk *w;
	const char *pre;
	size_t plen, lo, hi;
	int top;
};

static int extra_one(void *arg, int fd, const struct dirent64 *d)
{
	struct extra *x = arg;
	struct untracked u = { .w = x->w };
	const struct index_map *m = x->w->m;
	size_t n = strlen(d->d_name), j;
	int dir, ign, e;

	if (x->plen + n + 2 > sizeof u.rel)
		return UNKNOWN;
	memcpy(u.rel, x->pre, x->plen);
	memcpy(u.rel + x->plen, d->d_name, n + 1);
	j = lower_bound(m, x->lo, x->hi, u.rel);
	if (j < x->hi && strcmp(index_path(m, j), u.rel) == 0)
		return 0;
	u.rel[x->plen + n] = '/';
	u.rel[x->plen + n + 1] = '\0';
	j = lower_bound(m, j, x->hi, u.rel);
	if (j < x->hi && strncmp(index_path(m, j), u.rel, x->plen + n + 1) == 0)
		return 0;
	u.rel[x->plen + n] = '\0';
	dir = is_dir(fd, d);
	if ((e = ignored(x->w, u.rel, dir, &ign)) < 0 || ign)
		return e;
	if (dir) {
		u.rel[x->plen + n] = '/';
		u.rel[x->plen + n + 1] = '\0';
		u.len = x->plen + n + 1;
		e = shows_below(&u, fd, d->d_name);
		if (e <= 0)
			return e;
	}
	return list(x->w, u.rel, x->plen + n);
}

/* Done with the current directory, whose entries end before hi: any
 * name it holds beyond those the index gives it is looked at. */
static int leave(struct walk *w, size_t hi)
{
	struct level *l = &w->lv[w->depth];
	struct extra x = { w, w->m->n ? index_path(w->m, l->lo) : "", l->plen,
	    l->lo, hi, w->depth == 0 };
	size_t names = 0;
	int e = 0;

	if (each_name(l->fd, x.top, count_one, &names) < 0)
		e = UNKNOWN;
	else if (names != l->present)
		e = each_name(l->fd, x.top, extra_one, &x) ? UNKNOWN : 0;
	close(l->fd);
	w->depth--;
	return e;
}

/* Open the directory of entry i whose name ends at slash. 0 entered, 1
 * not a directory any more (listed: the entries below it are skipped),
 * UNKNOWN. */
static int enter(struct walk *w, size_t i, const char *slash)
{
	const char *path = index_path(w->m, i);
	struct level *l = &w->lv[w->depth];
	const char *name = path + l->plen;
	char comp[256];
	size_t n = (size_t)(slash - name);
	int fd;

	if (n >= sizeof comp || w->depth + 1 >= DEPTH_MAX)
		return UNKNOWN;
	memcpy(comp, name, n);
	comp[n] = '\0';
	if (skipped(comp, w->depth == 0))
		return UNKNOWN;         /* .state tracked: leave it to git */
	fd = openat(l->fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			return UNKNOWN;
		if (errno != ENOENT)
			l->present++;   /* there, but no directory */
		return list(w, path, (size_t)(slash - path)) < 0 ? UNKNOWN : 1;
	}
	l->present++;
	w->lv[++w->depth] = (struct level){ fd, (size_t)(slash - path) + 1,
	    i, 0 };
	return 0;
}

static int under(const struct walk *w, const char *path)
{
	const struct level *l = &w->lv[w->depth];

	return strncmp(path, index_path(w->m, l->lo), l->plen) == 0;
}

/* Every entry in the index's order, each directory entered once (the
 * entries below one directory are contiguous in that order). */
static int walk(struct walk *w, int top)
{
	const struct index_map *m = w->m;
	const char *path, *rest, *slash;
	size_t i = 0, skip;
	int e = 0;

	w->lv[0] = (struct level){ top, 0, 0, 0 };
	w->depth = 0;
	while (i < m->n) {
		path = index_path(m, i);
		while (w->depth > 0 && !under(w, path))
			if ((e = leave(w, i)) < 0)
				goto out;
		rest = path + w->lv[w->depth].plen;
		while ((slash = strchr(rest, '/')) && (e = enter(w, i, slash)) == 0)
			rest = slash + 1;
		if (e < 0)
			goto out;
		if (slash) {
			skip = (size_t)(slash - path) + 1;
			while (++i < m->n && strncmp(index_path(m, i), path, skip) == 0)
				;
			e = 0;
			continue;
		}
		if ((e = check_file(w, i, rest)) < 0)
			goto out;
		i++;
	}
	while (w->depth >= 0)
		if ((e = leave(w, m->n)) < 0)
			goto out;
	return w->out->n ? LISTED : NONE;
out:
	while (w->depth >= 0)
		close(w->lv[w->depth--].fd);
	return UNKNOWN;
}

int sync_unchanged(struct sync *s, struct sync_paths *out)
{
	struct index_map m;
	struct prestat pre;
	struct walk w = { .repo = s->repo, .m = &m, .pre = &pre, .out = out };
	git_oid cached, head;
	char path[4200];
	int top, r = UNKNOWN;

	memset(out, 0, sizeof *out);
	if ((size_t)snprintf(path, sizeof path, "%sindex",
	    git_repository_path(s->repo)) >= sizeof path ||
	    index_map_open(&m, path) < 0)
		return UNKNOWN;
	if (index_parse(&m) < 0)
		goto out;
	if (index_tree(&m, &cached) < 0) {
		out->stale_tree = 1;
		goto out;
	}
	if (head_tree(s->repo, &head) < 0 || !git_oid_equal(&cached, &head))
		goto out;
	top = openat(s->v->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top >= 0) {
		prestat_start(&pre, &m, top);
		r = walk(&w, top);
		prestat_wait(&pre);
		free(pre.verdict);
	}
out:
	if (r == UNKNOWN)
		sync_paths_free(out);
	index_map_close(&m);
	return r;
}
