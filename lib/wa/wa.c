/*
 * wa.c - the two WhatsApp providers: the WhatsApp Cloud API (Graph API
 * messages endpoint, bearer token) and Twilio's Messages resource (form
 * body, HTTP Basic). Both are one POST through lib/http.c; this file
 * builds the request, retries what is worth a retry, reads the reply, and
 * falls back to the approved template when the 24-hour customer-service
 * window is closed (Cloud error 131047, Twilio 63016). Tokens are never
 * copied into a message. The settings are config.c's, without libcurl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "http/http.h"
#include "wa/wa.h"
#include "internal.h"

/* The reply of one attempt, classified. */
enum verdict { V_OK, V_RETRY, V_WINDOW, V_AUTH, V_REFUSED };

/* Post once, retrying per http_status_retryable and network errors.
 * 0 with rs filled (any final status), -1 when no reply ever came. */
static int post(const struct wa_cfg *c, struct http_req *rq,
    struct http_resp *rs)
{
	int attempt;

	for (attempt = 1;; attempt++) {
		if (http_do(rq, rs) < 0) {
			if (attempt >= c->attempts)
				return -1;
			http_backoff(attempt, 1.0, -1);
			continue;
		}
		if (!http_status_retryable(rs->status) && rs->status < 500)
			return 0;
		if (attempt >= c->attempts)
			return 0;
		http_backoff(attempt, 1.0, rs->retry_after);
		http_resp_free(rs);
	}
}

/* The error of a reply: the API's code and message, for both providers
 * (Graph: {"error":{"code","message","error_data":{"details"}}}; Twilio:
 * {"code","message"}). */
long wa_api_error(const struct http_resp *rs, char *msg, size_t size)
{
	json_t *root, *e;
	const char *m = NULL, *details = NULL;
	json_int_t code = 0;

	snprintf(msg, size, "HTTP %ld", rs->status);
	if (!(root = json_loadb(rs->body, rs->len, JSON_REJECT_DUPLICATES, NULL)))
		return 0;
	e = json_object_get(root, "error");
	if (json_is_object(e)) {
		json_unpack(e, "{s?s, s?I, s?{s?s}}", "message", &m, "code", &code,
		    "error_data", "details", &details);
	} else {
		json_unpack(root, "{s?s, s?I}", "message", &m, "code", &code);
	}
	if (m && details && strcmp(m, details) != 0)
		snprintf(msg, size, "HTTP %ld: %s (code %lld): %s", rs->status, m,
		    (long long)code, details);
	else if (m)
		snprintf(msg, size, "HTTP %ld: %s (code %lld)", rs->status, m,
		    (long long)code);
	json_decref(root);
	return (long)code;
}

static enum verdict judge(const struct wa_cfg *c, const struct http_resp *rs,
    long *code, char *msg, size_t size)
{
	*code = 0;
	if (rs->status >= 200 && rs->status < 300)
		return V_OK;
	*code = wa_api_error(rs, msg, size);
	if (http_status_retryable(rs->status) || rs->status >= 500)
		return V_RETRY;
	if ((c->provider == WA_CLOUD && *code == 131047) ||
	    (c->provider == WA_TWILIO && *code == 63016))
		return V_WINDOW;
	if (rs->status == 401 || *code == 190 || *code == 20003)
		return V_AUTH;
	return V_REFUSED;
}

