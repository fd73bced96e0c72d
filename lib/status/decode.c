/*
 * decode.c - a status text (the object /api/status serves: status_core's
 * members between the agent and the live members, see status.h) read back
 * into a struct status, for the dashboard's home page, which draws from
 * the same text /api/status sends so that the ETag it carries is the one
 * the page's poll compares. The text comes from status.c's encoder or the
 * dashboard's cache of it; this is its one reader.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "status/status.h"

/* The string member key of o, or NULL. */
static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A malloc'd copy of the string member key of o; 0, or -1 when out of
 * memory (*out NULL when there is none). */
static int dup_str(json_t *o, const char *key, char **out)
{
	const char *s = str(o, key);

	*out = NULL;
	return s && !(*out = strdup(s)) ? -1 : 0;
}

/* One card of "pending" into p. A card without a valid id keeps its place
 * with an empty ref.id: the page skips it. */
static int card_of(json_t *it, struct pending *p)
{
	const char *id = str(it, "id"), *domain = str(it, "domain");
	const char *path = str(it, "path"), *digest = str(it, "digest");
	const char *created = str(it, "created"), *expires = str(it, "expires");
	json_t *preview = json_object_get(it, "preview");

	memset(p, 0, sizeof *p);
	if (id && strlen(id) < sizeof p->ref.id && id_valid(id))
		memcpy(p->ref.id, id, strlen(id) + 1);
	if (domain)
		snprintf(p->ref.sub, sizeof p->ref.sub, "%s", domain);
	if (path)
		snprintf(p->ref.rel, sizeof p->ref.rel, "%s", path);
	p->ref.stage = ST_PENDING;
	if (digest)
		snprintf(p->digest, sizeof p->digest, "%s", digest);
	if (created)
		time_parse_rfc3339(created, &p->created);
	if (expires)
		time_parse_rfc3339(expires, &p->expires);
	if (json_is_string(preview)) {
		/* its length, not strlen: a NUL in it is shown, not the end */
		p->previewlen = json_string_length(preview);
		if (!(p->preview = malloc(p->previewlen + 1)))
			return -1;
		memcpy(p->preview, json_string_value(preview), p->previewlen + 1);
	}
	if (dup_str(it, "title", &p->title) < 0 || dup_str(it, "to", &p->to) < 0 ||
	    dup_str(it, "from", &p->from) < 0)
		return -1;
	return 0;
}

static int counts_of(json_t *o, struct status *st)
{
	json_t *totals = json_object_get(o, "totals");
	json_t *counts = json_object_get(o, "counts");
	int sg;

	for (sg = 0; sg < ST_COUNT; sg++) {
		json_t *n = json_object_get(totals, stage_dir[sg]), *by, *c;
		const char *name;
		st->totals[sg] = json_is_integer(n) ? json_integer_value(n) : 0;
		by = json_object_get(counts, stage_dir[sg]);
		if (!json_is_object(by) || json_object_size(by) == 0)
			continue;
		if (!(st->counts[sg] = calloc(json_object_size(by),
		    sizeof *st->counts[sg])))
			return -1;
		json_object_foreach(by, name, c) {
			struct status_count *sc = &st->counts[sg][st->ncounts[sg]];
			if (!json_is_integer(c) || strlen(name) >= sizeof sc->name)
				continue;
			memcpy(sc->name, name, strlen(name) + 1);
			sc->n = json_integer_value(c);
			st->ncounts[sg]++;
		}
	}
	return 0;
}

static int health_of(json_t *o, struct status *st)
{
	json_t *all = json_object_get(o, "health"), *a, *c;
	const char *agent, *name;

	if (!json_is_object(all) || json_object_size(all) == 0)
		return 0;
	if (!(st->health = calloc(json_object_size(all), sizeof *st->health)))
		return -1;
	json_object_foreach(all, agent, a) {
		struct health *h = &st->health[st->nhealth];
		json_t *comps = json_object_get(a, "components");
		if (strlen(agent) >= sizeof h->agent)
			continue;
		memcpy(h->agent, agent, strlen(agent) + 1);
		st->nhealth++;
		if (dup_str(a, "updated", &h->updated) < 0)
			return -1;
		if (!json_is_object(comps) || json_object_size(comps) == 0)
			continue;
		if (!(h->parts = calloc(json_object_size(comps), sizeof *h->parts)))
			return -1;
		json_object_foreach(comps, name, c) {
			struct health_part *hp = &h->parts[h->nparts++];
			if (!(hp->name = strdup(name)) ||
			    dup_str(c, "state", &hp->state) < 0 ||
			    dup_str(c, "detail", &hp->detail) < 0)
				return -1;
		}
	}
	return 0;
}

int status_parse(char *text, size_t len, size_t cap, struct status *st,
    size_t *npending)
{
	json_error_t err;
	json_t *o, *pend, *it, *ls;
	const char *at;
	size_t hlen, i, n = 0;
	int r = 0;

	memset(st, 0, sizeof *st);
	/* only the cards wanted are parsed: the whole list is ~40 KB of JSON
	 * for 100 drafts, and parsing it was most of a page's time */
	hlen = status_pending_head(text, len, cap, &n);
	/* JSON_ALLOW_NUL: a preview holds a NUL of the body as \u0000, for the
	 * card to mark */
	if (!(o = json_loadb(text, hlen != (size_t)-1 ? hlen : len,
	    JSON_ALLOW_NUL, &err)))
		return aie_fail(EX_DATA, "status: cannot read it back");
	pend = json_object_get(o, "pending");
	if (hlen == (size_t)-1)
		n = json_array_size(pend);
	*npending = n;
	if (json_array_size(pend) > 0 && !(st->pending = calloc(
	    json_array_size(pend), sizeof *st->pending)))
		r = -1;
	json_array_foreach(pend, i, it) {
		if (r < 0 || i >= cap)
			break;
		r = card_of(it, &st->pending[st->npending++]);
	}
	ls = json_object_get(o, "last_sync");
	if (r == 0 && (at = str(ls, "at")) &&
	    time_parse_rfc3339(at, &st->last_sync_at) == 0 &&
	    !(st->last_sync = strdup(at)))
		r = -1;
	if (r == 0)
		r = counts_of(o, st);
	if (r == 0)
		r = health_of(o, st);
	json_decref(o);
	if (r < 0) {
		status_free(st);
		return aie_fail(EX_TEMP, "status: out of memory");
	}
	return 0;
}
