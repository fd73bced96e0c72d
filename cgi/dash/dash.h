/*
 * dash.h - the dashboard CGI's own modules (see ai-employee-dashboard(1)):
 * the request, one file per page (ui-*.c), what the pages share
 * (ui-shared.c), the sealed cache files, the status cache and the 7-day
 * cost series.
 */
#ifndef AIE_DASH_H
#define AIE_DASH_H

#include <sys/stat.h>
#include <time.h>

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
 * sealed.h - a cache file in .state/<agent>/ sealed by a checksum, the
 * files of both CGIs' caches: a first line of the cache's magic (its
 * name and format version, ending in a space) and the hex seal_sum of
 * the body after that line, then the body. Written whole (tmp + rename),
 * believed only when the seal holds. See sealed.c.
 */
#define SEAL_DIGEST 16           /* bytes */

/* A checksum of n bytes: a 128-bit hash of two lanes of 64-bit
 * multiply-xorshift, each lane's step a bijection of its state, so a
 * change of one word always changes the sum. It finds damage, not an
 * adversary (whoever can write .state can write the vault), and is about
 * eight times quicker than BLAKE2b-256 here: a hit sums the whole file. */
void seal_sum(const void *data, size_t n, unsigned char out[SEAL_DIGEST]);
/* A sealed file's bytes buf: its body (a pointer into buf, *blen bytes)
 * when the first line is magic and the sum of the rest as seal_close
 * writes it (that sum into digest, unless NULL); else NULL. */
const char *seal_open(const char *buf, size_t len, const char *magic,
    size_t *blen, unsigned char digest[SEAL_DIGEST]);
/* Begin a sealed file in b: the first line, its sum left blank; the
 * caller appends the body. */
void seal_start(struct buf *b, const char *magic);
/* Fill in the sum of b (begun by seal_start with magic), into digest too
 * unless NULL: 0, or -1 when b ran out of memory. */
int seal_close(struct buf *b, const char *magic,
    unsigned char digest[SEAL_DIGEST]);
/* seal_close b and write it as file (a name, or folder/name, made 0700)
 * in .state/<agent>/, atomically, mode 0600: 0, or -1 with aie_errmsg. */
int seal_write(struct vault *v, const char *file, const char *magic,
    struct buf *b, unsigned char digest[SEAL_DIGEST]);
/* file in .state/<agent>/, whole, into *buf (malloc'd, NUL after *len
 * bytes): 0, or -1 with aie_errmsg (missing, unreadable). */
int seal_read(struct vault *v, const char *file, char **buf, size_t *len);
/* The program's part of a key into out: VERSION and the running
 * executable's device, inode and mtime. 0, or -1 with aie_errmsg. */
int seal_prog(char *out, size_t size);
/* 1 when st's mtime is settled before t0, the moment the read it keys
 * began (SEAL_SETTLE seconds older; see sealed.c), so the key can be
 * kept; else 0. */
int seal_settled(const struct stat *st, const struct timespec *t0);

/*
 * statcache.h - the dashboard's cache of the counts and the pending list
 * (status_core's text), kept in one file of the vault's .state/<agent>/
 * and keyed by the stat() of every directory and pending file it was read
 * from. See statcache.c for why it is never stale.
 */
#define STATCACHE_FILE "dashboard-status.cache"   /* in .state/<agent>/ */

enum statcache_result { SC_OFF, SC_HIT, SC_MISS };

#define STATCACHE_DIGEST SEAL_DIGEST  /* the file's seal, an ETag */
#define STATCACHE_MAGIC "aie-status-cache 5 "   /* sealed.h's magic */

/* status_core's text into *text (malloc'd, NUL-terminated): from the
 * cache file .state/<agent>/STATCACHE_FILE when every key in it stats the
 * same now, else from a walk of the vault (Done months unchanged since the
 * file was written keep the counts the file has for them), after
 * which the cache file is rewritten (atomically) if the walk's keys can
 * be trusted. use == 0: no cache at all, the walk every time. digest: a
 * seal_sum that differs whenever the text differs (the file's seal on a
 * hit), for an ETag. *how says which happened. A cache
 * file that is missing, truncated, corrupt or of another version is a
 * miss; failing to write it is not an error. 0, or -1 with aie_errmsg. */
int statcache_get(struct vault *v, int use, char **text, size_t *len,
    unsigned char digest[STATCACHE_DIGEST], enum statcache_result *how);

