/*
 * odoo-ping - is Odoo up? The server version, a login and a read through
 * Odoo's external API (lib/odoo.c), each step timed; one line per step, or
 * one JSON object with -j. The exit status is the answer: 0 up, 1 Odoo
 * answers but the login or the read fails, 69 down, 78 not configured.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "odoo/odoo.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: odoo-ping [-jqv]\n");
	exit(status ? 2 : 0);
}

static void print_json(const struct odoo_cfg *c, const struct odoo_status *s,
    int r)
{
	json_t *o, *steps = json_object();
	double total = 0;
	char *out;
	int i;

	for (i = 0; i < ODOO_STEPS; i++) {
		if (s->ms[i] < 0)
			continue;
		json_object_set_new(steps, odoo_step_name[i],
		    json_integer((json_int_t)(s->ms[i] + 0.5)));
		total += s->ms[i];
	}
	o = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s?, s:o, s:I, s:s?, s:s?}",
	    "state", r == 0 ? "up" : r == EX_NEG ? "failing" : "down",
	    "url", c->url, "mode", c->json2 ? "json2" : "jsonrpc",
	    "version", *s->version ? s->version : NULL,
	    "uid", s->uid > 0 ? json_integer(s->uid) : json_null(),
	    "name", *s->name ? s->name : NULL,
	    "ms", steps, "total_ms", (json_int_t)(total + 0.5),
	    "failed_step", s->failed_step >= 0 ?
	    odoo_step_name[s->failed_step] : NULL,
	    "error", r ? aie_errmsg : NULL);
	if (o && (out = json_dumps(o, JSON_COMPACT))) {
		printf("%s\n", out);
		free(out);
	}
	json_decref(o);
}

/* -j without a usable configuration: the state as a JSON line too. */
static void print_unconfigured(const char *state)
{
	cli_print_json(json_pack("{s:s, s:n, s:s}", "state", state, "url",
	    "error", aie_errmsg));
}

static void print_text(const struct odoo_status *s)
{
	if (s->ms[ODOO_VERSION] >= 0 && *s->version)
		printf("version %s %.0f ms\n", s->version, s->ms[ODOO_VERSION]);
	if (s->ms[ODOO_LOGIN] >= 0 && s->uid > 0)
		printf("login uid %ld %.0f ms\n", s->uid, s->ms[ODOO_LOGIN]);
	if (s->ms[ODOO_READ] >= 0 && *s->name)
		printf("read %s %.0f ms\n", s->name, s->ms[ODOO_READ]);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct odoo_cfg cfg;
	struct odoo_status s;
	int c, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind != argc)
		usage(2);
	if ((r = odoo_config(&cfg)) != 0) {
		if (r > 0)
			aie_fail(EX_CONFIG, "ODOO_URL is not set");
		if (cli.json)
			print_unconfigured(r > 0 ? "unconfigured" : "misconfigured");
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	r = odoo_ping(&cfg, &s);
	if (cli.json)
		print_json(&cfg, &s, r);
	else
		print_text(&s);
	if (r && !cli.quiet)
		cli_warn(cfg.url, "%s: %s", odoo_step_name[s.failed_step >= 0 ?
		    s.failed_step : 0], aie_errmsg);
	return r;
}
