/*
 * vault-status - the state of the vault at a glance: items per stage and
 * domain, the drafts waiting for approval, the last sync and the health
 * each agent reported. -j prints the same data as one JSON object (the one
 * the dashboard's /api/status serves). --dashboard, on the local agent
 * only, rewrites Dashboard.md from the same data and folds the notes the
 * cloud left in Updates/ into it (the cloud never writes Dashboard.md, so
 * the file has a single writer and never conflicts in sync).
 */
#include <dirent.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "base/base.h"
#include "status/status.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-status [-jqv] [-C DIR] [-a AGENT] [--dashboard]\n");
	exit(status ? 2 : 0);
}

/* The age of card p as of now, as "3m". */
static void card_age(const struct status *st, const struct pending *p,
    char *a, size_t size)
{
	duration_text((long)(p->created ? st->now - p->created : 0), a, size);
}

static void print_text(const struct status *st)
{
	size_t i, j;
	char a[32];

	printf("vault %s (agent %s)\n\n", st->vault, st->agent);
	for (i = 0; i < ST_COUNT; i++) {
		printf("%-17s %5lld", stage_dir[i], (long long)st->totals[i]);
		for (j = 0; j < st->ncounts[i]; j++)
			printf("  %s %lld", st->counts[i][j].name,
			    (long long)st->counts[i][j].n);
		putchar('\n');
	}
	printf("\nwaiting for approval: %zu\n", st->npending);
	for (i = 0; i < st->npending; i++) {
		const struct pending *p = &st->pending[i];
		card_age(st, p, a, sizeof a);
		printf("  %s\t%s\t%s\t%s\n", p->ref.id, p->ref.sub, a,
		    p->title ? p->title : p->ref.id);
	}
	if (st->last_sync) {
		duration_text((long)(st->now - st->last_sync_at), a, sizeof a);
		printf("\nlast sync: %s (%s ago)\n", st->last_sync, a);
	} else {
		printf("\nlast sync: never\n");
	}
	if (st->nhealth == 0)
		printf("health: no reports yet\n");
	for (i = 0; i < st->nhealth; i++) {
		const struct health *h = &st->health[i];
		printf("health of %s (updated %s):\n", h->agent,
		    h->updated ? h->updated : "?");
		for (j = 0; j < h->nparts; j++)
			printf("  %-10s %-12s %s\n", h->parts[j].name,
			    h->parts[j].state, h->parts[j].detail);
	}
}

/* The section "## NAME" of old as it is (see vault(5), "Sections"), or
 * NULL. */
static char *section(const char *old, size_t len, const char *name)
{
	size_t start, end;

	if (!old || !md_section(old, len, name, &start, &end))
		return NULL;
	return strndup(old + start, end - start);
}

/* Markdown-safe one line: newlines and pipes would break the page. */
static void md_line(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		buf_addf(b, "%c", *s == '\n' || *s == '\r' ? ' ' : *s == '|' ? '/' : *s);
}

/* Fold each note in Updates/ into lines "- [time] text" and remove it. */
static void fold_updates(struct vault *v, struct buf *b, int *folded)
{
	struct dirent *e;
	DIR *d;
	int fd = vault_opendir(v, "Updates", 0);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char rel[300], *text, *created, *title;
		struct itemref ref;
		struct item it;
		if (e->d_name[0] == '.' || n < 4 || strcmp(e->d_name + n - 3, ".md"))
			continue;
		snprintf(rel, sizeof rel, "Updates/%s", e->d_name);
		memset(&ref, 0, sizeof ref);
		snprintf(ref.rel, sizeof ref.rel, "%s", rel);
		if (item_load(v, &ref, &it) < 0) {
			cli_warnerr(NULL);
			continue;
		}
		created = fm_get(&it, "created");
		title = fm_get(&it, "title");
		text = it.body;
		while (*text == '\n' || *text == '\r')
			text++;
		buf_addf(b, "- %s ", created ? created : "-");
		if (title) {
			buf_addf(b, "**");
			md_line(b, title);
			buf_addf(b, "** ");
		}
		md_line(b, text);
		buf_addf(b, "\n");
		free(created);
		free(title);
		fm_free(&it);
		if (unlinkat(dirfd(d), e->d_name, 0) < 0)
			cli_warn(rel, "cannot remove after folding: %s",
			    strerror(errno));
		audit_event(v, "fold-update", NULL, rel, "Dashboard.md", NULL);
		(*folded)++;
	}
	closedir(d);
}

