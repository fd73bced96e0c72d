/*
 * llm.c - the Anthropic Messages API and OpenAI-compatible chat
 * completions through http.c and jansson.
 *
 * A call is one POST, retried at most max_retries times on 429 500 502
 * 503 504 529 with http_backoff (which honours retry-after). A 429 that
 * says a spend limit or quota is reached is final. Other 4xx are final and
 * quote the API's message. A 200 is parsed with json_unpack formats under
 * JSON_REJECT_DUPLICATES; its text must be non-empty, complete (not cut by
 * max_tokens / length) and not a refusal. The reply is untrusted: its text
 * is returned as a string with NUL and stray control bytes refused or
 * dropped, and nothing else of it is used but the usage counts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "http/http.h"
#include "llm/llm.h"

#define REPLY_MAX (2u << 20)
#define TEXT_MAX (256u << 10)

const char *llm_provider_name(enum llm_provider p)
{
	switch (p) {
	case LLM_ANTHROPIC: return "anthropic";
	case LLM_OPENAI: return "openai";
	default: return "offline";
	}
}

int llm_conf_load(struct llm_conf *c)
{
	const char *p = config_get("LLM_PROVIDER");

	memset(c, 0, sizeof *c);
	if (!p)
		p = config_get("ANTHROPIC_API_KEY") ? "anthropic" :
		    config_get("OPENAI_BASE_URL") ? "openai" : "offline";
	if (!strcmp(p, "anthropic")) {
		c->provider = LLM_ANTHROPIC;
		c->base_url = config_get_default("ANTHROPIC_BASE_URL",
		    "https://api.anthropic.com");
		c->api_key = config_get("ANTHROPIC_API_KEY");
		c->model = config_get_default("LLM_MODEL", "claude-sonnet-4-5");
		if (!c->api_key)
			return aie_fail(EX_CONFIG, "LLM_PROVIDER is anthropic but "
			    "ANTHROPIC_API_KEY is not set");
	} else if (!strcmp(p, "openai")) {
		c->provider = LLM_OPENAI;
		c->base_url = config_get("OPENAI_BASE_URL");
		c->api_key = config_get("OPENAI_API_KEY");
		c->model = config_get("LLM_MODEL");
		if (!c->base_url)
			return aie_fail(EX_CONFIG, "LLM_PROVIDER is openai but "
			    "OPENAI_BASE_URL is not set");
		if (!c->model)
			return aie_fail(EX_CONFIG, "LLM_PROVIDER is openai but "
			    "LLM_MODEL is not set");
	} else if (!strcmp(p, "offline")) {
		c->provider = LLM_OFFLINE;
		c->model = LLM_OFFLINE_MODEL;
	} else {
		return aie_fail(EX_CONFIG, "LLM_PROVIDER %s: want anthropic, "
		    "openai or offline", p);
	}
	if (strlen(c->model) > 100 || strpbrk(c->model, "\r\n\"|"))
		return aie_fail(EX_CONFIG, "LLM_MODEL: bad model name");
	if (config_long("LLM_MAX_TOKENS", 1024, 1, 1000000, &c->max_tokens) < 0 ||
	    config_long("LLM_TIMEOUT", 120, 1, 3600, &c->timeout) < 0)
		return -1;
	c->max_retries = 3;
	return 0;
}

void llm_result_free(struct llm_result *r)
{
	if (r->text) {
		sodium_memzero(r->text, strlen(r->text));
		free(r->text);
	}
	r->text = NULL;
}

/* Copy an untrusted completion: CRLF to LF, tabs and newlines kept, other
 * control bytes dropped, trailing blanks trimmed; NULL when empty. */
static char *clean_text(const char *s, size_t len)
{
	char *out = malloc(len + 2), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r')
			continue;
		if (ch < 0x20 && ch != '\n' && ch != '\t')
			continue;
		if (ch == 0x7f)
			continue;
		*o++ = (char)ch;
	}
	while (o > out && isspace((unsigned char)o[-1]))
		o--;
	*o = '\0';
	{	/* and leading blank lines */
		char *p = out;
		while (*p == '\n' || *p == ' ' || *p == '\t')
			p++;
		if (!*p) {
			free(out);
			return NULL;
		}
		memmove(out, p, strlen(p) + 1);
	}
	return out;
}

static void set_model(struct llm_result *r, const char *m)
{
	size_t i, n = 0;

	for (i = 0; m[i] && n + 1 < sizeof r->model; i++) {
		unsigned char ch = (unsigned char)m[i];
		r->model[n++] = isalnum(ch) || strchr("._:/@-", ch) ? (char)ch : '_';
	}
	r->model[n] = '\0';
}

static long tok(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	    (long)json_integer_value(v) : 0;
}

