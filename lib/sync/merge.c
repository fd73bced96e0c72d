/*
 * merge.c - integrating the remote into the local branch by the conflict
 * rules of vault-sync(1), in memory, so that nothing is half-done on disk.
 *
 * Ahead: nothing to do. Behind: fast-forward. Diverged: when the sides
 * changed different files, the remote's changes applied to our tree
 * (mergefast.c); else a three-way merge of the trees (git_merge_trees,
 * rename detection off, so that a claim is a delete plus an add and a
 * claim race shows as one ID at two paths), then every conflict settled:
 *   Logs/ (all)      union of the lines of both sides (append-only files);
 *   Dashboard.md     agent local's side (ours on local, theirs on cloud);
 *   delete/modify    the modified file;
 *   anything else    the remote's version at the path, ours kept beside it
 *                    as <name>.conflict-<agent>-<UTC>.md, audit line;
 * and then every item ID found at two paths, one from the remote and one
 * from us only (a claim race, or an item we moved while the remote moved
 * it elsewhere): the remote's reached it first and stays; ours vanishes
 * when it differs from the remote's or the original copy only in claim
 * keys, else it is kept beside the winner as <ID>.conflict-<agent>-<UTC>.md.
 * The result is committed with both parents, checked out (SAFE: a file
 * changed meanwhile stops the cycle rather than being overwritten), and
 * only then does the branch move.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <git2/sys/repository.h>

#include "vault/vault.h"
#include "internal.h"

static int is_cloud(struct sync *s)
{
	return agent_is_cloud(s->v->agent);
}

static int in_index(git_index *mi, const char *path)
{
	int stage;

	for (stage = 0; stage <= 3; stage++)
		if (git_index_get_bypath(mi, path, stage))
			return 1;
	return 0;
}

/* path + ".conflict-<agent>-<stamp>" before its ".md" (when it has one),
 * with "-2", "-3", ... after the stamp when the merged index already
 * holds that name: two conflicts of one file within a second must not
 * write the second copy over the first. A conflict copy's own copy is
 * named from the original name (not .conflict-...conflict-..., which
 * grew with each conflict until the file system refused the name and
 * every checkout with it), and a name is cut short, at a character's
 * start, so that the file name stays within NAME_MAX. A conflict copy
 * that conflicts again within the second it was named in would get its
 * own name back: "-2" too. */
static void conflict_name(struct sync *s, git_index *mi, const char *path,
    char *buf, size_t size)
{
	char stamp[17], nth[16] = "", tail[128];
	const char *base = strrchr(path, '/'), *cut;
	size_t n = strlen(path), dir, stem;
	int md = n > 3 && strcmp(path + n - 3, ".md") == 0, k;

	base = base ? base + 1 : path;
	dir = (size_t)(base - path);
	stem = n - dir - (md ? 3 : 0);
	if ((cut = strstr(base, ".conflict-")) && cut > base &&
	    (size_t)(cut - base) < stem)
		stem = (size_t)(cut - base);
	sync_stamp(stamp);
	for (k = 2; ; k++) {
		snprintf(tail, sizeof tail, ".conflict-%s-%s%s%s", s->v->agent,
		    stamp, nth, md ? ".md" : "");
		while (stem > 1 && (stem + strlen(tail) > NAME_MAX ||
		    ((unsigned char)base[stem] & 0xc0) == 0x80))
			stem--;
		snprintf(buf, size, "%.*s%s", (int)(dir + stem), path, tail);
		/* the conflicted path itself is out of the index by now */
		if ((!in_index(mi, buf) && strcmp(buf, path) != 0) || k > 1000)
			return;
		snprintf(nth, sizeof nth, "-%d", k);
	}
}

static int add_entry(git_index *mi, const git_index_entry *src,
    const char *path, const git_oid *id)
{
	git_index_entry e = *src;

	e.path = path;
	if (id)
		e.id = *id;
	e.flags &= ~GIT_INDEX_ENTRY_STAGEMASK;
	e.flags_extended = 0;
	if (git_index_add(mi, &e) < 0)
		return aie_fail(EX_TEMP, "%s: merge: %s", path, git_errstr());
	return 0;
}

