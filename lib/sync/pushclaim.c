/*
 * pushclaim.c - vault-claim --push (see vault-sync(1)): make a claim final before the
 * work starts by committing the claim alone and getting it onto the remote.
 *
 * The claim commit is built from HEAD's tree, not from the index, so that
 * nothing else the agent has changed rides along: HEAD's tree minus
 * Needs_Action/<d>/ID.md plus In_Progress/<agent>/ID.md as the file is
 * now. The push goes out under the sync lock. A claim is final only when
 * the tree that goes out shows the item at In_Progress/<agent>/ID.md and
 * nowhere else: HEAD already holding it elsewhere (a pull brought another
 * agent's claim), the remote holding it anywhere but its old path or ours,
 * or a merge that kept it elsewhere, are all a race lost, and the claim
 * is given up here (see sync.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

struct claimctx {
	struct sync s;
	git_oid parent, commit;
	int committed;           /* the claim commit exists */
	char old[512];           /* "" when HEAD did not have the item */
	git_oid oldblob;
};

/* Where tree shows the item other than at the paths in skip: 1 with
 * *where set, else 0. */
static int elsewhere(struct sync *s, git_tree *tree, const struct itemref *ref,
    const char *const *skip, char *where, size_t size)
{
	git_oid oid;

	return sync_find_item(s->repo, tree, ref->id, strlen(ref->id), skip,
	    &oid, where, size);
}

static int in_tree(git_tree *tree, const char *path)
{
	git_tree_entry *te;

	if (git_tree_entry_bypath(&te, tree, path) < 0)
		return 0;
	git_tree_entry_free(te);
	return 1;
}

/* The tree of commit id (its commit freed): 0, or -1 with what for. */
static int tree_of(git_repository *repo, const git_oid *id, const char *what,
    git_tree **tree)
{
	git_commit *c = NULL;
	int r = 0;

	*tree = NULL;
	if (git_commit_lookup(&c, repo, id) < 0 || git_commit_tree(tree, c) < 0)
		r = aie_fail(EX_TEMP, "%s: %s", what, git_errstr());
	git_commit_free(c);
	return r;
}

/* Commit HEAD's tree with the one rename; move the branch and index.
 * 0 committed; 1 HEAD already shows the item elsewhere (*where), nothing
 * committed; -1 error. */
static int commit_claim(struct claimctx *c, const struct itemref *ref,
    char *where, size_t wsize)
{
	struct sync *s = &c->s;
	git_commit *head = NULL;
	git_tree *tree = NULL, *nt = NULL;
	git_tree_update up[2];
	git_signature *sig = NULL;
	git_reference *br = NULL;
	git_index *idx = NULL;
	git_oid blob, tid;
	const char *mine[] = { ref->rel, NULL }, *both[] = { ref->rel, c->old,
	    NULL };
	char name[300], msg[200];
	size_t n = 0;
	int r = -1;

	if (git_reference_name_to_id(&c->parent, s->repo, "HEAD") < 0 ||
	    git_commit_lookup(&head, s->repo, &c->parent) < 0 ||
	    git_commit_tree(&tree, head) < 0) {
		aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
		goto out;
	}
	/* HEAD may have learnt of another claim since the move (a cycle or
	 * a pull merged it): then that one won, whatever the remote says */
	c->old[0] = '\0';
	if (sync_find_item(s->repo, tree, ref->id, strlen(ref->id), mine,
	    &c->oldblob, c->old, sizeof c->old)) {
		if (strncmp(c->old, "Needs_Action/", 13) != 0) {
			snprintf(where, wsize, "%s", c->old);
			c->old[0] = '\0';
			r = 1;
			goto out;
		}
		if (elsewhere(s, tree, ref, both, where, wsize)) {
			c->old[0] = '\0';
			r = 1;
			goto out;
		}
	}
	if (git_blob_create_from_workdir(&blob, s->repo, ref->rel) < 0) {
		aie_fail(EX_DATA, "%s: %s", ref->rel, git_errstr());
		goto out;
	}
	memset(up, 0, sizeof up);
	if (c->old[0]) {
		up[n].action = GIT_TREE_UPDATE_REMOVE;
		up[n++].path = c->old;
	}
	up[n].action = GIT_TREE_UPDATE_UPSERT;
	up[n].id = blob;
	up[n].filemode = GIT_FILEMODE_BLOB;
	up[n++].path = ref->rel;
	snprintf(msg, sizeof msg, "%s: claim %s", s->v->agent, ref->id);
	snprintf(name, sizeof name, "refs/heads/%s", s->branch);
	if (git_tree_create_updated(&tid, s->repo, tree, n, up) < 0 ||
	    git_tree_lookup(&nt, s->repo, &tid) < 0 ||
	    git_signature_for(&sig, s->v->agent) < 0 ||
	    git_commit_create_v(&c->commit, s->repo, NULL, sig, sig, NULL, msg,
	    nt, 1, head) < 0 ||
	    git_reference_create_matching(&br, s->repo, name, &c->commit, 1,
	    &c->parent, "vault-claim --push") < 0) {
		aie_fail(EX_TEMP, "claim commit: %s", git_errstr());
		goto out;
	}
	c->committed = 1;
	if (git_repository_index(&idx, s->repo) < 0 ||
	    git_index_read(idx, 0) < 0 ||
	    (c->old[0] && git_index_remove_bypath(idx, c->old) < 0) ||
	    git_index_add_bypath(idx, ref->rel) < 0 || git_index_write(idx) < 0) {
		aie_fail(EX_TEMP, "index (staging the claim of %s): %s", ref->rel,
		    git_errstr());
		goto out;
	}
	r = 0;
out:
	git_index_free(idx);
	git_reference_free(br);
	git_signature_free(sig);
	git_tree_free(nt);
	git_tree_free(tree);
	git_commit_free(head);
	return r;
}

