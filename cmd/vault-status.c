/*
 * vault-status - the state of the vault at a glance: items per stage and
 * domain, the drafts waiting for approval, the last sync and the health
 * each agent reported. -j prints the same data as one JSON object (the one
 * the dashboard's /api/status serves).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aie.h"
#include "status.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-status [-jqv] [-C DIR] [-a AGENT]\n");
	exit(status ? 2 : 0);
}

static void age(json_int_t s, char *buf, size_t size)
{
	if (s >= 86400)
		snprintf(buf, size, "%lldd", (long long)(s / 86400));
	else if (s >= 3600)
		snprintf(buf, size, "%lldh", (long long)(s / 3600));
	else if (s >= 60)
		snprintf(buf, size, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

static void print_text(json_t *st)
{
	json_t *counts = json_object_get(st, "counts");
	json_t *totals = json_object_get(st, "totals");
	json_t *pending = json_object_get(st, "pending");
	json_t *sync = json_object_get(st, "last_sync");
	json_t *health = json_object_get(st, "health");
	const char *stage, *name;
	json_t *by, *n, *h, *p;
	size_t i;
	char a[32];

	printf("vault %s (agent %s)\n\n", json_string_value(json_object_get(st,
	    "vault")), json_string_value(json_object_get(st, "agent")));
	for (i = 0; i < ST_COUNT; i++) {
		stage = stage_dir[i];
		by = json_object_get(counts, stage);
		printf("%-17s %5lld", stage, (long long)json_integer_value(
		    json_object_get(totals, stage)));
		json_object_foreach(by, name, n)
			printf("  %s %lld", name, (long long)json_integer_value(n));
		putchar('\n');
	}
	printf("\nwaiting for approval: %zu\n", json_array_size(pending));
	json_array_foreach(pending, i, p) {
		age(json_integer_value(json_object_get(p, "age_s")), a, sizeof a);
		printf("  %s\t%s\t%s\t%s\n", json_string_value(json_object_get(p,
		    "id")), json_string_value(json_object_get(p, "domain")), a,
		    json_string_value(json_object_get(p, "title")));
	}
	if (json_is_object(sync)) {
		age(json_integer_value(json_object_get(sync, "age_s")), a, sizeof a);
		printf("\nlast sync: %s (%s ago)\n", json_string_value(
		    json_object_get(sync, "at")), a);
	} else {
		printf("\nlast sync: never\n");
	}
	if (json_object_size(health) == 0)
		printf("health: no reports yet\n");
	json_object_foreach(health, name, h) {
		const char *comp;
		json_t *c;
		const char *up = json_string_value(json_object_get(h, "updated"));
		printf("health of %s (updated %s):\n", name, up ? up : "?");
		json_object_foreach(json_object_get(h, "components"), comp, c)
			printf("  %-10s %-12s %s\n", comp,
			    json_string_value(json_object_get(c, "state")),
			    json_string_value(json_object_get(c, "detail")));
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	json_t *st;
	int c, status;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG_;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind != argc)
		usage(2);
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	if (!(st = status_json(&v))) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	if (cli.json) {
		char *s = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!s) {
			cli_warn(NULL, "cannot encode the status as JSON");
			status = EX_DATA;
		} else {
			printf("%s\n", s);
		}
		free(s);
	} else {
		print_text(st);
	}
	json_decref(st);
	vault_close(&v);
	return status;
}
