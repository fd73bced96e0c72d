/*
 * server.c - an MCP session (see vault-mcp(1)): initialize and the version
 * agreed, then ping, tools/list, tools/call, resources/list and
 * resources/read. Nothing else is offered: there is no method that
 * approves, rejects, executes or writes Dashboard.md.
 */
#include <stdio.h>
#include <string.h>

#include "mcp/mcp.h"

/* Newest first: a client asking for one of these gets it, any other gets
 * the newest (the client then decides whether it can speak it). */
static const char *const versions[] = {
	MCP_VERSION_LATEST, "2025-03-26", "2024-11-05"
};

void mcp_session_init(struct mcp_session *s, struct vault *v,
    const char *bindir)
{
	memset(s, 0, sizeof *s);
	s->v = v;
	s->bindir = bindir;
	snprintf(s->version, sizeof s->version, "%s", MCP_VERSION_LATEST);
}

int mcp_structured(const struct mcp_session *s)
{
	return strcmp(s->version, "2025-06-18") >= 0;
}

static int initialize(struct mcp_session *s, json_t *params, json_t **out)
{
	const char *want = json_string_value(json_object_get(params,
	    "protocolVersion"));
	size_t i;

	if (!want)
		return aie_fail(0, "initialize: protocolVersion missing"),
		    RPC_INVALID_PARAMS;
	snprintf(s->version, sizeof s->version, "%s", MCP_VERSION_LATEST);
	for (i = 0; i < sizeof versions / sizeof *versions; i++)
		if (strcmp(want, versions[i]) == 0)
			snprintf(s->version, sizeof s->version, "%s", want);
	s->initialized = 1;
	*out = json_pack("{s:s, s:{s:{s:b}, s:{s:b, s:b}}, s:{s:s, s:s}, s:s}",
	    "protocolVersion", s->version,
	    "capabilities", "tools", "listChanged", 0,
	    "resources", "subscribe", 0, "listChanged", 0,
	    "serverInfo", "name", "vault-mcp", "version", VERSION,
	    "instructions", "The vault of an AI employee (see vault(5)). "
	    "Read items, claim work, create items and draft replies, posts "
	    "and invoices; drafts "
	    "wait in Pending_Approval for the owner, who alone approves. "
	    "For work of several steps, write a plan (plan_create) and tick "
	    "its steps as they are done (plan_update).");
	return 0;
}

/* The result of request m, or an error code with aie_errmsg. */
static int dispatch(struct mcp_session *s, const struct rpc_msg *m,
    json_t **out)
{
	const char *meth = m->method;

	*out = NULL;
	if (strcmp(meth, "initialize") == 0)
		return initialize(s, m->params, out);
	if (strcmp(meth, "ping") == 0) {
		*out = json_object();
		return 0;
	}
	if (!s->initialized)
		return aie_fail(0, "%s: not initialized (send initialize first)",
		    meth), RPC_INVALID_REQUEST;
	if (strcmp(meth, "tools/list") == 0) {
		*out = mcp_tools_list(s);
		return 0;
	}
	if (strcmp(meth, "tools/call") == 0)
		return mcp_tools_call(s, m->params, out);
	if (strcmp(meth, "resources/list") == 0)
		return mcp_resources_list(s, m->params, out);
	if (strcmp(meth, "resources/read") == 0)
		return mcp_resources_read(s, m->params, out);
	if (strcmp(meth, "resources/templates/list") == 0) {
		*out = json_pack("{s:[]}", "resourceTemplates");
		return 0;
	}
	return aie_fail(0, "%s: method not found", meth), RPC_METHOD_NOT_FOUND;
}

char *mcp_handle(struct mcp_session *s, const char *line, size_t len)
{
	struct rpc_msg m;
	json_t *result = NULL;
	char *reply = NULL;
	int code;

	rpc_parse(line, len, &m);
	switch (m.kind) {
	case RPC_INVALID:
		/* the id, when it could be read, so the client can match it */
		reply = rpc_error(m.id, m.code, m.why);
		break;
	case RPC_NOTIFICATION:       /* notifications/initialized and the rest */
	case RPC_RESPONSE:           /* we ask nothing, so nothing to match */
		break;
	case RPC_REQUEST:
		aie_errmsg[0] = '\0';
		code = dispatch(s, &m, &result);
		if (code == 0 && result)
			reply = rpc_result(m.id, result);
		else
			reply = rpc_error(m.id, code ? code : RPC_INTERNAL_ERROR,
			    code && aie_errmsg[0] ? aie_errmsg : "out of memory");
		break;
	}
	rpc_free(&m);
	return reply;
}
