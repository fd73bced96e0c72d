/*
 * move.c - customer invoices (account.move, move_type out_invoice) and
 * their partners: find a partner, create a draft, read a move back with
 * its lines, post it (see odoo-invoice(1), odoo-post(1)).
 *
 * Odoo's read gives a many2one as [id, "display name"] or false, a date as
 * "YYYY-MM-DD" or false, amounts as numbers; odoo_move_parse takes one
 * such record and refuses one that is not (t/fuzz/odoo_reply.c feeds it).
 * An invoice's lines are invoice_line_ids (the product lines, not the tax
 * and receivable lines of line_ids), read in that order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vault/vault.h"
#include "odoo/odoo.h"

static const char *const move_fields[] = {
	"name", "state", "move_type", "partner_id", "currency_id",
	"amount_total", "amount_residual", "invoice_date", "invoice_date_due",
	"payment_state", "invoice_line_ids", NULL
};

static json_t *field_list(const char *const *f)
{
	json_t *a = json_array();

	for (; *f; f++)
		json_array_append_new(a, json_string(*f));
	return a;
}

void odoo_move_free(struct odoo_move *m)
{
	free(m->lines);
	json_decref(m->held);
	m->lines = NULL;
	m->held = NULL;
	m->nlines = 0;
}

/* A string field (false: ""), into buf; -1 when it is neither or too long. */
static int str_field(json_t *rec, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(rec, key);

	if (json_is_false(v) || json_is_null(v) || !v) {
		buf[0] = '\0';
		return v ? 0 : -1;
	}
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	strcpy(buf, json_string_value(v));
	return 0;
}

/* A many2one [id, "name"] (false: id 0, ""); -1 when it is not one. */
static int m2o_field(json_t *rec, const char *key, long *id, char *buf,
    size_t size)
{
	json_t *v = json_object_get(rec, key);
	json_int_t i;
	const char *s;

	*id = 0;
	buf[0] = '\0';
	if (json_is_false(v))
		return 0;
	if (json_unpack(v, "[Is]", &i, &s) < 0 || i <= 0 || i > 1L << 53 ||
	    strlen(s) >= size)
		return -1;
	*id = (long)i;
	strcpy(buf, s);
	return 0;
}

int odoo_move_parse(json_t *rec, struct odoo_move *m)
{
	json_int_t id;
	json_t *tot, *res;

	memset(m, 0, sizeof *m);
	if (json_unpack(rec, "{s:I, s:o, s:o}", "id", &id, "amount_total", &tot,
	    "amount_residual", &res) < 0 || id <= 0 || id > 1L << 53 ||
	    !json_is_number(tot) || !json_is_number(res) ||
	    str_field(rec, "name", m->name, sizeof m->name) < 0 ||
	    str_field(rec, "state", m->state, sizeof m->state) < 0 ||
	    str_field(rec, "move_type", m->move_type, sizeof m->move_type) < 0 ||
	    str_field(rec, "invoice_date", m->date, sizeof m->date) < 0 ||
	    str_field(rec, "invoice_date_due", m->due, sizeof m->due) < 0 ||
	    str_field(rec, "payment_state", m->payment_state,
	    sizeof m->payment_state) < 0 ||
	    m2o_field(rec, "partner_id", &m->partner_id, m->partner,
	    sizeof m->partner) < 0 ||
	    m2o_field(rec, "currency_id", &m->currency_id, m->currency,
	    sizeof m->currency) < 0)
		return aie_fail(EX_DOWN, "account.move: a record not as Odoo "
		    "sends it");
	m->id = (long)id;
	m->amount_total = json_number_value(tot);
	m->amount_residual = json_number_value(res);
	return 0;
}

