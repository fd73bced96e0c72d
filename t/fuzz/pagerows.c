/*
 * pagerows.c - fuzz rows_parse and rows_next (cgi/pages/lists.c), the
 * readers of the reading pages' cached lists (a count, then a row a line;
 * the cache file around them is statcache_parse's, fuzzed by statcache.c).
 * Properties: a list that parses has a count of its digits and its rows
 * start after the first line; every row given is NUL-terminated inside
 * the line buffer and holds no newline; the reader only moves forward,
 * never past the end, and gives at most one row per newline.
 */
#include "fuzz.h"
#include "pages/pages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rows r;
	char *text, line[48];
	const char *prev;
	size_t newlines = 0, got = 0, i;

	if (!(text = malloc(size + 1)))
		fz_fail("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < size; i++)
		newlines += text[i] == '\n';
	if (rows_parse(text, size, &r) == 0) {
		if (r.n < 0 || r.at <= text || r.at > text + size ||
		    r.at[-1] != '\n' || r.end != text + size)
			fz_fail("a parsed list's count or first row is wrong");
		for (i = 0; text + i < r.at - 1; i++)
			if (text[i] < '0' || text[i] > '9')
				fz_fail("a count of something else than digits");
		prev = r.at;
		while (rows_next(&r, line, sizeof line)) {
			if (++got > newlines)
				fz_fail("more rows than lines");
			if (!memchr(line, '\0', sizeof line) || strchr(line, '\n'))
				fz_fail("a row not cut at its line");
			if (r.at <= prev || r.at > r.end)
				fz_fail("the reader went back or past the end");
			prev = r.at;
		}
	}
	free(text);
	return 0;
}
