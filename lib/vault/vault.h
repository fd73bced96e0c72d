/*
 * vault.h - the vault (see vault(5)): names, configuration, the stages, the
 * open vault, items and their front matter, stage moves, the audit log,
 * the files of a new vault, and the per-agent locks of .state/.
 */
#ifndef AIE_VAULT_H
#define AIE_VAULT_H

#include "base/base.h"

/* names.c: IDs, agent and domain names, generated IDs, times */
int id_valid(const char *id);
int name_valid(const char *name);
/* 1 when agent is the cloud agent, "cloud": the one that drafts and may
 * never approve, send, or write what only the local agent writes (see
 * ai-employee(7), the security partition). */
int agent_is_cloud(const char *agent);
/* 1 when s is a month directory's name, YYYY-MM (Done/<domain>/<YYYY-MM>). */
int month_valid(const char *s);
int id_generate(char *buf, size_t size, const char *type);
void time_rfc3339(time_t t, char buf[21]);
int time_parse_rfc3339(const char *s, time_t *out);
int duration_parse(const char *s, long *seconds);
/* An age or uptime for people, in its largest whole unit: "40s", "12m",
 * "5h", "3d" (one unit once a whole one has passed: 60 seconds is "1m");
 * "-" when secs is negative (unknown, or a clock that went back). */
void duration_text(long secs, char *buf, size_t size);

/* section.c: the body of the section "## name" of a Markdown text (see
 * vault(5), "Sections"): 1 with text[*start, *end) the lines after its
 * heading, up to the next level-two heading or the end; 0 when there is
 * no such section. The name is compared in any case. */
int md_section(const char *text, size_t len, const char *name,
    size_t *start, size_t *end);

/* keywords.c: the urgent keywords of Company_Handbook.md (its section
 * "## Urgent keywords", one bullet each), lowercased. A vault without a
 * handbook or the section has none: 0 with k->n 0; -1 on error. */
struct keywords {
	char **w;
	size_t n;
};
struct vault;
int urgent_keywords_load(struct vault *v, struct keywords *k);
/* 1 when s (may be NULL) holds one of k's words, in any case. */
int keywords_match(const struct keywords *k, const char *s);
void keywords_free(struct keywords *k);

/* The value of one hex digit, or -1 (for %XX and =XX decoders). */
int hex_value(int c);

/* config.c: KEY=VALUE file, the environment wins */
int config_load(void);
const char *config_get(const char *key);
const char *config_get_default(const char *key, const char *fallback);
long config_get_long(const char *key, long fallback);
int config_get_bool(const char *key, int fallback);

/* Stages of the vault, in the order of the flow. */
enum stage {
	ST_NEEDS_ACTION, ST_IN_PROGRESS, ST_PLANS, ST_PENDING, ST_APPROVED,
	ST_REJECTED, ST_DONE, ST_COUNT
};
extern const char *const stage_dir[ST_COUNT];

/* vault.c: an open vault is a directory fd; every access is relative to it */
struct vault {
	int dirfd;
	char *root;              /* canonical absolute path */
	char agent[AIE_NAME_MAX + 1];
};

/* Where an item is: stage, sub (domain or agent; for Done the domain and
 * the month as "d/YYYY-MM"), and the vault-relative path. */
struct itemref {
	char id[AIE_ID_MAX + 1];
	enum stage stage;
	char sub[AIE_NAME_MAX * 2 + 2];
	char rel[512];
};

int vault_open(struct vault *v, const char *dir, const char *agent);
void vault_close(struct vault *v);
int vault_default_dir(const char **dir);
int vault_opendir(struct vault *v, const char *rel, int create);
int vault_resolve(struct vault *v, const char *arg, struct itemref *ref);
int vault_find(struct vault *v, const char *id, struct itemref *ref);
int vault_find_once(struct vault *v, const char *id, struct itemref *ref);
int vault_statedir(struct vault *v, char *rel, size_t size);
int item_ref_set(struct itemref *ref, const char *id, enum stage st,
    const char *sub);

/* Walk the items of one stage (every sub-directory, Done's months too).
 * fn returns 0 to go on, non-zero to stop (and that is returned). */
typedef int (*item_fn)(struct vault *v, const struct itemref *ref, void *ctx);
int vault_walk(struct vault *v, enum stage st, const char *sub, item_fn fn,
    void *ctx);

