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

#endif
