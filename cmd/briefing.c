/*
 * briefing - the Monday briefing of a week (see briefing(1)): the facts
 * (lib/brief), Briefings/<next Monday>_Monday_Briefing.md rendered from
 * them, and a Pending_Approval/general/ item (action: none) for each
 * suggestion that asks for an action, once. Only the executive summary
 * is prose of a model, and each of its sentences that cites a number not
 * among the facts is dropped and said on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <jansson.h>

#include "brief/brief.h"
#include "cli/cli.h"
#include "llm/llm.h"
#include "wa/wa.h"

#define NOTIFY_WINDOW (30L * 86400)     /* once a week's briefing */

static const char system_prompt[] =
"You write the executive summary of a small business's weekly briefing for "
"its owner: three to five plain sentences, no headings, no lists, no "
"Markdown. Use only the facts in <facts>; copy every number exactly as it "
"is written there and compute no new number (no sums, differences or "
"percentages of your own). Say what went well, what waits, and what to do "
"first.";

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: briefing [-C DIR] [-a AGENT] "
	    "[-jqv] [--week YYYY-Www | --due] [--now TIME] [--notify]\n");
	exit(status ? 2 : 0);
}

static void dropped(const char *s, size_t len, double number, void *ctx)
{
	(void)ctx;
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	cli_warn("summary", "sentence dropped, %g is not among the facts: "
	    "\"%.*s\"", number, (int)len, s);
}

/* The model's prose on the facts (ftext): malloc'd, or NULL with
 * aie_errmsg (the budget reached, the model failing). */
static char *model_summary(struct vault *v, const struct llm_conf *conf,
    const char *ftext)
{
	char *user = NULL, *text = NULL, model[128];
	long unknown;

	/* the briefing's Costs section says the calls of unknown cost */
	if (usage_check(v, time(NULL), &unknown) < 0)
		return NULL;
	if (asprintf(&user, "<facts>\n%s\n</facts>\n", ftext) < 0)
		return aie_fail(EX_TEMP, "out of memory"), NULL;
	text = cli_llm_call(v, conf, "", system_prompt, user, model,
	    sizeof model);
	free(user);
	return text;
}

/* The summary: the model's (or the offline template's) prose, kept to
 * the facts' numbers; when the model fails, the offline one, and *status
 * gets its exit status. malloc'd, or NULL with aie_errmsg. */
static char *summary(struct vault *v, const json_t *facts, int *status)
{
	struct llm_conf conf;
	char *text = NULL, *ftext, *kept = NULL;

	if (!(ftext = json_dumps(facts, JSON_SORT_KEYS | JSON_REAL_PRECISION(
	    15))))
		return aie_fail(EX_TEMP, "out of memory"), NULL;
	if (llm_conf_load(&conf) < 0)
		goto out;
	if (conf.provider != LLM_OFFLINE &&
	    !(text = model_summary(v, &conf, ftext))) {
		/* the facts still stand: said, and the template's prose */
		*status = aie_errcode;
		cli_warn("summary", "%s; the offline summary is used instead",
		    aie_errmsg);
	}
	if (!text && !(text = brief_offline_summary(facts))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	if (!(kept = brief_check(text, strlen(text), ftext, dropped, NULL)))
		aie_fail(EX_TEMP, "out of memory");
out:
	free(text);
	free(ftext);
	return kept;
}

/* Trim blanks and line ends around s in place; "" becomes a note. */
static const char *tidy(char *s)
{
	char *e;

	s += strspn(s, " \t\r\n");
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return *s ? s : "(no sentence of the summary kept its numbers to the "
	    "facts; see the sections below)";
}

/* ID of a suggestion: the week and a hash of its subject (FNV-1a), so a
 * rerun of the week finds it wherever the owner moved it. */
static void suggestion_id(const char *week, const char *subject, char *id,
    size_t size)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *subject; subject++)
		h = (h ^ (unsigned char)*subject) * 1099511628211ULL;
	snprintf(id, size, "SUGGEST_%s_%016llx", week, (unsigned long long)h);
}

/* vault_walk: 1 when the rejected item at ref is id (approve(1) files a
 * rejected item as ID.<time>). */
static int rejected_is(struct vault *v, const struct itemref *ref, void *ctx)
{
	const char *id = ctx;
	size_t n = strlen(id);

	(void)v;
	return !strncmp(ref->id, id, n) && (ref->id[n] == '\0' ||
	    ref->id[n] == '.');
}

