/*
 * odoo.h - Odoo's external API over JSON-RPC (/jsonrpc) or Odoo 19's JSON-2
 * (/json/2/<model>/<method> with a bearer API key): is it up (odoo-ping(1),
 * vault-health(1)), model calls with Odoo's errors as exit statuses, and
 * customer invoices (odoo-invoice(1), odoo-post(1)).
 */
#ifndef AIE_ODOO_H
#define AIE_ODOO_H

#include "base/base.h"

typedef struct json_t json_t;
struct item;

struct odoo_cfg {
	const char *url, *db, *user;
	const char *secret;      /* API key, else password; belongs to config */
	int json2;               /* ODOO_API_MODE=json2 */
	long timeout;            /* seconds per request (ODOO_TIMEOUT) */
};

/* From the configuration: 0 ready; 1 when ODOO_URL is not set (Odoo is not
 * part of this installation); -1 with aie_errcode 78 when a key the mode
 * needs is missing. */
int odoo_config(struct odoo_cfg *c);

enum { ODOO_VERSION, ODOO_LOGIN, ODOO_READ, ODOO_STEPS };
extern const char *const odoo_step_name[ODOO_STEPS];

struct odoo_status {
	char version[64];
	long uid;                /* -1 until known */
	char name[128];          /* what the read returned: the user's name */
	double ms[ODOO_STEPS];   /* latency of each step, -1 when not run */
	int failed_step;         /* the step that failed, -1 when none */
};

/* Run the steps in order, stopping at the first that fails. 0 when all
 * passed; 1 when Odoo answered but login or the read failed (the reason
 * in aie_errmsg); 69 when it is down: refused, timed out, 5xx, or a reply
 * that is not Odoo's (aie_errmsg says which). */
int odoo_ping(const struct odoo_cfg *c, struct odoo_status *s);

/* ---- model calls (client.c, reply.c) ---- */

/* Like odoo_config, with the posting user's credentials when they are set
 * (ODOO_POST_USER with ODOO_POST_API_KEY or ODOO_POST_PASSWORD; for
 * JSON-2 ODOO_POST_API_KEY): the local agent posts as a user the cloud's
 * drafting user is not. Without them, the one user does both. */
int odoo_config_poster(struct odoo_cfg *c);

struct odoo_conn {
	struct odoo_cfg cfg;
	long uid;                /* JSON-RPC: from authenticate */
	int id;                  /* JSON-RPC request ids */
};

/* Ready to call: over JSON-RPC a login (authenticate) for the uid. 0, or
 * an exit status with the reason in aie_errmsg: 77 the login is refused,
 * 65 Odoo refused the request, 69 down (75: timed out). */
int odoo_connect(struct odoo_conn *k, const struct odoo_cfg *c);

/* model.method(ids, **kw): steals ids (a JSON array, or NULL for a model
 * method) and kw (an object, or NULL). 0 with *result (a new reference);
 * else 77 access refused, 65 Odoo refused the call (UserError,
 * ValidationError, ...: nothing was done), 69 down or not Odoo, 75 timed
 * out (the call may have been carried out); aie_errmsg says "model.method:
 * Odoo's message (UserError)" on one line. */
int odoo_call(struct odoo_conn *k, const char *model, const char *method,
    json_t *ids, json_t *kw, json_t **result);

/* model.create of one record of vals (stolen), with the context ctx (not
 * stolen; NULL for none): 0 with *id, or an exit status as odoo_call's
 * (69 when the reply holds no id). */
int odoo_create(struct odoo_conn *k, const char *model, json_t *vals,
    json_t *ctx, long *id);

/* The verdict on one HTTP reply to the call what ("model.method"): 0 with
 * *result (a new reference), else 65, 77 or 69 as odoo_call, *result NULL.
 * Pure; status 0 is no reply. */
int odoo_reply(int json2, const char *what, long status, const char *body,
    size_t len, json_t **result);

/* ---- customer invoices (move.c, invoice.c) ---- */

#define ODOO_LINES_MAX 50

struct odoo_line {
	const char *name;
	double qty, price, subtotal;
};

struct odoo_move {
	long id;
	char name[64];           /* "/" for a draft, INV/2026/00042 posted */
	char state[16];          /* draft, posted, cancel */
	char move_type[24];
	long partner_id, currency_id;
	char partner[200], currency[16];
	double amount_total, amount_residual;
	char date[16], due[16];  /* YYYY-MM-DD or "" */
	char payment_state[24];
	struct odoo_line *lines;
	size_t nlines;
	json_t *held;            /* what the lines' names point into */
};

/* ---- requests (request.c): what a client asks to be invoiced for ---- */

/* A client and the lines to invoice (their names malloc'd). */
struct odoo_request {
	char name[200], email[200];
	struct odoo_line lines[ODOO_LINES_MAX];
	size_t n;
};
/* One line of odoo-invoice's input, "Name <email> AMOUNT "text"" (the
 * text quoted or not), into r (its client, no lines) and l (qty 1, name
 * malloc'd); line is changed. 0; 1 for a blank line or a # comment; else
 * -1 with 65 and why. */
int odoo_request_line(char *line, struct odoo_request *r,
    struct odoo_line *l);
/* The request an item asking for an invoice makes: the client its from
 * ("Name <email>"), one line of the one amount subject and body state with
 * a currency, named by a "For:" or "Description:" line, else the subject.
 * 0, or -1 with 65 and why (no address, no amount or several). */
int odoo_request_item(const char *from, const char *subj, const char *body,
    size_t bodylen, struct odoo_request *r);
/* Free the lines' names. */
void odoo_request_free(struct odoo_request *r);

