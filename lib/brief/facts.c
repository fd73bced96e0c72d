/*
 * facts.c - the facts of one week, every number the briefing states:
 * work done (the audit log's moves into Done/), what waits (Needs_Action/
 * and Pending_Approval/, ages at the week's end), LLM spend (the usage log
 * through lib/llm's reader), subscriptions (Finance/Subscriptions.md under
 * the rule of Business_Goals.md) and revenue (revenue.c). Facts are
 * computed here and nowhere else: the Markdown and the prose only say them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"
#include "llm/llm.h"

/* x rounded to 1/parts (100: cents), without libm; divided last, so
 * that 2099 cents print as 20.99. */
double brief_round(double x, double parts)
{
	if (!(x * parts < 9e15 && x * parts > -9e15))
		return x;            /* past cents anyway, or not a number */
	return (double)(long long)(x * parts + (x < 0 ? -0.5 : 0.5)) / parts;
}

/* Cents, so that a sum prints as the table would. */
double brief_money(double x)
{
	return brief_round(x, 100);
}

/* Missing is no error: the vault may not have the file yet. 1 missing. */
int brief_read(struct vault *v, const char *rel, char **text, size_t *len)
{
	if (file_readat(v->dirfd, rel, text, len) == 0)
		return 0;
	if (errno == ENOENT || aie_errcode == EX_NEG)
		return 1;
	return -1;
}

/* ---- work done: the audit log's moves into Done/ ---- */

/* 1 when audit line o moved a draft's source to Done/ with the draft
 * (approve(1)'s source-done; vault-exec's done "source of an executed
 * reply", see vault(5)): a reply and the mail it answers are one piece of
 * work, counted once, as the draft. */
static int settled_source(const json_t *o)
{
	const char *ev = json_string_value(json_object_get(o, "event"));
	const char *note = json_string_value(json_object_get(o, "note"));

	return (ev && !strcmp(ev, "source-done")) ||
	    (ev && note && !strcmp(ev, "done") &&
	    !strcmp(note, "source of an executed reply"));
}

/* The source a reply settled (audit line o, moved to Done/ at its "ts"):
 * in replies[id], the seconds from its "created" (the message received)
 * to then (the reply sent), once per source. */
static void response(struct vault *v, const json_t *o, json_t *replies)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *to = json_string_value(json_object_get(o, "to"));
	const char *ts = json_string_value(json_object_get(o, "ts"));
	struct item it;
	char *text, *created = NULL;
	size_t len;
	time_t got = 0, sent = 0;

	if (!id || !to || !ts || json_object_get(replies, id) ||
	    time_parse_rfc3339(ts, &sent) < 0 ||
	    brief_read(v, to, &text, &len) != 0)
		return;              /* moved on since, or foreign: not counted */
	memset(&it, 0, sizeof it);
	if (fm_parse(&it, text, len) == 0 && (created = fm_get(&it, "created")) &&
	    time_parse_rfc3339(created, &got) == 0 && got <= sent)
		json_object_set_new(replies, id, json_integer((json_int_t)(sent -
		    got)));
	free(created);
	fm_free(&it);
	free(text);
}

static int done_day(struct vault *v, const char *rel, json_t *seen,
    json_t *by, json_t *replies)
{
	char *text, *line, *save = NULL;
	size_t len;
	int r;

	if ((r = brief_read(v, rel, &text, &len)) != 0)
		return r < 0 ? -1 : 0;
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *id = NULL, *to = NULL;
		char dom[AIE_NAME_MAX + 1];
		size_t n;

		if (o && settled_source(o))
			response(v, o, replies);
		if (o && json_unpack(o, "{s:s, s:s}", "id", &id, "to", &to) == 0 &&
		    !strncmp(to, "Done/", 5) && !settled_source(o) &&
		    !json_object_get(seen, id) &&
		    (n = strcspn(to + 5, "/")) > 0 && n <= AIE_NAME_MAX) {
			memcpy(dom, to + 5, n);
			dom[n] = '\0';
			if (name_valid(dom)) {
				json_object_set_new(seen, id, json_string(dom));
				json_object_set_new(by, dom, json_integer(
				    json_integer_value(json_object_get(by, dom)) + 1));
			}
		}
		json_decref(o);
	}
	free(text);
	return 0;
}

