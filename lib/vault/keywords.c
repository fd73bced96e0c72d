/*
 * keywords.c - the urgent keywords of Company_Handbook.md (see vault(5),
 * "Sections"): the bullets of its section "## Urgent keywords". One list
 * for every way work comes in (mail-fetch, the WhatsApp webhook), so the
 * owner writes the words once.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"

/* The keywords of a handbook text, lowercased, appended to kw[*n]. */
static int parse(const char *text, size_t len, char ***kw, size_t *n)
{
	const char *p, *e;
	size_t s0, e0;

	if (!md_section(text, len, "Urgent keywords", &s0, &e0))
		return 0;
	for (p = text + s0, e = text + e0; p < e; ) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e, *s = p, *t = le;
		p = nl ? nl + 1 : e;
		while (s < t && (*s == ' ' || *s == '\t'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t - s < 2 || (*s != '-' && *s != '*') ||
		    (s[1] != ' ' && s[1] != '\t'))
			continue;
		for (s += 2; s < t && (*s == ' ' || *s == '\t'); s++)
			;
		/* `word` or "word" as written in Markdown */
		if (t - s >= 2 && (*s == '`' || *s == '"') && t[-1] == *s) {
			s++;
			t--;
		}
		if (t > s && t - s < 200) {
			char **nk = realloc(*kw, (*n + 1) * sizeof *nk), *k;
			if (!nk || !(k = strndup(s, (size_t)(t - s)))) {
				if (nk)
					*kw = nk;
				return aie_fail_errno(EX_TEMP, "handbook");
			}
			*kw = nk;
			for (char *c = k; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			(*kw)[(*n)++] = k;
		}
	}
	return 0;
}

int urgent_keywords_load(struct vault *v, struct keywords *k)
{
	char *buf;
	size_t len;
	int r = 0;

	memset(k, 0, sizeof *k);
	if (file_readat(v->dirfd, "Company_Handbook.md", &buf, &len) == 0) {
		r = parse(buf, len, &k->w, &k->n);
		free(buf);
		if (r < 0)
			keywords_free(k);
	}
	return r;
}

int keywords_match(const struct keywords *k, const char *s)
{
	size_t i;

	for (i = 0; s && i < k->n; i++)
		if (strcasestr(s, k->w[i]))
			return 1;
	return 0;
}

void keywords_free(struct keywords *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->w[i]);
	free(k->w);
	k->w = NULL;
	k->n = 0;
}
