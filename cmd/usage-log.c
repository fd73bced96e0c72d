/*
 * usage-log - record and report LLM usage and its cost.
 *
 *   usage-log add -m MODEL [-i IN] [-o OUT] [--cache-read N]
 *       [--cache-write N] [-t TASK] [-I ITEM] [--cost USD] [--time T]
 *   usage-log report [--since DAY] [--until DAY] [--by model|task|agent|day]
 *   usage-log budget
 *
 * Rows live in Logs/API_Usage/YYYY-MM-DD.md (usage.c, shared with
 * draft-email, which logs every call through the same usage_add). Costs
 * come from the price table (prices(5)); an unknown model's cost is
 * "unknown", never 0, and is counted apart in reports and budgets.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "llm/llm.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: usage-log [-C DIR] [-a AGENT] add -m MODEL [-i N] [-o N] "
	    "[--cache-read N]\n"
	    "           [--cache-write N] [-t TASK] [-I ITEM] [--cost USD] "
	    "[--time TIME]\n"
	    "       usage-log [-C DIR] [-j] report [--since DAY] [--until DAY] "
	    "[--by model|task|agent|day]\n"
	    "       usage-log [-C DIR] [-j] budget\n");
	exit(status ? 2 : 0);
}

struct group {
	char key[128];
	struct usage_sum sum;
};

struct report {
	const char *by;
	struct group *g;
	size_t n, cap;
	struct usage_sum total;
};

static int group_row(const struct usage_row *r, void *ctx)
{
	struct report *rp = ctx;
	char key[128];
	size_t i;

	if (!strcmp(rp->by, "model"))
		snprintf(key, sizeof key, "%s", r->model);
	else if (!strcmp(rp->by, "task"))
		snprintf(key, sizeof key, "%s", r->task);
	else if (!strcmp(rp->by, "agent"))
		snprintf(key, sizeof key, "%s", r->agent);
	else {
		char ts[21];
		time_rfc3339(r->time, ts);
		snprintf(key, sizeof key, "%.10s", ts);
	}
	usage_sum_add(&rp->total, r);
	for (i = 0; i < rp->n; i++)
		if (!strcmp(rp->g[i].key, key))
			break;
	if (i == rp->n) {
		if (rp->n == rp->cap) {
			size_t nc = rp->cap ? rp->cap * 2 : 16;
			struct group *ng = realloc(rp->g, nc * sizeof *ng);
			if (!ng)
				return aie_fail(EX_TEMP, "out of memory");
			rp->g = ng;
			rp->cap = nc;
		}
		memset(&rp->g[i], 0, sizeof rp->g[i]);
		snprintf(rp->g[i].key, sizeof rp->g[i].key, "%s", key);
		rp->n++;
	}
	usage_sum_add(&rp->g[i].sum, r);
	return 0;
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->key,
	    ((const struct group *)b)->key);
}

static int parse_day(const char *s, time_t *t)
{
	char buf[32];

	if (strlen(s) != 10 || snprintf(buf, sizeof buf, "%sT00:00:00Z", s) < 0 ||
	    time_parse_rfc3339(buf, t) < 0) {
		cli_warn(s, "not a day (want YYYY-MM-DD)");
		return -1;
	}
	return 0;
}

/* One compact JSON line with costs to 10 significant digits (more than
 * cli_print_json's default, so that micro-dollar costs stay exact); drops
 * the reference. */
static void print_json(json_t *o)
{
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10)) : NULL;

	if (line)
		printf("%s\n", line);
	free(line);
	json_decref(o);
}

static void print_sum(const char *by, const char *key, const struct usage_sum *s)
{
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:I}",
		    "by", by, "key", key, "calls", (json_int_t)s->calls,
		    "input_tokens", (json_int_t)s->input_tokens,
		    "output_tokens", (json_int_t)s->output_tokens,
		    "cache_read_tokens", (json_int_t)s->cache_read_tokens,
		    "cache_write_tokens", (json_int_t)s->cache_write_tokens,
		    "cost_usd", s->cost, "unknown_cost_calls", (json_int_t)s->unknown);
		print_json(o);
		return;
	}
	printf("%-28s %6ld %10ld %9ld %10ld %11ld %10.4f%s\n", key, s->calls,
	    s->input_tokens, s->output_tokens, s->cache_read_tokens,
	    s->cache_write_tokens, s->cost, s->unknown ? " +unknown" : "");
}

