/*
 * dashpage.h - the dashboard's HTML, drawn server-side from status_json()
 * and the usage tables: the page frame (inline CSS and JS under a CSP
 * nonce, no external assets), pending cards, stage counts, the health
 * grid, the 7-day cost chart as SVG, and an item beside its source.
 * Every untrusted string goes through html_text/html_attr/url_part;
 * draft and mail text through show_split too, its hidden characters marked.
 */
#ifndef AIE_DASHPAGE_H
#define AIE_DASHPAGE_H

#include <jansson.h>

#include "aie.h"
#include "costdays.h"
#include "web.h"

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
