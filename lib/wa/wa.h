/*
 * wa.h - WhatsApp messages to the owner: the two providers (the WhatsApp
 * Cloud API and Twilio), the message texts, and the notification path that
 * notify-wa(1) and vault-health(1) share (dedup, hourly rate limit, the
 * Logs/Notifications outbox).
 */
#ifndef AIE_WA_H
#define AIE_WA_H

#include "vault/vault.h"

#define WA_TEXT_MAX 4096         /* WhatsApp's limit for a text body */
#define WA_PARAM_MAX 1024        /* a template parameter: one line, capped */

enum wa_provider { WA_NONE, WA_CLOUD, WA_TWILIO };

/* Configuration, read once by wa_config; the strings belong to config. */
struct wa_cfg {
	enum wa_provider provider;
	const char *to;
	/* cloud */
	const char *graph_url, *api_version, *phone_id, *token;
	const char *template_name, *template_lang;
	/* twilio */
	const char *twilio_url, *sid, *twilio_token, *from, *content_sid;
	long timeout;            /* seconds per request */
	int attempts;            /* tries on 5xx, 429 and network errors */
};

/* Fill c from the configuration. 0 with provider WA_NONE when nothing is
 * configured; -1 (aie_errcode 78) when a provider is named or half set up
 * but a key it needs is missing. */
int wa_config(struct wa_cfg *c);
const char *wa_provider_name(enum wa_provider p);

/* What one send did: the provider's message id, and whether the approved
 * template went out instead of the free text. */
struct wa_sent {
	char id[128];
	int template;
};

/* Send text (at most WA_TEXT_MAX bytes) through c's provider; summary is
 * the one line used as the template's parameter. With force_template the
 * template goes out directly. Retries 5xx, 429 and network errors with
 * http_backoff; falls back to the template on 131047 (Cloud) or 63016
 * (Twilio). -1 with aie_errcode 65 (refused by the API), 78 (token
 * expired or invalid: 401, code 190), 69 or 75 (down, after the retries),
 * and the API's own error text in aie_errmsg. */
int wa_send(const struct wa_cfg *c, const char *text, const char *summary,
    int force_template, struct wa_sent *out);

/* Texts. Each returns a malloc'd message of at most WA_TEXT_MAX bytes,
 * cut on a UTF-8 boundary with an ellipsis, that ends with the dashboard
 * link (DASHBOARD_URL) when link is non-NULL. */
char *wa_compose(const char *body, const char *link);
char *wa_text_error(const char *component, const char *detail);
char *wa_text_recovered(const char *component, const char *detail);
/* DASHBOARD_URL, or WA_NO_DASHBOARD when it is unset or empty; 1 from
 * wa_dashboard_public when there is a URL to link to. */
#define WA_NO_DASHBOARD "(the dashboard has no public URL: set DASHBOARD_URL)"
const char *wa_dashboard_url(void);
int wa_dashboard_public(void);


/* One line of s (newlines and tabs become " / " and blanks), at most max
 * bytes; malloc'd. */
char *wa_oneline(const char *s, size_t max);

enum wa_kind { WA_PLAIN, WA_URGENT, WA_APPROVALS, WA_ERROR, WA_RECOVERED };
const char *wa_kind_name(enum wa_kind k);

struct wa_note {
	enum wa_kind kind;
	const char *text;        /* the message */
	const char *summary;     /* one line for templates, logs, summaries */
	const char *key;         /* dedup key or NULL */
	long window;             /* dedup window in seconds */
	int force_template;
};

enum wa_result { WA_SENT, WA_OUTBOX, WA_HELD, WA_DUPLICATE, WA_FAILED };

struct wa_outcome {
	enum wa_result result;
	struct wa_sent sent;
	int held_summarised;     /* held messages folded into this one */
};

