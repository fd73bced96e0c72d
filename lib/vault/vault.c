/*
 * vault.c - opening a vault and finding items in it.
 *
 * A vault is a directory with the stage directories of vault(5). It is held
 * open as a directory fd; items are named by ID or by a path, and a path is
 * accepted only when it lies inside the vault (checked on the canonical
 * parent directory, then walked again without following symlinks).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"

const char *const stage_dir[ST_COUNT] = {
	"Needs_Action", "In_Progress", "Plans", "Pending_Approval", "Approved",
	"Rejected", "Done"
};

/* The stages every vault has: the test for "is a vault" of vault_open
 * and of the walk up from the working directory. */
static const enum stage must[] = { ST_NEEDS_ACTION, ST_IN_PROGRESS,
    ST_PENDING, ST_APPROVED, ST_DONE };

/* The first stage directory missing from dirfd, or NULL when none is. */
static const char *missing_stage(int dirfd)
{
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof must / sizeof must[0]; i++) {
		const char *d = stage_dir[must[i]];
		if (fstatat(dirfd, d, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			return d;
	}
	return NULL;
}

/* 1 when path is a directory holding every stage directory, else 0. */
static int is_vault(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return 0;
	r = missing_stage(fd) == NULL;
	close(fd);
	return r;
}

/* The vault directory when -C is not given: $VAULT_DIR, else the first
 * directory from the working directory up to / that is a vault (has the
 * stage directories, as vault_open wants), as git finds its repository.
 * 0, or -1 (78) when there is none. */
int vault_default_dir(const char **dir)
{
	static char path[PATH_MAX];
	const char *d = config_get("VAULT_DIR");
	char *slash;

	if (d) {
		*dir = d;
		return 0;
	}
	if (getcwd(path, sizeof path)) {
		for (;;) {
			if (is_vault(path)) {
				*dir = path;
				return 0;
			}
			if (!strcmp(path, "/"))
				break;
			slash = strrchr(path, '/');
			if (!slash)
				break;
			slash[slash == path] = '\0';   /* "/a" becomes "/" */
		}
	}
	return aie_fail(EX_CONFIG, "no vault given: use -C DIR or set "
	    "VAULT_DIR");
}

int vault_open(struct vault *v, const char *dir, const char *agent)
{
	char real[PATH_MAX];
	const char *d;

	memset(v, 0, sizeof *v);
	v->dirfd = -1;
	if (!agent || !name_valid(agent))
		return aie_fail(EX_ARGS, "%s: bad agent name (want "
		    "[a-z][a-z0-9_-]{0,31})", agent ? agent : "(none)");
	strcpy(v->agent, agent);
	if (!realpath(dir, real))
		return aie_fail_errno(EX_CONFIG, "%s: not a vault", dir);
	v->dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v->dirfd < 0)
		return aie_fail_errno(EX_CONFIG, "%s: not a vault", dir);
	if ((d = missing_stage(v->dirfd))) {
		close(v->dirfd);
		v->dirfd = -1;
		return aie_fail(EX_CONFIG, "%s: not a vault (no %s/ "
		    "directory; create one with vault-init)", dir, d);
	}
	if (!(v->root = strdup(real))) {
		close(v->dirfd);
		v->dirfd = -1;
		return aie_fail_errno(EX_TEMP, "%s", dir);
	}
	return 0;
}

void vault_close(struct vault *v)
{
	if (v->dirfd >= 0)
		close(v->dirfd);
	v->dirfd = -1;
	free(v->root);
	v->root = NULL;
}

/* Open directory rel inside the vault (O_NOFOLLOW all the way). */
int vault_opendir(struct vault *v, const char *rel, int create)
{
	char path[1024], name[8];
	int pfd, fd;

	if ((size_t)snprintf(path, sizeof path, "%s/x", rel) >= sizeof path)
		return aie_fail(EX_DATA, "%s: path too long", rel);
	if ((pfd = path_parent_at(v->dirfd, path, create, name, sizeof name)) < 0)
		return -1;
	fd = pfd;
	return fd;
}

