/*
 * web.c - request decoding, escaping and replies for the dashboard CGI.
 *
 * Built as cgit builds its CGI: the environment is read once into struct
 * web; the query string and the POST body go through one decoder that
 * keeps only whitelisted keys, refuses what is malformed instead of
 * guessing, and caps every length; HTML is written only through escaping
 * helpers, one per context; web_send is the one place headers are made.
 * Nothing here prints except web_send.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"
#include "web/web.h"

/* Text nodes need & < >; quotes too, so a slip into an attribute still
 * cannot break out. Attribute values (always inside double quotes) also
 * need newlines and tabs, which attribute normalisation would eat. */
static void html_escape(struct buf *b, const char *s, int attr)
{
	const char *p;

	for (p = s; *p; p++) {
		switch (*p) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		case '\n': buf_adds(b, attr ? "&#10;" : "\n"); break;
		case '\r': buf_adds(b, attr ? "&#13;" : "\r"); break;
		case '\t': buf_adds(b, attr ? "&#9;" : "\t"); break;
		default: buf_add(b, p, 1);
		}
	}
}

void html_text(struct buf *b, const char *s)
{
	html_escape(b, s, 0);
}

void html_attr(struct buf *b, const char *s)
{
	html_escape(b, s, 1);
}

/* One URL component: everything but unreserved characters %-encoded.
 * The result is also safe inside an attribute. */
void url_part(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~') {
			buf_add(b, (const char *)p, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 15];
		buf_add(b, e, 3);
	}
}

static void shown_piece(void *ctx, const char *s, size_t n, const char *mark)
{
	struct buf *b = ctx;
	char *t;

	if (mark) {
		buf_adds(b, "<span class=\"mk\">\xe2\x9f\xa6");
		html_text(b, mark);
		buf_adds(b, "\xe2\x9f\xa7</span>");
		return;
	}
	/* a plain piece holds no NUL: show_split marks every one */
	if ((t = strndup(s, n))) {
		html_text(b, t);
		free(t);
	} else {
		b->oom = 1;
	}
}

void html_shown(struct buf *b, const char *s, size_t len, int multiline)
{
	show_split(s, len, multiline, shown_piece, b);
}

void html_shown_str(struct buf *b, const char *s)
{
	html_shown(b, s, strlen(s), 0);
}

static const char *env(const char *k)
{
	const char *v = getenv(k);

	return v ? v : "";
}

