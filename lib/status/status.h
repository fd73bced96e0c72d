/*
 * status.h - what vault-status prints and the dashboard shows: counts per
 * stage and domain, the drafts waiting for approval, the last sync, and
 * the Health/<agent>.md files.
 */
#ifndef AIE_STATUS_H
#define AIE_STATUS_H

#include <sys/stat.h>
#include <jansson.h>
#include "vault/vault.h"

/* One pending approval, for lists and cards. */
struct pending {
	struct itemref ref;
	char *title;             /* subject, else the ID */
	char *to, *from;         /* from: the source's from, if found */
	char *preview;           /* first lines of the body, at most ~200 bytes
	                          * (a NUL in them too, and U+FFFD for a byte
	                          * that is not UTF-8) */
	size_t previewlen;
	char *source;            /* the source's ID, when valid */
	time_t created;          /* 0 when unknown */
	time_t expires;          /* 0 when none */
	char digest[65];         /* draft_digest (decide.h) of what was read */
};

/* All of Pending_Approval/, oldest first; free with pending_free. */
int pending_list(struct vault *v, struct pending **out, size_t *n);
void pending_free(struct pending *p, size_t n);

/* Items of one stage counted under a name (a domain, an agent). */
struct status_count {
	char name[AIE_NAME_MAX + 1];
	json_int_t n;
};

/* One component of a health report: "name: state detail". */
struct health_part {
	char *name, *state, *detail;   /* detail "" when none */
};

/* Health/<agent>.md. */
struct health {
	char agent[AIE_NAME_MAX + 1];
	char *updated;           /* NULL when the file has none */
	struct health_part *parts;
	size_t nparts;
};

/* The whole status, as read at now. Everything in it can be written as
 * JSON text (status_json): what could not be (not UTF-8) is left out, as
 * a JSON encoder would. */
struct status {
	const char *vault, *agent;     /* the vault's, borrowed */
	time_t now;
	struct status_count *counts[ST_COUNT];   /* in the order found */
	size_t ncounts[ST_COUNT];
	json_int_t totals[ST_COUNT];
	struct pending *pending;       /* oldest first */
	size_t npending;
	char *last_sync;               /* its time as written; NULL: never */
	time_t last_sync_at;
	struct health *health;         /* in the order found */
	size_t nhealth;
};

/* Read the whole status of v into st (free with status_free). 0, or -1
 * with aie_errmsg. */
int status_read(struct vault *v, struct status *st);
void status_free(struct status *st);

/* st as one JSON object (vault-status -j), members in this order:
 * {"vault":..., "agent":..., "counts":{"Needs_Action":{"email":2,...},...},
 *  "totals":{"Needs_Action":2,...}, "pending":[{"id","domain","title","to",
 *  "from","age_s","created","expires","preview","digest","path"}...],
 *  "last_sync":{"at":..., "age_s":...} or null,
 *  "health":{"<agent>":{"updated":..., "components":{"odoo":{"state":"up",
 *  "detail":"..."},...}}}}
 * Ages as of st->now. New reference, or NULL with aie_errmsg. */
json_t *status_json(const struct status *st);

/* What the counts and the pending list were read from: every stage
 * directory, every directory below one, every pending file and the source
 * file of each (its sender is on the card), each with the stat() it had
 * before it was read. A cache of the counts is valid while
 * every key stats the same (lib/statcache.c). */
struct statkey {
	char *rel;               /* vault-relative path */
	struct stat st;
	json_int_t count;        /* items counted directly in it (0 for a file
	                          * or a directory of directories) */
};
struct statkeys {
	struct statkey *k;
	size_t n, cap;
	int unsure;              /* something could not be read or stat'ed:
	                          * the result is right but not cacheable */
	/* Optional, read-only: keys of an earlier walk. A Done/<domain>/<month>
	 * directory that stats as one of them still holds memo's count of
	 * items and is not listed again (its items' IDs are then looked up
	 * by name, for the drafts' sources only). */
	const struct statkey *memo;
	size_t nmemo;
};
void statkeys_free(struct statkeys *ks);
/* Append key (rel, st, count) to ks: its index, or -1 when out of memory. */
ssize_t statkeys_add(struct statkeys *ks, const char *rel,
    const struct stat *st, json_int_t count);
/* 1 when st (from a new stat of the key's path) is the key's stat. */
int statkey_same(const struct stat *a, const struct stat *b);

/* The counts, totals and pending list (without ages) as the members of a
 * JSON object, keys sorted: "counts":{...},"pending":[...],"totals":{...}
 * (no braces), the pending cards one a line. One walk of the vault; with
 * keys, every directory and pending file read is appended to it. *text
 * is malloc'd, NUL-terminated. 0, or -1 with aie_errmsg. */
int status_core(struct vault *v, struct statkeys *keys, char **text,
    size_t *len);

/* Cut the "pending" array of a text holding status_core's members to its
 * first cap cards, in place and without parsing the JSON: the text's new
 * length; *n: how many cards the array held. (size_t)-1, the text left as
 * is, when the array is not laid out as status_core writes it. */
size_t status_pending_head(char *text, size_t len, size_t cap, size_t *n);

/* Read a status text back (the object /api/status serves, its members
 * as status_core and status_live write them) into st, only its first cap
 * pending cards (the text is cut in place, see status_pending_head); free
 * with status_free. *npending: how many cards the text held. st's vault
 * and agent are NULL and its ages are left to the caller (now is 0); a
 * card whose id is missing or invalid has an empty ref.id, and a health
 * part's state or detail may be NULL. 0, or -1 with aie_errmsg. */
int status_parse(char *text, size_t len, size_t cap, struct status *st,
    size_t *npending);

/* The last sync and the health files as JSON members (no ages, keys
 * sorted): "health":{...},"last_sync":{...} or null. These are a few small
 * files, read on every call. malloc'd text, or NULL. */
char *status_live(struct vault *v);

/* What /api/status sends around status_core's text: the head
 * {"agent":..., and the tail ,<status_live>,"vault":...}\n, each
 * malloc'd. 0, or -1 with aie_errmsg (both then NULL). */
int status_edges(struct vault *v, char **head, size_t *hlen, char **tail,
    size_t *tlen);

/*
 * phone.h - the state of things as a WhatsApp message to the owner, with
 * the dashboard link: text and a one-line summary (for a template), both
 * malloc'd. 0, or -1 with aie_errmsg.
 */
/* What waits for approval, its titles; *count: how many (0: the text
 * says nothing waits). */
int status_text_approvals(struct vault *v, char **text, char **summary,
    size_t *count);
/* The counts of the stages that need the owner, per domain. */
int status_text_counts(struct vault *v, char **text, char **summary);

#endif
