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

#define STATCACHE_FILE "dashboard-status.cache"   /* in .state/<agent>/ */

enum statcache_result { SC_OFF, SC_HIT, SC_MISS };

/* status_core's text into *text (malloc'd, NUL-terminated): from the
 * cache file .state/<agent>/STATCACHE_FILE when every key in it stats the
 * same now, else from a walk of the vault, after which the cache file is
 * rewritten (atomically) if the walk's keys can be trusted. use == 0: no
 * cache at all, the walk every time. *how says which happened. A cache
 * file that is missing, truncated, corrupt or of another version is a
 * miss; failing to write it is not an error. 0, or -1 with aie_errmsg. */
int statcache_get(struct vault *v, int use, char **text, size_t *len,
    enum statcache_result *how);

/* Parse a cache file's bytes: the payload (pointing into buf) when the
 * file is well-formed and its checksum holds, and every key stats the same
 * under dirfd; else NULL. For tests and fuzzing as well. */
const char *statcache_parse(int dirfd, const char *buf, size_t len,
    size_t *plen);

#endif