static int by_secs(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/* The response times of the week's replies: count, median and worst in
 * hours (to a tenth). */
static json_t *responses(json_t *replies)
{
	json_int_t secs[512];
	const char *k;
	json_t *val;
	size_t n = 0;
	double median;

	json_object_foreach(replies, k, val)
		if (n < sizeof secs / sizeof *secs)
			secs[n++] = json_integer_value(val);
	if (n == 0)
		return json_pack("{s:I}", "count", (json_int_t)0);
	qsort(secs, n, sizeof *secs, by_secs);
	median = n % 2 ? (double)secs[n / 2] :
	    ((double)secs[n / 2 - 1] + (double)secs[n / 2]) / 2;
	return json_pack("{s:I, s:f, s:f}", "count", (json_int_t)n,
	    "median_hours", brief_round(median / 3600, 10), "worst_hours",
	    brief_round((double)secs[n - 1] / 3600, 10));
}

static json_t *done(struct vault *v, const struct brief_week *w)
{
	json_t *seen = json_object(), *by = json_object(), *items;
	json_t *replies = json_object();
	char rel[40];
	struct tm tm;
	time_t t;
	const char *k;
	json_t *val;

	for (t = w->start; t < w->end; t += 86400) {
		gmtime_r(&t, &tm);
		strftime(rel, sizeof rel, "Logs/%Y-%m-%d.jsonl", &tm);
		if (done_day(v, rel, seen, by, replies) < 0) {
			json_decref(seen);
			json_decref(by);
			json_decref(replies);
			return NULL;
		}
	}
	items = json_array();
	json_object_foreach(seen, k, val)
		json_array_append_new(items, json_pack("{s:s, s:O}", "id", k,
		    "domain", val));
	json_decref(seen);
	val = responses(replies);
	json_decref(replies);
	return json_pack("{s:I, s:o, s:o, s:o}", "total",
	    (json_int_t)json_array_size(items), "by_domain", by, "items", items,
	    "replies", val);
}

/* ---- what waits, as of the week's end ---- */

struct waiting {
	const struct brief_week *w;
	long count, oldest;          /* oldest: hours */
	json_t *late;                /* the bottlenecks */
};

static int wait_item(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct waiting *wt = ctx;
	struct item it;
	struct stat st;
	char *created, *title;
	time_t since = 0;
	long age;

	if (item_load(v, ref, &it) < 0)
		return 0;            /* half-written or foreign: not counted */
	if ((created = fm_get(&it, "created")))
		time_parse_rfc3339(created, &since);
	free(created);
	if (!since && fstatat(v->dirfd, ref->rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		since = st.st_mtime;
	if (since && since < wt->w->end) {
		age = (long)(wt->w->end - since);
		wt->count++;
		if (age / 3600 > wt->oldest)
			wt->oldest = age / 3600;
		if (age > BRIEF_WAIT_MAX) {
			if (!(title = fm_get(&it, "subject")))
				title = fm_get(&it, "title");
			json_array_append_new(wt->late, json_pack("{s:s, s:s, s:s, "
			    "s:I, s:I, s:I}", "id", ref->id, "stage",
			    stage_dir[ref->stage], "title", title ? title : ref->id,
			    "expected_hours", (json_int_t)(BRIEF_WAIT_MAX / 3600),
			    "waiting_hours", (json_int_t)(age / 3600), "waiting_days",
			    (json_int_t)(age / 86400)));
			free(title);
		}
	}
	fm_free(&it);
	return 0;
}

static int by_wait(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a,
	    "waiting_hours"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b,
	    "waiting_hours"));
	int c = (x < y) - (x > y);

	return c ? c : strcmp(json_string_value(json_object_get(
	    *(json_t *const *)a, "id")), json_string_value(json_object_get(
	    *(json_t *const *)b, "id")));
}

static json_t *waiting(struct vault *v, const struct brief_week *w,
    json_t **bottlenecks)
{
	static const enum stage stages[] = { ST_NEEDS_ACTION, ST_PENDING };
	json_t *o = json_object(), *late = json_array(), *list[256] = { 0 };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		struct waiting wt = { w, 0, 0, late };
		if (vault_walk(v, stages[i], NULL, wait_item, &wt) < 0) {
			json_decref(o);
			json_decref(late);
			return NULL;
		}
		json_object_set_new(o, stage_dir[stages[i]], json_pack("{s:I, s:I}",
		    "count", (json_int_t)wt.count, "oldest_hours",
		    (json_int_t)wt.oldest));
	}
	/* the longest waits first, at most 256 of them */
	n = json_array_size(late) < 256 ? json_array_size(late) : 256;
	for (i = 0; i < n; i++)
		list[i] = json_incref(json_array_get(late, i));
	qsort(list, n, sizeof *list, by_wait);
	json_object_set_new(o, "late", json_integer((json_int_t)
	    json_array_size(late)));
	json_object_set_new(o, "wait_max_hours", json_integer(BRIEF_WAIT_MAX /
	    3600));
	json_decref(late);
	*bottlenecks = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(*bottlenecks, list[i]);
	return o;
}