/* The same cache for any text read from the vault: walk (ctx passed on)
 * makes the text, and with keys appends to it what it read as
 * status_core does (every directory stat'ed before it is listed; keys
 * NULL: no cache); it is kept in .state/<agent>/file, valid while each
 * key stats the same, under the rules of statcache_get (whose walk is
 * status_core). The read-only pages' lists use it (cgi/pages). */
typedef int (*statcache_walk)(struct vault *v, struct statkeys *keys,
    char **text, size_t *len, void *ctx);
int statcache_cached(struct vault *v, int use, const char *file,
    statcache_walk walk, void *ctx, char **text, size_t *len,
    unsigned char digest[STATCACHE_DIGEST], enum statcache_result *how);

/* Parse a cache file's bytes: the payload (pointing into buf) when the
 * file is well-formed and its seal holds, and every key stats the same
 * under dirfd, the seal's sum then in digest (unless NULL); else NULL.
 * With memo, the Done/<domain>/<month> directory keys of a file whose
 * seal holds are appended to it (each with the count and stat the file has for
 * it) even when other keys changed. For tests and fuzzing as well. */
const char *statcache_parse(int dirfd, const char *buf, size_t len,
    size_t *plen, unsigned char digest[STATCACHE_DIGEST],
    struct statkeys *memo);

/*
 * The request, as dashboard.c hands it to the page it routes to (one
 * ui-*.c file per page, as cgit's): the CGI environment and the reply
 * being built, the vault (opened only by the pages that need it), the
 * session and its CSRF token.
 */
struct dashctx {
	struct web w;
	struct vault v;
	int vault_open;
	unsigned char key[32];
	struct sess s;
	int have_sess;            /* a valid cookie of either kind */
	char csrf[SESS_CSRF_LEN + 1];
	time_t now;
};

/*
 * The pages, each the whole reply to its request (errors included):
 * GET / (ui-home.c), GET /item (ui-item.c), GET /api/status and
 * /api/usage (ui-api.c), GET and POST /login, POST /logout (ui-login.c),
 * POST /approve, /reject and /revise (ui-decide.c), POST /edit
 * (ui-edit.c), GET and POST /new (ui-new.c), GET /activity
 * (ui-activity.c). Each returns once the reply is written.
 */
int page_home_get(struct dashctx *c);
int page_item_get(struct dashctx *c);
int api_status(struct dashctx *c);
int api_usage(struct dashctx *c);
int page_login_get(struct dashctx *c);
int page_login_post(struct dashctx *c);
int page_logout(struct dashctx *c);
int page_approve(struct dashctx *c);
int page_reject(struct dashctx *c);
int page_revise(struct dashctx *c);
int page_undo(struct dashctx *c);
int page_edit(struct dashctx *c);
int page_new_get(struct dashctx *c);
int page_new_post(struct dashctx *c);
int page_activity(struct dashctx *c);
/* ui-app.c, without a session: GET /manifest.webmanifest, /icon.svg,
 * /sw.js and /offline. */
int app_manifest(struct dashctx *c);
int app_icon(struct dashctx *c);
int app_worker(struct dashctx *c);
int page_offline(struct dashctx *c);
/* ui-settings.c: GET /settings, what is configured, never a secret. */
int page_settings(struct dashctx *c);
/* tokenrow.c: the token of name (linkedin, x, facebook, whatsapp) as
 * vault-health(1) watches it, from this agent's configuration: unwatched
 * (no such token kind), unset here, refreshing itself (X), set with no
 * expiry here (vault-health asks Graph), or known: *state and the words
 * ("linkedin: expires 2027-01-10 (in 36 d)") into words. *key names the
 * token's key. */
enum dash_token { TOKEN_UNWATCHED, TOKEN_UNSET, TOKEN_REFRESHES,
	TOKEN_ASK_GRAPH, TOKEN_KNOWN };
int dash_token_expiry(const char *name, time_t now, const char **key,
    const char **state, char *words, size_t size);

/*
 * The kinds of new work (ui-new.c, newkind.c): each fills f->n and f->kv
 * from the form, with the vault open and f->n.body the form's text (LF
 * line ends) or NULL; 0, or -1 with aie_errmsg (65: the owner's to fix,
 * the form comes back with it).
 */
struct newform {
	struct newitem n;
	const char *kv[17];      /* key, value, ..., NULL */
	size_t nkv;
	char *own[3];            /* malloc'd values kv or n point to */
	char idtype[32], when[21], expires[21], currency[4], amount[40];
};
/* Append key: value to f->kv unless value is NULL. */
void new_kv(struct newform *f, const char *key, const char *value);
/* The form's value of name, or NULL when it is missing or empty. */
const char *new_field(struct dashctx *c, const char *name);
/* fmt (two %s) of a and b into the next free f->own: 0, or -1 (75). */
int new_text(struct newform *f, const char **out, const char *fmt,
    const char *a, const char *b);