int llm_parse_anthropic(const char *body, size_t len, struct llm_result *r)
{
	json_error_t e;
	json_t *root, *content, *usage, *blk;
	const char *stop = NULL, *model = NULL;
	char *all = NULL;
	size_t i, n = 0;
	int ret = -1;

	if (!(root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e)))
		return aie_fail(EX_DOWN, "reply is not JSON: %s", e.text);
	if (json_unpack_ex(root, &e, 0, "{s:o, s?:s, s?:s, s:o}", "content",
	    &content, "stop_reason", &stop, "model", &model, "usage", &usage) < 0 ||
	    !json_is_array(content) || !json_is_object(usage)) {
		aie_fail(EX_DOWN, "reply is not a message: %s", e.text);
		goto out;
	}
	r->have_usage = 1;
	r->input_tokens = tok(json_object_get(usage, "input_tokens"));
	r->output_tokens = tok(json_object_get(usage, "output_tokens"));
	r->cache_read_tokens = tok(json_object_get(usage,
	    "cache_read_input_tokens"));
	r->cache_write_tokens = tok(json_object_get(usage,
	    "cache_creation_input_tokens"));
	if (model)
		set_model(r, model);
	if (!(all = calloc(1, 1))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	json_array_foreach(content, i, blk) {
		const char *type = NULL, *text = NULL;
		size_t tl = 0;
		char *nall;
		if (json_unpack(blk, "{s:s}", "type", &type) < 0 ||
		    strcmp(type, "text") != 0)
			continue;
		if (json_unpack(blk, "{s:s%}", "text", &text, &tl) < 0)
			continue;
		if (memchr(text, '\0', tl) || n + tl > TEXT_MAX) {
			aie_fail(EX_DOWN, "reply text is too long or holds NUL");
			goto out;
		}
		if (!(nall = realloc(all, n + tl + 1))) {
			aie_fail(EX_TEMP, "out of memory");
			goto out;
		}
		all = nall;
		memcpy(all + n, text, tl);
		n += tl;
		all[n] = '\0';
	}
	if (stop && !strcmp(stop, "max_tokens")) {
		aie_fail(EX_DATA, "completion cut at max_tokens (raise "
		    "LLM_MAX_TOKENS)");
		goto out;
	}
	if (stop && !strcmp(stop, "refusal")) {
		aie_fail(EX_DATA, "the model refused to answer");
		goto out;
	}
	if (!(r->text = clean_text(all, n))) {
		aie_fail(EX_DATA, "empty completion");
		goto out;
	}
	ret = 0;
out:
	free(all);
	json_decref(root);
	return ret;
}

