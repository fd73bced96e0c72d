/*
 * postrule.c - a post is approved only when it meets its network's rule
 * (see draft-post(1), vault(5) Post drafts): draft-post checked it when it
 * was filed, but the draft may have been edited since, and the owner
 * should not approve what the network would refuse for its length. The
 * executor checks once more before publishing.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "social/social.h"

int approval_post_rule(const struct item *it, const char *id)
{
	char *action = fm_get(it, "action"), *net = NULL, *link = NULL,
	    *media = NULL, *text = NULL;
	enum social_net n;
	int r = 0;

	if (!action || strcmp(action, "post") != 0)
		goto out;
	net = fm_get(it, "network");
	link = fm_get(it, "link");
	media = fm_get(it, "media");
	r = -1;
	if (social_net_parse(net, &n) < 0 ||
	    !(text = social_compose(n, it->body, link)) ||
	    social_check(n, text, media) < 0) {
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
	free(text);
	return r;
}