/* The whole path of one notification, under the flock of
 * .state/<agent>/notify.lock: a key seen within the window -> WA_DUPLICATE
 * (nothing sent, nothing logged); no provider -> WA_OUTBOX; over
 * WA_MAX_PER_HOUR -> WA_HELD (kept, summarised in the next message sent);
 * else sent. Every message sent, kept or failed gets a row in
 * Logs/Notifications/YYYY-MM-DD.md. Returns 0 (see o->result), or -1 with
 * aie_errcode from wa_send (o->result WA_FAILED, the row logged) or from
 * the vault. */
int wa_notify(struct vault *v, const struct wa_cfg *c,
    const struct wa_note *n, struct wa_outcome *o);

/*
 * hook.h - the Cloud API webhook from outside (see wa-webhook(1)): its
 * signature and its payload, parsed without the vault (fuzzed).
 */
#define WA_HOOK_BODY_MAX (3L << 20)  /* Meta's payloads are at most 3 MB */
#define WA_HOOK_MAX 1000             /* messages or statuses per payload */
#define WA_ID_MAX 200                /* a wamid or a media ID */

/* 1 when header is "sha256=<64 hex digits>" and they are the
 * HMAC-SHA256 of body[0..len) under secret (compared in constant time);
 * 0 otherwise, a missing or empty secret or header included. */
int wa_hook_sig_ok(const char *secret, const char *body, size_t len,
    const char *header);

/* One inbound message. Every string is borrowed from the parsed payload
 * (valid until wa_hook_free); NULL when the message has no such part. */
struct wa_msg {
	const char *from;        /* the sender's wa_id (digits) */
	const char *name;        /* the sender's profile name */
	const char *id;          /* its wamid */
	const char *type;        /* text, image, audio, document, location,
	                          * interactive, button, reaction, ... */
	const char *text;        /* body, caption, reply title, button text,
	                          * reaction emoji */
	const char *context_id;  /* the message it answers or reacts to */
	const char *reply_id;    /* interactive reply id, button payload */
	const char *media_id, *mime_type, *filename;
	const char *loc_name, *loc_address;
	const char *phone_id;    /* the business number it was sent to */
	double lat, lon;
	int has_location;
	int unsupported;         /* a type we keep but do not read */
	long long timestamp;     /* seconds since the epoch, Meta's clock */
};

/* The status of a message we sent (sent, delivered, read, failed). */
struct wa_status {
	const char *id;          /* the wamid we got when sending */
	const char *status;
	const char *recipient;
	long long timestamp;
	long error_code;         /* 0, or e.g. 131047, 131026 */
	const char *error_title, *error_message;
};

struct json_t;
struct wa_hook {
	struct json_t *root;
	struct wa_msg *msgs;
	size_t nmsgs;
	struct wa_status *sts;
	size_t nsts;
};

/* Parse a webhook body: 0, or -1 (65) with the reason when it is not a
 * whatsapp_business_account payload of the shape Meta sends (at most
 * WA_HOOK_MAX messages and statuses). Changes of other fields are
 * skipped. Call wa_hook_free in both cases. */
int wa_hook_parse(const char *body, size_t len, struct wa_hook *h);
void wa_hook_free(struct wa_hook *h);

/*
 * keyed.c - a record of lines found by their first word, split into
 * WA_KEYED_FILES files .state/<agent>/<name>.d/<xx> by the word's hash, so
 * that a lookup reads one small file (the caller holds wa.lock).
 */
#define WA_KEYED_FILES 256

struct wa_keyed {
	int dirfd;               /* .state/<agent>/<name>.d */
	char rel[96];            /* its path, for messages */
	char cached[3];          /* the file kept in cache, "" for none */
	struct buf cache;
};

/* Open (making it) the record name in the state directory statefd (whose
 * vault path is staterel); the single file <name> there of earlier
 * versions is split into it and removed. 0 or -1. */
int wa_keyed_open(struct wa_keyed *k, int statefd, const char *staterel,
    const char *name);
