/*
 * tools.c - the tools of vault-mcp(1), each with its arguments described
 * once (the table below gives both the inputSchema and the check of a
 * call), and its result as structuredContent with the same JSON as text.
 * Reading is done here; claim, release and draft_reply run vault-claim(1)
 * and draft-email(1) (run.c), so their checks are the tools' own. Every
 * call is written to the audit log. There is no tool that approves,
 * rejects, executes or writes Dashboard.md.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp.h"
#include "status/status.h"

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
static const struct arg search_args[] = {
	{ "query", A_STR, 1, "Text to find, any case, in front matter and body",
	  NULL, 1, 200 },
	{ "stage", A_STR, 0, "Only this stage", STAGE_PATTERN, 1, 32 },
	{ "limit", A_INT, 0, "At most this many items (default 50)", NULL, 1,
	  LIST_MAX },
	{ NULL, 0, 0, NULL, NULL, 0, 0 }
};

typedef int (*tool_fn)(struct mcp_session *s, json_t *args, json_t **out);
struct tool {
	const char *name, *title, *desc;
	const struct arg *args;
	tool_fn fn;
};

/* ---- arguments --------------------------------------------------------- */

static json_t *input_schema(const struct arg *a)
{
	json_t *props = json_object(), *req = json_array(), *p;

	for (; a->name; a++) {
		if (a->type == A_INT)
			p = json_pack("{s:s, s:s, s:I, s:I}", "type", "integer",
			    "description", a->desc, "minimum", (json_int_t)a->min,
			    "maximum", (json_int_t)a->max);
		else
			p = json_pack("{s:s, s:s, s:I, s:I}", "type", "string",
			    "description", a->desc, "minLength", (json_int_t)a->min,
			    "maxLength", (json_int_t)a->max);
		if (p && a->pattern)
			json_object_set_new(p, "pattern", json_string(a->pattern));
		json_object_set_new(props, a->name, p);
		if (a->required)
			json_array_append_new(req, json_string(a->name));
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties",
	    props, "required", req, "additionalProperties", 0);
}

/* Check args against the table: 0, or -1 with the reason. The patterns
 * are checked by the vault's own name checks below, in the tools. */
static int check_args(const struct tool *t, json_t *args)
{
	const struct arg *a;
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		for (a = t->args; a->name && strcmp(a->name, key) != 0; a++)
			;
		if (!a->name)
			return aie_fail(0, "%s: unknown argument %s", t->name, key);
		if (a->type == A_INT && (!json_is_integer(v) ||
		    json_integer_value(v) < a->min || json_integer_value(v) > a->max))
			return aie_fail(0, "%s: %s is not an integer from %ld to %ld",
			    t->name, key, a->min, a->max);
		if (a->type == A_STR && (!json_is_string(v) ||
		    json_string_length(v) < (size_t)a->min ||
		    json_string_length(v) > (size_t)a->max ||
		    strlen(json_string_value(v)) != json_string_length(v)))
			return aie_fail(0, "%s: %s is not a string of %ld to %ld "
			    "bytes", t->name, key, a->min, a->max);
	}
	for (a = t->args; a->name; a++)
		if (a->required && !json_object_get(args, a->name))
			return aie_fail(0, "%s: %s is required", t->name, a->name);
	return 0;
}

