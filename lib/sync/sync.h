/*
 * sync.h - the Git sync cycle of vault-sync(1) and the pushed claim of
 * vault-claim --push, on libgit2; the secret guard; the git wrapper the
 * tools share. The product never runs git(1).
 *
 * A cycle: take .state/<agent>/sync.lock (flock), stage every change but
 * what the secret guard refuses (see vault-sync(1), Secret guard) and, for agent cloud,
 * Dashboard.md; commit "<agent>: <what moved>"; fetch; integrate (a merge
 * whose conflicts are settled by the rules of vault-sync(1), never by dropping a
 * side); push; a refused push fetches, integrates and pushes again. With
 * no remote the cycle only commits.
 */
#ifndef AIE_SYNC_H
#define AIE_SYNC_H

#include <signal.h>
#include "vault/vault.h"

/* Transfer progress of a fetch, push or clone, for the tool to show (lib/
 * never prints): what is "objects" (received) or "pushing", done of total
 * objects, bytes so far; called with what NULL when the transfer ended. */
typedef void (*sync_progress_fn)(const char *what, unsigned done,
    unsigned total, size_t bytes);

struct sync_opts {
	int dry_run;             /* describe what would be committed, change nothing */
	sync_progress_fn progress;     /* transfer progress (may be NULL) */
	const double *backoff;   /* seconds to wait before each retry */
	size_t nbackoff;         /* retries after the first attempt */
	volatile sig_atomic_t *stop;   /* when set: no more retries or waits */
	/* --watch: inotify saw nothing in the work tree since the last cycle
	 * began; when that cycle succeeded, staging (a stat of every file)
	 * is skipped and the cycle only exchanges with the remote. */
	int tree_unchanged;
	/* --watch: the paths inotify saw change since the last cycle began,
	 * relative to the vault (a directory stands for everything below
	 * it). When that cycle succeeded and nothing else has written
	 * .git/index since, staging examines these paths only, so a cycle
	 * costs what the change costs, not what the vault holds. NULL:
	 * every file. */
	const char *const *paths;
	size_t npaths;
	/* --watch: a repack runs in the background and the cycle does not
	 * wait for it; a later cycle counts it in its result. Else the
	 * cycle waits for it, after releasing its locks. */
	int repack_later;
	/* --watch, --interval: more cycles follow in this process, which
	 * keeps the index between them (vault-sync(1), Memory) and so has
	 * it at hand for libgit2's status; a one-shot cycle first looks
	 * whether anything changed without reading it (unchanged.c). */
	int long_running;
	/* Told about refused files, conflict copies, lost claims (may be NULL). */
	void (*warn)(const char *item, const char *msg);
	/* Dry run: each change that would be committed ("add", "modify",
	 * "delete", "rename", "refuse"), path (may be NULL). */
	void (*change)(const char *what, const char *path, const char *from);
};

struct sync_result {
	char commit[40 + 1];  /* the commit made, "" for none */
	char message[512];               /* its message (or the would-be one) */
	char head[40 + 1];    /* HEAD after the cycle */
	int staged, refused, audited, conflicts, claims_lost, attempts;
	int remote;                      /* a remote is configured */
	int fetched, fastforward, merged, pushed;
	int repacked;                    /* repositories repacked (0-2) */
	long repack_kb;                  /* the highest peak RSS of the
	                                  * repacks collected (kB), or 0 */
	int scanned;                     /* the work tree was examined */
	int scoped;                      /* only at the paths --watch saw */
	double ms;                       /* the cycle's wall time */
};

struct sync;                     /* an open repository and remote (internal) */


/* Open the repository and look the remote up (once per process: libgit2
 * 1.5 leaks a little on each lookup). VAULT_SYNC_REMOTE names the remote,
 * default "origin". */
int sync_open(struct sync **s, struct vault *v);
void sync_close(struct sync *s);         /* and free it; NULL is fine */

/* Between the cycles of a long-running process: let go of everything the
 * repository caches (its index, parsed objects, object database with its
 * packs; libgit2 keeps every pack an odb ever opened) and hand freed heap
 * back to the system, so that what it holds between cycles does not grow
 * with the vault (see vault-sync(1), Memory). 0 or -1. */
