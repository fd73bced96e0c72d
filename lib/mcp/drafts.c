/*
 * drafts.c - the tools that draft for the owner's approval (see
 * vault-mcp(1)): draft_reply, draft_post and draft_invoice run
 * draft-email(1), draft-post(1) and odoo-invoice(1), so a draft is filed by
 * the same code, with the same checks and refusals (a post that breaks its
 * network's rule, a client Odoo does not know) and the same audit lines,
 * as on the command line. None of them needs a credential that posts or
 * sends: drafting a post needs no token, and odoo-invoice creates drafts
 * as the cloud's drafting user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* What a tool that failed had filed before it did (its JSON lines' paths)
 * after its message in aie_errmsg: an invoice request to the owner, the
 * posts of the other networks. */
static void filed_meanwhile(char *out)
{
	char *line, *save = NULL, msg[sizeof aie_errmsg];
	const char *path;
	size_t len;
	json_t *o;
	int n = 0;

	snprintf(msg, sizeof msg, "%s", aie_errmsg);
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!(o = json_loads(line, 0, NULL)))
			continue;
		if ((path = json_string_value(json_object_get(o, "path")))) {
			len = strlen(msg);
			snprintf(msg + len, sizeof msg - len, "%s%s", n++ ? ", " :
			    " (filed: ", path);
		}
		json_decref(o);
	}
	len = strlen(msg);
	if (n)
		snprintf(msg + len, sizeof msg - len, ")");
	snprintf(aie_errmsg, sizeof aie_errmsg, "%s", msg);
}

int run_tool(struct mcp_session *s, const char *const rest[],
    const char *in, json_t **out)
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
	if (mcp_run(s->bindir, argv, in, &r) < 0)
		return -1;
	if (r.status != 0) {
		size_t len = strlen(r.err);
		while (len && r.err[len - 1] == '\n')
			r.err[--len] = '\0';
		aie_fail(r.status, "%s", r.err[0] ? r.err : "failed");
		filed_meanwhile(r.out);
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

int tool_draft_reply(struct mcp_session *s, json_t *args,
    json_t **out)
{
	const char *id;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	return run_tool(s, (const char *[]){ "draft-email", "--", id, NULL },
	    NULL, out);
}

/* draft_post: the topic on draft-post's stdin ("-"), so a topic that
 * starts with "-" is never taken for an option. */
int tool_draft_post(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *from, *topic = str_arg(args, "topic"),
	    *net = str_arg(args, "network"), *argv[8];
	size_t n = 0;

	if (id_arg(args, "from", &from) < 0)
		return RPC_INVALID_PARAMS;
	if (net && (!*net || net[strspn(net, "abcdefghijklmnopqrstuvwxyz,")]))
		return aie_fail(0, "%s: not networks (names, by commas)", net),
		    RPC_INVALID_PARAMS;
	if (!from == !topic)
		return aie_fail(0, "draft_post: topic or from, one of them"),
		    RPC_INVALID_PARAMS;
	argv[n++] = "draft-post";
	if (net) {
		argv[n++] = "--network";
		argv[n++] = net;
	}
	argv[n++] = from ? "--from" : "-";
	if (from)
		argv[n++] = from;
	argv[n] = NULL;
	return run_tool(s, argv, topic, out);
}

/* draft_invoice: odoo-invoice --from an item, or the lines on its stdin. */
int tool_draft_invoice(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *from, *lines = str_arg(args, "lines");

	if (id_arg(args, "from", &from) < 0)
		return RPC_INVALID_PARAMS;
	if (!from == !lines)
		return aie_fail(0, "draft_invoice: lines or from, one of them"),
		    RPC_INVALID_PARAMS;
	if (from)
		return run_tool(s, (const char *[]){ "odoo-invoice", "--from", from,
		    NULL }, NULL, out);
	return run_tool(s, (const char *[]){ "odoo-invoice", NULL }, lines, out);
}
