/*
 * sync.h - the Git sync cycle of SPEC 5 (vault-sync) and the pushed claim
 * of vault-claim --push, on libgit2. The product never runs git(1).
 *
 * A cycle: take .state/<agent>/sync.lock (flock), stage every change but
 * what the secret guard refuses (SPEC 6) and, for agent cloud,
 * Dashboard.md; commit "<agent>: <what moved>"; fetch; integrate (a merge
 * whose conflicts are settled by the rules of SPEC 5, never by dropping a
 * side); push; a refused push fetches, integrates and pushes again. With
 * no remote the cycle only commits.
 */
#ifndef AIE_SYNC_H
#define AIE_SYNC_H

#include <signal.h>
#include <git2.h>

#include "aie.h"

struct sync_opts {
	int dry_run;             /* describe what would be committed, change nothing */
	int progress;            /* transfer progress on stderr */
	const double *backoff;   /* seconds to wait before each retry */
	size_t nbackoff;         /* retries after the first attempt */
	volatile sig_atomic_t *stop;   /* when set: no more retries or waits */
	/* --watch: inotify saw nothing in the work tree since the last cycle
	 * began; when that cycle succeeded, staging (a stat of every file)
	 * is skipped and the cycle only exchanges with the remote. */
	int tree_unchanged;
	/* Told about refused files, conflict copies, lost claims (may be NULL). */
	void (*warn)(const char *item, const char *msg);
	/* Dry run: each change that would be committed ("add", "modify",
	 * "delete", "rename", "refuse"), path (may be NULL). */
	void (*change)(const char *what, const char *path, const char *from);
};

struct sync_result {
	char commit[GIT_OID_HEXSZ + 1];  /* the commit made, "" for none */
	char message[512];               /* its message (or the would-be one) */
	char head[GIT_OID_HEXSZ + 1];    /* HEAD after the cycle */
	int staged, refused, audited, conflicts, claims_lost, attempts;
	int remote;                      /* a remote is configured */
	int fetched, fastforward, merged, pushed;
	int repacked;                    /* repositories repacked (0-2) */
	int scanned;                     /* the work tree was examined */
	double ms;                       /* the cycle's wall time */
};

struct sync_seen;
struct sync_note;
struct sync {
	struct vault *v;
	git_repository *repo;
	git_remote *remote;              /* NULL: single-agent mode */
	char remote_name[64];
	char remote_path[4096];          /* a path remote's directory, else "" */
	char branch[256];                /* from HEAD, each cycle */
	int lockfd;
	int max_packs;                   /* VAULT_SYNC_MAX_PACKS */
	int crashed;                     /* the last cycle was killed */
	int last_ok;                     /* this process's last cycle succeeded */
	const struct sync_opts *o;
	struct sync_result *r;
	struct sync_seen *seen;          /* refusals already reported */
	size_t nseen;
	struct sync_note *notes;         /* told once the merge is checked out */
	size_t nnotes;
	int logged;                      /* audit lines written by a merge */
};

/* Open the repository and look the remote up (once per process: libgit2
 * 1.5 leaks a little on each lookup). VAULT_SYNC_REMOTE names the remote,
 * default "origin". */
int sync_open(struct sync *s, struct vault *v);
void sync_close(struct sync *s);

/* One cycle. 0 when done (r says what happened); -1 with aie_errcode 75
 * when the lock is held or the remote stayed unreachable after the
 * retries (local commits are kept), 78 for configuration, else as set. */
int sync_cycle(struct sync *s, const struct sync_opts *o,
    struct sync_result *r);

/* "10,30,90" -> seconds; at most max values; "none" -> no retries.
 * 0 or -1 (65). */
int sync_backoff_parse(const char *spec, double *out, size_t max, size_t *n);

/*
 * Make a claim final before work starts (vault-claim --push, SPEC 5).
 * Call it right after the claim move: ref is the item at
 * In_Progress/<agent>/ID.md. It takes the sync lock (waiting up to 30 s),
 * commits only the claim (the rename from Needs_Action/<d>/ID.md as HEAD
 * has it, to ref->rel with the file's current content, claim keys
 * included), fetches, and pushes it (integrating the remote first when it
 * has moved on).
 *
 * Returns:
 *   0   the claim is on the remote (or no remote is configured: then the
 *       claim is final locally and committed);
 *   -1, aie_errcode 1   a race lost: the claim is final only when the
 *       tree pushed shows the item at In_Progress/<agent>/ID.md and
 *       nowhere else. When HEAD or the remote shows it anywhere else (or
 *       the remote lost it), the claim is given up HERE, by this
 *       function: the claim commit is undone (the branch back to its
 *       parent), the file is put back at Needs_Action/<d>/ID.md with
 *       exactly the content it had at HEAD (claim keys gone) when HEAD
 *       had it there, In_Progress/<agent>/ID.md is removed and an audit
 *       line "claim_lost" is written. When the merge with the remote
 *       kept it elsewhere (the remote changed it in Needs_Action), the
 *       merge has already given our copy up. aie_errmsg names where the
 *       item is. The caller only reports and exits 1.
 *   -1, aie_errcode 75  the remote is unreachable or the sync lock stayed
 *       busy: the claim stays committed locally (or, for the lock, still
 *       uncommitted) and the next vault-sync pushes it;
 *   -1, other codes     as aie_errmsg says (65 bad item, 78 no repo).
 */
int sync_push_claim(struct vault *v, const struct itemref *ref);

/* --- internal to lib/sync.c, lib/stage.c, lib/merge.c --- */
struct change {
	char kind;               /* 'A' 'M' 'D' 'R' */
	char *path, *from;       /* from: a rename's old path */
};
struct changes {
	struct change *v;
	size_t n, cap;
};
int sync_stage(struct sync *s, git_index *idx, struct changes *ch);
void sync_describe(const struct changes *ch, const char *agent, char *buf,
    size_t size);
void changes_free(struct changes *ch);
void sync_seen_free(struct sync *s);
void sync_seen_load(struct sync *s);
int sync_integrate(struct sync *s, const git_oid *theirs);
int sync_move_to(struct sync *s, const git_oid *commit, const git_oid *from);
void sync_warn(struct sync *s, const char *item, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sync_stamp(char buf[17]);
int sync_note_later(struct sync *s, const char *event, const char *id,
    const char *from, const char *to, const char *note);
void sync_notes_flush(struct sync *s, int tell);
int sync_lock(struct sync *s, double wait);
void sync_unlock(struct sync *s);
int sync_check_repo(struct sync *s);
int sync_fetch(struct sync *s, git_oid *theirs, int *have, int *net);
int sync_push(struct sync *s, const git_oid *expect, int *net);
int sync_find_item(git_repository *repo, git_tree *tree, const char *id,
    size_t idlen, const char *const *skip, git_oid *oid, char *path,
    size_t pathsize);

#endif
