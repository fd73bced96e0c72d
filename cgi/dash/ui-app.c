/*
 * ui-app.c - what makes the dashboard an app on the phone's home screen
 * (see ai-employee-dashboard(1)): the web app manifest, its icon, the
 * service worker and the offline page it falls back to. All four hold
 * nothing of the vault, so they are served without a session: the
 * browser fetches a manifest and an icon without cookies.
 */
#include <string.h>
#include <sys/uio.h>

#include "dash/dash.h"
#include "base/base.h"

static int asset(struct dashctx *c, const char *ctype, const char *text)
{
	struct iovec part = { (void *)text, strlen(text) };

	return web_sendv(&c->w, 200, ctype, &part, 1);
}

int app_manifest(struct dashctx *c)
{
	return asset(c, "application/manifest+json", asset_manifest_webmanifest);
}

int app_icon(struct dashctx *c)
{
	return asset(c, "image/svg+xml", asset_icon_svg);
}

int app_worker(struct dashctx *c)
{
	return asset(c, "text/javascript; charset=utf-8", asset_sw_js);
}

/* What the service worker shows when a page cannot be reached; its
 * script tells how long ago one last could (sw.js stamps it). */
int page_offline(struct dashctx *c)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, NULL, NULL, c->now, NULL };

	page_begin(&p, "Offline");
	buf_addf(&b, "<header><h1>AI Employee</h1></header><main><h2>Offline</h2>"
	    "<p id=\"last\">Offline \xe2\x80\x94 "
	    "the dashboard cannot be reached: no network, or its server is "
	    "down.</p><p>Nothing was lost: decisions are made only when the "
	    "dashboard answers.</p><p><a class=\"btn\" href=\"/\">Try again"
	    "</a></p></main><script nonce=\"%s\">%s</script>", c->w.nonce,
	    asset_offline_js);
	page_end(&p);
	return html_reply(c, 200, &b);
}
