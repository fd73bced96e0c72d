/*
 * mergefast.c - the merge of two sides that changed different files: the
 * remote's changes since the merge base applied to our tree, subtree by
 * subtree (git_tree_create_updated), instead of git_merge_trees, which
 * builds an index of every file of the vault (twice over, at its peak:
 * 9 MB at 25,000 notes) to find the same result.
 *
 * It applies only where the three-way merge of merge.c would have nothing
 * to settle: no path changed on both sides, no change on one side to a
 * path that is a folder of a path changed on either side (a file become a
 * folder), and no item we added whose ID the merged tree holds at another
 * path too (the claim race merge.c settles). Anything else, or a side with
 * more than MAX_CHANGES changes, is left to merge.c: 0.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "internal.h"

enum { MAX_CHANGES = 5000 };

struct one_change {
	const char *path;
	const git_diff_delta *d;
	int theirs;
};

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct one_change *)a)->path,
	    ((const struct one_change *)b)->path);
}

/* Is a path of cs[0..n) (sorted) equal to another, or inside a folder
 * that another names? */
static int overlaps(const struct one_change *cs, size_t n)
{
	size_t i, lo, hi, len;

	for (i = 0; i + 1 < n; i++)
		if (strcmp(cs[i].path, cs[i + 1].path) == 0)
			return 1;
	for (i = 0; i < n; i++) {
		/* the first path at or after "path/": it is inside, or none is */
		len = strlen(cs[i].path);
		lo = i + 1;
		hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strncmp(cs[mid].path, cs[i].path, len);
			if (c < 0 || (c == 0 && cs[mid].path[len] < '/'))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && strncmp(cs[lo].path, cs[i].path, len) == 0 &&
		    cs[lo].path[len] == '/')
			return 1;
	}
	return 0;
}

struct idwalk {
	const char **ids;        /* the IDs (file names) we added */
	size_t n;
	unsigned *seen;          /* how often each is in the tree */
};

static int count_ids(const char *root, const git_tree_entry *e, void *arg)
{
	struct idwalk *w = arg;
	const char *name = git_tree_entry_name(e);
	size_t i;

	(void)root;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	for (i = 0; i < w->n; i++)
		if (strcmp(name, w->ids[i]) == 0)
			w->seen[i]++;
	return 0;
}

/* Is an item we added (sync_item_id) at two paths of tree? 1, 0, or -1
 * with the reason told. */
static int added_twice(git_repository *repo, git_tree *tree,
    const struct one_change *cs, size_t n)
{
	struct idwalk w = { NULL, 0, NULL };
	size_t i, st, len;
	int r = 0;

	w.ids = calloc(n ? n : 1, sizeof *w.ids);
	w.seen = calloc(n ? n : 1, sizeof *w.seen);
	if (!w.ids || !w.seen) {
		r = aie_fail_errno(EX_TEMP, "merge");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!cs[i].theirs && cs[i].d->status == GIT_DELTA_ADDED &&
		    sync_item_id(cs[i].path, &len))
			w.ids[w.n++] = strrchr(cs[i].path, '/') + 1;
	for (st = 0; st < ST_COUNT && w.n; st++) {
		git_tree_entry *te = NULL;
		git_tree *sub = NULL;
		if (git_tree_entry_bypath(&te, tree, stage_dir[st]) < 0)
			continue;
		if (git_tree_entry_type(te) == GIT_OBJECT_TREE &&
		    (git_tree_lookup(&sub, repo, git_tree_entry_id(te)) < 0 ||
		    git_tree_walk(sub, GIT_TREEWALK_PRE, count_ids, &w) < 0))
			r = aie_fail(EX_TEMP, "merge: %s: %s", stage_dir[st],
			    git_errstr());
		git_tree_free(sub);
		git_tree_entry_free(te);
		if (r < 0)
			goto out;
	}
	for (i = 0; i < w.n && !r; i++)
		r = w.seen[i] > 1;
out:
	free(w.ids);
	free(w.seen);
	return r;
}

static int add_changes(git_diff *diff, int theirs, struct one_change *cs,
    size_t *n)
{
	size_t i, k = git_diff_num_deltas(diff);

	for (i = 0; i < k; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (d->status != GIT_DELTA_ADDED &&
		    d->status != GIT_DELTA_DELETED &&
		    d->status != GIT_DELTA_MODIFIED)
			return 0;
		cs[*n].path = d->status == GIT_DELTA_DELETED ?
		    d->old_file.path : d->new_file.path;
		cs[*n].d = d;
		cs[*n].theirs = theirs;
		(*n)++;
	}
	return 1;
}

int sync_merge_disjoint(struct sync *s, git_tree *base, git_tree *ours,
    git_tree *theirs, git_oid *tree)
{
	git_diff *mine = NULL, *remote = NULL;
	git_diff_options o;
	git_tree_update *up = NULL;
	struct one_change *cs = NULL;
	git_tree *merged = NULL;
	size_t n = 0, nup = 0, i;
	int r = -1;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	if (git_diff_tree_to_tree(&mine, s->repo, base, ours, &o) < 0 ||
	    git_diff_tree_to_tree(&remote, s->repo, base, theirs, &o) < 0) {
		aie_fail(EX_TEMP, "merge: %s", git_errstr());
		goto out;
	}
	r = 0;
	if (git_diff_num_deltas(mine) > MAX_CHANGES ||
	    git_diff_num_deltas(remote) > MAX_CHANGES)
		goto out;
	n = git_diff_num_deltas(mine) + git_diff_num_deltas(remote);
	cs = calloc(n ? n : 1, sizeof *cs);
	up = calloc(n ? n : 1, sizeof *up);
	if (!cs || !up) {
		r = aie_fail_errno(EX_TEMP, "merge");
		goto out;
	}
	n = 0;
	if (!add_changes(mine, 0, cs, &n) || !add_changes(remote, 1, cs, &n))
		goto out;
	qsort(cs, n, sizeof *cs, by_path);
	if (overlaps(cs, n))
		goto out;
	for (i = 0; i < n; i++) {
		if (!cs[i].theirs)
			continue;
		up[nup].path = cs[i].path;
		if (cs[i].d->status == GIT_DELTA_DELETED) {
			up[nup].action = GIT_TREE_UPDATE_REMOVE;
		} else {
			up[nup].action = GIT_TREE_UPDATE_UPSERT;
			up[nup].id = cs[i].d->new_file.id;
			up[nup].filemode = cs[i].d->new_file.mode;
		}
		nup++;
	}
	if (git_tree_create_updated(tree, s->repo, ours, nup, up) < 0 ||
	    git_tree_lookup(&merged, s->repo, tree) < 0) {
		r = aie_fail(EX_TEMP, "merge: %s", git_errstr());
		goto out;
	}
	if ((r = added_twice(s->repo, merged, cs, n)) == 0)
		r = 1;
	else if (r == 1)
		r = 0;
out:
	git_tree_free(merged);
	free(up);
	free(cs);
	git_diff_free(remote);
	git_diff_free(mine);
	return r;
}