struct cf {
	git_index_entry e[3];     /* ancestor, ours, theirs */
	int has[3];
	char *path[3];
};

static int union_lines(struct sync *s, git_index *mi, struct cf *c,
    const char *path)
{
	git_merge_file_options fo;
	git_merge_file_result mr;
	git_oid id;
	int r;

	git_merge_file_options_init(&fo, GIT_MERGE_FILE_OPTIONS_VERSION);
	fo.favor = GIT_MERGE_FILE_FAVOR_UNION;
	if (git_merge_file_from_index(&mr, s->repo, c->has[0] ? &c->e[0] : NULL,
	    &c->e[1], &c->e[2], &fo) < 0)
		return aie_fail(EX_TEMP, "%s: union: %s", path, git_errstr());
	r = git_blob_create_from_buffer(&id, s->repo, mr.ptr, mr.len);
	git_merge_file_result_free(&mr);
	if (r < 0)
		return aie_fail(EX_TEMP, "%s: union: %s", path, git_errstr());
	return add_entry(mi, &c->e[2], path, &id);
}

static int settle(struct sync *s, git_index *mi, struct cf *c)
{
	const char *path = c->path[2] ? c->path[2] : c->path[1] ? c->path[1] :
	    c->path[0];
	char copy[1024], note[1200];

	if (!path)       /* libgit2 gives at least one side; be sure */
		return 0;
	if (git_index_conflict_remove(mi, path) < 0)
		return aie_fail(EX_TEMP, "%s: merge: %s", path, git_errstr());
	if (strncmp(path, "Logs/", 5) == 0 && c->has[1] && c->has[2])
		return union_lines(s, mi, c, path);
	if (strcmp(path, "Dashboard.md") == 0) {
		int w = is_cloud(s) ? 2 : 1;
		if (!c->has[w])
			w = 3 - w;
		return c->has[w] ? add_entry(mi, &c->e[w], path, NULL) : 0;
	}
	if (!c->has[1] && c->has[2])
		return add_entry(mi, &c->e[2], path, NULL);
	if (c->has[1] && !c->has[2])
		return add_entry(mi, &c->e[1], path, NULL);
	if (!c->has[1] && !c->has[2])
		return 0;
	conflict_name(s, mi, path, copy, sizeof copy);
	if (add_entry(mi, &c->e[2], path, NULL) < 0 ||
	    add_entry(mi, &c->e[1], copy, NULL) < 0)
		return -1;
	s->r->conflicts++;
	snprintf(note, sizeof note, "changed on both sides: the remote's "
	    "version kept, ours saved as %s", copy);
	return sync_note_later(s, "sync_conflict", NULL, path, copy, note);
}

static int settle_conflicts(struct sync *s, git_index *mi)
{
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *a, *o, *t;
	struct cf *cs = NULL;
	size_t n = 0, i;
	int k, r = -1, e;

	if (!git_index_has_conflicts(mi))
		return 0;
	if (git_index_conflict_iterator_new(&it, mi) < 0)
		return aie_fail(EX_TEMP, "merge: %s", git_errstr());
	while ((e = git_index_conflict_next(&a, &o, &t, it)) == 0) {
		struct cf *ncs = realloc(cs, (n + 1) * sizeof *cs);
		const git_index_entry *src[3] = { a, o, t };
		if (!ncs) {
			aie_fail_errno(EX_TEMP, "merge");
			goto out;
		}
		cs = ncs;
		memset(&cs[n], 0, sizeof cs[n]);
		for (k = 0; k < 3; k++) {
			if (!src[k])
				continue;
			cs[n].e[k] = *src[k];
			cs[n].has[k] = 1;
			if (!(cs[n].path[k] = strdup(src[k]->path))) {
				n++;
				aie_fail_errno(EX_TEMP, "merge");
				goto out;
			}
			cs[n].e[k].path = cs[n].path[k];
		}
		n++;
	}
	if (e != GIT_ITEROVER) {
		aie_fail(EX_TEMP, "merge: %s", git_errstr());
		goto out;
	}
	git_index_conflict_iterator_free(it);
	it = NULL;
	for (i = 0; i < n; i++)
		if (settle(s, mi, &cs[i]) < 0)
			goto out;
	r = 0;
out:
	git_index_conflict_iterator_free(it);
	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++)
			free(cs[i].path[k]);
	free(cs);
	return r;
}

