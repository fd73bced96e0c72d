/*
 * plan.c - plans (see plan.h and vault(5), "Plans"): made, read, ticked.
 *
 * The steps are the "- [ ]" and "- [x]" lines of the plan's "## Steps"
 * section, so an owner may edit the rest of the file freely; a tick is one
 * character of the body changed and the file rewritten atomically
 * (item_store), under the agent's .state lock "plan" so that two ticks of
 * one agent never lose each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "plan/plan.h"
#include "internal.h"

#define DRAFT_TAG "(draft: "

int plan_id(const char *arg, char id[AIE_ID_MAX + 1])
{
	int n = strncmp(arg, "PLAN_", 5) == 0 ?
	    snprintf(id, AIE_ID_MAX + 1, "%s", arg) :
	    snprintf(id, AIE_ID_MAX + 1, "PLAN_%s", arg);

	if (n < 0 || n > AIE_ID_MAX || !id_valid(id) || !id_valid(arg))
		return aie_fail(EX_DATA, "%s: bad item ID", arg);
	return 0;
}

/* The draft a step links, "(draft: ID)", into draft ("" when none): 0, or
 * -1 (65) when the link is there but does not hold a valid ID. */
static int step_draft(const char *text, char draft[AIE_ID_MAX + 1])
{
	const char *p = strstr(text, DRAFT_TAG), *end;
	size_t n;

	draft[0] = '\0';
	if (!p)
		return 0;
	p += strlen(DRAFT_TAG);
	end = strchr(p, ')');
	n = end ? (size_t)(end - p) : 0;
	if (!end || n == 0 || n > AIE_ID_MAX)
		return aie_fail(EX_DATA, "step \"%.80s\": a draft link is "
		    "(draft: DRAFT_ID)", text);
	memcpy(draft, p, n);
	draft[n] = '\0';
	if (!id_valid(draft))
		return aie_fail(EX_DATA, "step \"%.80s\": %s is not an item ID",
		    text, draft);
	return 0;
}

/* One line of text the owner can read, of at most max bytes. */
int plan_line_ok(const char *what, const char *s, size_t max)
{
	char tok[SHOW_TOKEN_MAX];
	size_t len = strlen(s), at;

	if (len == 0)
		return aie_fail(EX_DATA, "%s is empty", what);
	if (len > max)
		return aie_fail(EX_DATA, "%s \"%.40s...\" is longer than %zu bytes",
		    what, s, max);
	if ((at = show_refused(s, len, 0, tok)) != (size_t)-1)
		return aie_fail(EX_DATA, "%s \"%.40s\": %s at byte %zu is not "
		    "allowed", what, s, tok, at);
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->lines);
	free(p->steps);
	free(p->source);
	free(p->status);
	fm_free(&p->it);
	memset(p, 0, sizeof *p);
}

/* The steps of the loaded item p->it. Their texts point into p->lines, a
 * copy of the body with each step's line end made a NUL. */
static int parse_steps(struct plan *p)
{
	const char *b = p->it.body;
	size_t start, end, at, eol, n;
	struct plan_step *s;

	if (!b || !md_section(b, p->it.bodylen, "Steps", &start, &end))
		return 0;
	if (!(p->lines = malloc(p->it.bodylen + 1)))
		return aie_fail_errno(EX_TEMP, "%s", p->ref.rel);
	memcpy(p->lines, b, p->it.bodylen);
	p->lines[p->it.bodylen] = '\0';
	for (at = start; at < end; at = eol + 1) {
		for (eol = at; eol < end && b[eol] != '\n'; eol++)
			;
		if (eol - at < 6 || strncmp(b + at, "- [", 3) != 0 ||
		    !strchr(" xX", b[at + 3]) || b[at + 4] != ']' ||
		    b[at + 5] != ' ')
			continue;
		if (!(s = realloc(p->steps, (p->nsteps + 1) * sizeof *s)))
			return aie_fail_errno(EX_TEMP, "%s", p->ref.rel);
		p->steps = s;
		s = &p->steps[p->nsteps++];
		n = eol - at - 6;
		if (n && b[at + 6 + n - 1] == '\r')
			n--;
		p->lines[at + 6 + n] = '\0';
		s->text = p->lines + at + 6;
		s->done = b[at + 3] != ' ';
		s->box = at + 3;
		if (step_draft(s->text, s->draft) < 0)
			s->draft[0] = '\0';   /* an edited link: just not a link */
		if (eol == end)
			break;
	}
	return 0;
}

int plan_parse(struct plan *p, const char *buf, size_t len)
{
	memset(p, 0, sizeof *p);
	if (fm_parse(&p->it, buf, len) < 0)
		return -1;
	p->source = fm_get(&p->it, "source");
	p->status = fm_get(&p->it, "status");
	if (parse_steps(p) < 0) {
		plan_free(p);
		return -1;
	}
	return 0;
}

