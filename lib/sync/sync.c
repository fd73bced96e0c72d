/*
 * sync.c - one vault-sync cycle: lock, stage, commit, fetch, integrate,
 * push (see vault-sync(1)), and the pushed claim of vault-claim --push.
 *
 * The lock is an flock on .state/<agent>/sync.lock, so a killed process
 * frees it. A stale .git/index.lock (older than a minute: no vault-sync
 * holds it, since we hold the sync lock) is removed with a warning; a
 * fresh one stops the cycle with a message naming it, never a silent
 * stall. A path remote (the tests, a NAS) gets the compare-and-swap that
 * libgit2's local transport lacks: the push happens under an flock on the
 * remote's vault-sync.lock, after checking that the remote branch is
 * still what we fetched; if not, it counts as a refused push.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

int sync_backoff_parse(const char *spec, double *out, size_t max, size_t *n)
{
	const char *p = spec;
	char *end;

	*n = 0;
	if (strcmp(spec, "none") == 0)
		return 0;
	while (*p) {
		double d = strtod(p, &end);
		if (end == p || !(d >= 0 && d <= 3600) || *n == max)
			return aie_fail(EX_DATA, "VAULT_SYNC_BACKOFF: want "
			    "seconds separated by commas, like 10,30,90, "
			    "or none");
		out[(*n)++] = d;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return aie_fail(EX_DATA, "VAULT_SYNC_BACKOFF: want "
			    "seconds separated by commas, like 10,30,90, "
			    "or none");
	}
	return 0;
}

int sync_init(struct sync *s, struct vault *v)
{
	const char *name = config_get_default("VAULT_SYNC_REMOTE", "origin");
	long mp;
	int e;

	memset(s, 0, sizeof *s);
	s->v = v;
	s->lockfd = -1;
	if (git_open(&s->repo, v->root) < 0)
		return -1;
	sync_seen_load(s);
	if (config_long("VAULT_SYNC_MAX_PACKS", 16, 0, 100000, &mp) < 0) {
		sync_fini(s);
		return -1;
	}
	s->max_packs = (int)mp;
	snprintf(s->remote_name, sizeof s->remote_name, "%s", name);
	e = git_remote_lookup(&s->remote, s->repo, s->remote_name);
	if (e == GIT_ENOTFOUND) {
		s->remote = NULL;
		return 0;
	}
	if (e < 0) {
		aie_fail(EX_CONFIG, "remote %s: %s", name, git_errstr());
		sync_fini(s);
		return -1;
	}
	if (!git_remote_url(s->remote)) {
		aie_fail(EX_CONFIG, "remote %s has no URL", name);
		sync_fini(s);
		return -1;
	}
	if (!git_url_local(git_remote_url(s->remote), s->remote_path,
	    sizeof s->remote_path))
		s->remote_path[0] = '\0';
	if (git_tls_load(git_remote_url(s->remote)) < 0) {
		sync_fini(s);
		return -1;
	}
	return 0;
}

void sync_fini(struct sync *s)
{
	struct repack_result rr;
	int k;

	/* a repack still running is waited for, not cut short; what it
	 * did is no one's to hear now (the last cycle's result is gone) */
	for (k = 0; k < 2; k++)
		(void)repack_finish(&s->jobs[k], 1, &rr);
	if (s->repo)
		cyclepack_end(s);
	free(s->memids);
	git_index_free(s->idx);
	git_remote_free(s->remote);
	git_repository_free(s->repo);
	sync_seen_free(s);
	if (s->lockfd >= 0)
		close(s->lockfd);
	memset(s, 0, sizeof *s);
	s->lockfd = -1;
}

int sync_open(struct sync **sp, struct vault *v)
{
	struct sync *s = calloc(1, sizeof *s);

	*sp = NULL;
	if (!s)
		return aie_fail_errno(EX_TEMP, "sync");
	if (sync_init(s, v) < 0) {
		free(s);
		return -1;
	}
	*sp = s;
	return 0;
}

int sync_let_go(struct sync *s)
{
	git_index_free(s->idx);
	s->idx = NULL;
	return git_let_go(s->repo);
}

int sync_forget(struct sync *s)
{
	int r = git_let_go_caches(s->repo, s->idx);

	malloc_trim(0);
	return r;
}

void sync_close(struct sync *s)
{
	if (!s)
		return;
	sync_fini(s);
	free(s);
}

