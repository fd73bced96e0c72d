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
 * The key, every byte of which must match: the program (seal_prog:
 * VERSION and the device, inode and mtime of the running executable, so
 * a rebuilt pages.cgi renders again), the document's path and the stat()
 * of its file taken before it was read (device, inode, size, mtime in
 * ns). A render is stored only when the file's mtime is settled before
 * the moment the render started (seal_settled): an edit made after that
 * moment gets a newer mtime, so two edits within one clock tick cannot
 * leave a stale render under an unchanged key (see cgi/dash/sealed.c).
 *
 * Only the Markdown's HTML is kept; the front matter is read each time.
 * What the HTML depends on beyond the file: its relative links are
 * lexical (pages_url looks at no file), but a [[wikilink]] links only
 * when its note is in the vault, so a render that looked a wikilink up
 * is never stored: such a page is rendered every time.
 *
 * File format, sealed (cgi/dash/sealed.c):
 *   aie-page-cache 1 <hex seal_sum of everything after this line>\n
 *   <program>\n<dev> <ino> <size> <mtime s> <mtime ns> <path>\n<html>
 * Anything else (damaged, cut, another program's or file's) is a miss,
 * and the next render rewrites it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vault/vault.h"
#include "pages/pages.h"

#define DOCCACHE_MAGIC "aie-page-cache 1 "

/* The key lines (program, stat and path) into b. */
static void key_lines(struct buf *b, const char *prog, const char *rel,
    const struct stat *st)
{
	buf_addf(b, "%s\n%llu %llu %lld %lld %ld %s\n", prog,
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
	    (long long)st->st_size, (long long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec, rel);
}

/* The cache file of rel, in .state/<agent>/. */
static void slot_file(const char *rel, char *out, size_t size)
{
	unsigned char h[SEAL_DIGEST];

	seal_sum(rel, strlen(rel), h);
	snprintf(out, size, "pages/%02u.cache", (unsigned)(h[0] % DOCCACHE_SLOTS));
}

const char *doccache_parse(const char *buf, size_t len, const char *prog,
    const char *rel, const struct stat *st, size_t *hlen)
{
	struct buf key = { 0 };
	const char *body, *html = NULL;
	size_t blen;

	if (!(body = seal_open(buf, len, DOCCACHE_MAGIC, &blen, NULL)))
		return NULL;
	key_lines(&key, prog, rel, st);
	if (!key.oom && blen >= key.len && !memcmp(body, key.p, key.len)) {
		html = body + key.len;
		*hlen = blen - key.len;
	}
	buf_free(&key);
	return html;
}

int doccache_get(struct vault *v, const char *prog, const char *rel,
    const struct stat *st, struct buf *b)
{
	char file[32], *buf;
	const char *html;
	size_t len, hlen;

	slot_file(rel, file, sizeof file);
	if (seal_read(v, file, &buf, &len) < 0)
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
	char file[32];
	struct buf out = { 0 };
	int r;

	if (!seal_settled(st, t0))
		return 0;        /* too fresh to be keyed by its mtime */
	slot_file(rel, file, sizeof file);
	seal_start(&out, DOCCACHE_MAGIC);
	key_lines(&out, prog, rel, st);
	buf_add(&out, html, len);
	r = seal_write(v, file, DOCCACHE_MAGIC, &out, NULL);
	buf_free(&out);
	return r;
}
