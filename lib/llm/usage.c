/*
 * usage.c - the usage table, prices and budgets (usage.h).
 *
 * A day's file is a Markdown table that Obsidian renders: a heading, a
 * header row, a separator row, then one row per call. Rows are appended
 * with one write(2) on O_APPEND (file_appendat), so concurrent writers
 * never interleave. The header is written exactly once: a new file is
 * made as a complete temporary file and linked into place, which fails
 * for all but one of racing writers. Readers go by the column names of
 * the last header seen, so repeated headers (a Git union merge of two
 * new files makes them) and added columns do no harm.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "llm/llm.h"

#ifndef DATADIR
#define DATADIR "/usr/local/share/ai-employee"
#endif

static const char *const columns[] = {
	"time", "agent", "task", "item", "model", "input_tokens",
	"output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd",
	NULL
};
enum { C_TIME, C_AGENT, C_TASK, C_ITEM, C_MODEL, C_IN, C_OUT, C_CR, C_CW,
	C_COST, C_N };

/* A price is USD per million tokens, finite, 0..PRICE_MAX: sscanf's %lf
 * takes "nan" and "inf", which would make every cost NaN or infinite. */
#define PRICE_MAX 1e6

static int price_ok(double d)
{
	return d >= 0 && d <= PRICE_MAX;     /* false for NaN */
}

static int price_valid(const struct price *p)
{
	return price_ok(p->input) && price_ok(p->output) &&
	    price_ok(p->cache_read) && price_ok(p->cache_write);
}

static int parse_price(const char *s, struct price *p)
{
	char extra;

	return sscanf(s, "%lf , %lf , %lf , %lf %c", &p->input, &p->output,
	    &p->cache_read, &p->cache_write, &extra) == 4 && price_valid(p);
}

/* The price table share/prices.tsv as built in (the generated prices.c
 * of the Makefile): the default when no prices file is installed. */
extern const char usage_prices_builtin[];

/* Look model up in the prices table f, named name in errors: 1 found, 0
 * not, -1 bad. Closes f. */
static int price_stream(FILE *f, const char *name, const char *model,
    struct price *p)
{
	char line[512];
	int lineno = 0, found = 0;

	while (!found && fgets(line, sizeof line, f)) {
		char word[256], extra;
		lineno++;
		char *h = strchr(line, '#');
		if (h)
			*h = '\0';
		if (sscanf(line, " %255s", word) != 1)
			continue;
		int n = sscanf(line, " %255s %lf %lf %lf %lf %c", word, &p->input,
		    &p->output, &p->cache_read, &p->cache_write, &extra);
		if (n != 5 || !price_valid(p)) {
			fclose(f);
			return aie_fail(EX_CONFIG, "%s:%d: want MODEL INPUT OUTPUT "
			    "CACHE_READ CACHE_WRITE (USD per million tokens, 0 to "
			    "%.0f)", name, lineno, PRICE_MAX);
		}
		found = strcmp(word, model) == 0;
	}
	fclose(f);
	return found;
}

/* Look model up in a prices file: 1 found, 0 not, -1 unreadable/bad. */
static int price_file(const char *path, const char *model, struct price *p)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	return price_stream(f, path, model, p);
}

/* Look model up in the built-in table. */
static int price_builtin(const char *model, struct price *p)
{
	FILE *f = fmemopen((void *)usage_prices_builtin,
	    strlen(usage_prices_builtin), "r");

	if (!f)
		return aie_fail_errno(EX_TEMP, "the built-in price table");
	return price_stream(f, "the built-in price table", model, p);
}

/* The price of model: config PRICE_<MODEL> (upper case, other characters
 * as _) = "in,out,cache_read,cache_write", then $USAGE_PRICES_FILE, then
 * $AIE_PRICES_FILE or DATADIR/prices.tsv, else (none installed) the table
 * built in. 1 found, 0 unknown, -1 when a price file or setting is
 * malformed. */
static int price_lookup(const char *model, struct price *p)
{
	char key[160];
	const char *v, *file;
	size_t i, n;
	int r;

	n = (size_t)snprintf(key, sizeof key, "PRICE_%s", model);
	if (n >= sizeof key)
		return 0;
	for (i = 6; i < n; i++)
		key[i] = isalnum((unsigned char)key[i]) ?
		    (char)toupper((unsigned char)key[i]) : '_';
	if ((v = config_get(key))) {
		if (!parse_price(v, p))
			return aie_fail(EX_CONFIG, "%s: want in,out,cache_read,"
			    "cache_write (USD per million tokens, 0 to %.0f)", key,
			    PRICE_MAX);
		return 1;
	}
	if ((file = config_get("USAGE_PRICES_FILE")) &&
	    (r = price_file(file, model, p)) != 0)
		return r;
	if (!(file = config_get("AIE_PRICES_FILE"))) {
		file = DATADIR "/prices.tsv";
		if (access(file, F_OK) < 0 && errno == ENOENT)
			return price_builtin(model, p);
	}
	return price_file(file, model, p);
}