/* The lines of rec's invoice_line_ids, read from account.move.line. */
static int read_lines(struct odoo_conn *k, json_t *rec, struct odoo_move *m)
{
	json_t *ids = json_object_get(rec, "invoice_line_ids"), *res, *l;
	size_t i, n;
	int r;

	if (!json_is_array(ids))
		return aie_fail(EX_DOWN, "account.move %ld: no invoice_line_ids",
		    m->id), EX_DOWN;
	if ((n = json_array_size(ids)) == 0)
		return 0;
	if (n > ODOO_LINES_MAX)
		return aie_fail(EX_DATA, "account.move %ld: more than %d lines",
		    m->id, ODOO_LINES_MAX), EX_DATA;
	if ((r = odoo_call(k, "account.move.line", "read", json_deep_copy(ids),
	    json_pack("{s:[s, s, s, s]}", "fields", "name", "quantity",
	    "price_unit", "price_subtotal"), &res)))
		return r;
	if (!json_is_array(res) || json_array_size(res) != n ||
	    !(m->lines = calloc(n, sizeof *m->lines))) {
		json_decref(res);
		return aie_fail(EX_DOWN, "account.move.line.read: not the %zu "
		    "lines asked for", n), EX_DOWN;
	}
	m->nlines = n;
	m->held = res;           /* the names point into it */
	json_array_foreach(res, i, l) {
		json_t *q, *p, *s, *nm = json_object_get(l, "name");
		if (json_unpack(l, "{s:o, s:o, s:o}", "quantity", &q, "price_unit",
		    &p, "price_subtotal", &s) < 0 || !json_is_number(q) ||
		    !json_is_number(p) || !json_is_number(s) ||
		    !(json_is_string(nm) || json_is_false(nm))) {
			odoo_move_free(m);
			return aie_fail(EX_DOWN, "account.move.line.read: a line not "
			    "as Odoo sends it"), EX_DOWN;
		}
		m->lines[i].name = json_is_string(nm) ? json_string_value(nm) : "";
		m->lines[i].qty = json_number_value(q);
		m->lines[i].price = json_number_value(p);
		m->lines[i].subtotal = json_number_value(s);
	}
	return 0;
}

int odoo_move_read(struct odoo_conn *k, long id, struct odoo_move *m)
{
	json_t *res;
	int r;

	memset(m, 0, sizeof *m);
	if ((r = odoo_call(k, "account.move", "read", json_pack("[I]",
	    (json_int_t)id), json_pack("{s:o}", "fields",
	    field_list(move_fields)), &res)))
		return r;
	if (!json_is_array(res) || json_array_size(res) != 1) {
		json_decref(res);
		return aie_fail(EX_DATA, "account.move %ld: no such record", id),
		    EX_DATA;
	}
	if (odoo_move_parse(json_array_get(res, 0), m) < 0 || m->id != id) {
		json_decref(res);
		return aie_fail(EX_DOWN, "account.move %ld: a record not as Odoo "
		    "sends it", id), EX_DOWN;
	}
	r = read_lines(k, json_array_get(res, 0), m);
	json_decref(res);
	if (r)
		odoo_move_free(m);
	return r;
}

int odoo_invoice_create(struct odoo_conn *k, long partner_id,
    const struct odoo_line *lines, size_t n, const char *date,
    const char *due, const char *origin, long *id)
{
	json_t *cmds = json_array(), *vals;
	size_t i;

	*id = 0;
	for (i = 0; i < n; i++)
		json_array_append_new(cmds, json_pack("[i, i, {s:s, s:f, s:f}]", 0,
		    0, "name", lines[i].name, "quantity", lines[i].qty,
		    "price_unit", lines[i].price));
	vals = json_pack("{s:s, s:I, s:s, s:o}", "move_type", "out_invoice",
	    "partner_id", (json_int_t)partner_id, "invoice_date", date,
	    "invoice_line_ids", cmds);
	if (vals && due && *due)
		json_object_set_new(vals, "invoice_date_due", json_string(due));
	if (vals && origin)
		json_object_set_new(vals, "invoice_origin", json_string(origin));
	return odoo_create(k, "account.move", vals, NULL, id);
}

int odoo_invoice_by_origin(struct odoo_conn *k, const char *origin, long *id)
{
	json_t *res, *rec;
	int r;

	*id = 0;
	if ((r = odoo_call(k, "account.move", "search_read", NULL, json_pack(
	    "{s:[[s, s, s], [s, s, s], [s, s, s]], s:[s], s:i}", "domain",
	    "invoice_origin", "=", origin, "move_type", "=", "out_invoice",
	    "state", "!=", "cancel", "fields", "id", "limit", 1), &res)))
		return r;
	if (!json_is_array(res)) {
		json_decref(res);
		return aie_fail(EX_DOWN, "account.move.search_read: not a list"),
		    EX_DOWN;
	}
	if ((rec = json_array_get(res, 0)))
		*id = (long)json_integer_value(json_object_get(rec, "id"));
	json_decref(res);
	if (rec && *id <= 0)
		return aie_fail(EX_DOWN, "account.move.search_read: no id"), EX_DOWN;
	return 0;
}