int llm_parse_openai(const char *body, size_t len, struct llm_result *r)
{
	json_error_t e;
	json_t *root, *choices, *usage = NULL, *msg, *content = NULL, *details;
	json_t *fin = NULL;
	const char *finish, *model = NULL, *text;
	int ret = -1;

	if (!(root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e)))
		return aie_fail(EX_DOWN, "reply is not JSON: %s", e.text);
	if (json_unpack_ex(root, &e, 0, "{s:o, s?:s, s?o}", "choices", &choices,
	    "model", &model, "usage", &usage) < 0 || !json_is_array(choices) ||
	    json_array_size(choices) < 1) {
		aie_fail(EX_DOWN, "reply is not a chat completion: %s", e.text);
		goto out;
	}
	if (json_is_object(usage)) {
		long prompt = tok(json_object_get(usage, "prompt_tokens"));
		r->have_usage = 1;
		details = json_object_get(usage, "prompt_tokens_details");
		r->cache_read_tokens = json_is_object(details) ?
		    tok(json_object_get(details, "cached_tokens")) : 0;
		if (r->cache_read_tokens > prompt)
			r->cache_read_tokens = prompt;
		r->input_tokens = prompt - r->cache_read_tokens;
		r->output_tokens = tok(json_object_get(usage,
		    "completion_tokens"));
	}
	if (model)
		set_model(r, model);
	if (json_unpack_ex(json_array_get(choices, 0), &e, 0,
	    "{s:{s?o}, s?o}", "message", "content", &content,
	    "finish_reason", &fin) < 0) {
		aie_fail(EX_DOWN, "reply is not a chat completion: %s", e.text);
		goto out;
	}
	msg = json_object_get(json_array_get(choices, 0), "message");
	finish = json_string_value(fin);
	if (finish && !strcmp(finish, "length")) {
		aie_fail(EX_DATA, "completion cut at max_tokens (finish_reason "
		    "length; raise LLM_MAX_TOKENS)");
		goto out;
	}
	if ((finish && !strcmp(finish, "content_filter")) ||
	    json_is_string(json_object_get(msg, "refusal"))) {
		aie_fail(EX_DATA, "the model refused to answer");
		goto out;
	}
	if (!json_is_string(content) ||
	    json_string_length(content) > TEXT_MAX ||
	    strlen(text = json_string_value(content)) !=
	    json_string_length(content)) {
		aie_fail(json_is_string(content) ? EX_DOWN : EX_DATA,
		    json_is_string(content) ? "reply text is too long or holds NUL" :
		    "empty completion");
		goto out;
	}
	if (!(r->text = clean_text(text, strlen(text)))) {
		aie_fail(EX_DATA, "empty completion");
		goto out;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

/* The API's error message from an error body (Anthropic, OpenAI, old
 * llama.cpp {"error":"text"}), cleaned for a terminal, into buf. */
static void api_message(const struct http_resp *rs, char *buf, size_t size,
    char *type, size_t tsize)
{
	json_t *root = json_loadb(rs->body, rs->len, JSON_REJECT_DUPLICATES, NULL);
	json_t *err = root ? json_object_get(root, "error") : NULL;
	const char *m = NULL, *t = NULL;
	size_t i;

	*type = '\0';
	if (json_is_string(err))
		m = json_string_value(err);
	else if (json_is_object(err)) {
		json_unpack(err, "{s?s, s?s}", "message", &m, "type", &t);
	}
	if (!m)
		m = rs->len && rs->len < 200 ? rs->body : "no message";
	snprintf(buf, size, "%s", m);
	snprintf(type, tsize, "%s", t ? t : "");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	if (strlen(buf) > 300)
		strcpy(buf + 297, "...");
	json_decref(root);
}

static int status_code(long status)
{
	if (status == 401 || status == 403 || status == 402 || status == 404)
		return EX_CONFIG;
	if (status == 429 || status == 504 || status == 408)
		return EX_TEMP;
	if (status >= 500)
		return EX_DOWN;
	return EX_DATA;
}

static char *request_body(const struct llm_conf *c, const char *system,
    const char *user)
{
	json_t *o;
	char *s;

	if (c->provider == LLM_ANTHROPIC)
		o = json_pack("{s:s, s:I, s:s, s:[{s:s, s:s}]}", "model", c->model,
		    "max_tokens", (json_int_t)c->max_tokens, "system", system,
		    "messages", "role", "user", "content", user);
	else
		o = json_pack("{s:s, s:I, s:[{s:s, s:s}, {s:s, s:s}], s:b}",
		    "model", c->model, "max_tokens", (json_int_t)c->max_tokens,
		    "messages", "role", "system", "content", system, "role", "user",
		    "content", user, "stream", 0);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

int llm_call(const struct llm_conf *c, const char *system, const char *user,
    struct llm_result *r)
{
	char url[1024], auth[600], msg[400], type[64];
	const char *hdrs[5];
	struct http_req rq;
	struct http_resp rs;
	char *body = NULL;
	size_t blen;
	int attempt, ret = -1;

	memset(r, 0, sizeof *r);
	snprintf(r->model, sizeof r->model, "%s", c->model);
	if (c->provider == LLM_OFFLINE)
		return aie_fail(EX_ARGS, "the offline provider makes no call");
	blen = strlen(c->base_url);
	while (blen > 0 && c->base_url[blen - 1] == '/')
		blen--;
	if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)blen, c->base_url,
	    c->provider == LLM_ANTHROPIC ? "/v1/messages" : "/chat/completions")
	    >= sizeof url)
		return aie_fail(EX_CONFIG, "base URL too long");
	if (c->api_key && strlen(c->api_key) > 500)
		return aie_fail(EX_CONFIG, "API key too long");
	if (!(body = request_body(c, system, user)))
		return aie_fail(EX_TEMP, "cannot encode the request");
	hdrs[0] = "content-type: application/json";
	hdrs[1] = hdrs[2] = hdrs[3] = hdrs[4] = NULL;
	if (c->provider == LLM_ANTHROPIC) {
		snprintf(auth, sizeof auth, "x-api-key: %s", c->api_key);
		hdrs[1] = auth;
		hdrs[2] = "anthropic-version: 2023-06-01";
	} else if (c->api_key) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->api_key);
		hdrs[1] = auth;
	}
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.connect_timeout = 10;
	rq.timeout = c->timeout;
	rq.max_response = REPLY_MAX;
	for (attempt = 0;; attempt++) {
		if (http_do(&rq, &rs) < 0)
			goto out;   /* 69 refused, 75 timeout: not retried */
		if (rs.status == 200) {
			ret = c->provider == LLM_ANTHROPIC ?
			    llm_parse_anthropic(rs.body, rs.len, r) :
			    llm_parse_openai(rs.body, rs.len, r);
			http_resp_free(&rs);
			goto out;
		}
		api_message(&rs, msg, sizeof msg, type, sizeof type);
		if (rs.status == 429 && rs.retry_after < 0 &&
		    (strcasestr(msg, "spend") || strcasestr(msg, "quota") ||
		    !strcmp(type, "insufficient_quota"))) {
			aie_fail(EX_TEMP, "%s: HTTP 429, spend limit reached, not "
			    "retried: %s", url, msg);
			http_resp_free(&rs);
			goto out;
		}
		if (!http_status_retryable(rs.status) || attempt >= c->max_retries) {
			aie_fail(status_code(rs.status), "%s: HTTP %ld%s: %s", url,
			    rs.status, attempt ? " after retries" : "", msg);
			http_resp_free(&rs);
			goto out;
		}
		http_backoff(attempt + 1, 1.0, rs.retry_after);
		http_resp_free(&rs);
	}
out:
	sodium_memzero(auth, sizeof auth);
	free(body);
	if (ret < 0)
		llm_result_free(r);
	return ret;
}
