/*
 * approve - the owner's decision on drafts waiting in Pending_Approval:
 * approve (signed, see ai-employee(7)), --reject with a reason, --revise with a note
 * for the drafter, --list what waits, or --verify that an approval still
 * holds (what vault-exec checks before it acts). The moves themselves are
 * decide() in lib/, the same code the dashboard runs. Refused as agent
 * cloud.
 *
 * Sign what is shown: --list prints each draft's version digest and
 * --expect refuses a draft that is no longer that version; -i shows each
 * draft's signed bytes with hidden characters marked (lib/showtext.c)
 * and approves, on "y", exactly the version shown.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "approval/approval.h"
#include "base/base.h"
#include "status/status.h"

static struct vault v;
static enum decision decision = DEC_APPROVE;
static struct decide_opts opts = { .via = "cli" };

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: approve [-jqv] [-C DIR] [-a AGENT] ID|PATH|- ...\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --reject [-r REASON] ID|PATH|- ...\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --revise NOTE ID|PATH|- ...\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] [--reject [-r REASON] | --revise NOTE]\n"
	    "               --expect DIGEST ID|PATH\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] -i [ID|PATH|- ...]\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --list\n"
	    "       approve [-jqv] [-C DIR] [-a AGENT] --verify ID|PATH|- ...\n");
	exit(status ? 2 : 0);
}

/* Text on a terminal as it will be signed: hidden characters as
 * ⟦U+XXXX⟧ (in reverse video on a terminal), never interpreted. */
struct term { FILE *f; int tty; };

static void term_piece(void *ctx, const char *s, size_t n, const char *mark)
{
	struct term *t = ctx;

	if (!mark)
		fwrite(s, 1, n, t->f);
	else
		fprintf(t->f, "%s\xe2\x9f\xa6%s\xe2\x9f\xa7%s", t->tty ? "\033[7m" : "",
		    mark, t->tty ? "\033[0m" : "");
}

static void show_bytes(FILE *f, const char *s, size_t len, int multiline)
{
	struct term t = { f, isatty(fileno(f)) };

	show_split(s, len, multiline, term_piece, &t);
}

static void show(FILE *f, const char *s, int multiline)
{
	show_bytes(f, s, strlen(s), multiline);
}

static void print_decided(const struct itemref *ref, enum decision d)
{
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "id", ref->id, "decision",
		    decision_name(d), "path", ref->rel);
		cli_print_json(o);
	} else {
		printf("%s\n", ref->rel);
	}
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
	print_decided(&ref, decision);
	return 0;
}

/* One draft as approve -i shows it (on stderr, as prompts go): every
 * signed field and the body, byte for byte, hidden characters marked. */
static void display(const struct itemref *ref, const struct item *it,
    const char *digest)
{
	const char *const *fields = approval_fields(it);
	size_t i;

	fprintf(stderr, "== ");
	show(stderr, ref->id, 0);
	fprintf(stderr, " (%s), version %.*s\n", ref->rel, DRAFT_DIGEST_SHORT,
	    digest);
	for (i = 0; fields[i]; i++) {
		char *val = fm_get(it, fields[i]);
		if (!val && strcmp(fields[i], "expires") == 0)
			fprintf(stderr, "expires: (none: approval sets "
			    "DRAFT_EXPIRES_HOURS from now)\n");
		if (!val)
			continue;
		fprintf(stderr, "%s: ", fields[i]);
		show(stderr, val, 0);
		fputc('\n', stderr);
		free(val);
	}
	fprintf(stderr, "-- body, exactly as signed --\n");
	show_bytes(stderr, it->body ? it->body : "", it->bodylen, 1);
	if (it->bodylen && it->body[it->bodylen - 1] != '\n')
		fprintf(stderr, "\n(no newline at the end)\n");
	fprintf(stderr, "-- end of body --\n");
}

/* -i for one draft: show it, ask, approve exactly the version shown on
 * "y". 1 when the owner quit (q or end of input), else 0; *status keeps
 * the worst exit status. */
