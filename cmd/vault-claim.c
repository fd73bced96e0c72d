/*
 * vault-claim - claim work by moving it (see vault(5)).
 *
 * Claiming is one rename of Needs_Action/<d>/ID.md to In_Progress/<agent>/
 * ID.md: the presence of the file there is the claim, so of any number of
 * racing claimers exactly one wins and the rest are told where it went.
 * With no item named, -n N claims the N oldest items (by created, then ID)
 * of one domain or all, of one type or all, that no draft waits for; a
 * lost race just moves on to the next candidate.
 * --release and --reap move claims back; --list shows them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "sync/sync.h"

static struct vault v;
static const char *domain;
static const char *type_only;
static long max_age = -1;
static int push;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-claim [-jqv] [-C DIR] [-a AGENT] [--push] ID|PATH|- ...\n"
	    "       vault-claim [-jqv] [-C DIR] [-a AGENT] [-n N] [-d DOMAIN] "
	    "[--type TYPE]\n"
	    "       vault-claim [-jqv] [-C DIR] [-a AGENT] --release ID|PATH|- ...\n"
	    "       vault-claim [-jqv] [-C DIR] [-a AGENT] --reap AGE\n"
	    "       vault-claim [-jqv] [-C DIR] [-a AGENT] --list\n");
	exit(status ? 2 : 0);
}

static void print_result(const struct itemref *ref, const char *event)
{
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "event", event, "id",
		    ref->id, "path", ref->rel, "agent", v.agent);
		cli_print_json(o);
	} else {
		printf("%s\n", ref->rel);
	}
}

/* Say what claim_item or claim_release left in warn: the item's own
 * front matter could not be updated, so it was moved as it is. */
static void warn_kept(const char *warn)
{
	if (*warn)
		cli_warn(NULL, "%s", warn);
}