/* ---- LLM spend: the usage log, read as usage-log(1) reads it ---- */

struct spend {
	struct usage_sum sum;
	json_t *by_model, *by_task;
};

/* Count the row in by[key]: {calls, cost}. */
static void spend_add(json_t *by, const char *key, const struct usage_row *r)
{
	json_t *m = json_object_get(by, key);

	if (!m) {
		m = json_pack("{s:I, s:f}", "calls", (json_int_t)0, "cost", 0.0);
		json_object_set_new(by, key, m);
	}
	json_object_set_new(m, "calls", json_integer(json_integer_value(
	    json_object_get(m, "calls")) + 1));
	json_object_set_new(m, "cost", json_real(json_real_value(
	    json_object_get(m, "cost")) + (r->cost_known ? r->cost : 0)));
}

static int spend_row(const struct usage_row *r, void *ctx)
{
	struct spend *s = ctx;

	usage_sum_add(&s->sum, r);
	spend_add(s->by_model, r->model, r);
	spend_add(s->by_task, r->task, r);
	return 0;
}

static void spend_cents(json_t *by)
{
	const char *k;
	json_t *m;

	json_object_foreach(by, k, m)
		json_object_set_new(m, "cost", json_real(brief_money(
		    json_real_value(json_object_get(m, "cost")))));
}

static json_t *spend(struct vault *v, const struct brief_week *w)
{
	struct spend s;
	double budget;
	long bad = 0;

	memset(&s, 0, sizeof s);
	s.by_model = json_object();
	s.by_task = json_object();
	if (usage_budget(&budget) < 0 ||
	    usage_read(v, w->start, w->end, spend_row, &s, &bad) < 0) {
		json_decref(s.by_model);
		json_decref(s.by_task);
		return NULL;
	}
	spend_cents(s.by_model);
	spend_cents(s.by_task);
	return json_pack("{s:I, s:f, s:I, s:f, s:f, s:I, s:o, s:o}", "calls",
	    (json_int_t)s.sum.calls, "cost", brief_money(s.sum.cost),
	    "unknown_cost_calls", (json_int_t)s.sum.unknown, "budget",
	    brief_money(budget), "budget_pct", budget > 0 ?
	    brief_round(s.sum.cost / budget * 100, 10) : 0.0, "malformed_rows",
	    (json_int_t)bad, "by_model", s.by_model, "by_task", s.by_task);
}

