/*
 * plan.c - fuzz the plan parser (lib/plan/plan.c, plan_parse). The input
 * is a plan file, as the cloud may have written it. When it parses:
 *  - every step's checkbox is inside the body, in its "## Steps" section,
 *    and holds ' ', 'x' or 'X' as the step's done says; its text is one
 *    line; a draft it names is a valid ID;
 *  - plan_next is the first step not done;
 *  - ticking a step as plan_tick does (its checkbox made 'x') and parsing
 *    the serialized file again gives the same steps, that one done and no
 *    other changed;
 *  - plan_reflections (plan-run(1) counts a step's reflections with it)
 *    reads inside the body and counts no more lines than it has.
 */
#include "fuzz.h"
#include "plan/plan.h"

static void check_tick(const struct plan *p, size_t n)
{
	struct item it = p->it;
	struct plan again;
	char *buf, *body;
	size_t len, i;

	if (!(body = malloc(it.bodylen + 1)))
		fz_fail("out of memory");
	memcpy(body, p->it.body, it.bodylen + 1);
	body[p->steps[n].box] = 'x';
	it.body = body;
	if (fm_serialize(&it, &buf, &len) < 0)
		fz_fail("fm_serialize: %s", aie_errmsg);
	free(body);
	if (plan_parse(&again, buf, len) < 0)
		fz_fail("a ticked plan does not parse: %s", aie_errmsg);
	free(buf);
	if (again.nsteps != p->nsteps)
		fz_fail("a tick changed the steps from %zu to %zu", p->nsteps,
		    again.nsteps);
	for (i = 0; i < p->nsteps; i++) {
		if (strcmp(again.steps[i].text, p->steps[i].text) != 0 ||
		    strcmp(again.steps[i].draft, p->steps[i].draft) != 0)
			fz_fail("ticking step %zu changed step %zu", n + 1, i + 1);
		if (again.steps[i].done != (i == n ? 1 : p->steps[i].done))
			fz_fail("ticking step %zu: step %zu done is %d", n + 1, i + 1,
			    again.steps[i].done);
	}
	plan_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan p;
	size_t i, start, end, first = 0, lines;

	if (plan_parse(&p, (const char *)data, size) < 0)
		return 0;
	if (p.nsteps && !md_section(p.it.body, p.it.bodylen, "Steps", &start,
	    &end))
		fz_fail("%zu steps without a Steps section", p.nsteps);
	for (i = 0; i < p.nsteps; i++) {
		const struct plan_step *s = &p.steps[i];
		if (s->box < start || s->box >= end || s->box >= p.it.bodylen)
			fz_fail("step %zu: its checkbox is outside the section", i + 1);
		if (!strchr(" xX", p.it.body[s->box]) ||
		    (p.it.body[s->box] != ' ') != s->done)
			fz_fail("step %zu: checkbox '%c', done %d", i + 1,
			    p.it.body[s->box], s->done);
		if (strchr(s->text, '\n'))
			fz_fail("step %zu: its text is more than a line", i + 1);
		if (s->draft[0] && !id_valid(s->draft))
			fz_fail("step %zu: draft %s is not an ID", i + 1, s->draft);
		if (!s->done && !first)
			first = i + 1;
	}
	if (plan_next(&p) != first)
		fz_fail("plan_next %zu, want %zu", plan_next(&p), first);
	for (i = 0; i < p.nsteps && i < 8; i++)
		if (!p.steps[i].done)
			check_tick(&p, i);
	for (i = 0, lines = 1; i < p.it.bodylen; i++)
		lines += p.it.body[i] == '\n';
	for (i = 1; i <= p.nsteps + 1 && i <= 8; i++)
		if (plan_reflections(&p, i) > lines)
			fz_fail("step %zu: %zu reflections in %zu lines", i,
			    plan_reflections(&p, i), lines);
	plan_free(&p);
	return 0;
}