/* Claim one item; an exit status. */
static int claim_ref(struct itemref *ref)
{
	char warn[sizeof aie_errmsg];

	if (ref->stage != ST_NEEDS_ACTION) {
		if (ref->stage == ST_IN_PROGRESS)
			cli_warn(ref->id, "already claimed by %s (%s)", ref->sub,
			    ref->rel);
		else
			cli_warn(ref->id, "not in Needs_Action (it is %s)", ref->rel);
		return EX_NEG;
	}
	if (claim_item(&v, ref, warn, sizeof warn) < 0) {
		if (!cli.quiet || aie_errcode != EX_NEG)
			cli_warnerr(NULL);
		return aie_errcode;
	}
	warn_kept(warn);
	/* --push: the claim is final only once the remote has it (see vault-sync(1)) */
	if (push && sync_push_claim(&v, ref) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	print_result(ref, "claim");
	return 0;
}

static int claim_arg(const char *arg, void *ctx)
{
	struct itemref ref;

	(void)ctx;
	if (vault_resolve(&v, arg, &ref) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	return claim_ref(&ref);
}

/* Is there a draft DRAFT_<id> waiting for approval or execution? */
static int has_draft(const char *id)
{
	char did[AIE_ID_MAX + 8];
	struct itemref d;

	if ((size_t)snprintf(did, sizeof did, "DRAFT_%s", id) >= sizeof did ||
	    !id_valid(did) || vault_find(&v, did, &d) < 0)
		return 0;
	return d.stage == ST_PENDING || d.stage == ST_APPROVED ||
	    d.stage == ST_IN_PROGRESS;
}

/* Candidates for -n: every item of Needs_Action (one domain or all; with
 * --type only the items of that type, so an unreadable one is left). */
struct cand { struct itemref ref; time_t created; };
struct cands { struct cand *c; size_t n, cap; };

static int add_cand(struct vault *vv, const struct itemref *ref, void *ctx)
{
	struct cands *cs = ctx;
	struct item it;
	char *created, *type;
	int loaded;

	if (cs->n == cs->cap) {
		size_t ncap = cs->cap ? cs->cap * 2 : 64;
		struct cand *n = realloc(cs->c, ncap * sizeof *n);
		if (!n)
			return aie_fail_errno(EX_TEMP, "candidates");
		cs->c = n;
		cs->cap = ncap;
	}
	cs->c[cs->n].ref = *ref;
	cs->c[cs->n].created = 0;
	if ((loaded = item_load(vv, ref, &it) == 0)) {
		if (type_only) {
			type = fm_get(&it, "type");
			if (!type || strcmp(type, type_only) != 0) {
				free(type);
				fm_free(&it);
				return 0;
			}
			free(type);
		}
		if ((created = fm_get(&it, "created")))
			time_parse_rfc3339(created, &cs->c[cs->n].created);
		free(created);
		fm_free(&it);
	}
	if (!loaded && type_only)
		return 0;
	cs->n++;
	return 0;
}

static int oldest_first(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->ref.id, y->ref.id);
}

static int claim_oldest(long n)
{
	struct cands cs = { NULL, 0, 0 };
	char warn[sizeof aie_errmsg];
	long got = 0;
	int worst = 0;
	size_t i;

	if (vault_walk(&v, ST_NEEDS_ACTION, domain, add_cand, &cs) < 0) {
		cli_warnerr(NULL);
		free(cs.c);
		return aie_errcode;
	}
	if (cs.n)
		qsort(cs.c, cs.n, sizeof *cs.c, oldest_first);
	for (i = 0; i < cs.n && got < n; i++) {
		struct itemref ref = cs.c[i].ref;
		/* a source whose reply waits for the owner is not work to do:
		 * claiming it would have it drafted twice */
		if (has_draft(ref.id))
			continue;
		if (claim_item(&v, &ref, warn, sizeof warn) < 0) {
			if (aie_errcode == EX_NEG)
				continue;        /* another claimer won it: next one */
			cli_warnerr(NULL);
			worst = aie_errcode > worst ? aie_errcode : worst;
			continue;
		}
		warn_kept(warn);
		print_result(&ref, "claim");
		got++;
	}
	free(cs.c);
	if (got == 0 && !cli.quiet)
		cli_warn(NULL, "nothing to claim in Needs_Action%s%s%s%s",
		    domain ? "/" : "", domain ? domain : "",
		    type_only ? " of type " : "", type_only ? type_only : "");
	if (worst)
		return worst;
	return got > 0 ? 0 : EX_NEG;
}

/* Release one claim (where it goes: claim_release); an exit status. */
static int release_ref(struct itemref *ref, const char *why)
{
	char warn[sizeof aie_errmsg];

	if (claim_release(&v, ref, why, warn, sizeof warn) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	warn_kept(warn);
	print_result(ref, why);
	return 0;
}

static int release_arg(const char *arg, void *ctx)
{
	struct itemref ref;

	(void)ctx;
	if (vault_resolve(&v, arg, &ref) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (ref.stage != ST_IN_PROGRESS) {
		cli_warn(ref.id, "not claimed (it is %s)", ref.rel);
		return EX_NEG;
	}
	if (strcmp(ref.sub, v.agent) != 0) {
		cli_warn(ref.id, "claimed by %s, not %s; use --reap to take back "
		    "stale claims", ref.sub, v.agent);
		return EX_NEG;
	}
	return release_ref(&ref, "release");
}

static int reaped;

static int reap_one(struct vault *vv, const struct itemref *ref, void *ctx)
{
	struct itemref r = *ref;
	char warn[sizeof aie_errmsg];
	int got;

	(void)ctx;
	/* an email whose reply waits for the owner is not stale: taking it
	 * back would have it drafted twice */
	if (has_draft(ref->id))
		return 0;
	if ((got = claim_reap(vv, &r, max_age, warn, sizeof warn)) < 0)
		cli_warnerr(NULL);
	if (got > 0) {
		warn_kept(warn);
		print_result(&r, "reap");
		reaped++;
	}
	return 0;
}

static int list_one(struct vault *vv, const struct itemref *ref, void *ctx)
{
	struct item it;
	char at_s[21] = "-";
	time_t at;

	(void)ctx;
	if (item_load(vv, ref, &it) < 0) {
		cli_warnerr(NULL);
		return 0;
	}
	at = claim_time(vv, ref, &it);
	fm_free(&it);
	if (at)
		time_rfc3339(at, at_s);
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", ref->id,
		    "agent", ref->sub, "claimed_at", at_s,
		    "age_s", (json_int_t)(at ? time(NULL) - at : 0), "path", ref->rel);
		cli_print_json(o);
	} else {
		printf("%s\t%s\t%s\t%s\n", ref->id, ref->sub, at_s, ref->rel);
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { CLAIM, RELEASE, REAP, LIST } mode = CLAIM;
	static const struct option longopts[] = {
		{ "release", no_argument, NULL, 'R' },
		{ "reap", required_argument, NULL, 'P' },
		{ "list", no_argument, NULL, 'L' },
		{ "push", no_argument, NULL, 'U' },
		{ "domain", required_argument, NULL, 'd' },
		{ "type", required_argument, NULL, 'T' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	long n = -1;
	int c, status;
	char *end;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "n:d:", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'n':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 1000000) {
				cli_warn(optarg, "-n wants a count from 1");
				return EX_ARGS;
			}
			break;
		case 'd':
			if (!name_valid(optarg)) {
				cli_warn(optarg, "bad domain name");
				return EX_ARGS;
			}
			domain = optarg;
			break;
		case 'T' + 256:
			if (!name_valid(optarg)) {
				cli_warn(optarg, "bad type name");
				return EX_ARGS;
			}
			type_only = optarg;
			break;
		case 'R': mode = RELEASE; break;
		case 'L': mode = LIST; break;
		case 'U': push = 1; break;
		case 'P':
			mode = REAP;
			if (duration_parse(optarg, &max_age) < 0) {
				cli_warn(optarg, "bad age (want e.g. 90s, 30m, 2h, 1d)");
				return EX_ARGS;
			}
			break;
		default: usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if ((mode == RELEASE && argc == 0) || ((mode == REAP || mode == LIST) &&
	    argc > 0) || (mode == CLAIM && argc > 0 && (n != -1 || domain || type_only)) ||
	    (mode != CLAIM && type_only) ||
	    (push && (mode != CLAIM || argc == 0)))
		usage(2);
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	switch (mode) {
	case CLAIM:
		status = argc ? cli_each_arg(argc, argv, claim_arg, NULL) :
		    claim_oldest(n == -1 ? 1 : n);
		break;
	case RELEASE:
		status = cli_each_arg(argc, argv, release_arg, NULL);
		break;
	case REAP:
		/* -a names the one agent whose stale claims are taken back */
		vault_walk(&v, ST_IN_PROGRESS, cli.agent ? v.agent : NULL, reap_one,
		    NULL);
		status = reaped ? 0 : EX_NEG;
		break;
	case LIST:
		vault_walk(&v, ST_IN_PROGRESS, cli.agent ? v.agent : NULL, list_one,
		    NULL);
		status = 0;
		break;
	}
	vault_close(&v);
	return status;
}
