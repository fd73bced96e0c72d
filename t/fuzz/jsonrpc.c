/*
 * jsonrpc.c - fuzz the MCP server's reading of JSON-RPC lines (lib/mcp/
 * jsonrpc.c and the dispatch of server.c) with no vault open: the input is
 * cut into lines as vault-mcp reads them, and each goes through one
 * session. Properties: a line gets at most one answer; an answer is one
 * line of JSON, an object with "jsonrpc":"2.0", an "id", and exactly one
 * of "result" and "error" (an error with an integer code and a message);
 * a request read as such is answered, with its own id; a notification
 * and a response are not answered.
 */
#include <jansson.h>

#include "fuzz.h"
#include "mcp/mcp.h"

static void check(struct mcp_session *s, const char *line, size_t len)
{
	struct rpc_msg m;
	json_t *a, *err;
	char *reply;

	rpc_parse(line, len, &m);
	reply = mcp_handle(s, line, len);
	if (m.kind == RPC_NOTIFICATION || m.kind == RPC_RESPONSE) {
		if (reply)
			fz_fail("answered a %s: %s", m.kind == RPC_RESPONSE ?
			    "response" : "notification", reply);
		rpc_free(&m);
		return;
	}
	if (!reply)
		fz_fail("no answer to a %s", m.kind == RPC_REQUEST ? "request" :
		    "bad message");
	if (strchr(reply, '\n'))
		fz_fail("a newline inside the answer: %s", reply);
	if (!(a = json_loads(reply, 0, NULL)) || !json_is_object(a))
		fz_fail("the answer is not a JSON object: %s", reply);
	if (!json_is_string(json_object_get(a, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(a, "jsonrpc")), "2.0"))
		fz_fail("no jsonrpc 2.0: %s", reply);
	if (!json_object_get(a, "id"))
		fz_fail("no id: %s", reply);
	if (!json_object_get(a, "result") == !json_object_get(a, "error"))
		fz_fail("not exactly one of result and error: %s", reply);
	if ((err = json_object_get(a, "error")) &&
	    (!json_is_integer(json_object_get(err, "code")) ||
	    !json_is_string(json_object_get(err, "message"))))
		fz_fail("a malformed error: %s", reply);
	if (m.kind == RPC_REQUEST &&
	    !json_equal(json_object_get(a, "id"), m.id))
		fz_fail("the answer's id is not the request's: %s", reply);
	json_decref(a);
	free(reply);
	rpc_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcp_session s;
	const char *p = (const char *)data, *end = p + size, *nl;

	if (size > 65536)
		return 0;
	mcp_session_init(&s, NULL, "/nonexistent");
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (nl > p)
			check(&s, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return 0;
}
