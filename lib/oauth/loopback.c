/*
 * loopback.c - the browser half of the first grant (RFC 8252, RFC 7636):
 * a PKCE verifier and its S256 challenge, the authorization URL, and a
 * one-shot HTTP listener on 127.0.0.1 that takes the redirect.
 *
 * The listener serves one connection at a time and stops at the first
 * request for /callback: other paths (a browser's /favicon.ico) get a
 * 404. A callback whose state is not ours is refused and ends the wait
 * (it was not sent by the provider for this run: RFC 6749 section 10.12),
 * as does one that carries error= (the owner declined).
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http/http.h"
#include "vault/vault.h"
#include "oauth/oauth.h"

#define REQUEST_MAX 8192

static void b64url(char *dst, size_t size, const unsigned char *bin,
    size_t n)
{
	sodium_bin2base64(dst, size, bin, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int oauth_pkce_new(struct oauth_pkce *k)
{
	unsigned char raw[32], hash[crypto_hash_sha256_BYTES];

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	randombytes_buf(raw, sizeof raw);
	b64url(k->verifier, sizeof k->verifier, raw, sizeof raw);
	crypto_hash_sha256(hash, (const unsigned char *)k->verifier,
	    strlen(k->verifier));
	b64url(k->challenge, sizeof k->challenge, hash, sizeof hash);
	randombytes_buf(raw, 16);
	b64url(k->state, sizeof k->state, raw, 16);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

char *oauth_auth_link(const struct oauth_provider *p, const char *auth_url,
    const struct oauth_pkce *k, const char *redirect)
{
	const char *scope = oauth_get(p, "SCOPE");
	const char *id = oauth_get(p, "CLIENT_ID");
	char *eid, *ered, *escope;
	struct buf b = { 0 };

	if (!id) {
		aie_fail(EX_CONFIG, "%s_CLIENT_ID is not set (the OAuth client ID "
		    "of the app you registered with %s)", p->prefix, p->name);
		return NULL;
	}
	eid = http_urlencode(id);
	ered = http_urlencode(redirect);
	escope = http_urlencode(scope ? scope : p->scope);
	buf_addf(&b, "%s%cresponse_type=code&client_id=%s&redirect_uri=%s"
	    "&scope=%s&state=%s&code_challenge=%s&code_challenge_method=S256",
	    auth_url, strchr(auth_url, '?') ? '&' : '?', eid ? eid : "",
	    ered ? ered : "", escope ? escope : "", k->state, k->challenge);
	if (p->auth_extra)
		buf_addf(&b, "&%s", p->auth_extra);
	b.oom |= !eid || !ered || !escope;
	free(eid);
	free(ered);
	free(escope);
	if (b.oom) {
		buf_free(&b);
		aie_fail(EX_TEMP, "out of memory");
		return NULL;
	}
	return buf_take(&b, NULL);
}

int oauth_listen(const struct oauth_provider *p, char *redirect,
    size_t size)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof a;
	const char *v = oauth_get(p, "REDIRECT_PORT");
	long port = p->redirect_port;
	char *end;
	int fd;

	if (v && ((errno = 0), port = strtol(v, &end, 10), errno || *end ||
	    port < 0 || port > 65535))
		return aie_fail(EX_CONFIG, "%s_REDIRECT_PORT: not a port number "
		    "(0-65535)", p->prefix);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return aie_fail_errno(EX_TEMP, "socket");
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		aie_fail_errno(EX_TEMP, "127.0.0.1:%ld: cannot listen for the "
		    "redirect", port);
		close(fd);
		return -1;
	}
	snprintf(redirect, size, "http://127.0.0.1:%u/callback",
	    (unsigned)ntohs(a.sin_port));
	return fd;
}

/* The value of name in the query q (up to a space), %-decoded, into dst:
 * 1, 0 when absent, -1 when too long. */
