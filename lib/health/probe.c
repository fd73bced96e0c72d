/*
 * probe.c - is a server there? For mail servers a connect and the
 * greeting line (the cheapest proof that an SMTP or IMAP server, not just
 * a port, is answering); for HTTP endpoints one GET through lib/http.c.
 * Over implicit TLS (smtps://, imaps://) the same greeting is read through
 * the TLS connection, after the certificate is verified. Everything is
 * bounded by one time-out; no credential is ever sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "vault/vault.h"
#include "health/health.h"
#include "http/http.h"

void health_set(struct health *h, const char *state, const char *fmt, ...)
{
	va_list ap;

	char *c;

	h->state = state;
	va_start(ap, fmt);
	vsnprintf(h->detail, sizeof h->detail, fmt, ap);
	va_end(ap);
	/* one line, whatever a server or pm2 put in its part of it */
	for (c = h->detail; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds left until deadline, at least 0. */
static int left(double deadline)
{
	double l = deadline - now_ms();

	return l > 0 ? (int)l : 0;
}

/* Connect to host:port before deadline; the socket or -1 with why set. */
static int tcp_connect(const char *host, const char *port, double deadline,
    char *why, size_t size)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, err = 0, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(why, size, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		socklen_t len = sizeof err;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			fd = -1;
			continue;
		}
		p.fd = fd;
		p.events = POLLOUT;
		rc = poll(&p, 1, left(deadline));
		if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0)
			break;
		if (rc == 0)
			err = ETIMEDOUT;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(why, size, "%s", err == ECONNREFUSED ? "connection refused" :
		    err == ETIMEDOUT ? "connect timed out" : strerror(err));
	return fd;
}

/* Read the first line the server sends, into line (NUL-terminated,
 * without CR LF). 0, or -1 with why. */
/* The first have bytes of line are what came so far: terminate them, and
 * 1 when they hold a whole line (cut at its newline). */
static int line_done(char *line, size_t have)
{
	char *nl;

	line[have] = '\0';
	if (!(nl = memchr(line, '\n', have)))
		return 0;
	*nl = '\0';
	return 1;
}

static int read_line(int fd, double deadline, char *line, size_t size,
    char *why, size_t wsize)
{
	size_t have = 0;

	while (have + 1 < size) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		int rc = poll(&p, 1, left(deadline));
		if (rc == 0) {
			snprintf(why, wsize, "no greeting within the time-out");
			return -1;
		}
		if (rc < 0 && errno == EINTR)
			continue;
		n = rc < 0 ? -1 : read(fd, line + have, size - 1 - have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			snprintf(why, wsize, "%s", n == 0 ? "closed before a greeting" :
			    strerror(errno));
			return -1;
		}
		have += (size_t)n;
		if (line_done(line, have))
			break;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return 0;
}

/* Printable copy of a greeting, capped. */
static void tidy(char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			s[i] = '?';
	if (strlen(s) > max)
		s[max] = '\0';
}

/* Is line the greeting of the protocol? Sets h: up with the line and the
 * time taken, or down with what came instead. */
static void judge(const char *greeting, int imap, int tls, double t0,
    struct health *h)
{
	char line[512];
	int ok = imap ? (!strncmp(greeting, "* OK", 4) ||
	    !strncmp(greeting, "* PREAUTH", 9)) :
	    (!strncmp(greeting, "220", 3) && (greeting[3] == ' ' ||
	    greeting[3] == '-' || greeting[3] == '\0'));

	snprintf(line, sizeof line, "%s", greeting);
	tidy(line, 80);
	if (ok)
		health_set(h, "up", "%s%s %.0f ms", line, tls ? " (TLS)" : "",
		    now_ms() - t0);
	else
		health_set(h, "down", "greeting%s: %s", tls ? " (TLS)" : "", line);
}

/* The first line the server sends over the TLS connection of c, as
 * read_line does for a plain socket. 0, or -1 with why. */
