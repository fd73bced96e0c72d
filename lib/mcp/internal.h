/*
 * internal.h - what the files of lib/mcp/ share and nothing else sees: a
 * tool's arguments described once (args.c makes the inputSchema and checks
 * a call against it), and the tools themselves (read.c, write.c, drafts.c,
 * plan.c), which tools.c lists and calls.
 */
#ifndef AIE_MCP_INTERNAL_H
#define AIE_MCP_INTERNAL_H

#include "mcp/mcp.h"

#define LIST_DEFAULT 50
#define LIST_MAX 1000

enum { A_STR, A_INT };
struct arg {
	const char *name;
	int type;
	int required;
	const char *desc;
	const char *pattern;     /* JSON Schema pattern, or NULL */
	long min, max;           /* A_INT, A_STR length */
};

#define ID_PATTERN "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#define NAME_PATTERN "^[a-z][a-z0-9_-]*$"
#define STAGE_PATTERN \
    "^(Needs_Action|In_Progress|Plans|Pending_Approval|Approved|Rejected|Done)$"

typedef int (*tool_fn)(struct mcp_session *s, json_t *args, json_t **out);
struct tool {
	const char *name, *title, *desc;
	const struct arg *args;
	const char *output;      /* the outputSchema, as JSON text */
	tool_fn fn;
};

/* args.c */
json_t *args_schema(const struct arg *a);
/* 0, or -1 with the reason: an unknown argument, a wrong type or size, a
 * required one missing. */
int args_check(const struct tool *t, json_t *args);
const char *str_arg(json_t *args, const char *key);
int id_arg(json_t *args, const char *key, const char **id);
int stage_arg(json_t *args, enum stage fallback, enum stage *st);
int name_arg(json_t *args, const char *key, const char **name);
long limit_arg(json_t *args);

/* read.c and write.c: the tools. 0 with *out; -1 the tool failed
 * (aie_errmsg); an RPC_ code for bad arguments. */
int tool_vault_status(struct mcp_session *s, json_t *args, json_t **out);
int tool_list_items(struct mcp_session *s, json_t *args, json_t **out);
int tool_read_item(struct mcp_session *s, json_t *args, json_t **out);
int tool_search(struct mcp_session *s, json_t *args, json_t **out);
int tool_create_item(struct mcp_session *s, json_t *args, json_t **out);
int tool_claim(struct mcp_session *s, json_t *args, json_t **out);
int tool_release(struct mcp_session *s, json_t *args, json_t **out);
/* drafts.c: run a tool of the toolkit (rest[0]) with -j -C <vault>
 * -a <agent> and the rest of rest, in on its stdin (NULL: none); its JSON
 * lines become "results". Its refusal is the call's error, naming what it
 * had filed before it failed. */
int run_tool(struct mcp_session *s, const char *const rest[],
    const char *in, json_t **out);
int tool_draft_reply(struct mcp_session *s, json_t *args, json_t **out);
int tool_draft_post(struct mcp_session *s, json_t *args, json_t **out);
int tool_draft_invoice(struct mcp_session *s, json_t *args, json_t **out);
/* plan.c: plan(1)'s work, through lib/plan */
int tool_plan_create(struct mcp_session *s, json_t *args, json_t **out);
int tool_plan_update(struct mcp_session *s, json_t *args, json_t **out);

#endif