void wa_keyed_close(struct wa_keyed *k);
/* The file key's lines are in, read whole: 0 with *buf malloc'd and
 * NUL-terminated (NULL, *len 0, when there is none yet), or -1. */
int wa_keyed_read(struct wa_keyed *k, const char *key, char **buf,
    size_t *len);
/* Append line (len bytes, ending in a newline; its first word the key)
 * to its file in one write: 0 or -1. */
int wa_keyed_append(struct wa_keyed *k, const char *line, size_t len);
/* Replace the file of key's lines with buf: 0 or -1. */
int wa_keyed_rewrite(struct wa_keyed *k, const char *key, const char *buf,
    size_t len);

/*
 * wal.c - the webhook's write-ahead record: WA_WAL_SLOTS slot files
 * .state/<agent>/wa-wal/<n>, each taken by one process at a time (flock),
 * holding one delivery's verified body, durable before the 200, marked
 * done once its items are filed (see wa-webhook(1), FILES).
 */
#define WA_WAL_SLOTS 16
#define WA_WAL_SIZE  65536        /* each slot's size, grown for a bigger body */
#define WA_WAL_HEAD  64           /* the header before the body */

struct wa_wal {
	int dirfd;               /* .state/<agent>/wa-wal */
	int leftfd;              /* wa-wal/left: the slots to look at */
	int fd;                  /* the slot held (flocked), or -1 */
	int slot;
	off_t size;
	char rel[80];            /* the folder's vault path, for messages */
};

/* Take a free slot whose record is done (else one whose record is not,
 * else wait for one), or with pending_only the first free slot whose
 * record is not done (0, nothing taken, when there is none). 1 with *body
 * (malloc'd, *len bytes) when the slot's record is not done: a delivery
 * answered 200 whose process died before filing it, to be filed before
 * the slot is written again; 0 when the slot is free to write; -1 on
 * error (nothing held). */
int wa_wal_take(struct vault *v, struct wa_wal *w, int pending_only,
    char **body, size_t *len);
/* The header of a record of body (len bytes), not done. */
void wa_wal_head(unsigned char head[WA_WAL_HEAD], const char *body,
    size_t len);
/* The body as the slot's record, durable (fdatasync) on return: 0 or -1. */
int wa_wal_write(struct wa_wal *w, const char *body, size_t len);
/* The slot's record marked done, in place and not synced: 0 or -1. */
int wa_wal_done(struct wa_wal *w);
/* The slot let go (its flock with it); wa_wal_close also the folder. */
void wa_wal_release(struct wa_wal *w);
void wa_wal_close(struct wa_wal *w);
/* A slot's first size bytes: 1 with *body, *len the record's body when it
 * is whole and not done, 0 when it is done or was never written, -1 when
 * it is torn (a bad hash, length or state). */
int wa_wal_parse(const char *rec, size_t size, const char **body,
    size_t *len);

/*
 * group.c - one fsync of Needs_Action/whatsapp/ shared by the deliveries
 * at once: on return every rename the caller made into it before the call
 * is durable, whether its own sync or another caller's covered it. 0, or
 * -1 (75).
 */
int wa_group_sync(struct vault *v);

/*
 * inbox.h - inbound messages into Needs_Action/whatsapp/ (see vault(5)),
 * at most one item per wamid (.state/<agent>/wa-ids.d/, under wa.lock).
 */
/* The wamid record, per file of wa-ids.d: past this, its older half is
 * dropped (1 MB in all). */
#define WA_IDS_MAX ((1L << 20) / WA_KEYED_FILES)

struct wa_inbox {
	struct vault *v;
	int lockfd;              /* wa.lock while held, else -1 */
	int statefd;             /* .state/<agent> */
	struct wa_keyed ids;     /* the wamids seen: wa-ids.d */
	struct wa_keyed last;    /* "<wa_id> <received> <ID>": wa-last.d */
	struct keywords urgent;  /* the handbook's urgent keywords */
	long join;               /* WA_JOIN_WINDOW seconds, 0: never */
	int touched;             /* what was filed to sync before the
	                          * record is done */
	int replay;              /* filing a record again: trust no wamid
	                          * seen without its item (wa_inbox_add) */
};

