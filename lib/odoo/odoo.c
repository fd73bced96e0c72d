/*
 * odoo.c - three cheap calls that tell whether Odoo works: the server
 * version (no login), a login, and a read as that user.
 *
 * JSON-RPC (/jsonrpc, every Odoo up to 19): common.version,
 * common.authenticate [db, user, secret, {}] -> uid or false, then
 * object.execute_kw res.users read [[uid]] {fields: [name]}. Errors come
 * back with HTTP 200 and an "error" member, whatever its code.
 * JSON-2 (Odoo 19): GET /web/version, POST /json/2/res.users/context_get
 * (checks the API key; gives the uid), POST /json/2/res.users/read. Errors
 * are 4xx/5xx with {"name","message",...}.
 * A reply that is not what Odoo sends (not JSON, no result) means what
 * answered is not Odoo: down, as is a 5xx, a refusal or a time-out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "http/http.h"
#include "odoo/odoo.h"

const char *const odoo_step_name[ODOO_STEPS] = { "version", "login", "read" };

static int need(const char *key, const char **dst)
{
	const char *v = config_get(key);

	if (!v || !*v)
		return aie_fail(EX_CONFIG, "%s is not set", key);
	*dst = v;
	return 0;
}

int odoo_config(struct odoo_cfg *c)
{
	const char *mode = config_get_default("ODOO_API_MODE", "jsonrpc");

	memset(c, 0, sizeof *c);
	c->url = config_get("ODOO_URL");
	if (!c->url || !*c->url)
		return 1;
	if (config_long("ODOO_TIMEOUT", 10, 1, 3600, &c->timeout) < 0)
		return -1;
	c->db = config_get("ODOO_DB");
	c->user = config_get("ODOO_USER");
	if (!strcmp(mode, "json2")) {
		c->json2 = 1;
		return need("ODOO_API_KEY", &c->secret);
	}
	if (strcmp(mode, "jsonrpc") != 0)
		return aie_fail(EX_CONFIG, "ODOO_API_MODE=%s: want jsonrpc or json2",
		    mode);
	c->secret = config_get("ODOO_API_KEY");
	if (!c->secret || !*c->secret)
		c->secret = config_get("ODOO_PASSWORD");
	if (!c->secret || !*c->secret)
		return aie_fail(EX_CONFIG, "neither ODOO_API_KEY nor ODOO_PASSWORD "
		    "is set");
	return need("ODOO_DB", &c->db) < 0 || need("ODOO_USER", &c->user) < 0 ?
	    -1 : 0;
}

/* Put prefix in front of the current aie_errmsg; returns code. */
static int reprefix(int code, const char *prefix)
{
	char why[sizeof aie_errmsg];

	snprintf(why, sizeof why, "%s", aie_errmsg);
	aie_fail(code, "%s: %s", prefix, why);
	return code;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One request; *reply is the parsed JSON body. 0 on a 2xx with JSON; 1 on
 * a 4xx (the message of Odoo's error body in aie_errmsg); 69 otherwise. */
static int call(const struct odoo_cfg *c, const char *path, const char *body,
    const char *const *hdrs, json_t **reply, double *ms)
{
	char url[1024];
	struct http_req rq;
	struct http_resp rs;
	json_error_t je;
	double t0 = now_ms();
	int r;

	*reply = NULL;
	if ((size_t)snprintf(url, sizeof url, "%s%s%s", c->url,
	    c->url[strlen(c->url) - 1] == '/' ? path + 1 : path, "") >= sizeof url)
		return aie_fail(EX_CONFIG, "ODOO_URL is too long"), EX_CONFIG;
	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.method = body ? "POST" : "GET";
	rq.body = body;
	rq.bodylen = body ? strlen(body) : 0;
	rq.headers = hdrs;
	rq.timeout = c->timeout;
	rq.connect_timeout = c->timeout;
	rq.max_response = 1 << 20;
	r = http_do(&rq, &rs);
	*ms = now_ms() - t0;
	if (r < 0) {
		aie_errcode = EX_DOWN;
		return EX_DOWN;
	}
	*reply = json_loadb(rs.body, rs.len, JSON_REJECT_DUPLICATES, &je);
	if (rs.status >= 400 && rs.status < 500) {
		const char *m = NULL, *name = NULL;
		if (*reply)
			json_unpack(*reply, "{s?s, s?s}", "message", &m, "name", &name);
		aie_fail(EX_NEG, "HTTP %ld%s%s%s%s", rs.status, m ? ": " : "",
		    m ? m : "", name ? " " : "", name ? name : "");
		r = EX_NEG;
	} else if (rs.status < 200 || rs.status >= 300) {
		aie_fail(EX_DOWN, "HTTP %ld from %s", rs.status, path);
		r = EX_DOWN;
	} else if (!*reply) {
		aie_fail(EX_DOWN, "%s: the reply is not JSON (%s)", path, je.text);
		r = EX_DOWN;
	} else {
		r = 0;
	}
	if (r) {
		json_decref(*reply);
		*reply = NULL;
	}
	http_resp_free(&rs);
	return r;
}

/* JSON-RPC service.method(args): steals args. 0 with *result (a new
 * reference), 1 on an error object, 69 when not Odoo or down. */
static int rpc(const struct odoo_cfg *c, const char *service,
    const char *method, json_t *args, json_t **result, double *ms)
{
	static const char *const hdrs[] = { "Content-Type: application/json",
	    NULL };
	static int id;
	json_t *req, *reply, *err, *res;
	char *body;
	int r;

	*result = NULL;
	req = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:i}", "jsonrpc", "2.0",
	    "method", "call", "params", "service", service, "method", method,
	    "args", args, "id", ++id);
	if (!req || !(body = json_dumps(req, JSON_COMPACT))) {
		json_decref(req);
		return aie_fail(EX_TEMP, "out of memory"), EX_TEMP;
	}
	json_decref(req);
	r = call(c, "/jsonrpc", body, hdrs, &reply, ms);
	sodium_memzero(body, strlen(body));
	free(body);
	if (r == EX_NEG)      /* a 4xx at /jsonrpc: not an Odoo JSON-RPC server */
		return reprefix(EX_DOWN, "/jsonrpc");
	if (r)
		return r;
	err = json_object_get(reply, "error");
	res = json_object_get(reply, "result");
	if (json_is_object(err)) {
		const char *m = NULL, *dm = NULL, *name = NULL;
		json_unpack(err, "{s?s, s?{s?s, s?s}}", "message", &m, "data",
		    "message", &dm, "name", &name);
		aie_fail(EX_NEG, "%s.%s: %s%s%s%s", service, method,
		    dm ? dm : m ? m : "error", name ? " (" : "", name ? name : "",
		    name ? ")" : "");
		r = EX_NEG;
	} else if (!res) {
		aie_fail(EX_DOWN, "%s.%s: a reply with neither result nor error",
		    service, method);
		r = EX_DOWN;
	} else {
		*result = json_incref(res);
	}
	json_decref(reply);
	return r;
}

