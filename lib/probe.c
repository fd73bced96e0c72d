/*
 * probe.c - is a server there? For mail servers a connect and the
 * greeting line (the cheapest proof that an SMTP or IMAP server, not just
 * a port, is answering); for HTTP endpoints one GET through lib/http.c.
 * Everything is bounded by one time-out; no credential is ever sent.
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

#include "aie.h"
#include "health.h"
#include "http.h"

void health_set(struct health *h, const char *state, const char *fmt, ...)
{
	va_list ap;

	h->state = state;
	va_start(ap, fmt);
	vsnprintf(h->detail, sizeof h->detail, fmt, ap);
	va_end(ap);
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
static int read_line(int fd, double deadline, char *line, size_t size,
    char *why, size_t wsize)
{
	size_t have = 0;
	char *nl;

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
		line[have] = '\0';
		if ((nl = memchr(line, '\n', have))) {
			*nl = '\0';
			break;
		}
	}
	line[size - 1] = '\0';
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

static void tls_connect(const char *url, long timeout, struct health *h)
{
	char err[CURL_ERROR_SIZE] = "";
	double t0 = now_ms();
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c) {
		health_set(h, "unknown", "libcurl cannot start");
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		health_set(h, "up", "TLS connected %.0f ms", now_ms() - t0);
	else
		health_set(h, "down", "%s", *err ? err : curl_easy_strerror(rc));
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
	if (!strcasecmp(scheme, "smtps") || !strcasecmp(scheme, "imaps")) {
		char bare[600];
		/* the URL without user or path: nothing secret reaches curl */
		snprintf(bare, sizeof bare, "%s://%s:%s/", scheme, host, port);
		tls_connect(bare, timeout, h);
		goto out;
	}
	imap = !strcasecmp(scheme, "imap");
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
	if (read_line(fd, deadline, line, sizeof line, why, sizeof why) < 0) {
		health_set(h, "down", "%s", why);
	} else {
		int ok = imap ? (!strncmp(line, "* OK", 4) ||
		    !strncmp(line, "* PREAUTH", 9)) :
		    (!strncmp(line, "220", 3) && (line[3] == ' ' || line[3] == '-' ||
		    line[3] == '\0'));
		tidy(line, 80);
		if (ok)
			health_set(h, "up", "%s %.0f ms", line, now_ms() - t0);
		else
			health_set(h, "down", "greeting: %s", line);
	}
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
