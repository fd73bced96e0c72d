/*
 * social_metrics.c - libFuzzer harness for the replies social-report(1)
 * reads: LinkedIn's socialActions, X's tweet lookup with public_metrics
 * and the Graph API's post summaries (social_metrics_reply, the code that
 * reads the real ones) and the Graph insights edge of a Page post or an
 * Instagram media (social_insights_reply), in success and in every error
 * class.
 *
 * The input: a network (first byte: linkedin, x, facebook, instagram, or
 * a Facebook post's insights), a status (second byte, one of the
 * list below), then the x-rate-limit-reset header up to the first
 * newline, then the reply body. The IDs asked for are fixed, so that a
 * body naming them is found.
 */
#include "fuzz.h"

#include "vault/vault.h"
#include "social/social.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 403, 404, 429, 500,
	    503, 302 };
	static const char *const ids[] = { "1800000000000000001",
	    "1800000000000000002", "urn:li:share:7100000000000000001" };
	struct social_metrics m[3];
	struct fz_reply r;
	enum social_net net;
	const char *const *asked;
	size_t k, i;
	time_t retry_at;
	int rc;

	if (fz_reply(data, size, statuses, sizeof statuses / sizeof *statuses,
	    &r) < 0)
		return 0;
	net = (enum social_net)(data[0] % 5 % NET_COUNT);
	asked = net == NET_LINKEDIN ? ids + 2 : ids;
	k = net == NET_X ? 2 : 1;
	memset(m, 0xa5, sizeof m);
	if (data[0] % 5 == 4)
		rc = social_insights_reply(NET_FACEBOOK, r.status, r.body, r.len,
		    r.retry_after, m, &retry_at);
	else
		rc = social_metrics_reply(net, r.status, r.body, r.len, r.header,
		    r.retry_after, asked, k, m, &retry_at);
	fz_reply_free(&r);
	if (rc != 0 && aie_errcode != EX_TEMP && aie_errcode != EX_CONFIG)
		fz_fail("a failure of class %d", aie_errcode);
	if (rc == 0 && retry_at)
		fz_fail("a retry time without a failure");
	if (rc == 0 && (r.status == 401 || r.status == 429 || r.status >= 500))
		fz_fail("a %ld reply read as a success", r.status);
	for (i = 0; rc == 0 && i < k; i++) {
		if (m[i].read != 0 && m[i].read != 1)
			fz_fail("post %zu neither read nor not", i);
		if (!m[i].read && !memchr(m[i].note, '\0', sizeof m[i].note))
			fz_fail("post %zu: a note without its end", i);
		if (!m[i].read && !m[i].note[0])
			fz_fail("post %zu: not read and no reason", i);
		if (m[i].reactions < -1 || m[i].comments < -1 ||
		    m[i].shares < -1 || m[i].impressions < -1 || m[i].reach < -1)
			fz_fail("post %zu: a negative count", i);
		if (!m[i].read && strpbrk(m[i].note, "\n\r|"))
			fz_fail("post %zu: a note that breaks the table", i);
		if (r.status != 200 && m[i].read)
			fz_fail("post %zu read from a %ld reply", i, r.status);
	}
	return 0;
}
