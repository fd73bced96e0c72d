/*
 * http.c - HTTP requests through libcurl for the API clients.
 *
 * One easy handle per request: the requests are few and slow (LLM calls,
 * notifications), so connection reuse would buy nothing and cost state.
 * The reply is capped (an API that answers with more than max_response
 * bytes is broken or hostile). Headers are never logged: they carry keys.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "vault/vault.h"
#include "http/http.h"

struct sink {
	struct http_resp *rs;
	size_t cap, max;
	int overflow;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	char *b;

	if (s->rs->len + len > s->max) {
		s->overflow = 1;
		return 0;
	}
	if (s->rs->len + len + 1 > s->cap) {
		size_t ncap = (s->rs->len + len + 1) * 2;
		if (!(b = realloc(s->rs->body, ncap)))
			return 0;
		s->rs->body = b;
		s->cap = ncap;
	}
	memcpy(s->rs->body + s->rs->len, data, len);
	s->rs->len += len;
	s->rs->body[s->rs->len] = '\0';
	return len;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	for (v = line + n + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return strndup(v, (size_t)(end - v));
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct http_resp *rs = ctx;
	size_t len = size * n;
	char *v;

	if ((v = header_value(data, len, "retry-after"))) {
		char *end;
		long secs = strtol(v, &end, 10);
		rs->retry_after = (end != v && secs >= 0) ? secs : -1;
		free(v);
	} else if ((v = header_value(data, len, "etag"))) {
		free(rs->etag);
		rs->etag = v;
	} else if (rs->capture_ &&
	    (v = header_value(data, len, rs->capture_))) {
		free(rs->captured);
		rs->captured = v;
	}
	return len;
}

static int started(void)
{
	static int done;

	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return aie_fail(EX_TEMP, "libcurl cannot start");
	done = 1;
	return 0;
}

int http_do(const struct http_req *rq, struct http_resp *rs)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *t;
	struct sink sink;
	CURL *c;
	CURLcode rc;
	size_t i;
	int r = -1;

	memset(rs, 0, sizeof *rs);
	rs->retry_after = -1;
	rs->capture_ = rq->capture;
	if (started() < 0)
		return -1;
	if (!(rs->body = calloc(1, 1)) || !(c = curl_easy_init())) {
		free(rs->body);
		rs->body = NULL;
		return aie_fail(EX_TEMP, "%s: out of memory", rq->url);
	}
	sink.rs = rs;
	sink.cap = 1;
	sink.max = rq->max_response ? rq->max_response : (4u << 20);
	sink.overflow = 0;
	for (i = 0; rq->headers && rq->headers[i]; i++) {
		if (!(t = curl_slist_append(hdrs, rq->headers[i]))) {
			aie_fail(EX_TEMP, "%s: out of memory", rq->url);
			goto out;
		}
		hdrs = t;
	}
	/* no "Expect: 100-continue" round trip on POSTs */
	if ((t = curl_slist_append(hdrs, "Expect:")))
		hdrs = t;
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, rq->connect_timeout ?
	    rq->connect_timeout : 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout ? rq->timeout : 120L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ai-employee/" VERSION);
	if (rq->userpwd) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, rq->userpwd);
	}
	if (rq->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->bodylen);
	}
	if (rq->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		int code = EX_TEMP;
		if (sink.overflow) {
			aie_fail(EX_DATA, "%s: reply larger than %zu bytes", rq->url,
			    sink.max);
			goto out;
		}
		if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
			code = EX_DOWN;
		aie_fail(code, "%s: %s", rq->url, *errbuf ? errbuf :
		    curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
	r = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (r < 0) {
		free(rs->body);
		free(rs->etag);
		free(rs->captured);
		rs->body = rs->etag = rs->captured = NULL;
		rs->len = 0;
	}
	return r;
}

void http_resp_free(struct http_resp *rs)
{
	free(rs->body);
	free(rs->etag);
	free(rs->captured);
	rs->body = rs->etag = rs->captured = NULL;
	rs->len = 0;
}