/* Give the claim up: the branch back (when the claim was committed), the
 * file back at its old path as HEAD had it (when HEAD had it there), our
 * copy gone. Always -1: aie_errcode 1 when given up, else the failure. */
static int give_up(struct claimctx *c, const struct itemref *ref,
    const char *where, const char *side)
{
	struct sync *s = &c->s;
	git_reference *br = NULL;
	git_blob *b = NULL;
	git_index *idx = NULL;
	git_oid head;
	char name[300], note[1400];
	int r = -1;

	snprintf(name, sizeof name, "refs/heads/%s", s->branch);
	if (c->committed && git_reference_name_to_id(&head, s->repo, "HEAD") < 0) {
		aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
		goto out;
	}
	/* once a merge has been checked out over the claim commit, the
	 * branch stays; the give-up below is staged for the next cycle */
	if (c->committed && git_oid_equal(&head, &c->commit) &&
	    git_reference_create_matching(&br, s->repo, name, &c->parent, 1,
	    &head, "vault-claim --push: claim lost") < 0) {
		aie_fail(EX_TEMP, "%s: %s", name, git_errstr());
		goto out;
	}
	if (c->old[0]) {
		if (git_blob_lookup(&b, s->repo, &c->oldblob) < 0) {
			aie_fail(EX_TEMP, "%s: %s", c->old, git_errstr());
			goto out;
		}
		if (file_writeat(s->v->dirfd, c->old, git_blob_rawcontent(b),
		    (size_t)git_blob_rawsize(b), 0644) < 0)
			goto out;
	}
	if (unlinkat(s->v->dirfd, ref->rel, 0) < 0) {
		aie_fail_errno(EX_TEMP, "%s", ref->rel);
		goto out;
	}
	if (git_repository_index(&idx, s->repo) < 0 ||
	    git_index_read(idx, 0) < 0 ||
	    (c->old[0] && git_index_add_bypath(idx, c->old) < 0) ||
	    git_index_remove_bypath(idx, ref->rel) < 0 ||
	    git_index_write(idx) < 0) {
		aie_fail(EX_TEMP, "index (putting back %s): %s", ref->id,
		    git_errstr());
		goto out;
	}
	if (c->old[0])
		snprintf(note, sizeof note, "another agent got there first (%s %s); "
		    "claim given up, the item is back at %s", where, side, c->old);
	else
		snprintf(note, sizeof note, "another agent got there first (%s %s); "
		    "claim given up, our copy %s removed", where, side, ref->rel);
	audit_event(s->v, "claim_lost", ref->id, ref->rel,
	    c->old[0] ? c->old : NULL, note);
	r = 0;
out:
	git_index_free(idx);
	git_blob_free(b);
	git_reference_free(br);
	if (r == 0)
		aie_fail(EX_NEG, "%s: %s", ref->id, note);
	return -1;
}

/* Has the remote (theirs) got the item claimed or moved: anywhere but
 * ours and Needs_Action/, or gone from its old path without a trace? Then
 * *where says where ("gone"). An unclaimed copy in Needs_Action/ (changed
 * there, or HEAD's claim commit came from a cycle) is left to the merge,
 * which lost_in_merge() then checks. 1 lost, 0 not, -1 error. */
