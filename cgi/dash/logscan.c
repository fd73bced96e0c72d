/*
 * logscan.c - the lines of one day's audit log (Logs/YYYY-MM-DD.jsonl,
 * see vault(5)) for the activity page (ui-activity.c, see dash.h): read
 * through two fixed buffers with pread, from any byte and up to any byte,
 * so that a request can count only an appended tail and find a page by
 * reading back from the end. A line is what ends at a newline (or the end
 * of the file); one longer than LOG_LINE_MAX or holding a NUL byte is
 * skipped, as is one that is not a JSON object (activity_match).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

#define CHUNK 65536             /* bytes a read */

/* One line read (NUL-terminated, its newline kept when it had one): fn
 * with its index among the matching ones when it matches f. A line with a
 * NUL byte is not text and does not count. 1 when it matched. */
static int one_line(const char *line, size_t len, const struct actfilter *f,
    long i, void (*fn)(void *ctx, long i, const char *line), void *ctx)
{
	if (memchr(line, '\0', len) || !activity_match(line, f->domain, f->agent))
		return 0;
	if (fn)
		fn(ctx, i, line);
	return 1;
}

/* Each line of the open day file fd (named rel) within s that matches f,
 * in the file's order: fn with its index among them (from 0). The count,
 * or -1 (aie_errmsg). */
long log_lines(int fd, const char *rel, const struct actfilter *f,
    struct logscan *s, void (*fn)(void *ctx, long i, const char *line), void *ctx)
{
	static char chunk[CHUNK], line[LOG_LINE_MAX];
	off_t pos = s->from, lstart = s->from;
	size_t ll = 0, seg;
	int toolong = 0, drop = 0;
	long n = 0;
	ssize_t got;
	const char *p, *e, *nl;

	if (s->align && pos > 0) {      /* the line start: after a newline */
		pos--;
		drop = 1;
	}
	s->whole_end = lstart;
	s->whole_n = 0;
	for (;;) {
		if (s->upto >= 0 && lstart >= s->upto && !drop && !ll && !toolong)
			break;
		if ((got = pread(fd, chunk, sizeof chunk, pos)) < 0) {
			if (errno == EINTR)
				continue;
			return aie_fail_errno(EX_TEMP, "%s", rel);
		}
		if (!got)
			break;
		for (p = chunk, e = chunk + got; p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			seg = (size_t)((nl ? nl : e) - p);
			if (!drop && !toolong) {
				if (ll + seg <= LOG_LINE_MAX - 2) {
					memcpy(line + ll, p, seg);
					ll += seg;
				} else
					toolong = 1;
			}
			if (!nl)
				break;
			if (!drop) {
				if (s->upto >= 0 && lstart >= s->upto)
					goto out;
				if (!toolong) {
					line[ll++] = '\n';
					line[ll] = '\0';
					n += one_line(line, ll, f, n, fn, ctx);
				}
			}
			drop = toolong = 0;
			ll = 0;
			lstart = pos + (nl + 1 - chunk);
			s->whole_end = lstart;
			s->whole_n = n;
		}
		pos += got;
	}
	/* the last line, with no newline yet */
	if (!drop && !toolong && ll && !(s->upto >= 0 && lstart >= s->upto)) {
		line[ll] = '\0';
		n += one_line(line, ll, f, n, fn, ctx);
	}
out:
	s->end = pos;
	return n;
}

