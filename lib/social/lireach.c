/*
 * lireach.c - how many saw a LinkedIn post: its impressions, the members
 * it reached and its reshares, for social-report(1). LinkedIn tells them
 * only to apps granted a restricted permission, so a refusal (403) is a
 * note on the post, never a failure of the report.
 *
 * A member's post (LINKEDIN_AUTHOR urn:li:person:..., or unset): GET
 * {LINKEDIN_API_URL}/rest/memberCreatorPostAnalytics?q=entity&entity=
 * (share:URN) (or (ugcPost:URN), the URN percent-encoded)&queryType=Q&
 * aggregation=TOTAL, one request for each Q of IMPRESSION,
 * MEMBERS_REACHED, RESHARE → {"paging":{...},"elements":[{"count":N,
 * "metricType":{"com.linkedin.adsexternalapi.memberanalytics.v1.
 * CreatorPostAnalyticsMetricTypeV1":"IMPRESSION"}}]}; the token needs
 * r_member_postAnalytics.
 *
 * An organization's post (LINKEDIN_AUTHOR urn:li:organization:ID): GET
 * {LINKEDIN_API_URL}/rest/organizationalEntityShareStatistics?q=
 * organizationalEntity&organizationalEntity=ORG&shares=List(URN) (or
 * ugcPosts=List(URN)) → {"elements":[{"organizationalEntity","share",
 * "totalShareStatistics":{"impressionCount","uniqueImpressionsCount",
 * "shareCount","likeCount","commentCount","clickCount","engagement"}}]},
 * organic numbers only, of the last 12 months; the token needs
 * rw_organization_admin, the member an administrator of the Page.
 * Both with the versioned headers of the Posts API (LinkedIn-Version,
 * X-Restli-Protocol-Version: 2.0.0); errors {"status","serviceErrorCode",
 * "code":"ACCESS_DENIED","message"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vault/vault.h"
#include "internal.h"

static const char *const member_q[] = {
	"IMPRESSION", "MEMBERS_REACHED", "RESHARE", NULL
};

/* Add a note to m without clearing its numbers (a post whose reactions
 * were read may still lack its reach). */
static void add_note(struct social_metrics *m, const char *why,
    const char *what)
{
	struct social_metrics t;
	size_t n = strlen(m->note);

	metrics_note(&t, why, what);     /* cleaned for one table cell */
	if (!n)
		snprintf(m->note, sizeof m->note, "%s", t.note);
	else if (!strstr(m->note, t.note))
		snprintf(m->note + n, sizeof m->note - n, "; %s", t.note);
}

/* The count of the first element, or -1. */
static long first_count(json_t *o, const char *key, const char *sub)
{
	json_t *e = json_array_get(json_object_get(o, "elements"), 0);

	if (sub)
		e = json_object_get(e, sub);
	return metrics_count(e, key);
}

int social_linkedin_reach_reply(int kind, long status, const char *body,
    size_t len, long retry_after, struct social_metrics *m,
    time_t *retry_at)
{
	json_t *o = NULL;
	const char *msg = NULL;
	long n;
	int rc = 0;

	*retry_at = 0;
	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(o))
		json_unpack(o, "{s:s}", "message", &msg);
	if (status == 200 && json_is_object(o)) {
		if (kind == LI_REACH_ORG) {
			const char *s = "totalShareStatistics";
			long imp = first_count(o, "impressionCount", s);
			long uniq = first_count(o, "uniqueImpressionsCount", s);
			long sh = first_count(o, "shareCount", s);
			if (imp >= 0)
				m->impressions = imp;
			if (uniq >= 0)
				m->reach = uniq;
			if (sh >= 0)
				m->shares = sh;
			n = imp >= 0 || uniq >= 0 || sh >= 0 ? 0 : -1;
		} else if ((n = first_count(o, "count", NULL)) >= 0) {
			if (kind == LI_REACH_IMPRESSION)
				m->impressions = n;
			else if (kind == LI_REACH_MEMBERS)
				m->reach = n;
			else
				m->shares = n;
		}
		if (n >= 0)
			m->read = 1;
		else
			add_note(m, "LinkedIn has no statistics of it", NULL);
	} else if (status == 200)
		add_note(m, "unreadable statistics reply", NULL);
	else if (status == 403)
		add_note(m, kind == LI_REACH_ORG ? "impressions and reach need the "
		    "rw_organization_admin permission (a Page administrator's "
		    "token)" : "impressions and reach need the "
		    "r_member_postAnalytics permission", NULL);
	else if (status == 404)
		add_note(m, "LinkedIn has no statistics of it", NULL);
	else if ((rc = metrics_whole(NET_LINKEDIN, status, msg, 0, retry_after,
	    retry_at)) == 0) {
		char why[48];
		snprintf(why, sizeof why, "statistics: HTTP %ld", status);
		add_note(m, why, msg);
	}
	json_decref(o);
	return rc;
}

/* One statistics GET of url: 0 (*status the HTTP status), or -1. */
static int stats_get(const char *url, const char *token, const char *ver,
    int kind, struct social_metrics *m, time_t *retry_at, long *status)
{
	const char *extra[] = { ver, "X-Restli-Protocol-Version: 2.0.0", NULL };
	struct http_resp rs;
	int rc;

	*status = 0;
	if (social_get(url, token, extra, 1 << 20, NULL, &rs) < 0)
		return -1;
	*status = rs.status;
	rc = social_linkedin_reach_reply(kind, rs.status, rs.body, rs.len,
	    rs.retry_after, m, retry_at);
	http_resp_free(&rs);
	return rc;
}

int linkedin_reach(const char *base, const char *token, const char *ver,
    const char *urn, struct social_metrics *m, time_t *retry_at)
{
	const char *author = config_get("LINKEDIN_AUTHOR");
	int ugc = strncmp(urn, "urn:li:ugcPost:", 15) == 0, i, rc = 0;
	char *eu = NULL, *ea = NULL;
	struct buf b = { 0 };
	char *url;
	size_t len;
	long status;

	if (!ugc && strncmp(urn, "urn:li:share:", 13) != 0)
		return 0;            /* no statistics of other URNs */
	if (!(eu = http_urlencode(urn)))
		return aie_fail(EX_TEMP, "out of memory");
	if (author && strncmp(author, "urn:li:organization:", 20) == 0) {
		if (!(ea = http_urlencode(author))) {
			free(eu);
			return aie_fail(EX_TEMP, "out of memory");
		}
		buf_addf(&b, "%s/rest/organizationalEntityShareStatistics?q="
		    "organizationalEntity&organizationalEntity=%s&%s=List(%s)",
		    base, ea, ugc ? "ugcPosts" : "shares", eu);
		if (!(url = buf_take(&b, &len)))
			rc = aie_fail(EX_TEMP, "out of memory");
		else
			rc = stats_get(url, token, ver, LI_REACH_ORG, m, retry_at,
			    &status);
		free(url);
	} else
		for (i = 0; member_q[i] && rc == 0; i++) {
			buf_addf(&b, "%s/rest/memberCreatorPostAnalytics?q=entity&"
			    "entity=(%s:%s)&queryType=%s&aggregation=TOTAL", base,
			    ugc ? "ugcPost" : "share", eu, member_q[i]);
			if (!(url = buf_take(&b, &len))) {
				rc = aie_fail(EX_TEMP, "out of memory");
				break;
			}
			rc = stats_get(url, token, ver, LI_REACH_IMPRESSION + i, m,
			    retry_at, &status);
			free(url);
			if (status == 403 || status == 404)
				break;       /* the next ones would say the same */
		}
	free(eu);
	free(ea);
	return rc;
}
