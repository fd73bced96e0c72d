/*
 * brief.h - the Monday briefing (see briefing(1)): the facts of one ISO
 * week as one JSON object, computed from the vault (the audit log, the
 * stages, the usage log, Business_Goals.md, Finance/Subscriptions.md) and
 * Odoo's invoice report; the briefing's Markdown rendered from them; the
 * suggestions that ask the owner for an action; and the check that keeps
 * a model's prose to the numbers of the facts.
 */
#ifndef AIE_BRIEF_H
#define AIE_BRIEF_H

#include <time.h>
#include "vault/vault.h"

typedef struct json_t json_t;

/* An ISO week in UTC: [start, end), start a Monday 00:00. */
struct brief_week {
	time_t start, end;
	char label[16];          /* 2026-W48 */
	char first[11], last[11], after[11];   /* Monday, Sunday, next Monday */
};

/* The week before the one holding now. */
void brief_week_before(time_t now, struct brief_week *w);
/* "YYYY-Www": 0, or -1 (64) when it is not an ISO week. */
int brief_week_parse(const char *s, struct brief_week *w);

/* owner.c: OWNER_TZ, an IANA zone name (unset: the machine's zone),
 * checked (its file under TZDIR, else /usr/share/zoneinfo) and made the
 * process's local time. 0, or -1 (78) with aie_errmsg. */
int brief_owner_tz(void);
/* The week before the one holding now's date on the owner's clock. */
void brief_week_owner(time_t now, struct brief_week *w);
/* When week w's briefing is due: BRIEF_DUE_HOUR on the owner's clock of
 * the Monday after it, and not before the week has ended in UTC (the
 * logs are kept by UTC day, so its numbers are final then). */
#define BRIEF_DUE_HOUR 7
time_t brief_due_at(const struct brief_week *w);

/* The weeks before, for the revenue's trend. */
#define BRIEF_TREND_WEEKS 4

/* Approvals and new work waiting longer than this are bottlenecks. */
#define BRIEF_WAIT_MAX (48L * 3600)
/* A subscription unused longer than this many days is flagged, unless
 * Business_Goals.md's "- Unused days: N" says otherwise. */
#define BRIEF_UNUSED_DAYS 30

/* A subscription whose cost rose by this many percent or more since the
 * previous week's briefing is flagged. */
#define BRIEF_RISE_PCT 20
/* The facts a briefing is written from, kept beside it (vault(5)); the
 * %s is the briefing's Monday. */
#define BRIEF_FACTS_FMT "Briefings/%s_Monday_Briefing.json"

/* The facts of the week (a new object; the ages of what waits as of the
 * week's end, so a rerun gives the same numbers). Odoo is asked when
 * ODOO_URL is set; when it fails, the revenue facts hold its error and
 * *odoo_status its exit status (else 0). NULL with aie_errmsg on an error
 * of the vault. */
json_t *brief_facts(struct vault *v, const struct brief_week *w,
    int *odoo_status);

/* The suggestions of the facts that ask for an action, each an object
 * {kind, subject, body} (a new array). */
json_t *brief_suggestions(const json_t *facts);

/* The executive summary of the offline provider: one sentence per
 * section, from the facts (malloc'd, or NULL). */
char *brief_offline_summary(const json_t *facts);

/* The briefing file, front matter and sections, with summary as the
 * executive summary (malloc'd, or NULL). generated: RFC 3339. */
char *brief_render(const json_t *facts, const json_t *suggestions,
    const char *summary, const char *generated);

/* The briefing in three lines for WhatsApp (malloc'd, or NULL). */
char *brief_short(const json_t *facts, const json_t *suggestions);

/* Keep the sentences of prose (len bytes, any bytes) whose numbers are all
 * numbers of facts_text (compared as values: "5,000.00" is 5000); each
 * sentence dropped is given to drop with the first number not found.
 * Sentences end at ".", "!" or "?" before a blank or the end, and at line
 * ends. The kept sentences, malloc'd, or NULL when out of memory. */
typedef void (*brief_drop_fn)(const char *sentence, size_t len,
    double number, void *ctx);
char *brief_check(const char *prose, size_t len, const char *facts_text,
    brief_drop_fn drop, void *ctx);

#endif