/* --- one ID at two paths --- */

const char *sync_item_id(const char *path, size_t *len)
{
	const char *b = strrchr(path, '/');
	size_t i, n;

	for (i = 0; i < ST_COUNT; i++) {
		n = strlen(stage_dir[i]);
		if (strncmp(path, stage_dir[i], n) == 0 && path[n] == '/')
			break;
	}
	if (i == ST_COUNT || !b)
		return NULL;
	b++;
	n = strlen(b);
	if (n <= 3 || strcmp(b + n - 3, ".md") != 0 || strstr(b, ".conflict-"))
		return NULL;
	*len = n - 3;
	return b;
}

struct occ {
	const char *id;
	size_t idlen;
	char *path;
	git_oid oid;
	git_index_entry e;
};

static int occ_cmp(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, n);

	return c ? c : (x->idlen > y->idlen) - (x->idlen < y->idlen);
}

/* The blob parsed as an item: 0, or -1 (unreadable or malformed). */
static int blob_item(git_repository *repo, const git_oid *id, struct item *it)
{
	git_blob *b = NULL;
	char *copy;
	size_t n;
	int r = -1;

	memset(it, 0, sizeof *it);
	if (git_blob_lookup(&b, repo, id) < 0)
		return -1;
	n = (size_t)git_blob_rawsize(b);
	if ((copy = malloc(n + 1))) {
		memcpy(copy, git_blob_rawcontent(b), n);
		copy[n] = '\0';
		r = fm_parse(it, copy, n);
		free(copy);
	}
	git_blob_free(b);
	return r;
}

/* Is ours the same as other but for what a claim writes (claim_keys_strip)? */
static int same_unclaimed(git_repository *repo, const git_oid *ours,
    const git_oid *other)
{
	struct item a = { 0 }, b = { 0 };
	char *x = NULL, *y = NULL;
	size_t la = 0, lb = 0;
	int same = 0;

	if (git_oid_equal(ours, other))
		return 1;
	if (blob_item(repo, ours, &a) == 0 && blob_item(repo, other, &b) == 0) {
		claim_keys_strip(&a, &b);
		same = fm_serialize(&a, &x, &la) == 0 &&
		    fm_serialize(&b, &y, &lb) == 0 && la == lb &&
		    memcmp(x, y, la) == 0;
	}
	fm_free(&a);
	fm_free(&b);
	free(x);
	free(y);
	return same;
}

/* The item's blob (and path, when asked) in tree at any <stage>/<sub>/ID.md
 * but the paths of skip (NULL-terminated; NULL for none). Done's months
 * are not searched: a claimed item never comes from there. */
int sync_find_item(git_repository *repo, git_tree *tree, const char *id,
    size_t idlen, const char *const *skip, git_oid *out, char *where,
    size_t wsize)
{
	char full[600];
	const char *const *k;
	git_tree_entry *te;
	git_tree *sub;
	char path[512];
	size_t st, i, n;
	int found = 0;

	for (st = 0; st < ST_DONE && !found; st++) {
		if (git_tree_entry_bypath(&te, tree, stage_dir[st]) < 0)
			continue;
		if (git_tree_entry_type(te) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&sub, repo, git_tree_entry_id(te)) < 0) {
			git_tree_entry_free(te);
			continue;
		}
		git_tree_entry_free(te);
		n = git_tree_entrycount(sub);
		for (i = 0; i < n && !found; i++) {
			const git_tree_entry *d = git_tree_entry_byindex(sub, i);
			git_tree_entry *f;
			if (git_tree_entry_type(d) != GIT_OBJECT_TREE)
				continue;
			snprintf(path, sizeof path, "%s/%.*s.md",
			    git_tree_entry_name(d), (int)idlen, id);
			if (git_tree_entry_bypath(&f, sub, path) < 0)
				continue;
			snprintf(full, sizeof full, "%s/%s", stage_dir[st],
			    path);
			for (k = skip; k && *k && strcmp(*k, full) != 0; k++)
				;
			if (!k || !*k) {
				*out = *git_tree_entry_id(f);
				if (where)
					snprintf(where, wsize, "%s", full);
				found = 1;
			}
			git_tree_entry_free(f);
		}
		git_tree_free(sub);
	}
	return found;
}