static int tls_read_line(CURL *c, double deadline, char *line, size_t size,
    char *why, size_t wsize)
{
	curl_socket_t sock = CURL_SOCKET_BAD;
	size_t have = 0;

	if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD) {
		snprintf(why, wsize, "no connection after the TLS handshake");
		return -1;
	}
	while (have + 1 < size) {
		size_t n = 0;
		/* recv first: the greeting may already sit decrypted in
		 * libcurl's buffer, where poll(2) cannot see it */
		CURLcode rc = curl_easy_recv(c, line + have, size - 1 - have, &n);
		if (rc == CURLE_AGAIN) {
			struct pollfd p = { sock, POLLIN, 0 };
			int r = poll(&p, 1, left(deadline));
			if (r == 0) {
				snprintf(why, wsize, "no greeting within the time-out");
				return -1;
			}
			if (r < 0 && errno != EINTR) {
				snprintf(why, wsize, "%s", strerror(errno));
				return -1;
			}
			continue;
		}
		if (rc != CURLE_OK || n == 0) {
			snprintf(why, wsize, "%s", rc != CURLE_OK ?
			    curl_easy_strerror(rc) : "closed before a greeting");
			return -1;
		}
		have += n;
		if (line_done(line, have))
			break;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return 0;
}

/* smtps:// and imaps://: the TLS handshake (the certificate verified, with
 * MAIL_CA_FILE when set, as mail-fetch and mail-send do), then the
 * greeting read through the TLS connection. libcurl's CONNECT_ONLY on an
 * https:// URL gives a bare TLS connection: nothing is sent after the
 * handshake (no ALPN, no proxy), unlike imaps:// or smtps://, where
 * libcurl would run the mail protocol itself. */
static void tls_greeting(const char *host, const char *port, int imap,
    long timeout, double t0, double deadline, struct health *h)
{
	char url[600], err[CURL_ERROR_SIZE] = "", line[512], why[160];
	const char *ca = config_get("MAIL_CA_FILE");
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c) {
		health_set(h, "unknown", "libcurl cannot start");
		return;
	}
	snprintf(url, sizeof url, "https://%s:%s/", host, port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_SSL_ENABLE_ALPN, 0L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		health_set(h, "down", "%s", *err ? err : curl_easy_strerror(rc));
	else if (tls_read_line(c, deadline, line, sizeof line, why,
	    sizeof why) < 0)
		health_set(h, "down", "TLS connected; %s", why);
	else
		judge(line, imap, 1, t0, h);
	curl_easy_cleanup(c);
}

void probe_greeting(const char *url, long timeout, struct health *h)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, line[512], why[160];
	double t0 = now_ms(), deadline = t0 + (double)timeout * 1e3;
	int fd, imap;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		health_set(h, "down", "bad URL");
		goto out;
	}
	imap = !strcasecmp(scheme, "imap") || !strcasecmp(scheme, "imaps");
	if (!strcasecmp(scheme, "smtps") || !strcasecmp(scheme, "imaps")) {
		tls_greeting(host, port, imap, timeout, t0, deadline, h);
		goto out;
	}
	if (!imap && strcasecmp(scheme, "smtp") != 0) {
		health_set(h, "down", "scheme %s: want smtp, smtps, imap or imaps",
		    scheme);
		goto out;
	}
	if (host[0] == '[') {            /* [::1] from curl: getaddrinfo wants ::1 */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	if ((fd = tcp_connect(host, port, deadline, why, sizeof why)) < 0) {
		health_set(h, "down", "%s", why);
		goto out;
	}
	if (read_line(fd, deadline, line, sizeof line, why, sizeof why) < 0)
		health_set(h, "down", "%s", why);
	else
		judge(line, imap, 0, t0, h);
	close(fd);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

void probe_http(const char *url, long timeout, struct health *h)
{
	struct http_req rq;
	struct http_resp rs;
	double t0 = now_ms();

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.url = url;
	rq.timeout = timeout;
	rq.connect_timeout = timeout;
	rq.max_response = 256 << 10;
	if (http_do(&rq, &rs) < 0) {
		if (aie_errcode == EX_DATA)     /* over the cap: still a reply */
			health_set(h, "up", "HTTP reply %.0f ms", now_ms() - t0);
		else
			health_set(h, "down", "%s", aie_errmsg);
		return;
	}
	health_set(h, "up", "HTTP %ld %.0f ms", rs.status, now_ms() - t0);
	http_resp_free(&rs);
}
