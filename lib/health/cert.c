/*
 * cert.c - how long the TLS certificates of the owner's sites have left
 * (see vault-health(1), HEALTH_CERT_URLS): the Odoo site of nginx-odoo.conf,
 * the dashboard. certbot renews them a month ahead; one still within
 * CERT_WARN_DAYS of its end means renewal is failing, and the owner has
 * two weeks to see why before browsers and the agents refuse the site.
 *
 * Each site gets a TLS handshake only (libcurl's CONNECT_ONLY: no request
 * is sent), the certificate verified as every client would (HEALTH_CA_FILE
 * trusted too when set), and the leaf's end date read from CERTINFO. A
 * handshake that fails (an expired or untrusted certificate, a wrong name,
 * nothing listening) is down; within the warning, degraded; else up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "vault/vault.h"
#include "health/health.h"

enum { UP, DEGRADED, DOWN };
static const char *const state_word[] = { "up", "degraded", "down" };

int cert_expiry_parse(const char *s, time_t *t)
{
	/* OpenSSL's ASN1_TIME_print, "Dec  5 18:43:40 2026 GMT"; GnuTLS's
	 * "2026-12-05 18:43:40 UTC" */
	static const char *const fmt[] = { "%b %d %H:%M:%S %Y GMT",
	    "%Y-%m-%d %H:%M:%S UTC", NULL };
	struct tm tm;
	const char *end;
	int i;

	for (i = 0; fmt[i]; i++) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, fmt[i], &tm);
		if (end && !*end && (*t = timegm(&tm)) != (time_t)-1)
			return 0;
	}
	return -1;
}

int cert_judge(const char *host, time_t expires, time_t now, char *out,
    size_t size)
{
	char day[32];
	struct tm tm;
	long left = (long)((expires - now) / 86400);

	if (!gmtime_r(&expires, &tm) ||
	    !strftime(day, sizeof day, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(day, sizeof day, "a date past the year 9999");
	if (expires <= now) {
		snprintf(out, size, "%s: the certificate expired %s", host, day);
		return DOWN;
	}
	if (left >= CERT_WARN_DAYS) {
		snprintf(out, size, "%s: %ld days left (%.10s)", host, left, day);
		return UP;
	}
	if (left == 0)
		snprintf(out, size, "%s: the certificate expires in less than a "
		    "day (%s): renew it", host, day);
	else
		snprintf(out, size, "%s: the certificate expires in %ld day%s "
		    "(%s): renew it", host, left, left == 1 ? "" : "s", day);
	return DEGRADED;
}

/* The leaf certificate's "Expire date:" of the handshake c made. */
static const char *leaf_expiry(CURL *c)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *s;

	if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
	    ci->num_of_certs < 1)
		return NULL;
	for (s = ci->certinfo[0]; s; s = s->next)
		if (strncasecmp(s->data, "Expire date:", 12) == 0)
			return s->data + 12;
	return NULL;
}

/* One site, "host", "host:port" or "https://host[:port]/": its verdict,
 * the words into out. */
static int one(const char *site, long timeout, time_t now, char *out,
    size_t size)
{
	char url[300], err[CURL_ERROR_SIZE] = "";
	const char *ca = config_get("HEALTH_CA_FILE"), *exp;
	CURL *c;
	CURLcode rc;
	time_t t;
	int verdict;

	if ((size_t)snprintf(url, sizeof url, "%s%s", strstr(site, "://") ? "" :
	    "https://", site) >= sizeof url || strncasecmp(url, "https://", 8)) {
		snprintf(out, size, "%.80s: want https://HOST[:PORT]", site);
		return DOWN;
	}
	if (!(c = curl_easy_init())) {
		snprintf(out, size, "%.80s: libcurl cannot start", site);
		return DOWN;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	if (ca && *ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	site = url + 8;
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(out, size, "%.*s: %s", (int)strcspn(site, "/"), site, *err ?
		    err : curl_easy_strerror(rc));
		verdict = DOWN;
	} else if (!(exp = leaf_expiry(c)) || cert_expiry_parse(exp, &t) < 0) {
		snprintf(out, size, "%.*s: no end date in the certificate (%.40s)",
		    (int)strcspn(site, "/"), site, exp ? exp : "none");
		verdict = DOWN;
	} else {
		char host[256];
		snprintf(host, sizeof host, "%.*s", (int)strcspn(site, "/"), site);
		verdict = cert_judge(host, t, now, out, size);
	}
	curl_easy_cleanup(c);
	return verdict;
}

/* Append "; " and what to buf (of size), cut at its end. */
static void append(char *buf, size_t size, const char *what)
{
	size_t len = strlen(buf), n;

	if (len && len + 2 < size) {
		memcpy(buf + len, "; ", 2);
		len += 2;
	}
	n = strlen(what);
	if (n > size - 1 - len)
		n = size - 1 - len;
	memcpy(buf + len, what, n);
	buf[len + n] = '\0';
}

void probe_certs(const char *sites, long timeout, time_t now,
    struct health *h)
{
	char *copy, *site, *save = NULL, out[HEALTH_DETAIL_MAX];
	/* per verdict, so the worst come first and a long list loses the
	 * good news at its end */
	char said[3][HEALTH_DETAIL_MAX] = { "", "", "" };
	int worst = UP, v;

	if (!sites || !*sites) {
		health_set(h, "unconfigured", "HEALTH_CERT_URLS not set");
		return;
	}
	if (!(copy = strdup(sites))) {
		health_set(h, "unknown", "out of memory");
		return;
	}
	for (site = strtok_r(copy, " \t,", &save); site;
	    site = strtok_r(NULL, " \t,", &save)) {
		v = one(site, timeout, now, out, sizeof out);
		worst = v > worst ? v : worst;
		append(said[v], sizeof said[v], out);
	}
	free(copy);
	for (v = DOWN - 1; v >= UP; v--)
		if (*said[v])
			append(said[DOWN], sizeof said[DOWN], said[v]);
	health_set(h, state_word[worst], "%s", said[DOWN]);
}