/* Does the remote's tree have this path? (Its content may have been
 * merged since; the path is what says where the remote put the item.) */
static int in_tree(git_tree *tree, const char *path)
{
	git_tree_entry *te;

	if (!tree || git_tree_entry_bypath(&te, tree, path) < 0)
		return 0;
	git_tree_entry_free(te);
	return 1;
}

static int lose_claim(struct sync *s, git_index *mi, git_tree *base,
    struct occ *ours, struct occ *win)
{
	char beside[1024], copy[1024], id[AIE_ID_MAX + 1], note[2400];
	git_oid orig;
	const char *slash = strrchr(win->path, '/');
	int vanish;

	snprintf(id, sizeof id, "%.*s", (int)ours->idlen, ours->id);
	vanish = same_unclaimed(s->repo, &ours->oid, &win->oid) ||
	    (base && sync_find_item(s->repo, base, ours->id, ours->idlen, NULL,
	    &orig, NULL, 0) &&
	    same_unclaimed(s->repo, &ours->oid, &orig));
	if (git_index_remove_bypath(mi, ours->path) < 0)
		return aie_fail(EX_TEMP, "%s: merge: %s", ours->path, git_errstr());
	s->r->claims_lost++;
	if (vanish) {
		snprintf(note, sizeof note, "the other agent got there first "
		    "(now %s); our copy differed only in claim keys and is "
		    "dropped", win->path);
		return sync_note_later(s, "claim_lost", id, ours->path,
		    win->path, note);
	}
	snprintf(beside, sizeof beside, "%.*s/%s.md", (int)(slash - win->path),
	    win->path, id);
	conflict_name(s, mi, beside, copy, sizeof copy);
	if (add_entry(mi, &ours->e, copy, NULL) < 0)
		return -1;
	s->r->conflicts++;
	snprintf(note, sizeof note, "the other agent got there first (now %s); "
	    "our changed copy is kept as %s", win->path, copy);
	return sync_note_later(s, "claim_lost", id, ours->path, copy, note);
}

/* An item's place in the merged index, while nothing changes it: what
 * the search for one ID at two paths sorts (an entry per item file of the
 * vault, so kept small: issue 25, see vault-sync(1)). */
struct place {
	const char *id;
	size_t idlen;
	size_t pos;
};

static int place_cmp(const void *a, const void *b)
{
	const struct place *x = a, *y = b;
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, n);

	if (c)
		return c;
	if (x->idlen != y->idlen)
		return (x->idlen > y->idlen) - (x->idlen < y->idlen);
	return (x->pos > y->pos) - (x->pos < y->pos);   /* index order */
}

static int same_id(const struct place *x, const struct place *y)
{
	return x->idlen == y->idlen && memcmp(x->id, y->id, x->idlen) == 0;
}

/* The items whose ID is at two paths or more, copied out of mi (which
 * lose_claim changes) into *out, grouped by ID, in index order within. */
static int find_duplicates(git_index *mi, struct occ **out, size_t *count)
{
	size_t n = git_index_entrycount(mi), i, j, k, m = 0, d = 0, idlen;
	struct place *ps = calloc(n ? n : 1, sizeof *ps);
	struct occ *os = NULL;
	const char *id;

	*out = NULL;
	*count = 0;
	if (!ps)
		return aie_fail_errno(EX_TEMP, "merge");
	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(mi, i);
		if (!e || !(id = sync_item_id(e->path, &idlen)))
			continue;
		ps[m].id = id;
		ps[m].idlen = idlen;
		ps[m].pos = i;
		m++;
	}
	qsort(ps, m, sizeof *ps, place_cmp);
	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && same_id(&ps[i], &ps[j]); j++)
			;
		if (j - i >= 2)
			d += j - i;
	}
	if (d && !(os = calloc(d, sizeof *os))) {
		free(ps);
		return aie_fail_errno(EX_TEMP, "merge");
	}
	for (i = 0, d = 0; i < m; i = j) {
		for (j = i + 1; j < m && same_id(&ps[i], &ps[j]); j++)
			;
		for (k = i; j - i >= 2 && k < j; k++, d++) {
			const git_index_entry *e = git_index_get_byindex(mi,
			    ps[k].pos);
			if (!(os[d].path = strdup(e->path))) {
				aie_fail_errno(EX_TEMP, "%s: merge", e->path);
				*out = os;
				*count = d;
				free(ps);
				return -1;
			}
			os[d].id = strrchr(os[d].path, '/') + 1;
			os[d].idlen = ps[k].idlen;
			os[d].oid = e->id;
			os[d].e = *e;
			os[d].e.path = os[d].path;
		}
	}
	free(ps);
	*out = os;
	*count = d;
	return 0;
}

