/*
 * rows.c - the reading pages' cached lists read back (see pages.h): a
 * count on the first line, then a row a line (lists.c writes and caches
 * them). Apart from the rest of the pages, for the fuzz harness
 * t/fuzz/pagerows.c.
 */
#include <string.h>

#include "pages/pages.h"

int rows_parse(char *text, size_t len, struct rows *r)
{
	size_t i;

	r->text = text;
	r->len = len;
	r->end = text + len;
	r->n = 0;
	for (i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (i == 18)             /* more rows than memory could hold */
			return -1;
		r->n = r->n * 10 + (text[i] - '0');
	}
	if (!i || i == len || text[i] != '\n')
		return -1;
	r->at = text + i + 1;
	return 0;
}

int rows_next(struct rows *r, char *line, size_t size)
{
	const char *nl;
	size_t n;

	*line = '\0';
	if (r->at >= r->end ||
	    !(nl = memchr(r->at, '\n', (size_t)(r->end - r->at))))
		return 0;
	n = (size_t)(nl - r->at);
	if (n < size) {
		memcpy(line, r->at, n);
		line[n] = '\0';
	}
	r->at = nl + 1;
	return 1;
}