/* Cloud API: the JSON body of a text or a template message. */
static char *cloud_body(const struct wa_cfg *c, const char *text,
    const char *summary, int template)
{
	json_t *o;
	char *s;

	if (!template)
		o = json_pack("{s:s, s:s, s:s, s:s, s:{s:b, s:s}}",
		    "messaging_product", "whatsapp", "recipient_type", "individual",
		    "to", c->to, "type", "text", "text", "preview_url", 0,
		    "body", text);
	else
		o = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:[{s:s, "
		    "s:[{s:s, s:s}]}]}}",
		    "messaging_product", "whatsapp", "recipient_type", "individual",
		    "to", c->to, "type", "template", "template", "name",
		    c->template_name, "language", "code", c->template_lang,
		    "components", "type", "body", "parameters", "type", "text",
		    "text", summary);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Twilio: "whatsapp:" in front of a bare number. */
static char *twilio_addr(const char *n)
{
	char buf[128];

	if ((size_t)snprintf(buf, sizeof buf, "%s%s",
	    strncmp(n, "whatsapp:", 9) ? "whatsapp:" : "", n) >= sizeof buf)
		return NULL;
	return http_urlencode(buf);
}

static char *twilio_body(const struct wa_cfg *c, const char *text,
    const char *summary, int template)
{
	char *to = twilio_addr(c->to), *from = twilio_addr(c->from);
	char *a = NULL, *b = NULL, *vars = NULL, *out = NULL;
	json_t *o;
	size_t n;

	if (!to || !from)
		goto out;
	if (!template) {
		a = http_urlencode(text);
	} else {
		a = http_urlencode(c->content_sid);
		if (!(o = json_pack("{s:s}", "1", summary)))
			goto out;
		vars = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!vars || !(b = http_urlencode(vars)))
			goto out;
	}
	if (!a)
		goto out;
	n = strlen(to) + strlen(from) + strlen(a) + (b ? strlen(b) : 0) + 64;
	if (!(out = malloc(n)))
		goto out;
	if (!template)
		snprintf(out, n, "To=%s&From=%s&Body=%s", to, from, a);
	else
		snprintf(out, n, "To=%s&From=%s&ContentSid=%s&ContentVariables=%s",
		    to, from, a, b);
out:
	free(to);
	free(from);
	free(a);
	free(b);
	free(vars);
	return out;
}

/* The message id of a success reply: messages[0].id or sid. */
static int sent_id(const struct wa_cfg *c, const struct http_resp *rs,
    struct wa_sent *out)
{
	json_t *root;
	const char *id = NULL;

	if (!(root = json_loadb(rs->body, rs->len, JSON_REJECT_DUPLICATES, NULL)))
		return aie_fail(EX_DOWN, "HTTP %ld with a reply that is not JSON",
		    rs->status);
	if (c->provider == WA_CLOUD)
		json_unpack(root, "{s:[{s:s}]}", "messages", "id", &id);
	else
		json_unpack(root, "{s:s}", "sid", &id);
	if (!id || !*id || strlen(id) >= sizeof out->id) {
		json_decref(root);
		return aie_fail(EX_DOWN, "HTTP %ld without a message id",
		    rs->status);
	}
	strcpy(out->id, id);
	json_decref(root);
	return 0;
}

/* One message (text or template), with the retries. */
static int send_one(const struct wa_cfg *c, const char *text,
    const char *summary, int template, struct wa_sent *out, enum verdict *v)
{
	char url[1024], auth[1024], userpwd[512], msg[400];
	const char *hdrs[3] = { NULL, NULL, NULL };
	struct http_req rq;
	struct http_resp rs;
	char *body;
	long code;
	int n, r = -1;

	memset(&rq, 0, sizeof rq);
	*v = V_REFUSED;
	userpwd[0] = auth[0] = '\0';
	if (c->provider == WA_CLOUD) {
		n = snprintf(url, sizeof url, "%s/%s/%s/messages", c->graph_url,
		    c->api_version, c->phone_id);
		body = cloud_body(c, text, summary, template);
		if ((size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
		    c->token) >= sizeof auth) {
			free(body);
			return aie_fail(EX_CONFIG, "WA_TOKEN is too long");
		}
		hdrs[0] = auth;
		hdrs[1] = "Content-Type: application/json";
	} else {
		n = snprintf(url, sizeof url, "%s/2010-04-01/Accounts/%s/Messages.json",
		    c->twilio_url, c->sid);
		body = twilio_body(c, text, summary, template);
		if ((size_t)snprintf(userpwd, sizeof userpwd, "%s:%s", c->sid,
		    c->twilio_token) >= sizeof userpwd) {
			free(body);
			return aie_fail(EX_CONFIG, "TWILIO_TOKEN is too long");
		}
		rq.userpwd = userpwd;
		hdrs[0] = "Content-Type: application/x-www-form-urlencoded";
	}
	if (n < 0 || (size_t)n >= sizeof url) {
		free(body);
		return aie_fail(EX_CONFIG, "provider URL too long");
	}
	if (!body)
		return aie_fail(EX_TEMP, "out of memory");
	wa_req(&rq, url, hdrs, body, c->timeout, 1 << 20);
	if (post(c, &rq, &rs) < 0)
		goto out;       /* aie_errmsg from http_do names the URL */
	*v = judge(c, &rs, &code, msg, sizeof msg);
	switch (*v) {
	case V_OK:
		r = sent_id(c, &rs, out);
		break;
	case V_RETRY:
		aie_fail(rs.status == 429 ? EX_TEMP : EX_DOWN, "%s", msg);
		break;
	case V_WINDOW:
		aie_fail(EX_DATA, "%s", msg);
		break;
	case V_AUTH:
		aie_fail(EX_CONFIG, "%s (check the token)", msg);
		break;
	case V_REFUSED:
		aie_fail(EX_DATA, "%s", msg);
		break;
	}
	http_resp_free(&rs);
out:
	sodium_memzero(auth, sizeof auth);
	sodium_memzero(userpwd, sizeof userpwd);
	free(body);
	return r;
}

int wa_send(const struct wa_cfg *c, const char *text, const char *summary,
    int force_template, struct wa_sent *out)
{
	enum verdict v;
	int have_tpl = c->provider == WA_CLOUD ? c->template_name != NULL :
	    c->content_sid != NULL;

	memset(out, 0, sizeof *out);
	if (c->provider == WA_NONE)
		return aie_fail(EX_CONFIG, "no WhatsApp provider configured");
	if (force_template && !have_tpl)
		return aie_fail(EX_CONFIG, "no template configured (%s)",
		    c->provider == WA_CLOUD ? "WA_TEMPLATE" : "TWILIO_CONTENT_SID");
	if (!force_template) {
		if (send_one(c, text, summary, 0, out, &v) == 0)
			return 0;
		if (v != V_WINDOW)
			return -1;
		if (!have_tpl) {
			char why[sizeof aie_errmsg];
			snprintf(why, sizeof why, "%s", aie_errmsg);
			return aie_fail(EX_DATA, "%s; outside the 24-hour window and "
			    "no template configured (%s)", why,
			    c->provider == WA_CLOUD ? "WA_TEMPLATE" :
			    "TWILIO_CONTENT_SID");
		}
	}
	if (send_one(c, text, summary, 1, out, &v) < 0)
		return -1;
	out->template = 1;
	return 0;
}