/* 1 when the suggestion id was filed before (it is anywhere in the vault,
 * or rejected), 0 when not, -1 on an error. */
static int filed(struct vault *v, const char *id)
{
	struct itemref ref;
	int r;

	if (vault_find(v, id, &ref) == 0)
		return 1;
	if (aie_errcode != EX_DATA)
		return -1;
	if ((r = vault_walk(v, ST_REJECTED, NULL, rejected_is, (void *)id)) < 0)
		return -1;
	return r == 1;
}

/* File each suggestion once. 0, or the first error's exit status. */
static int suggest(struct vault *v, const char *week, const json_t *list,
    const char *source)
{
	struct itemref ref;
	struct item it;
	const json_t *e;
	char id[AIE_ID_MAX + 1], now[21];
	size_t i;
	int status = 0, ok;

	time_rfc3339(time(NULL), now);
	json_array_foreach(list, i, e) {
		const char *subj = json_string_value(json_object_get(e, "subject"));
		const char *body = json_string_value(json_object_get(e, "body"));
		suggestion_id(week, subj, id, sizeof id);
		if ((ok = filed(v, id)) != 0) {
			if (ok < 0) {
				cli_warnerr(id);
				status = status ? status : aie_errcode;
			}
			continue;
		}
		memset(&it, 0, sizeof it);
		ok = fm_parse(&it, "---\n---\n", 8) == 0 &&
		    fm_set(&it, "type", "suggestion") == 0 &&
		    fm_set(&it, "id", id) == 0 && fm_set(&it, "created", now) == 0 &&
		    fm_set(&it, "domain", "general") == 0 &&
		    fm_set(&it, "status", "pending") == 0 &&
		    fm_set(&it, "action", "none") == 0 &&
		    fm_set(&it, "subject", subj) == 0 &&
		    fm_set(&it, "source", source) == 0;
		if (ok) {
			free(it.body);
			if ((it.body = strdup(body)))
				it.bodylen = strlen(body);
			else
				aie_fail(EX_TEMP, "out of memory");
			ok = it.body && item_ref_set(&ref, id, ST_PENDING,
			    "general") == 0 && item_create(v, &ref, &it) == 0;
		}
		fm_free(&it);
		if (!ok) {
			cli_warnerr(id);
			status = status ? status : aie_errcode;
			continue;
		}
		audit_event(v, "suggest", id, source, ref.rel, subj);
		if (!cli.quiet)
			printf("%s\n", ref.rel);
	}
	return status;
}

/* The three lines to the owner on WhatsApp, with the dashboard's link,
 * once a week (key briefing-<week>), through notify-wa(1)'s path. */
static int notify(struct vault *v, const char *week, const json_t *facts,
    const json_t *sugg)
{
	struct wa_cfg wa;
	struct wa_outcome o;
	char key[64], *body, *text = NULL, *sum = NULL;
	struct wa_note n = { WA_PLAIN, NULL, NULL, key, NOTIFY_WINDOW, 0 };
	int status = 0;

	snprintf(key, sizeof key, "briefing-%s", week);
	if (wa_config(&wa) < 0) {
		cli_warnerr("notify");
		return aie_errcode;
	}
	body = brief_short(facts, sugg);
	n.text = text = body ? wa_compose(body, wa_dashboard_url()) : NULL;
	n.summary = sum = body ? wa_oneline(body, WA_PARAM_MAX) : NULL;
	if (!text || !sum) {
		aie_fail(EX_TEMP, "out of memory");
		status = EX_TEMP;
	}
	else if (wa_notify(v, &wa, &n, &o) < 0)
		status = aie_errcode;
	if (status)
		cli_warn("notify", "owner not told: %s", aie_errmsg);
	else if (o.result == WA_OUTBOX && !cli.quiet)
		cli_warn("notify", "no WhatsApp provider configured (WA_PROVIDER); "
		    "the message is in the outbox Logs/Notifications/");
	free(body);
	free(text);
	free(sum);
	return status;
}

/* Briefings/<Monday>_Monday_Briefing.json: the facts the briefing was
 * written from (vault(5)). 0, or -1 with aie_errmsg. */
