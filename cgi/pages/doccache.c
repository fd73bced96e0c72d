/*
 * doccache.c - a rendered document's HTML kept (see pages.h and
 * ai-employee-dashboard(1), "Reading the vault"), so that a page read
 * again neither parses its Markdown nor loads libmd4c.
 *
 * Where: .state/<agent>/pages/NN.cache, DOCCACHE_SLOTS files at most; a
 * document's slot is a hash of its vault path, so two documents of one
 * slot take turns (the bound is the number of files, each the HTML of
 * one document of at most MD_HTML_MAX bytes of Markdown).
 *
 * The key, every byte of which must match: the program (VERSION and the
 * device, inode and mtime of the running executable, so a rebuilt
 * pages.cgi renders again), the document's path and the stat() of its
 * file taken before it was read (device, inode, size, mtime in ns). A
 * render is stored only when the file's mtime is DOCCACHE_SETTLE seconds
 * older than the moment the render started: an edit made after that
 * moment gets a newer mtime, so two edits within one clock tick cannot
 * leave a stale render under an unchanged key (as statcache.c argues).
 *
 * Only the Markdown's HTML is kept; the front matter is read each time.
 * What the HTML depends on beyond the file: its relative links are
 * lexical (pages_url looks at no file), but a [[wikilink]] links only
 * when its note is in the vault, so a render that looked a wikilink up
 * is never stored: such a page is rendered every time.
 *
 * File format:
 *   aie-page-cache 1 <hex statcache_sum of everything after this line>\n
 *   <program>\n<dev> <ino> <size> <mtime s> <mtime ns> <path>\n<html>
 * Anything else (damaged, cut, another program's or file's) is a miss,
 * and the next render rewrites it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "vault/vault.h"
#include "pages/pages.h"

#define DOCCACHE_MAGIC "aie-page-cache 1 "
#define DOCCACHE_SETTLE 2        /* seconds; see the top comment */

int doccache_prog(char *out, size_t size)
{
	struct stat st;

	/* the executable itself: a rebuild of the same VERSION renders anew */
	if (stat("/proc/self/exe", &st) < 0)
		return aie_fail_errno(EX_TEMP, "/proc/self/exe");
	if ((size_t)snprintf(out, size, "%s %llu %llu %lld %ld", VERSION,
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec) >= size)
		return aie_fail(EX_DATA, "the program's key is too long");
	return 0;
}

/* The key lines (program, stat and path) into b. */
static void key_lines(struct buf *b, const char *prog, const char *rel,
    const struct stat *st)
{
	buf_addf(b, "%s\n%llu %llu %lld %lld %ld %s\n", prog,
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
	    (long long)st->st_size, (long long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec, rel);
}

/* The cache file of rel under the vault: "" when it cannot be named. */
static void slot_rel(struct vault *v, const char *rel, char *out, size_t size)
{
	unsigned char h[STATCACHE_DIGEST];

	statcache_sum(rel, strlen(rel), h);
	if ((size_t)snprintf(out, size, ".state/%s/pages/%02u.cache", v->agent,
	    (unsigned)(h[0] % DOCCACHE_SLOTS)) >= size)
		*out = '\0';
}

const char *doccache_parse(const char *buf, size_t len, const char *prog,
    const char *rel, const struct stat *st, size_t *hlen)
{
	unsigned char h[STATCACHE_DIGEST];
	char hex[2 * STATCACHE_DIGEST + 1];
	size_t m = sizeof DOCCACHE_MAGIC - 1, top = m + sizeof hex;
	struct buf key = { 0 };
	const char *html = NULL;

	if (len < top || memcmp(buf, DOCCACHE_MAGIC, m) || buf[top - 1] != '\n')
		return NULL;
	statcache_sum(buf + top, len - top, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	if (memcmp(buf + m, hex, sizeof hex - 1))
		return NULL;
	key_lines(&key, prog, rel, st);
	if (!key.oom && len - top >= key.len &&
	    !memcmp(buf + top, key.p, key.len)) {
		html = buf + top + key.len;
		*hlen = len - top - key.len;
	}
	buf_free(&key);
	return html;
}

int doccache_get(struct vault *v, const char *prog, const char *rel,
    const struct stat *st, struct buf *b)
{
	char path[256], *buf;
	const char *html;
	size_t len, hlen;

	slot_rel(v, rel, path, sizeof path);
	if (!*path || file_readat(v->dirfd, path, &buf, &len) < 0)
		return 0;
	if ((html = doccache_parse(buf, len, prog, rel, st, &hlen)))
		buf_add(b, html, hlen);
	free(buf);
	return html != NULL;
}

int doccache_put(struct vault *v, const char *prog, const char *rel,
    const struct stat *st, const struct timespec *t0, const char *html,
    size_t len)
{
	unsigned char h[STATCACHE_DIGEST];
	char hex[2 * STATCACHE_DIGEST + 1], path[256], dir[256];
	struct buf body = { 0 }, out = { 0 };
	int r;

	if (st->st_mtim.tv_sec > t0->tv_sec - DOCCACHE_SETTLE ||
	    (st->st_mtim.tv_sec == t0->tv_sec - DOCCACHE_SETTLE &&
	    st->st_mtim.tv_nsec >= t0->tv_nsec))
		return 0;        /* too fresh to be keyed by its mtime */
	slot_rel(v, rel, path, sizeof path);
	if (!*path)
		return aie_fail(EX_DATA, "%s: no cache file for it", rel);
	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	if ((size_t)snprintf(dir + strlen(dir), sizeof dir - strlen(dir),
	    "/pages") >= sizeof dir - strlen(dir))
		return aie_fail(EX_DATA, "state path too long");
	if (mkdirat(v->dirfd, dir, 0700) < 0 && errno != EEXIST)
		return aie_fail_errno(EX_TEMP, "%s", dir);
	key_lines(&body, prog, rel, st);
	buf_add(&body, html, len);
	statcache_sum(body.p ? body.p : "", body.len, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	buf_adds(&out, DOCCACHE_MAGIC);
	buf_adds(&out, hex);
	buf_addc(&out, '\n');
	buf_add(&out, body.p, body.len);
	buf_free(&body);
	if (out.oom) {
		buf_free(&out);
		return aie_fail(EX_TEMP, "%s: out of memory", path);
	}
	r = file_writeat(v->dirfd, path, out.p, out.len, 0600);
	buf_free(&out);
	return r;
}
