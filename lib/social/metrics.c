/*
 * metrics.c - what the published posts did, read back from each network
 * for social-report(1).
 *
 * LinkedIn: GET {LINKEDIN_API_URL}/rest/socialActions/{post URN,
 * percent-encoded} with the versioned headers of the Posts API →
 * {"likesSummary":{"totalLikes","aggregatedTotalLikes",...},
 * "commentsSummary":{"aggregatedTotalComments","totalFirstLevelComments"},
 * "target"}. Reading them needs r_member_social (granted to few apps) or,
 * for an organization's post, r_organization_social: a 403 is a post
 * whose numbers the token may not read, not a failure of the report.
 * LinkedIn gives no shares or impressions there: its statistics are
 * asked apart (lireach.c), and need another permission.
 *
 * X: GET {X_API_URL}/2/tweets?ids=A,B,...&tweet.fields=public_metrics (at
 * most 100 IDs a request) → {"data":[{"id","text","public_metrics":
 * {"retweet_count","reply_count","like_count","quote_count",
 * "bookmark_count","impression_count"}}],"errors":[{"resource_id",
 * "title":"Not Found Error","detail",...}]}: a deleted post is in errors,
 * the request still 200. The user token as the publisher uses it, a 401
 * refreshed once (xauth.c).
 *
 * Facebook: GET {FACEBOOK_GRAPH_URL}/{version}/{post-id}?fields=shares,
 * reactions.limit(0).summary(total_count),comments.limit(0).summary(
 * total_count) → {"id","shares":{"count"} (absent when none),
 * "reactions":{"data":[],"summary":{"total_count"}},"comments":{...}};
 * errors the Graph envelope, classed as the publisher classes them (190
 * the token, 4/17/32/341/613 throttled, 1/2 failing, 100 with subcode 33
 * a post that is no longer there).
 *
 * Facebook's views and reach, and Instagram's numbers: the insights edge
 * (insights.c).
 *
 * A number the network does not give is -1, shown as such (never 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

#define X_BATCH 100              /* IDs in one X lookup, X's maximum */

void metrics_unknown(struct social_metrics *m)
{
	m->reactions = m->comments = m->shares = m->impressions = m->reach = -1;
	m->read = 0;
	m->note[0] = '\0';
}

/* A post that has no numbers, and why (the network's words, cleaned). */
void metrics_note(struct social_metrics *m, const char *why, const char *what)
{
	size_t i;

	metrics_unknown(m);
	snprintf(m->note, sizeof m->note, "%s%s%.100s", why,
	    what && *what ? ": " : "", what ? what : "");
	/* up to its end: a note cut short ends in the NUL snprintf put at
	 * its last byte, which is a control character too */
	for (i = 0; m->note[i]; i++)
		if ((unsigned char)m->note[i] < 0x20 || m->note[i] == 0x7f ||
		    m->note[i] == '|')
			m->note[i] = ' ';
}

/* A count of o at key (an integer >= 0), or -1. */
long metrics_count(json_t *o, const char *key)
{
	json_t *n = json_object_get(o, key);

	return json_is_integer(n) && json_integer_value(n) >= 0 &&
	    json_integer_value(n) < 1000000000000LL ?
	    (long)json_integer_value(n) : -1;
}

/* The failure of a whole request: 78 the token, 75 limited or failing
 * (*retry_at when told), else 0 (the post's own refusal: a note). */
int metrics_whole(enum social_net net, long status, const char *what,
    time_t reset, long retry_after, time_t *retry_at)
{
	struct social_result r;

	if (status != 401 && status != 429 && status < 500)
		return 0;
	memset(&r, 0, sizeof r);
	social_fail(net, status, 0, 0, what, reset, retry_after, &r);
	*retry_at = r.retry_at;
	return -1;
}

static int linkedin_metrics_reply(long status, const char *body, size_t len,
    long retry_after, struct social_metrics *m, time_t *retry_at)
{
	json_t *o = NULL;
	const char *msg = NULL;
	int rc = 0;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status == 200 && json_is_object(o)) {
		json_t *l = json_object_get(o, "likesSummary");
		json_t *c = json_object_get(o, "commentsSummary");
		metrics_unknown(m);
		if ((m->reactions = metrics_count(l, "aggregatedTotalLikes")) < 0)
			m->reactions = metrics_count(l, "totalLikes");
		if ((m->comments = metrics_count(c, "aggregatedTotalComments")) < 0)
			m->comments = metrics_count(c, "totalFirstLevelComments");
		m->read = m->reactions >= 0 || m->comments >= 0;
		if (!m->read)
			metrics_note(m, "no counts in the reply", NULL);
		goto out;
	}
	if (json_is_object(o))
		json_unpack(o, "{s:s}", "message", &msg);
	if (status == 200)
		metrics_note(m, "unreadable reply", NULL);
	else if (status == 403)
		metrics_note(m, "the token may not read its reactions (it needs "
		    "r_member_social or r_organization_social)", NULL);
	else if (status == 404)
		metrics_note(m, "no longer on LinkedIn", NULL);
	else if ((rc = metrics_whole(NET_LINKEDIN, status, msg, 0, retry_after,
	    retry_at)) == 0) {
		char why[32];
		snprintf(why, sizeof why, "HTTP %ld", status);
		metrics_note(m, why, msg);
	}
