/*
 * notify-wa - a WhatsApp message to the owner.
 *
 * The text comes from the arguments, stdin, or one of the kinds: --urgent
 * (items by ID or path: their subjects and senders), --approvals (what
 * waits in Pending_Approval), --error COMPONENT DETAIL. Every kind ends
 * with the dashboard link and fits WhatsApp's 4096-byte limit. What
 * happens then (dedup by --key, the hourly limit, the provider, the
 * outbox log) is lib/notify.c, which vault-health calls the same way.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "base/base.h"
#include "status/status.h"
#include "wa/wa.h"

#define STDIN_MAX (64 << 10)

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: notify-wa [-jqv] [-C DIR] [-a AGENT] [--key K [--window D]]\n"
	    "                 [--template] [--kind KIND] [TEXT... | -]\n"
	    "       notify-wa [options] --urgent ID|PATH... | -\n"
	    "       notify-wa [options] --approvals\n"
	    "       notify-wa [options] --error COMPONENT [DETAIL...]\n");
	exit(status ? 2 : 0);
}

/* Append s; -1 when memory ran out (lib/buf.h keeps that state). */
static int add(struct buf *b, const char *s)
{
	buf_adds(b, s);
	return b->oom ? aie_fail(EX_TEMP, "out of memory") : 0;
}

/* The link to one item on the dashboard, or to the dashboard. */
static char *item_link(const char *id)
{
	const char *base = wa_dashboard_url();
	size_t n = strlen(base) + strlen(id) + 16;
	char *s;

	if (!wa_dashboard_public())
		return strdup(base);
	if ((s = malloc(n)))
		snprintf(s, n, "%s%sitem?id=%s", base,
		    base[strlen(base) - 1] == '/' ? "" : "/", id);
	return s;
}

struct urgent {
	struct vault *v;
	struct buf body, summary;
	int n;
	char first[AIE_ID_MAX + 1];
};

static int urgent_one(const char *arg, void *ctx)
{
	struct urgent *u = ctx;
	struct itemref ref;
	struct item it;
	char *subj, *from, line[1200], *s1, *s2;

	if (vault_resolve(u->v, arg, &ref) < 0 || item_load(u->v, &ref, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode ? aie_errcode : EX_DATA;
	}
	subj = fm_get(&it, "subject");
	from = fm_get(&it, "from");
	s1 = wa_oneline(subj ? subj : ref.id, 400);
	s2 = wa_oneline(from ? from : "unknown sender", 300);
	fm_free(&it);
	free(subj);
	free(from);
	if (!s1 || !s2) {
		free(s1);
		free(s2);
		return EX_TEMP;
	}
	u->n++;
	if (u->n == 1)
		strcpy(u->first, ref.id);
	snprintf(line, sizeof line, "\n\n%d. %s\n   from %s\n   %s", u->n, s1, s2,
	    ref.id);
	add(&u->body, line);
	snprintf(line, sizeof line, "%s%s (from %s)", u->n > 1 ? "; " : "", s1,
	    s2);
	add(&u->summary, line);
	free(s1);
	free(s2);
	return 0;
}

/* --urgent: text and summary for the items named. */
static int text_urgent(struct vault *v, int argc, char **argv, char **text,
    char **summary)
{
	struct urgent u = { .v = v };
	char head[96], *link;
	struct buf all = { 0 };
	int st;

	if (argc < 1)
		usage(2);
	st = cli_each_arg(argc, argv, urgent_one, &u);
	if (u.n == 0) {
		free(u.body.p);
		free(u.summary.p);
		return st ? st : EX_DATA;
	}
	snprintf(head, sizeof head, "*Urgent: %d new high-priority item%s*",
	    u.n, u.n > 1 ? "s" : "");
	add(&all, head);
	add(&all, u.body.p);
	link = u.n == 1 ? item_link(u.first) : strdup(wa_dashboard_url());
	*text = link ? wa_compose(all.p, link) : NULL;
	snprintf(head, sizeof head, "Urgent (%d): ", u.n);
	buf_free(&all);
	add(&all, head);
	add(&all, u.summary.p);
	*summary = wa_oneline(all.p, WA_PARAM_MAX);
	free(all.p);
	free(link);
	free(u.body.p);
	free(u.summary.p);
	return *text && *summary ? st : EX_TEMP;
}

/* --approvals: how many wait, their titles. 1 when none waits. */
static int text_approvals(struct vault *v, char **text, char **summary)
{
	size_t n;

	if (status_text_approvals(v, text, summary, &n) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (n == 0) {
		free(*text);
		free(*summary);
		*text = *summary = NULL;
		if (!cli.quiet)
			cli_warn(NULL, "nothing waits for approval; no message");
		return EX_NEG;
	}
	return 0;
}

/* Arguments joined by blanks, or all of stdin (for none or "-"). */
static int text_plain(int argc, char **argv, char **text, char **summary)
{
	struct buf b = { 0 };
	int i;

	if (argc == 0 || (argc == 1 && !strcmp(argv[0], "-"))) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk - 1, stdin)) > 0) {
			chunk[n] = '\0';
			if (strlen(chunk) != n || b.len + n > STDIN_MAX) {
				cli_warn("-", "stdin holds a NUL byte or more than "
				    "%d bytes", STDIN_MAX);
				free(b.p);
				return EX_DATA;
			}
			add(&b, chunk);
		}
	} else {
		for (i = 0; i < argc; i++) {
			if (i)
				add(&b, " ");
			add(&b, argv[i]);
		}
	}
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' '))
		b.p[--b.len] = '\0';
	if (!b.len) {
		cli_warn(NULL, "empty message");
		free(b.p);
		return EX_DATA;
	}
	*text = wa_compose(b.p, NULL);
	*summary = wa_oneline(b.p, WA_PARAM_MAX);
	free(b.p);
	return *text && *summary ? 0 : EX_TEMP;
}

