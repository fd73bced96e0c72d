/*
 * resources.c - the items of the vault as read-only MCP resources
 * vault://ID (see vault-mcp(1)): resources/list pages through every stage
 * in order, resources/read gives an item's file as text/markdown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PAGE 100
#define SCHEME "vault://"

struct page {
	json_t *list;
	long skip, left, seen;
};

static int add_resource(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct page *p = ctx;
	char uri[sizeof SCHEME + AIE_ID_MAX];

	(void)v;
	if (p->seen++ < p->skip)
		return 0;
	if (p->left-- == 0)
		return 1;                /* one more than the page: there is a next */
	snprintf(uri, sizeof uri, SCHEME "%s", ref->id);
	json_array_append_new(p->list, json_pack("{s:s, s:s, s:s, s:s}", "uri",
	    uri, "name", ref->id, "description", ref->rel, "mimeType",
	    "text/markdown"));
	return 0;
}

int mcp_resources_list(struct mcp_session *s, json_t *params,
    json_t **result)
{
	const char *cursor = json_string_value(json_object_get(params, "cursor"));
	struct page p = { json_array(), 0, PAGE, 0 };
	char next[32], *end;
	int st, r = 0;

	if (json_object_get(params, "cursor") && (!cursor ||
	    (p.skip = strtol(cursor, &end, 10)) < 0 || *end || end == cursor)) {
		json_decref(p.list);
		return aie_fail(0, "resources/list: bad cursor"), RPC_INVALID_PARAMS;
	}
	if (!s->v) {
		json_decref(p.list);
		return aie_fail(0, "no vault open"), RPC_INTERNAL_ERROR;
	}
	for (st = 0; st < ST_COUNT && r == 0; st++)
		r = vault_walk(s->v, (enum stage)st, NULL, add_resource, &p);
	if (r < 0) {
		json_decref(p.list);
		return RPC_INTERNAL_ERROR;
	}
	*result = json_pack("{s:o}", "resources", p.list);
	if (*result && r == 1) {
		snprintf(next, sizeof next, "%ld", p.skip + PAGE);
		json_object_set_new(*result, "nextCursor", json_string(next));
	}
	return 0;
}

int mcp_resources_read(struct mcp_session *s, json_t *params,
    json_t **result)
{
	const char *uri = str_arg(params, "uri");
	struct itemref ref;
	char *text;
	size_t len;

	if (!uri)
		return aie_fail(0, "resources/read: no uri, or not a string"),
		    RPC_INVALID_PARAMS;
	if (strncmp(uri, SCHEME, strlen(SCHEME)) != 0 ||
	    !id_valid(uri + strlen(SCHEME)))
		return aie_fail(0, "%s: not a vault://ID URI", uri),
		    RPC_INVALID_PARAMS;
	if (!s->v)
		return aie_fail(0, "no vault open"), RPC_INTERNAL_ERROR;
	if (vault_find(s->v, uri + strlen(SCHEME), &ref) < 0)
		return aie_fail(0, "%s: resource not found", uri),
		    MCP_RESOURCE_NOT_FOUND;
	if (file_readat(s->v->dirfd, ref.rel, &text, &len) < 0)
		return RPC_INTERNAL_ERROR;
	*result = json_pack("{s:[{s:s, s:s, s:s%}]}", "contents", "uri", uri,
	    "mimeType", "text/markdown", "text", text, len);
	free(text);
	if (!*result)
		return aie_fail(0, "%s: not UTF-8 text", ref.rel), RPC_INTERNAL_ERROR;
	return 0;
}