static int settle_duplicates(struct sync *s, git_index *mi, git_tree *base,
    git_tree *theirs)
{
	struct occ *os = NULL;
	size_t m = 0, i, j, k;
	int r = -1;

	if (find_duplicates(mi, &os, &m) < 0)
		goto out;
	for (i = 0; i < m; i = j) {
		struct occ *win = NULL;
		for (j = i + 1; j < m && occ_cmp(&os[i], &os[j]) == 0; j++)
			;
		for (k = i; k < j && !win; k++)
			if (in_tree(theirs, os[k].path))
				win = &os[k];
		if (!win)
			continue;
		for (k = i; k < j; k++)
			if (!in_tree(theirs, os[k].path) &&
			    lose_claim(s, mi, base, &os[k], win) < 0)
				goto out;
	}
	r = 0;
out:
	for (i = 0; i < m; i++)
		free(os[i].path);
	free(os);
	return r;
}

/*
 * Check commit out over the work tree (from = the commit it holds now)
 * and move the branch to it, then the index.
 */
/*
 * The paths that differ between HEAD's tree and the target, for the
 * checkout to look at those only: without a list libgit2 stats every file
 * of the work tree, a quarter of a pull cycle on a 10,000-note vault.
 * Files outside the list are the same in both trees, so the checkout would
 * leave them alone anyway. 0 with no list (no HEAD yet, or so many changes
 * that a full checkout costs the same) and -1 on error.
 */
enum { CHECKOUT_LIST_MAX = 2000 };

static int changed_paths(struct sync *s, git_tree *target, git_strarray *out)
{
	git_reference *head = NULL;
	git_commit *hc = NULL;
	git_tree *ht = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts;
	size_t i, n;
	int r = 0;

	out->strings = NULL;
	out->count = 0;
	if (git_repository_head(&head, s->repo) < 0 ||
	    git_commit_lookup(&hc, s->repo, git_reference_target(head)) < 0 ||
	    git_commit_tree(&ht, hc) < 0)
		goto out;       /* unborn HEAD: the full checkout */
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	if (git_diff_tree_to_tree(&diff, s->repo, ht, target, &dopts) < 0) {
		r = aie_fail(EX_TEMP, "checkout: %s", git_errstr());
		goto out;
	}
	n = git_diff_num_deltas(diff);
	if (n == 0 || n > CHECKOUT_LIST_MAX)
		goto out;
	if (!(out->strings = calloc(2 * n, sizeof *out->strings))) {
		r = aie_fail_errno(EX_TEMP, "checkout");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (d->old_file.path && (!(out->strings[out->count++] =
		    strdup(d->old_file.path)))) {
			r = aie_fail_errno(EX_TEMP, "checkout");
			break;
		}
		if (d->new_file.path && strcmp(d->new_file.path,
		    d->old_file.path ? d->old_file.path : "") != 0 &&
		    !(out->strings[out->count++] = strdup(d->new_file.path))) {
			r = aie_fail_errno(EX_TEMP, "checkout");
			break;
		}
	}
	if (r < 0)
		git_strarray_dispose(out);
out:
	git_diff_free(diff);
	git_tree_free(ht);
	git_commit_free(hc);
	git_reference_free(head);
	return r;
}

