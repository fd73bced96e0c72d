/*
 * internal.h - what the files of lib/sync/ share and nothing else sees.
 */
#ifndef AIE_SYNC_INTERNAL_H
#define AIE_SYNC_INTERNAL_H

#include <sys/stat.h>
#include <git2.h>
#include "sync/sync.h"

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
	struct stat index_st;            /* .git/index as that cycle left it */
	git_index *idx;                  /* kept after a good cycle, NULL
	                                  * once let go (sync_let_go) */
	const struct sync_opts *o;
	struct sync_result *r;
	struct sync_seen *seen;          /* refusals already reported */
	size_t nseen;
	struct sync_note *notes;         /* told once the merge is checked out */
	size_t nnotes;
	int logged;                      /* audit lines written by a merge */
};

/* sync_open and sync_close on a struct the caller holds. */
int sync_init(struct sync *s, struct vault *v);
void sync_fini(struct sync *s);
/* Let go of everything the repository holds, the kept index too: before
 * the steps whose memory would add to it (a fetch that brings objects,
 * a merge or fast-forward, a push). */
int sync_let_go(struct sync *s);

int git_signature_for(git_signature **sig, const char *agent);

/* Transfer state shared by the remote callbacks: credentials tried once
 * each, a push refused by the server, progress told when asked. */
struct git_xfer {
	sync_progress_fn progress;     /* may be NULL */
	int cred_tries;
	int rejected;            /* a ref update was refused by the remote */
	char rejmsg[256];
};
void git_xfer_callbacks(git_remote_callbacks *cb, struct git_xfer *x);

/* Open the repository of a vault (the vault root is the work tree). */
int git_open(git_repository **repo, const char *root);

/* The branch HEAD points to ("master", "main", ...); -1 when HEAD is
 * detached or not a branch. */
int git_head_branch(git_repository *repo, char *buf, size_t size);

/* Give repo a new object database. libgit2 1.5 keeps every pack an odb
 * ever opened (a refresh only adds; a repack's replaced packs stay), each
 * with its mapped windows, descriptor and delta-base cache (up to 16 MB),
 * until the odb is freed: a long-running process renews it to bound what
 * it holds. */
int git_odb_renew(git_repository *repo);

/* Let go of all repo caches: its index (about 200 bytes a file in libgit2
 * 1.5, with its hash map), its parsed objects, its object database (the
 * packs, their mapped windows and delta-base caches), its config and
 * references. Each is read again when next used: cheaper than holding
 * them through a cycle's other steps or between cycles (issue 25). */
int git_let_go(git_repository *repo);

/* Between the cycles of a long-running process: let go of what grows
 * with the work a cycle did (parsed objects, the object database with
 * its packs and mapped windows, attribute files) and keep what is
 * cheap and read every cycle: the config, the references' database and
 * the index keep (when not NULL, held by the caller; about 200 bytes a
 * file, see vault-sync(1), Memory). */
int git_let_go_caches(git_repository *repo, git_index *keep);


/*
 * repack.h - keep a repository's pack count bounded (vault-sync): every
 * fetch or push over a path remote leaves one more pack, and libgit2
 * never collects them. A repack writes one new pack with git_packbuilder
 * and removes the packs (and loose objects) it replaces only once the new
 * pack and its index are on disk and fsynced.
 */
struct repack_result {
	int packs_before, packs_after;
	int loose;               /* loose objects packed and removed */
	size_t objects;          /* objects in the new pack */
	int full;                /* every pack rewritten, not only the small */
};

/* Packs in the objects directory of the repository at gitdir (.git/ or
 * a bare repository): -1 when it cannot be read. */
int repack_count(const char *gitdir);

/*
 * When the repository holds more than max packs (max 0: never), write one
 * pack holding the objects of every pack but the largest and the loose
 * objects (or, once those outweigh half of the largest, of every pack),
 * fsync it, then remove what it replaces. Nothing reachable or not is
 * dropped: every object of a replaced pack is in the new one. The caller
 * holds the lock that keeps other writers of this repository out.
 * 0 (rr->packs_before == rr->packs_after when nothing was needed) or -1
 * (75) with aie_errmsg; on failure nothing is removed.
 */
int repack_maybe(git_repository *repo, int max, struct repack_result *rr);

/*
 * repack_maybe of the repository at gitdir, in a child process of its
 * own: a full repack holds tens of MB (libgit2 keeps a delta-base cache
 * of up to 16 MB per open pack, and the index of the new pack), which a
 * daemon would otherwise keep as its high-water mark for good. The
 * caller then renews its own repository's view of the packs.
 */
int repack_apart(const char *gitdir, int max, struct repack_result *rr);

/* --- internal to lib/sync/ */
struct change {
	char kind;               /* 'A' 'M' 'D' 'R' */
	char *path, *from;       /* from: a rename's old path */
};
struct changes {
	struct change *v;
	size_t n, cap;
};
int sync_stage(struct sync *s, git_index *idx, const git_strarray *only,
    struct changes *ch);
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
