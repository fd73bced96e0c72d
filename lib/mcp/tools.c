/*
 * tools.c - the tools of vault-mcp(1): their table (each with its
 * arguments described once, args.c), tools/list, and tools/call: the
 * arguments checked, the tool run (read.c, write.c), the result as
 * structuredContent with the same JSON as text, and the call written to
 * the audit log. There is no tool that approves, rejects, executes or
 * writes Dashboard.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct arg no_args[] = { { NULL, 0, 0, NULL, NULL, 0, 0 } };
static const struct arg list_args[] = {
	{ "stage", A_STR, 0, "A stage of vault(5); default Needs_Action",
	  STAGE_PATTERN, 1, 32 },
	{ "domain", A_STR, 0, "Only this domain (or, In_Progress, agent)",
	  NAME_PATTERN, 1, AIE_NAME_MAX },
	{ "limit", A_INT, 0, "At most this many items (default 50)", NULL, 1,
	  LIST_MAX },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg id_args[] = {
	{ "id", A_STR, 1, "An item's ID (no paths)", ID_PATTERN, 1, AIE_ID_MAX },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg claim_args[] = {
	{ "id", A_STR, 0, "The item to claim; without it, the oldest of domain",
	  ID_PATTERN, 1, AIE_ID_MAX },
	{ "domain", A_STR, 0, "Claim the next item of this domain",
	  NAME_PATTERN, 1, AIE_NAME_MAX },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg create_args[] = {
	{ "domain", A_STR, 1, "Needs_Action/<domain>/", NAME_PATTERN, 1,
	  AIE_NAME_MAX },
	{ "type", A_STR, 0, "The item's type (default task)", NAME_PATTERN, 1,
	  AIE_NAME_MAX },
	{ "title", A_STR, 1, "One line", NULL, 1, 200 },
	{ "body", A_STR, 0, "Markdown", NULL, 0, 65536 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg post_args[] = {
	{ "topic", A_STR, 0, "What to post about (or from); with no model "
	  "configured, the post's text as it is", NULL, 1, 16384 },
	{ "from", A_STR, 0, "An item whose title and body are the topic",
	  ID_PATTERN, 1, AIE_ID_MAX },
	{ "network", A_STR, 0, "The networks, by commas (default: "
	  "SOCIAL_NETWORKS, else those configured)", "^[a-z]+(,[a-z]+)*$", 1,
	  100 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg invoice_args[] = {
	{ "lines", A_STR, 0, "One invoice line a line: Name <email> AMOUNT "
	  "\"text\"; the lines of one client make one invoice (or from)",
	  NULL, 1, 65536 },
	{ "from", A_STR, 0, "An item that asks for an invoice: its sender, the "
	  "one amount it states with its currency", ID_PATTERN, 1, AIE_ID_MAX },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg plan_create_args[] = {
	{ "id", A_STR, 1, "The item the plan is for", ID_PATTERN, 1, AIE_ID_MAX },
	{ "objective", A_STR, 0, "One line (default: the item's title)", NULL,
	  1, 500 },
	{ "steps", A_STR, 1, "One step a line; an action that waits for "
	  "approval names its draft: (draft: DRAFT_ID)", NULL, 1, 65536 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg plan_update_args[] = {
	{ "id", A_STR, 1, "The item (or PLAN_ ID) whose plan it is", ID_PATTERN,
	  1, AIE_ID_MAX },
	{ "done", A_INT, 1, "The step to tick, from 1", NULL, 1, 100 },
	{ "reflection", A_STR, 0, "One line: what was done, what came of it, "
	  "what to change; added to the plan's Reflections", NULL, 1, 500 },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};
static const struct arg search_args[] = {
	{ "query", A_STR, 1, "Text to find, any case, in front matter and body",
	  NULL, 1, 200 },
	{ "stage", A_STR, 0, "Only this stage", STAGE_PATTERN, 1, 32 },
	{ "limit", A_INT, 0, "At most this many items (default 50)", NULL, 1,
	  LIST_MAX },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};

/* The outputSchemas: what each tool's structuredContent holds (the SDK
 * client checks a result against it). */
#define S_STR "{\"type\":\"string\"}"
#define S_REF "\"id\":" S_STR ",\"stage\":" S_STR ",\"path\":" S_STR
#define S_BRIEF "{\"type\":\"object\",\"properties\":{" S_REF "}," \
    "\"required\":[\"id\",\"stage\",\"path\"]," \
    "\"additionalProperties\":" S_STR "}"
#define S_LIST(extra) "{\"type\":\"object\",\"properties\":{" extra \
    "\"items\":{\"type\":\"array\",\"items\":" S_BRIEF "}," \
    "\"total\":{\"type\":\"integer\"}," \
    "\"truncated\":{\"type\":\"boolean\"}}," \
    "\"required\":[\"items\",\"total\",\"truncated\"]}"
