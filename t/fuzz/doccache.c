/*
 * doccache.c - fuzz doccache_parse (cgi/pages/doccache.c), the reader of
 * a rendered document's cache file. Each input is parsed as it is, and
 * sealed (a correct first line of magic and checksum put in front of it,
 * t/fuzz/fzseal.h), so that the key lines are reached, not only the seal.
 * Properties: a file that parses gives HTML inside the buffer, ending at
 * its end, after a first line of the magic and 32 hex digits and the key
 * lines of exactly the key asked for; any change of the key (another
 * program or size) is refused.
 */
#include "fuzz.h"
#include "fzseal.h"
#include "pages/pages.h"

#define PROG "0.1.0 2049 1234 1700000000 5"
#define REL "Briefings/2026-11-30_Monday_Briefing.md"
#define MAGIC "aie-page-cache 1 "

static void check(const char *buf, size_t size, struct stat *st)
{
	static const char want[] =
	    "\n" PROG "\n2049 77 300 1700000000 12 " REL "\n";
	const char *html;
	size_t hlen = 0, hlen2 = 0;

	if (!(html = doccache_parse(buf, size, PROG, REL, st, &hlen)))
		return;
	if (html < buf || html > buf + size || html + hlen != buf + size)
		fz_fail("the HTML is not the file's end");
	if (size < 50 || memcmp(buf, MAGIC, 17) || buf[49] != '\n')
		fz_fail("a file without the first line parsed");
	if (!memmem(buf, size, want, sizeof want - 1))
		fz_fail("the key lines are not the key asked for");
	st->st_size++;
	if (doccache_parse(buf, size, PROG, REL, st, &hlen2))
		fz_fail("another size's file parsed");
	st->st_size--;
	if (doccache_parse(buf, size, PROG "1", REL, st, &hlen2))
		fz_fail("another program's file parsed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char h[SEAL_DIGEST];
	struct stat st;
	char *sealed;
	size_t top;

	memset(&st, 0, sizeof st);
	st.st_dev = 2049;
	st.st_ino = 77;
	st.st_size = 300;
	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 12;
	check((const char *)data, size, &st);
	if (!(sealed = malloc(sizeof MAGIC + 2 * SEAL_DIGEST + size)))
		fz_fail("out of memory");
	top = fz_seal(sealed, MAGIC, data, size, h);
	check(sealed, top + size, &st);
	free(sealed);
	return 0;
}