/* Load the plan at ref. */
static int load_ref(struct vault *v, const struct itemref *ref,
    struct plan *p)
{
	char *buf, why[sizeof aie_errmsg];
	size_t len;
	int r;

	memset(p, 0, sizeof *p);
	if (file_readat(v->dirfd, ref->rel, &buf, &len) < 0)
		return -1;
	r = plan_parse(p, buf, len);
	free(buf);
	if (r < 0) {
		snprintf(why, sizeof why, "%s", aie_errmsg);
		return aie_fail(EX_DATA, "%s: %s", ref->rel, why);
	}
	p->ref = *ref;
	return 0;
}

int plan_load(struct vault *v, const char *arg, struct plan *p)
{
	char id[AIE_ID_MAX + 1];
	struct itemref ref;

	memset(p, 0, sizeof *p);
	if (plan_id(arg, id) < 0)
		return -1;
	if (vault_find(v, id, &ref) < 0)
		return aie_fail(EX_DATA, "%s: no plan (no %s in the vault)", arg,
		    id);
	if (ref.stage != ST_PLANS)
		return aie_fail(EX_DATA, "%s: not a plan (it is %s)", id, ref.rel);
	return load_ref(v, &ref, p);
}

size_t plan_next(const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		if (!p->steps[i].done)
			return i + 1;
	return 0;
}

/* The objective line of the body, malloc'd, or NULL. */
static char *objective(const struct plan *p)
{
	const char *b = p->it.body, *o, *e;
	size_t n;

	if (!b)
		return NULL;
	for (o = b; (o = strstr(o, "Objective: ")); o++)
		if (o == b || o[-1] == '\n')
			break;
	if (!o)
		return NULL;
	o += strlen("Objective: ");
	e = strchr(o, '\n');
	n = e ? (size_t)(e - o) : strlen(o);
	if (n && o[n - 1] == '\r')
		n--;
	return strndup(o, n);
}

json_t *plan_json(const struct plan *p)
{
	char d[AIE_NAME_MAX + 1], *obj = objective(p);
	json_t *steps = json_array(), *o, *s;
	size_t i;

	claim_domain(&p->it, &p->ref, d);
	for (i = 0; steps && i < p->nsteps; i++) {
		s = json_pack("{s:I, s:s, s:b}", "n", (json_int_t)(i + 1), "text",
		    p->steps[i].text, "done", p->steps[i].done);
		if (s && p->steps[i].draft[0])
			json_object_set_new(s, "draft", json_string(p->steps[i].draft));
		json_array_append_new(steps, s);
	}
	o = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:s?, s:o, s:I}", "id",
	    p->ref.id, "stage", stage_dir[p->ref.stage], "source", p->source,
	    "domain", d, "status", p->status, "path", p->ref.rel, "objective",
	    obj, "steps", steps, "next", (json_int_t)plan_next(p));
	free(obj);
	return o;
}

/* The new plan's file: front matter and body. */
static int compose(struct item *it, const char *pid, const char *id,
    const char *d, const char *obj, const char *const *steps, size_t n)
{
	struct buf b = { 0 };
	char now[21];
	size_t i;

	memset(it, 0, sizeof *it);
	time_rfc3339(time(NULL), now);
	if (fm_parse(it, "---\n---\n", 8) < 0)
		return -1;
	buf_addf(&b, "\n# Plan for %s\n\nObjective: %s\n\n## Steps\n\n", id, obj);
	for (i = 0; i < n; i++)
		buf_addf(&b, "- [ ] %s\n", steps[i]);
	free(it->body);
	it->body = buf_take(&b, &it->bodylen);
	if (!it->body || fm_set(it, "type", "plan") < 0 ||
	    fm_set(it, "id", pid) < 0 || fm_set(it, "source", id) < 0 ||
	    fm_set(it, "created", now) < 0 || fm_set(it, "domain", d) < 0 ||
	    fm_set(it, "status", "active") < 0) {
		if (!aie_errmsg[0])
			aie_fail(EX_TEMP, "%s: out of memory", pid);
		fm_free(it);
		return -1;
	}
	return 0;
}

/* The item's title (or subject) when it is one readable line, else NULL. */
static char *item_title(const struct item *it)
{
	char *t = fm_get(it, "title");

	if (!t)
		t = fm_get(it, "subject");
	if (t && plan_line_ok("title", t, PLAN_STEP_LEN_MAX) < 0) {
		free(t);
		t = NULL;
	}
	return t;
}