#define S_RESULTS "{\"type\":\"object\",\"properties\":{\"results\":" \
    "{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}," \
    "\"required\":[\"results\"]}"
static const char out_status[] = "{\"type\":\"object\",\"properties\":{"
    "\"vault\":" S_STR ",\"agent\":" S_STR ","
    "\"counts\":{\"type\":\"object\"},\"totals\":{\"type\":\"object\"},"
    "\"pending\":{\"type\":\"array\"},"
    "\"last_sync\":{\"type\":[\"object\",\"null\"]},"
    "\"health\":{\"type\":\"object\"}},"
    "\"required\":[\"counts\",\"totals\",\"pending\"]}";
static const char out_list[] = S_LIST("\"stage\":" S_STR ",");
static const char out_search[] = S_LIST("");
static const char out_item[] = "{\"type\":\"object\",\"properties\":{"
    S_REF ",\"front_matter\":{\"type\":\"object\","
    "\"additionalProperties\":" S_STR "},\"body\":" S_STR "},"
    "\"required\":[\"id\",\"stage\",\"path\",\"front_matter\",\"body\"]}";
static const char out_created[] = "{\"type\":\"object\",\"properties\":{"
    S_REF "},\"required\":[\"id\",\"stage\",\"path\"]}";
static const char out_results[] = S_RESULTS;
#define S_PLAN(extra) "{\"type\":\"object\",\"properties\":{" \
    S_REF ",\"source\":" S_STR ",\"domain\":" S_STR "," \
    "\"status\":" S_STR ",\"objective\":" S_STR "," \
    "\"steps\":{\"type\":\"array\",\"items\":{\"type\":\"object\"," \
    "\"properties\":{\"n\":{\"type\":\"integer\"},\"text\":" S_STR "," \
    "\"done\":{\"type\":\"boolean\"},\"draft\":" S_STR "}," \
    "\"required\":[\"n\",\"text\",\"done\"]}}," \
    "\"next\":{\"type\":\"integer\"}" extra "}," \
    "\"required\":[\"id\",\"path\",\"steps\",\"next\"]}"
static const char out_plan[] = S_PLAN("");
static const char out_plan_update[] =
    S_PLAN(",\"ticked\":{\"type\":\"boolean\"}");

static const struct tool tools[] = {
	{ "vault_status", "Vault status",
	  "Counts per stage and domain, the drafts waiting for the owner's "
	  "approval, the last sync and the agents' health (vault-status(1)).",
	  no_args, out_status, tool_vault_status },
	{ "list_items", "List items",
	  "The items of one stage (default Needs_Action), of one domain, at "
	  "most limit of them, in directory order.",
	  list_args, out_list, tool_list_items },
	{ "read_item", "Read an item",
	  "One item by ID: where it is, its front matter and its body.",
	  id_args, out_item, tool_read_item },
	{ "search", "Search items",
	  "Items whose front matter or body holds query (any case).",
	  search_args, out_search, tool_search },
	{ "claim", "Claim work",
	  "Claim an item of Needs_Action for this agent (vault-claim(1)): "
	  "the one named by id, or the oldest of domain, or the oldest of all.",
	  claim_args, out_results, tool_claim },
	{ "release", "Release a claim",
	  "Give back this agent's claim on an item (vault-claim --release).",
	  id_args, out_results, tool_release },
	{ "create_item", "Create an item",
	  "A new item in Needs_Action/<domain>/ with a title and a body.",
	  create_args, out_created, tool_create_item },
	{ "draft_reply", "Draft a reply",
	  "Draft the reply to an email item into Pending_Approval/email/ "
	  "(draft-email(1)); it waits there for the owner's approval.",
	  id_args, out_results, tool_draft_reply },
	{ "draft_post", "Draft a social post",
	  "Draft one post per network for the owner's approval into "
	  "Pending_Approval/social/ (draft-post(1)); a post that breaks its "
	  "network's rule is not filed and the error names the rule.",
	  post_args, out_results, tool_draft_post },
	{ "draft_invoice", "Draft an invoice",
	  "Create draft invoices in Odoo and file each for the owner's "
	  "approval into Pending_Approval/finance/ (odoo-invoice(1)); a "
	  "client Odoo does not know, or knows twice, goes to the owner in "
	  "Needs_Action/finance/ instead and the call is an error saying so.",
	  invoice_args, out_results, tool_draft_invoice },
	{ "plan_create", "Plan an item",
	  "Make Plans/<domain>/PLAN_<id>.md for an item (plan(1)): an "
	  "objective and steps as checkboxes; a step that waits for approval "
	  "names its draft and ticks itself when that draft is executed.",
	  plan_create_args, out_plan, tool_plan_create },
	{ "plan_update", "Tick a plan's step",
	  "Tick step done of an item's plan (plan --done); the plan after, "
	  "with next the first step not done (0: complete). A step that names "
	  "a draft is not ticked by hand. With reflection, that line goes to "
	  "the plan's Reflections (plan --reflect).",
	  plan_update_args, out_plan_update, tool_plan_update },
};

