/*
 * postrule.c - a post is approved only when it meets its network's rule
 * (see draft-post(1), vault(5) Post drafts): draft-post checked it when it
 * was filed, but the draft may have been edited since, and the owner
 * should not approve what the network would refuse for its length, nor
 * an image other than the ones drafted (media_sha256, one digest for each
 * image of media), more images than the network takes, nor an image
 * description the network would not take (media_alt). The executor
 * checks them once more before publishing.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "social/social.h"

int approval_post_rule(struct vault *v, const struct item *it,
    const char *id)
{
	char *action = fm_get(it, "action"), *net = NULL, *link = NULL,
	    *media = NULL, *sha = NULL, *alt = NULL, *text = NULL;
	struct social_images im = { 0 };
	enum social_net n;
	int r = 0;

	if (!action || strcmp(action, "post") != 0)
		goto out;
	net = fm_get(it, "network");
	link = fm_get(it, "link");
	media = fm_get(it, "media");
	sha = fm_get(it, "media_sha256");
	alt = fm_get(it, "media_alt");
	r = -1;
	/* the image the owner saw is the one signed: its bytes now must have
	 * the digest recorded when it was drafted */
	if (social_net_parse(net, &n) < 0 ||
	    !(text = social_compose(n, it->body, link)) ||
	    social_check(n, text, media) < 0 ||
	    social_images_verify(v->dirfd, n, media, sha, alt, &im) < 0) {
		char msg[sizeof aie_errmsg];
		snprintf(msg, sizeof msg, "%s", aie_errmsg);
		aie_fail(EX_DATA, "%s: %s; approval refused", id, msg);
		goto out;
	}
	r = 0;
out:
	free(action);
	free(net);
	free(link);
	free(media);
	free(sha);
	free(alt);
	free(text);
	social_images_free(&im);
	return r;
}