static void report(const struct wa_cfg *c, const struct wa_note *n,
    const struct wa_outcome *o, const char *err)
{
	static const char *const word[] = { "sent", "outbox", "held",
	    "duplicate", "failed" };
	char date[16];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	if (cli.json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:i, s:s?, s:s?}",
		    "result", word[o->result], "kind", wa_kind_name(n->kind),
		    "provider", wa_provider_name(c->provider), "id",
		    o->sent.id[0] ? o->sent.id : NULL, "template", o->sent.template,
		    "held_summarised", o->held_summarised, "key", n->key,
		    "error", err);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
	} else if (o->result == WA_SENT) {
		printf("%s\n", o->sent.id);
	}
	if (cli.quiet)
		return;
	switch (o->result) {
	case WA_OUTBOX:
		cli_warn(NULL, "no WhatsApp provider configured (WA_PROVIDER); "
		    "kept in the outbox Logs/Notifications/%s.md", date);
		break;
	case WA_HELD:
		cli_warn(NULL, "over WA_MAX_PER_HOUR; kept, and summarised in the "
		    "next message");
		break;
	case WA_DUPLICATE:
		cli_warn(n->key, "already sent within the window; not sent again");
		break;
	default:
		if (o->sent.template && cli.verbose)
			cli_warn(NULL, "outside the 24-hour window: sent the template");
		break;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "urgent", no_argument, NULL, 'U' },
		{ "approvals", no_argument, NULL, 'A' },
		{ "error", no_argument, NULL, 'E' },
		{ "recovered", no_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'k' },
		{ "window", required_argument, NULL, 'w' },
		{ "template", no_argument, NULL, 'T' },
		{ "kind", required_argument, NULL, 'K' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct wa_note note = { WA_PLAIN, NULL, NULL, NULL, 600, 0 };
	struct wa_outcome out;
	struct wa_cfg cfg;
	struct vault v;
	char *text = NULL, *summary = NULL, *w = NULL;
	int c, st, logkind = -1;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'U': note.kind = WA_URGENT; break;
		case 'A': note.kind = WA_APPROVALS; break;
		case 'E': note.kind = WA_ERROR; break;
		case 'R': note.kind = WA_RECOVERED; break;
		case 'k': note.key = optarg; break;
		case 'w': w = optarg; break;
		case 'T': note.force_template = 1; break;
		case 'K':
			/* the kind a plain text is logged as (the webhook's) */
			for (logkind = WA_PLAIN; logkind <= WA_RECOVERED; logkind++)
				if (!strcmp(optarg, wa_kind_name(logkind)))
					break;
			if (logkind > WA_RECOVERED) {
				cli_warn(optarg, "bad --kind (want message, urgent, "
				    "error or recovered)");
				return EX_ARGS;
			}
			break;
		default: usage(2);
		}
	}
	if (logkind >= 0 && note.kind != WA_PLAIN)
		usage(2);
	argc -= optind;
	argv += optind;
	if (w && duration_parse(w, &note.window) < 0) {
		cli_warn(w, "bad --window (want N, Ns, Nm, Nh or Nd)");
		return EX_ARGS;
	}
	if (wa_config(&cfg) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if ((st = cli_open_vault(&v)) != 0)
		return st;
	switch (note.kind) {
	case WA_URGENT:
		st = text_urgent(&v, argc, argv, &text, &summary);
		break;
	case WA_APPROVALS:
		if (argc)
			usage(2);
		st = text_approvals(&v, &text, &summary);
		break;
	case WA_ERROR:
	case WA_RECOVERED: {
		struct buf d = { 0 };
		int i;
		if (argc < 1)
			usage(2);
		for (i = 1; i < argc; i++) {
			if (i > 1)
				add(&d, " ");
			add(&d, argv[i]);
		}
		text = note.kind == WA_ERROR ? wa_text_error(argv[0], d.p ? d.p : "") :
		    wa_text_recovered(argv[0], d.p ? d.p : "");
		d.len = 0;
		add(&d, argv[0]);
		add(&d, note.kind == WA_ERROR ? " down: " : " back up: ");
		for (i = 1; i < argc; i++)
			add(&d, argv[i]), add(&d, " ");
		summary = wa_oneline(d.p, WA_PARAM_MAX);
		free(d.p);
		st = text && summary ? 0 : EX_TEMP;
		break;
	}
	default:
		st = text_plain(argc, argv, &text, &summary);
		if (logkind >= 0)
			note.kind = (enum wa_kind)logkind;
	}
	if (!text || !summary) {
		free(text);
		free(summary);
		vault_close(&v);
		return st ? st : EX_TEMP;
	}
	note.text = text;
	note.summary = summary;
	if (wa_notify(&v, &cfg, &note, &out) < 0) {
		int code = aie_errcode ? aie_errcode : EX_TEMP;
		cli_warnerr(NULL);
		if (out.result == WA_FAILED && cli.json)
			report(&cfg, &note, &out, aie_errmsg);
		st = code;
	} else {
		report(&cfg, &note, &out, NULL);
	}
	free(text);
	free(summary);
	vault_close(&v);
	return st;
}