/* flock rel's lock file; wait up to wait seconds. */
static int lock_file(int dirfd, const char *rel, double wait, int *fdp)
{
	int fd = openat(dirfd, rel, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	double waited = 0;
	useconds_t nap = 2000;  /* a push holds it for milliseconds: poll
	                         * fast first, then every 100 ms */

	if (fd < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return aie_fail_errno(EX_TEMP, "%s: flock", rel);
		}
		if (waited >= wait) {
			close(fd);
			return aie_fail(EX_TEMP, "%s: held by another sync; try "
			    "again later", rel);
		}
		usleep(nap);
		waited += nap / 1e6;
		if (nap < 100000)
			nap *= 2;
	}
	*fdp = fd;
	return 0;
}

/* A held lock file holds its holder's pid while the work it guards runs:
 * finding one when taking the lock means the last holder was killed in
 * the middle. Then write ours. */
static int mark_held(int fd, const char *what, int *crashed)
{
	char pid[24];
	struct stat st;
	int n;

	*crashed = fstat(fd, &st) == 0 && st.st_size > 0;
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		return aie_fail_errno(EX_TEMP, "%s", what);
	return 0;
}

int sync_lock(struct sync *s, double wait)
{
	char rel[128];

	if (vault_statedir(s->v, rel, sizeof rel - 16) < 0)
		return -1;
	strcat(rel, "/sync.lock");
	if (lock_file(s->v->dirfd, rel, wait, &s->lockfd) < 0)
		return -1;
	if (mark_held(s->lockfd, rel, &s->crashed) < 0) {
		/* a full disk: give the lock back, or every later cycle and
		 * every other sync would find it held */
		close(s->lockfd);
		s->lockfd = -1;
		return -1;
	}
	return 0;
}

/* The work is done: no pid, then unlock (by closing). A failed truncate
 * only makes the next holder clear locks sooner. */
static void release_held(int fd)
{
	if (fd >= 0) {
		(void)!ftruncate(fd, 0);
		close(fd);
	}
}

void sync_unlock(struct sync *s)
{
	release_held(s->lockfd);
	s->lockfd = -1;
}

/* A lock file of git's in gitdir (ending in '/'): left by a vault-sync
 * killed mid-cycle (crashed), or a minute old -> removed; else someone
 * is writing: refuse. */
static int git_lock_check(struct sync *s, const char *gitdir,
    const char *name, int crashed)
{
	char path[4500];
	struct stat st;
	time_t age;

	if ((size_t)snprintf(path, sizeof path, "%s%s.lock", gitdir, name) >=
	    sizeof path)
		return aie_fail(EX_CONFIG, "%s%s.lock: path too long", gitdir,
		    name);
	if (lstat(path, &st) < 0)
		return 0;
	age = time(NULL) - st.st_mtime;
	if (age < 60 && !crashed)
		return aie_fail(EX_TEMP, "%s exists (%lds old): another git "
		    "process is writing; if none is running, remove it",
		    path, (long)age);
	if (unlink(path) < 0)
		return aie_fail_errno(EX_TEMP, "%s: stale lock, cannot remove",
		    path);
	sync_warn(s, path, "removed a stale lock (%lds old, left by a killed "
	    "%s)", (long)age, crashed ? "vault-sync" : "process");
	return 0;
}

/* Every lock file a cycle's git work takes in gitdir: the index, the
 * refs it moves (the branch and its remote-tracking ref) and their logs,
 * and the files a fetch and a merge write. A kill -9 can leave any of
 * them behind, and libgit2 then fails on it in every later cycle. */