int usage_cost_parse(const char *s, double *usd)
{
	size_t n = strspn(s, "0123456789.");
	const char *dot = strchr(s, '.');
	char *end;

	if (!isdigit((unsigned char)*s) || s[n] || (dot && strchr(dot + 1, '.')))
		return -1;
	errno = 0;
	*usd = strtod(s, &end);
	return errno || *end || !(*usd <= USAGE_COST_MAX) ? -1 : 0;
}

/* 0 when r's token counts and cost are within the bounds of llm.h, else
 * -1 with 65 and which number is out of them. */
static int usage_row_check(const struct usage_row *r)
{
	static const char *const names[] = { "input", "output", "cache read",
	    "cache write" };
	const long tokens[] = { r->input_tokens, r->output_tokens,
	    r->cache_read_tokens, r->cache_write_tokens };
	size_t i;

	for (i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
		if (tokens[i] < 0 || tokens[i] > USAGE_TOKENS_MAX)
			return aie_fail(EX_DATA, "%ld %s tokens: want 0 to %ld",
			    tokens[i], names[i], USAGE_TOKENS_MAX);
	if (r->cost_known && !(r->cost >= 0 && r->cost <= USAGE_COST_MAX))
		return aie_fail(EX_DATA, "cost %g USD: want a finite number from "
		    "0 to %.0f", r->cost, USAGE_COST_MAX);
	return 0;
}

int usage_price_row(struct usage_row *r)
{
	struct price p;
	int found;

	r->cost = 0;
	r->cost_known = 0;
	if (usage_row_check(r) < 0)
		return -1;
	if (!strcmp(r->model, "offline-template")) {
		r->cost_known = 1;      /* free, and known to be */
		return 0;
	}
	if ((found = price_lookup(r->model, &p)) < 0)
		return -1;
	if (found) {
		r->cost = ((double)r->input_tokens * p.input +
		    (double)r->output_tokens * p.output +
		    (double)r->cache_read_tokens * p.cache_read +
		    (double)r->cache_write_tokens * p.cache_write) / 1e6;
		r->cost_known = 1;
	}
	return usage_row_check(r);
}

/* A table cell: no pipe, no control byte, bounded. */
static void cell(char *out, size_t size, const char *s)
{
	size_t i, n = 0;

	for (i = 0; s[i] && n + 1 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[n++] = ch < 0x20 || ch == 0x7f || ch == '|' ? '_' : (char)ch;
	}
	out[n] = '\0';
	if (!n && size > 1)
		strcpy(out, "-");
}

static int day_rel(time_t t, char *rel, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (!strftime(rel, size, "Logs/API_Usage/%Y-%m-%d.md", &tm))
		return aie_fail(EX_DATA, "bad date");
	return 0;
}

/* Create rel holding head unless it exists: temp file + link. */
static int create_once(struct vault *v, const char *rel, const char *head)
{
	char name[256], tmp[300];
	struct stat st;
	int pfd, fd, r = -1;
	size_t len = strlen(head);

	if ((pfd = path_parent_at(v->dirfd, rel, 1, name, sizeof name)) < 0)
		return -1;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(pfd);
		return 0;
	}
	snprintf(tmp, sizeof tmp, ".tmp.%s.%ld", name, (long)getpid());
	unlinkat(pfd, tmp, 0);
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0) {
		aie_fail_errno(EX_TEMP, "%s", rel);
		goto out;
	}
	if (write(fd, head, len) != (ssize_t)len || fsync(fd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: write", rel);
		close(fd);
		goto unlink;
	}
	if (close(fd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: close", rel);
		goto unlink;
	}
	if (linkat(pfd, tmp, pfd, name, 0) < 0 && errno != EEXIST) {
		aie_fail_errno(EX_TEMP, "%s", rel);
		goto unlink;
	}
	r = 0;
unlink:
	unlinkat(pfd, tmp, 0);
out:
	close(pfd);
	return r;
}

int usage_add(struct vault *v, const struct usage_row *r)
{
	char rel[64], head[512], line[1024], ts[21], day[11];
	char agent[AIE_NAME_MAX + 2], task[64], item[AIE_ID_MAX + 2], model[128];
	char cost[32];
	int n;

	if (usage_row_check(r) < 0 || day_rel(r->time, rel, sizeof rel) < 0)
		return -1;
	time_rfc3339(r->time, ts);
	memcpy(day, ts, 10);
	day[10] = '\0';
	snprintf(head, sizeof head, "# API usage %s\n\n"
	    "| time | agent | task | item | model | input_tokens | output_tokens "
	    "| cache_read_tokens | cache_write_tokens | cost_usd |\n"
	    "|---|---|---|---|---|---:|---:|---:|---:|---:|\n", day);
	if (create_once(v, rel, head) < 0)
		return -1;
	cell(agent, sizeof agent, r->agent);
	cell(task, sizeof task, r->task);
	cell(item, sizeof item, r->item);
	cell(model, sizeof model, r->model);
	if (r->cost_known)
		snprintf(cost, sizeof cost, "%.6f", r->cost);
	else
		strcpy(cost, "unknown");
	n = snprintf(line, sizeof line, "| %s | %s | %s | %s | %s | %ld | %ld | "
	    "%ld | %ld | %s |\n", ts, agent, task, item, model, r->input_tokens,
	    r->output_tokens, r->cache_read_tokens, r->cache_write_tokens, cost);
	if (n < 0 || (size_t)n >= sizeof line)
		return aie_fail(EX_DATA, "usage row too long");
	return file_appendat(v->dirfd, rel, line, (size_t)n);
}

/* Split a table line into trimmed cells (in place); the count or -1. */
static int split_cells(char *line, char **cells, int max)
{
	int n = 0;
	char *p = line, *bar;

	if (*p != '|')
		return -1;
	p++;
	while ((bar = strchr(p, '|'))) {
		char *s = p, *e = bar;
		*bar = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (n == max)
			return -1;
		cells[n++] = s;
		p = bar + 1;
	}
	return n;
}

static int is_separator(char **cells, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!*cells[i] || strspn(cells[i], ":-") != strlen(cells[i]))
			return 0;
	return n > 0;
}