int plan_create(struct vault *v, const char *id, const char *obj,
    const char *const *steps, size_t n, struct plan *p)
{
	char pid[AIE_ID_MAX + 1], d[AIE_NAME_MAX + 1], draft[AIE_ID_MAX + 1];
	char *title = NULL;
	struct itemref src, ref;
	struct item it;
	size_t i;
	int r;

	memset(p, 0, sizeof *p);
	if (plan_id(id, pid) < 0)
		return -1;
	if (strcmp(pid, id) == 0)
		return aie_fail(EX_DATA, "%s: a plan is made for an item, not for "
		    "a plan", id);
	if (n == 0)
		return aie_fail(EX_DATA, "%s: a plan needs at least one step", id);
	if (n > PLAN_STEPS_MAX)
		return aie_fail(EX_DATA, "%s: %zu steps, at most %d", id, n,
		    PLAN_STEPS_MAX);
	for (i = 0; i < n; i++)
		if (plan_line_ok("step", steps[i], PLAN_STEP_LEN_MAX) < 0 ||
		    step_draft(steps[i], draft) < 0)
			return -1;
	if (obj && plan_line_ok("objective", obj, PLAN_STEP_LEN_MAX) < 0)
		return -1;
	if (vault_find(v, id, &src) < 0)
		return -1;
	if (vault_find_once(v, pid, &ref) == 0)
		return aie_fail(EX_DATA, "%s: already has a plan (%s)", id, ref.rel);
	if (item_load(v, &src, &it) < 0)
		return -1;
	claim_domain(&it, &src, d);
	if (!obj)
		obj = title = item_title(&it);
	fm_free(&it);
	r = item_ref_set(&ref, pid, ST_PLANS, d);
	if (r == 0)
		r = compose(&it, pid, id, d, obj ? obj : id, steps, n);
	free(title);
	if (r < 0)
		return -1;
	r = item_create(v, &ref, &it);
	fm_free(&it);
	if (r < 0 || audit_event(v, "plan", pid, NULL, ref.rel, NULL) < 0)
		return -1;
	return load_ref(v, &ref, p);
}

/* Tick step n of the loaded plan p and write it; the caller holds the
 * lock. 0, or 1 when it was ticked already. */
static int tick_loaded(struct vault *v, struct plan *p, size_t n,
    const char *note)
{
	char msg[PLAN_STEP_LEN_MAX + 64];

	if (n < 1 || n > p->nsteps)
		return aie_fail(EX_DATA, "%s: no step %zu (it has %zu)", p->ref.id,
		    n, p->nsteps);
	if (p->steps[n - 1].done)
		return 1;
	p->it.body[p->steps[n - 1].box] = 'x';
	p->steps[n - 1].done = 1;
	if (plan_next(p) == 0) {
		if (fm_set(&p->it, "status", "done") < 0)
			return -1;
		free(p->status);
		p->status = strdup("done");
	}
	if (item_store(v, &p->ref, &p->it) < 0)
		return -1;
	snprintf(msg, sizeof msg, "step %zu: %s%s%s", n, p->steps[n - 1].text,
	    note ? "; " : "", note ? note : "");
	return audit_event(v, "plan_step", p->ref.id, NULL, p->ref.rel, msg);
}

int plan_tick(struct vault *v, const char *arg, size_t n, const char *note,
    struct plan *out)
{
	struct plan p;
	int lock, r;

	if ((lock = state_lock(v, "plan", 1)) < 0)
		return -1;
	r = plan_load(v, arg, &p);
	/* a step that waits for a draft is done when the draft is executed,
	 * and says so only then */
	if (r == 0 && n >= 1 && n <= p.nsteps && !p.steps[n - 1].done &&
	    p.steps[n - 1].draft[0])
		r = aie_fail(EX_REFUSED, "%s: step %zu waits for draft %s; it is "
		    "ticked when vault-exec executes that draft", p.ref.id, n,
		    p.steps[n - 1].draft);
	else if (r == 0)
		r = tick_loaded(v, &p, n, note);
	state_unlock(lock);
	if (out && r >= 0)
		*out = p;
	else
		plan_free(&p);
	return r;
}

int plan_walk(struct vault *v, item_fn fn, void *ctx)
{
	return vault_walk(v, ST_PLANS, NULL, fn, ctx);
}

struct linked { const char *draft; int ticked; int failed; };

/* Tick the steps of the plan at ref that link the draft. */
static int tick_linked(struct vault *v, const struct itemref *ref,
    void *ctx)
{
	struct linked *l = ctx;
	char note[AIE_ID_MAX + 32];
	struct plan p;
	size_t i;
	int r;

	if (load_ref(v, ref, &p) < 0)
		return 0;   /* an unreadable plan links nothing we can tick */
	snprintf(note, sizeof note, "draft %s executed", l->draft);
	for (i = 0; i < p.nsteps; i++)
		if (!p.steps[i].done && strcmp(p.steps[i].draft, l->draft) == 0) {
			if ((r = tick_loaded(v, &p, i + 1, note)) < 0)
				l->failed = 1;
			else if (r == 0)
				l->ticked++;
		}
	plan_free(&p);
	return 0;
}

int plan_draft_executed(struct vault *v, const char *draft_id)
{
	struct linked l = { draft_id, 0, 0 };
	int lock, r;

	if ((lock = state_lock(v, "plan", 1)) < 0)
		return -1;
	r = plan_walk(v, tick_linked, &l);
	state_unlock(lock);
	if (r < 0 || l.failed)
		return -1;
	return l.ticked;
}
