/*
 * client.c - model calls over either API (see odoo-invoice(1)): execute_kw
 * on /jsonrpc, or Odoo 19's JSON-2 POST /json/2/<model>/<method>.
 *
 * One call is given the record ids (or NULL) and the named arguments: over
 * JSON-RPC the ids are the one positional argument ([ids]) and the rest go
 * as kwargs, but for create's vals_list, positional too; over JSON-2 they
 * are the body's "ids" beside the rest, all by name.
 * The reply goes through odoo_reply (reply.c); secrets are wiped from the
 * request body after it is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "http/http.h"
#include "odoo/odoo.h"

int odoo_config_poster(struct odoo_cfg *c)
{
	const char *user = config_get("ODOO_POST_USER");
	const char *key = config_get("ODOO_POST_API_KEY");
	const char *pw = config_get("ODOO_POST_PASSWORD");
	int r = odoo_config(c);

	if (r)
		return r;
	if (c->json2) {
		if (key && *key)
			c->secret = key;
		return 0;
	}
	if (!user || !*user)
		return 0;        /* one Odoo user does both (single agent) */
	c->user = user;
	c->secret = key && *key ? key : pw;
	if (!c->secret || !*c->secret)
		return aie_fail(EX_CONFIG, "ODOO_POST_USER is set but neither "
		    "ODOO_POST_API_KEY nor ODOO_POST_PASSWORD is");
	return 0;
}

/* POST body to path; 0 with *result, else 65, 77 or 69 (odoo_reply). */
static int post(const struct odoo_conn *k, const char *path, const char *what,
    char *body, const char *const *hdrs, json_t **result)
{
	char url[1024];
	const char *base = k->cfg.url;
	size_t n = strlen(base);
	struct http_req rq;
	struct http_resp rs;
	int r;

	*result = NULL;
	if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)(n && base[n - 1] ==
	    '/' ? n - 1 : n), base, path) >= sizeof url)
		return aie_fail(EX_CONFIG, "ODOO_URL is too long"), EX_CONFIG;
	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.method = "POST";
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.headers = hdrs;
	rq.timeout = k->cfg.timeout;
	rq.connect_timeout = k->cfg.timeout;
	rq.max_response = 4 << 20;
	r = http_do(&rq, &rs);
	sodium_memzero(body, strlen(body));
	if (r < 0) {
		char why[sizeof aie_errmsg];
		int code = aie_errcode;
		snprintf(why, sizeof why, "%s", aie_errmsg);
		aie_fail(code == EX_TEMP ? EX_TEMP : EX_DOWN, "%s: %s", what, why);
		return aie_errcode;
	}
	r = odoo_reply(k->cfg.json2, what, rs.status, rs.body, rs.len, result);
	http_resp_free(&rs);
	return r;
}

/* JSON-RPC service.method(args); steals args. */
static int rpc(struct odoo_conn *k, const char *service, const char *method,
    const char *what, json_t *args, json_t **result)
{
	static const char *const hdrs[] = { "Content-Type: application/json",
	    NULL };
	json_t *req;
	char *body;
	int r;

	req = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:i}", "jsonrpc", "2.0",
	    "method", "call", "params", "service", service, "method", method,
	    "args", args, "id", ++k->id);
	if (!req || !(body = json_dumps(req, JSON_COMPACT))) {
		json_decref(req);
		return aie_fail(EX_TEMP, "out of memory"), EX_TEMP;
	}
	json_decref(req);
	r = post(k, "/jsonrpc", what, body, hdrs, result);
	free(body);
	return r;
}

int odoo_connect(struct odoo_conn *k, const struct odoo_cfg *c)
{
	json_t *res;
	int r;

	memset(k, 0, sizeof *k);
	k->cfg = *c;
	if (c->json2)
		return 0;        /* the API key goes with every request */
	if ((r = rpc(k, "common", "authenticate", "login", json_pack("[s, s, s, {}]",
	    c->db, c->user, c->secret), &res)))
		return r;
	if (!json_is_integer(res) || json_integer_value(res) <= 0) {
		json_decref(res);
		return aie_fail(EX_REFUSED, "login refused for %s on database %s",
		    c->user, c->db), EX_REFUSED;
	}
	k->uid = (long)json_integer_value(res);
	json_decref(res);
	return 0;
}

int odoo_create(struct odoo_conn *k, const char *model, json_t *vals,
    json_t *ctx, long *id)
{
	char what[160];
	json_t *kw = json_pack("{s:[o]}", "vals_list", vals), *res;
	int r;

	*id = 0;
	if (!kw)
		return aie_fail(EX_TEMP, "%s.create: out of memory", model), EX_TEMP;
	if (ctx)
		json_object_set(kw, "context", ctx);
	/* create takes a list of values and gives the list of new ids (an id
	 * alone from the Odoo versions whose create took one dict) */
	if ((r = odoo_call(k, model, "create", NULL, kw, &res)))
		return r;
	if (json_is_array(res) && json_array_size(res) == 1)
		*id = (long)json_integer_value(json_array_get(res, 0));
	else if (json_is_integer(res))
		*id = (long)json_integer_value(res);
	json_decref(res);
	snprintf(what, sizeof what, "%s.create", model);
	if (*id <= 0)
		return aie_fail(EX_DOWN, "%s: no id in the reply", what), EX_DOWN;
	return 0;
}

int odoo_call(struct odoo_conn *k, const char *model, const char *method,
    json_t *ids, json_t *kw, json_t **result)
{
	char what[160], path[200], auth[1024], dbh[300];
	const char *hdrs[4] = { auth, "Content-Type: application/json; "
	    "charset=utf-8", NULL, NULL };
	char *body;
	int r;

	*result = NULL;
	snprintf(what, sizeof what, "%s.%s", model, method);
	if (!kw)
		kw = json_object();
	if (!k->cfg.json2) {
		json_t *args = ids ? json_pack("[o]", ids) : json_array();
		json_t *vals = json_object_get(kw, "vals_list");
		/* create's values positional, as the external API documents
		 * them (Odoo 16's create takes no vals_list keyword) */
		if (!ids && vals && strcmp(method, "create") == 0) {
			json_array_append(args, vals);
			json_object_del(kw, "vals_list");
		}
		return rpc(k, "object", "execute_kw", what, json_pack("[s, I, s, s, "
		    "s, o, o]", k->cfg.db, (json_int_t)k->uid, k->cfg.secret, model,
		    method, args, kw), result);
	}
	if (ids)
		json_object_set_new(kw, "ids", ids);
	body = json_dumps(kw, JSON_COMPACT);
	json_decref(kw);
	if (!body)
		return aie_fail(EX_TEMP, "out of memory"), EX_TEMP;
	snprintf(path, sizeof path, "/json/2/%s/%s", model, method);
	if ((size_t)snprintf(auth, sizeof auth, "Authorization: bearer %s",
	    k->cfg.secret) >= sizeof auth) {
		free(body);
		return aie_fail(EX_CONFIG, "ODOO_API_KEY is too long"), EX_CONFIG;
	}
	if (k->cfg.db && *k->cfg.db) {
		snprintf(dbh, sizeof dbh, "X-Odoo-Database: %s", k->cfg.db);
		hdrs[2] = dbh;
	}
	r = post(k, path, what, body, hdrs, result);
	sodium_memzero(auth, sizeof auth);
	free(body);
	return r;
}