out:
	json_decref(o);
	return rc;
}

/* A Graph error reply to a metrics or insights request of net (Facebook
 * or Instagram), by its code: -1 for the whole network (190 the token,
 * 4/17/32/341/613 throttled, 1/2 or 5xx failing), else 0 with the post's
 * note (100/33 gone, 10 or 2xx a permission, else the code and message). */
int graph_metrics_fail(enum social_net net, long status, long long code,
    long long sub, const char *msg, long retry_after,
    struct social_metrics *m, time_t *retry_at)
{
	char why[64];

	if (code == 190 || status == 401)
		return metrics_whole(net, 401, msg, 0, -1, retry_at);
	if (code == 4 || code == 17 || code == 32 || code == 341 ||
	    code == 613 || status == 429)
		return metrics_whole(net, 429, msg, 0, retry_after, retry_at);
	if (code == 1 || code == 2 || status >= 500)
		return metrics_whole(net, status >= 500 ? status : 503, msg, 0,
		    retry_after, retry_at);
	if (code == 100 && sub == 33)
		snprintf(why, sizeof why, "no longer on %s", net == NET_FACEBOOK ?
		    "Facebook" : "Instagram");
	else if (code == 10 || (code >= 200 && code <= 299)) {
		/* 10 is also Instagram's "Not enough viewers for the media
		 * to show insights": Graph's own words say which */
		metrics_note(m, net == NET_FACEBOOK ? "the Page token may not "
		    "read it (it needs pages_read_engagement and read_insights)" :
		    "the token may not read it (it needs instagram_manage_insights)",
		    msg);
		return 0;
	} else
		snprintf(why, sizeof why, "HTTP %ld, Graph error %lld", status,
		    code);
	metrics_note(m, why, code == 100 && sub == 33 ? NULL : msg);
	return 0;
}

static int facebook_metrics_reply(long status, const char *body, size_t len,
    long retry_after, struct social_metrics *m, time_t *retry_at)
{
	json_t *o = NULL, *e;
	const char *msg = NULL;
	json_int_t code = 0, sub = 0;
	int rc = 0;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	e = json_object_get(o, "error");
	if (status == 200 && json_is_object(o) && !e) {
		metrics_unknown(m);
		m->reactions = metrics_count(json_object_get(json_object_get(o,
		    "reactions"), "summary"), "total_count");
		m->comments = metrics_count(json_object_get(json_object_get(o,
		    "comments"), "summary"), "total_count");
		/* Graph leaves shares out when nobody shared */
		m->shares = json_object_get(o, "shares") ?
		    metrics_count(json_object_get(o, "shares"), "count") : 0;
		m->read = m->reactions >= 0 || m->comments >= 0;
		if (!m->read)
			metrics_note(m, "no counts in the reply", NULL);
		goto out;
	}
	if (json_is_object(e))
		json_unpack(e, "{s?s, s?I, s?I}", "message", &msg, "code", &code,
		    "error_subcode", &sub);
	rc = graph_metrics_fail(NET_FACEBOOK, status, code, sub, msg,
	    retry_after, m, retry_at);
out:
	json_decref(o);
	return rc;
}

/* The index of id among ids, or n. */
static size_t find_id(const char *id, const char *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (id && strcmp(ids[i], id) == 0)
			break;
	return i;
}