/* A draft the owner wrote: expires DRAFT_EXPIRES_HOURS from now,
 * drafted_by the agent, Pending_Approval/. 0, or -1 (78). */
int new_draft(struct dashctx *c, struct newform *f);
int new_post(struct dashctx *c, struct newform *f);
int new_whatsapp(struct dashctx *c, struct newform *f);
int new_invoice(struct dashctx *c, struct newform *f);

/*
 * ui-shared.c - what the pages share: the replies, the vault, and the
 * HTML frame, drawn server-side (the page frame with the inline CSS and
 * JS of assets/ under a CSP nonce, no external assets). Every untrusted
 * string goes through html_text/html_attr/url_part; draft and mail text
 * through show_split too, its hidden characters marked.
 */
struct dashpage {
	struct buf *b;
	const char *nonce;       /* CSP nonce */
	const char *csrf;        /* CSRF token for forms, or NULL */
	const char *etag;        /* /api/status ETag the page was drawn from */
	time_t now;
	struct vault *v;         /* the open vault, for the kinds' views */
};

/* Send b (then freed) or o (then released) as the reply with status. */
int html_reply(struct dashctx *c, int status, struct buf *b);
int json_reply(struct dashctx *c, int status, json_t *o);
/* 303 to the path to. */
int redirect(struct dashctx *c, const char *to);
/* VAULT_DIR as VAULT_AGENT, once a request; 0, or -1 said on stderr. */
int open_vault(struct dashctx *c);

/* The frame: head, style, the header bar (with p->csrf: a logged-in
 * page), and the closing script and tags. */
void page_begin(struct dashpage *p, const char *title);
void page_end(struct dashpage *p);
/* A hidden form field. */
void html_hidden(struct buf *b, const char *name, const char *value);
/*
 * answers.c - what a pending card answers: from the draft's source, the
 * person the reply goes to (display name), whether it is urgent
 * (priority: high), and the first lines of the customer's message.
 */
struct answer {
	char *name;              /* "Alice Example", or NULL */
	char *asks;              /* the message's first lines, or NULL */
	size_t askslen;
	int urgent;
};
/* from: the draft's own idea of the sender (source_from), used when the
 * source is not found. Never fails: what cannot be read stays NULL. */
void answer_load(struct vault *v, const struct itemref *draft,
    const char *from, struct answer *a);
/* The same from the source item src already read (NULL: none). */
void answer_of(const struct item *src, const char *from, struct answer *a);
void answer_free(struct answer *a);

/* "3 min", "2 h", "5 d" for a number of seconds. */
void age_text(struct buf *b, long long s);
/* <time> of t: "2 h ago" (or "just now"), the exact UTC time its title. */
void time_ago(struct dashpage *p, time_t t);

/* The files of cgi/dash/assets/, NUL-terminated, embedded at build time
 * by the Makefile (the generated assets.c): served exactly as they are. */
extern const char asset_dash_css[];     /* the style of every page */
extern const char asset_theme_js[];     /* the stored theme, before paint */
extern const char asset_dash_js[];      /* the logged-in pages' script */
extern const char asset_sw_js[];        /* the service worker */
extern const char asset_offline_js[];   /* the offline page's script */
extern const char asset_icon_svg[];     /* the app's icon */
extern const char asset_manifest_webmanifest[];  /* the web app manifest */

/*
 * ui-home.c - how many cards the home page shows at most
 * (DASHBOARD_CARDS, 10).
 */
size_t page_cards(void);
/* The health grid of the agents' reports (the home page's, /settings'). */
void health_show(struct dashpage *p, const struct status *status);

/*
 * ui-item.c - the item named id (validated as the tools do) into ref;
 * 0, else -1 once the error reply (400, 404 or 503) is sent. And the item
 * page of ref, with status and a notice above it (or NULL).
 */
int find_item(struct dashctx *c, const char *id, struct itemref *ref);
int item_reply(struct dashctx *c, int status, const struct itemref *ref,
    const char *notice);

/*
 * ui-kind.c - what a draft of its kind (its action: post, send_whatsapp,
 * post_invoice, register_payment) shows beyond its fields: on its card
 * (kind_card, which reads the pending draft at ref) or its item page
 * (page 1). 1 when drawn, 0 for a draft of another kind.
 */
