/*
 * social_reply.c - libFuzzer harness for what the social publishers take
 * from the network and what draft-post takes from a model: the replies of
 * LinkedIn, X, the Graph API and Instagram to a publish (social_reply,
 * through the same code that reads the real ones), to the steps before it
 * (social_upload_reply: LinkedIn's initializeUpload, X's media upload,
 * Instagram's container and its status; X's token endpoint's reply to a
 * refresh is lib/oauth's, fuzzed by oauth_reply.c), a JPEG's frame size (Instagram's aspect ratio), and the rules
 * check, X's weighted
 * count, the composition and the prompt of a post (lib/social/).
 *
 * The input: a network (first byte, mod 4; bit 2 the step: Instagram's
 * status, LinkedIn's image status), a
 * status (second byte, one of statuses[]), then the kept header
 * (x-restli-id, x-rate-limit-reset, or LinkedIn's API base for an upload)
 * up to the first newline, then the reply body (see fz_reply). The
 * input up to its first NUL is also the text of a post.
 */
#include "fuzz.h"

#include "vault/vault.h"
#include "social/social.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 201, 400, 401, 403, 404, 422,
	    429, 500, 503, 302, 100 };
	struct social_result r, u;
	struct fz_reply in;
	enum social_net net;
	char id[256], url[2048];
	char *s, *sys = NULL, *user = NULL;
	int rc;

	if (fz_reply(data, size, statuses, sizeof statuses / sizeof *statuses,
	    &in) < 0)
		return 0;
	net = (enum social_net)(data[0] % 4);
	rc = social_reply(net, in.status, in.body, in.len, in.header,
	    in.retry_after, &r);
	/* a step before the post publishes nothing: never "maybe sent", and
	 * the URL that gets the token is LinkedIn's (https) or under its base */
	url[0] = id[0] = '\0';
	if (social_upload_reply(net, (data[0] >> 2) & 1, in.status, in.body,
	    in.len, in.header, in.retry_after, id, sizeof id, url, sizeof url,
	    &u) == 0) {
		if (!*id)
			fz_fail("an upload step read without an id");
		if (net == NET_LINKEDIN && !((data[0] >> 2) & 1) &&
		    strncmp(url, "https://", 8) != 0 &&
		    (!in.header || !*in.header ||
		    strncmp(url, in.header, strlen(in.header)) != 0))
			fz_fail("an upload URL outside LinkedIn and its base: %s", url);
	} else if (aie_errcode != EX_DATA && aie_errcode != EX_TEMP &&
	    aie_errcode != EX_CONFIG)
		fz_fail("an upload step failure of class %d", aie_errcode);
	if (u.maybe_sent)
		fz_fail("an upload step said the post may be out");
	/* a published post is never a failure: it would be published again */
	if (in.status >= 200 && in.status < 300 && (rc != 0 || !*r.id))
		fz_fail("a %ld reply read as a failure", in.status);
	if (rc != 0 && aie_errcode != EX_DATA && aie_errcode != EX_TEMP &&
	    aie_errcode != EX_CONFIG)
		fz_fail("a failure of class %d", aie_errcode);
	if (r.retry_at && rc == 0)
		fz_fail("a retry time on a success");
	fz_reply_free(&in);
	s = fz_cstr(data, size);
	(void)social_x_length(s);
	{
		unsigned w, h;
		if (social_jpeg_size(data, size, &w, &h) == 0 && (!w || !h))
			fz_fail("a JPEG size of zero");
	}
	(void)social_check(net, s, s);
	(void)social_check(NET_INSTAGRAM, s, NULL);
	free(social_compose(net, s, s));
	free(social_offline(net, s));
	if (social_prompt(net, s, s, &sys, &user) == 0) {
		free(sys);
		free(user);
	}
	free(s);
	return 0;
}
