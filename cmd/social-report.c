/*
 * social-report - what the posts published in one ISO week did (see
 * social-report(1)): each Done/social/ post with a post_id whose exec_at
 * falls in the week, its reactions, comments, shares, impressions and
 * reach read back from its network (lib/social/metrics.c), written
 * whole to Logs/Social/YYYY-Www.md (vault(5), "Social reports"), which
 * the Monday briefing reads; -j prints the same as one JSON object.
 *
 * A rerun rewrites the file from what the networks say then, so running
 * it twice leaves one report, not two (only generated, and numbers the
 * networks changed meanwhile, differ). A network that cannot be read is
 * said in the report and the exit status (78 its token, 75 rate limited
 * with the time to try again) while the others are still reported; but a
 * run that failed and has numbers of fewer posts than the report already
 * there keeps that report, so a rate limit on a rerun loses nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "brief/brief.h"
#include "cli/cli.h"
#include "social/social.h"

struct post {
	char id[AIE_ID_MAX + 1];
	enum social_net net;
	char *post_id, *url;
	time_t at;
	struct social_metrics m;
};

struct posts {
	const struct brief_week *w;
	struct post *v;
	size_t n, cap;
	int status;              /* the worst error met reading items */
};

/* What could not be read of one network, for the report. */
struct failure {
	int code;
	time_t retry_at;
	char msg[sizeof aie_errmsg];
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: social-report [-C DIR] "
	    "[-a AGENT] [-jqv] [--week YYYY-Www]\n");
	exit(status ? 2 : 0);
}

/* A post of the week: published (post_id, not unknown) at exec_at in it. */
static int collect(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct posts *ps = ctx;
	struct item it;
	char *net = NULL, *pid = NULL, *at = NULL, *url = NULL;
	struct post *p;
	time_t t;

	if (item_load(v, ref, &it) < 0) {
		cli_warnerr(ref->rel);
		ps->status = aie_errcode;
		return 0;
	}
	net = fm_get(&it, "network");
	pid = fm_get(&it, "post_id");
	at = fm_get(&it, "exec_at");
	url = fm_get(&it, "post_url");
	fm_free(&it);
	if (!net || !pid || !at || !*pid || strcmp(pid, "unknown") == 0 ||
	    time_parse_rfc3339(at, &t) < 0 || t < ps->w->start ||
	    t >= ps->w->end)
		goto skip;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		struct post *nv = realloc(ps->v, cap * sizeof *nv);
		if (!nv) {
			aie_fail(EX_TEMP, "out of memory");
			goto fail;
		}
		ps->v = nv;
		ps->cap = cap;
	}
	p = &ps->v[ps->n];
	memset(p, 0, sizeof *p);
	if (social_net_parse(net, &p->net) < 0)
		goto fail;
	snprintf(p->id, sizeof p->id, "%s", ref->id);
	p->post_id = pid;
	p->url = url;
	p->at = t;
	ps->n++;
	free(net);
	free(at);
	return 0;
fail:
	cli_warnerr(ref->rel);
	ps->status = aie_errcode;
skip:
	free(net);
	free(pid);
	free(at);
	free(url);
	return 0;
}

