/*
 * status.h - what vault-status prints and the dashboard shows: counts per
 * stage and domain, the drafts waiting for approval, the last sync, and
 * the Health/<agent>.md files.
 */
#ifndef AIE_STATUS_H
#define AIE_STATUS_H

#include <jansson.h>

#include "aie.h"

/* One pending approval, for lists and cards. */
struct pending {
	struct itemref ref;
	char *title;             /* subject, else the ID */
	char *to, *from;         /* from: the source's from, if found */
	char *preview;           /* first lines of the body, at most ~200 bytes */
	time_t created;          /* 0 when unknown */
	time_t expires;          /* 0 when none */
};

/* All of Pending_Approval/, oldest first; free with pending_free. */
int pending_list(struct vault *v, struct pending **out, size_t *n);
void pending_free(struct pending *p, size_t n);

/* The whole status as JSON:
 * {"vault":..., "agent":..., "counts":{"Needs_Action":{"email":2,...},...},
 *  "totals":{"Needs_Action":2,...}, "pending":[{"id","domain","title","to",
 *  "from","age_s","created","expires","preview","path"}...],
 *  "last_sync":{"at":..., "age_s":...} or null,
 *  "health":{"<agent>":{"updated":..., "components":{"odoo":{"state":"up",
 *  "detail":"..."},...}}}}
 * New reference, or NULL with aie_errmsg. */
json_t *status_json(struct vault *v);

#endif
