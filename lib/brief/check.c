/*
 * check.c - numbers are facts: a model writes the briefing's prose, and
 * every number in a sentence of it must be a number of the facts, as a
 * value ("5,000.00" is 5000), or the sentence is dropped. A sentence, not
 * a number, is dropped, since a sentence without its number says
 * something else. The prose is untrusted bytes (t/fuzz/brief_check.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"

/* The number starting at s[*i] (a digit): digits with "," between groups
 * of three and one "." before more digits. *i moves past it. */
static double number_at(const char *s, size_t len, size_t *i)
{
	double v = 0, scale = 0.1;
	size_t j = *i;

	while (j < len) {
		if (isdigit((unsigned char)s[j]))
			v = v * 10 + (s[j++] - '0');
		else if (s[j] == ',' && j + 3 < len &&
		    isdigit((unsigned char)s[j + 1]) &&
		    isdigit((unsigned char)s[j + 2]) &&
		    isdigit((unsigned char)s[j + 3]) &&
		    (j + 4 >= len || !isdigit((unsigned char)s[j + 4])))
			j++;
		else
			break;
	}
	if (j + 1 < len && s[j] == '.' && isdigit((unsigned char)s[j + 1]))
		for (j++; j < len && isdigit((unsigned char)s[j]); j++) {
			v += (s[j] - '0') * scale;
			scale /= 10;
		}
	while (j < len && isdigit((unsigned char)s[j]))
		j++;
	*i = j;
	return v;
}

struct nums {
	double *v;
	size_t n, cap;
};

static int collect(const char *s, size_t len, struct nums *ns)
{
	size_t i = 0;
	double *p;

	while (i < len) {
		if (!isdigit((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (ns->n == ns->cap) {
			ns->cap = ns->cap ? ns->cap * 2 : 64;
			if (!(p = realloc(ns->v, ns->cap * sizeof *p)))
				return -1;
			ns->v = p;
		}
		ns->v[ns->n++] = number_at(s, len, &i);
	}
	return 0;
}

static int known(const struct nums *ns, double x)
{
	size_t i;
	double d;

	for (i = 0; i < ns->n; i++)
		if ((d = ns->v[i] - x) < 0.005 && d > -0.005)
			return 1;
	return 0;
}

/* Length of the sentence at s (up to len): through its ".", "!" or "?"
 * followed by a blank or the end, or its line end. */
static size_t sentence(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			return i + 1;
		if ((s[i] == '.' || s[i] == '!' || s[i] == '?') &&
		    (i + 1 == len || s[i + 1] == ' ' || s[i + 1] == '\t' ||
		    s[i + 1] == '\n' || s[i + 1] == '\r'))
			return i + 1;
	}
	return len;
}

char *brief_check(const char *prose, size_t len, const char *facts_text,
    brief_drop_fn drop, void *ctx)
{
	struct nums facts = { NULL, 0, 0 };
	struct buf out = { 0 };
	size_t at = 0, n, i;
	char *res;

	if (collect(facts_text, strlen(facts_text), &facts) < 0) {
		free(facts.v);
		return NULL;
	}
	while (at < len) {
		const char *s = prose + at;
		int ok = 1;
		double x = 0;

		n = sentence(s, len - at);
		for (i = 0; i < n && ok; ) {
			if (!isdigit((unsigned char)s[i])) {
				i++;
				continue;
			}
			x = number_at(s, n, &i);
			ok = known(&facts, x);
		}
		if (ok)
			buf_add(&out, s, n);
		else {
			/* keep its line end, so that the sentences around it
			 * stay apart ("5,000." and "5,000." are not 5000.5) */
			if (s[n - 1] == '\n' && out.len && out.p[out.len - 1] != '\n')
				buf_addc(&out, '\n');
			if (drop)
				drop(s, n, x, ctx);
		}
		at += n;
	}
	free(facts.v);
	if (out.oom) {
		buf_free(&out);
		return NULL;
	}
	res = buf_take(&out, NULL);
	return res;
}
