/*
 * paths.c - which vault files the reading pages show, under which URL
 * (see pages.h): a briefing Briefings/NAME is /briefings/NAME, a plan
 * Plans/<domain>/PLAN_ID.md is /plans/PLAN_ID, a finished item
 * Done/<domain>/<month>/ID.md is /done/ID, and the two files of the
 * vault's top /handbook and /goals. Everything else has no page.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vault/vault.h"
#include "pages/pages.h"

#define BRIEFING_TAIL "_Monday_Briefing.md"

int briefing_name_valid(const char *name)
{
	static const char shape[] = "dddd-dd-dd";
	char ts[32], back[16];
	struct tm tm;
	time_t t;
	size_t i;

	if (strlen(name) != 10 + strlen(BRIEFING_TAIL) ||
	    strcmp(name + 10, BRIEFING_TAIL))
		return 0;
	for (i = 0; i < 10; i++)
		if (shape[i] == 'd' ? name[i] < '0' || name[i] > '9' : name[i] != '-')
			return 0;
	/* a real day: one that reads back the same (not 02-30) */
	snprintf(ts, sizeof ts, "%.10sT00:00:00Z", name);
	if (time_parse_rfc3339(ts, &t) < 0 || !gmtime_r(&t, &tm))
		return 0;
	strftime(back, sizeof back, "%Y-%m-%d", &tm);
	return !strncmp(back, name, 10);
}

/* The item ID of the file name "ID.md" at s (n bytes) into id: 1 or 0. */
static int md_id(const char *s, size_t n, char id[AIE_ID_MAX + 1])
{
	if (n < 4 || n - 3 > AIE_ID_MAX || memcmp(s + n - 3, ".md", 3))
		return 0;
	memcpy(id, s, n - 3);
	id[n - 3] = '\0';
	return id_valid(id);
}

int pages_url(const char *rel, struct buf *href, void *ctx)
{
	char part[4][AIE_ID_MAX + 8], id[AIE_ID_MAX + 1];
	const char *p = rel;
	size_t n = 0, k;

	(void)ctx;
	if (!strcmp(rel, "Company_Handbook.md"))
		return buf_adds(href, "/handbook"), 1;
	if (!strcmp(rel, "Business_Goals.md"))
		return buf_adds(href, "/goals"), 1;
	/* at most four parts, each short: Done/<domain>/<month>/<ID>.md */
	while (*p) {
		k = strcspn(p, "/");
		if (n == 4 || k >= sizeof part[0])
			return 0;
		memcpy(part[n], p, k);
		part[n++][k] = '\0';
		p += k + (p[k] == '/');
	}
	if (n == 2 && !strcmp(part[0], "Briefings") &&
	    briefing_name_valid(part[1])) {
		buf_addf(href, "/briefings/%s", part[1]);
		return 1;
	}
	if (n == 3 && !strcmp(part[0], "Plans") && name_valid(part[1]) &&
	    md_id(part[2], strlen(part[2]), id) && !strncmp(id, "PLAN_", 5)) {
		buf_addf(href, "/plans/%s", id);
		return 1;
	}
	if (n == 4 && !strcmp(part[0], "Done") && name_valid(part[1]) &&
	    month_valid(part[2]) && md_id(part[3], strlen(part[3]), id)) {
		buf_addf(href, "/done/%s", id);
		return 1;
	}
	return 0;
}

void pages_nav(struct buf *b, const char *current)
{
	static const char *const links[][2] = { { "/briefings", "Briefings" },
	    { "/plans", "Plans" }, { "/handbook", "Handbook" },
	    { "/goals", "Goals" } };
	size_t i;

	buf_adds(b, "<nav aria-label=\"Vault\" class=\"actions\">");
	for (i = 0; i < sizeof links / sizeof links[0]; i++)
		buf_addf(b, "<a class=\"btn\" href=\"%s\"%s>%s</a>", links[i][0],
		    current && !strcmp(current, links[i][0]) ?
		    " aria-current=\"page\"" : "", links[i][1]);
	buf_adds(b, "</nav>");
}
