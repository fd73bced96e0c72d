/*
 * odoo_reply.c - fuzz what lib/odoo takes from Odoo for the accounting
 * tools: odoo_reply (reply.c: JSON-RPC envelopes and JSON-2 bodies) and,
 * on a result that is a list, odoo_move_parse on its first record and
 * odoo_invoice_body on what it gives (move.c, invoice.c).
 *
 * The input is a mode byte (odd: JSON-2), three digits of HTTP status,
 * then the body. Properties: the verdict is 0, 65, 77 or 69; 0 comes with
 * a result and nothing else does; a refusal's message is one line, not
 * empty, and never holds a traceback from the debug member unless the
 * message Odoo meant for people has one; a
 * move that parses makes a body whose table has one row per line.
 */
#include <jansson.h>

#include "fuzz.h"

#include "vault/vault.h"
#include "odoo/odoo.h"

static void check_move(json_t *res)
{
	struct odoo_move m;
	struct odoo_line l = { "a | b\nc", 2, 1.5, 3 };
	char *body, *p;
	size_t rows = 0;

	if (!json_is_array(res) || odoo_move_parse(json_array_get(res, 0),
	    &m) < 0)
		return;
	m.lines = &l;
	m.nlines = 1;
	if (!(body = odoo_invoice_body(&m)))
		fz_fail("no body for a parsed move");
	for (p = body; (p = strstr(p, "\n| ")); p++)
		rows++;
	if (rows != 3)        /* the header, the one line, the total */
		fz_fail("%zu table rows, want 3:\n%s", rows, body);
	free(body);
}

static const char *str_member(json_t *o, const char *key, const char *none)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : none;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *res = NULL, *reply, *err;
	const char *debug = NULL, *m1 = "", *m2 = "", *n = "";
	long status;
	int r;

	if (size < 4 || size > 65536)
		return 0;
	if (data[1] < '0' || data[1] > '9' || data[2] < '0' || data[2] > '9' ||
	    data[3] < '0' || data[3] > '9')
		return 0;
	status = (data[1] - '0') * 100 + (data[2] - '0') * 10 + (data[3] - '0');
	aie_errmsg[0] = '\0';
	r = odoo_reply(data[0] & 1, "m.f", status, (const char *)data + 4,
	    size - 4, &res);
	if (r != 0 && r != EX_DATA && r != EX_REFUSED && r != EX_DOWN)
		fz_fail("verdict %d", r);
	if ((r == 0) != (res != NULL))
		fz_fail("verdict %d with%s a result", r, res ? "" : "out");
	if (r) {
		if (!aie_errmsg[0] || strchr(aie_errmsg, '\n'))
			fz_fail("message not one line: \"%s\"", aie_errmsg);
		reply = json_loadb((const char *)data + 4, size - 4, 0, NULL);
		/* each member on its own: one of another type (a list for a
		 * message) must not hide the others from the property */
		if ((err = json_object_get(reply, "error"))) {
			m1 = str_member(err, "message", "");
			err = json_object_get(err, "data");
			m2 = str_member(err, "message", "");
		} else {
			err = reply;
			m1 = str_member(err, "message", "");
		}
		debug = str_member(err, "debug", NULL);
		n = str_member(err, "name", "");
		/* unless Odoo's message or name itself holds one */
		if (debug && strstr(debug, "Traceback") &&
		    strstr(aie_errmsg, "Traceback") && !strstr(m1, "Traceback") &&
		    !strstr(m2, "Traceback") && !strstr(n, "Traceback"))
			fz_fail("the traceback in the message: %s", aie_errmsg);
		json_decref(reply);
		return 0;
	}
	check_move(res);
	json_decref(res);
	return 0;
}
