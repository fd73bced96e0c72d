/*
 * mcp.h - the Model Context Protocol server of vault-mcp(1): JSON-RPC 2.0
 * messages one a line (jsonrpc.c), the session and its dispatch
 * (server.c), the tools (tools.c, run.c) and the items as resources
 * (resources.c). Written to be fuzzed (t/fuzz/jsonrpc.c): any line in
 * gives at most one line out, and never a newline inside it.
 */
#ifndef AIE_MCP_H
#define AIE_MCP_H

#include <jansson.h>
#include "vault/vault.h"

/* JSON-RPC 2.0 error codes (and MCP's "resource not found"). */
enum {
	RPC_PARSE_ERROR = -32700, RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601, RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603, MCP_RESOURCE_NOT_FOUND = -32002
};

#define MCP_LINE_MAX (4 << 20)   /* a longer message is refused */

/* jsonrpc.c: one line read as a message */
enum rpc_kind { RPC_REQUEST, RPC_NOTIFICATION, RPC_RESPONSE, RPC_INVALID };
struct rpc_msg {
	enum rpc_kind kind;
	json_t *root;            /* owned; NULL when the line is not JSON */
	json_t *id;              /* borrowed from root: a request's id */
	const char *method;      /* borrowed: request and notification */
	json_t *params;          /* borrowed: an object, or NULL when absent */
	int code;                /* RPC_INVALID: -32700 or -32600 */
	char why[160];           /* RPC_INVALID: the reason */
};
/* Read line[0..len) (no newline) into m; free it with rpc_free. */
void rpc_parse(const char *line, size_t len, struct rpc_msg *m);
void rpc_free(struct rpc_msg *m);
/* A response as one line (malloc'd, no newline): the result (stolen), or
 * an error. id NULL answers with "id": null. NULL when out of memory. */
char *rpc_result(json_t *id, json_t *result);
char *rpc_error(json_t *id, int code, const char *message);
/* s as a JSON string even when it is not UTF-8 (then other bytes than
 * ASCII become '?'); NULL only when out of memory. */
json_t *rpc_text(const char *s);

/* server.c: one session over one stream */
#define MCP_VERSION_LATEST "2025-06-18"
struct mcp_session {
	struct vault *v;         /* NULL (the fuzz harness): no tool works */
	const char *bindir;      /* where vault-claim and draft-email are */
	int initialized;         /* initialize answered */
	char version[16];        /* the protocol version agreed */
};
void mcp_session_init(struct mcp_session *s, struct vault *v,
    const char *bindir);
/* The answer to one line of input: a malloc'd line (no newline), or NULL
 * when none is due (a notification, a response) or memory ran out. */
char *mcp_handle(struct mcp_session *s, const char *line, size_t len);
/* 1 when the agreed version has structuredContent, outputSchema, title */
int mcp_structured(const struct mcp_session *s);

/* tools.c: the tools. tools/list's result (new reference). */
json_t *mcp_tools_list(const struct mcp_session *s);
/* tools/call: 0 with *result set (isError inside when the tool failed),
 * or an RPC error code with aie_errmsg (unknown tool, bad arguments). */
int mcp_tools_call(struct mcp_session *s, json_t *params, json_t **result);

/* resources.c: items as vault://ID, read-only */
int mcp_resources_list(struct mcp_session *s, json_t *params,
    json_t **result);
int mcp_resources_read(struct mcp_session *s, json_t *params,
    json_t **result);

/* run.c: one of the toolkit's own tools, run for a tool call with the
 * text in on its stdin (NULL: /dev/null), so the same code and checks
 * apply as on the command line. argv[0] is the tool's name, looked up in
 * bindir. */
struct run_out {
	int status;              /* exit status; 128+N for signal N */
	char *out, *err;         /* what it printed (malloc'd, NUL-ended) */
};
int mcp_run(const char *bindir, char *const argv[], const char *in,
    struct run_out *r);
void run_out_free(struct run_out *r);

#endif
