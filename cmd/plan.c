/*
 * plan - plans for items (see plan(1) and vault(5), "Plans").
 *
 * plan ID makes Plans/<domain>/PLAN_<ID>.md with the steps of --step
 * options or, without any, the lines of stdin; --next says the first
 * step not done, --done ticks one, --reflect writes what came of one,
 * --list shows every plan, and --stop-hook answers an agent's Stop hook
 * (Claude Code's) so that it keeps working the plan. The work is
 * lib/plan's, which vault-mcp's plan tools share.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "plan/plan.h"

static struct vault v;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: plan [-jqv] [-C DIR] [-a AGENT] [-o OBJECTIVE] "
	    "[-s STEP ...] ID\n"
	    "       plan [-jqv] [-C DIR] [-a AGENT] --next ID\n"
	    "       plan [-jqv] [-C DIR] [-a AGENT] --done ID N\n"
	    "       plan [-qv] [-C DIR] [-a AGENT] --reflect ID N [TEXT]\n"
	    "       plan [-qv] [-C DIR] [-a AGENT] --stop-hook [ID]\n"
	    "       plan [-jqv] [-C DIR] [-a AGENT] --list\n");
	exit(status ? 2 : 0);
}

/* The plan, as JSON or as text: path, objective, steps. */
static int print_plan(const struct plan *p)
{
	size_t i;

	if (cli.json)
		return cli_print_json(plan_json(p));
	printf("%s\n", p->ref.rel);
	for (i = 0; i < p->nsteps; i++)
		printf("%zu\t[%c]\t%s\n", i + 1, p->steps[i].done ? 'x' : ' ',
		    p->steps[i].text);
	return 0;
}

/* Steps from stdin: one a line, blank lines skipped. *text holds them
 * (free it), *steps points into it (free it too). */
static int read_steps(char **text, char ***steps, size_t *n)
{
	struct buf b = { 0 };
	char chunk[4096], *line, *save = NULL, **s;
	size_t got, len;

	while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_add(&b, chunk, got);
	if (ferror(stdin)) {
		buf_free(&b);
		cli_warn("stdin", "cannot read the steps");
		return EX_TEMP;
	}
	if (!(*text = buf_take(&b, &len))) {
		cli_warn("stdin", "out of memory");
		return EX_TEMP;
	}
	for (line = strtok_r(*text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		/* malloc first: gcc -fanalyzer takes realloc(NULL) for a free */
		s = *steps ? realloc(*steps, (*n + 1) * sizeof *s) :
		    malloc(sizeof *s);
		if (!s) {
			cli_warn("stdin", "out of memory");
			return EX_TEMP;
		}
		*steps = s;
		s[(*n)++] = line;
	}
	return 0;
}

static int create(const char *id, const char *objective, char **opt_steps,
    size_t nopt)
{
	char **steps = NULL, *text = NULL;
	size_t n = 0;
	struct plan p;
	int status = 0;

	if (nopt == 0 && (status = read_steps(&text, &steps, &n)) != 0)
		goto out;
	if (plan_create(&v, id, objective, nopt ? (const char *const *)opt_steps :
	    (const char *const *)steps, nopt ? nopt : n, &p) < 0) {
		cli_warnerr(NULL);
		status = aie_errcode;
		goto out;
	}
	print_plan(&p);
	plan_free(&p);
out:
	free(text);
	free(steps);
	return status;
}

static int next(const char *id)
{
	struct plan p;
	size_t n;

	if (plan_load(&v, id, &p) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	n = plan_next(&p);
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:I}", "id", p.ref.id, "next",
		    (json_int_t)n);
		if (o && n) {
			json_object_set_new(o, "text", json_string(p.steps[n - 1].text));
			if (p.steps[n - 1].draft[0])
				json_object_set_new(o, "draft",
				    json_string(p.steps[n - 1].draft));
		}
		cli_print_json(o);
	} else if (n)
		printf("%zu\t%s\n", n, p.steps[n - 1].text);
	else if (!cli.quiet)
		cli_warn(p.ref.id, "every step is done");
	plan_free(&p);
	return n ? 0 : EX_NEG;
}

static int done(const char *id, const char *step)
{
	struct plan p;
	char *end;
	long n = strtol(step, &end, 10);
	int r;

	if (*end || end == step || n < 1 || n > PLAN_STEPS_MAX) {
		cli_warn(step, "not a step number (1 to %d)", PLAN_STEPS_MAX);
		return EX_ARGS;
	}
	if ((r = plan_tick(&v, id, (size_t)n, NULL, &p)) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (r == 1 && !cli.quiet)
		cli_warn(p.ref.id, "step %ld was already done", n);
	if (r == 0)
		print_plan(&p);
	plan_free(&p);
	return r == 1 ? EX_NEG : 0;
}

/* All of stdin, at most max bytes, NUL-terminated; NULL on an error told. */
static char *read_stdin(size_t max)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t got;

	while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0 &&
	    b.len <= max)
		buf_add(&b, chunk, got);
	if (ferror(stdin) || b.len > max || b.oom) {
		cli_warn("stdin", ferror(stdin) ? "cannot read it" : b.oom ?
		    "out of memory" : "longer than %zu bytes", max);
		buf_free(&b);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}

