/*
 * internal.h - what the files of lib/sync/ share and nothing else sees.
 */
#ifndef AIE_SYNC_INTERNAL_H
#define AIE_SYNC_INTERNAL_H

#include <sys/stat.h>
#include <sys/types.h>
#include <stdint.h>
#include <git2.h>
#include "sync/sync.h"

struct sync_seen;
/* A repack running apart (repack_start, below). */
struct repack_job {
	pid_t pid;               /* 0: none running */
	int fd;                  /* the report's pipe */
	char gitdir[4096];
};
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
	int repack_local, repack_remote; /* this cycle found too many packs */
	struct repack_job jobs[2];       /* the local and the remote's repack */
	git_odb_backend *mem;            /* the odb's in-memory backend,
	                                  * which takes new objects
	                                  * (cyclepack.c); NULL: none */
	git_odb *disk;                   /* then: the odb of before */
	size_t memsize;                  /* what was staged into it */
	git_oid *memids;                 /* its blobs, as staged */
	size_t nmemids, capmemids;
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
	long peak_kb;            /* the repacking process's peak RSS (kB) */
};

/* Packs in the objects directory of the repository at gitdir (.git/ or
 * a bare repository): -1 when it cannot be read. */
int repack_count(const char *gitdir);

/* Is a repack due: more than max packs (max 0: never), or more than
 * about 1,000 loose objects (four object folders of 256 sampled)? */
int repack_wanted(const char *gitdir, int max);

/*
 * When the repository holds more than max packs (max 0: never), or more
 * loose objects than repack_wanted allows, write one
 * pack holding the objects of every pack but the largest and the loose
 * objects (or, once those outweigh half of the largest, of every pack),
 * fsync it, then remove what it replaces. Nothing reachable or not is
 * dropped: every object of a replaced pack is in the new one. The caller
 * holds the lock that keeps other writers of this repository out.
 * 0 (rr->packs_before == rr->packs_after when nothing was needed) or -1
 * (75) with aie_errmsg; on failure nothing is removed.
 */
int repack_maybe(git_repository *repo, int max, struct repack_result *rr);

/* repackname.c: the objects among ids (n of them) that a tree of one of
 * their commits reaches through the others, inserted into pb under their
 * paths, so that the delta search pairs versions of one file or folder.
 * 0 or -1 with aie_errmsg. */
int repack_insert_named(git_packbuilder *pb, git_repository *repo,
    const git_oid *ids, size_t n);

/*
 * repack_maybe of the repository at gitdir, in a child process of its
 * own, started by repack_start and collected by repack_finish. Apart so
 * that a repack never holds up a cycle: the child keeps none of the
 * parent's descriptors, so neither the sync lock nor a path remote's
 * push lock; it takes gitdir/vault-sync-repack.lock (without waiting:
 * held, it does nothing), which keeps two repacks of one repository
 * apart. Writers need no lock against it: it removes only packs and
 * loose objects whose every object is in the pack it wrote and fsynced
 * first, as git gc --auto does in the background. Apart also because a
 * full repack holds tens of MB (libgit2 keeps a delta-base cache of up
 * to 16 MB per open pack), which a daemon would otherwise keep as its
 * high-water mark. The parent renews its view of the packs afterwards.
 */
int repack_start(const char *gitdir, int max, struct repack_job *j);

/* 1 still running (wait 0), 0 done (rr says what it did; nothing when
 * none was started), -1 failed (aie_errmsg). */
int repack_finish(struct repack_job *j, int wait, struct repack_result *rr);

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
/* Stage what changed in the work tree: at the paths of only (those
 * --watch saw), else wherever sync_unchanged finds them, else anywhere.
 * *idx: the index staged into (s->idx), NULL when it was not needed. */
int sync_scan(struct sync *s, const git_strarray *only, git_index **idx,
    struct changes *ch);
/* What may have changed since the last commit, from .git/index and the
 * files' stat data alone (unchanged.c): 1 nothing; 0 nothing but at the
 * paths of *p (a directory stands for what is below it; freed with
 * sync_paths_free); -1 unknown: examine the whole work tree. stale_tree:
 * the index's cache tree was not valid, so the answer could not be had. */
struct sync_paths {
	char **v;
	size_t n, cap;
	int stale_tree;
};
int sync_unchanged(struct sync *s, struct sync_paths *p);
void sync_paths_free(struct sync_paths *p);

/* .git/index mapped and read in place (indexmap.c): each entry's offset,
 * in the index's order (by path, bytewise, as git sorts it). */
struct index_map {
	const unsigned char *p;
	size_t size;
	uint32_t *off;
	size_t n;
	size_t ext;                     /* where the extensions begin */
	struct timespec mtime;          /* of the index file */
};
/* Map the file at path: 0, or -1 (nothing held). */
int index_map_open(struct index_map *m, const char *path);
void index_map_close(struct index_map *m);
/* Find and check the entries of m->p[0..m->size): 0, or -1 when the
 * index is not one this reader takes (m->off may be set either way). */
int index_parse(struct index_map *m);
/* The tree the parsed index's cache tree names, when valid: 0, else -1. */
int index_tree(const struct index_map *m, git_oid *tree);