int odoo_move_post(struct odoo_conn *k, long id)
{
	json_t *res;
	int r;

	/* action_post returns False, or an action for a wizard: no matter */
	if ((r = odoo_call(k, "account.move", "action_post", json_pack("[I]",
	    (json_int_t)id), NULL, &res)))
		return r;
	json_decref(res);
	return 0;
}

int odoo_move_cancel(struct odoo_conn *k, long id)
{
	json_t *res;
	int r;

	if ((r = odoo_call(k, "account.move", "button_cancel", json_pack("[I]",
	    (json_int_t)id), NULL, &res)))
		return r;
	json_decref(res);
	return 0;
}

/* Add "Name <email> (id N)" to the list in buf. */
static void add_candidate(char *buf, size_t size, json_t *p)
{
	const char *name = "", *email = NULL;
	json_int_t id = 0;
	size_t n = strlen(buf);

	json_unpack(p, "{s?I, s?s}", "id", &id, "name", &name);
	if (json_is_string(json_object_get(p, "email")))
		email = json_string_value(json_object_get(p, "email"));
	snprintf(buf + n, size - n, "%s%s%s%s%s (id %lld)", n ? "; " : "", name,
	    email ? " <" : "", email ? email : "", email ? ">" : "",
	    (long long)id);
}

/* search_read res.partner where field =ilike value: *found is the array.
 * =ilike is SQL's ILIKE with the value as its pattern, so % _ and \ in
 * the value are escaped: a_b@x must not find axb@x. */
static int search(struct odoo_conn *k, const char *field, const char *value,
    json_t **found)
{
	char pat[600];
	size_t n = 0;

	for (; *value && n + 3 < sizeof pat; value++) {
		if (*value == '%' || *value == '_' || *value == '\\')
			pat[n++] = '\\';
		pat[n++] = *value;
	}
	pat[n] = '\0';
	return odoo_call(k, "res.partner", "search_read", NULL, json_pack(
	    "{s:[[s, s, s]], s:[s, s, s, s], s:i}", "domain", field, "=ilike",
	    pat, "fields", "name", "email", "property_payment_term_id",
	    "display_name", "limit", 6), found);
}

int odoo_partner_find(struct odoo_conn *k, const char *email,
    const char *name, struct odoo_partner *p, char *cand, size_t size)
{
	json_t *found = NULL, *one;
	size_t i;
	int r;

	memset(p, 0, sizeof *p);
	cand[0] = '\0';
	if (email && *email && (r = search(k, "email", email, &found)))
		return r;
	if ((!found || json_array_size(found) == 0) && name && *name) {
		json_decref(found);
		if ((r = search(k, "name", name, &found)))
			return r;
	}
	if (!json_is_array(found)) {
		json_decref(found);
		return aie_fail(EX_DOWN, "res.partner.search_read: not a list"),
		    EX_DOWN;
	}
	json_array_foreach(found, i, one)
		add_candidate(cand, size, one);
	r = json_array_size(found) == 0 ? 1 : json_array_size(found) > 1 ? 2 : 0;
	if (r == 0) {
		json_int_t id = 0;
		char em[200];
		one = json_array_get(found, 0);
		if (json_unpack(one, "{s:I}", "id", &id) < 0 || id <= 0 ||
		    str_field(one, "name", p->name, sizeof p->name) < 0 ||
		    str_field(one, "email", em, sizeof em) < 0) {
			json_decref(found);
			return aie_fail(EX_DOWN, "res.partner.search_read: a record "
			    "not as Odoo sends it"), EX_DOWN;
		}
		p->id = (long)id;
		snprintf(p->email, sizeof p->email, "%s", em);
		p->has_terms = json_is_array(json_object_get(one,
		    "property_payment_term_id"));
	}
	json_decref(found);
	return r;
}
