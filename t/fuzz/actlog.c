/*
 * actlog.c - fuzz the activity page's reading of a day's audit log
 * (cgi/dash/logscan.c), whose lines come from every agent through sync,
 * and the reader of its count cache (cgi/dash/actcache.c). The input is
 * the log file (put in a memfd). Properties, the ones /activity's
 * answers rest on: a reading from any byte with align gives exactly the
 * last lines of the whole reading; a reading from whole_end adds exactly
 * the lines after whole_n (the count cache); a reading up to whole_end
 * gives exactly whole_n lines; a filtered line is also an unfiltered one.
 * The same bytes, sealed with a correct first line half of the time, go
 * to actcache_parse: at most ACTCACHE_DAYS entries, each under Logs/.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "fuzz.h"
#include "fzseal.h"

#define KEEP 64                  /* lines compared, from the end */

struct lines {
	unsigned long h[KEEP];   /* a hash of each of the last KEEP lines */
	long n;
};

static void note(void *ctx, long i, const char *line)
{
	struct lines *l = ctx;
	unsigned long h = 5381;

	while (*line)
		h = h * 33 + (unsigned char)*line++;
	l->h[i % KEEP] = h;
	l->n = i + 1;
}

static long read_log(int fd, const struct actfilter *f, off_t from, int align,
    off_t upto, struct logscan *s, struct lines *l)
{
	long n;

	s->from = from;
	s->align = align;
	s->upto = upto;
	memset(l, 0, sizeof *l);
	if ((n = log_lines(fd, "fuzz.jsonl", f, s, note, l)) < 0)
		fz_fail("log_lines: %s", aie_errmsg);
	if (n != l->n)
		fz_fail("count %ld but %ld lines given", n, l->n);
	return n;
}

/* The last m lines of a (of na) equal the lines of b (m of them). */
static void same_tail(const struct lines *a, long na, const struct lines *b,
    long m)
{
	long k;

	for (k = 1; k <= m && k <= KEEP; k++)
		if (a->h[(na - k) % KEEP] != b->h[(m - k) % KEEP])
			fz_fail("line %ld from the end differs", k);
}

static void cache(const uint8_t *data, size_t size)
{
	static const char magic[] = ACTCACHE_MAGIC;
	unsigned char h[SEAL_DIGEST];
	char *buf = malloc(size + sizeof magic + 2 * SEAL_DIGEST + 1);
	struct actcache ac;
	size_t n = 0;
	int i;

	if (!buf)
		return;
	if (size && (data[0] & 1))
		n = fz_seal(buf, magic, data, size, h);
	else
		memcpy(buf, data, size);
	if (actcache_parse(buf, n + size, &ac) < 0 && ac.n)
		fz_fail("a refused cache file left entries");
	if (ac.n > ACTCACHE_DAYS)
		fz_fail("%d entries", ac.n);
	for (i = 0; i < ac.n; i++)
		if (strncmp(ac.d[i].rel, "Logs/", 5) || ac.d[i].n < 0)
			fz_fail("entry %d: %s %ld", i, ac.d[i].rel, ac.d[i].n);
	free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		fz_fail("sodium_init");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct actfilter none = { NULL, NULL },
	    some = { "email", "cloud" };
	static struct lines all, part;
	struct logscan s, t;
	off_t o;
	long n, m;
	int fd;

	cache(data, size);
	if ((fd = memfd_create("actlog", MFD_CLOEXEC)) < 0)
		fz_fail("memfd_create");
	if (size && write(fd, data, size) != (ssize_t)size)
		fz_fail("write");
	n = read_log(fd, &none, 0, 0, -1, &s, &all);
	if (s.end != (off_t)size || s.whole_end > s.end || s.whole_n > n ||
	    (s.whole_end > 0 && data[s.whole_end - 1] != '\n'))
		fz_fail("end %lld, whole_end %lld of %zu", (long long)s.end,
		    (long long)s.whole_end, size);
	/* from any byte, aligned: the last lines */
	o = size ? (off_t)((data[0] * 257u + data[size - 1]) % (size + 1)) : 0;
	m = read_log(fd, &none, o, 1, -1, &t, &part);
	if (m > n)
		fz_fail("a tail from %lld has %ld lines of %ld", (long long)o, m, n);
	same_tail(&all, n, &part, m);
	/* the count cache: on from whole_end, and up to it */
	if (read_log(fd, &none, s.whole_end, 0, -1, &t, &part) != n - s.whole_n)
		fz_fail("the tail after whole_end");
	same_tail(&all, n, &part, n - s.whole_n);
	if (read_log(fd, &none, 0, 0, s.whole_end, &t, &part) != s.whole_n)
		fz_fail("the lines up to whole_end");
	if (read_log(fd, &some, 0, 0, -1, &t, &part) > n)
		fz_fail("more filtered lines than lines");
	close(fd);
	return 0;
}