/* The end of the read step, either API: [{"name": ...}] gives the user's
 * name and the ping is complete. Takes res. */
static int take_name(json_t *res, struct odoo_status *s, const char *step)
{
	const char *name = NULL;

	if (json_unpack(res, "[{s:s}]", "name", &name) < 0) {
		json_decref(res);
		return aie_fail(EX_NEG, "%s: no name for uid %ld", step, s->uid),
		    EX_NEG;
	}
	snprintf(s->name, sizeof s->name, "%s", name);
	json_decref(res);
	s->failed_step = -1;
	return 0;
}

/* The version step's answer, {key: "17.0", ...}. Takes res. */
static int take_version(json_t *res, const char *key, struct odoo_status *s,
    const char *step)
{
	const char *v = NULL;

	if (json_unpack(res, "{s:s}", key, &v) < 0 ||
	    strlen(v) >= sizeof s->version) {
		json_decref(res);
		return aie_fail(EX_DOWN, "%s: no %s", step, key), EX_DOWN;
	}
	strcpy(s->version, v);
	json_decref(res);
	return 0;
}

static int ping_jsonrpc(const struct odoo_cfg *c, struct odoo_status *s)
{
	json_t *res;
	int r;

	s->failed_step = ODOO_VERSION;
	if ((r = rpc(c, "common", "version", json_array(), &res,
	    &s->ms[ODOO_VERSION])))
		return r;
	if ((r = take_version(res, "server_version", s, "common.version")))
		return r;

	s->failed_step = ODOO_LOGIN;
	if ((r = rpc(c, "common", "authenticate", json_pack("[s, s, s, {}]",
	    c->db, c->user, c->secret), &res, &s->ms[ODOO_LOGIN])))
		return r;
	if (!json_is_integer(res) || json_integer_value(res) <= 0) {
		json_decref(res);
		return aie_fail(EX_NEG, "login refused for %s on database %s",
		    c->user, c->db), EX_NEG;
	}
	s->uid = (long)json_integer_value(res);
	json_decref(res);

	s->failed_step = ODOO_READ;
	if ((r = rpc(c, "object", "execute_kw", json_pack("[s, I, s, s, s, "
	    "[[I]], {s:[s]}]", c->db, (json_int_t)s->uid, c->secret, "res.users",
	    "read", (json_int_t)s->uid, "fields", "name"), &res,
	    &s->ms[ODOO_READ])))
		return r;
	return take_name(res, s, "res.users read");
}