static int x_metrics_reply(long status, const char *body, size_t len,
    const char *reset, const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at)
{
	json_t *o = NULL, *a, *e;
	const char *id, *detail = NULL;
	size_t i, k;
	int rc = 0;

	for (k = 0; k < n; k++)
		metrics_note(&m[k], "not in X's reply", NULL);
	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status != 200) {
		if (json_is_object(o) && json_unpack(o, "{s:s}", "detail",
		    &detail) < 0)
			json_unpack(o, "{s:s}", "title", &detail);
		if ((rc = metrics_whole(NET_X, status, detail, x_reset_time(reset), -1,
		    retry_at)) == 0) {
			char why[32];
			snprintf(why, sizeof why, "HTTP %ld", status);
			for (k = 0; k < n; k++)
				metrics_note(&m[k], why, detail);
		}
		goto out;
	}
	json_array_foreach(json_object_get(o, "data"), i, e) {
		json_t *pm = json_object_get(e, "public_metrics");
		long rt, q;
		id = json_string_value(json_object_get(e, "id"));
		if ((k = find_id(id, ids, n)) == n || !json_is_object(pm))
			continue;
		metrics_unknown(&m[k]);
		m[k].reactions = metrics_count(pm, "like_count");
		m[k].comments = metrics_count(pm, "reply_count");
		rt = metrics_count(pm, "retweet_count");
		q = metrics_count(pm, "quote_count");
		m[k].shares = rt >= 0 && q >= 0 ? rt + q : -1;
		m[k].impressions = metrics_count(pm, "impression_count");
		m[k].read = 1;
	}
	a = json_object_get(o, "errors");
	json_array_foreach(a, i, e) {
		id = json_string_value(json_object_get(e, "resource_id"));
		if (!id)
			id = json_string_value(json_object_get(e, "value"));
		if ((k = find_id(id, ids, n)) == n || m[k].read)
			continue;
		metrics_note(&m[k], "not found on X",
		    json_string_value(json_object_get(e, "detail")));
	}
out:
	json_decref(o);
	return rc;
}

int social_metrics_reply(enum social_net net, long status, const char *body,
    size_t len, const char *header, long retry_after,
    const char *const *ids, size_t n, struct social_metrics *m,
    time_t *retry_at)
{
	*retry_at = 0;
	switch (net) {
	case NET_LINKEDIN:
		return n ? linkedin_metrics_reply(status, body, len, retry_after, m,
		    retry_at) : 0;
	case NET_FACEBOOK:
		return n ? facebook_metrics_reply(status, body, len, retry_after, m,
		    retry_at) : 0;
	case NET_X:
		return x_metrics_reply(status, body, len, header, ids, n, m,
		    retry_at);
	case NET_INSTAGRAM:
		return n ? social_insights_reply(net, status, body, len,
		    retry_after, m, retry_at) : 0;
	default:
		return aie_fail(EX_ARGS, "no such network");
	}
}

/* One GET of url with the bearer token and extra headers; *status the
 * HTTP status (0: no reply). Returns as social_metrics_reply. */
static int get_once(enum social_net net, const char *url, const char *token,
    const char *const *extra, const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at, long *status)
{
	struct http_resp rs;
	int rc;

	*status = 0;
	if (social_get(url, token, extra, 4 << 20, net == NET_X ?
	    "x-rate-limit-reset" : NULL, &rs) < 0)
		return -1;
	*status = rs.status;
	rc = social_metrics_reply(net, rs.status, rs.body, rs.len, rs.captured,
	    rs.retry_after, ids, n, m, retry_at);
	http_resp_free(&rs);
	return rc;
}

static int linkedin_metrics(const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at)
{
	const char *token, *base, *version;
	char ver[64], url[2048], *enc;
	const char *extra[] = { ver, "X-Restli-Protocol-Version: 2.0.0", NULL };
	size_t i;
	long status;

	base = config_get_default("LINKEDIN_API_URL", "https://api.linkedin.com");
	version = config_get_default("LINKEDIN_VERSION", "202511");
	if (social_need("LINKEDIN_TOKEN", &token) < 0)
		return -1;
	snprintf(ver, sizeof ver, "LinkedIn-Version: %.20s", version);
	for (i = 0; i < n; i++) {
		if (strncmp(ids[i], "urn:li:", 7) != 0) {
			metrics_note(&m[i], "not a LinkedIn post URN", NULL);
			continue;
		}
		if (!(enc = http_urlencode(ids[i])))
			return aie_fail(EX_TEMP, "out of memory");
		snprintf(url, sizeof url, "%s/rest/socialActions/%s", base, enc);
		free(enc);
		if (get_once(NET_LINKEDIN, url, token, extra, ids + i, 1, m + i,
		    retry_at, &status) < 0)
			return -1;
		if (status != 404 && linkedin_reach(base, token, ver, ids[i],
		    m + i, retry_at) < 0)
			return -1;
	}
	return 0;
}

