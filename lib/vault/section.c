/*
 * section.c - the "## Name" sections of the vault's Markdown files, by
 * one rule (see vault(5), "Sections"): the handbook's rules, the keywords
 * and signature it holds, and the parts of Dashboard.md that are kept.
 */
#include <string.h>
#include <strings.h>

#include "vault/vault.h"

/* The title of the level-two heading at line [p, e): "##", blanks, the
 * title, trailing blanks and a CR dropped. NULL when the line is not one
 * ("###" is a level-three heading, "##x" no heading at all). */
static const char *heading2(const char *p, const char *e, size_t *tlen)
{
	if (e - p < 3 || p[0] != '#' || p[1] != '#' || (p[2] != ' ' &&
	    p[2] != '\t'))
		return NULL;
	for (p += 2; p < e && (*p == ' ' || *p == '\t'); p++)
		;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*tlen = (size_t)(e - p);
	return p;
}

int md_section(const char *text, size_t len, const char *name,
    size_t *start, size_t *end)
{
	const char *p = text, *e = text + len, *body = NULL, *t;
	size_t nlen = strlen(name), tlen;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e, *next = nl ? nl + 1 : e;
		if ((t = heading2(p, le, &tlen))) {
			if (body) {
				*start = (size_t)(body - text);
				*end = (size_t)(p - text);
				return 1;
			}
			if (tlen == nlen && strncasecmp(t, name, nlen) == 0)
				body = next;
		}
		p = next;
	}
	if (!body)
		return 0;
	*start = (size_t)(body - text);
	*end = len;
	return 1;
}