/* A bar per day, by cost (by calls when nothing cost anything). */
static void chart(const struct report *rp)
{
	double max = 0, v;
	size_t i;
	int bycalls = rp->total.cost <= 0, w;

	for (i = 0; i < rp->n; i++) {
		v = bycalls ? (double)rp->g[i].sum.calls : rp->g[i].sum.cost;
		max = v > max ? v : max;
	}
	if (max <= 0)
		return;
	printf("\n");
	for (i = 0; i < rp->n; i++) {
		v = bycalls ? (double)rp->g[i].sum.calls : rp->g[i].sum.cost;
		w = (int)(v / max * 40 + 0.5);
		printf("%s %-40.*s %s%.*f\n", rp->g[i].key, w,
		    "########################################", bycalls ? "" : "$",
		    bycalls ? 0 : 2, v);
	}
}

static int report(struct vault *v, const char *since_s, const char *until_s,
    const char *by)
{
	struct report rp = { by, NULL, 0, 0, { 0 } };
	time_t now = time(NULL), since, until;
	long bad = 0;
	size_t i;

	if (strcmp(by, "model") && strcmp(by, "task") && strcmp(by, "agent") &&
	    strcmp(by, "day"))
		usage(2);
	until = usage_day_start(now);
	if (until_s && parse_day(until_s, &until) < 0)
		return EX_ARGS;
	since = until - 6 * 86400;
	if (since_s && parse_day(since_s, &since) < 0)
		return EX_ARGS;
	until += 86400;
	if (usage_read(v, since, until, group_row, &rp, &bad) < 0) {
		cli_warnerr(NULL);
		free(rp.g);
		return aie_errcode;
	}
	if (bad)
		cli_warn(NULL, "%ld malformed rows skipped", bad);
	if (rp.total.saturated)
		cli_warn(NULL, "a token sum reached %ld and stopped there",
		    (long)LONG_MAX);
	qsort(rp.g, rp.n, sizeof *rp.g, cmp_group);
	if (!cli.json)
		printf("%-28s %6s %10s %9s %10s %11s %10s\n", by, "calls", "input",
		    "output", "cache_read", "cache_write", "cost_usd");
	for (i = 0; i < rp.n; i++)
		print_sum(by, rp.g[i].key, &rp.g[i].sum);
	print_sum("total", "total", &rp.total);
	if (!cli.json && !strcmp(by, "day") && isatty(STDOUT_FILENO))
		chart(&rp);
	free(rp.g);
	return 0;
}

static int sum_row(const struct usage_row *r, void *ctx)
{
	usage_sum_add(ctx, r);
	return 0;
}

static int budget(struct vault *v)
{
	struct usage_sum week = { 0 }, day = { 0 };
	time_t now = time(NULL), start = usage_week_start(now);
	double limit, pct;
	long cap, bad = 0;
	char label[16];
	struct tm tm;

	if (usage_budget(&limit) < 0 || usage_max_calls(&cap) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (usage_read(v, start, now + 1, sum_row, &week, &bad) < 0 ||
	    usage_read(v, usage_day_start(now), now + 1, sum_row, &day, NULL) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	gmtime_r(&now, &tm);
	strftime(label, sizeof label, "%G-W%V", &tm);
	pct = limit > 0 ? week.cost / limit * 100 : (week.cost > 0 ? 100 : 0);
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:b, "
		    "s:b}", "week", label, "spent_usd", week.cost, "budget_usd", limit,
		    "percent", pct, "calls", (json_int_t)week.calls,
		    "unknown_cost_calls", (json_int_t)week.unknown,
		    "calls_today", (json_int_t)day.calls, "max_calls_day",
		    (json_int_t)cap, "warn", pct >= 80, "over", week.cost >= limit);
		print_json(o);
	} else {
		printf("%s: %.2f of %.2f USD spent (%.1f %%), %ld calls this week, "
		    "%ld of %ld today\n", label, week.cost, limit, pct, week.calls,
		    day.calls, cap);
		if (week.unknown)
			printf("%ld calls of unknown cost are not counted\n",
			    week.unknown);
	}
	if (week.unknown && !cli.json)     /* -j: unknown_cost_calls says it */
		cli_warn(NULL, "warning: %ld calls this week have an unknown cost "
		    "and are not counted in the weekly budget: add their models "
		    "to prices.tsv or PRICE_<MODEL> (see prices(5))", week.unknown);
	if (bad) {
		/* fail closed, as draft-email's check does */
		cli_warn(NULL, "%ld malformed rows this week are not counted: the "
		    "spend is not known", bad);
		return EX_TEMP;
	}
	if (!(week.cost < limit)) {
		cli_warn(NULL, "over the weekly budget: %.2f of %.2f USD",
		    week.cost, limit);
		return EX_NEG;
	}
	if (pct >= 80)
		cli_warn(NULL, "%.0f %% of the weekly budget is spent (80 %% "
		    "crossed)", pct);
	return 0;
}

