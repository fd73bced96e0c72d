/*
 * doccache.c - fuzz doccache_parse (cgi/pages/doccache.c), the reader of
 * a rendered document's cache file. Properties: a file that parses gives
 * HTML inside the buffer, ending at its end, after a first line of the
 * magic and 32 hex digits and the key lines of exactly the key asked
 * for; any change of the key (another program or size) is refused.
 */
#include "fuzz.h"
#include "pages/pages.h"

#define PROG "0.1.0 2049 1234 1700000000 5"
#define REL "Briefings/2026-11-30_Monday_Briefing.md"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char want[] =
	    "\n" PROG "\n2049 77 300 1700000000 12 " REL "\n";
	const char *buf = (const char *)data, *html;
	struct stat st;
	size_t hlen = 0, hlen2 = 0;

	memset(&st, 0, sizeof st);
	st.st_dev = 2049;
	st.st_ino = 77;
	st.st_size = 300;
	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 12;
	if (!(html = doccache_parse(buf, size, PROG, REL, &st, &hlen)))
		return 0;
	if (html < buf || html > buf + size || html + hlen != buf + size)
		fz_fail("the HTML is not the file's end");
	if (size < 50 || memcmp(buf, "aie-page-cache 1 ", 17) || buf[49] != '\n')
		fz_fail("a file without the first line parsed");
	if (!memmem(buf, size, want, sizeof want - 1))
		fz_fail("the key lines are not the key asked for");
	st.st_size++;
	if (doccache_parse(buf, size, PROG, REL, &st, &hlen2))
		fz_fail("another size's file parsed");
	st.st_size--;
	if (doccache_parse(buf, size, PROG "1", REL, &st, &hlen2))
		fz_fail("another program's file parsed");
	return 0;
}
