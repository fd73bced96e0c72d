/*
 * pushclaim.c - vault-claim --push (SPEC 5): make a claim final before the
 * work starts by committing the claim alone and getting it onto the remote.
 *
 * The claim commit is built from HEAD's tree, not from the index, so that
 * nothing else the agent has changed rides along: HEAD's tree minus
 * Needs_Action/<d>/ID.md plus In_Progress/<agent>/ID.md as the file is
 * now. The push goes out under the sync lock; if the remote moved on, the
 * remote tree decides: the item still at its old path -> nobody else
 * claimed it, merge and push; anywhere else (or gone) -> another agent got
 * there first, and the claim is given up here (see sync.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aie.h"
#include "git.h"
#include "sync.h"

struct claimctx {
	struct sync s;
	git_oid parent, commit;
	char old[512];           /* "" when HEAD did not have the item */
	git_oid oldblob;
};

/* Commit HEAD's tree with the one rename; move the branch and index. */
static int commit_claim(struct claimctx *c, const struct itemref *ref)
{
	struct sync *s = &c->s;
	git_commit *head = NULL;
	git_tree *tree = NULL, *nt = NULL;
	git_tree_update up[2];
	git_signature *sig = NULL;
	git_reference *br = NULL;
	git_index *idx = NULL;
	git_oid blob, tid;
	char name[300], msg[200];
	size_t n = 0;
	int r = -1;

	if (git_reference_name_to_id(&c->parent, s->repo, "HEAD") < 0 ||
	    git_commit_lookup(&head, s->repo, &c->parent) < 0 ||
	    git_commit_tree(&tree, head) < 0) {
		aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
		goto out;
	}
	c->old[0] = '\0';
	if (sync_find_item(s->repo, tree, ref->id, strlen(ref->id), &c->oldblob,
	    c->old, sizeof c->old) && strncmp(c->old, "Needs_Action/", 13) != 0)
		c->old[0] = '\0';         /* not a claim from Needs_Action */
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
	if (git_repository_index(&idx, s->repo) < 0 ||
	    git_index_read(idx, 0) < 0 ||
	    (c->old[0] && git_index_remove_bypath(idx, c->old) < 0) ||
	    git_index_add_bypath(idx, ref->rel) < 0 || git_index_write(idx) < 0) {
		aie_fail(EX_TEMP, "index: %s", git_errstr());
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

/* Give the claim up: branch back, the file back as HEAD had it. */
static int give_up(struct claimctx *c, const struct itemref *ref,
    const char *where)
{
	struct sync *s = &c->s;
	git_reference *br = NULL;
	git_blob *b = NULL;
	git_index *idx = NULL;
	git_oid head;
	char name[300], note[800];
	int r = -1;

	snprintf(name, sizeof name, "refs/heads/%s", s->branch);
	if (git_reference_name_to_id(&head, s->repo, "HEAD") < 0 ||
	    git_reference_create_matching(&br, s->repo, name, &c->parent, 1,
	    &head, "vault-claim --push: claim lost") < 0) {
		aie_fail(EX_TEMP, "%s: %s", name, git_errstr());
		goto out;
	}
	if (git_blob_lookup(&b, s->repo, &c->oldblob) < 0) {
		aie_fail(EX_TEMP, "%s: %s", c->old, git_errstr());
		goto out;
	}
	if (file_writeat(s->v->dirfd, c->old, git_blob_rawcontent(b),
	    (size_t)git_blob_rawsize(b), 0644) < 0)
		goto out;
	if (unlinkat(s->v->dirfd, ref->rel, 0) < 0) {
		aie_fail_errno(EX_TEMP, "%s", ref->rel);
		goto out;
	}
	if (git_repository_index(&idx, s->repo) < 0 ||
	    git_index_read(idx, 0) < 0 || git_index_add_bypath(idx, c->old) < 0 ||
	    git_index_remove_bypath(idx, ref->rel) < 0 ||
	    git_index_write(idx) < 0) {
		aie_fail(EX_TEMP, "index: %s", git_errstr());
		goto out;
	}
	snprintf(note, sizeof note, "another agent got there first (%s on the "
	    "remote); claim given up, the item is back at %s", where, c->old);
	audit_event(s->v, "claim_lost", ref->id, ref->rel, c->old, note);
	r = 0;
out:
	git_index_free(idx);
	git_blob_free(b);
	git_reference_free(br);
	if (r == 0)
		aie_fail(EX_NEG, "%s: %s", ref->id, note);
	return -1;
}

/* Has the remote (theirs) moved the item away from c->old? Then *where
 * says where it is, or "gone". 1 moved, 0 not, -1 error. */
static int moved_away(struct claimctx *c, const struct itemref *ref,
    const git_oid *theirs, char *where, size_t size)
{
	struct sync *s = &c->s;
	git_commit *tc = NULL;
	git_tree *tt = NULL;
	git_tree_entry *te = NULL;
	git_oid oid;
	int r = -1;

	if (git_commit_lookup(&tc, s->repo, theirs) < 0 ||
	    git_commit_tree(&tt, tc) < 0) {
		aie_fail(EX_TEMP, "remote tree: %s", git_errstr());
		goto out;
	}
	if (git_tree_entry_bypath(&te, tt, c->old) == 0)
		r = 0;
	else if (sync_find_item(s->repo, tt, ref->id, strlen(ref->id), &oid,
	    where, size))
		r = strcmp(where, ref->rel) != 0;
	else {
		snprintf(where, size, "gone");
		r = 1;
	}
out:
	git_tree_entry_free(te);
	git_tree_free(tt);
	git_commit_free(tc);
	return r;
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
		return aie_fail(EX_USAGE_, "%s: not claimed by %s (%s)", ref->id,
		    v->agent, ref->rel);
	if (sync_open(s, v) < 0)
		return -1;
	s->o = &o;
	s->r = &res;
	if (sync_lock(s, 30) < 0)
		goto out;
	if (sync_check_repo(s) < 0 || commit_claim(&c, ref) < 0)
		goto out;
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
			if (c.old[0] && (m = moved_away(&c, ref, &theirs, where,
			    sizeof where)) != 0) {
				if (m > 0)
					give_up(&c, ref, where);
				goto out;
			}
			if (sync_integrate(s, &theirs) < 0)
				goto out;
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
	sync_close(s);
	return r;
}