/* fm.c: front matter that keeps what it does not understand */
struct fm_line {
	char *raw;               /* the whole line with its line ending */
	char *key;               /* NULL when the line is not key: value */
};
struct item {
	struct fm_line *lines;
	size_t nlines, cap;
	const char *eol;         /* "\n" or "\r\n", as the file's first line */
	char *body;              /* bytes after the closing ---, verbatim */
	size_t bodylen;
};
int fm_parse(struct item *it, const char *buf, size_t len);
void fm_free(struct item *it);
char *fm_get(const struct item *it, const char *key);   /* malloc'd or NULL */
int fm_set(struct item *it, const char *key, const char *value);
int fm_del(struct item *it, const char *key);
int fm_serialize(const struct item *it, char **buf, size_t *len);
char *fm_encode_value(const char *value);
char *fm_decode_value(const char *raw);
int item_load(struct vault *v, const struct itemref *ref, struct item *it);
int item_store(struct vault *v, const struct itemref *ref,
    const struct item *it);
int item_create(struct vault *v, const struct itemref *ref,
    const struct item *it);
/* item_create in steps, for a writer that takes a lock only for the
 * rename (move.c): item_prepare writes and fsyncs a hidden temporary
 * file, item_publish renames it into place (65 when an item is there),
 * item_tmp_sync makes the rename durable, item_tmp_drop removes what was
 * not published. */
struct item_tmp {
	int pfd;                 /* the item's folder */
	char name[256];          /* the item's file name there */
	char tmp[300];           /* the temporary file's, "" once published */
	char rel[512];           /* the item's path, for messages */
};
int item_prepare(struct vault *v, const struct itemref *ref,
    const struct item *it, struct item_tmp *t);
int item_publish(struct item_tmp *t, int sync);
int item_tmp_sync(struct item_tmp *t);
void item_tmp_drop(struct item_tmp *t);

/* newitem.c: new work in Needs_Action/<domain>/ (vault-mcp's create_item,
 * the dashboard's New form): a generated ID of idtype (default type,
 * default task), type, id, created, domain, status: new, title, the keys
 * of kv (key, value, ..., NULL; or NULL), created_by: the agent, via; the
 * body with one newline at its end; then a create audit line. With draft
 * set it is a draft the owner wrote instead: Pending_Approval/<domain>/,
 * status: pending, a draft audit line. The title and each kv value one
 * line of text, the body text (show_refused): else 65, nothing written.
 * 0 with *ref where it is, or -1. */
struct newitem {
	const char *domain, *type, *idtype, *title, *body, *via;
	const char *const *kv;
	int draft;
};
int item_new(struct vault *v, const struct newitem *n, struct itemref *ref);

/* move.c: stage moves, one rename each, exactly one winner */
int item_move(struct vault *v, struct itemref *ref, enum stage to,
    const char *sub);
int item_move_as(struct vault *v, struct itemref *ref, enum stage to,
    const char *sub, const char *newid);
int item_annotate(struct vault *v, const struct itemref *ref,
    const char *const *kv);
int done_sub(const char *domain, time_t t, char *buf, size_t size);

/*
 * claim.c: claims (see vault(5), "Claim keys", and vault-claim(1)); the
 * only code that writes or clears claimed_by, claimed_at and the
 * status: in_progress of a claim.
 *
 * The domain of an item, the one rule every move uses: its domain key
 * when that is a valid name, else the domain folder ref is filed in (for
 * Done/<d>/<YYYY-MM>/, d), else - an item in In_Progress/ that no tool
 * claimed - general.
 */
void claim_domain(const struct item *it, const struct itemref *ref,
    char d[AIE_NAME_MAX + 1]);
/* Claim the item at ref, which must be in Needs_Action/: one rename into
 * In_Progress/<agent>/ (of racing claimers exactly one wins; the others
 * get -1 with 1 and where it went), then claimed_by, claimed_at,
 * status: in_progress and, when it has no usable domain key, domain: the
 * folder it came from; then a claim audit line. If the keys or the line
 * cannot be written the claim is undone (-1, "not claimed", where it is)
 * or the message says exactly what was left. An item whose front matter
 * cannot be read or updated is claimed as it is: 0, with why in warn
 * (else warn is ""). On success *ref is where it is now. */