static int vault_mkdirs(struct vault *v, const char *rel)
{
	int fd = vault_opendir(v, rel, 1);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* .state/<agent>, created 0700; rel receives the vault-relative path.
 * A process asks for it at every state file (the webhook some ten times
 * a delivery), so a folder already there costs two fstatats; it is looked
 * for each time, not remembered, because a daemon outlives a .state/
 * removed by hand. */
int vault_statedir(struct vault *v, char *rel, size_t size)
{
	struct stat st;

	if ((size_t)snprintf(rel, size, ".state/%s", v->agent) >= size)
		return aie_fail(EX_DATA, "state path too long");
	/* neither a symlink (the making below follows none either) */
	if (fstatat(v->dirfd, ".state", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode) &&
	    fstatat(v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;
	if (mkdirat(v->dirfd, ".state", 0700) < 0 && errno != EEXIST)
		return aie_fail_errno(EX_TEMP, ".state");
	return vault_mkdirs(v, rel);
}

/* Fill ref for item id in stage st under sub ("" for none). */
int item_ref_set(struct itemref *ref, const char *id, enum stage st,
    const char *sub)
{
	int n;

	if (!id_valid(id))
		return aie_fail(EX_DATA, "%s: bad item ID", id);
	memset(ref, 0, sizeof *ref);
	strcpy(ref->id, id);
	ref->stage = st;
	if (strlen(sub) >= sizeof ref->sub)
		return aie_fail(EX_DATA, "%s: bad directory", sub);
	strcpy(ref->sub, sub);
	n = snprintf(ref->rel, sizeof ref->rel, "%s/%s%s%s.md", stage_dir[st],
	    sub, *sub ? "/" : "", id);
	if (n < 0 || (size_t)n >= sizeof ref->rel)
		return aie_fail(EX_DATA, "%s: path too long", id);
	return 0;
}

static int is_month(const char *s)
{
	return strlen(s) == 7 && strspn(s, "0123456789-") == 7 && s[4] == '-';
}

/* Interpret a vault-relative path as an item location. */
static int parse_rel(const char *rel, struct itemref *ref, const char *arg)
{
	char buf[512], *comp[5], *p, *save = NULL;
	char id[AIE_ID_MAX + 4], sub[AIE_NAME_MAX * 2 + 2];
	size_t n = 0, len;
	int st;

	if (strlen(rel) >= sizeof buf)
		return aie_fail(EX_DATA, "%s: path too long", arg);
	strcpy(buf, rel);
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == 5)
			return aie_fail(EX_DATA, "%s: not an item path", arg);
		comp[n++] = p;
	}
	if (n < 3)
		return aie_fail(EX_DATA, "%s: not an item path", arg);
	for (st = 0; st < ST_COUNT; st++)
		if (strcmp(comp[0], stage_dir[st]) == 0)
			break;
	if (st == ST_COUNT)
		return aie_fail(EX_DATA, "%s: not in a stage directory", arg);
	if (!name_valid(comp[1]))
		return aie_fail(EX_DATA, "%s: bad directory name %s", arg, comp[1]);
	if (st == ST_DONE) {
		if (n != 4 || !is_month(comp[2]))
			return aie_fail(EX_DATA, "%s: not an item path", arg);
		snprintf(sub, sizeof sub, "%s/%s", comp[1], comp[2]);
	} else {
		if (n != 3)
			return aie_fail(EX_DATA, "%s: not an item path", arg);
		snprintf(sub, sizeof sub, "%s", comp[1]);
	}
	p = comp[n - 1];
	len = strlen(p);
	if (len < 4 || strcmp(p + len - 3, ".md") != 0 || len - 3 > AIE_ID_MAX)
		return aie_fail(EX_DATA, "%s: not an item file (want ID.md)", arg);
	memcpy(id, p, len - 3);
	id[len - 3] = '\0';
	if (!id_valid(id))
		return aie_fail(EX_DATA, "%s: bad item ID", arg);
	return item_ref_set(ref, id, (enum stage)st, sub);
}

/* Does the item file exist as a regular file, reached without symlinks? */
static int ref_exists(struct vault *v, const struct itemref *ref)
{
	char name[256];
	struct stat st;
	int pfd = path_parent_at(v->dirfd, ref->rel, 0, name, sizeof name);
	int r;

	if (pfd < 0)
		return -1;
	r = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW);
	close(pfd);
	if (r < 0)
		return aie_fail_errno(EX_DATA, "%s", ref->rel);
	if (S_ISLNK(st.st_mode))
		return aie_fail(EX_DATA, "%s: a symlink; refused", ref->rel);
	if (!S_ISREG(st.st_mode))
		return aie_fail(EX_DATA, "%s: not a regular file", ref->rel);
	return 0;
}

