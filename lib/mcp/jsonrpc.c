/*
 * jsonrpc.c - JSON-RPC 2.0 messages as MCP's stdio transport carries them:
 * one JSON object a line, no newline inside (see vault-mcp(1)). Batches
 * (a JSON array) are not read: MCP 2025-06-18 dropped them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp.h"

static void invalid(struct rpc_msg *m, int code, const char *why)
{
	m->kind = RPC_INVALID;
	m->code = code;
	snprintf(m->why, sizeof m->why, "%s", why);
}

void rpc_parse(const char *line, size_t len, struct rpc_msg *m)
{
	json_error_t e;
	json_t *v, *id, *method, *params;

	memset(m, 0, sizeof *m);
	if (len > MCP_LINE_MAX) {
		invalid(m, RPC_INVALID_REQUEST, "message too long");
		return;
	}
	/* JSON_REJECT_DUPLICATES: one key, one meaning. JSON_ALLOW_NUL: a
	 * "\u0000" in a string is read, so that a request holding one is
	 * answered with its id (the checks of each string refuse it). */
	m->root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &e);
	if (!m->root) {
		char why[sizeof m->why];
		snprintf(why, sizeof why, "parse error: %.120s", e.text);
		invalid(m, RPC_PARSE_ERROR, why);
		return;
	}
	if (!json_is_object(m->root)) {
		invalid(m, RPC_INVALID_REQUEST, json_is_array(m->root) ?
		    "batches are not supported" : "not a JSON-RPC object");
		return;
	}
	v = json_object_get(m->root, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		invalid(m, RPC_INVALID_REQUEST, "jsonrpc is not \"2.0\"");
		return;
	}
	id = json_object_get(m->root, "id");
	/* MCP: a request's id is a string or an integer, never null */
	if (id && !json_is_string(id) && !json_is_integer(id)) {
		invalid(m, RPC_INVALID_REQUEST, "id is not a string or integer");
		return;
	}
	m->id = id;
	method = json_object_get(m->root, "method");
	if (!method) {
		if (id && (json_object_get(m->root, "result") ||
		    json_object_get(m->root, "error"))) {
			m->kind = RPC_RESPONSE;
			return;
		}
		invalid(m, RPC_INVALID_REQUEST, "no method");
		return;
	}
	if (!json_is_string(method) ||
	    strlen(json_string_value(method)) != json_string_length(method)) {
		invalid(m, RPC_INVALID_REQUEST, "method is not a string");
		return;
	}
	m->method = json_string_value(method);
	params = json_object_get(m->root, "params");
	if (params && !json_is_object(params)) {
		/* MCP's params are always objects; a notification gets no answer */
		invalid(m, id ? RPC_INVALID_PARAMS : RPC_INVALID_REQUEST,
		    "params is not an object");
		return;
	}
	m->params = params;
	m->kind = id ? RPC_REQUEST : RPC_NOTIFICATION;
}

void rpc_free(struct rpc_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof *m);
}

/* jansson escapes control characters in strings, so a compact dump is one
 * line. json_pack takes value's reference, on failure too. */
static char *answer(json_t *id, const char *key, json_t *value)
{
	json_t *o;
	char *line;

	if (!value)
		return NULL;
	o = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    id ? id : json_null(), key, value);
	if (!o)
		return NULL;
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return line;
}

char *rpc_result(json_t *id, json_t *result)
{
	return answer(id, "result", result);
}

/* Text as a JSON string, whatever its bytes: a message may quote the input
 * (jansson's "near '...'") or be cut inside a character, and a reply must
 * still go out. Bytes that are not ASCII become '?' when s is not UTF-8. */
json_t *rpc_text(const char *s)
{
	json_t *j = json_string(s);
	char *copy, *p;

	if (j || !(copy = strdup(s)))
		return j;
	for (p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

char *rpc_error(json_t *id, int code, const char *message)
{
	return answer(id, "error", json_pack("{s:i, s:o}", "code", code,
	    "message", rpc_text(message)));
}
