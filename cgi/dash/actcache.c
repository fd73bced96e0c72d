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
 * The file, .state/<agent>/ACTCACHE_FILE, is sealed (sealed.c): written
 * whole (a reader sees a whole old or a whole new file; either is right
 * for its keys), a damaged one is a miss, and failing to write it is no
 * error.
 *
 * File format:
 *   aie-activity-cache 1 <hex seal_sum of everything after this line>\n
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
	const char *p, *end;
	size_t blen;

	memset(ac, 0, sizeof *ac);
	if (!(p = seal_open(buf, len, ACTCACHE_MAGIC, &blen, NULL)))
		return -1;
	end = p + blen;
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
	char *buf;
	size_t len;

	memset(ac, 0, sizeof *ac);
	if (sodium_init() < 0 || seal_read(v, ACTCACHE_FILE, &buf, &len) < 0)
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
	struct buf out = { 0 };
	int i;

	if (!ac->dirty)
		return;
	seal_start(&out, ACTCACHE_MAGIC);
	for (i = 0; i < ac->n; i++)
		buf_addf(&out, "%llu %llu %llu %ld %s\n", ac->d[i].dev,
		    ac->d[i].ino, ac->d[i].off, ac->d[i].n, ac->d[i].rel);
	/* a failed write is only a miss */
	(void)seal_write(v, ACTCACHE_FILE, ACTCACHE_MAGIC, &out, NULL);
	buf_free(&out);
	ac->dirty = 0;
}