static int review(const char *arg, FILE *ans, int *status)
{
	char digest[DRAFT_DIGEST_HEX + 1], *line = NULL;
	struct itemref ref;
	struct item it;
	size_t cap = 0;
	int quit = 0, signable;

	if (vault_resolve(&v, arg, &ref) < 0 || (ref.stage != ST_PENDING &&
	    aie_fail(EX_NEG, "%s: not waiting for approval (it is %s)", ref.id,
	    ref.rel)) || item_load(&v, &ref, &it) < 0) {
		cli_warnerr(NULL);
		*status = aie_errcode > *status ? aie_errcode : *status;
		return 0;
	}
	if (draft_digest(&it, ref.id, digest) < 0) {
		fm_free(&it);
		cli_warnerr(NULL);
		*status = aie_errcode > *status ? aie_errcode : *status;
		return 0;
	}
	display(&ref, &it, digest);
	if ((signable = draft_signable(&it, ref.id)) < 0)
		fprintf(stderr, "approve: %s\n", aie_errmsg);
	fm_free(&it);
	for (;;) {
		fprintf(stderr, "%s %s? [y/n/q] ", signable < 0 ? "skip" :
		    "approve", ref.id);
		fflush(stderr);
		if (getline(&line, &cap, ans) < 0) {
			fputc('\n', stderr);
			quit = 1;
			break;
		}
		if (line[0] == 'q' || line[0] == 'Q') {
			quit = 1;
			break;
		}
		if (line[0] == 'n' || line[0] == 'N')
			break;
		if ((line[0] != 'y' && line[0] != 'Y') || signable < 0)
			continue;
		opts.expect = digest;
		if (decide(&v, &ref, DEC_APPROVE, &opts) < 0) {
			cli_warnerr(NULL);
			*status = aie_errcode > *status ? aie_errcode : *status;
		} else {
			print_decided(&ref, DEC_APPROVE);
		}
		opts.expect = NULL;
		break;
	}
	free(line);
	return quit;
}

/* approve -i [ID...]: the IDs given (or every pending draft), one at a
 * time. Answers come from stdin, or from /dev/tty when the IDs do. */
static int interactive(int argc, char **argv)
{
	struct pending *p = NULL;
	size_t n = 0, i;
	FILE *ans = stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = 0, a, quit = 0, from_stdin = 0;

	for (a = 0; a < argc; a++)
		from_stdin |= strcmp(argv[a], "-") == 0;
	if (from_stdin && !(ans = fopen("/dev/tty", "r"))) {
		cli_warn("/dev/tty", "cannot ask: %s (the IDs came on stdin)",
		    strerror(errno));
		return EX_ARGS;
	}
	if (argc == 0) {
		if (pending_list(&v, &p, &n) < 0) {
			cli_warnerr(NULL);
			return aie_errcode;
		}
		for (i = 0; i < n && !quit; i++)
			quit = review(p[i].ref.id, ans, &status);
		pending_free(p, n);
		return n ? status : EX_NEG;
	}
	for (a = 0; a < argc && !quit; a++) {
		if (strcmp(argv[a], "-") != 0) {
			quit = review(argv[a], ans, &status);
			continue;
		}
		while (!quit && (len = getline(&line, &cap, stdin)) >= 0) {
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			if (len > 0 && strlen(line) == (size_t)len)
				quit = review(line, ans, &status);
		}
	}
	free(line);
	if (ans != stdin)
		fclose(ans);
	return status;
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
		duration_text(p[i].created ? (long)(time(NULL) - p[i].created) :
		    -1, age, sizeof age);
		if (cli.json) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s, s:s}",
			    "id", p[i].ref.id, "domain", p[i].ref.sub,
			    "age_s", (json_int_t)(p[i].created ?
			    time(NULL) - p[i].created : 0),
			    "subject", p[i].title ? p[i].title : "",
			    "to", p[i].to, "digest", p[i].digest,
			    "path", p[i].ref.rel);
			cli_print_json(o);
		} else {
			printf("%s\t%s\t%s\t%s\t", p[i].ref.id, p[i].ref.sub, age,
			    p[i].digest);
			show(stdout, p[i].title ? p[i].title : "", 0);
			putchar('\n');
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
		{ "expect", required_argument, NULL, 'x' + 256 },
		{ "interactive", no_argument, NULL, 'i' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c, status, listing = 0, verifying = 0, asking = 0, modes = 0;
	const char *reason = NULL;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "r:i", longopts,
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
				return EX_ARGS;
			}
			break;
		case 'L': listing = 1; modes++; break;
		case 'Y': verifying = 1; modes++; break;
		case 'i': asking = 1; modes++; break;
		case 'x' + 256:
			if (!draft_digest_valid(optarg)) {
				cli_warn(NULL, "--expect needs a draft's digest as "
				    "approve --list prints it (64 hex digits)");
				return EX_ARGS;
			}
			opts.expect = optarg;
			break;
		default: usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (modes > 1 || (listing && argc > 0) ||
	    (!listing && !asking && argc == 0) ||
	    (reason && (decision != DEC_REJECT || listing || verifying)) ||
	    (opts.expect && (listing || verifying || asking || argc != 1 ||
	    strcmp(argv[0], "-") == 0)))
		usage(2);
	if (reason)
		opts.note = reason;
	if ((status = cli_refuse_cloud()) != 0)
		return status;
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	if (listing)
		status = list();
	else if (asking)
		status = interactive(argc, argv);
	else
		status = cli_each_arg(argc, argv, verifying ? verify_arg :
		    decide_arg, NULL);
	vault_close(&v);
	return status;
}