static const char *str_arg(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* An ID argument: an ID of vault(5), never a path (no "/", no ".."). */
static int id_arg(json_t *args, const char *key, const char **id)
{
	*id = str_arg(args, key);
	if (*id && !id_valid(*id))
		return aie_fail(0, "%s: not an item ID (IDs are names, not paths)",
		    *id);
	return 0;
}

static int stage_arg(json_t *args, enum stage fallback, enum stage *st)
{
	const char *s = str_arg(args, "stage");
	int i;

	*st = fallback;
	if (!s)
		return 0;
	for (i = 0; i < ST_COUNT; i++)
		if (strcmp(s, stage_dir[i]) == 0) {
			*st = (enum stage)i;
			return 0;
		}
	return aie_fail(0, "%s: not a stage of the vault", s);
}

static int name_arg(json_t *args, const char *key, const char **name)
{
	*name = str_arg(args, key);
	if (*name && !name_valid(*name))
		return aie_fail(0, "%s: not a %s name", *name, key);
	return 0;
}

static long limit_arg(json_t *args)
{
	json_t *v = json_object_get(args, "limit");

	return v ? (long)json_integer_value(v) : LIST_DEFAULT;
}

/* ---- reading ----------------------------------------------------------- */

static json_t *brief(struct vault *v, const struct itemref *ref)
{
	static const char *const keys[] = { "type", "domain", "status",
	    "subject", "title", "from", "created", "claimed_by" };
	json_t *o = json_pack("{s:s, s:s, s:s}", "id", ref->id, "stage",
	    stage_dir[ref->stage], "path", ref->rel);
	struct item it;
	size_t i;
	char *val;

	if (!o || item_load(v, ref, &it) < 0)
		return o;
	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		if ((val = fm_get(&it, keys[i]))) {
			json_object_set_new(o, keys[i], json_string(val));
			free(val);
		}
	fm_free(&it);
	return o;
}

struct listing {
	json_t *items;
	long limit, seen;
	const char *needle;      /* search: lower case */
};

static int add_listed(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct listing *l = ctx;

	if (l->seen++ < l->limit)
		json_array_append_new(l->items, brief(v, ref));
	return 0;
}

static int tool_list_items(struct mcp_session *s, json_t *args, json_t **out)
{
	struct listing l = { json_array(), limit_arg(args), 0, NULL };
	const char *domain;
	enum stage st;

	if (stage_arg(args, ST_NEEDS_ACTION, &st) < 0 ||
	    name_arg(args, "domain", &domain) < 0) {
		json_decref(l.items);
		return RPC_INVALID_PARAMS;
	}
	if (vault_walk(s->v, st, domain, add_listed, &l) < 0) {
		json_decref(l.items);
		return -1;
	}
	*out = json_pack("{s:s, s:o, s:I, s:b}", "stage", stage_dir[st],
	    "items", l.items, "total", (json_int_t)l.seen, "truncated",
	    l.seen > l.limit);
	return 0;
}

static int tool_read_item(struct mcp_session *s, json_t *args, json_t **out)
{
	struct itemref ref;
	struct item it;
	json_t *fm;
	const char *id;
	size_t i;
	char *val;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	if (vault_find(s->v, id, &ref) < 0 || item_load(s->v, &ref, &it) < 0)
		return -1;
	fm = json_object();
	for (i = 0; i < it.nlines; i++)
		if (it.lines[i].key && (val = fm_get(&it, it.lines[i].key))) {
			json_object_set_new(fm, it.lines[i].key, json_string(val));
			free(val);
		}
	*out = json_pack("{s:s, s:s, s:s, s:o, s:s%}", "id", ref.id, "stage",
	    stage_dir[ref.stage], "path", ref.rel, "front_matter", fm, "body",
	    it.body ? it.body : "", it.body ? it.bodylen : (size_t)0);
	fm_free(&it);
	return 0;
}

static int tool_vault_status(struct mcp_session *s, json_t *args,
    json_t **out)
{
	(void)args;
	*out = status_json(s->v);
	return *out ? 0 : -1;
}

/* Case-insensitive (ASCII) substring; needle is lower case. */
static int contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i, j;

	for (i = 0; m <= n && i <= n - m; i++) {
		for (j = 0; j < m && tolower((unsigned char)hay[i + j]) ==
		    needle[j]; j++)
			;
		if (j == m)
			return 1;
	}
	return 0;
}

static int add_found(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct listing *l = ctx;
	const char *where = NULL;
	struct item it;
	json_t *o;
	size_t i;

	if (item_load(v, ref, &it) < 0)
		return 0;
	for (i = 0; i < it.nlines && !where; i++)
		if (it.lines[i].key && contains(it.lines[i].raw,
		    strlen(it.lines[i].raw), l->needle))
			where = "front_matter";
	if (!where && it.body && contains(it.body, it.bodylen, l->needle))
		where = "body";
	fm_free(&it);
	if (where && l->seen++ < l->limit && (o = brief(v, ref))) {
		json_object_set_new(o, "match", json_string(where));
		json_array_append_new(l->items, o);
	}
	return 0;
}