/* An ID or a path (absolute, relative to the vault, or relative to the
 * working directory) to an item inside the vault. 0, or -1 with 65. */
int vault_resolve(struct vault *v, const char *arg, struct itemref *ref)
{
	char dir[PATH_MAX], real[PATH_MAX], rel[PATH_MAX];
	const char *slash, *base;
	size_t rootlen = strlen(v->root);

	if (!*arg)
		return aie_fail(EX_DATA, "empty item name");
	if (!strchr(arg, '/')) {
		size_t n = strlen(arg);
		if (id_valid(arg) && vault_find(v, arg, ref) == 0)
			return 0;
		if (n > 3 && strcmp(arg + n - 3, ".md") == 0 && n - 3 <= AIE_ID_MAX) {
			char id[AIE_ID_MAX + 1];
			memcpy(id, arg, n - 3);
			id[n - 3] = '\0';
			if (id_valid(id))
				return vault_find(v, id, ref);
		}
		if (!id_valid(arg))
			return aie_fail(EX_DATA, "%s: bad item ID", arg);
		return vault_find(v, arg, ref);
	}
	/* A path relative to the vault root, as the tools print them. */
	if (arg[0] != '/' && parse_rel(arg, ref, arg) == 0 &&
	    ref_exists(v, ref) == 0)
		return 0;
	/* Otherwise a file path: its canonical directory must be in the vault. */
	slash = strrchr(arg, '/');
	base = slash + 1;
	if ((size_t)(slash - arg) >= sizeof dir)
		return aie_fail(EX_DATA, "%s: path too long", arg);
	if (slash == arg)
		strcpy(dir, "/");
	else {
		memcpy(dir, arg, (size_t)(slash - arg));
		dir[slash - arg] = '\0';
	}
	if (!realpath(dir, real))
		return aie_fail_errno(EX_DATA, "%s", arg);
	if (strncmp(real, v->root, rootlen) != 0 || real[rootlen] != '/')
		return aie_fail(EX_DATA, "%s: outside the vault %s; refused", arg,
		    v->root);
	if ((size_t)snprintf(rel, sizeof rel, "%s/%s", real + rootlen + 1, base)
	    >= sizeof rel)
		return aie_fail(EX_DATA, "%s: path too long", arg);
	if (parse_rel(rel, ref, arg) < 0)
		return -1;
	return ref_exists(v, ref);
}

/* Call fn for each sub-directory name of the directory fd. */
static int each_subdir(int fd, int (*fn)(const char *name, void *ctx), void *ctx)
{
	DIR *d;
	struct dirent *e;
	int dfd = dup(fd), r = 0;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return aie_fail_errno(EX_TEMP, "opendir");
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if ((r = fn(e->d_name, ctx)) != 0)
			break;
	}
	closedir(d);
	return r;
}

struct walk {
	struct vault *v;
	enum stage st;
	const char *domain;      /* Done: the domain level being walked */
	item_fn fn;
	void *ctx;
	const char *id;          /* vault_find: the ID looked for */
	struct itemref *found;
};