static int keep_facts(struct vault *v, const struct brief_week *w,
    const json_t *facts)
{
	char rel[64], *text;
	int r;

	snprintf(rel, sizeof rel, BRIEF_FACTS_FMT, w->after);
	if (!(text = json_dumps(facts, JSON_SORT_KEYS | JSON_INDENT(1) |
	    JSON_REAL_PRECISION(15))))
		return aie_fail(EX_TEMP, "%s: out of memory", rel);
	r = file_writeat(v->dirfd, rel, text, strlen(text), 0644);
	free(text);
	return r;
}

/* --due: -1 when week w's briefing (rel) is not due at t, or is written
 * already (said with -v); 0 when it is to be written; else an exit
 * status. */
static int not_due(struct vault *v, const struct brief_week *w,
    const char *rel, time_t t)
{
	time_t at = brief_due_at(w);
	struct stat st;
	char when[21];

	if (t < at) {
		time_rfc3339(at, when);
		if (cli.verbose)
			cli_warn(NULL, "%s: not due before %s", w->label, when);
		return -1;
	}
	if (fstatat(v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (cli.verbose)
			cli_warn(NULL, "%s: written already", rel);
		return -1;
	}
	if (errno != ENOENT) {
		cli_warn(NULL, "%s: %s", rel, strerror(errno));
		return EX_TEMP;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "week", required_argument, NULL, 'W' + 256 },
		{ "notify", no_argument, NULL, 'N' + 256 },
		{ "due", no_argument, NULL, 'D' + 256 },
		{ "now", required_argument, NULL, 'T' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct brief_week w;
	struct vault v;
	json_t *facts, *sugg;
	const char *week = NULL;
	char rel[64], now[21], *sum = NULL, *md = NULL;
	int c, r, odoo, llm = 0, tell = 0, told = 0, due = 0;
	time_t t = time(NULL);

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (c == 'W' + 256)
			week = optarg;
		else if (c == 'N' + 256)
			tell = 1;
		else if (c == 'D' + 256)
			due = 1;
		else if (c == 'T' + 256) {
			if (time_parse_rfc3339(optarg, &t) < 0) {
				cli_warn(NULL, "--now %s: not an RFC 3339 time",
				    optarg);
				usage(2);
			}
		} else if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind != argc || (due && (week || cli.json)))
		usage(2);
	if (week && brief_week_parse(week, &w) < 0) {
		cli_warnerr(NULL);
		usage(2);
	}
	if (brief_owner_tz() < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if (!week)
		brief_week_owner(t, &w);
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	snprintf(rel, sizeof rel, "Briefings/%s_Monday_Briefing.md", w.after);
	if (due && (r = not_due(&v, &w, rel, t)) != 0) {
		vault_close(&v);
		return r < 0 ? 0 : r;
	}
	if (!(facts = brief_facts(&v, &w, &odoo))) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode ? aie_errcode : EX_SOFTWARE;
	}
	if (odoo)
		cli_warn("odoo", "%s", json_string_value(json_object_get(
		    json_object_get(facts, "revenue"), "error")));
	sugg = brief_suggestions(facts);
	if (cli.json) {
		json_object_set(facts, "suggestions", sugg);
		cli_print_json(facts);
		json_decref(sugg);
		vault_close(&v);
		return odoo;
	}
	time_rfc3339(t, now);
	if (!(sum = summary(&v, facts, &llm)) ||
	    !(md = brief_render(facts, sugg, tidy(sum), now)) ||
	    file_writeat(v.dirfd, rel, md, strlen(md), 0644) < 0) {
		cli_warnerr(rel);
		r = aie_errcode ? aie_errcode : EX_SOFTWARE;
		goto out;
	}
	/* the facts beside it: next week's briefing compares with them */
	if (keep_facts(&v, &w, facts) < 0) {
		cli_warnerr(NULL);
		r = aie_errcode ? aie_errcode : EX_SOFTWARE;
		goto out;
	}
	audit_event(&v, "briefing", w.label, NULL, rel, NULL);
	printf("%s\n", rel);
	fflush(stdout);
	r = suggest(&v, w.label, sugg, rel);
	if (tell)
		told = notify(&v, w.label, facts, sugg);
	r = r ? r : odoo ? odoo : llm ? llm : told;
out:
	free(sum);
	free(md);
	json_decref(sugg);
	json_decref(facts);
	vault_close(&v);
	return r;
}
