/*
 * social.c - the briefing's Social facts: the totals of the week's social
 * report, Logs/Social/YYYY-Www.md (vault(5), "Social reports"), as
 * social-report(1) wrote them in its front matter. The report is read, not
 * made: its numbers come from the networks through the local agent's
 * tokens, and the briefing runs where they are not. No report for the
 * week: {"configured": false}, never a made-up number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

static const char *const counts[] = {
	"posts", "read", "reactions", "comments", "shares", "impressions", NULL
};

/* A count of the report's front matter: a whole number, or null when the
 * report does not give it (the networks did not tell it). */
static json_t *count(const struct item *it, const char *key)
{
	char *v = fm_get(it, key), *end;
	long long n;
	json_t *o;

	if (!v)
		return json_null();
	n = strtoll(v, &end, 10);
	o = end != v && *end == '\0' && n >= 0 ? json_integer(n) : json_null();
	free(v);
	return o;
}

json_t *brief_social(struct vault *v, const struct brief_week *w)
{
	char rel[64], *text = NULL, *type, *gen;
	struct item it;
	size_t len, i;
	json_t *o;
	int r;

	snprintf(rel, sizeof rel, "Logs/Social/%s.md", w->label);
	if ((r = brief_read(v, rel, &text, &len)) < 0)
		return NULL;
	if (r > 0)
		return json_pack("{s:b, s:s}", "configured", 0, "report", rel);
	if (fm_parse(&it, text, len) < 0) {
		free(text);
		return json_pack("{s:b, s:s, s:s}", "configured", 0, "report", rel,
		    "error", "not a social report (no front matter)");
	}
	free(text);
	type = fm_get(&it, "type");
	if (!type || strcmp(type, "social_report") != 0) {
		free(type);
		fm_free(&it);
		return json_pack("{s:b, s:s, s:s}", "configured", 0, "report", rel,
		    "error", "not a social report (type is not social_report)");
	}
	free(type);
	gen = fm_get(&it, "generated");
	o = json_pack("{s:b, s:s, s:s}", "configured", 1, "report", rel,
	    "generated", gen ? gen : "");
	free(gen);
	for (i = 0; o && counts[i]; i++)
		json_object_set_new(o, counts[i], count(&it, counts[i]));
	fm_free(&it);
	if (!o)
		aie_fail(EX_TEMP, "out of memory");
	return o;
}