static int write_dashboard(struct vault *v, const struct status *st)
{
	struct buf b = { 0 }, upd = { 0 };
	char *old = NULL, *notes = NULL, *prev = NULL, now[21];
	size_t oldlen, i, j, kept = 0;
	const char *line, *nl;
	int folded = 0, r;

	if (agent_is_cloud(v->agent)) {
		cli_warn("Dashboard.md", "refused: the cloud agent never writes it");
		return EX_REFUSED;
	}
	if (file_readat(v->dirfd, "Dashboard.md", &old, &oldlen) < 0)
		old = NULL;
	notes = section(old, oldlen, "Notes");
	prev = section(old, oldlen, "Updates from the cloud");
	fold_updates(v, &upd, &folded);
	time_rfc3339(time(NULL), now);
	buf_addf(&b, "---\ntype: dashboard\nupdated: %s\n---\n# Dashboard\n\n"
	    "Written by `vault-status --dashboard` on the local agent at %s.\n"
	    "The cloud agent never writes this file.\n\n## Counts\n\n"
	    "| stage | items | by domain |\n|---|---:|---|\n", now, now);
	for (i = 0; i < ST_COUNT; i++) {
		buf_addf(&b, "| %s | %lld | ", stage_dir[i],
		    (long long)st->totals[i]);
		for (j = 0; j < st->ncounts[i]; j++)
			buf_addf(&b, "%s %lld ", st->counts[i][j].name,
			    (long long)st->counts[i][j].n);
		buf_addf(&b, "|\n");
	}
	buf_addf(&b, "\n## Waiting for approval\n\n");
	if (st->npending == 0)
		buf_addf(&b, "(none)\n");
	for (i = 0; i < st->npending; i++) {
		const struct pending *p = &st->pending[i];
		buf_addf(&b, "- [[%s]] ", p->ref.id);
		md_line(&b, p->title ? p->title : p->ref.id);
		buf_addf(&b, "\n");
	}
	buf_addf(&b, "\n## Health\n\n");
	if (st->nhealth == 0)
		buf_addf(&b, "(no reports yet)\n");
	for (i = 0; i < st->nhealth; i++) {
		const struct health *h = &st->health[i];
		for (j = 0; j < h->nparts; j++) {
			const char *detail = h->parts[j].detail;
			buf_addf(&b, "- %s/%s: %s%s", h->agent, h->parts[j].name,
			    h->parts[j].state, *detail ? " \xe2\x80\x94 " : "");
			md_line(&b, detail);
			buf_addf(&b, "\n");
		}
	}
	buf_addf(&b, "\n## Updates from the cloud\n\n");
	if (upd.p)
		buf_addf(&b, "%s", upd.p);
	/* keep the 50 newest: the new ones first, then the earlier ones */
	kept = folded;
	for (line = prev; line && *line && kept < 50; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		if (strncmp(line, "- ", 2) == 0) {
			buf_addf(&b, "%.*s\n", (int)(nl - line), line);
			kept++;
		}
	}
	if (kept == 0)
		buf_addf(&b, "(none yet)\n");
	buf_addf(&b, "\n## Notes\n%s", notes ? notes : "\nYour own notes here are "
	    "kept when the dashboard is rewritten.\n");
	r = b.oom ? aie_fail(EX_TEMP, "Dashboard.md: out of memory") :
	    file_writeat(v->dirfd, "Dashboard.md", b.p, b.len, 0644);
	free(b.p);
	free(upd.p);
	free(old);
	free(notes);
	free(prev);
	if (r < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (!cli.quiet)
		cli_warn("Dashboard.md", "rewritten; %d update(s) folded", folded);
	printf("Dashboard.md\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dashboard", no_argument, NULL, 'D' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct status st;
	int c, status, dashboard = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		if (c == 'D')
			dashboard = 1;
		else
			usage(2);
	}
	if (optind != argc)
		usage(2);
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	if (status_read(&v, &st) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	if (dashboard) {
		status = write_dashboard(&v, &st);
	} else if (cli.json) {
		json_t *j = status_json(&st);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) :
		    NULL;
		json_decref(j);
		if (!s) {
			cli_warn(NULL, "cannot encode the status as JSON");
			status = EX_DATA;
		} else {
			printf("%s\n", s);
		}
		free(s);
	} else {
		print_text(&st);
	}
	status_free(&st);
	vault_close(&v);
	return status;
}