/* A message's item written ahead of the lock (a hidden temporary file,
 * item_prepare), to be published or dropped by wa_inbox_add. */
struct wa_pre {
	struct item_tmp t;
	struct itemref ref;
	char id[AIE_ID_MAX + 1];
	int ready;
};

/* A delivery: wa_inbox_open reads the handbook's urgent keywords and the
 * configuration; wa_inbox_prepare writes each message's item aside;
 * wa_inbox_lock takes wa.lock (waiting for another delivery) and opens
 * the records; wa_inbox_add files each message; wa_inbox_unlock; then
 * wa_inbox_sync makes the renames durable by an fsync of the folder
 * shared with the deliveries at once (wa_group_sync), before the
 * delivery's write-ahead record is marked done. 0 or -1 each. */
int wa_inbox_open(struct wa_inbox *in, struct vault *v);
int wa_inbox_prepare(struct wa_inbox *in, const struct wa_msg *m,
    struct wa_pre *p);
void wa_pre_drop(struct wa_pre *p);
int wa_inbox_lock(struct wa_inbox *in);
void wa_inbox_unlock(struct wa_inbox *in);
int wa_inbox_sync(struct wa_inbox *in);
void wa_inbox_close(struct wa_inbox *in);
/* One message into an item, under the lock: 0 with *ref where it is; 1
 * when its wamid was seen before (nothing written); -1 on error. p (or
 * NULL) is its prepared item, published or dropped here. A text within
 * WA_JOIN_WINDOW (120 s) of the last text of the same sender's new,
 * unclaimed item joins that item (its body, wamid, received and messages
 * keys) instead. An item whose text holds an urgent keyword gets
 * priority: high. */
int wa_inbox_add(struct wa_inbox *in, const struct wa_msg *m,
    struct wa_pre *p, struct itemref *ref);
/* The temporary files of deliveries a crash stopped before the rename
 * (older than WA_TMP_AGE) removed from Needs_Action/whatsapp/, at most
 * once per WA_TMP_AGE (the time of .state/<agent>/wa-swept): the number
 * removed, or -1. */
#define WA_TMP_AGE 3600
int wa_inbox_sweep(struct vault *v);

/*
 * ask.h - the owner's own number (WA_TO) texting "status" or "pending":
 * answered with the counts or what waits, never filed, never a decision.
 */
enum wa_ask { WA_ASK_NONE, WA_ASK_STATUS, WA_ASK_PENDING };
enum wa_ask wa_owner_ask(const struct wa_msg *m);

/*
 * window.h - the 24-hour customer-service window of a customer (wa_id):
 * free text only within WA_WINDOW of their last message in the vault.
 */
#define WA_WINDOW (24L * 3600)

/* The received time of the latest whatsapp item from wa_id (0 when there
 * is none) into *last: 0, or -1. */
int wa_last_inbound(struct vault *v, const char *wa_id, time_t *last);
/* 0 when free text may go to wa_id at now; -1 (65) with the reason when
 * the window is closed or was never opened, or on error. */
int wa_window_check(struct vault *v, const char *wa_id, time_t now);

/*
 * reply.h - a reply to a customer (the send_whatsapp action, see
 * wa-send(1)): one POST to the Cloud API's messages endpoint, threaded by
 * context.message_id, never retried (at most once).
 */
struct wa_reply {
	const char *to;          /* the customer's wa_id */
	const char *reply_to;    /* the wamid answered, or NULL */
	const char *text;        /* free text, or the template's parameters
	                          * one a line */
	const char *template_name;   /* NULL: free text */
	const char *template_lang;   /* default en_US */
};

