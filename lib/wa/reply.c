/*
 * reply.c - a reply to a customer through the WhatsApp Cloud API: POST
 * {graph}/{version}/{phone-number-id}/messages with the customer as "to"
 * and context.message_id naming the message answered, so it threads in
 * their chat. Free text, or an approved template whose body parameters are
 * the reply's lines (the only thing Meta lets through outside the 24-hour
 * window).
 *
 * At most once: one POST, never retried here, and a failure that may have
 * reached Meta (a time-out or a reset, no answer) says so, for the
 * executor never to send it again. Classes of the Graph API's errors (see
 * wa-send(1)): permanent 65, temporary 75, the token 78.
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

/* The template's body parameters: the non-empty lines of text. */
static json_t *params(const char *text)
{
	json_t *a = json_array();
	const char *p = text ? text : "", *nl;

	while (a && *p) {
		size_t n;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n > WA_PARAM_MAX) {
			json_decref(a);
			aie_fail(EX_DATA, "a template parameter is over %d bytes",
			    WA_PARAM_MAX);
			return NULL;
		}
		if (n && json_array_append_new(a, json_pack("{s:s, s:s%}", "type",
		    "text", "text", p, n)) < 0) {
			json_decref(a);
			aie_fail(EX_DATA, "a template parameter is not valid UTF-8");
			return NULL;
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	if (!a)
		aie_fail(EX_TEMP, "out of memory");
	return a;
}

char *wa_reply_body(const struct wa_reply *r)
{
	size_t n = r->to ? strlen(r->to) : 0;
	json_t *o, *ps;
	char *s;

	if (n < 5 || n > 20 || strspn(r->to, "0123456789") != n)
		return aie_fail(EX_DATA, "to: want the customer's wa_id (digits), "
		    "not \"%s\"", r->to ? r->to : ""), NULL;
	if (r->template_name) {
		if (!*r->template_name)
			return aie_fail(EX_DATA, "template: empty"), NULL;
		if (!(ps = params(r->text)))
			return NULL;
		o = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:[{s:s, "
		    "s:o}]}}", "messaging_product", "whatsapp", "recipient_type",
		    "individual", "to", r->to, "type", "template", "template",
		    "name", r->template_name, "language", "code",
		    r->template_lang && *r->template_lang ? r->template_lang :
		    "en_US", "components", "type", "body", "parameters", ps);
	} else {
		if (!r->text || !*r->text)
			return aie_fail(EX_DATA, "an empty reply"), NULL;
		if (strlen(r->text) > WA_TEXT_MAX)
			return aie_fail(EX_DATA, "the reply is %zu bytes; WhatsApp "
			    "takes at most %d", strlen(r->text), WA_TEXT_MAX), NULL;
		o = json_pack("{s:s, s:s, s:s, s:s, s:{s:b, s:s}}",
		    "messaging_product", "whatsapp", "recipient_type", "individual",
		    "to", r->to, "type", "text", "text", "preview_url", 0, "body",
		    r->text);
	}
	if (o && r->reply_to && *r->reply_to)
		json_object_set_new(o, "context", json_pack("{s:s}", "message_id",
		    r->reply_to));
	if (!o)
		return aie_fail(EX_DATA, "the reply is not valid UTF-8"), NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		aie_fail(EX_TEMP, "out of memory");
	return s;
}

/* The class of a reply that is not a success. */
static int judge(const struct http_resp *rs)
{
	char msg[400];
	long code = wa_api_error(rs, msg, sizeof msg);

	if (rs->status == 401 || code == 190)
		return aie_fail(EX_CONFIG, "%s (check WA_SEND_TOKEN)", msg);
	if (rs->status == 429 || rs->status >= 500 || code == 130429 ||
	    code == 131056)
		return aie_fail(EX_TEMP, "%s", msg);
	if (code == 131047)
		return aie_fail(EX_DATA, "%s; outside the 24-hour window only a "
		    "template goes", msg);
	return aie_fail(EX_DATA, "%s", msg);
}

int wa_reply_send(const struct wa_cfg *c, const struct wa_reply *r,
    struct wa_sent *out, int *maybe_sent)
{
	char url[1024], auth[1024];
	const char *hdrs[] = { auth, "Content-Type: application/json", NULL };
	struct http_req rq = { 0 };
	struct http_resp rs;
	json_t *root;
	const char *id = NULL;
	char *body;
	int n, ret = -1;

	memset(out, 0, sizeof *out);
	*maybe_sent = 0;
	n = snprintf(url, sizeof url, "%s/%s/%s/messages", c->graph_url,
	    c->api_version, c->phone_id);
	if (n < 0 || (size_t)n >= sizeof url)
		return aie_fail(EX_CONFIG, "WA_GRAPH_URL is too long");
	if ((size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
	    c->token) >= sizeof auth)
		return aie_fail(EX_CONFIG, "WA_SEND_TOKEN is too long");
	if (!(body = wa_reply_body(r)))
		goto out;
	wa_req(&rq, url, hdrs, body, c->timeout, 1 << 20);
	if (http_do(&rq, &rs) < 0) {
		/* refused before it left (69) is not sent; a time-out or a
		 * reset (75) may have reached Meta */
		*maybe_sent = aie_errcode != EX_DOWN;
		goto out;
	}
	if (rs.status < 200 || rs.status >= 300) {
		judge(&rs);
		http_resp_free(&rs);
		goto out;
	}
	/* a 2xx is sent, whatever its body says */
	ret = 0;
	if ((root = json_loadb(rs.body, rs.len, JSON_REJECT_DUPLICATES, NULL))) {
		if (json_unpack(root, "{s:[{s:s}]}", "messages", "id", &id) == 0 &&
		    strlen(id) < sizeof out->id)
			strcpy(out->id, id);
		json_decref(root);
	}
	http_resp_free(&rs);
out:
	sodium_memzero(auth, sizeof auth);
	free(body);
	return ret;
}
