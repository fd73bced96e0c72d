/*
 * pushwindow.c - the packbuilder of a pack copied to or from a path remote
 * (packcopy.c: the push and the fetch), with no delta search (see
 * vault-sync(1), DESCRIPTION).
 *
 * Such a pack holds only the objects a cycle made: a changed note's best
 * delta base is its previous version, which the receiving side has and
 * this pack cannot name, and the trees of different folders are no base
 * for each other, so a search across the new objects finds little; held
 * against ten others each, it took a quarter of a --watch change cycle's
 * CPU, against one, still the delta index of every object. A repack, in
 * its child and with the repository's own config, deltifies them
 * properly later. libgit2 reads these bounds from its config when the
 * packbuilder is made; a read-only config level holding only them is
 * laid over a snapshot of the repository's config for that moment, so
 * nothing is written to the user's config.
 */
#include <stdlib.h>
#include <string.h>

#include <git2/sys/config.h>
#include <git2/sys/repository.h>

#include "vault/vault.h"
#include "internal.h"

/* one byte: a window of one object, and no object small enough to search */
#define ONE_BYTE "1"

static int w_open(git_config_backend *b, git_config_level_t l,
    const git_repository *r)
{
	(void)b;
	(void)l;
	(void)r;
	return 0;
}

static void w_entry_free(git_config_entry *e)
{
	free(e);
}

/* The keys this level answers, each with "1". pack.bigFileThreshold: no
 * object is larger than one byte's threshold, so none is searched for a
 * delta at all; libgit2 1.5 reads that threshold from
 * pack.deltaCacheSize (a slip of its config code), so both are given, and
 * a libgit2 that reads either finds it. */
static const char *const keys[] = {
	"pack.windowmemory", "pack.bigfilethreshold", "pack.deltacachesize"
};

static int w_get(git_config_backend *b, const char *key, git_config_entry **out)
{
	git_config_entry *e;
	size_t i;

	(void)b;
	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!strcmp(key, keys[i]))
			break;
	if (i == sizeof keys / sizeof *keys)
		return GIT_ENOTFOUND;
	if (!(e = calloc(1, sizeof *e)))
		return -1;
	e->name = keys[i];
	e->value = ONE_BYTE;
	e->level = GIT_CONFIG_LEVEL_APP;
	e->free = w_entry_free;
	*out = e;
	return 0;
}

static int w_readonly(git_config_backend *b, const char *k, const char *v)
{
	(void)b;
	(void)k;
	(void)v;
	return -1;
}

static int w_readonly_multi(git_config_backend *b, const char *k,
    const char *re, const char *v)
{
	(void)b;
	(void)k;
	(void)re;
	(void)v;
	return -1;
}

static int w_del(git_config_backend *b, const char *k)
{
	(void)b;
	(void)k;
	return -1;
}

static int w_del_multi(git_config_backend *b, const char *k, const char *re)
{
	(void)b;
	(void)k;
	(void)re;
	return -1;
}

static int w_iterator(git_config_iterator **it, git_config_backend *b)
{
	(void)it;
	(void)b;
	return -1;      /* nobody lists a level only the packbuilder sees */
}

static int w_lock(git_config_backend *b)
{
	(void)b;
	return -1;
}

static int w_unlock(git_config_backend *b, int ok)
{
	(void)b;
	(void)ok;
	return -1;
}

static void w_free(git_config_backend *b)
{
	free(b);
}

static int w_new(git_config_backend **out);

static int w_snapshot(git_config_backend **out, git_config_backend *b)
{
	(void)b;
	return w_new(out);
}

static int w_new(git_config_backend **out)
{
	git_config_backend *b = calloc(1, sizeof *b);

	if (!b)
		return -1;
	b->version = GIT_CONFIG_BACKEND_VERSION;
	b->readonly = 1;
	b->open = w_open;
	b->get = w_get;
	b->set = w_readonly;
	b->set_multivar = w_readonly_multi;
	b->del = w_del;
	b->del_multivar = w_del_multi;
	b->iterator = w_iterator;
	b->snapshot = w_snapshot;
	b->lock = w_lock;
	b->unlock = w_unlock;
	b->free = w_free;
	*out = b;
	return 0;
}

int sync_copy_packbuilder(git_repository *repo, git_packbuilder **pb)
{
	const char *gitdir = git_repository_path(repo);
	git_config *live = NULL, *snap = NULL;
	git_config_backend *b = NULL;
	int r = -1;

	*pb = NULL;
	if (git_repository_config(&live, repo) < 0 ||
	    git_config_snapshot(&snap, live) < 0) {
		aie_fail(EX_TEMP, "%sconfig: %s", gitdir, git_errstr());
		goto out;
	}
	if (w_new(&b) < 0) {
		aie_fail_errno(EX_TEMP, "%sconfig", gitdir);
		goto out;
	}
	if (git_config_add_backend(snap, b, GIT_CONFIG_LEVEL_APP, repo, 1) < 0) {
		free(b);        /* not taken on failure */
		aie_fail(EX_TEMP, "%sconfig: %s", gitdir, git_errstr());
		goto out;
	}
	/* the packbuilder reads its config when made; the repository's
	 * own is back before anything else reads it */
	if (git_repository_set_config(repo, snap) < 0) {
		aie_fail(EX_TEMP, "%sconfig: %s", gitdir, git_errstr());
		goto out;
	}
	if (git_packbuilder_new(pb, repo) < 0)
		aie_fail(EX_TEMP, "%s: packbuilder: %s", gitdir, git_errstr());
	else
		r = 0;
	if (git_repository_set_config(repo, live) < 0) {
		r = aie_fail(EX_TEMP, "%sconfig: %s", gitdir, git_errstr());
		git_packbuilder_free(*pb);
		*pb = NULL;
	}
out:
	git_config_free(snap);
	git_config_free(live);
	return r;
}
