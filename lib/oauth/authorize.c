/*
 * authorize.c - the first grant, start to end, for oauth-token(1) and
 * social-auth(1): the loopback flow (listen, the link for the browser,
 * the redirect, the code exchanged with its PKCE verifier) or the device
 * flow (a code the owner enters on any device, then polling). The tool
 * shows the link through show(); lib/ prints nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "oauth/oauth.h"

int oauth_authorize(const struct oauth_provider *p, int device,
    long timeout, oauth_show_fn show, void *ctx, struct oauth_tokens *t)
{
	char redirect[64], auth[2048], code[2048];
	struct oauth_pkce k;
	struct oauth_device d;
	char *link;
	int fd, r;

	memset(t, 0, sizeof *t);
	if (device) {
		if (oauth_url(p, "DEVICE", auth, sizeof auth) < 0 ||
		    oauth_device_start(p, &d) < 0)
			return -1;
		if (timeout > 0 && d.expires_in > timeout)
			d.expires_in = timeout;
		show(ctx, d.verify_url, d.user_code);
		r = oauth_device_poll(p, &d, t);
		sodium_memzero(&d, sizeof d);
		return r;
	}
	/* both endpoints checked before the owner goes to the browser */
	if (oauth_url(p, "AUTH", auth, sizeof auth) < 0 ||
	    oauth_url(p, "TOKEN", code, sizeof code) < 0 ||
	    oauth_pkce_new(&k) < 0)
		return -1;
	if (!oauth_get(p, "CLIENT_ID"))
		return aie_fail(EX_CONFIG, "%s_CLIENT_ID is not set (the OAuth "
		    "client ID of the app you registered with %s)", p->prefix,
		    p->name);
	if ((fd = oauth_listen(p, redirect, sizeof redirect)) < 0)
		return -1;
	if (!(link = oauth_auth_link(p, auth, &k, redirect))) {
		close(fd);
		return -1;
	}
	show(ctx, link, NULL);
	free(link);
	r = oauth_wait_code(fd, k.state, timeout, code, sizeof code);
	close(fd);               /* one redirect served: nothing listens now */
	if (r == 0)
		r = oauth_exchange(p, code, k.verifier, redirect, t);
	sodium_memzero(code, sizeof code);
	sodium_memzero(&k, sizeof k);
	return r;
}