static int query_value(const char *q, const char *name, char *dst,
    size_t size)
{
	size_t k = strlen(name), n = 0;
	const char *p;

	for (p = q; p && *p && *p != ' '; p = strchr(p, '&'), p = p ? p + 1 : p)
		if (strncmp(p, name, k) == 0 && p[k] == '=') {
			for (p += k + 1; *p && *p != '&' && *p != ' '; p++) {
				unsigned c = (unsigned char)*p;
				if (c == '%' && isxdigit((unsigned char)p[1]) &&
				    isxdigit((unsigned char)p[2]) &&
				    sscanf(p + 1, "%2x", &c) == 1)
					p += 2;
				else if (c == '+')
					c = ' ';
				if (n + 1 >= size)
					return -1;
				dst[n++] = (char)c;
			}
			dst[n] = '\0';
			return 1;
		}
	return 0;
}

static void answer(int c, const char *status, const char *text)
{
	char msg[1024];
	int n = snprintf(msg, sizeof msg, "HTTP/1.1 %s\r\nContent-Type: "
	    "text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", status,
	    strlen(text), text);

	/* the browser's page only: a failed write changes nothing here */
	if (n > 0 && write(c, msg, (size_t)n) < 0)
		return;
}

/* Read one request head from c, at most 5 s: its length, or -1. */
static ssize_t read_head(int c, char *req, size_t size)
{
	struct pollfd pf = { c, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		if (poll(&pf, 1, 5000) <= 0)
			return -1;
		if ((n = read(c, req + len, size - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			return (ssize_t)len;
	}
	return -1;
}

int oauth_callback(const char *req, const char *state, char *code,
    size_t size, const char **status, const char **page)
{
	char got[128], err[128];
	const char *q;

	*code = '\0';
	if (strncmp(req, "GET /callback", 13) != 0 ||
	    (req[13] != '?' && req[13] != ' ')) {
		*status = "404 Not Found";
		*page = "not found";
		return 0;
	}
	*status = "400 Bad Request";
	q = req + 14;
	if (query_value(q, "state", got, sizeof got) != 1 ||
	    strlen(got) != strlen(state) ||
	    sodium_memcmp(got, state, strlen(state)) != 0) {
		*page = "<p>This answer was not for this run (its state differs). "
		    "Nothing was stored.";
		return aie_fail(EX_DATA, "the redirect's state is not the one "
		    "sent: refused (start again)");
	}
	if (query_value(q, "error", err, sizeof err) != 0) {
		*status = "200 OK";
		*page = "<p>Not authorised. Nothing was stored.";
		for (char *s = err; *s; s++)
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				*s = '?';
		return aie_fail(EX_REFUSED, "the authorisation was declined "
		    "(%.60s)", err);
	}
	if (query_value(q, "code", code, size) != 1 || !*code) {
		*code = '\0';
		*page = "<p>No code came. Nothing was stored.";
		return aie_fail(EX_DATA, "the redirect carries no code");
	}
	*status = "200 OK";
	*page = "<!doctype html><title>ai-employee</title><p>Authorised. You "
	    "may close this tab.";
	return 1;
}

/* One connection: 1 with the code, 0 for another path (keep waiting),
 * -1 to stop. */
static int one_request(int c, const char *state, char *code, size_t size)
{
	char req[REQUEST_MAX];
	const char *status, *page;
	int r;

	if (read_head(c, req, sizeof req) < 0) {
		answer(c, "400 Bad Request", "bad request");
		return 0;
	}
	r = oauth_callback(req, state, code, size, &status, &page);
	answer(c, status, page);
	return r;
}

int oauth_wait_code(int fd, const char *state, long timeout, char *code,
    size_t size)
{
	time_t end = time(NULL) + timeout;
	struct pollfd pf = { fd, POLLIN, 0 };
	int c, r;

	for (;;) {
		time_t left = end - time(NULL);
		if (left <= 0)
			return aie_fail(EX_TEMP, "no redirect came within %ld s",
			    timeout);
		if ((r = poll(&pf, 1, (int)(left > 60 ? 60000 : left * 1000))) < 0) {
			if (errno == EINTR && !loop_stop)
				continue;
			return aie_fail(EX_TEMP, "stopped while waiting for the "
			    "redirect");
		}
		if (r == 0)
			continue;
		if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return aie_fail_errno(EX_TEMP, "accept");
		}
		r = one_request(c, state, code, size);
		close(c);
		if (r != 0)
			return r > 0 ? 0 : -1;
	}
}
