/*
 * keyed.c - a record of lines found by their first word (a wamid, a
 * sender's wa_id), kept as WA_KEYED_FILES small files
 * .state/<agent>/<name>.d/<xx>, xx the key's hash: a lookup reads the one
 * file its key hashes to, so the webhook's cost per message does not grow
 * with the messages seen (a single file read whole was 0.1 ms a request
 * per 1,000 senders). The caller holds the lock that orders the writers
 * (wa.lock); lines are appended in one write each, so a crash leaves a
 * line whole or not at all. The last file read is kept in memory and kept
 * up to date by the writes here (no other process writes while the lock
 * is held), so the check and the record of one message read it once. See
 * wa-webhook(1), FILES.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"
#include "wa/wa.h"

/* FNV-1a: the keys come from payloads signed by Meta, and a skewed
 * spread would cost time, never correctness. */
static unsigned bucket(const char *key, size_t n)
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h % WA_KEYED_FILES;
}

static void bucket_name(const char *key, char name[3])
{
	snprintf(name, 3, "%02x", bucket(key, strcspn(key, " \n")));
}

/* The lines of the single file of earlier versions (.state/<agent>/<name>)
 * into their buckets, then the file removed: once, at the first open. */
static int split_old(struct wa_keyed *k, int statefd, const char *name)
{
	char *all, *p, *nl, b[3];
	size_t len;

	if (faccessat(statefd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (file_readat(statefd, name, &all, &len) < 0)
		return -1;
	for (p = all; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;                   /* a torn last line: dropped */
		bucket_name(p, b);
		if (nl > p && file_appendat(k->dirfd, b, p,
		    (size_t)(nl - p + 1)) < 0) {
			free(all);
			return -1;
		}
	}
	free(all);
	if (unlinkat(statefd, name, 0) < 0 && errno != ENOENT)
		return aie_fail_errno(EX_TEMP, "%s/%s", k->rel, name);
	return 0;
}

int wa_keyed_open(struct wa_keyed *k, int statefd, const char *staterel,
    const char *name)
{
	char sub[80];

	memset(k, 0, sizeof *k);
	k->dirfd = -1;
	snprintf(k->rel, sizeof k->rel, "%s/%s.d", staterel, name);
	snprintf(sub, sizeof sub, "%s.d", name);
	/* made once: most deliveries find it */
	if ((k->dirfd = openat(statefd, sub, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0 && errno == ENOENT) {
		if (mkdirat(statefd, sub, 0700) < 0 && errno != EEXIST)
			return aie_fail_errno(EX_TEMP, "%s", k->rel);
		k->dirfd = openat(statefd, sub, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	}
	if (k->dirfd < 0)
		return aie_fail_errno(errno == ELOOP ? EX_DATA : EX_TEMP, "%s",
		    k->rel);
	if (split_old(k, statefd, name) < 0) {
		wa_keyed_close(k);
		return -1;
	}
	return 0;
}

void wa_keyed_close(struct wa_keyed *k)
{
	if (k->dirfd >= 0)
		close(k->dirfd);
	k->dirfd = -1;
	buf_free(&k->cache);
	k->cached[0] = '\0';
}

/* The copy in memory of file b now holds buf (len bytes), or is dropped
 * when memory runs out (the next read goes to the file). */
static void cache_set(struct wa_keyed *k, const char b[3], const char *buf,
    size_t len, int append)
{
	if (!append || strcmp(k->cached, b)) {
		if (append)
			return;                  /* not the file kept */
		k->cache.len = 0;
		if (k->cache.p)
			k->cache.p[0] = '\0';
		memcpy(k->cached, b, 3);
	}
	buf_add(&k->cache, buf, len);
	if (k->cache.oom) {
		buf_free(&k->cache);
		k->cached[0] = '\0';
	}
}

int wa_keyed_read(struct wa_keyed *k, const char *key, char **buf,
    size_t *len)
{
	char b[3];

	bucket_name(key, b);
	*buf = NULL;
	*len = 0;
	if (*k->cached && !strcmp(k->cached, b)) {
		if (!(*buf = malloc(k->cache.len + 1)))
			return aie_fail_errno(EX_TEMP, "%s", k->rel);
		memcpy(*buf, k->cache.len ? k->cache.p : "", k->cache.len);
		(*buf)[k->cache.len] = '\0';
		*len = k->cache.len;
		return 0;
	}
	if (file_readat(k->dirfd, b, buf, len) < 0) {
		if (aie_errcode != EX_NEG)
			return aie_fail(aie_errcode, "%s/%s", k->rel, aie_errmsg);
		/* none yet */
	}
	cache_set(k, b, *buf ? *buf : "", *len, 0);
	return 0;
}

int wa_keyed_append(struct wa_keyed *k, const char *line, size_t len)
{
	char b[3];

	bucket_name(line, b);
	if (file_appendat(k->dirfd, b, line, len) < 0) {
		k->cached[0] = '\0';            /* a short write cut off, or not */
		return aie_fail(aie_errcode, "%s/%s", k->rel, aie_errmsg);
	}
	cache_set(k, b, line, len, 1);
	return 0;
}

int wa_keyed_rewrite(struct wa_keyed *k, const char *key, const char *buf,
    size_t len)
{
	char b[3];

	bucket_name(key, b);
	if (file_writeat(k->dirfd, b, buf, len, 0600) < 0) {
		k->cached[0] = '\0';
		return aie_fail(aie_errcode, "%s/%s", k->rel, aie_errmsg);
	}
	cache_set(k, b, buf, len, 0);
	return 0;
}