static int tool_search(struct mcp_session *s, json_t *args, json_t **out)
{
	struct listing l = { json_array(), limit_arg(args), 0, NULL };
	char *needle = strdup(str_arg(args, "query"));
	enum stage st;
	int i, r = 0;

	if (stage_arg(args, ST_COUNT, &st) < 0) {
		json_decref(l.items);
		free(needle);
		return RPC_INVALID_PARAMS;
	}
	if (!needle || !l.items) {
		json_decref(l.items);
		free(needle);
		return aie_fail(EX_TEMP, "search: out of memory");
	}
	for (i = 0; needle[i]; i++)
		needle[i] = (char)tolower((unsigned char)needle[i]);
	l.needle = needle;
	for (i = 0; i < ST_COUNT && r >= 0; i++)
		if (st == ST_COUNT || st == (enum stage)i)
			r = vault_walk(s->v, (enum stage)i, NULL, add_found, &l);
	free(needle);
	if (r < 0) {
		json_decref(l.items);
		return -1;
	}
	*out = json_pack("{s:o, s:I, s:b}", "items", l.items, "total",
	    (json_int_t)l.seen, "truncated", l.seen > l.limit);
	return 0;
}

/* ---- writing ----------------------------------------------------------- */

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

static int tool_create_item(struct mcp_session *s, json_t *args,
    json_t **out)
{
	const char *domain, *type, *title = str_arg(args, "title"),
	    *body = str_arg(args, "body");
	char id[AIE_ID_MAX + 1], now[21], *text;
	struct itemref ref;
	struct item it;
	size_t n;
	int r;

	if (name_arg(args, "domain", &domain) < 0 ||
	    name_arg(args, "type", &type) < 0 || text_ok("title", title, 0) < 0 ||
	    (body && text_ok("body", body, 1) < 0))
		return RPC_INVALID_PARAMS;
	if (!type)
		type = "task";
	if (id_generate(id, sizeof id, type) < 0 ||
	    item_ref_set(&ref, id, ST_NEEDS_ACTION, domain) < 0)
		return -1;
	time_rfc3339(time(NULL), now);
	memset(&it, 0, sizeof it);
	if (fm_parse(&it, "---\n---\n", 8) < 0)
		return -1;
	n = body ? strlen(body) : 0;
	while (n > 0 && body[n - 1] == '\n')
		n--;
	if (fm_set(&it, "type", type) < 0 || fm_set(&it, "id", id) < 0 ||
	    fm_set(&it, "created", now) < 0 || fm_set(&it, "domain", domain) < 0 ||
	    fm_set(&it, "status", "new") < 0 || fm_set(&it, "title", title) < 0 ||
	    fm_set(&it, "created_by", s->v->agent) < 0 ||
	    fm_set(&it, "via", "vault-mcp") < 0 ||
	    !(text = malloc(n + 2))) {
		fm_free(&it);
		return -1;
	}
	memcpy(text, body ? body : "", n);
	memcpy(text + n, "\n", 2);
	free(it.body);
	it.body = text;
	it.bodylen = n + 1;
	r = item_create(s->v, &ref, &it);
	fm_free(&it);
	if (r < 0 || audit_event(s->v, "create", id, NULL, ref.rel, NULL) < 0)
		return -1;
	*out = json_pack("{s:s, s:s, s:s}", "id", id, "stage",
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

static int tool_claim(struct mcp_session *s, json_t *args, json_t **out)
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

static int tool_release(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *id;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	return run_tool(s, (const char *[]){ "vault-claim", "--release", "--",
	    id, NULL }, out);
}

static int tool_draft_reply(struct mcp_session *s, json_t *args,
    json_t **out)
{
	const char *id;

	if (id_arg(args, "id", &id) < 0)
		return RPC_INVALID_PARAMS;
	return run_tool(s, (const char *[]){ "draft-email", "--", id, NULL },
	    out);
}

/* ---- the table ----------------------------------------------------------- */

static const struct tool tools[] = {
	{ "vault_status", "Vault status",
	  "Counts per stage and domain, the drafts waiting for the owner's "
	  "approval, the last sync and the agents' health (vault-status(1)).",
	  no_args, tool_vault_status },
	{ "list_items", "List items",
	  "The items of one stage (default Needs_Action), of one domain, at "
	  "most limit of them, in the vault's order.",
	  list_args, tool_list_items },
	{ "read_item", "Read an item",
	  "One item by ID: where it is, its front matter and its body.",
	  id_args, tool_read_item },
	{ "search", "Search items",
	  "Items whose front matter or body holds query (any case).",
	  search_args, tool_search },
	{ "claim", "Claim work",
	  "Claim an item of Needs_Action for this agent (vault-claim(1)): "
	  "the one named by id, or the oldest of domain, or the oldest of all.",
	  claim_args, tool_claim },
	{ "release", "Release a claim",
	  "Give back this agent's claim on an item (vault-claim --release).",
	  id_args, tool_release },
	{ "create_item", "Create an item",
	  "A new item in Needs_Action/<domain>/ with a title and a body.",
	  create_args, tool_create_item },
	{ "draft_reply", "Draft a reply",
	  "Draft the reply to an email item into Pending_Approval/email/ "
	  "(draft-email(1)); it waits there for the owner's approval.",
	  id_args, tool_draft_reply },
};

json_t *mcp_tools_list(const struct mcp_session *s)
{
	json_t *list = json_array(), *t;
	size_t i;

	for (i = 0; i < sizeof tools / sizeof *tools; i++) {
		t = json_pack("{s:s, s:s, s:o}", "name", tools[i].name,
		    "description", tools[i].desc, "inputSchema",
		    input_schema(tools[i].args));
		if (t && mcp_structured(s))
			json_object_set_new(t, "title", json_string(tools[i].title));
		json_array_append_new(list, t);
	}
	return json_pack("{s:o}", "tools", list);
}

/* The call's audit line; a failure to write it is said in the result. */
static int audit_call(struct mcp_session *s, const char *name, json_t *args,
    int ok)
{
	json_t *o = json_pack("{s:s, s:s, s:b}", "event", "mcp_call", "name",
	    name, "ok", ok);
	const char *id = str_arg(args, "id");

	if (o && id)
		json_object_set_new(o, "id", json_string(id));
	return audit_json(s->v, o);
}

int mcp_tools_call(struct mcp_session *s, json_t *params, json_t **result)
{
	const char *name = str_arg(params, "name");
	json_t *args = json_object_get(params, "arguments"), *out = NULL;
	const struct tool *t = NULL;
	char *text;
	size_t i;
	int r;

	if (!name)
		return aie_fail(0, "tools/call: name missing"), RPC_INVALID_PARAMS;
	for (i = 0; i < sizeof tools / sizeof *tools; i++)
		if (strcmp(name, tools[i].name) == 0)
			t = &tools[i];
	if (!t)
		return aie_fail(0, "%s: no such tool", name), RPC_INVALID_PARAMS;
	if (args && !json_is_object(args))
		return aie_fail(0, "%s: arguments is not an object", name),
		    RPC_INVALID_PARAMS;
	if (!args)
		args = json_object();
	else
		json_incref(args);
	if (check_args(t, args) < 0) {
		json_decref(args);
		return RPC_INVALID_PARAMS;
	}
	if (!s->v) {
		json_decref(args);
		return aie_fail(0, "%s: no vault open", name), RPC_INTERNAL_ERROR;
	}
	r = t->fn(s, args, &out);
	if (r > 0 || r < -1) {       /* RPC_ codes are negative, below -1 */
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		audit_call(s, name, args, 0);
		snprintf(aie_errmsg, sizeof aie_errmsg, "%s", why);
		json_decref(args);
		return r;
	}
	if (r == 0 && !out)
		r = aie_fail(EX_TEMP, "%s: out of memory", name);
	if (r == 0 && audit_call(s, name, args, 1) < 0) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%.40s: done, but not in the audit log: %.400s",
		    name, aie_errmsg);
		snprintf(aie_errmsg, sizeof aie_errmsg, "%s", why);
		r = -1;
	} else if (r < 0) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		audit_call(s, name, args, 0);
		snprintf(aie_errmsg, sizeof aie_errmsg, "%s", why);
	}
	json_decref(args);
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
		*result = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type",
		    "text", "text", aie_errmsg[0] ? aie_errmsg : "failed",
		    "isError", 1);
	}
	if (!*result)
		return aie_fail(EX_TEMP, "out of memory"), RPC_INTERNAL_ERROR;
	return 0;
}