/* ---- subscriptions: Finance/Subscriptions.md rows ---- */

/* Trim blanks around s[0, *n) in place: the start. */
static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "12.50 USD", "$12.50", "12.50": 0 with the cost and its currency. */
int brief_cost_parse(const char *s, double *cost, char *cur, size_t size)
{
	char *end;

	if (*s == '$')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	*cost = strtod(s, &end);
	if (!isfinite(*cost) || *cost > 1e12)
		return -1;
	end += strspn(end, " \t");
	snprintf(cur, size, "%s", *end ? end : "USD");
	return strlen(cur) < 16 ? 0 : -1;
}

int brief_date(const char *s, time_t *t)
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof tm);
	if (!(p = strptime(s, "%Y-%m-%d", &tm)) || *p)
		return -1;
	*t = timegm(&tm);
	return 0;
}

int brief_cells(char *line, char **cell, size_t max)
{
	char *p;
	size_t n;

	line = trim(line);
	if (*line != '|')
		return 0;
	for (n = 0, p = line + 1; n < max && (cell[n] = strsep(&p, "|")); n++)
		cell[n] = trim(cell[n]);
	if (n == 0 || !strcmp(cell[0], "") ||
	    strspn(cell[0], "-: ") == strlen(cell[0]))
		return 0;            /* not a row, or the separator */
	return (int)n;
}

/* The jobs two or more subscriptions are listed for (the rows' fourth
 * column, compared without case): [{job, names}], in the order each job
 * first appears. */
static json_t *one_job(const json_t *list)
{
	json_t *out = json_array(), *names;
	const char *job, *other;
	size_t i, j, n = json_array_size(list);

	for (i = 0; out && i < n; i++) {
		job = json_string_value(json_object_get(json_array_get(list, i),
		    "job"));
		if (!job || !*job)
			continue;
		for (j = 0; j < i; j++) {
			other = json_string_value(json_object_get(json_array_get(
			    list, j), "job"));
			if (other && !strcasecmp(job, other))
				break;
		}
		if (j < i)
			continue;            /* counted at its first row */
		if (!(names = json_array()))
			continue;
		for (j = i; j < n; j++) {
			other = json_string_value(json_object_get(json_array_get(
			    list, j), "job"));
			if (other && !strcasecmp(job, other))
				json_array_append(names, json_object_get(
				    json_array_get(list, j), "name"));
		}
		if (json_array_size(names) > 1)
			json_array_append_new(out, json_pack("{s:s, s:o}", "job", job,
			    "names", names));
		else
			json_decref(names);
	}
	return out;
}

static json_t *subscriptions(struct vault *v, const struct brief_week *w,
    long rule)
{
	json_t *list = json_array(), *o;
	char *text, *line, *save = NULL, *cell[4], cur[16];
	size_t len, n;
	double cost, total = 0;
	time_t t;
	long days, bad = 0, flagged = 0;
	int r;

	if ((r = brief_read(v, "Finance/Subscriptions.md", &text, &len)) != 0) {
		json_decref(list);
		return r < 0 ? NULL : json_pack("{s:b}", "listed", 0);
	}
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((n = (size_t)brief_cells(line, cell, 4)) < 3)
			continue;
		if (brief_cost_parse(cell[1], &cost, cur, sizeof cur) < 0) {
			if (strcasecmp(cell[1], "cost"))   /* else the header */
				bad++;
			continue;
		}
		days = brief_date(cell[2], &t) == 0 ? (long)((w->end - 86400 - t) /
		    86400) : -1;
		total += cost;
		o = json_pack("{s:s, s:f, s:s, s:s, s:I, s:b, s:s}", "name",
		    cell[0], "cost", brief_money(cost), "currency", cur,
		    "last_used", cell[2], "unused_days", (json_int_t)days,
		    "flagged", days > rule, "job", n > 3 ? cell[3] : "");
		if (days < 0)
			bad++;
		flagged += days > rule;
		if (o)
			json_array_append_new(list, o);
	}
	free(text);
	return json_pack("{s:b, s:I, s:I, s:f, s:I, s:o, s:o}", "listed", 1,
	    "unused_days_rule", (json_int_t)rule, "flagged", (json_int_t)flagged,
	    "total_cost", brief_money(total), "bad_rows", (json_int_t)bad,
	    "one_job", one_job(list), "list", list);
}