json_t *mcp_tools_list(const struct mcp_session *s)
{
	json_t *list = json_array(), *t;
	size_t i;

	for (i = 0; i < sizeof tools / sizeof *tools; i++) {
		t = json_pack("{s:s, s:s, s:o}", "name", tools[i].name,
		    "description", tools[i].desc, "inputSchema",
		    args_schema(tools[i].args));
		if (t && mcp_structured(s)) {
			json_object_set_new(t, "title", json_string(tools[i].title));
			json_object_set_new(t, "outputSchema",
			    json_loads(tools[i].output, 0, NULL));
		}
		json_array_append_new(list, t);
	}
	return json_pack("{s:o}", "tools", list);
}

/* The call's audit line: the tool named (even one that does not exist),
 * the item when an id was given, and whether it worked; a refused call
 * has the JSON-RPC error code. aie_errmsg is kept as it was. */
static int audit_call(struct mcp_session *s, json_t *params, json_t *args,
    int r)
{
	char why[sizeof aie_errmsg];
	json_t *o = json_pack("{s:s, s:O?, s:b}", "event", "mcp_call", "name",
	    json_object_get(params, "name"), "ok", r == 0);
	const char *id = json_is_object(args) ? str_arg(args, "id") : NULL;
	int ret;

	if (o && id)
		json_object_set_new(o, "id", json_string(id));
	if (o && r < -1)
		json_object_set_new(o, "code", json_integer(r));
	snprintf(why, sizeof why, "%s", aie_errmsg);
	ret = audit_json(s->v, o);
	if (ret == 0)
		snprintf(aie_errmsg, sizeof aie_errmsg, "%s", why);
	return ret;
}

/* Run the tool params name: 0 with *out; -1 the tool failed (aie_errmsg);
 * an RPC_ code (negative, below -1) when the call is refused. */
static int call(struct mcp_session *s, json_t *params, json_t *args,
    json_t **out)
{
	const char *name = str_arg(params, "name");
	const struct tool *t = NULL;
	size_t i;
	int r;

	*out = NULL;
	if (!name)
		return aie_fail(0, "tools/call: name missing"), RPC_INVALID_PARAMS;
	for (i = 0; i < sizeof tools / sizeof *tools; i++)
		if (strcmp(name, tools[i].name) == 0)
			t = &tools[i];
	if (!t)
		return aie_fail(0, "%s: no such tool", name), RPC_INVALID_PARAMS;
	if (!json_is_object(args))
		return aie_fail(0, "%s: arguments is not an object", name),
		    RPC_INVALID_PARAMS;
	if (args_check(t, args) < 0)
		return RPC_INVALID_PARAMS;
	if (!s->v)
		return aie_fail(0, "%s: no vault open", name), RPC_INTERNAL_ERROR;
	r = t->fn(s, args, out);
	if (r == 0 && !*out)
		r = aie_fail(EX_TEMP, "%s: out of memory", name);
	return r;
}

int mcp_tools_call(struct mcp_session *s, json_t *params, json_t **result)
{
	json_t *args = json_object_get(params, "arguments"), *out = NULL;
	char why[sizeof aie_errmsg], *text;
	int r;

	args = args ? json_incref(args) : json_object();
	r = call(s, params, args, &out);
	/* every call of a session with a vault is in the audit log; one whose
	 * work was done but could not be logged says so */
	if (s->v && audit_call(s, params, args, r) < 0 && r == 0) {
		snprintf(why, sizeof why, "done, but not in the audit log: %.400s",
		    aie_errmsg);
		snprintf(aie_errmsg, sizeof aie_errmsg, "%s", why);
		r = -1;
	}
	json_decref(args);
	*result = NULL;
	if (r < -1) {
		json_decref(out);
		return r;
	}
	if (r == 0) {
		text = json_dumps(out, JSON_COMPACT);
		*result = json_pack("{s:[{s:s, s:s}]}", "content", "type", "text",
		    "text", text ? text : "");
		free(text);
		if (*result && mcp_structured(s))
			json_object_set_new(*result, "structuredContent", out);
		else
			json_decref(out);
	} else {
		json_decref(out);
		*result = json_pack("{s:[{s:s, s:o}], s:b}", "content", "type",
		    "text", "text", rpc_text(aie_errmsg[0] ? aie_errmsg : "failed"),
		    "isError", 1);
	}
	if (!*result)
		return aie_fail(EX_TEMP, "out of memory"), RPC_INTERNAL_ERROR;
	return 0;
}