static int lost_on_remote(struct claimctx *c, const struct itemref *ref,
    const git_oid *theirs, char *where, size_t size)
{
	struct sync *s = &c->s;
	git_tree *tt;
	char seen[8][600];
	const char *skip[11] = { ref->rel, c->old[0] ? c->old : ref->rel };
	size_t n = 2, k;
	int r = 0;

	if (tree_of(s->repo, theirs, "remote tree", &tt) < 0)
		return -1;
	for (k = 0; k < 8; k++) {
		skip[n] = NULL;
		if (!elsewhere(s, tt, ref, skip, where, size))
			break;
		if (strncmp(where, "Needs_Action/", 13) != 0) {
			r = 1;
			goto out;
		}
		snprintf(seen[k], sizeof seen[k], "%s", where);
		skip[n++] = seen[k];
	}
	if (c->old[0] && k == 0 && !in_tree(tt, c->old) &&
	    !in_tree(tt, ref->rel)) {
		snprintf(where, size, "gone");
		r = 1;
	}
out:
	git_tree_free(tt);
	return r;
}

/* After a merge: does HEAD show the item at ref->rel and nowhere else?
 * 0 yes; 1 no (*where: where the merge kept it); -1 error. */
static int lost_in_merge(struct claimctx *c, const struct itemref *ref,
    char *where, size_t size)
{
	struct sync *s = &c->s;
	git_tree *ht;
	git_oid head;
	const char *mine[] = { ref->rel, NULL };
	int r = 0;

	if (git_reference_name_to_id(&head, s->repo, "HEAD") < 0)
		return aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
	if (tree_of(s->repo, &head, "HEAD", &ht) < 0)
		return -1;
	if (elsewhere(s, ht, ref, mine, where, size))
		r = 1;
	else if (!in_tree(ht, ref->rel)) {
		snprintf(where, size, "gone");
		r = 1;
	}
	git_tree_free(ht);
	return r;
}

/* A merge that could not be checked out because files the remote changed
 * are edited here and not committed: say what to do. */
static int integrate(struct sync *s, const struct itemref *ref,
    const git_oid *theirs)
{
	char why[sizeof aie_errmsg];

	if (sync_integrate(s, theirs) == 0)
		return 0;
	if (strncmp(aie_errmsg, "checkout: ", 10) != 0)
		return -1;
	snprintf(why, sizeof why, "%s", aie_errmsg + 10);
	*strchrnul(why, '(') = '\0';
	return aie_fail(EX_TEMP, "%s: the remote changed files that are being "
	    "edited here and not committed yet (%s); the claim is committed "
	    "locally: run vault-sync, which commits the edits, merges them and "
	    "pushes the claim", ref->id, why);
}

int sync_push_claim(struct vault *v, const struct itemref *ref)
{
	struct claimctx c;
	struct sync_opts o;
	struct sync_result res;
	struct sync *s = &c.s;
	char where[600];
	git_oid theirs, head;
	int have, net, p, tries, r = -1, m;

	memset(&c, 0, sizeof c);
	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
	if (ref->stage != ST_IN_PROGRESS || strcmp(ref->sub, v->agent) != 0)
		return aie_fail(EX_ARGS, "%s: not claimed by %s (%s)", ref->id,
		    v->agent, ref->rel);
	if (sync_init(s, v) < 0)
		return -1;
	s->o = &o;
	s->r = &res;
	if (sync_lock(s, 30) < 0)
		goto out;
	if (sync_check_repo(s) < 0 ||
	    (m = commit_claim(&c, ref, where, sizeof where)) < 0)
		goto out;
	if (m > 0) {
		give_up(&c, ref, where, "here already");
		goto out;
	}
	if (!s->remote) {
		r = 0;
		goto out;
	}
	for (tries = 0; tries < 10; tries++) {
		net = 0;
		if (sync_fetch(s, &theirs, &have, &net) < 0)
			goto out;
		if (have && git_reference_name_to_id(&head, s->repo, "HEAD") == 0 &&
		    !git_oid_equal(&head, &theirs) &&
		    git_graph_descendant_of(s->repo, &head, &theirs) != 1) {
			if ((m = lost_on_remote(&c, ref, &theirs, where,
			    sizeof where)) != 0) {
				if (m > 0)
					give_up(&c, ref, where, "on the remote");
				goto out;
			}
			if (integrate(s, ref, &theirs) < 0)
				goto out;
			/* the merge rules may still have kept another copy */
			if ((m = lost_in_merge(&c, ref, where, sizeof where))
			    != 0) {
				if (m > 0)
					aie_fail(EX_NEG, "%s: the merge with the "
					    "remote kept the item at %s (it changed "
					    "there meanwhile); claim given up, claim "
					    "it again", ref->id, where);
				goto out;
			}
		}
		p = sync_push(s, have ? &theirs : NULL, &net);
		if (p == 0) {
			r = 0;
			goto out;
		}
		if (p < 0)
			goto out;
	}
	aie_fail(EX_TEMP, "%s: the remote kept moving; the claim is committed "
	    "and the next vault-sync pushes it", ref->id);
out:
	sync_unlock(s);
	sync_fini(s);
	return r;
}