int sync_move_to(struct sync *s, const git_oid *commit, const git_oid *from)
{
	git_strarray paths = { NULL, 0 };
	git_checkout_options co;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_reference *ref = NULL;
	git_index *idx = NULL;
	git_oid tid;
	char name[300];
	int r = -1, e;

	if (git_commit_lookup(&c, s->repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		aie_fail(EX_TEMP, "checkout: %s", git_errstr());
		goto out;
	}
	if (is_cloud(s)) {
		/* cloud never commits Dashboard.md: local's copy comes in */
		char *dash = "Dashboard.md";
		git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
		co.checkout_strategy = GIT_CHECKOUT_FORCE;
		co.paths.strings = &dash;
		co.paths.count = 1;
		git_checkout_head(s->repo, &co);
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE;
	if (changed_paths(s, tree, &paths) < 0)
		goto out;
	if (paths.count) {
		co.paths = paths;
		co.checkout_strategy |= GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
	}
	if (git_checkout_tree(s->repo, (git_object *)c, &co) < 0) {
		aie_fail(EX_TEMP, "checkout: %s (a local file the remote also "
		    "changed is not committed: changed during the cycle, or held "
		    "back by the secret guard; nothing is lost)", git_errstr());
		goto out;
	}
	snprintf(name, sizeof name, "refs/heads/%s", s->branch);
	e = from ? git_reference_create_matching(&ref, s->repo, name, commit, 1,
	    from, "vault-sync") : git_reference_create(&ref, s->repo, name,
	    commit, 1, "vault-sync");
	if (e < 0) {
		aie_fail(EX_TEMP, "%s: %s", name, git_errstr());
		goto out;
	}
	if (git_repository_index(&idx, s->repo) < 0 ||
	    git_index_read(idx, 0) < 0) {
		aie_fail(EX_TEMP, ".git/index: reset to the new HEAD: %s",
		    git_errstr());
		goto out;
	}
	/* The checkout updated and wrote the index for the paths it
	 * changed; the others held HEAD's tree, the same in both. Only an
	 * index that differed from HEAD (staged by hand) is reset, so that
	 * the usual cycle does not rebuild and write all 10,000 entries
	 * again (a tenth of a pull cycle). Then its trees are all in the
	 * target commit already, so the check writes no object. */
	if (git_index_write_tree(&tid, idx) == 0 &&
	    git_oid_equal(&tid, git_tree_id(tree))) {
		r = 0;
		goto out;
	}
	if (git_index_read_tree(idx, tree) < 0 || git_index_write(idx) < 0) {
		aie_fail(EX_TEMP, ".git/index: reset to the new HEAD: %s",
		    git_errstr());
		goto out;
	}
	r = 0;
out:
	git_strarray_dispose(&paths);
	git_index_free(idx);
	git_reference_free(ref);
	git_tree_free(tree);
	git_commit_free(c);
	return r;
}

static void free_trees(git_tree **a, git_tree **b, git_tree **c,
    git_tree **d)
{
	git_tree_free(*a);
	git_tree_free(*b);
	git_tree_free(*c);
	git_tree_free(*d);
	*a = *b = *c = *d = NULL;
}

static int merge(struct sync *s, const git_oid *ours, const git_oid *theirs,
    const git_oid *base)
{
	git_commit *oc = NULL, *tc = NULL, *bc = NULL;
	git_tree *ot = NULL, *tt = NULL, *bt = NULL, *mt = NULL;
	git_index *mi = NULL;
	git_merge_options mo;
	git_signature *sig = NULL;
	git_oid tid, mid, parents[2];
	char msg[600];
	int r = -1, fast;

	if (git_commit_lookup(&oc, s->repo, ours) < 0 ||
	    git_commit_lookup(&tc, s->repo, theirs) < 0 ||
	    (base && git_commit_lookup(&bc, s->repo, base) < 0) ||
	    git_commit_tree(&ot, oc) < 0 || git_commit_tree(&tt, tc) < 0 ||
	    (bc && git_commit_tree(&bt, bc) < 0)) {
		aie_fail(EX_TEMP, "merge: %s", git_errstr());
		goto out;
	}
	/* sides that changed different files: no index at all */
	if ((fast = bt ? sync_merge_disjoint(s, bt, ot, tt, &tid) : 0) < 0)
		goto out;
	/* The repository's index (an entry per file; on disk as committed)
	 * is let go while the merge builds its own, and read again by the
	 * checkout: so the two are never held at once (vault-sync(1)). */
	if (!fast && git_repository_set_index(s->repo, NULL) < 0) {
		aie_fail(EX_TEMP, ".git/index: let go before the merge: %s",
		    git_errstr());
		goto out;
	}
	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	mo.flags = 0;           /* no rename detection: see the top */
	if (!fast && git_merge_trees(&mi, s->repo, bt, ot, tt, &mo) < 0) {
		aie_fail(EX_TEMP, "merge: %s", git_errstr());
		goto out;
	}
	if (!fast && (settle_conflicts(s, mi) < 0 ||
	    settle_duplicates(s, mi, bt, tt) < 0))
		goto out;
	if ((!fast && git_index_write_tree_to(&tid, mi, s->repo) < 0) ||
	    git_tree_lookup(&mt, s->repo, &tid) < 0) {
		aie_fail(EX_TEMP, "merge: %s", git_errstr());
		goto out;
	}
	snprintf(msg, sizeof msg, "%s: merge %s/%s", s->v->agent,
	    s->remote_name, s->branch);
	if (s->r->conflicts || s->r->claims_lost)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    " (%d conflict cop%s, %d claim%s lost)", s->r->conflicts,
		    s->r->conflicts == 1 ? "y" : "ies", s->r->claims_lost,
		    s->r->claims_lost == 1 ? "" : "s");
	if (git_signature_for(&sig, s->v->agent) < 0)
		goto out;
	if (git_commit_create_v(&mid, s->repo, NULL, sig, sig, NULL, msg, mt,
	    2, oc, tc) < 0) {
		aie_fail(EX_TEMP, "merge commit: %s", git_errstr());
		goto out;
	}
	/* The merged index (an entry per file of the vault) and the trees
	 * are not needed by the checkout, which loads its own: freed first,
	 * so that the two do not add up (issue 25, see vault-sync(1)). */
	git_index_free(mi);
	mi = NULL;
	free_trees(&ot, &tt, &bt, &mt);
	/* its trees and conflict copies, held in memory, written out as
	 * one pack before the checkout and HEAD name them (cyclepack.c) */
	parents[0] = *ours;
	parents[1] = *theirs;
	if (cyclepack_write(s, &mid, parents, 2) < 0)
		goto out;
	cyclepack_end(s);
	if (sync_move_to(s, &mid, ours) < 0)
		goto out;
	s->r->merged = 1;
	r = 0;
out:
	cyclepack_end(s);
	sync_notes_flush(s, r == 0);
	git_signature_free(sig);
	git_index_free(mi);
	free_trees(&ot, &tt, &bt, &mt);
	git_commit_free(bc);
	git_commit_free(tc);
	git_commit_free(oc);
	return r;
}

int sync_integrate(struct sync *s, const git_oid *theirs)
{
	git_oid ours, base;
	int e;

	if (git_reference_name_to_id(&ours, s->repo, "HEAD") < 0) {
		s->r->fastforward = 1;       /* unborn: take the remote's */
		return sync_move_to(s, theirs, NULL);
	}
	if (git_oid_equal(&ours, theirs))
		return 0;
	e = git_merge_base(&base, s->repo, &ours, theirs);
	if (e < 0 && e != GIT_ENOTFOUND)
		return aie_fail(EX_TEMP, "merge base: %s", git_errstr());
	/* only local commits to push: the index stays (vault-sync(1), Memory) */
	if (e == 0 && git_oid_equal(&base, theirs))
		return 0;
	/* the checkout reads the index afresh, and a merge builds its own */
	if (sync_let_go(s) < 0)
		return -1;
	if (!e && git_oid_equal(&base, &ours)) {
		s->r->fastforward = 1;
		return sync_move_to(s, theirs, &ours);
	}
	if (!s->o->dry_run && cyclepack_begin(s) < 0)
		return -1;
	return merge(s, &ours, theirs, e == GIT_ENOTFOUND ? NULL : &base);
}
