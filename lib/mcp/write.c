/*
 * write.c - the tools that change the vault (see vault-mcp(1)):
 * create_item here; claim, release and draft_reply by running vault-claim(1)
 * and draft-email(1) (run.c), so their checks are the tools' own.
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

/* Run a tool of the toolkit with -j -C <vault> -a <agent> and the rest;
 * its JSON lines become "results". Its refusal is the call's error. */
static int run_tool(struct mcp_session *s, const char *const rest[],
    json_t **out)
{
	char *argv[16];
	struct run_out r;
	json_t *results, *o;
	char *line, *save = NULL;
	size_t n = 0, i;

	argv[n++] = (char *)rest[0];
	argv[n++] = "-j";
	argv[n++] = "-C";
	argv[n++] = s->v->root;
	argv[n++] = "-a";
	argv[n++] = s->v->agent;
	for (i = 1; rest[i] && n < sizeof argv / sizeof *argv - 1; i++)
		argv[n++] = (char *)rest[i];
	argv[n] = NULL;
	if (mcp_run(s->bindir, argv, &r) < 0)
		return -1;
	if (r.status != 0) {
		size_t len = strlen(r.err);
		while (len && r.err[len - 1] == '\n')
			r.err[--len] = '\0';
		aie_fail(r.status, "%s", r.err[0] ? r.err : "failed");
		run_out_free(&r);
		return -1;
	}
	results = json_array();
	for (line = strtok_r(r.out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		if ((o = json_loads(line, 0, NULL)))
			json_array_append_new(results, o);
	run_out_free(&r);
	*out = json_pack("{s:o}", "results", results);
	return *out ? 0 : aie_fail(EX_TEMP, "out of memory");
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
		    NULL }, out);
	if (domain)
		return run_tool(s, (const char *[]){ "vault-claim", "-n", "1",
		    "-d", domain, NULL }, out);
	return run_tool(s, (const char *[]){ "vault-claim", "-n", "1", NULL },
	    out);
}

int tool_release(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *id;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	return run_tool(s, (const char *[]){ "vault-claim", "--release", "--",
	    id, NULL }, out);
}

int tool_draft_reply(struct mcp_session *s, json_t *args,
    json_t **out)
{
	const char *id;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	return run_tool(s, (const char *[]){ "draft-email", "--", id, NULL },
	    out);
}

