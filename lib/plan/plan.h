/*
 * plan.h - plans (see vault(5), "Plans", and plan(1)): the file
 * Plans/<domain>/PLAN_<ID>.md of an item, an objective and steps as
 * Markdown checkboxes; a step that is an action awaiting approval names
 * its draft, "(draft: DRAFT_x)", and is ticked when that draft is
 * executed (plan_draft_executed, called by vault-exec). plan(1) and
 * vault-mcp(1) both go through here.
 */
#ifndef AIE_PLAN_H
#define AIE_PLAN_H

#include "vault/vault.h"

#define PLAN_STEPS_MAX 100
#define PLAN_STEP_LEN_MAX 500

struct plan_step {
	const char *text;        /* the step as written, draft link included */
	int done;
	char draft[AIE_ID_MAX + 1];   /* the linked draft's ID, or "" */
	size_t box;              /* offset in the body of its [ ] */
};
struct plan {
	struct itemref ref;      /* Plans/<domain>/PLAN_<ID>.md */
	struct item it;
	char *source, *status;
	struct plan_step *steps;
	size_t nsteps;
	char *lines;             /* what the steps' texts point into */
};

/* The plan's ID for arg: arg itself when it starts with PLAN_, else
 * PLAN_<arg>. 0, or -1 (65) when that is not a valid ID. */
int plan_id(const char *arg, char id[AIE_ID_MAX + 1]);
/* Make the plan of the item id (which must exist) in Plans/<domain>/ with
 * the item's domain, objective (NULL: the item's title, else its ID) and
 * the n steps (one line each, at most PLAN_STEPS_MAX of at most
 * PLAN_STEP_LEN_MAX bytes, text the owner can read: no control
 * characters, UTF-8); an audit line "plan". Refused (65) when the item
 * already has a plan. On success *p is the new plan (plan_free it). */
int plan_create(struct vault *v, const char *id, const char *objective,
    const char *const *steps, size_t n, struct plan *p);
/* Parse the text of a plan file (front matter and steps; ref left
 * empty), as plan_load does: 0, or -1 (65 when it is not an item). */
int plan_parse(struct plan *p, const char *buf, size_t len);
/* Load the plan named by arg (an item's ID or the plan's) into *p. */
int plan_load(struct vault *v, const char *arg, struct plan *p);
void plan_free(struct plan *p);
/* The first unticked step (1-based), or 0 when every step is done. */
size_t plan_next(const struct plan *p);
/* Tick step n (1-based) of the plan named by arg: one atomic rewrite
 * (status: done once no step is left), then an audit line "plan_step"
 * with note. 0; 1 when it was already ticked (nothing written); -1 (65
 * for a step that does not exist, 77 for a step that links a draft: only
 * executing the draft ticks it). *p, when not NULL, is the plan after. */
int plan_tick(struct vault *v, const char *arg, size_t n, const char *note,
    struct plan *p);
/* Tick every unticked step of every plan that links draft_id: for
 * vault-exec when it has executed that draft. The number ticked, or -1. */
int plan_draft_executed(struct vault *v, const char *draft_id);
/* The plan as JSON: id, stage (Plans), source, domain, status, path, objective, steps
 * ([{n, text, done, draft?}]), next (0 when complete). NULL: no memory. */
struct json_t *plan_json(const struct plan *p);
/* Append "- step n, <time>, <agent>: text" (n 0: no step) to the end of
 * the plan's "## Reflections" section, made when missing; text is one
 * line as a step's. An audit line "plan_reflect". 0, or -1 (65 for text
 * refused or a step that does not exist). */
int plan_reflect(struct vault *v, const char *arg, size_t n,
    const char *text);
/* How many reflections on step n (from 1) the plan's
 * "## Reflections" section holds: plan-run(1) asks whether a run that
 * ticked a step also said what came of it. */
size_t plan_reflections(const struct plan *p, size_t n);

/* The answer to an agent that wants to stop working the plan named by
 * arg, in session (any string naming the agent's run):
 * PLAN_STOP_CONTINUE with reason saying the next step and how to tick and
 * reflect on it (counted: at most max in one session);
 * PLAN_STOP_DONE when every step is done; PLAN_STOP_WAITS when the next
 * step waits for a draft's approval; PLAN_STOP_LIMIT (an audit line
 * plan_loop_limit) when max continuations were given; -1 on an error. */
enum { PLAN_STOP_DONE, PLAN_STOP_CONTINUE, PLAN_STOP_WAITS,
    PLAN_STOP_LIMIT };
int plan_stop(struct vault *v, const char *arg, const char *session,
    long max, char *reason, size_t size);

/* Call fn for every plan of Plans/ (vault_walk's contract). */
int plan_walk(struct vault *v, item_fn fn, void *ctx);

#endif
