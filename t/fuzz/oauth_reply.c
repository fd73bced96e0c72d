/*
 * oauth_reply.c - libFuzzer harness for what an authorization server and
 * a browser send lib/oauth: the token endpoint's reply to any grant and
 * the device endpoint's reply (oauth_token_reply, oauth_device_reply),
 * LinkedIn's userinfo and Graph's /me/accounts (oauth_userinfo_reply,
 * oauth_pages_reply), and the request head the loopback listener reads
 * (oauth_callback).
 *
 * The input: a provider (first byte), a status (second byte), then the
 * body, which is also a request head for the listener, whose
 * state is "st8".
 */
#include "fuzz.h"

#include "oauth/oauth.h"

static const char *const names[] = { "google", "microsoft", "linkedin",
    "x", "facebook" };

/* A token lib/oauth hands on must be printable, with no space: it is
 * written into a file of lines and an Authorization header. */
static void token_check(const char *what, const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s > 0x7e)
			fz_fail("%s holds byte 0x%02x", what, (unsigned char)*s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 403, 429, 500, 503,
	    302, 201 };
	static struct oauth_tokens t;
	static struct oauth_device d;
	static struct oauth_page pg;
	char urn[128];
	const struct oauth_provider *p;
	const char *body, *status, *page;
	char code[256], *req;
	int pending, r;
	long st;

	if (size < 2)
		return 0;
	p = oauth_provider(names[data[0] % 5]);
	st = statuses[data[1] % (sizeof statuses / sizeof *statuses)];
	body = (const char *)data + 2;
	memset(&t, 0, sizeof t);
	r = oauth_token_reply(p, st, body, size - 2, 1000, &t, &pending);
	if (r == 0) {
		if (st != 200 || !*t.access)
			fz_fail("a %ld reply read as a token", st);
		token_check("access_token", t.access);
		token_check("refresh_token", t.refresh);
		if (t.expires_at && t.expires_at <= 1000)
			fz_fail("expires_at %lld is not after the request", t.expires_at);
	} else {
		if (aie_errcode != EX_TEMP && aie_errcode != EX_CONFIG &&
		    aie_errcode != EX_REFUSED)
			fz_fail("a token reply failure of class %d", aie_errcode);
		if (pending && aie_errcode != EX_TEMP)
			fz_fail("pending with class %d", aie_errcode);
		if (*t.access)
			fz_fail("a failure that left an access token");
	}
	if (oauth_device_reply(p, st, body, size - 2, &d) == 0) {
		token_check("device_code", d.device_code);
		token_check("user_code", d.user_code);
		token_check("verification URL", d.verify_url);
		if (d.interval < 0 || d.expires_in < 1)
			fz_fail("device times %ld %ld", d.interval, d.expires_in);
	}
	if (oauth_userinfo_reply(st, body, size - 2, urn, sizeof urn) == 0 &&
	    (strncmp(urn, "urn:li:person:", 14) != 0 || strpbrk(urn, " \r\n")))
		fz_fail("author %s", urn);
	if (oauth_pages_reply(st, body, size - 2, data[0] & 8 ? "4242" : NULL,
	    &pg) == 0) {
		token_check("page token", pg.token);
		if (!*pg.id || pg.id[strspn(pg.id, "0123456789")])
			fz_fail("page id %s", pg.id);
		if ((data[0] & 8) && strcmp(pg.id, "4242") != 0)
			fz_fail("page %s, not the one asked for", pg.id);
	} else if (*pg.token)
		fz_fail("a page token left on a failure");
	req = fz_cstr(data + 2, size - 2);
	r = oauth_callback(req, "st8", code, sizeof code, &status, &page);
	if (r == 1 && (!*code || !strstr(req, "st8")))
		fz_fail("a code taken without our state");
	if (r != 1 && *code)
		fz_fail("a code left behind on a refusal");
	if (!status || !page || strchr(status, '\n'))
		fz_fail("no answer for the browser");
	free(req);
	return 0;
}
