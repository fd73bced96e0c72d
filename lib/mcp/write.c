/*
 * write.c - the tools that change the vault (see vault-mcp(1)):
 * create_item here; claim and release by running vault-claim(1)
 * (drafts.c's run_tool), so its checks are the tool's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Text the owner will read: refused with a control character or a byte
 * that is not UTF-8, as approval would refuse it later (base.h). */
static int text_ok(const char *what, const char *s, int multiline)
{
	char tok[SHOW_TOKEN_MAX];
	size_t at = show_refused(s, strlen(s), multiline, tok);

	if (at != (size_t)-1)
		return aie_fail(0, "%s: %s at byte %zu is not allowed", what, tok,
		    at);
	return 0;
}

int tool_create_item(struct mcp_session *s, json_t *args,
    json_t **out)
{
	const char *domain, *type, *title = str_arg(args, "title"),
	    *body = str_arg(args, "body");
	struct newitem n = { 0 };
	struct itemref ref;

	if (name_arg(args, "domain", &domain) < 0 ||
	    name_arg(args, "type", &type) < 0 || text_ok("title", title, 0) < 0 ||
	    (body && text_ok("body", body, 1) < 0))
		return RPC_INVALID_PARAMS;
	n.domain = domain;
	n.type = type;
	n.title = title;
	n.body = body;
	n.via = "vault-mcp";
	if (item_new(s->v, &n, &ref) < 0)
		return -1;
	*out = json_pack("{s:s, s:s, s:s}", "id", ref.id, "stage",
	    stage_dir[ST_NEEDS_ACTION], "path", ref.rel);
	return 0;
}

int tool_claim(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *id, *domain;

	if (id_arg(args, "id", &id) < 0 || name_arg(args, "domain", &domain) < 0)
		return RPC_INVALID_PARAMS;
	if (id && domain)
		return aie_fail(0, "claim: id or domain, not both"),
		    RPC_INVALID_PARAMS;
	if (id)
		return run_tool(s, (const char *[]){ "vault-claim", "--", id,
		    NULL }, NULL, out);
	if (domain)
		return run_tool(s, (const char *[]){ "vault-claim", "-n", "1",
		    "-d", domain, NULL }, NULL, out);
	return run_tool(s, (const char *[]){ "vault-claim", "-n", "1", NULL },
	    NULL, out);
}

int tool_release(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *id;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	return run_tool(s, (const char *[]){ "vault-claim", "--release", "--",
	    id, NULL }, NULL, out);
}