/* A token count: digits only, 0..USAGE_TOKENS_MAX; anything else is a
 * usage error, never clamped. */
static int count(const char *s, long *out)
{
	char *end = NULL;

	errno = 0;
	*out = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
	if (!end || errno || *end || *out > USAGE_TOKENS_MAX) {
		cli_warn(s, "not a token count (0 to %ld)", USAGE_TOKENS_MAX);
		return -1;
	}
	return 0;
}

/* --cost: "unknown", or USD as usage_cost_parse reads it; 0, or -1 when
 * it is bad data. */
static int parse_cost(const char *s, struct usage_row *r)
{
	if (!strcmp(s, "unknown")) {
		r->cost_known = 0;
		return 0;
	}
	if (usage_cost_parse(s, &r->cost) < 0) {
		cli_warn(s, "not a cost in USD (a finite number from 0 to %.0f, "
		    "or unknown)", USAGE_COST_MAX);
		return -1;
	}
	r->cost_known = 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "cache-read", required_argument, NULL, 'R' + 256 },
		{ "cache-write", required_argument, NULL, 'W' + 256 },
		{ "task", required_argument, NULL, 't' },
		{ "item", required_argument, NULL, 'I' },
		{ "cost", required_argument, NULL, 'c' + 256 },
		{ "time", required_argument, NULL, 'T' + 256 },
		{ "since", required_argument, NULL, 's' + 256 },
		{ "until", required_argument, NULL, 'u' + 256 },
		{ "by", required_argument, NULL, 'b' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct usage_row row;
	struct vault v;
	const char *since = NULL, *until = NULL, *by = "day", *cost = NULL, *cmd;
	int c, r, bad = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	memset(&row, 0, sizeof row);
	row.time = time(NULL);
	strcpy(row.task, "manual");
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "m:i:o:t:I:", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'm': snprintf(row.model, sizeof row.model, "%s", optarg); break;
		case 'i': bad |= count(optarg, &row.input_tokens); break;
		case 'o': bad |= count(optarg, &row.output_tokens); break;
		case 'R' + 256: bad |= count(optarg, &row.cache_read_tokens); break;
		case 'W' + 256: bad |= count(optarg, &row.cache_write_tokens); break;
		case 't': snprintf(row.task, sizeof row.task, "%s", optarg); break;
		case 'I': snprintf(row.item, sizeof row.item, "%s", optarg); break;
		case 'c' + 256: cost = optarg; break;
		case 'T' + 256:
			if (time_parse_rfc3339(optarg, &row.time) < 0) {
				cli_warn(optarg, "not an RFC 3339 UTC time");
				bad = 1;
			}
			break;
		case 's' + 256: since = optarg; break;
		case 'u' + 256: until = optarg; break;
		case 'b' + 256: by = optarg; break;
		default: usage(2);
		}
	}
	if (bad)
		return EX_ARGS;
	if (argc - optind != 1)
		usage(2);
	cmd = argv[optind];
	if (strcmp(cmd, "add") && strcmp(cmd, "report") && strcmp(cmd, "budget"))
		usage(2);
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	if (!strcmp(cmd, "report"))
		r = report(&v, since, until, by);
	else if (!strcmp(cmd, "budget"))
		r = budget(&v);
	else if (!*row.model) {
		cli_warn(NULL, "add needs -m MODEL");
		r = EX_ARGS;
	} else {
		snprintf(row.agent, sizeof row.agent, "%s", v.agent);
		if (cost) {
			if (parse_cost(cost, &row) < 0) {
				vault_close(&v);
				return EX_DATA;
			}
		} else if (usage_price_row(&row) < 0) {
			cli_warnerr(NULL);
			vault_close(&v);
			return aie_errcode;
		}
		if (usage_add(&v, &row) < 0) {
			cli_warnerr(NULL);
			r = aie_errcode;
		} else if (!cli.quiet) {
			char ts[21];
			time_rfc3339(row.time, ts);
			printf("Logs/API_Usage/%.10s.md\n", ts);
		}
	}
	vault_close(&v);
	return r;
}