/* In the order published, then by ID: the same week gives the same file. */
static int by_time(const void *a, const void *b)
{
	const struct post *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The worse of two exit statuses: a token to fix before a wait. */
static int worse(int a, int b)
{
	static const int rank[] = { 0, EX_DATA, EX_DOWN, EX_TEMP, EX_CONFIG };
	int ra = 0, rb = 0, i;

	for (i = 0; i < 5; i++) {
		if (a == rank[i])
			ra = i;
		if (b == rank[i])
			rb = i;
	}
	return rb > ra ? b : a;
}

/* Read each network's posts; the worst failure's status, or 0. */
static int read_metrics(struct posts *ps, struct failure *f)
{
	const char **ids;
	struct social_metrics *m;
	size_t i, k;
	int net, status = 0;

	if (!(ids = calloc(ps->n + 1, sizeof *ids)) ||
	    !(m = calloc(ps->n + 1, sizeof *m))) {
		free(ids);
		cli_warn(NULL, "out of memory");
		return EX_TEMP;
	}
	for (net = 0; net < NET_COUNT; net++) {
		for (i = k = 0; i < ps->n; i++)
			if (ps->v[i].net == (enum social_net)net)
				ids[k++] = ps->v[i].post_id;
		f[net].code = 0;
		if (!k)
			continue;
		if (social_metrics((enum social_net)net, ids, k, m,
		    &f[net].retry_at) < 0) {
			f[net].code = aie_errcode;
			snprintf(f[net].msg, sizeof f[net].msg, "%s", aie_errmsg);
			cli_warnerr(NULL);
			status = worse(status, aie_errcode);
			continue;
		}
		for (i = k = 0; i < ps->n; i++)
			if (ps->v[i].net == (enum social_net)net)
				ps->v[i].m = m[k++];
	}
	free(ids);
	free(m);
	return status;
}

#define METRICS 5

struct totals {
	long posts, read, n[METRICS]; /* as metric[] below */
	int known[METRICS];
};

static void add_up(const struct post *p, struct totals *t)
{
	const long v[METRICS] = { p->m.reactions, p->m.comments, p->m.shares,
	    p->m.impressions, p->m.reach };
	int k;

	t->posts++;
	if (!p->m.read)
		return;
	t->read++;
	for (k = 0; k < METRICS; k++)
		if (v[k] >= 0) {
			t->n[k] += v[k];
			t->known[k] = 1;
		}
}

static const char *const metric[METRICS] = {
	"reactions", "comments", "shares", "impressions", "reach"
};

/* A count, or "-" for one the network does not tell. */
static void cell(struct buf *b, long n, int known)
{
	if (known && n >= 0)
		buf_addf(b, " %ld |", n);
	else
		buf_adds(b, " - |");
}

/* The report file: front matter with the week's totals, the posts, each
 * network's totals, and what could not be read. malloc'd, or NULL. */
static char *render(const struct posts *ps, const struct failure *f,
    const char *generated)
{
	struct totals all = { 0 }, net[NET_COUNT];
	struct buf b = { 0 };
	char when[21];
	size_t i, len;
	int k, n, notes = 0;

	memset(net, 0, sizeof net);
	for (i = 0; i < ps->n; i++) {
		add_up(&ps->v[i], &all);
		add_up(&ps->v[i], &net[ps->v[i].net]);
	}
	buf_addf(&b, "---\ntype: social_report\nweek: %s\nperiod_start: %s\n"
	    "period_end: %s\ngenerated: %s\nposts: %ld\nread: %ld\n",
	    ps->w->label, ps->w->first, ps->w->last, generated, all.posts,
	    all.read);
	for (k = 0; k < METRICS; k++)
		if (all.known[k])
			buf_addf(&b, "%s: %ld\n", metric[k], all.n[k]);
	/* each network's, for the briefing's lines by network */
	for (n = 0; n < NET_COUNT; n++) {
		const char *name = social_net_name((enum social_net)n);
		if (!net[n].posts)
			continue;
		buf_addf(&b, "%s_posts: %ld\n%s_read: %ld\n", name, net[n].posts,
		    name, net[n].read);
		for (k = 0; k < METRICS; k++)
			if (net[n].known[k])
				buf_addf(&b, "%s_%s: %ld\n", name, metric[k], net[n].n[k]);
	}
	buf_addf(&b, "---\n# Social report %s\n\nPosts published %s to %s "
	    "(UTC) and what they did, as each network told it when this was "
	    "generated; - is a number the network does not give.\n",
	    ps->w->label, ps->w->first, ps->w->last);
	if (!ps->n)
		buf_adds(&b, "\nNo posts were published this week.\n");
	else
		buf_adds(&b, "\n| Post | Network | Published | Reactions | "
		    "Comments | Shares | Impressions | Reach |\n|---|---|---|---:|"
		    "---:|---:|---:|---:|\n");
	for (i = 0; i < ps->n; i++) {
		const struct post *p = &ps->v[i];
		struct tm tm;
		char day[20];
		gmtime_r(&p->at, &tm);
		strftime(day, sizeof day, "%Y-%m-%d %H:%M", &tm);
		if (p->url && strncmp(p->url, "https://", 8) == 0 &&
		    !strpbrk(p->url, " ()[]<>|\\"))
			buf_addf(&b, "| [%s](%s) |", p->id, p->url);
		else
			buf_addf(&b, "| %s |", p->id);
		buf_addf(&b, " %s | %s |", social_net_name(p->net), day);
		cell(&b, p->m.reactions, p->m.read);
		cell(&b, p->m.comments, p->m.read);
		cell(&b, p->m.shares, p->m.read);
		cell(&b, p->m.impressions, p->m.read);
		cell(&b, p->m.reach, p->m.read);
		buf_addc(&b, '\n');
	}
	if (ps->n) {
		buf_adds(&b, "\n## By network\n\n| Network | Posts | Read | "
		    "Reactions | Comments | Shares | Impressions | Reach |\n|---|"
		    "---:|---:|---:|---:|---:|---:|---:|\n");
		for (n = 0; n < NET_COUNT; n++) {
			if (!net[n].posts)
				continue;
			buf_addf(&b, "| %s | %ld | %ld |", social_net_name(
			    (enum social_net)n), net[n].posts, net[n].read);
			for (k = 0; k < METRICS; k++)
				cell(&b, net[n].n[k], net[n].known[k]);
			buf_addc(&b, '\n');
		}
	}
	for (n = 0; n < NET_COUNT; n++) {
		if (!f[n].code)
			continue;
		if (!notes++)
			buf_adds(&b, "\n## Not read\n\n");
		buf_addf(&b, "- %s", f[n].msg);
		if (f[n].retry_at > 0 && !strstr(f[n].msg, "try again")) {
			time_rfc3339(f[n].retry_at, when);
			buf_addf(&b, "; try again after %s", when);
		}
		buf_addc(&b, '\n');
	}
	for (i = 0; i < ps->n; i++) {
		const struct post *p = &ps->v[i];
		/* a post read may still lack some numbers (LinkedIn's reach
		 * needs another permission than its reactions): said too */
		if (!p->m.note[0])
			continue;
		if (!notes++)
			buf_adds(&b, "\n## Not read\n\n");
		buf_addf(&b, "- %s (%s): %s\n", p->id, social_net_name(p->net),
		    p->m.note);
	}
	return buf_take(&b, &len);
}

static json_t *count_json(long n, int known)
{
	return known && n >= 0 ? json_integer(n) : json_null();
}

/* How many posts the report at rel has numbers of ("read:"), or -1. */
static long read_before(struct vault *v, const char *rel)
{
	struct item it;
	char *text, *val, *end;
	size_t len;
	long n = -1;

	if (file_readat(v->dirfd, rel, &text, &len) < 0)
		return -1;
	if (fm_parse(&it, text, len) == 0) {
		if ((val = fm_get(&it, "read")) && (n = strtol(val, &end, 10),
		    end == val || *end))
			n = -1;
		free(val);
		fm_free(&it);
	}
	free(text);
	return n;
}

static long posts_read(const struct posts *ps)
{
	long n = 0;
	size_t i;

	for (i = 0; i < ps->n; i++)
		n += ps->v[i].m.read;
	return n;
}

/* written: whether the report file is this run's (else the earlier one
 * was kept). */
static int print_json(const struct posts *ps, const struct failure *f,
    const char *rel, const char *generated, int written)
{
	json_t *o, *list = json_array(), *errs = json_array();
	struct totals all = { 0 };
	char when[21];
	size_t i;
	int n;

	for (i = 0; i < ps->n; i++) {
		const struct post *p = &ps->v[i];
		char at[21];
		add_up(p, &all);
		time_rfc3339(p->at, at);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, "
		    "s:b, s:o, s:o, s:o, s:o, s:o, s:s}", "id", p->id, "network",
		    social_net_name(p->net), "post_id", p->post_id, "post_url",
		    p->url ? p->url : "", "published", at, "read", p->m.read,
		    "reactions", count_json(p->m.reactions, p->m.read),
		    "comments", count_json(p->m.comments, p->m.read),
		    "shares", count_json(p->m.shares, p->m.read),
		    "impressions", count_json(p->m.impressions, p->m.read),
		    "reach", count_json(p->m.reach, p->m.read),
		    "note", p->m.note));
	}
	for (n = 0; n < NET_COUNT; n++) {
		if (!f[n].code)
			continue;
		if (f[n].retry_at > 0)
			time_rfc3339(f[n].retry_at, when);
		json_array_append_new(errs, json_pack("{s:s, s:i, s:s, s:s?}",
		    "network", social_net_name((enum social_net)n), "status",
		    f[n].code, "message", f[n].msg, "retry_at",
		    f[n].retry_at > 0 ? when : NULL));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:I, s:I, s:o, s:o, "
	    "s:o, s:o, s:o}, s:o, s:o}", "week", ps->w->label, "period_start",
	    ps->w->first, "period_end", ps->w->last, "generated", generated,
	    "path", rel, "written", written, "totals", "posts", (json_int_t)all.posts, "read",
	    (json_int_t)all.read, "reactions", count_json(all.n[0],
	    all.known[0]), "comments", count_json(all.n[1], all.known[1]),
	    "shares", count_json(all.n[2], all.known[2]), "impressions",
	    count_json(all.n[3], all.known[3]), "reach", count_json(all.n[4],
	    all.known[4]), "posts", list, "errors", errs);
	return cli_print_json(o);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "week", required_argument, NULL, 'W' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct brief_week w;
	struct posts ps = { 0 };
	struct failure f[NET_COUNT];
	struct vault v;
	char rel[64], generated[21], *text;
	const char *week = NULL;
	size_t i;
	long old;
	int c, st;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		if (c == 'W')
			week = optarg;
		else
			usage(2);
	}
	if (optind != argc)
		usage(2);
	if (week && brief_week_parse(week, &w) < 0) {
		cli_warnerr(NULL);
		return EX_ARGS;
	}
	if (!week)
		brief_week_before(time(NULL), &w);
	if ((st = cli_open_vault(&v)) != 0)
		return st;
	ps.w = &w;
	vault_walk(&v, ST_DONE, "social", collect, &ps);
	if (ps.n)
		qsort(ps.v, ps.n, sizeof *ps.v, by_time);
	memset(f, 0, sizeof f);
	st = worse(ps.status, read_metrics(&ps, f));
	time_rfc3339(time(NULL), generated);
	snprintf(rel, sizeof rel, "Logs/Social/%s.md", w.label);
	if (!(text = render(&ps, f, generated))) {
		cli_warn(rel, "out of memory");
		st = EX_TEMP;
	} else if (st && (old = read_before(&v, rel)) > posts_read(&ps)) {
		/* a failing network must not wipe numbers an earlier run read */
		cli_warn(rel, "kept: it has the numbers of %ld posts, this run "
		    "only of %ld", old, posts_read(&ps));
		if (cli.json)
			print_json(&ps, f, rel, generated, 0);
	} else if (file_writeat(v.dirfd, rel, text, strlen(text), 0644) < 0) {
		cli_warnerr(rel);
		st = worse(st, aie_errcode);
	} else if (cli.json)
		print_json(&ps, f, rel, generated, 1);
	else if (!cli.quiet)
		printf("%s\n", rel);
	free(text);
	for (i = 0; i < ps.n; i++) {
		free(ps.v[i].post_id);
		free(ps.v[i].url);
	}
	free(ps.v);
	vault_close(&v);
	return st;
}