/* Items of one leaf directory (sub under the stage). */
static int walk_leaf(struct walk *w, const char *sub)
{
	char rel[512];
	struct itemref ref;
	struct dirent *e;
	DIR *d;
	int fd, r = 0;

	snprintf(rel, sizeof rel, "%s/%s", stage_dir[w->st], sub);
	if ((fd = vault_opendir(w->v, rel, 0)) < 0)
		return 0;        /* a symlinked or vanished directory holds nothing */
	if (w->id) {
		char name[AIE_ID_MAX + 4];
		struct stat st;
		snprintf(name, sizeof name, "%s.md", w->id);
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			close(fd);
			if (!S_ISREG(st.st_mode))
				return aie_fail(EX_DATA, "%s/%s: not a regular file; "
				    "refused", rel, name);
			if (item_ref_set(w->found, w->id, w->st, sub) < 0)
				return -1;
			return 1;
		}
		close(fd);
		return 0;
	}
	if (!(d = fdopendir(fd))) {
		close(fd);
		return aie_fail_errno(EX_TEMP, "%s", rel);
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char id[AIE_ID_MAX + 4];
		if (e->d_name[0] == '.' || n < 4 || n - 3 > AIE_ID_MAX ||
		    strcmp(e->d_name + n - 3, ".md") != 0)
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		memcpy(id, e->d_name, n - 3);
		id[n - 3] = '\0';
		if (item_ref_set(&ref, id, w->st, sub) < 0)
			continue;
		if ((r = w->fn(w->v, &ref, w->ctx)) != 0)
			break;
	}
	closedir(d);
	return r;
}

static int walk_month(const char *month, void *ctx)
{
	struct walk *w = ctx;
	char sub[AIE_NAME_MAX * 2 + 2];

	if (!is_month(month))
		return 0;
	snprintf(sub, sizeof sub, "%s/%s", w->domain, month);
	return walk_leaf(w, sub);
}

static int walk_sub(const char *name, void *ctx)
{
	struct walk *w = ctx;
	char rel[256];
	int fd, r;

	if (!name_valid(name))
		return 0;
	if (w->st != ST_DONE)
		return walk_leaf(w, name);
	snprintf(rel, sizeof rel, "%s/%s", stage_dir[ST_DONE], name);
	if ((fd = vault_opendir(w->v, rel, 0)) < 0)
		return 0;
	w->domain = name;
	r = each_subdir(fd, walk_month, w);
	close(fd);
	return r;
}

static int walk_stage(struct walk *w, const char *sub)
{
	int fd, r;

	if (sub && *sub)
		return walk_sub(sub, w);
	if ((fd = vault_opendir(w->v, stage_dir[w->st], 0)) < 0)
		return 0;
	r = each_subdir(fd, walk_sub, w);
	close(fd);
	return r;
}

/* Call fn for every item of stage st (only sub, the domain or agent, when
 * given). Returns the first non-zero value of fn, or 0. */
int vault_walk(struct vault *v, enum stage st, const char *sub, item_fn fn,
    void *ctx)
{
	struct walk w = { v, st, NULL, fn, ctx, NULL, NULL };

	return walk_stage(&w, sub);
}

/* Find item id in any stage. 0, or -1 (65: no such item). An item can
 * move from a stage not yet searched to one already searched while we
 * look (a draft claimed back to In_Progress), so a miss is searched again
 * a few times before it is believed. */
static int find(struct vault *v, const char *id, struct itemref *ref,
    int tries_max)
{
	struct walk w = { v, ST_NEEDS_ACTION, NULL, NULL, NULL, id, ref };
	struct timespec pause = { 0, 2000000 };
	int st, r, tries;

	if (!id_valid(id))
		return aie_fail(EX_DATA, "%s: bad item ID", id);
	for (tries = 0; tries < tries_max; tries++) {
		if (tries)
			nanosleep(&pause, NULL);
		for (st = 0; st < ST_COUNT; st++) {
			w.st = (enum stage)st;
			if ((r = walk_stage(&w, NULL)) == 1)
				return 0;
			if (r < 0)
				return -1;
		}
	}
	return aie_fail(EX_DATA, "%s: no such item in the vault", id);
}

int vault_find(struct vault *v, const char *id, struct itemref *ref)
{
	return find(v, id, ref, 4);
}

/* One search, no second look: for readers (status pages) that only show
 * what they find and must not wait on an item that is simply not there. */
int vault_find_once(struct vault *v, const char *id, struct itemref *ref)
{
	return find(v, id, ref, 1);
}
