/*
 * statcache.h - the dashboard's cache of the counts and the pending list
 * (status_core's text), kept in one file of the vault's .state/<agent>/
 * and keyed by the stat() of every directory and pending file it was read
 * from. See statcache.c for why it is never stale.
 */
#ifndef AIE_STATCACHE_H
#define AIE_STATCACHE_H

#include <stddef.h>

#include "aie.h"
#include "status.h"

#define STATCACHE_FILE "dashboard-status.cache"   /* in .state/<agent>/ */

enum statcache_result { SC_OFF, SC_HIT, SC_MISS };

#define STATCACHE_DIGEST 16      /* bytes */
#define STATCACHE_MAGIC "aie-status-cache 5 "   /* and the hex checksum */

/* status_core's text into *text (malloc'd, NUL-terminated): from the
 * cache file .state/<agent>/STATCACHE_FILE when every key in it stats the
 * same now, else from a walk of the vault (Done months unchanged since the
 * file was written keep the counts the file has for them), after
 * which the cache file is rewritten (atomically) if the walk's keys can
 * be trusted. use == 0: no cache at all, the walk every time. digest: a
 * statcache_sum that differs whenever the text differs (the file's
 * checksum on a hit), for an ETag. *how says which happened. A cache
 * file that is missing, truncated, corrupt or of another version is a
 * miss; failing to write it is not an error. 0, or -1 with aie_errmsg. */
int statcache_get(struct vault *v, int use, char **text, size_t *len,
    unsigned char digest[STATCACHE_DIGEST], enum statcache_result *how);

/* The cache file's checksum of n bytes: a 128-bit hash of two lanes of
 * 64-bit multiply-xorshift, each lane's step a bijection of its state, so
 * a change of one word always changes the sum. It finds damage, not an
 * adversary (whoever can write .state can write the vault), and is about
 * eight times quicker than BLAKE2b-256 here: a hit sums the whole file. */
void statcache_sum(const void *data, size_t n,
    unsigned char out[STATCACHE_DIGEST]);

/* Parse a cache file's bytes: the payload (pointing into buf) when the
 * file is well-formed and its checksum holds, and every key stats the same
 * under dirfd, the checksum then in digest (unless NULL); else NULL. With
 * memo, the Done/<domain>/<month> directory keys of a file whose checksum
 * holds are appended to it (each with the count and stat the file has for
 * it) even when other keys changed. For tests and fuzzing as well. */
const char *statcache_parse(int dirfd, const char *buf, size_t len,
    size_t *plen, unsigned char digest[STATCACHE_DIGEST],
    struct statkeys *memo);

#endif
