/*
 * social.c - the briefing's Social facts: the totals of the week's social
 * report, Logs/Social/YYYY-Www.md (vault(5), "Social reports"), as
 * social-report(1) wrote them in its front matter. The report is read, not
 * made: its numbers come from the networks through the local agent's
 * tokens, and the briefing runs where they are not. No report for the
 * week: {"configured": false}, never a made-up number. Each network's
 * posts and what reached whom (NETWORK_posts, NETWORK_impressions,
 * NETWORK_reach...) go into "networks", in the order social-report
 * writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

static const char *const counts[] = {
	"posts", "read", "reactions", "comments", "shares", "impressions",
	"reach", NULL
};

/* The networks social-report(1) knows, as its keys name them. */
static const char *const networks[] = {
	"linkedin", "x", "facebook", "instagram", NULL
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

/* One object a network with posts in the report, each count of counts[]
 * (null when not given); NULL when out of memory. */
static json_t *by_network(const struct item *it)
{
	json_t *a = json_array(), *o;
	char key[64], *v;
	size_t n, i;

	for (n = 0; a && networks[n]; n++) {
		snprintf(key, sizeof key, "%s_posts", networks[n]);
		if (!(v = fm_get(it, key)))
			continue;
		free(v);
		if (!(o = json_pack("{s:s}", "network", networks[n])) ||
		    json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
		for (i = 0; counts[i]; i++) {
			snprintf(key, sizeof key, "%s_%s", networks[n], counts[i]);
			json_object_set_new(o, counts[i], count(it, key));
		}
	}
	return a;
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
	if (o && json_object_set_new(o, "networks", by_network(&it)) < 0) {
		json_decref(o);
		o = NULL;
	}
	fm_free(&it);
	if (!o)
		aie_fail(EX_TEMP, "out of memory");
	return o;
}
