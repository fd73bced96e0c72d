/*
 * actcache.c - the activity page's count cache (see dash.h): how many
 * lines each day's audit log (Logs/YYYY-MM-DD.jsonl, see vault(5)) holds,
 * so that a request counts only what was appended since the last one
 * instead of reading the whole day again.
 *
 * The log is only ever appended to (file_appendat; a new day is a new
 * file), so the bytes before a newline once read never change while the
 * file keeps its device and inode. An entry says: up to byte off, which
 * is just past a newline, file (dev, ino) holds n lines that count. It is
 * used when the file still has that device and inode, is at least off
 * bytes long and its byte off - 1 is still a newline; else the day is
 * counted from the start (a rotated, replaced or truncated file). No
 * timestamp is involved, so unlike the status cache (statcache.c) there
 * is nothing to let settle: an entry can only be written for bytes that
 * were read.
 *
 * Same file discipline as the status cache: .state/<agent>/
 * ACTCACHE_FILE, rewritten whole through file_writeat (a reader sees a
 * whole old or a whole new file; either is right for its keys), a
 * statcache_sum over it so that a damaged file is a miss, and failing to
 * write it is no error.
 *
 * File format:
 *   aie-activity-cache 1 <hex statcache_sum of everything after this line>\n
 *   <dev> <ino> <off> <n> <Logs/YYYY-MM-DD.jsonl>\n     (at most ACTCACHE_DAYS)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/base.h"
#include "dash/dash.h"

static void cache_rel(struct vault *v, char *rel, size_t size)
{
	if ((size_t)snprintf(rel, size, ".state/%s/%s", v->agent,
	    ACTCACHE_FILE) >= size)
		*rel = '\0';
}

/* One entry line "dev ino off n rel\n" at p into e; the next line, or NULL
 * when it is not one. */
static const char *entry_parse(const char *p, const char *end,
    struct actday *e)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	char line[160];
	int used = -1;

	if (!nl || (size_t)(nl - p) >= sizeof line)
		return NULL;
	memcpy(line, p, (size_t)(nl - p));
	line[nl - p] = '\0';
	if (sscanf(line, "%llu %llu %llu %ld %31s%n", &e->dev, &e->ino, &e->off,
	    &e->n, e->rel, &used) != 5 || used != nl - p || e->n < 0 ||
	    strncmp(e->rel, "Logs/", 5) || strstr(e->rel, ".."))
		return NULL;
	return nl + 1;
}

int actcache_parse(const char *buf, size_t len, struct actcache *ac)
{
	unsigned char want[STATCACHE_DIGEST], got[STATCACHE_DIGEST];
	size_t ml = strlen(ACTCACHE_MAGIC), hl = 2 * STATCACHE_DIGEST;
	const char *p, *end = buf + len;

	memset(ac, 0, sizeof *ac);
	if (len < ml + hl + 1 || memcmp(buf, ACTCACHE_MAGIC, ml) ||
	    buf[ml + hl] != '\n' || sodium_hex2bin(want, sizeof want, buf + ml,
	    hl, NULL, NULL, NULL) < 0)
		return -1;
	p = buf + ml + hl + 1;
	statcache_sum(p, (size_t)(end - p), got);
	if (sodium_memcmp(want, got, sizeof got) != 0)
		return -1;
	while (p && p < end && ac->n < ACTCACHE_DAYS &&
	    (p = entry_parse(p, end, &ac->d[ac->n])))
		ac->n++;
	if (p != end) {         /* a bad line: trust none of it */
		ac->n = 0;
		return -1;
	}
	return 0;
}

void actcache_load(struct vault *v, struct actcache *ac)
{
	char rel[256], *buf;
	size_t len;

	memset(ac, 0, sizeof *ac);
	cache_rel(v, rel, sizeof rel);
	if (!*rel || sodium_init() < 0 ||
	    file_readat(v->dirfd, rel, &buf, &len) < 0)
		return;
	(void)actcache_parse(buf, len, ac);
	free(buf);
}

/* The entry of rel, or NULL. */
static struct actday *entry_of(struct actcache *ac, const char *rel)
{
	int i;

	for (i = 0; i < ac->n; i++)
		if (!strcmp(ac->d[i].rel, rel))
			return &ac->d[i];
	return NULL;
}

long actcache_from(struct actcache *ac, const char *rel, int fd,
    const struct stat *st, off_t *off)
{
	struct actday *e = entry_of(ac, rel);
	char c;

	*off = 0;
	if (!e || e->dev != (unsigned long long)st->st_dev ||
	    e->ino != (unsigned long long)st->st_ino ||
	    (unsigned long long)st->st_size < e->off)
		return 0;
	if (e->off > 0 && (pread(fd, &c, 1, (off_t)(e->off - 1)) != 1 ||
	    c != '\n'))
		return 0;
	*off = (off_t)e->off;
	return e->n;
}

void actcache_put(struct actcache *ac, const char *rel, const struct stat *st,
    off_t off, long n)
{
	struct actday *e = entry_of(ac, rel);

	if (!e) {
		if (ac->n == ACTCACHE_DAYS) {   /* drop the first, the oldest used */
			memmove(ac->d, ac->d + 1, sizeof ac->d[0] *
			    (ACTCACHE_DAYS - 1));
			ac->n--;
		}
		e = &ac->d[ac->n++];
		snprintf(e->rel, sizeof e->rel, "%s", rel);
	} else if (e->dev == (unsigned long long)st->st_dev &&
	    e->ino == (unsigned long long)st->st_ino &&
	    e->off == (unsigned long long)off && e->n == n)
		return;
	e->dev = (unsigned long long)st->st_dev;
	e->ino = (unsigned long long)st->st_ino;
	e->off = (unsigned long long)off;
	e->n = n;
	ac->dirty = 1;
}

void actcache_save(struct vault *v, struct actcache *ac)
{
	unsigned char sum[STATCACHE_DIGEST];
	char hex[2 * STATCACHE_DIGEST + 1], rel[256], dir[128];
	struct buf body = { 0 }, out = { 0 };
	int i;

	cache_rel(v, rel, sizeof rel);
	if (!ac->dirty || !*rel || vault_statedir(v, dir, sizeof dir) < 0)
		return;
	for (i = 0; i < ac->n; i++)
		buf_addf(&body, "%llu %llu %llu %ld %s\n", ac->d[i].dev,
		    ac->d[i].ino, ac->d[i].off, ac->d[i].n, ac->d[i].rel);
	statcache_sum(body.p ? body.p : "", body.len, sum);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	buf_adds(&out, ACTCACHE_MAGIC);
	buf_adds(&out, hex);
	buf_adds(&out, "\n");
	buf_add(&out, body.p ? body.p : "", body.len);
	if (!body.oom && !out.oom)      /* a failed write is only a miss */
		(void)file_writeat(v->dirfd, rel, out.p, out.len, 0600);
	buf_free(&body);
	buf_free(&out);
	ac->dirty = 0;
}