/* A token count as usage_add writes it: digits, 0..USAGE_TOKENS_MAX. */
static int num(const char *s, long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && !*end && *out <= USAGE_TOKENS_MAX;
}

/* Parse one data row through the column map; 0 ok, -1 bad. */
static int parse_row(char **cells, int n, const int *map, struct usage_row *r)
{
	int i;

	for (i = 0; i < C_N; i++)
		if (map[i] < 0 || map[i] >= n)
			return -1;
	memset(r, 0, sizeof *r);
	if (time_parse_rfc3339(cells[map[C_TIME]], &r->time) < 0)
		return -1;
	snprintf(r->agent, sizeof r->agent, "%s", cells[map[C_AGENT]]);
	snprintf(r->task, sizeof r->task, "%s", cells[map[C_TASK]]);
	snprintf(r->item, sizeof r->item, "%s", cells[map[C_ITEM]]);
	snprintf(r->model, sizeof r->model, "%s", cells[map[C_MODEL]]);
	if (!num(cells[map[C_IN]], &r->input_tokens) ||
	    !num(cells[map[C_OUT]], &r->output_tokens) ||
	    !num(cells[map[C_CR]], &r->cache_read_tokens) ||
	    !num(cells[map[C_CW]], &r->cache_write_tokens))
		return -1;
	if (!strcmp(cells[map[C_COST]], "unknown"))
		return 0;
	if (usage_cost_parse(cells[map[C_COST]], &r->cost) < 0)
		return -1;
	r->cost_known = 1;
	return usage_row_check(r);
}

int usage_parse(char *text, size_t len, time_t since, time_t until,
    usage_fn fn, void *ctx, long *bad)
{
	char *line = text, *nl, *cells[32];
	int map[C_N], i, j, n, r = 0;
	struct usage_row row;
	size_t l;

	for (i = 0; i < C_N; i++)
		map[i] = -1;
	for (; !r && line < text + len; line = nl + 1) {
		if (!(nl = memchr(line, '\n', (size_t)(text + len - line))))
			nl = text + len;
		l = (size_t)(nl - line);
		/* a NUL would end the line early and hide the rest of it */
		if (memchr(line, '\0', l)) {
			if (bad)
				(*bad)++;
			continue;
		}
		*nl = '\0';
		if (l && line[l - 1] == '\r')
			line[l - 1] = '\0';
		if ((n = split_cells(line, cells, 32)) <= 0 || is_separator(cells, n))
			continue;
		if (!strcmp(cells[0], "time") || (n > 1 && !strcmp(cells[1],
		    "time"))) {
			for (i = 0; i < C_N; i++) {
				map[i] = -1;
				for (j = 0; j < n; j++)
					if (!strcmp(cells[j], columns[i]))
						map[i] = j;
			}
			continue;
		}
		if (parse_row(cells, n, map, &row) < 0) {
			if (bad)
				(*bad)++;
			continue;
		}
		if (row.time >= since && row.time < until)
			r = fn(&row, ctx);
	}
	return r;
}

