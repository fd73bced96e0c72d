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
		duration_text((long)json_integer_value(json_object_get(p,
		    "age_s")), a, sizeof a);
		printf("  %s\t%s\t%s\t%s\n", json_string_value(json_object_get(p,
		    "id")), json_string_value(json_object_get(p, "domain")), a,
		    json_string_value(json_object_get(p, "title")));
	}
	if (json_is_object(sync)) {
		duration_text((long)json_integer_value(json_object_get(sync,
		    "age_s")), a, sizeof a);
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

static int write_dashboard(struct vault *v, json_t *st)
{
	struct buf b = { 0 }, upd = { 0 };
	char *old = NULL, *notes = NULL, *prev = NULL, now[21];
	size_t oldlen, i, kept = 0;
	const char *name, *line, *nl;
	json_t *p, *h;
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
		json_t *by = json_object_get(json_object_get(st, "counts"),
		    stage_dir[i]), *n;
		buf_addf(&b, "| %s | %lld | ", stage_dir[i], (long long)
		    json_integer_value(json_object_get(json_object_get(st,
		    "totals"), stage_dir[i])));
		json_object_foreach(by, name, n)
			buf_addf(&b, "%s %lld ", name, (long long)json_integer_value(n));
		buf_addf(&b, "|\n");
	}
	buf_addf(&b, "\n## Waiting for approval\n\n");
	if (json_array_size(json_object_get(st, "pending")) == 0)
		buf_addf(&b, "(none)\n");
	json_array_foreach(json_object_get(st, "pending"), i, p) {
		buf_addf(&b, "- [[%s]] ", json_string_value(json_object_get(p, "id")));
		md_line(&b, json_string_value(json_object_get(p, "title")));
		buf_addf(&b, "\n");
	}
	buf_addf(&b, "\n## Health\n\n");
	if (json_object_size(json_object_get(st, "health")) == 0)
		buf_addf(&b, "(no reports yet)\n");
	json_object_foreach(json_object_get(st, "health"), name, h) {
		const char *comp;
		json_t *c;
		json_object_foreach(json_object_get(h, "components"), comp, c) {
			const char *detail = json_string_value(
			    json_object_get(c, "detail"));
			buf_addf(&b, "- %s/%s: %s%s", name, comp, json_string_value(
			    json_object_get(c, "state")), detail && *detail ?
			    " \xe2\x80\x94 " : "");
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
	json_t *st;
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
	if (!(st = status_json(&v))) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	if (dashboard) {
		status = write_dashboard(&v, st);
	} else if (cli.json) {
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