static inline uint32_t index_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline unsigned index_be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | (unsigned)p[1];
}

static inline const unsigned char *index_entry(const struct index_map *m,
    size_t i)
{
	return m->p + m->off[i];
}

/* An entry's path: after 62 bytes, or 64 with the extended flags. */
static inline const char *index_path(const struct index_map *m, size_t i)
{
	const unsigned char *e = index_entry(m, i);

	return (const char *)e + (index_be16(e + 60) & 0x4000 ? 64 : 62);
}
void sync_describe(const struct changes *ch, const char *agent, char *buf,
    size_t size);
void changes_free(struct changes *ch);
void sync_seen_free(struct sync *s);
void sync_seen_load(struct sync *s);
/* The item ID of a path "<stage folder>/.../ID.md" (not a conflict
 * copy), its length in *len; else NULL. */
const char *sync_item_id(const char *path, size_t *len);
int sync_integrate(struct sync *s, const git_oid *theirs);
/* The merge of sides that changed different files, without an index
 * (mergefast.c): 1 with the merged tree written, 0 when merge.c's
 * three-way merge must settle it, -1 with the reason told. */
int sync_merge_disjoint(struct sync *s, git_tree *base, git_tree *ours,
    git_tree *theirs, git_oid *tree);
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
/* The push to a path remote whose push lock the caller holds, bare being
 * that remote and expect its branch ref's tip (NULL: none): 0 pushed, 1
 * refused (not a fast-forward, or the ref moved), -1 failed. */
int sync_push_local(struct sync *s, git_repository *bare, const char *ref,
    const git_oid *expect);
/* The fetch from a path remote (fetchlocal.c): the branch's objects we
 * lack copied as one pack, the remote-tracking ref moved to its tip.
 * 0 (*have: the remote has the branch, *theirs its tip), or -1 with
 * *net set when the remote could not be read. */
int sync_fetch_local(struct sync *s, git_oid *theirs, int *have, int *net);

/* A growable list of object IDs. */
struct oidlist {
	git_oid *v;
	size_t n, cap;
};

/* One pack of the objects of some commits that the repository "to" lacks,
 * built from the repository "from" (packcopy.c): the push to a path
 * remote and the fetch from one. what ("push", "fetch") begins each
 * error message. */
struct packcopy {
	const char *what;
	git_repository *from;
	git_odb *to;             /* to leave out what it has */
	int own_to;              /* to is ours to free */
	struct oidlist lacks;    /* what it lacks (one may be told twice) */
};
int packcopy_open(struct packcopy *c, const char *what, git_repository *from,
    git_repository *to);
/* The same with the odb "to", which the caller keeps until
 * packcopy_close (the pack is still written by packcopy_write into a
 * repository's objects/pack). */
int packcopy_open_odb(struct packcopy *c, const char *what,
    git_repository *from, git_odb *to);
void packcopy_close(struct packcopy *c);
/* Every object of the commits from tip back to (not including) what the
 * hide commits reach (each must be in "from"), parents first. */
int packcopy_commits(struct packcopy *c, const git_oid *tip,
    const git_oid *hide, size_t nhide);
/* One object, unless the other side has it. */
int packcopy_add(struct packcopy *c, const git_oid *id);
size_t packcopy_count(const struct packcopy *c);
/* The pack written into to's objects/pack, it and its index fsynced. */
int packcopy_write(struct packcopy *c, git_repository *to);
/* The objects of c, by linking into to's objects/pack the few small
 * packs of "from" that hold them and "to" lacks, and writing what they
 * do not hold as a pack (packlink.c): 1 done, 0 not so (c is then
 * written as a pack), -1 failed with the reason told (c, then only what
 * the linked packs do not hold, may be written yet). */
int packlink(struct packcopy *c, git_repository *from, git_repository *to);
/* A pack of the objects ids (read from odb; one told twice is written
 * once), each stored uncompressed, and its index, written into packdir
 * and fsynced with it (packwrite.c); name: the pack's checksum, in hex. */
int packwrite(git_odb *odb, const git_oid *ids, size_t nids,
    const char *packdir, char name[GIT_OID_HEXSZ + 1]);

/* The objects a cycle writes held in memory (cyclepack.c): from
 * cyclepack_begin, the repository's odb has them; cyclepack_write writes
 * those of commit (parents: its parents, all of them on disk) as one
 * pack into objects/pack, fsynced; cyclepack_end drops the rest. Each is
 * 0 or -1 with the reason told, and a no-op in a repository with
 * alternates. */
int cyclepack_begin(struct sync *s);
int cyclepack_write(struct sync *s, const git_oid *commit,
    const git_oid *parents, size_t nparents);
void cyclepack_end(struct sync *s);
/* Before a file of size bytes is staged: when it, or all the cycle
 * stages, would hold too much in memory, what was staged is written as a
 * pack and the odb of before is back (the rest goes loose). */
int cyclepack_room(struct sync *s, off_t size);
/* After a file is staged: its blob, id, is held in memory. */
int cyclepack_staged(struct sync *s, const git_oid *id);
int sync_find_item(git_repository *repo, git_tree *tree, const char *id,
    size_t idlen, const char *const *skip, git_oid *oid, char *path,
    size_t pathsize);

#endif