int claim_item(struct vault *v, struct itemref *ref, char *warn,
    size_t wsize);
/* Take the item at ref into In_Progress/<agent>/ by one rename, for a
 * tool that holds it while it acts on it (vault-exec) without the claim
 * keys; an item without a usable domain key gets domain: the folder it
 * came from, or the take is undone (-1, "not taken"). Racing takers as
 * for claim_item. On success *ref is where it is now. */
int claim_take(struct vault *v, struct itemref *ref);
/* Give back the claim on the item at ref (in In_Progress/, any agent's:
 * the caller checks whose), all or nothing as claim_item, with an audit
 * line event ("release", "reap"): a draft (type email_draft or
 * whatsapp_draft) without
 * exec_status goes to Pending_Approval/<d>/ with status: pending, the rest
 * to Needs_Action/<d>/ with status: new, d by claim_domain; claimed_by
 * and claimed_at are removed, and exec_status: sending becomes unknown
 * (never resent by itself). warn as for claim_item. */
int claim_release(struct vault *v, struct itemref *ref, const char *event,
    char *warn, size_t wsize);
/* When the item was claimed: its claimed_at, else the file's mtime, else 0. */
time_t claim_time(struct vault *v, const struct itemref *ref,
    const struct item *it);
/* Release the claim at ref with event "reap" when it was made max_age
 * seconds ago or more: 1 released, 0 not stale (or unreadable), -1. */
int claim_reap(struct vault *v, struct itemref *ref, long max_age,
    char *warn, size_t wsize);
/* End the claim on the item at ref by moving it on to stage to of its
 * domain (Done: by this month; no move when it is already in stage to),
 * claimed_by and claimed_at removed and kv (key, value, ..., NULL; a NULL
 * value removes the key) set, then an audit line event with note (or
 * NULL). Not undone on failure: for the source of a decided draft or of
 * an executed reply, whose own move stands. 0 or -1. */
int claim_end(struct vault *v, struct itemref *ref, enum stage to,
    const char *const *kv, const char *event, const char *note);
/* Take out of two copies of one item what a claim writes, so that they
 * compare equal when the claim is all that tells them apart (vault-sync's
 * lost claims): claimed_by and claimed_at; the status when claimed holds
 * status: in_progress; and domain when other has no usable one (a claim
 * writes the folder it came from). Both items are changed. */
void claim_keys_strip(struct item *claimed, struct item *other);

/* audit.c: one JSON line per state change, Logs/YYYY-MM-DD.jsonl */
struct json_t;
int audit_event(struct vault *v, const char *event, const char *id,
    const char *from, const char *to, const char *note);
int audit_json(struct vault *v, struct json_t *obj);   /* steals obj */

/* templates.c: files of a new vault */
extern const char tpl_gitignore_head[], tpl_gitignore_tail[],
    tpl_gitattributes[], tpl_handbook[], tpl_dashboard[], tpl_goals[];

/*
 * config.h - config.c beyond what aie.h declares.
 */
void config_unload(void);

/*
 * Numeric settings, strictly: the value of key, or fallback when it is
 * unset (or empty). A value that is not a number, or is outside
 * [min, max], is -1 with 78 (EX_CONFIG) and a message that names the key
 * and the accepted range; the caller says it and stops.
 *
 * config_long: a decimal whole number ("-" allowed, nothing else around it).
 * config_seconds: a duration as duration_parse reads it (30, 90s, 5m, 2h,
 * 1d, 1w), in seconds.
 * config_double: decimal digits with at most one point (no sign, exponent,
 * nan or inf), so only min >= 0 ranges make sense.
 */
int config_long(const char *key, long fallback, long min, long max,
    long *out);
int config_seconds(const char *key, long fallback, long min, long max,
    long *out);
int config_double(const char *key, double fallback, double min, double max,
    double *out);

/*
 * lock.h - "one at a time" for a tool and an agent: flock(2) on a file
 * in .state/<agent>/, released when the process dies (nq's design).
 */
/* Lock .state/<agent>/<name>.lock. wait: block until it is free; else
 * fail at once (75, "held by another process"). The fd, or -1. */
int state_lock(struct vault *v, const char *name, int wait);
void state_unlock(int fd);

#endif
