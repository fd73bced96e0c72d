/*
 * approve - the owner's decision on drafts waiting in Pending_Approval:
 * approve (signed, SPEC 6), --reject with a reason, --revise with a note
 * for the drafter, --list what waits, or --verify that an approval still
 * holds (what vault-exec checks before it acts). The moves themselves are decide()
 * in lib/, the same code the dashboard runs. Refused as agent cloud.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aie.h"
#include "decide.h"
#include "status.h"

static struct vault v;
static enum decision decision = DEC_APPROVE;
static struct decide_opts opts = { NULL, "cli", NULL };

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: approve [-jqv] [-C DIR] [-a AGENT] ID|PATH|- ...\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --reject [-r REASON] ID|PATH|- ...\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --revise NOTE ID|PATH|- ...\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --list\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --verify ID|PATH|- ...\n");
	exit(status ? 2 : 0);
}

static int decide_arg(const char *arg, void *ctx)
{
	struct itemref ref;

	(void)ctx;
	if (vault_resolve(&v, arg, &ref) < 0) {
		/* lost to a decision that renamed it on the way to Rejected */
		if (aie_errcode == EX_DATA && decided_copy(&v, arg, &ref) == 0) {
			cli_warn(arg, "already decided; it is now %s", ref.rel);
			return EX_NEG;
		}
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (decide(&v, &ref, decision, &opts) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "id", ref.id, "decision",
		    decision_name(decision), "path", ref.rel);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		printf("%s\n", ref.rel);
	}
	return 0;
}

/* Check the signature of an approved item: 0, or 77 with the reason. */
static int verify_arg(const char *arg, void *ctx)
{
	struct itemref ref;
	struct item it;
	int r;

	(void)ctx;
	if (vault_resolve(&v, arg, &ref) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (item_load(&v, &ref, &it) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	r = approval_verify(&it, ref.id, time(NULL));
	fm_free(&it);
	if (r < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (!cli.quiet)
		printf("%s\tvalid\n", ref.rel);
	return 0;
}

/* "3d", "5h", "12m", "40s": how long ago, compactly. */
static void age_str(time_t created, char *buf, size_t size)
{
	long d = created ? (long)(time(NULL) - created) : -1;

	if (d < 0)
		snprintf(buf, size, "-");
	else if (d >= 86400)
		snprintf(buf, size, "%ldd", d / 86400);
	else if (d >= 3600)
		snprintf(buf, size, "%ldh", d / 3600);
	else if (d >= 60)
		snprintf(buf, size, "%ldm", d / 60);
	else
		snprintf(buf, size, "%lds", d);
}

static int list(void)
{
	struct pending *p;
	size_t n, i;

	if (pending_list(&v, &p, &n) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	for (i = 0; i < n; i++) {
		char age[32];
		age_str(p[i].created, age, sizeof age);
		if (cli.json) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s}",
			    "id", p[i].ref.id, "domain", p[i].ref.sub,
			    "age_s", (json_int_t)(p[i].created ?
			    time(NULL) - p[i].created : 0),
			    "subject", p[i].title ? p[i].title : "",
			    "to", p[i].to, "path", p[i].ref.rel);
			char *s = o ? json_dumps(o, JSON_COMPACT |
			    JSON_PRESERVE_ORDER) : NULL;
			if (s)
				printf("%s\n", s);
			else
				cli_warn(p[i].ref.id, "cannot encode as JSON "
				    "(not UTF-8?)");
			free(s);
			json_decref(o);
		} else {
			printf("%s\t%s\t%s\t%s\n", p[i].ref.id, p[i].ref.sub, age,
			    p[i].title ? p[i].title : "");
		}
	}
	pending_free(p, n);
	return n ? 0 : EX_NEG;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reject", no_argument, NULL, 'X' },
		{ "reason", required_argument, NULL, 'r' },
		{ "revise", required_argument, NULL, 'E' },
		{ "list", no_argument, NULL, 'L' },
		{ "verify", no_argument, NULL, 'Y' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c, status, listing = 0, verifying = 0, modes = 0;
	const char *reason = NULL;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG_;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "r:", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'X': decision = DEC_REJECT; modes++; break;
		case 'r': reason = optarg; break;
		case 'E':
			decision = DEC_REVISE;
			opts.note = optarg;
			modes++;
			if (!*optarg) {
				cli_warn(NULL, "--revise needs a note for the drafter");
				return EX_USAGE_;
			}
			break;
		case 'L': listing = 1; modes++; break;
		case 'Y': verifying = 1; modes++; break;
		default: usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (modes > 1 || (listing && argc > 0) || (!listing && argc == 0) ||
	    (reason && (decision != DEC_REJECT || listing || verifying)))
		usage(2);
	if (reason)
		opts.note = reason;
	if ((status = cli_refuse_cloud()) != 0)
		return status;
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	status = listing ? list() : cli_each_arg(argc, argv, verifying ?
	    verify_arg : decide_arg, NULL);
	vault_close(&v);
	return status;
}