int sync_forget(struct sync *s);

/* A path remote's directory (a bare repository on this machine), else
 * NULL: --watch watches its branch refs to fetch as soon as they move. */
const char *sync_remote_dir(const struct sync *s);

/* 1 when a path remote's branch is no longer the tip this process last
 * fetched or pushed (another agent pushed), else 0; read-only, no lock. */
int sync_remote_moved(struct sync *s);

/* One cycle. 0 when done (r says what happened); -1 with aie_errcode 75
 * when the lock is held or the remote stayed unreachable after the
 * retries (local commits are kept), 78 for configuration, else as set. */
int sync_cycle(struct sync *s, const struct sync_opts *o,
    struct sync_result *r);

/* "10,30,90" -> seconds; at most max values; "none" -> no retries.
 * 0 or -1 (65). */
int sync_backoff_parse(const char *spec, double *out, size_t max, size_t *n);

/*
 * Make a claim final before work starts (vault-claim --push, vault-sync(1)).
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

/* Read a .git/index held in buf[0..len) as a one-shot cycle reads the
 * repository's (indexmap.c; exposed for the fuzz harness): 0 with
 * *entries and the tree its cache tree names, 1 entries read but no valid
 * cache tree, -1 not an index that reader takes. Reads nothing past len. */
int sync_index_read(const unsigned char *buf, size_t len, size_t *entries,
    unsigned char tree[20]);

/*
 * secretscan.h - the secret guard (see vault(5), "The deny-list", and
 * vault-sync(1), "Secret guard"): paths that are never synced and contents
 * that look like a credential. The one list of rules: vault-sync's staging,
 * vault-sync --scan and, through it, the pre-commit hook all use it.
 */
/* The deny-list pattern a path falls under (matched, without regard to
 * case, against every component of it), or NULL. */
const char *secret_path_denied(const char *rel);

/* The deny-list itself, NULL-terminated, in the order vault(5) gives it:
 * what vault-init writes into .gitignore. */
const char *const *secret_deny_list(void);

/* The name of the first rule buf[0..len) matches, or NULL. Reads at most
 * len bytes; no allocation, no recursion. A caller that scans a long input
 * in windows overlaps them by SECRET_SCAN_OVERLAP bytes. */
const char *secret_scan(const char *buf, size_t len);
enum { SECRET_SCAN_OVERLAP = 1024 };

/* Scan what fd reads until its end: 1 with *rule set when a rule matched,
 * 0 clean, -1 on a read error (errno set). */
int secret_scan_fd(int fd, const char **rule);

/* Teach the scanner the approval key, so that its copies are found (the
 * 32 raw bytes, hex, base64); NULL forgets it. */
void secret_key_learn(const unsigned char key[32]);

/* Learn the approval key from where approve finds it: 1 learned, 0 there
 * is none here (agent cloud; aie_errmsg says why). */
int secret_key_learn_approval(void);

/*
 * git.h - the thin wrapper around libgit2 that the tools share.
 */
int git_start(void);

/* Postpone libgit2's parse of the CA bundle (call before git_start); it
 * happens in git_tls_load(url) when url is http(s). git_tls_load also
 * installs VAULT_SYNC_CA_FILE when set (deferred or not). 0 or -1 (78). */
void git_tls_defer(void);
int git_tls_load(const char *url);
const char *git_errstr(void);
int git_init_vault(const char *dir, const char *agent, const char *message);

/* Is url a path on this machine (a directory, or file://)? Then *path
 * gets the directory. */
int git_url_local(const char *url, char *path, size_t size);

/* Push HEAD's branch to remote name: add the remote, push the branch;
 * progress (may be NULL) is told how the push goes. */
int git_add_remote_push(const char *dir, const char *name, const char *url,
    sync_progress_fn progress);

/* Clone url into dir (which must not exist or be empty); progress (may be
 * NULL) is told how the transfer goes. */
int git_clone_vault(const char *url, const char *dir,
    sync_progress_fn progress);

/* Is the error of the last libgit2 call a network/transport failure? */
int git_err_network(int code);

#endif
