/*
 * insights.c - the Graph API's insights edge, for social-report(1): the
 * views and reach of a Facebook Page post, and everything an Instagram
 * media tells (see metrics.c for the other networks).
 *
 * GET {FACEBOOK_GRAPH_URL}/{version}/{object-id}/insights?metric=A,B,...
 * with the object's token as bearer → {"data":[{"name":"reach","period":
 * "lifetime","values":[{"value":N}],"title","description","id":
 * "<object>/insights/reach/lifetime"}],"paging":{...}}. A metric Graph
 * has no data for (yet: up to 48 hours late; never for a media in an
 * album) is left out of data, not 0.
 *
 * Page posts: post_media_view (views: Meta replaced impressions by views,
 * post_impressions is refused since November 2025) and
 * post_total_media_view_unique (reach, for post_impressions_unique);
 * the Page token needs read_insights and pages_read_engagement.
 * Instagram media: views (for impressions, refused for media since
 * v22.0), reach, likes, comments, shares; the token needs
 * instagram_manage_insights. A media posted before the account became a
 * business account has none: error 100 with subcode 2108006 ("Media
 * Posted Before Business Account Conversion"); too few viewers is error
 * 10. Other errors are the Graph envelope as in metrics.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vault/vault.h"
#include "internal.h"

#define FB_METRICS "post_media_view,post_total_media_view_unique"
#define IG_METRICS "views,reach,likes,comments,shares"

/* The count a metric of net goes to, or NULL for one not reported. */
static long *slot(enum social_net net, const char *name,
    struct social_metrics *m)
{
	static const struct { const char *name; int fb; size_t off; } map[] = {
		{ "post_media_view", 1, offsetof(struct social_metrics,
		    impressions) },
		{ "post_total_media_view_unique", 1,
		    offsetof(struct social_metrics, reach) },
		{ "views", 0, offsetof(struct social_metrics, impressions) },
		{ "reach", 0, offsetof(struct social_metrics, reach) },
		{ "likes", 0, offsetof(struct social_metrics, reactions) },
		{ "comments", 0, offsetof(struct social_metrics, comments) },
		{ "shares", 0, offsetof(struct social_metrics, shares) },
	};
	size_t i;

	for (i = 0; name && i < sizeof map / sizeof *map; i++)
		if (map[i].fb == (net == NET_FACEBOOK) &&
		    strcmp(map[i].name, name) == 0)
			return (long *)(void *)((char *)m + map[i].off);
	return NULL;
}

int social_insights_reply(enum social_net net, long status,
    const char *body, size_t len, long retry_after,
    struct social_metrics *m, time_t *retry_at)
{
	json_t *o = NULL, *e, *d;
	const char *msg = NULL;
	json_int_t code = 0, sub = 0;
	size_t i;
	long *n;
	int rc = 0;

	*retry_at = 0;
	metrics_unknown(m);
	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	e = json_object_get(o, "error");
	if (status == 200 && json_is_object(o) && !e) {
		json_array_foreach(json_object_get(o, "data"), i, d) {
			n = slot(net, json_string_value(json_object_get(d, "name")),
			    m);
			if (n && *n < 0)
				*n = metrics_count(json_array_get(json_object_get(d,
				    "values"), 0), "value");
			m->read |= n && *n >= 0;
		}
		if (!m->read)
			metrics_note(m, json_is_array(json_object_get(o, "data")) ?
			    "no insights yet (Graph gives them up to 48 hours late, "
			    "none for a media in an album)" : "unreadable reply", NULL);
		goto out;
	}
	if (json_is_object(e))
		json_unpack(e, "{s?s, s?I, s?I}", "message", &msg, "code", &code,
		    "error_subcode", &sub);
	if (code == 100 && sub == 2108006 && status != 401 && status != 429 &&
	    status < 500)
		metrics_note(m, "posted before the account became a business "
		    "account: Instagram keeps no insights of it", NULL);
	else
		rc = graph_metrics_fail(net, status, code, sub, msg, retry_after,
		    m, retry_at);
out:
	json_decref(o);
	return rc;
}

int graph_insights(enum social_net net, const char *id, const char *token,
    struct social_metrics *m, time_t *retry_at)
{
	char base[512], url[1024];
	struct http_resp rs;
	int rc;

	metrics_unknown(m);
	graph_base(base, sizeof base);
	snprintf(url, sizeof url, "%s/%s/insights?metric=%s", base, id,
	    net == NET_FACEBOOK ? FB_METRICS : IG_METRICS);
	if (social_get(url, token, NULL, 1 << 20, NULL, &rs) < 0)
		return -1;
	rc = social_insights_reply(net, rs.status, rs.body, rs.len,
	    rs.retry_after, m, retry_at);
	http_resp_free(&rs);
	return rc;
}