int web_init(struct web *w)
{
	const char *cl, *https;
	unsigned char rnd[16];
	char *end;

	memset(w, 0, sizeof *w);
	if (!getenv("REQUEST_METHOD"))
		return -1;
	if (sodium_init() < 0)
		return -1;
	w->method = env("REQUEST_METHOD");
	w->path = env("PATH_INFO");
	if (!*w->path)
		w->path = "/";
	w->query = env("QUERY_STRING");
	w->cookie = env("HTTP_COOKIE");
	w->remote_addr = env("REMOTE_ADDR");
	w->host = env("HTTP_HOST");
	w->server_port = env("SERVER_PORT");
	w->origin = env("HTTP_ORIGIN");
	w->referer = env("HTTP_REFERER");
	w->content_type = env("CONTENT_TYPE");
	w->if_none_match = env("HTTP_IF_NONE_MATCH");
	w->accept = env("HTTP_ACCEPT");
	w->requested_with = env("HTTP_X_REQUESTED_WITH");
	https = env("HTTPS");
	w->https = !strcasecmp(https, "on") || !strcmp(https, "1");
	w->head = !strcmp(w->method, "HEAD");
	w->post = !strcmp(w->method, "POST");
	w->content_length = -1;
	cl = getenv("CONTENT_LENGTH");
	if (cl && *cl) {
		errno = 0;
		w->content_length = strtol(cl, &end, 10);
		if (errno || *end || w->content_length < 0)
			w->content_length = -2;   /* malformed */
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2base64(w->nonce, sizeof w->nonce, rnd, sizeof rnd,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return 0;
}

void web_free(struct web *w)
{
	size_t i;

	for (i = 0; i < w->nfields; i++) {
		sodium_memzero(w->fields[i].value, strlen(w->fields[i].value));
		free(w->fields[i].value);
	}
	w->nfields = 0;
}

/* Decode s[0..n) (+ and %XX) into out (size WEB_FIELD_MAX + 1); -1 on a
 * bad escape, a NUL, or a value too long. */
static int unescape(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((h = hex_value((unsigned char)s[i + 1])) < 0 ||
			    (l = hex_value((unsigned char)s[i + 2])) < 0)
				return -1;
			c = (char)(h * 16 + l);
			i += 2;
		}
		if (c == '\0' || o >= WEB_FIELD_MAX)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

static int decode(struct web *w, const char *s, size_t len,
    const char *const *allowed)
{
	char key[64], *val;
	size_t i = 0, klen, vlen;

	if (!(val = malloc(WEB_FIELD_MAX + 1)))
		return 500;
	while (i < len) {
		size_t start = i, eq = (size_t)-1, j, k;
		for (; i < len && s[i] != '&'; i++)
			if (s[i] == '=' && eq == (size_t)-1)
				eq = i;
		if (i == start) {        /* "&&" or a trailing "&" */
			i++;
			continue;
		}
		if (eq == (size_t)-1)
			eq = i;
		if (eq - start >= sizeof key ||
		    unescape(s + start, eq - start, val, &klen) < 0 ||
		    klen >= sizeof key)
			goto bad;
		memcpy(key, val, klen + 1);
		if (unescape(s + eq + (eq < i), i - eq - (eq < i), val, &vlen) < 0)
			goto bad;
		i++;
		for (k = 0; allowed[k] && strcmp(allowed[k], key); k++)
			;
		if (!allowed[k]) {
			if (!w->dropped[0])
				memcpy(w->dropped, key, klen + 1);
			continue;
		}
		for (j = 0; j < w->nfields; j++)
			if (!strcmp(w->fields[j].key, key))
				goto bad;
		if (w->nfields >= WEB_FIELDS)
			goto bad;
		w->fields[w->nfields].key = allowed[k];
		if (!(w->fields[w->nfields].value = strdup(val))) {
			free(val);
			return 500;
		}
		w->nfields++;
	}
	sodium_memzero(val, WEB_FIELD_MAX + 1);
	free(val);
	return 0;
bad:
	sodium_memzero(val, WEB_FIELD_MAX + 1);
	free(val);
	return 400;
}

int web_decode_query(struct web *w, const char *const *allowed)
{
	size_t n = strlen(w->query);

	if (n > WEB_BODY_MAX)
		return 414;
	return decode(w, w->query, n, allowed);
}

int web_decode_form(struct web *w, const char *const *allowed)
{
	char *body;
	size_t have = 0, ctlen;
	ssize_t n;
	int r;

	ctlen = strcspn(w->content_type, ";");
	while (ctlen && w->content_type[ctlen - 1] == ' ')
		ctlen--;
	if (ctlen != 33 || strncasecmp(w->content_type,
	    "application/x-www-form-urlencoded", 33))
		return 415;
	if (w->content_length == -1)
		return 411;
	if (w->content_length < 0)
		return 400;
	if (w->content_length > WEB_BODY_MAX)
		return 413;
	if (!(body = malloc((size_t)w->content_length + 1)))
		return 500;
	w->body_read = 1;
	while (have < (size_t)w->content_length) {
		n = read(0, body + have, (size_t)w->content_length - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have != (size_t)w->content_length) {
		free(body);
		return 400;
	}
	body[have] = '\0';
	r = decode(w, body, have, allowed);
	sodium_memzero(body, have);
	free(body);
	return r;
}

const char *web_get(const struct web *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->nfields; i++)
		if (!strcmp(w->fields[i].key, key))
			return w->fields[i].value;
	return NULL;
}

int web_cookie(const struct web *w, const char *name, char *out, size_t size)
{
	const char *p = w->cookie;
	size_t nlen = strlen(name), vlen;

	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		vlen = strcspn(p, ";");
		if (vlen > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			vlen -= nlen + 1;
			while (vlen && p[nlen + 1 + vlen - 1] == ' ')
				vlen--;
			if (vlen >= size)
				return -1;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p += strcspn(p, ";");
	}
	return -1;
}

/* This site's origin: DASHBOARD_ORIGIN when set (behind a proxy or a port
 * forward), else scheme from HTTPS, host from HTTP_HOST and, when the host
 * carries none (Debian's fastcgi_params passes $host), SERVER_PORT unless
 * it is the scheme's default. */
static int expected_origin(const struct web *w, char *out, size_t size)
{
	const char *conf = config_get("DASHBOARD_ORIGIN");
	const char *bracket = strrchr(w->host, ']');
	const char *colon = strrchr(bracket ? bracket : w->host, ':');
	int dflt = !strcmp(w->server_port, w->https ? "443" : "80");
	int n;

	if (conf)
		n = snprintf(out, size, "%s", conf);
	else if (!*w->host)
		return -1;
	else if (colon || !*w->server_port || dflt)
		n = snprintf(out, size, "%s://%s", w->https ? "https" : "http",
		    w->host);
	else
		n = snprintf(out, size, "%s://%s:%s", w->https ? "https" : "http",
		    w->host, w->server_port);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* o equals the origin, or (for a Referer) starts with it and a "/". */
static int origin_is(const struct web *w, const char *o, int prefix)
{
	char want[300];
	size_t n;

	if (expected_origin(w, want, sizeof want) < 0)
		return 0;
	n = strlen(want);
	if (strncasecmp(o, want, n))
		return 0;
	o += n;
	return prefix ? (*o == '\0' || *o == '/') : *o == '\0';
}

int web_same_origin(const struct web *w)
{
	if (*w->origin)
		return origin_is(w, w->origin, 0);
	if (*w->referer)
		return origin_is(w, w->referer, 1);
	return 0;
}

int web_wants_json(const struct web *w)
{
	return strstr(w->accept, "application/json") != NULL ||
	    *w->requested_with != '\0';
}

static const char *web_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* Read and drop a request body nobody read, up to a cap: fcgiwrap turns
 * a CGI that exits with its body unread into a 502. */
static void drain(struct web *w)
{
	char junk[8192];
	long left = w->content_length;
	ssize_t n;

	if (w->body_read || left <= 0)
		return;
	w->body_read = 1;
	if (left > 16L << 20)
		left = 16L << 20;
	while (left > 0) {
		n = read(0, junk, (size_t)left < sizeof junk ? (size_t)left :
		    sizeof junk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= n;
	}
}

/* head, then the body's parts, to stdout in one writev(2) (while the
 * pipe takes it all): one wake-up of fcgiwrap for a whole reply, the body
 * not copied. A failed write has no one to tell: the client is gone. */
static void send_parts(const char *head, size_t hlen,
    const struct iovec *body, int nbody)
{
	struct iovec iov[1 + WEB_PARTS_MAX], *v = iov;
	int i, n = 1;
	ssize_t done;

	iov[0].iov_base = (void *)head;
	iov[0].iov_len = hlen;
	for (i = 0; i < nbody; i++)
		if (body[i].iov_len)
			iov[n++] = body[i];
	fflush(stdout);
	while (n > 0) {
		done = writev(STDOUT_FILENO, v, n);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return;
		for (; n > 0 && (size_t)done >= v->iov_len; v++, n--)
			done -= (ssize_t)v->iov_len;
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + done;
			v->iov_len -= (size_t)done;
		}
	}
}

int web_send(struct web *w, int status, const char *ctype,
    const struct buf *body)
{
	struct iovec part;

	if (body && body->oom)
		return web_sendv(w, 500, "text/plain; charset=utf-8", NULL, -1);
	if (!body)
		return web_sendv(w, status, ctype, NULL, 0);
	part.iov_base = body->p;
	part.iov_len = body->len;
	return web_sendv(w, status, ctype, &part, 1);
}

int web_sendv(struct web *w, int status, const char *ctype,
    const struct iovec *parts, int nparts)
{
	static const char oom[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\nContent-Length: 14\r\n\r\n"
	    "out of memory\n";
	struct buf h = { 0 };
	size_t blen = 0;
	int i, with_body;

	drain(w);
	if (nparts < 0 || nparts > WEB_PARTS_MAX) {  /* no body, or a bad call */
		status = 500;
		ctype = "text/plain; charset=utf-8";
		parts = NULL;
		nparts = 0;
	}
	with_body = parts && status != 304;
	for (i = 0; with_body && i < nparts; i++)
		blen += parts[i].iov_len;
	buf_addf(&h, "Status: %d %s\r\n", status, web_reason(status));
	if (ctype && status != 304)
		buf_addf(&h, "Content-Type: %s\r\n", ctype);
	if (w->location)
		buf_addf(&h, "Location: %s\r\n", w->location);
	if (w->set_cookie)
		buf_addf(&h, "Set-Cookie: %s\r\n", w->set_cookie);
	if (*w->etag)
		buf_addf(&h, "ETag: %s\r\nCache-Control: no-cache, private\r\n",
		    w->etag);
	else
		buf_adds(&h, "Cache-Control: no-store\r\n");
	if (w->cache)
		buf_addf(&h, "X-Status-Cache: %s\r\n", w->cache);
	buf_addf(&h, "Content-Security-Policy: default-src 'none'; "
	    "script-src 'nonce-%s'; style-src 'nonce-%s'; img-src 'self' data:; "
	    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
	    "form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'\r\n", w->nonce, w->nonce);
	buf_adds(&h, "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n");
	if (with_body)
		buf_addf(&h, "Content-Length: %zu\r\n", blen);
	buf_adds(&h, "\r\n");
	if (h.oom)
		send_parts(oom, sizeof oom - 1, NULL, 0);
	else
		send_parts(h.p, h.len, parts, with_body && !w->head ? nparts : 0);
	buf_free(&h);
	return 0;
}

int web_error(struct web *w, int status, const char *msg)
{
	struct buf b = { 0 };
	int r;

	w->etag[0] = '\0';
	if (!strncmp(w->path, "/api/", 5) || web_wants_json(w)) {
		buf_adds(&b, "{\"error\":\"");
		for (; *msg; msg++) {   /* our own messages: ASCII, no quotes */
			if (*msg == '"' || *msg == '\\' || (unsigned char)*msg < 32)
				buf_addf(&b, "\\u%04x", (unsigned char)*msg);
			else
				buf_add(&b, msg, 1);
		}
		buf_addf(&b, "\",\"status\":%d}\n", status);
		r = web_send(w, status, "application/json", &b);
	} else {
		buf_addf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
		    "content=\"width=device-width, initial-scale=1\">"
		    "<title>%d %s</title></head><body><h1>%d %s</h1><p>",
		    status, web_reason(status), status, web_reason(status));
		html_text(&b, msg);
		buf_adds(&b, "</p><p><a href=\"/\">Back to the dashboard</a></p>"
		    "</body></html>\n");
		r = web_send(w, status, "text/html; charset=utf-8", &b);
	}
	buf_free(&b);
	return r;
}

int web_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (*p < 0x80) {
			if ((*p < 32 && *p != '\t' && *p != '\n' && *p != '\r') ||
			    *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		/* multi-byte UTF-8, no overlongs or surrogates */
		int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
		    (*p & 0xf8) == 0xf0 ? 3 : -1;
		unsigned cp;
		int i;
		if (n < 0)
			return 0;
		cp = *p & (0x3f >> n);
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}