int kind_view(struct dashpage *p, const struct itemref *ref,
    const struct item *it, int page);
int kind_card(struct dashpage *p, const struct itemref *ref);
/* Whether a pending item at ref has a kind's own card view (its domain is
 * social, whatsapp or finance): then the view shows what it answers. */
int kind_has_view(const struct itemref *ref);

/*
 * ui-api.c - the status text /api/status serves and the home page is
 * drawn from, with its ETag in c->w.etag: one NUL-terminated text
 * (malloc'd). 0, or -1 with aie_errmsg.
 */
int status_text(struct dashctx *c, char **text, size_t *len);

/*
 * ui-decide.c - the decision forms of one pending draft, naming the
 * version they were drawn from by its digest; open: on the item page
 * (the reject form unfolded, no Open link).
 */
void decide_forms(struct dashpage *p, const char *id, const char *digest,
    int open);

/*
 * ui-edit.c - the edit form of one pending draft it (body and the fields
 * its action signs that a person writes), naming the version it was
 * drawn from by its digest; on the item page; open: unfolded (an edit
 * shown back).
 */
void edit_form(struct dashpage *p, const char *id, const struct item *it,
    const char *digest, int open);

/*
 * logscan.c - the lines of one day's audit log, read from byte from (with
 * align: from may lie inside a line, which is then skipped) up to the
 * last line starting before upto (-1: to the end of the file); each that
 * matches f (activity_match; a line longer than LOG_LINE_MAX or with a
 * NUL byte does not) goes to fn with its index among them. The count, or
 * -1 with aie_errmsg naming rel. Exported for the fuzz harness.
 */
#define LOG_LINE_MAX 8192       /* bytes, the newline and a NUL included */

struct actfilter {
	const char *domain, *agent;   /* or NULL */
};

struct logscan {
	off_t from;             /* the first byte read */
	int align;              /* from may be inside a line: start after it */
	off_t upto;             /* stop before a line starting here (-1: EOF) */
	off_t end;              /* out: where the reading stopped (EOF) */
	off_t whole_end;        /* out: just past the last newline read */
	long whole_n;           /* out: the lines counted before whole_end */
};

long log_lines(int fd, const char *rel, const struct actfilter *f,
    struct logscan *s, void (*fn)(void *ctx, long i, const char *line),
    void *ctx);

/*
 * actcache.c - the activity page's count cache: per day's audit log, the
 * lines counted up to a newline at byte off of the file (dev, ino), kept
 * in .state/<agent>/ACTCACHE_FILE so that a request counts only the
 * appended tail. See actcache.c for why it is never stale.
 */
#define ACTCACHE_FILE "dashboard-activity.cache"  /* in .state/<agent>/ */
#define ACTCACHE_DAYS 8
#define ACTCACHE_MAGIC "aie-activity-cache 1 "  /* sealed.h's magic */

struct actday {
	unsigned long long dev, ino, off;
	long n;
	char rel[32];
};

struct actcache {
	struct actday d[ACTCACHE_DAYS];
	int n, dirty;
};

/* DASHBOARD_CACHE (ui-api.c): the status and activity caches are on
 * unless it is off, no or 0. */
int dash_cache_on(void);

/* Parse a cache file's bytes into ac: 0, or -1 (ac empty) when it is
 * not well-formed or its seal does not hold. For the fuzz harness. */
int actcache_parse(const char *buf, size_t len, struct actcache *ac);
/* Read the cache file (missing or damaged: empty). */
void actcache_load(struct vault *v, struct actcache *ac);
/* For rel, open as fd with stat st: the lines the cache holds and, in
 * *off, the byte after them to count on from (0 and 0: count it all). */
long actcache_from(struct actcache *ac, const char *rel, int fd,
    const struct stat *st, off_t *off);
/* Note that rel (st) holds n lines up to byte off, just past a newline. */
void actcache_put(struct actcache *ac, const char *rel, const struct stat *st,
    off_t off, long n);
/* Rewrite the cache file when an entry changed; failing is no error. */
void actcache_save(struct vault *v, struct actcache *ac);

/*
 * auditline.c - one line of the audit log: 1 when it is a JSON object
 * line that matches domain and agent (each NULL: any); and the line as a
 * list item of the timeline, its text escaped, its item linked when its
 * id is valid. Exported for the fuzz harness.
 */
int activity_match(const char *line, const char *domain, const char *agent);
void activity_show(struct buf *b, const char *line, int with_date);

#endif