struct odoo_partner {
	long id;
	char name[200], email[200];
	int has_terms;           /* payment terms set: Odoo computes the due date */
};

/* One account.move record as read gives it, without its lines. 0, or -1
 * (69) when it is not shaped as Odoo sends it. */
int odoo_move_parse(json_t *rec, struct odoo_move *m);
/* Read the move id and its invoice lines. 0 or an exit status. */
int odoo_move_read(struct odoo_conn *k, long id, struct odoo_move *m);
void odoo_move_free(struct odoo_move *m);

/* The partner by email (=ilike), else by name: 0 one (in *p), 1 none, 2
 * several; cand lists those found, "Name <email> (id N); ...". Else an
 * exit status. */
int odoo_partner_find(struct odoo_conn *k, const char *email,
    const char *name, struct odoo_partner *p, char *cand, size_t size);

/* A draft customer invoice of n lines; due NULL lets Odoo compute it from
 * the payment terms; origin (or NULL) its invoice_origin, the vault item
 * it is drafted for. 0 with *id, or an exit status. */
int odoo_invoice_create(struct odoo_conn *k, long partner_id,
    const struct odoo_line *lines, size_t n, const char *date,
    const char *due, const char *origin, long *id);
/* The customer invoice, not cancelled, drafted earlier for origin (its
 * invoice_origin): 0 with *id, 0 with *id 0 when there is none, else an
 * exit status. */
int odoo_invoice_by_origin(struct odoo_conn *k, const char *origin,
    long *id);

/* action_post on the move. 0 or an exit status (75: it may have posted). */
int odoo_move_post(struct odoo_conn *k, long id);
/* button_cancel on the move: state cancel, kept for the record. Odoo 17
 * resets a POSTED move to draft first and cancels it too, so the caller
 * reads the move back and cancels drafts only. 0 or an exit status. */
int odoo_move_cancel(struct odoo_conn *k, long id);

/* Mail the posted invoice m to its customer through Odoo's own Send
 * wizard (send.c): Odoo's template, the PDF attached, the invoice marked
 * sent. 0 with the partner's address in to; else an exit status (65 the
 * partner has no email or Odoo refused; 75: it may have been sent). */
int odoo_invoice_send(struct odoo_conn *k, const struct odoo_move *m,
    char *to, size_t size);

/* What an invoice draft item holds (see vault(5)): the partner as
 * "Name (id N)", an amount as "5000.00", and the body (malloc'd, NULL on
 * error): the lines as a Markdown table, the total, the dates. */
void odoo_partner_label(long id, const char *name, char *buf, size_t size);
void odoo_money(double v, char *buf, size_t size);
char *odoo_invoice_body(const struct odoo_move *m);

/* ---- amounts in text (text.c) ---- */

/* s[0..len) as an amount: digits, optionally "." and one or two digits,
 * more than 0. 0 with *out, or -1. */
int odoo_amount(const char *s, size_t len, double *out);
/* The amount text states with its currency ($5,000 5000 USD EUR 12.50
 * €30): 1 with *out when there is one (repeated or not), 0 when none, -1
 * when several differ. */
int odoo_stated_amount(const char *text, double *out);
/* The one invoice name (INV/YYYY/N...) text holds, into buf: 1, 0 when
 * none, -1 when several differ. */
int odoo_invoice_name(const char *text, char *buf, size_t size);

/* ---- payments (payment.c) ---- */

/* The customer invoice named name (INV/2026/00042), read with its lines.
 * 0, 1 when there is none, else an exit status. */
int odoo_invoice_by_name(struct odoo_conn *k, const char *name,
    struct odoo_move *m);

/* Register a payment of amount on date (YYYY-MM-DD) for the posted move,
 * as its Register Payment button does. 0 or an exit status (75: it may
 * have been registered). */
int odoo_payment_register(struct odoo_conn *k, long move_id, double amount,
    const char *date);

/* Does the payment item (its signed invoice, partner, currency, amount)
 * still fit the move: a posted customer invoice with at least that much
 * left to pay? 0 with *amount, or -1 (65) with why. */
int odoo_payment_verify(const struct item *it, const struct odoo_move *m,
    double *amount);

/* ---- the invoices' report (report.c) ---- */

#define ODOO_CURRENCIES 8

struct odoo_sum {
	char currency[16];
	double amount;
};

struct odoo_report {
	char today[16], week_start[16], month_start[16];
	/* revenue: posted customer invoices less posted credit notes dated
	 * since Monday, since the 1st; per currency */
	struct odoo_sum week[ODOO_CURRENCIES], month[ODOO_CURRENCIES];
	size_t nweek, nmonth;
	/* posted invoices not (fully) paid, by due date; late[i] days
	 * late, 0 when not due yet; overdue: their amount_residual per
	 * currency; owed: the same less credit, what is left of posted
	 * credit notes not yet set against an invoice or refunded */
	struct odoo_move *unpaid;     /* without lines */
	long *late;
	size_t nunpaid, noverdue;
	struct odoo_sum owed[ODOO_CURRENCIES], overdue[ODOO_CURRENCIES];
	size_t nowed, noverdue_cur;
	struct odoo_sum credit[ODOO_CURRENCIES];
	size_t ncredit;
};

/* The report as of now (local dates). 0, or an exit status. */
int odoo_report(struct odoo_conn *k, time_t now, struct odoo_report *rep);
void odoo_report_free(struct odoo_report *rep);

/* Does the item (its signed partner, currency, amount_total and body)
 * still describe the move, a draft customer invoice? 0, or -1 (65) with
 * what differs. */
int odoo_invoice_verify(const struct item *it, const struct odoo_move *m);

#endif
