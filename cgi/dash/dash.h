/*
 * dash.h - the dashboard CGI's own modules: the pages, the status cache
 * and the 7-day cost series (see ai-employee-dashboard(1)).
 */
#ifndef AIE_DASH_H
#define AIE_DASH_H

#include <jansson.h>
#include "vault/vault.h"
#include "status/status.h"
#include "web/web.h"

/*
 * costdays.h - LLM spend per day, read from the usage tables the usage
 * logger appends to Logs/API_Usage/YYYY-MM-DD.md (see vault(5)), for the
 * dashboard's chart and /api/usage.
 */
#define COST_DAYS_MAX 90

struct costday {
	char date[11];           /* YYYY-MM-DD, UTC */
	double cost_usd;         /* sum of the known costs */
	long calls;              /* data rows */
	long unknown;            /* rows whose cost is unknown or unreadable */
	int present;             /* the day's file exists */
};

/* The days days ending today (UTC, oldest first) into out[days]. Each file
 * may hold several Markdown tables; in each, the header row (the row above
 * the |---| line) names the columns and the one called cost_usd is summed.
 * Returns how many of the files exist, or -1 on a read error. */
int cost_days(struct vault *v, time_t now, int days, struct costday *out);

/* Parse one file's text into d (exported for tests and fuzzing). */
void cost_parse(const char *text, size_t len, struct costday *d);

/*
 * statcache.h - the dashboard's cache of the counts and the pending list
 * (status_core's text), kept in one file of the vault's .state/<agent>/
 * and keyed by the stat() of every directory and pending file it was read
 * from. See statcache.c for why it is never stale.
 */
#define STATCACHE_FILE "dashboard-status.cache"   /* in .state/<agent>/ */

enum statcache_result { SC_OFF, SC_HIT, SC_MISS };

#define STATCACHE_DIGEST 16      /* bytes */
#define STATCACHE_MAGIC "aie-status-cache 5 "   /* and the hex checksum */

/* status_core's text into *text (malloc'd, NUL-terminated): from the
 * cache file .state/<agent>/STATCACHE_FILE when every key in it stats the
 * same now, else from a walk of the vault (Done months unchanged since the
 * file was written keep the counts the file has for them), after
 * which the cache file is rewritten (atomically) if the walk's keys can
 * be trusted. use == 0: no cache at all, the walk every time. digest: a
 * statcache_sum that differs whenever the text differs (the file's
 * checksum on a hit), for an ETag. *how says which happened. A cache
 * file that is missing, truncated, corrupt or of another version is a
 * miss; failing to write it is not an error. 0, or -1 with aie_errmsg. */
int statcache_get(struct vault *v, int use, char **text, size_t *len,
    unsigned char digest[STATCACHE_DIGEST], enum statcache_result *how);

/* The cache file's checksum of n bytes: a 128-bit hash of two lanes of
 * 64-bit multiply-xorshift, each lane's step a bijection of its state, so
 * a change of one word always changes the sum. It finds damage, not an
 * adversary (whoever can write .state can write the vault), and is about
 * eight times quicker than BLAKE2b-256 here: a hit sums the whole file. */
void statcache_sum(const void *data, size_t n,
    unsigned char out[STATCACHE_DIGEST]);

/* Parse a cache file's bytes: the payload (pointing into buf) when the
 * file is well-formed and its checksum holds, and every key stats the same
 * under dirfd, the checksum then in digest (unless NULL); else NULL. With
 * memo, the Done/<domain>/<month> directory keys of a file whose checksum
 * holds are appended to it (each with the count and stat the file has for
 * it) even when other keys changed. For tests and fuzzing as well. */
const char *statcache_parse(int dirfd, const char *buf, size_t len,
    size_t *plen, unsigned char digest[STATCACHE_DIGEST],
    struct statkeys *memo);

/*
 * dashpage.h - the dashboard's HTML, drawn server-side from status_json()
 * and the usage tables: the page frame (inline CSS and JS under a CSP
 * nonce, no external assets), pending cards, stage counts, the health
 * grid, the 7-day cost chart as SVG, and an item beside its source.
 * Every untrusted string goes through html_text/html_attr/url_part;
 * draft and mail text through show_split too, its hidden characters marked.
 */
struct dashpage {
	struct buf *b;
	const char *nonce;       /* CSP nonce */
	const char *csrf;        /* CSRF token for forms, or NULL */
	const char *etag;        /* /api/status ETag the page was drawn from */
	time_t now;
};

void page_begin(struct dashpage *p, const char *title);
void page_end(struct dashpage *p);

void page_login(struct dashpage *p, const char *msg);
/* How many cards the home page shows at most (DASHBOARD_CARDS, 10). */
size_t page_cards(void);
/* The home page body: cards, counts, sync, health, chart. status's
 * "pending" holds the first page_cards() cards of the npending waiting. */
void page_home(struct dashpage *p, json_t *status, size_t npending,
    const struct costday *c, int ndays, int present);
/* One item (and its source, when it has one and it was found), every
 * field the approval signs and the body exactly, hidden characters
 * marked; its forms carry the digest of this version. notice (or NULL)
 * is said above it. */
void page_item(struct dashpage *p, const struct itemref *ref,
    const struct item *it, const struct itemref *sref,
    const struct item *src, const char *notice);

/* "3 min", "2 h", "5 d" for a number of seconds. */
void age_text(struct buf *b, long long s);

#endif