static int read_day(struct vault *v, time_t day, time_t since, time_t until,
    usage_fn fn, void *ctx, long *bad)
{
	char rel[64], *buf;
	size_t len;
	int r;

	if (day_rel(day, rel, sizeof rel) < 0)
		return -1;
	if (file_readat(v->dirfd, rel, &buf, &len) < 0)
		return aie_errcode == EX_NEG ? 0 : -1;
	r = usage_parse(buf, len, since, until, fn, ctx, bad);
	free(buf);
	return r;
}

int usage_read(struct vault *v, time_t since, time_t until, usage_fn fn,
    void *ctx, long *bad)
{
	time_t day;
	int r;

	for (day = usage_day_start(since); day < until; day += 86400)
		if ((r = read_day(v, day, since, until, fn, ctx, bad)) != 0)
			return r;
	return 0;
}

static void add_sat(long *sum, long n, int *saturated)
{
	if (__builtin_add_overflow(*sum, n, sum)) {
		*sum = LONG_MAX;
		*saturated = 1;
	}
}

void usage_sum_add(struct usage_sum *s, const struct usage_row *r)
{
	add_sat(&s->calls, 1, &s->saturated);
	add_sat(&s->input_tokens, r->input_tokens, &s->saturated);
	add_sat(&s->output_tokens, r->output_tokens, &s->saturated);
	add_sat(&s->cache_read_tokens, r->cache_read_tokens, &s->saturated);
	add_sat(&s->cache_write_tokens, r->cache_write_tokens, &s->saturated);
	if (r->cost_known)
		s->cost += r->cost;
	else
		s->unknown++;
}

time_t usage_day_start(time_t t)
{
	return t - ((t % 86400) + 86400) % 86400;
}

time_t usage_week_start(time_t t)
{
	struct tm tm;
	time_t day = usage_day_start(t);

	gmtime_r(&day, &tm);
	return day - (time_t)((tm.tm_wday + 6) % 7) * 86400;
}

int usage_budget(double *usd)
{
	return config_double("USAGE_BUDGET_WEEKLY", 50.0, 0, USAGE_BUDGET_MAX,
	    usd);
}

int usage_max_calls(long *calls)
{
	return config_long("USAGE_MAX_CALLS_DAY", 1000, 0, USAGE_CALLS_MAX,
	    calls);
}

static int sum_fn(const struct usage_row *r, void *ctx)
{
	usage_sum_add(ctx, r);
	return 0;
}

int usage_check(struct vault *v, time_t now, long *unknown)
{
	struct usage_sum day = { 0 }, week = { 0 };
	long cap, bad = 0;
	double budget;

	*unknown = 0;
	if (usage_max_calls(&cap) < 0 || usage_budget(&budget) < 0)
		return -1;
	/* this week's rows hold today's: a bad row today is counted once */
	if (usage_read(v, usage_week_start(now), now + 1, sum_fn, &week,
	    &bad) < 0 || usage_read(v, usage_day_start(now), now + 1, sum_fn,
	    &day, NULL) < 0) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		return aie_fail(EX_TEMP, "the spend cannot be computed, so no "
		    "call: %s", why);
	}
	*unknown = week.unknown;
	if (bad)
		return aie_fail(EX_TEMP, "the spend cannot be computed, so no "
		    "call: %ld malformed rows in Logs/API_Usage/ this week "
		    "(see usage-log report)", bad);
	if (day.calls >= cap)
		return aie_fail(EX_TEMP, "daily call cap reached: %ld calls today, "
		    "USAGE_MAX_CALLS_DAY is %ld", day.calls, cap);
	if (!(week.cost < budget))
		return aie_fail(EX_TEMP, "weekly budget reached: %.2f USD spent "
		    "this week, USAGE_BUDGET_WEEKLY is %.2f", week.cost, budget);
	return 0;
}

int usage_log_call(struct vault *v, const char *task, const char *id,
    const char *model, const struct llm_result *r)
{
	struct usage_row row;

	memset(&row, 0, sizeof row);
	row.time = time(NULL);
	snprintf(row.agent, sizeof row.agent, "%s", v->agent);
	snprintf(row.task, sizeof row.task, "%s", task);
	snprintf(row.item, sizeof row.item, "%s", id);
	snprintf(row.model, sizeof row.model, "%s", model);
	if (r) {
		row.input_tokens = r->input_tokens;
		row.output_tokens = r->output_tokens;
		row.cache_read_tokens = r->cache_read_tokens;
		row.cache_write_tokens = r->cache_write_tokens;
	}
	return usage_price_row(&row) < 0 || usage_add(v, &row) < 0 ? -1 : 0;
}