/* The Cloud API configuration of replies: WA_SEND_TOKEN (the local
 * agent's only, never WA_TOKEN, which tells the owner), WA_SEND_PHONE_NUMBER_ID
 * (else WA_PHONE_NUMBER_ID), WA_GRAPH_URL, WA_API_VERSION, WA_TIMEOUT. -1
 * with 78 when a key is missing, 69 when there is no send token and
 * WA_PROVIDER is twilio (replies go through the Cloud API only). */
int wa_reply_config(struct wa_cfg *c);
/* What replies lack here, for a page that says so (see
 * ai-employee-dashboard(1), /settings): 0 nothing; 1 one of their own
 * keys (WA_SEND_TOKEN, WA_SEND_PHONE_NUMBER_ID) is set but *key is not;
 * 2 none is, *key the first they need. A key's name, never a value. */
int wa_reply_missing(const char **key);
/* The request's JSON body (malloc'd), or NULL (65, the reason) when r
 * cannot be sent as it is: a wa_id that is not one, free text empty or
 * over WA_TEXT_MAX bytes, a parameter over WA_PARAM_MAX. */
char *wa_reply_body(const struct wa_reply *r);
/* Send r once. 0 with out->id the wamid Meta gave it; else -1 with
 * aie_errcode: 65 refused for good (131047 outside the window, 131026
 * undeliverable, any other 4xx), 75 try later (429, 5xx, 131056 pair rate
 * limit), 78 the token (401, 190), 69 no connection; *maybe_sent is set
 * when the request may have reached Meta and no answer came (a time-out,
 * a reset): it must not be sent again. */
int wa_reply_send(const struct wa_cfg *c, const struct wa_reply *r,
    struct wa_sent *out, int *maybe_sent);

/*
 * status.h - the statuses of our messages from the webhook: an audit line
 * each; the reply (exec_message_id = its wamid, in Done/) gets wa_status,
 * wa_status_at and wa_error, only forward (sent, delivered, read, failed);
 * the owner's notification (its wamid in Logs/Notifications/) a row of
 * that log; a wamid the vault does not hold yet (the reply or the log row
 * comes with the next sync) is kept in .state/<agent>/wa-late for
 * wa_late_settle. The caller holds wa.lock.
 * 0 applied or older than what the item holds (tell set to the reply's ID
 * when it has just failed: the owner is to be told), 1 not a reply in the
 * vault (recorded as a notification's, or kept for later), -1 on error.
 */
int wa_status_apply(struct vault *v, const struct wa_status *s,
    char tell[AIE_ID_MAX + 1]);
/* The replies whose exec_message_id is one of ids[0..n), in one walk of
 * Done/: found[i] 1 and refs[i] set for each found. 0, or -1. */
int wa_replies_find(struct vault *v, const char *const *ids, size_t n,
    struct itemref *refs, char *found);
/* s onto the reply at ref, forward only (as wa_status_apply). */
int wa_status_onto(struct vault *v, const struct wa_status *s,
    const struct itemref *ref, char tell[AIE_ID_MAX + 1]);
/* The audit note of s, "PRE<status> <wamid>[ error N title]". */
void wa_status_note(const struct wa_status *s, const char *pre, char *note,
    size_t size);
/* When s is the status of one of the owner's notifications of the last
 * WA_LATE_DAYS (its wamid in Logs/Notifications/), a row of the log says
 * so (kind status): 1; 0 when it is none of them; -1 on error. */
int wa_notify_status(struct vault *v, const struct wa_status *s);
/* The owner's notification whose wamid is id, when the log of the last
 * WA_LATE_DAYS shows it sent as free text: 1 with its kind (as
 * notify-wa --kind takes it) and *text (malloc'd); 0 when there is none
 * (or it was a template), -1 on error. For the re-engagement template
 * when Meta reports it failed outside the owner's 24-hour window. */
