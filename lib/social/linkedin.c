/*
 * linkedin.c - a text post through the LinkedIn Posts API.
 *
 * POST {LINKEDIN_API_URL}/rest/posts with the member's (or organization's)
 * URN as author, LinkedIn-Version (LINKEDIN_VERSION, YYYYMM; LinkedIn
 * keeps each version about a year) and X-Restli-Protocol-Version 2.0.0.
 * Success is 201 with an empty body and the post's URN in x-restli-id.
 * Errors are {"message","status","serviceErrorCode"}, and for a duplicate
 * 422 with errorDetails.inputErrors[].code DUPLICATE_POST. commentary is
 * "little text": \ | { } @ [ ] ( ) < > # * _ ~ are escaped with a
 * backslash, or LinkedIn reads them as markup (a mention, a hashtag
 * template) and may drop the rest of the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

/* The text with little text's reserved characters escaped; malloc'd. */
static char *little_text(const char *s)
{
	struct buf b = { 0 };
	size_t len;

	for (; *s; s++) {
		if (strchr("\\|{}@[]()<>#*_~", *s))
			buf_addc(&b, '\\');
		buf_addc(&b, *s);
	}
	return buf_take(&b, &len);
}

/* Is DUPLICATE_POST the code of the error or of one of its input errors? */
static int duplicate(json_t *o)
{
	json_t *errs, *e;
	const char *code;
	size_t i;

	if (json_unpack(o, "{s:s}", "code", &code) == 0 &&
	    strcmp(code, "DUPLICATE_POST") == 0)
		return 1;
	if (json_unpack(o, "{s:{s:o}}", "errorDetails", "inputErrors",
	    &errs) < 0 || !json_is_array(errs))
		return 0;
	json_array_foreach(errs, i, e)
		if (json_unpack(e, "{s:s}", "code", &code) == 0 &&
		    strcmp(code, "DUPLICATE_POST") == 0)
			return 1;
	return 0;
}

int linkedin_reply(long status, const char *body, size_t len,
    const char *restli_id, long retry_after, struct social_result *r)
{
	json_t *o = NULL;
	const char *msg = NULL;
	int dup = 0, rc;

	if (status >= 200 && status < 300) {
		/* published: an ID we cannot read does not undo that */
		if (restli_id && strncmp(restli_id, "urn:li:", 7) == 0 &&
		    strlen(restli_id) < sizeof r->id &&
		    restli_id[strspn(restli_id, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-")] == '\0') {
			snprintf(r->id, sizeof r->id, "%s", restli_id);
			snprintf(r->url, sizeof r->url,
			    "https://www.linkedin.com/feed/update/%s/", restli_id);
		} else
			snprintf(r->id, sizeof r->id, "unknown");
		return 0;
	}
	if (body && len && (o = json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    NULL)) && json_is_object(o)) {
		json_unpack(o, "{s:s}", "message", &msg);
		dup = duplicate(o);
	}
	if (status == 403)
		rc = aie_fail(EX_CONFIG, "linkedin: the token may not post for "
		    "LINKEDIN_AUTHOR (HTTP 403): authorise the app again with the "
		    "w_member_social (or w_organization_social) permission");
	else
		rc = social_fail(NET_LINKEDIN, status, dup && status == 422, 0, msg,
		    0, retry_after, r);
	json_decref(o);
	return rc;
}

int linkedin_publish(const struct social_post *p, struct social_result *r)
{
	const char *base, *token, *author, *version;
	char auth[4200], ver[64], url[1024], *text = NULL, *body = NULL;
	const char *hdrs[] = { auth, ver, "X-Restli-Protocol-Version: 2.0.0",
	    "Content-Type: application/json", NULL };
	struct http_req rq = { 0 };
	struct http_resp rs;
	json_t *o = NULL;
	int rc = -1;

	base = config_get_default("LINKEDIN_API_URL", "https://api.linkedin.com");
	version = config_get_default("LINKEDIN_VERSION", "202511");
	if (social_need("LINKEDIN_TOKEN", &token) < 0 ||
	    social_need("LINKEDIN_AUTHOR", &author) < 0)
		return -1;
	if (strncmp(author, "urn:li:person:", 14) != 0 &&
	    strncmp(author, "urn:li:organization:", 20) != 0)
		return aie_fail(EX_CONFIG, "LINKEDIN_AUTHOR is not a urn:li:person: "
		    "or urn:li:organization: URN");
	if (social_bearer(auth, sizeof auth, token) < 0)
		return -1;
	snprintf(ver, sizeof ver, "LinkedIn-Version: %.20s", version);
	snprintf(url, sizeof url, "%s/rest/posts", base);
	if (!(text = little_text(p->text)) ||
	    !(o = json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:[]}, s:s, s:b}",
	    "author", author, "commentary", text, "visibility", "PUBLIC",
	    "distribution", "feedDistribution", "MAIN_FEED", "targetEntities",
	    "thirdPartyDistributionChannels", "lifecycleState", "PUBLISHED",
	    "isReshareDisabledByAuthor", 0)) ||
	    !(body = json_dumps(o, JSON_COMPACT))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.timeout = social_timeout();
	rq.max_response = 1 << 20;
	rq.capture = "x-restli-id";
	if (social_send(&rq, &rs, r) == 0) {
		rc = linkedin_reply(rs.status, rs.body, rs.len, rs.captured,
		    rs.retry_after, r);
		http_resp_free(&rs);
	}
out:
	sodium_memzero(auth, sizeof auth);
	json_decref(o);
	free(text);
	free(body);
	return rc;
}
