/*
 * internal.h - what the files of lib/social/ share: one request to a
 * network and the classes of its failures (see social.h, social_publish).
 */
#ifndef AIE_SOCIAL_INTERNAL_H
#define AIE_SOCIAL_INTERNAL_H

#include "http/http.h"
#include "oauth/oauth.h"
#include "social/social.h"

/* How long a publish request may take (SOCIAL_TIMEOUT seconds, 1-600,
 * default 60); it is never repeated on a time-out (the post may be out:
 * maybe_sent). */
long social_timeout(void);

/* A configuration key that must be set: 0 with *dst, or -1 (78). */
int social_need(const char *key, const char **dst);

/* "Authorization: Bearer <token>" into buf (wiped by the caller with
 * sodium_memzero). 0, or -1 (78) when it does not fit. */
int social_bearer(char *buf, size_t size, const char *token);

/* Send rq. 0 when a reply came; -1 otherwise, with r->maybe_sent set when
 * the request may have reached the network (a time-out or a reset after
 * connecting) so that it is never sent again. */
int social_send(const struct http_req *rq, struct http_resp *rs,
    struct social_result *r);

/* One request of a publish (a post, an upload, a status poll): method,
 * url, headers, body of len bytes (may be NULL for a GET), the reply
 * header to keep (or NULL); the time-out is social_timeout's and the
 * reply at most 1 MiB. Sent as social_send: 0 with rs (free it), or -1. */
int social_request(const char *method, const char *url,
    const char *const *hdrs, const char *body, size_t len,
    const char *capture, struct http_resp *rs, struct social_result *r);

/* A GET of the statistics (metrics.c, insights.c, lireach.c): url with
 * the bearer token and extra headers (at most 4, NULL-ended; or NULL), a
 * reply of at most max bytes, the reply header capture kept (or NULL),
 * the time-out social_timeout's. 0 with rs (free it), or -1. */
int social_get(const char *url, const char *token, const char *const *extra,
    size_t max, const char *capture, struct http_resp *rs);

/* The ID of a 2xx reply's JSON at path ("id", or "data" then "id"; one
 * or two keys), when it is 1 to max-1 characters of allowed; else
 * "unknown" (published: an ID we cannot read does not undo that). */
void social_reply_id(const char *body, size_t len, const char *key1,
    const char *key2, const char *allowed, size_t max, char *id,
    size_t size);

/* upload.c: a multipart/form-data body of fields (name, value, ...,
 * NULL) and the image as the part file_field; ctype is its Content-Type
 * header. 0, or -1 (75). Free body. */
struct multipart {
	char *body;
	size_t len;
	char ctype[96];
};
int social_multipart(const char *const *fields, const char *file_field,
    const struct social_media *m, struct multipart *mp);

/* The failure of a reply that is not a success, by its class (social.h):
 * duplicate or policy 65, status 401 78 with how to re-authorise, 429 and
 * 5xx 75 with r->retry_at from reset (epoch seconds, or 0) or
 * retry_after (seconds, or -1), other 4xx 65. what is the network's own
 * message (untrusted; cleaned and cut here), or NULL. Returns -1. */
int social_fail(enum social_net net, long status, int duplicate, int policy,
    const char *what, time_t reset, long retry_after,
    struct social_result *r);

/* The publishers and reply readers of each network. */
int linkedin_publish(const struct social_post *p, struct social_result *r);
int linkedin_reply(long status, const char *body, size_t len,
    const char *restli_id, long retry_after, struct social_result *r);
int x_publish(const struct social_post *p, struct social_result *r);
/* The epoch seconds of an x-rate-limit-reset header, or 0. */
time_t x_reset_time(const char *h);

/* xauth.c: X's user tokens, from the token file (lib/oauth's, newer) or
 * X_TOKEN and X_REFRESH_TOKEN. Wipe with sodium_memzero after use. */
struct x_tokens {
	struct oauth_tokens o;
	int from_file;
};
/* 0, or -1 (78: none, or an unsafe token file). */
int x_tokens(struct x_tokens *t);
/* A new pair from the refresh token (lib/oauth's oauth_renew), stored
 * before it is returned. 0, or -1: 78 no refresh token or client ID, or
 * refused (the owner runs social-auth x); 69 or 75 the endpoint down or
 * failing. */
int x_refresh(struct x_tokens *t);
int x_reply(long status, const char *body, size_t len, const char *reset,
    struct social_result *r);
int facebook_publish(const struct social_post *p, struct social_result *r);
int facebook_reply(long status, const char *body, size_t len,
    long retry_after, struct social_result *r);
/* A Graph API error reply of net (Facebook or Instagram) by its code; -1
 * as social_fail. */
int graph_error(enum social_net net, long status, const char *body,
    size_t len, long retry_after, struct social_result *r);
/* Graph's base URL with its version, "https://graph.facebook.com/v21.0". */
void graph_base(char *buf, size_t size);
int instagram_publish(const struct social_post *p, struct social_result *r);
int instagram_reply(long status, const char *body, size_t len,
    long retry_after, struct social_result *r);
/* The readers of the steps before a post (social_upload_reply). */
int linkedin_upload_reply(long status, const char *body, size_t len,
    const char *base, long retry_after, char *url, size_t usize, char *urn,
    size_t nsize, struct social_result *r);
/* LinkedIn's image status (step 1): its status word into st. */
int linkedin_image_reply(long status, const char *body, size_t len,
    long retry_after, char *st, size_t size, struct social_result *r);
int x_upload_reply(long status, const char *body, size_t len,
    const char *reset, char *id, size_t size, struct social_result *r);
/* An Instagram reply's field (id, status_code, permalink) into val. */
int instagram_step_reply(long status, const char *body, size_t len,
    long retry_after, const char *field, char *val, size_t size,
    struct social_result *r);

/* metrics.c and insights.c: a post without numbers (m cleared, then the
 * reason and the network's words, cleaned for one table cell), every
 * count unknown (-1), the count at key of o (>= 0) or -1; a Graph error
 * reply's class (-1 the whole network: 78 or 75; else 0 with a note). */
struct json_t;
void metrics_note(struct social_metrics *m, const char *why,
    const char *what);
void metrics_unknown(struct social_metrics *m);
long metrics_count(struct json_t *o, const char *key);
int graph_metrics_fail(enum social_net net, long status, long long code,
    long long sub, const char *msg, long retry_after,
    struct social_metrics *m, time_t *retry_at);
/* The failure of a whole metrics request: 78 the token, 75 limited or
 * failing (*retry_at when told), -1; else 0 (the post's own refusal: a
 * note is due). */
int metrics_whole(enum social_net net, long status, const char *what,
    time_t reset, long retry_after, time_t *retry_at);
/* lireach.c: a LinkedIn post's impressions, reach and reshares into m
 * (read set when LinkedIn gave any; a refusal a note added). ver is the
 * LinkedIn-Version header. Returns as social_metrics. */
int linkedin_reach(const char *base, const char *token, const char *ver,
    const char *urn, struct social_metrics *m, time_t *retry_at);
/* The insights of one Facebook post or Instagram media id, with token,
 * into m. Returns as social_metrics. */
int graph_insights(enum social_net net, const char *id, const char *token,
    struct social_metrics *m, time_t *retry_at);

#endif