static int git_locks_check(struct sync *s, const char *gitdir, int crashed)
{
	static const char *const fixed[] = { "index", "HEAD", "FETCH_HEAD",
	    "ORIG_HEAD", "MERGE_HEAD", "packed-refs", "config", "logs/HEAD" };
	char log[2][350];               /* "logs/<ref>"; a branch is < 256 */
	size_t i;

	for (i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (git_lock_check(s, gitdir, fixed[i], crashed) < 0)
			return -1;
	snprintf(log[0], sizeof log[0], "logs/refs/heads/%s", s->branch);
	snprintf(log[1], sizeof log[1], "logs/refs/remotes/%s/%s",
	    s->remote_name, s->branch);
	for (i = 0; i < 2; i++)
		if (git_lock_check(s, gitdir, log[i] + 5, crashed) < 0 ||
		    git_lock_check(s, gitdir, log[i], crashed) < 0)
			return -1;
	return 0;
}

/* The repository is in a state we can work in: no foreign merge or rebase
 * in progress, HEAD on a branch, no fresh git lock. */
int sync_check_repo(struct sync *s)
{
	static const char *const what[] = { "", "merge", "revert", "revert",
	    "cherry-pick", "cherry-pick", "bisect", "rebase", "rebase",
	    "rebase", "apply-mailbox", "apply-mailbox" };
	int st = git_repository_state(s->repo);

	if (st != GIT_REPOSITORY_STATE_NONE)
		return aie_fail(EX_TEMP, "%s: a %s is in progress (not started "
		    "by vault-sync); finish or abort it with git, then sync",
		    s->v->root, st > 0 && st < 12 ? what[st] : "operation");
	if (git_head_branch(s->repo, s->branch, sizeof s->branch) < 0)
		return -1;
	return git_locks_check(s, git_repository_path(s->repo), s->crashed);
}

/* .state/<agent>/last_sync: the time of the last good cycle. Atomic (a
 * rename) but not fsynced: a stamp that a crash rolls back one cycle is
 * harmless, and two fsyncs were a tenth of a no-change cycle. */
static int write_last_sync(struct sync *s)
{
	char rel[128], tmp[160], ts[21], line[24];
	int fd, n;

	if (vault_statedir(s->v, rel, sizeof rel - 16) < 0)
		return -1;
	snprintf(tmp, sizeof tmp, "%s/.last_sync.%ld", rel, (long)getpid());
	strcat(rel, "/last_sync");
	time_rfc3339(time(NULL), ts);
	n = snprintf(line, sizeof line, "%s\n", ts);
	fd = openat(s->v->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return aie_fail_errno(EX_TEMP, "%s", tmp);
	if (write(fd, line, (size_t)n) != n) {
		aie_fail_errno(EX_TEMP, "%s", tmp);
		close(fd);
		unlinkat(s->v->dirfd, tmp, 0);
		return -1;
	}
	if (close(fd) < 0 || renameat(s->v->dirfd, tmp, s->v->dirfd, rel) < 0) {
		aie_fail_errno(EX_TEMP, "%s", rel);
		unlinkat(s->v->dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* HEAD's branch moved to id, a commit of the parent we read (or the
 * first one), with the reflog message git_commit_create_v gives. */
static int head_move(struct sync *s, const git_oid *id, git_commit *parent,
    const char *msg)
{
	git_reference *nr = NULL;
	char ref[300], log[400];
	int e;

	snprintf(ref, sizeof ref, "refs/heads/%s", s->branch);
	snprintf(log, sizeof log, "commit%s: %.*s", parent ? "" : " (initial)",
	    (int)strcspn(msg, "\n"), msg);
	e = parent ? git_reference_create_matching(&nr, s->repo, ref, id, 1,
	    git_commit_id(parent), log) :
	    git_reference_create(&nr, s->repo, ref, id, 0, log);
	git_reference_free(nr);
	if (e < 0)
		return aie_fail(EX_TEMP, "commit: %s: %s", ref, git_errstr());
	return 0;
}

/* Commit the index when its tree differs from HEAD's: the commit's new
 * objects written out (cyclepack.c) before the index and HEAD name them. */
static int commit_index(struct sync *s, git_index *idx, const char *msg)
{
	git_oid tree_id, head_id, id;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	int r = -1, unborn;

	/* the tree first: it makes the index's cache tree valid, and
	 * written with it the next cycle can trust it (unchanged.c) */
	if (git_index_write_tree(&tree_id, idx) < 0)
		return aie_fail(EX_TEMP, ".git/index: write: %s", git_errstr());
	unborn = git_reference_name_to_id(&head_id, s->repo, "HEAD") < 0;
	if (!unborn && git_commit_lookup(&head, s->repo, &head_id) < 0)
		return aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
	if (head && git_oid_equal(git_commit_tree_id(head), &tree_id)) {
		if (git_index_write(idx) < 0)
			aie_fail(EX_TEMP, ".git/index: write: %s",
			    git_errstr());
		else
			r = 0;
		goto out;
	}
	if (git_tree_lookup(&tree, s->repo, &tree_id) < 0 ||
	    git_signature_for(&sig, s->v->agent) < 0) {
		aie_fail(EX_TEMP, "commit: %s", git_errstr());
		goto out;
	}
	if (git_commit_create_v(&id, s->repo, NULL, sig, sig, NULL,
	    msg, tree, head ? 1 : 0, head) < 0) {
		aie_fail(EX_TEMP, "commit: %s", git_errstr());
		goto out;
	}
	if (cyclepack_write(s, &id, &head_id, head ? 1 : 0) < 0)
		goto out;
	if (git_index_write(idx) < 0) {
		aie_fail(EX_TEMP, ".git/index: write: %s", git_errstr());
		goto out;
	}
	if (head_move(s, &id, head, msg) < 0)
		goto out;
	if (!s->r->commit[0])
		git_oid_tostr(s->r->commit, sizeof s->r->commit, &id);
	r = 0;
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(head);
	return r;
}

static void today_log(char rel[32])
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(rel, 32, "Logs/%Y-%m-%d.jsonl", &tm);
}

/* Commit the audit lines a merge just wrote, so they travel with it. */
static int commit_log(struct sync *s)
{
	git_index *idx = NULL;
	char rel[32], msg[128];
	int r = -1;

	s->logged = 0;
	today_log(rel);
	snprintf(msg, sizeof msg, "%s: log the conflicts of the merge",
	    s->v->agent);
	if (git_repository_index(&idx, s->repo) < 0 ||
	    git_index_read(idx, 0) < 0 ||
	    git_index_add_bypath(idx, rel) < 0)
		aie_fail(EX_TEMP, "%s: stage: %s", rel, git_errstr());
	else
		r = commit_index(s, idx, msg);
	git_index_free(idx);
	return r;
}

/* A path remote's branch read directly (what a fetch would learn first):
 * 1 when it is still the tip we fetched last (tracking ref, whose objects
 * are here), so the fetch has nothing to bring; *theirs gets it. */
static int remote_unmoved(struct sync *s, const char *tracking,
    git_oid *theirs)
{
	git_repository *bare = NULL;
	git_oid now;
	char ref[300];
	int same = 0;

	if (git_reference_name_to_id(theirs, s->repo, tracking) < 0)
		return 0;
	if (git_repository_open_bare(&bare, s->remote_path) < 0)
		return 0;       /* the real fetch says why */
	snprintf(ref, sizeof ref, "refs/heads/%s", s->branch);
	same = git_reference_name_to_id(&now, bare, ref) == 0 &&
	    git_oid_equal(&now, theirs);
	git_repository_free(bare);
	return same;
}

const char *sync_remote_dir(const struct sync *s)
{
	return s->remote && s->remote_path[0] ? s->remote_path : NULL;
}

int sync_remote_moved(struct sync *s)
{
	char ref[400];
	git_oid theirs;

	if (!sync_remote_dir(s) || !s->branch[0])
		return 0;
	snprintf(ref, sizeof ref, "refs/remotes/%s/%s", s->remote_name,
	    s->branch);
	return !remote_unmoved(s, ref, &theirs);
}

/* Fetch the branch; *have says whether the remote has it. 0, or -1 with
 * *net set when the failure is the network's. */
int sync_fetch(struct sync *s, git_oid *theirs, int *have, int *net)
{
	git_fetch_options fo;
	struct git_xfer x = { 0 };
	char spec[700], ref[400], *specp = spec;
	git_strarray specs = { &specp, 1 };
	int e;

	snprintf(ref, sizeof ref, "refs/remotes/%s/%s", s->remote_name,
	    s->branch);
	/* libgit2 calls a missing path an "unsupported URL protocol"; it
	 * may be a NAS not mounted yet, so retried like the network */
	if (s->remote_path[0] && access(s->remote_path, F_OK) < 0) {
		*net = 1;
		if (errno == ENOENT)
			return aie_fail(EX_TEMP, "fetch from %s: the path does "
			    "not exist", s->remote_path);
		return aie_fail_errno(EX_TEMP, "fetch from %s", s->remote_path);
	}
	/* the objects copied, the tracking ref moved (fetchlocal.c) */
	if (s->remote_path[0]) {
		if (sync_fetch_local(s, theirs, have, net) < 0)
			return -1;
		s->r->fetched = 1;
		return 0;
	}
	/* what the fetch brings (the packs it indexes) does not add to the
	 * index and objects the cycle read (issue 25) */
	if (sync_let_go(s) < 0)
		return -1;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	x.progress = s->o->progress;
	git_xfer_callbacks(&fo.callbacks, &x);
	snprintf(spec, sizeof spec, "+refs/heads/%s:refs/remotes/%s/%s",
	    s->branch, s->remote_name, s->branch);
	e = git_remote_fetch(s->remote, &specs, &fo, "vault-sync: fetch");
	if (x.progress)
		x.progress(NULL, 0, 0, 0);
	if (e < 0) {
		*net = git_err_network(e);
		return aie_fail(*net ? EX_TEMP : EX_CONFIG, "fetch from %s: %s",
		    git_remote_url(s->remote), git_errstr());
	}
	s->r->fetched = 1;
	*have = git_reference_name_to_id(theirs, s->repo, ref) == 0;
	return 0;
}

/* Collect the repack of jobs[k] (lib/sync/repack.c): wait for it, or
 * only look whether it has ended. A failure is only told: the cycle's
 * work is done, a later one tries again. 1 while it runs. */
static int repack_collect(struct sync *s, int k, int wait)
{
	struct repack_job *j = &s->jobs[k];
	struct repack_result rr;
	char what[sizeof j->gitdir];
	int e;

	if (j->pid <= 0)
		return 0;
	snprintf(what, sizeof what, "%s", j->gitdir);
	if ((e = repack_finish(j, wait, &rr)) > 0)
		return 1;
	if (e < 0)
		sync_warn(s, what, "%s", aie_errmsg);
	else if (rr.packs_after < rr.packs_before || rr.loose)
		s->r->repacked++;
	if (rr.peak_kb > s->r->repack_kb)
		s->r->repack_kb = rr.peak_kb;
	/* the child replaced packs this process may hold open */
	if (k == 0 && (rr.packs_after != rr.packs_before || rr.loose) &&
	    git_odb_renew(s->repo) < 0)
		sync_warn(s, what, "after the repack: %s", git_errstr());
	return 0;
}

/* Start the repacks this cycle found needed, its locks released (one
 * repository at a time each, see repack_start); a one-shot cycle waits
 * for them, --watch collects them in a later cycle. */
static void repacks(struct sync *s)
{
	const char *dir[2] = { git_repository_path(s->repo), s->remote_path };
	int want[2] = { s->repack_local, s->repack_remote }, k;

	s->repack_local = s->repack_remote = 0;
	for (k = 0; k < 2; k++)
		if (want[k] && s->jobs[k].pid <= 0 &&
		    repack_start(dir[k], s->max_packs, &s->jobs[k]) < 0)
			sync_warn(s, dir[k], "%s", aie_errmsg);
	for (k = 0; k < 2; k++)
		repack_collect(s, k, !s->o->repack_later);
}

/* Push the branch. 0 pushed, 1 refused (integrate and retry), -1 failed
 * (*net set for the network's failures). expect: the remote tip we
 * integrated, NULL when the remote had no branch. */
int sync_push(struct sync *s, const git_oid *expect, int *net)
{
	git_push_options po;
	struct git_xfer x = { 0 };
	char spec[600], *specp = spec, ref[300], gitdir[4100], held[4120];
	git_strarray specs = { &specp, 1 };
	git_repository *bare = NULL;
	int lockfd = -1, crashed, e, r = -1;

	if (s->remote_path[0]) {
		git_oid now;
		int have;
		int dfd = open(s->remote_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			*net = 1;
			return aie_fail_errno(EX_TEMP, "%s", s->remote_path);
		}
		e = lock_file(dfd, "vault-sync.lock", 30, &lockfd);
		close(dfd);
		if (e < 0) {
			*net = 1;
			return -1;
		}
		/* a push killed on the remote's side leaves its ref locked */
		snprintf(gitdir, sizeof gitdir, "%s/", s->remote_path);
		snprintf(held, sizeof held, "%svault-sync.lock", gitdir);
		snprintf(ref, sizeof ref, "refs/heads/%s", s->branch);
		if (mark_held(lockfd, held, &crashed) < 0 ||
		    git_lock_check(s, gitdir, ref, crashed) < 0 ||
		    git_lock_check(s, gitdir, "packed-refs", crashed) < 0) {
			*net = 1;
			goto out;
		}
		if (git_repository_open_ext(&bare, s->remote_path,
		    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
			*net = 1;
			aie_fail(EX_TEMP, "%s: %s", s->remote_path, git_errstr());
			goto out;
		}
		have = git_reference_name_to_id(&now, bare, ref) == 0;
		if (have != (expect != NULL) ||
		    (have && !git_oid_equal(&now, expect))) {
			r = 1;          /* moved since our fetch */
			goto out;
		}
		/* the objects copied, the ref swapped (pushlocal.c) */
		if ((r = sync_push_local(s, bare, ref, expect)) == 0)
			goto pushed;
		goto out;
	}
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	x.progress = s->o->progress;
	git_xfer_callbacks(&po.callbacks, &x);
	snprintf(spec, sizeof spec, "refs/heads/%s:refs/heads/%s", s->branch,
	    s->branch);
	e = git_remote_push(s->remote, &specs, &po);
	if (x.progress)
		x.progress(NULL, 0, 0, 0);
	if (e == GIT_ENONFASTFORWARD || x.rejected) {
		r = 1;
		goto out;
	}
	if (e < 0) {
		*net = git_err_network(e);
		aie_fail(*net ? EX_TEMP : EX_CONFIG, "push to %s: %s",
		    git_remote_url(s->remote), git_errstr());
		goto out;
	}
pushed:
	s->r->pushed = 1;
	r = 0;
	/* a push leaves one more pack in the remote each time, or (a path
	 * remote) its objects loose */
	if (s->remote_path[0] && repack_wanted(s->remote_path, s->max_packs))
		s->repack_remote = 1;
out:
	git_repository_free(bare);
	release_held(lockfd);
	return r;
}

/* Sleep secs unless told to stop; 0 slept, -1 stopped. */
static int nap(struct sync *s, double secs)
{
	struct timespec ts;

	while (secs > 0) {
		if (s->o->stop && *s->o->stop)
			return -1;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)((secs < 0.1 ? secs : 0.1) * 1e9);
		nanosleep(&ts, NULL);
		secs -= 0.1;
	}
	return s->o->stop && *s->o->stop ? -1 : 0;
}

/* Fetch, integrate, push until pushed; retry the network with backoff. */
static int exchange(struct sync *s)
{
	git_oid theirs, head;
	size_t attempt = 0;
	int refused = 0, have = 0, net, p;

	for (;;) {
		net = 0;
		s->r->attempts++;
		if (sync_fetch(s, &theirs, &have, &net) == 0) {
			if (have && sync_integrate(s, &theirs) < 0)
				return -1;
			if (s->logged && commit_log(s) < 0)
				return -1;
			if (git_reference_name_to_id(&head, s->repo, "HEAD") < 0)
				return aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
			if (have && git_oid_equal(&head, &theirs))
				return 0;
			/* the index and trees the merge's checkout read are
			 * not the push's: let go before it packs (issue 25).
			 * A cycle that only committed local changes still
			 * holds the index it wrote (no fetch brought objects,
			 * nothing merged): kept, it spares the next cycle a
			 * read of it (vault-sync(1), Memory) */
			if ((s->idx ? git_let_go_caches(s->repo, s->idx) :
			    sync_let_go(s)) < 0)
				return -1;
			p = sync_push(s, have ? &theirs : NULL, &net);
			if (p == 0)
				return 0;
			if (p == 1) {
				if (++refused > 20)
					return aie_fail(EX_TEMP, "the remote "
					    "kept moving; try again later");
				continue;
			}
		}
		if (!net)
			return -1;
		if (attempt >= s->o->nbackoff || nap(s, s->o->backoff[attempt]) < 0) {
			char why[sizeof aie_errmsg];   /* not aie_fail's own buffer */
			snprintf(why, sizeof why, "%s", aie_errmsg);
			return aie_fail(EX_TEMP, "%s (after %zu attempt%s); local "
			    "commits kept for the next cycle", why,
			    attempt + 1, attempt ? "s" : "");
		}
		attempt++;
	}
}

/* .git/index's identity: a file renamed into place on each write, so
 * inode, size and change time move with every writer. */
static int index_stat(struct sync *s, struct stat *st)
{
	char path[4200];

	snprintf(path, sizeof path, "%sindex", git_repository_path(s->repo));
	return stat(path, st);
}

/* May this cycle stage only the paths --watch saw change? Only when the
 * last cycle succeeded (else what it left undone is unknown) and no one
 * else has written .git/index since it ended: a file staged by hand
 * outside the list would otherwise be committed without the secret
 * guard having seen it. */
static int scoped(struct sync *s, git_strarray *only)
{
	struct stat st;

	if (!s->o->paths || !s->o->npaths || !s->last_ok ||
	    index_stat(s, &st) < 0 ||
	    st.st_ino != s->index_st.st_ino ||
	    st.st_dev != s->index_st.st_dev ||
	    st.st_size != s->index_st.st_size ||
	    st.st_ctim.tv_sec != s->index_st.st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != s->index_st.st_ctim.tv_nsec ||
	    st.st_mtim.tv_sec != s->index_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != s->index_st.st_mtim.tv_nsec)
		return 0;
	only->strings = (char **)s->o->paths;
	only->count = s->o->npaths;
	s->r->scoped = 1;
	return 1;
}

static int cycle(struct sync *s)
{
	git_strarray only;
	git_index *idx = NULL;
	struct changes ch = { 0 };
	git_oid head;
	size_t i;
	int r = -1;

	if (sync_check_repo(s) < 0)
		return -1;
	/* --watch saw no change since a good cycle: nothing to stage, and
	 * the index (7-12 ms to read at 10,000 files) is not needed */
	if (!(s->o->tree_unchanged && s->last_ok)) {
		s->r->scanned = 1;
		if (sync_scan(s, scoped(s, &only) ? &only : NULL, &idx, &ch) < 0)
			goto out;
	}
	if (s->r->audited && !s->o->dry_run) {
		/* the audit lines of refused files go with this commit */
		char rel[32];
		today_log(rel);
		if (idx && faccessat(s->v->dirfd, rel, F_OK,
		    AT_SYMLINK_NOFOLLOW) == 0 && git_index_add_bypath(idx, rel) < 0) {
			aie_fail(EX_TEMP, "%s: stage: %s", rel, git_errstr());
			goto out;
		}
	}
	sync_describe(&ch, s->v->agent, s->r->message, sizeof s->r->message);
	s->r->remote = s->remote != NULL;
	if (s->o->dry_run) {
		for (i = 0; s->o->change && i < ch.n; i++)
			s->o->change(ch.v[i].kind == 'A' ? "add" :
			    ch.v[i].kind == 'D' ? "delete" :
			    ch.v[i].kind == 'R' ? "rename" : "modify",
			    ch.v[i].path, ch.v[i].from);
		r = 0;
		goto out;
	}
	/* nothing staged or unstaged: the index holds HEAD's tree already */
	if (idx && (ch.n || s->r->audited || s->r->refused) &&
	    commit_index(s, idx, s->r->message) < 0)
		goto out;
	cyclepack_end(s);
	/* written (or unchanged) by now. A fetch that brings objects, a
	 * merge, a checkout and a push need neither the index nor the trees
	 * the scan parsed: each lets go of them first, so that their memory
	 * does not add to its own (issue 25; see vault-sync(1), Memory); a
	 * cycle with nothing to exchange keeps the index for the next */
	if (s->remote && exchange(s) < 0)
		goto out;
	if (git_reference_name_to_id(&head, s->repo, "HEAD") == 0)
		git_oid_tostr(s->r->head, sizeof s->r->head, &head);
	if (repack_wanted(git_repository_path(s->repo), s->max_packs))
		s->repack_local = 1;
	r = write_last_sync(s);
	if (r == 0 && index_stat(s, &s->index_st) < 0)
		memset(&s->index_st, 0, sizeof s->index_st);
out:
	changes_free(&ch);
	cyclepack_end(s);
	/* a failed cycle or a dry run may leave staged entries in memory
	 * that are not on disk: the next cycle reads the index again */
	if ((r < 0 || s->o->dry_run) && sync_let_go(s) < 0 && r == 0)
		r = -1;
	return r;
}

int sync_cycle(struct sync *s, const struct sync_opts *o,
    struct sync_result *r)
{
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(r, 0, sizeof *r);
	s->o = o;
	s->r = r;
	if (sync_lock(s, 0) < 0) {
		s->last_ok = 0;
		return -1;
	}
	/* what a repack of an earlier --watch cycle did */
	repack_collect(s, 0, 0);
	repack_collect(s, 1, 0);
	rc = cycle(s);
	sync_unlock(s);
	if (!o->dry_run)
		repacks(s);
	s->last_ok = rc == 0 && !o->dry_run;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return rc;
}
