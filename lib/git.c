/*
 * git.c - libgit2 behind a few calls: initialised once, errors turned into
 * aie_errmsg (git_error_last() may be NULL), one cleanup path per call.
 */
#include <stdio.h>
#include <string.h>

#include "aie.h"
#include "git.h"

int git_start(void)
{
	static int started;

	if (!started && git_libgit2_init() < 0)
		return aie_fail(EX_TEMP, "libgit2 cannot start");
	started = 1;
	return 0;
}

const char *git_errstr(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

/* The committer: $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, else "ai-employee
 * <AGENT>" with AGENT@ai-employee.invalid. */
int git_signature_for(git_signature **sig, const char *agent)
{
	char name[128], email[128];
	const char *n = config_get("GIT_AUTHOR_NAME");
	const char *e = config_get("GIT_AUTHOR_EMAIL");

	snprintf(name, sizeof name, "%s", n ? n : "ai-employee");
	if (!n)
		snprintf(name, sizeof name, "ai-employee %s", agent);
	snprintf(email, sizeof email, "%s", e ? e : "");
	if (!e)
		snprintf(email, sizeof email, "%s@ai-employee.invalid", agent);
	if (git_signature_now(sig, name, email) < 0)
		return aie_fail(EX_TEMP, "git signature: %s", git_errstr());
	return 0;
}

/* Make dir a repository (if it is not one) and commit everything not
 * ignored, as the first commit. */
int git_init_vault(const char *dir, const char *agent, const char *message)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id;
	git_strarray all = { NULL, 0 };
	char *star = "*";
	int r = -1;

	if (git_start() < 0)
		return -1;
	all.strings = &star;
	all.count = 1;
	if (git_repository_init(&repo, dir, 0) < 0) {
		aie_fail(EX_TEMP, "%s: git init: %s", dir, git_errstr());
		goto out;
	}
	if (git_repository_head_unborn(repo) != 1) {
		r = 0;          /* it has history already: leave it be */
		goto out;
	}
	if (git_repository_index(&index, repo) < 0 ||
	    git_index_add_all(index, &all, GIT_INDEX_ADD_DEFAULT, NULL, NULL) < 0 ||
	    git_index_write(index) < 0 ||
	    git_index_write_tree(&tree_id, index) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0) {
		aie_fail(EX_TEMP, "%s: git add: %s", dir, git_errstr());
		goto out;
	}
	if (git_signature_for(&sig, agent) < 0)
		goto out;
	if (git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, message,
	    tree, 0) < 0) {
		aie_fail(EX_TEMP, "%s: git commit: %s", dir, git_errstr());
		goto out;
	}
	r = 0;
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(index);
	git_repository_free(repo);
	return r;
}