int wa_notify_sent_text(struct vault *v, const char *id, char *kind,
    size_t kindsize, char **text);
/* A row of Logs/Notifications/<day of now>.md (a title and the table head
 * when the file is new; cells escaped: | as \|, newlines as <br>); the
 * caller holds notify.lock. */
int wa_log_row(struct vault *v, time_t now, const char *kind,
    const char *provider, const char *status, const char *result,
    const char *text);

/*
 * late.h - statuses that came before their message: Meta reports a
 * reply's "sent" within a second of the send, while the reply's item
 * reaches the cloud's vault with the next sync.
 */
#define WA_LATE_DAYS 7           /* as long as Meta retries a delivery */
#define WA_LATE_MAX 1000         /* statuses kept, the newest */
/* Keep s in .state/<agent>/wa-late, a JSON object a line (the caller
 * holds wa.lock). 0 or -1. */
int wa_late_keep(struct vault *v, const struct wa_status *s);
/* Under wa.lock: apply each kept status whose reply or notification is in
 * the vault now, drop those older than WA_LATE_DAYS, keep the rest; then,
 * the lock released, tell(v, s, id, ctx) of each reply id found failed,
 * and again(v, s, ctx) (when not NULL) of each owner's notification found
 * failed outside the window (131047). The number applied, or -1 (what
 * could be applied is applied). */
typedef void wa_tell_fn(struct vault *v, const struct wa_status *s,
    const char *id, void *ctx);
typedef void wa_again_fn(struct vault *v, const struct wa_status *s,
    void *ctx);
int wa_late_settle(struct vault *v, wa_tell_fn *tell, wa_again_fn *again,
    void *ctx);

/* Tell the owner, through the notification path of notify-wa(1) (dedup by
 * wamid, the outbox without a provider), that reply id failed. Failures
 * are only in the notification log. */
void wa_status_tell(struct vault *v, const struct wa_status *s,
    const char *id);
/* The owner's notification s failed outside the owner's 24-hour window
 * (131047): sent again as the approved template (WA_TEMPLATE), once per
 * wamid, when the log shows it sent as free text. */
void wa_status_again(struct vault *v, const struct wa_status *s);
/* The texts of what the webhook tells (with the dashboard link), malloc'd
 * or NULL: reply id failed (s's error); an urgent message from from. */
char *wa_text_failed(const struct wa_status *s, const char *id);
char *wa_text_urgent(const char *from, const char *body, const char *id);

/*
 * media.h - a customer's media from the Cloud API (see wa-media(1)): the
 * description, then the bytes, checked (size, type, SHA-256), the token
 * sent to Meta's hosts only.
 */
struct wa_media_cfg {
	const char *graph_url, *api_version, *token;
	long timeout;
	size_t max;              /* WA_MEDIA_MAX bytes */
};
struct wa_media_meta {
	char url[1024];
	char mime[100];
	unsigned char sha256[32];
	size_t size;
};
struct wa_media {
	char *data;              /* malloc'd */
	size_t len;
	char mime[100];
	char ext[8];
};

/* WA_MEDIA_TOKEN (else WA_SEND_TOKEN), WA_GRAPH_URL, WA_API_VERSION,
 * WA_TIMEOUT, WA_MEDIA_MAX (16 MB). 0, or -1 (78). */
int wa_media_config(struct wa_media_cfg *c);
/* The file extension of a type kept, or NULL for one that is not. */
const char *wa_media_ext(const char *mime);
/* Parse the description GET /{media-id} answers: 0, or -1 (65). */
int wa_media_meta_parse(const char *body, size_t len, struct wa_media_meta *m);
/* Fetch media_id: 0 with out filled (free out->data); -1 with 65 (refused
 * for good: type, size, checksum, a URL not Meta's, a 4xx), 75 or 69
 * (later), 78 (the token). */
int wa_media_fetch(const struct wa_media_cfg *c, const char *media_id,
    struct wa_media *out);

#endif
