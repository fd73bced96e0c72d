/*
 * pages.h - the read-only pages of the vault (see ai-employee-dashboard(1),
 * "Reading the vault"), the second CGI program pages.cgi: the Monday
 * briefings, the plans, the handbook, the business goals and finished
 * items, drawn from their Markdown by md_html (lib/web). It shares the
 * dashboard's session, headers and page frame (cgi/dash); unlike the
 * dashboard it is linked dynamically, for libmd4c.
 */
#ifndef AIE_PAGES_H
#define AIE_PAGES_H

#include "dash/dash.h"

#define PAGES_PER_PAGE 25        /* rows of a list page */

/* ui-list.c: GET /briefings and GET /plans, newest first, paged with
 * ?page=N (from 0). */
int page_briefings(struct dashctx *c);
int page_plans(struct dashctx *c);

/* ui-doc.c: one document rendered: GET /briefings/NAME, /plans/PLAN_ID,
 * /done/ID, /handbook and /goals; arg is the part of the path after the
 * route's prefix ("" for the last two). */
int page_briefing(struct dashctx *c, const char *arg);
int page_plan(struct dashctx *c, const char *arg);
int page_done(struct dashctx *c, const char *arg);
int page_handbook(struct dashctx *c, const char *arg);
int page_goals(struct dashctx *c, const char *arg);

/* paths.c: the names these pages accept and the URL of a vault path.
 * 1 when name is a briefing's file name, YYYY-MM-DD_Monday_Briefing.md
 * with a real date. */
int briefing_name_valid(const char *name);
/* The page of the vault-relative path rel (normalised, no "..") appended
 * to href: 1, or 0 when no page shows that file. md_opts' vault_url. */
int pages_url(const char *rel, struct buf *href, void *ctx);
/* The reading pages' own links, under the page frame's header. */
void pages_nav(struct buf *b, const char *current);

#endif