static int reflect(const char *id, const char *step, const char *text)
{
	char *end, *in = NULL;
	long n = strtol(step, &end, 10);
	size_t len;
	int r;

	if (*end || end == step || n < 0 || n > PLAN_STEPS_MAX) {
		cli_warn(step, "not a step number (0 to %d)", PLAN_STEPS_MAX);
		return EX_ARGS;
	}
	if (!text) {
		if (!(in = read_stdin(PLAN_STEP_LEN_MAX + 2)))
			return EX_DATA;
		len = strlen(in);
		while (len && (in[len - 1] == '\n' || in[len - 1] == '\r'))
			in[--len] = '\0';
		text = in;
	}
	r = plan_reflect(&v, id, (size_t)n, text);
	free(in);
	if (r < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	return 0;
}

/* A Stop hook (Claude Code's: its JSON on stdin, session_id in it): on
 * stdout {"decision":"block","reason":...} to send the agent back to the
 * plan, nothing to let it stop. The plan is ID, else $AIE_PLAN; with
 * neither there is nothing to keep working on. */
static int stop_hook(const char *id)
{
	char *in, reason[1200];
	const char *session = "-";
	json_t *hook, *out;
	long max;
	int r;

	if (!id)
		id = getenv("AIE_PLAN");
	if (!(in = read_stdin(1 << 20)))
		return EX_DATA;
	hook = json_loads(in, 0, NULL);
	free(in);
	if (json_is_string(json_object_get(hook, "session_id")))
		session = json_string_value(json_object_get(hook, "session_id"));
	if (!id || !*id) {
		json_decref(hook);
		return 0;
	}
	if (config_long("PLAN_MAX_ITERATIONS", 10, 0, 1000, &max) < 0) {
		json_decref(hook);
		cli_warnerr(NULL);
		return aie_errcode;
	}
	r = plan_stop(&v, id, session, max, reason, sizeof reason);
	json_decref(hook);
	if (r < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (r == PLAN_STOP_CONTINUE) {
		out = json_pack("{s:s, s:s}", "decision", "block", "reason",
		    reason);
		return cli_print_json(out) < 0 ? EX_TEMP : 0;
	}
	if (reason[0] && !cli.quiet)
		cli_warn(NULL, "%s", reason);
	return 0;
}

static int list_one(struct vault *vv, const struct itemref *ref, void *ctx)
{
	struct plan p;
	size_t i, ndone = 0;

	(void)ctx;
	if (plan_load(vv, ref->id, &p) < 0) {
		cli_warnerr(NULL);
		return 0;
	}
	for (i = 0; i < p.nsteps; i++)
		ndone += p.steps[i].done;
	if (cli.json)
		cli_print_json(plan_json(&p));
	else
		printf("%s\t%zu/%zu\t%s\t%s\n", p.ref.id, ndone, p.nsteps,
		    p.status ? p.status : "-", p.ref.rel);
	plan_free(&p);
	return 0;
}

int main(int argc, char **argv)
{
	enum { CREATE, NEXT, DONE, REFLECT, HOOK, LIST } mode = CREATE;
	static const struct option longopts[] = {
		{ "step", required_argument, NULL, 's' },
		{ "objective", required_argument, NULL, 'o' },
		{ "next", no_argument, NULL, 'N' + 256 },
		{ "done", no_argument, NULL, 'D' + 256 },
		{ "list", no_argument, NULL, 'L' + 256 },
		{ "reflect", no_argument, NULL, 'R' + 256 },
		{ "stop-hook", no_argument, NULL, 'H' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *objective = NULL;
	char **steps = NULL, **s;
	size_t nsteps = 0;
	int c, status, want;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "s:o:", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 's':
			if (!(s = realloc(steps, (nsteps + 1) * sizeof *s))) {
				cli_warn(NULL, "out of memory");
				free(steps);
				return EX_TEMP;
			}
			steps = s;
			steps[nsteps++] = optarg;
			break;
		case 'o': objective = optarg; break;
		case 'N' + 256: mode = NEXT; break;
		case 'D' + 256: mode = DONE; break;
		case 'L' + 256: mode = LIST; break;
		case 'R' + 256: mode = REFLECT; break;
		case 'H' + 256: mode = HOOK; break;
		default: usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	want = mode == LIST ? 0 : mode == DONE ? 2 : 1;
	if ((mode == REFLECT ? argc != 2 && argc != 3 :
	    mode == HOOK ? argc > 1 : argc != want) ||
	    (mode != CREATE && (nsteps || objective)))
		usage(2);     /* exits */
	if ((status = cli_open_vault(&v)) != 0) {
		free(steps);
		return status;
	}
	switch (mode) {
	case CREATE: status = create(argv[0], objective, steps, nsteps); break;
	case NEXT: status = next(argv[0]); break;
	case DONE: status = done(argv[0], argv[1]); break;
	case REFLECT:
		status = reflect(argv[0], argv[1], argc == 3 ? argv[2] : NULL);
		break;
	case HOOK: status = stop_hook(argc ? argv[0] : NULL); break;
	case LIST:
		status = plan_walk(&v, list_one, NULL) < 0 ? aie_errcode : 0;
		break;
	}
	free(steps);
	vault_close(&v);
	return status;
}