static int facebook_metrics(const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at)
{
	const char *token, *base, *version;
	struct social_metrics in;
	char url[2048];
	size_t i;
	long status;

	base = config_get_default("FACEBOOK_GRAPH_URL",
	    "https://graph.facebook.com");
	version = config_get_default("FACEBOOK_API_VERSION", "v21.0");
	if (social_need("FACEBOOK_PAGE_TOKEN", &token) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!*ids[i] || ids[i][strspn(ids[i], "0123456789_")] ||
		    strlen(ids[i]) > 100) {
			metrics_note(&m[i], "not a Facebook post ID", NULL);
			continue;
		}
		snprintf(url, sizeof url, "%s/%.20s/%s?fields=shares,"
		    "reactions.limit(0).summary(total_count),"
		    "comments.limit(0).summary(total_count)", base, version, ids[i]);
		if (get_once(NET_FACEBOOK, url, token, NULL, ids + i, 1, m + i,
		    retry_at, &status) < 0)
			return -1;
		/* views and reach are the insights edge's, asked apart: a Page
		 * token without read_insights still reads the reactions */
		if (!m[i].read)
			continue;
		if (graph_insights(NET_FACEBOOK, ids[i], token, &in, retry_at) < 0)
			return -1;
		m[i].impressions = in.impressions;
		m[i].reach = in.reach;
	}
	return 0;
}

static int instagram_metrics(const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at)
{
	const char *token;
	size_t i;

	if (social_need("INSTAGRAM_TOKEN", &token) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!*ids[i] || ids[i][strspn(ids[i], "0123456789")] ||
		    strlen(ids[i]) > 40) {
			metrics_note(&m[i], "not an Instagram media ID", NULL);
			continue;
		}
		if (graph_insights(NET_INSTAGRAM, ids[i], token, &m[i],
		    retry_at) < 0)
			return -1;
	}
	return 0;
}

/* One lookup of up to X_BATCH IDs (all digits: checked by the caller). */
static int x_batch(const char *base, struct x_tokens *t,
    const char *const *ids, size_t n, struct social_metrics *m,
    time_t *retry_at)
{
	struct buf b = { 0 };
	char *url;
	size_t i, len;
	long status;
	int rc;

	buf_addf(&b, "%s/2/tweets?ids=", base);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? "," : "", ids[i]);
	buf_adds(&b, "&tweet.fields=public_metrics");
	if (!(url = buf_take(&b, &len)))
		return aie_fail(EX_TEMP, "out of memory");
	rc = get_once(NET_X, url, t->o.access, NULL, ids, n, m, retry_at, &status);
	/* 401: the two-hour access token ran out; one new one, one more try */
	if (rc < 0 && status == 401 && (rc = x_refresh(t)) == 0)
		rc = get_once(NET_X, url, t->o.access, NULL, ids, n, m, retry_at,
		    &status);
	free(url);
	return rc;
}

static int x_metrics(const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at)
{
	const char *base = config_get_default("X_API_URL", "https://api.x.com");
	const char *good[X_BATCH];
	size_t map[X_BATCH], i = 0, k;
	struct social_metrics got[X_BATCH];
	struct x_tokens t;
	int rc = 0;

	if (x_tokens(&t) < 0)
		return -1;
	while (i < n && rc == 0) {
		for (k = 0; i < n && k < X_BATCH; i++) {
			if (!*ids[i] || strlen(ids[i]) > 30 ||
			    ids[i][strspn(ids[i], "0123456789")]) {
				metrics_note(&m[i], "not an X post ID", NULL);
				continue;
			}
			good[k] = ids[i];
			map[k++] = i;
		}
		if (k && (rc = x_batch(base, &t, good, k, got, retry_at)) == 0)
			while (k--)
				m[map[k]] = got[k];
	}
	sodium_memzero(&t, sizeof t);
	return rc;
}

int social_metrics(enum social_net net, const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at)
{
	size_t i;

	*retry_at = 0;
	for (i = 0; i < n; i++)
		metrics_unknown(&m[i]);
	/* Instagram's publisher also needs SOCIAL_MEDIA_BASE_URL; its
	 * insights only the token (78 naming INSTAGRAM_TOKEN) */
	if (net == NET_INSTAGRAM)
		return instagram_metrics(ids, n, m, retry_at);
	if (!social_configured(net))
		return aie_fail(EX_CONFIG, "%s: not configured here (see "
		    "social-post(1), ENVIRONMENT)", social_net_name(net));
	switch (net) {
	case NET_LINKEDIN: return linkedin_metrics(ids, n, m, retry_at);
	case NET_X: return x_metrics(ids, n, m, retry_at);
	case NET_FACEBOOK: return facebook_metrics(ids, n, m, retry_at);
	default:
		return aie_fail(EX_ARGS, "no such network");
	}
}