/* ---- Business_Goals.md ---- */

int brief_goal(const char *text, size_t len, const char *section,
    const char *key, char *val, size_t size)
{
	size_t start, end, k = strlen(key);
	const char *l, *e, *s;

	if (md_section(text, len, section, &start, &end) != 1)
		return 0;
	for (l = text + start; l < text + end; l = e + 1) {
		if (!(e = memchr(l, '\n', (size_t)(text + end - l))))
			e = text + end;
		s = l + strspn(l, " \t");
		if (s + 2 + k < e && (*s == '-' || *s == '*') && s[1] == ' ' &&
		    !strncasecmp(s + 2, key, k) && s[2 + k] == ':') {
			s += 3 + k;
			s += strspn(s, " \t");
			while (e > s && (e[-1] == ' ' || e[-1] == '\r'))
				e--;
			snprintf(val, size, "%.*s", (int)(e - s), s);
			return 1;
		}
		if (e == text + end)
			break;
	}
	return 0;
}

json_t *brief_facts(struct vault *v, const struct brief_week *w,
    int *odoo_status)
{
	json_t *f = NULL, *d, *wait, *late = NULL, *sp, *subs = NULL, *rev, *soc;
	char *goals = NULL, val[128], *end;
	size_t glen = 0;
	long rule = BRIEF_UNUSED_DAYS;
	double target = 0;
	char tcur[16] = "USD";
	int r;

	if ((r = brief_read(v, "Business_Goals.md", &goals, &glen)) < 0)
		return NULL;
	if (r == 0) {
		goals[glen] = '\0';
		if (brief_goal(goals, glen, "Subscription audit", "Unused days", val,
		    sizeof val) && (rule = strtol(val, &end, 10), end == val ||
		    rule < 0 || rule > 3650))
			rule = BRIEF_UNUSED_DAYS;
		if (brief_goal(goals, glen, "Revenue", "Monthly target", val,
		    sizeof val) && brief_cost_parse(val, &target, tcur, sizeof tcur) < 0)
			target = 0;
	}
	if (!(d = done(v, w))) {
		free(goals);
		return NULL;
	}
	if (!(wait = waiting(v, w, &late))) {
		free(goals);
		json_decref(d);
		return NULL;
	}
	if (!(sp = spend(v, w)) || !(subs = subscriptions(v, w, rule)) ||
	    (json_is_true(json_object_get(subs, "listed")) &&
	    brief_rises(v, w, subs) < 0) || !(soc = brief_social(v, w))) {
		json_decref(d);
		json_decref(wait);
		json_decref(late);
		json_decref(sp);
		json_decref(subs);
		free(goals);
		return NULL;
	}
	rev = brief_revenue(w, target, tcur, odoo_status);
	f = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o}", "week", w->label, "first_day", w->first, "last_day",
	    w->last, "briefing_day", w->after, "revenue", rev, "done", d,
	    "waiting", wait, "bottlenecks", late, "spend", sp, "subscriptions",
	    subs, "social", soc);
	/* the key metrics are judged on the facts above */
	if (f) {
		json_object_set_new(f, "metrics", brief_metrics(goals, glen, f));
		json_object_set_new(f, "projects", brief_projects(goals, glen, w));
	}
	free(goals);
	if (!f)
		aie_fail(EX_TEMP, "out of memory");
	return f;
}
