/*
 * reply.c - what Odoo answers to a model call, either API, as a result or
 * as one clear line and an exit status (see odoo-invoice(1), EXIT STATUS).
 *
 * JSON-RPC answers HTTP 200 whatever happened; an error is the "error"
 * member, {"code", "message": "Odoo Server Error", "data": {"name":
 * "odoo.exceptions.UserError", "message", "debug", ...}}: check for it, not
 * for the code (Odoo 19 sends 0). JSON-2 answers 200 with the bare result,
 * or 4xx/5xx with {"name", "message", "arguments", "context", "debug"}.
 * The message Odoo meant for people is kept on one line; the debug member
 * (a Python traceback) never leaves this file.
 *
 * Access errors (AccessError, AccessDenied, HTTP 401/403) are 77; any
 * other error Odoo names (UserError, ValidationError, MissingError, ...)
 * is 65, the request refused as it was, and Odoo rolled back whatever it
 * had started; a reply that is not Odoo's, a 5xx Odoo does not explain,
 * is 69: down. This file is pure (no I/O): t/fuzz/odoo_reply.c feeds it.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "odoo/odoo.h"

/* s with every run of white space (newlines, tabs) and control bytes as
 * one space, trimmed, into buf. */
static void one_line(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	int space = 0;

	for (; *s && n + 1 < size; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f) {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < size)
			buf[n++] = ' ';
		space = 0;
		buf[n++] = *s;
	}
	buf[n] = '\0';
}

/* The last part of a dotted name: odoo.exceptions.UserError -> UserError. */
static const char *short_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

static int is_access(const char *name)
{
	name = short_name(name);
	return strcmp(name, "AccessError") == 0 ||
	    strcmp(name, "AccessDenied") == 0 ||
	    strcmp(name, "Unauthorized") == 0 || strcmp(name, "Forbidden") == 0;
}

/* The error's verdict: 77 or 65 for an error Odoo names (or an HTTP 4xx),
 * 69 when it does not say; the message in aie_errmsg. */
static int odoo_error(const char *what, long status, const char *name,
    const char *msg)
{
	char line[512], nm[128];
	int code;

	one_line(msg && *msg ? msg : "error", line, sizeof line);
	one_line(name ? short_name(name) : "", nm, sizeof nm);
	if ((name && is_access(name)) || status == 401 || status == 403)
		code = EX_REFUSED;
	else if ((name && *name) || (status >= 400 && status < 500))
		code = EX_DATA;
	else
		code = EX_DOWN;
	aie_fail(code, "%s: %s%s%s%s", what, line, *nm ? " (" : "", nm,
	    *nm ? ")" : "");
	return code;
}

/* odoo_reply's verdict, its message made one line (Odoo's and jansson's
 * texts may hold line breaks). */
static int said(int r)
{
	char line[sizeof aie_errmsg];

	if (r) {
		one_line(aie_errmsg, line, sizeof line);
		snprintf(aie_errmsg, sizeof aie_errmsg, "%s", line);
	}
	return r;
}

int odoo_reply(int json2, const char *what, long status, const char *body,
    size_t len, json_t **result)
{
	json_t *reply, *err, *res;
	json_error_t je;
	const char *name = NULL, *msg = NULL, *dname = NULL, *dmsg = NULL;
	int r;

	*result = NULL;
	reply = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, &je);
	if (status >= 300 || status < 200) {
		if (json_is_object(reply))
			json_unpack(reply, "{s?s, s?s}", "name", &name, "message", &msg);
		if (!json2 || (status >= 500 && !(name && strchr(name, '.')))) {
			/* a /jsonrpc that is not 200, or a 5xx from a proxy */
			char line[256];
			one_line(msg ? msg : "", line, sizeof line);
			aie_fail(EX_DOWN, "%s: HTTP %ld%s%s", what, status,
			    *line ? ": " : "", line);
			r = EX_DOWN;
		} else
			r = odoo_error(what, status, name, msg);
		json_decref(reply);
		return said(r);
	}
	if (!reply) {
		aie_fail(EX_DOWN, "%s: the reply is not JSON (%s)", what, je.text);
		return said(EX_DOWN);
	}
	if (json2) {
		*result = reply;
		return 0;
	}
	err = json_is_object(reply) ? json_object_get(reply, "error") : NULL;
	res = json_is_object(reply) ? json_object_get(reply, "result") : NULL;
	if (err) {
		json_unpack(err, "{s?s, s?{s?s, s?s}}", "message", &msg, "data",
		    "name", &dname, "message", &dmsg);
		/* a JSON-RPC error always comes from Odoo: named or not, 65 */
		r = odoo_error(what, 200, dname && *dname ? dname : "Error",
		    dmsg ? dmsg : msg);
	} else if (!res) {
		aie_fail(EX_DOWN, "%s: a reply with neither result nor error "
		    "(not Odoo?)", what);
		r = EX_DOWN;
	} else {
		*result = json_incref(res);
		r = 0;
	}
	json_decref(reply);
	return said(r);
}
