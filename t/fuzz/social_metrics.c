/*
 * social_metrics.c - libFuzzer harness for the replies social-report(1)
 * reads: LinkedIn's socialActions, X's tweet lookup with public_metrics
 * and the Graph API's post summaries (social_metrics_reply, the code that
 * reads the real ones) and the Graph insights edge of a Page post or an
 * Instagram media (social_insights_reply) and LinkedIn's post statistics
 * (social_linkedin_reach_reply: an organization's, or one of a member's
 * three), in success and in every error class.
 *
 * The input: a network (first byte mod 9: linkedin, x, facebook,
 * instagram, a Facebook post's insights, or LinkedIn's statistics of
 * kind 0 to 3), a status (second byte, one of the
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
	int rc, sel = data && size ? data[0] % 9 : 0;

	if (fz_reply(data, size, statuses, sizeof statuses / sizeof *statuses,
	    &r) < 0)
		return 0;
	net = (enum social_net)(sel % 5 % NET_COUNT);
	if (sel >= 5)
		net = NET_LINKEDIN;
	asked = net == NET_LINKEDIN ? ids + 2 : ids;
	k = net == NET_X ? 2 : 1;
	memset(m, 0xa5, sizeof m);
	if (sel >= 5) {
		/* added to what socialActions gave: here nothing */
		m[0].reactions = m[0].comments = m[0].shares = -1;
		m[0].impressions = m[0].reach = -1;
		m[0].read = 0;
		m[0].note[0] = '\0';
		rc = social_linkedin_reach_reply(sel - 5, r.status, r.body, r.len,
		    r.retry_after, m, &retry_at);
	} else if (sel == 4)
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
		if (!memchr(m[i].note, '\0', sizeof m[i].note))
			fz_fail("post %zu: a note without its end", i);
		if (!m[i].read && !m[i].note[0])
			fz_fail("post %zu: not read and no reason", i);
		if (m[i].reactions < -1 || m[i].comments < -1 ||
		    m[i].shares < -1 || m[i].impressions < -1 || m[i].reach < -1)
			fz_fail("post %zu: a negative count", i);
		if (strpbrk(m[i].note, "\n\r|"))
			fz_fail("post %zu: a note that breaks the table", i);
		if (r.status != 200 && m[i].read)
			fz_fail("post %zu read from a %ld reply", i, r.status);
	}
	return 0;
}