/* JSON-2: POST /json/2/model/method with body; 0, 1 or 69 as call(). */
static int json2(const struct odoo_cfg *c, const char *model,
    const char *method, const char *body, json_t **res, double *ms)
{
	char path[256], auth[1024], dbh[300];
	const char *hdrs[4] = { auth, "Content-Type: application/json; "
	    "charset=utf-8", NULL, NULL };
	int r;

	snprintf(path, sizeof path, "/json/2/%s/%s", model, method);
	if ((size_t)snprintf(auth, sizeof auth, "Authorization: bearer %s",
	    c->secret) >= sizeof auth)
		return aie_fail(EX_CONFIG, "ODOO_API_KEY is too long"), EX_CONFIG;
	if (c->db && *c->db) {
		snprintf(dbh, sizeof dbh, "X-Odoo-Database: %s", c->db);
		hdrs[2] = dbh;
	}
	r = call(c, path, body, hdrs, res, ms);
	sodium_memzero(auth, sizeof auth);
	if (r == EX_NEG) {
		snprintf(path, sizeof path, "%s.%s", model, method);
		reprefix(EX_NEG, path);
	}
	return r;
}

static int ping_json2(const struct odoo_cfg *c, struct odoo_status *s)
{
	json_t *res;
	json_int_t uid = 0;
	char body[128];
	int r;

	s->failed_step = ODOO_VERSION;
	if ((r = call(c, "/web/version", NULL, NULL, &res,
	    &s->ms[ODOO_VERSION]))) {
		if (r == EX_NEG)         /* no /web/version: not Odoo 19 */
			reprefix(EX_DOWN, "/web/version");
		return EX_DOWN;
	}
	if ((r = take_version(res, "version", s, "/web/version")))
		return r;

	s->failed_step = ODOO_LOGIN;
	if ((r = json2(c, "res.users", "context_get", "{}", &res,
	    &s->ms[ODOO_LOGIN])))
		return r;
	if (json_unpack(res, "{s:I}", "uid", &uid) < 0 || uid <= 0) {
		json_decref(res);
		return aie_fail(EX_NEG, "res.users.context_get: no uid"), EX_NEG;
	}
	s->uid = (long)uid;
	json_decref(res);

	s->failed_step = ODOO_READ;
	snprintf(body, sizeof body, "{\"ids\":[%ld],\"fields\":[\"name\"]}",
	    s->uid);
	if ((r = json2(c, "res.users", "read", body, &res, &s->ms[ODOO_READ])))
		return r;
	return take_name(res, s, "res.users.read");
}

int odoo_ping(const struct odoo_cfg *c, struct odoo_status *s)
{
	int i;

	memset(s, 0, sizeof *s);
	s->uid = -1;
	s->failed_step = -1;
	for (i = 0; i < ODOO_STEPS; i++)
		s->ms[i] = -1;
	return c->json2 ? ping_json2(c, s) : ping_jsonrpc(c, s);
}
