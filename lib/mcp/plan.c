/*
 * plan.c - the plan tools of vault-mcp(1), plan_create and plan_update:
 * the work of plan(1), through the same lib/plan calls, so the same
 * checks apply (see plan(1)).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plan/plan.h"

/* The lines of text, blank ones skipped, as plan(1) reads stdin; they
 * point into text, which is changed. The count, or -1. */
static long split_steps(char *text, char **steps, size_t max)
{
	char *line, *save = NULL;
	size_t n = 0, len;

	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n == max)
			return aie_fail(0, "plan_create: more than %zu steps", max);
		steps[n++] = line;
	}
	return (long)n;
}

int tool_plan_create(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *id, *text = str_arg(args, "steps");
	char *copy, *steps[PLAN_STEPS_MAX];
	struct plan p;
	long n;
	int r;

	if (id_arg(args, "id", &id) < 0 || !id || !text)
		return RPC_INVALID_PARAMS;
	if (!(copy = strdup(text)))
		return aie_fail(EX_TEMP, "plan_create: out of memory");
	if ((n = split_steps(copy, steps, PLAN_STEPS_MAX)) < 0) {
		free(copy);
		return RPC_INVALID_PARAMS;
	}
	r = plan_create(s->v, id, str_arg(args, "objective"),
	    (const char *const *)steps, (size_t)n, &p);
	free(copy);
	if (r < 0)
		return -1;
	*out = plan_json(&p);
	plan_free(&p);
	return 0;
}

int tool_plan_update(struct mcp_session *s, json_t *args, json_t **out)
{
	const char *id, *reflection = str_arg(args, "reflection");
	json_int_t step = json_integer_value(json_object_get(args, "done"));
	struct plan p;
	int r;

	if (id_arg(args, "id", &id) < 0 || !id)
		return RPC_INVALID_PARAMS;
	if ((r = plan_tick(s->v, id, (size_t)step, NULL, &p)) < 0)
		return -1;
	if (reflection && plan_reflect(s->v, id, (size_t)step, reflection) < 0) {
		plan_free(&p);
		return -1;
	}
	*out = plan_json(&p);
	if (*out)
		json_object_set_new(*out, "ticked", json_boolean(r == 0));
	plan_free(&p);
	return 0;
}
