/*
 * read.c - the tools that only read (see vault-mcp(1)): vault_status,
 * list_items, read_item and search.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "status/status.h"

static json_t *brief(struct vault *v, const struct itemref *ref)
{
	static const char *const keys[] = { "type", "domain", "status",
	    "subject", "title", "from", "created", "claimed_by" };
	json_t *o = json_pack("{s:s, s:s, s:s}", "id", ref->id, "stage",
	    stage_dir[ref->stage], "path", ref->rel);
	struct item it;
	size_t i;
	char *val;

	if (!o || item_load(v, ref, &it) < 0)
		return o;
	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		if ((val = fm_get(&it, keys[i]))) {
			json_object_set_new(o, keys[i], json_string(val));
			free(val);
		}
	fm_free(&it);
	return o;
}

struct listing {
	json_t *items;
	long limit, seen;
	const char *needle;      /* search: lower case */
};

static int add_listed(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct listing *l = ctx;

	if (l->seen++ < l->limit)
		json_array_append_new(l->items, brief(v, ref));
	return 0;
}

int tool_list_items(struct mcp_session *s, json_t *args, json_t **out)
{
	struct listing l = { json_array(), limit_arg(args), 0, NULL };
	const char *domain;
	enum stage st;

	if (stage_arg(args, ST_NEEDS_ACTION, &st) < 0 ||
	    name_arg(args, "domain", &domain) < 0) {
		json_decref(l.items);
		return RPC_INVALID_PARAMS;
	}
	if (vault_walk(s->v, st, domain, add_listed, &l) < 0) {
		json_decref(l.items);
		return -1;
	}
	*out = json_pack("{s:s, s:o, s:I, s:b}", "stage", stage_dir[st],
	    "items", l.items, "total", (json_int_t)l.seen, "truncated",
	    l.seen > l.limit);
	return 0;
}

int tool_read_item(struct mcp_session *s, json_t *args, json_t **out)
{
	struct itemref ref;
	struct item it;
	json_t *fm;
	const char *id;
	size_t i;
	char *val;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	if (vault_find(s->v, id, &ref) < 0 || item_load(s->v, &ref, &it) < 0)
		return -1;
	fm = json_object();
	for (i = 0; i < it.nlines; i++)
		if (it.lines[i].key && (val = fm_get(&it, it.lines[i].key))) {
			json_object_set_new(fm, it.lines[i].key, json_string(val));
			free(val);
		}
	*out = json_pack("{s:s, s:s, s:s, s:o, s:s%}", "id", ref.id, "stage",
	    stage_dir[ref.stage], "path", ref.rel, "front_matter", fm, "body",
	    it.body ? it.body : "", it.body ? it.bodylen : (size_t)0);
	fm_free(&it);
	if (!*out)
		return aie_fail(EX_DATA, "%s: not UTF-8 text", ref.rel);
	return 0;
}

int tool_vault_status(struct mcp_session *s, json_t *args,
    json_t **out)
{
	struct status st;

	(void)args;
	if (status_read(s->v, &st) < 0)
		return -1;
	*out = status_json(&st);
	status_free(&st);
	return *out ? 0 : -1;
}

/* Case-insensitive (ASCII) substring; needle is lower case. */
static int contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i, j;

	for (i = 0; m <= n && i <= n - m; i++) {
		for (j = 0; j < m && tolower((unsigned char)hay[i + j]) ==
		    needle[j]; j++)
			;
		if (j == m)
			return 1;
	}
	return 0;
}

static int add_found(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct listing *l = ctx;
	const char *where = NULL;
	struct item it;
	json_t *o;
	size_t i;

	if (item_load(v, ref, &it) < 0)
		return 0;
	for (i = 0; i < it.nlines && !where; i++)
		if (it.lines[i].key && contains(it.lines[i].raw,
		    strlen(it.lines[i].raw), l->needle))
			where = "front_matter";
	if (!where && it.body && contains(it.body, it.bodylen, l->needle))
		where = "body";
	fm_free(&it);
	if (where && l->seen++ < l->limit && (o = brief(v, ref))) {
		json_object_set_new(o, "match", json_string(where));
		json_array_append_new(l->items, o);
	}
	return 0;
}

int tool_search(struct mcp_session *s, json_t *args, json_t **out)
{
	struct listing l = { json_array(), limit_arg(args), 0, NULL };
	char *needle = strdup(str_arg(args, "query"));
	enum stage st;
	int i, r = 0;

	if (stage_arg(args, ST_COUNT, &st) < 0) {
		json_decref(l.items);
		free(needle);
		return RPC_INVALID_PARAMS;
	}
	if (!needle || !l.items) {
		json_decref(l.items);
		free(needle);
		return aie_fail(EX_TEMP, "search: out of memory");
	}
	for (i = 0; needle[i]; i++)
		needle[i] = (char)tolower((unsigned char)needle[i]);
	l.needle = needle;
	for (i = 0; i < ST_COUNT && r >= 0; i++)
		if (st == ST_COUNT || st == (enum stage)i)
			r = vault_walk(s->v, (enum stage)i, NULL, add_found, &l);
	free(needle);
	if (r < 0) {
		json_decref(l.items);
		return -1;
	}
	*out = json_pack("{s:o, s:I, s:b}", "items", l.items, "total",
	    (json_int_t)l.seen, "truncated", l.seen > l.limit);
	return 0;
}

