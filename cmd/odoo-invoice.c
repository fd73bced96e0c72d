/*
 * odoo-invoice - draft customer invoices in Odoo and file each for the
 * owner's approval (see odoo-invoice(1), vault(5) Finance items).
 *
 * The requests come from stdin, one line each ("Client <mail> 5000
 * "Consulting, November""; lines of one client make one invoice), or from
 * an item that asks for an invoice (--from ID; --requests: every
 * invoice_request waiting in Needs_Action/finance/). Each partner is found in
 * Odoo (res.partner by email, then by name); none or several, and the
 * request goes to the owner in Needs_Action/finance/ with the candidates,
 * nothing created. Else a DRAFT account.move is created and read back,
 * and Pending_Approval/finance/INVOICE_<time>_<rand>.md is made from what
 * Odoo holds (action post_invoice: odoo-post(1) posts it once approved).
 * Nothing here posts: the cloud's Odoo user needs only to create drafts.
 *
 * Drafted from an item, the draft's ID derives from the item's and the
 * move carries it as invoice_origin, so a second run finds the first
 * one's draft (in the vault, or only in Odoo when it was cut short before
 * filing) instead of making another. An invoice_request is claimed
 * first and, drafted, settled: moved to Done/ with drafted: <draft ID>.
 *
 * --cancel-rejected: the drafts the owner rejected (Rejected/finance/,
 * type invoice_draft, no odoo_state yet) are cancelled in Odoo, so no one
 * posts them there by mistake and they leave the list of drafts; the item
 * gets odoo_state. Only a move still a draft customer invoice is
 * cancelled: Odoo's button_cancel would reset a posted one and cancel it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "odoo/odoo.h"

#define REQ_MAX 20


struct ctx {
	struct vault *v;
	struct odoo_conn k;
	const struct odoo_cfg *cfg;
	int connected;
	const char *source;      /* srcid while drafting from an item, or NULL */
	char srcid[AIE_ID_MAX + 1];
	char did[AIE_ID_MAX + 1]; /* the draft's ID, derived from source's */
	int request;             /* source is an invoice_request */
	long due_days, expires_hours;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: odoo-invoice [-C DIR] "
	    "[-a AGENT] [-jqv] [--from ID | --requests | --cancel-rejected]\n");
	exit(status ? 2 : 0);
}

struct cancel {
	struct odoo_conn *k;
	int status;              /* the worst; EX_NEG while none cancelled */
};

/* One rejected item: its draft cancelled in Odoo and odoo_state written. */
static int cancel_one(struct vault *v, const struct itemref *ref, void *arg)
{
	struct cancel *c = arg;
	struct item it;
	struct odoo_move m;
	char *type = NULL, *oid = NULL, *done = NULL, *end = NULL, *iid;
	const char *kv[] = { "odoo_state", "cancel", NULL };
	long id = 0;
	int r = 0;

	if (item_load(v, ref, &it) < 0) {
		cli_warnerr(ref->rel);
		return 0;
	}
	type = fm_get(&it, "type");
	oid = fm_get(&it, "odoo_id");
	done = fm_get(&it, "odoo_state");
	/* the item's own id: Rejected/ names the file ID.<time> */
	iid = fm_get(&it, "id");
	fm_free(&it);
	if (oid)
		id = strtol(oid, &end, 10);
	if (!type || strcmp(type, "invoice_draft") || done || !oid ||
	    end == oid || *end || id <= 0)
		goto out;                /* not a draft of ours, or settled */
	if ((r = odoo_move_read(c->k, id, &m)) != 0) {
		cli_warn(ref->rel, "%s", aie_errmsg);
		goto out;
	}
	if (strcmp(m.state, "draft") || strcmp(m.move_type, "out_invoice")) {
		/* posted in Odoo after all, or cancelled there: say so once */
		kv[1] = m.state;
		if (strcmp(m.state, "cancel"))
			cli_warn(ref->rel, "account.move %ld is %s %s in Odoo, not a "
			    "draft: left as it is", id, m.state, m.name);
		odoo_move_free(&m);
		if (item_annotate(v, ref, kv) < 0)
			cli_warnerr(ref->rel);
		goto out;
	}
	odoo_move_free(&m);
	if ((r = odoo_move_cancel(c->k, id)) != 0)
		cli_warn(ref->rel, "%s", aie_errmsg);
	else if (item_annotate(v, ref, kv) < 0) {
		cli_warnerr(ref->rel);
		r = aie_errcode;
	} else {
		audit_event(v, "invoice_cancel", iid ? iid : ref->id, NULL,
		    ref->rel, "rejected by the owner");
		if (cli.json)
			cli_print_json(json_pack("{s:s, s:s, s:s, s:I}", "id", iid ? iid :
			    ref->id,
			    "path", ref->rel, "event", "invoice_cancel", "odoo_id",
			    (json_int_t)id));
		else
			printf("%s\tcancelled account.move %ld\n", ref->rel, id);
		c->status = c->status == EX_NEG ? 0 : c->status;
	}
out:
	if (r && (c->status == EX_NEG || r > c->status))
		c->status = r;
	free(type);
	free(oid);
	free(done);
	free(iid);
	return 0;
}

/* --cancel-rejected: 0 some cancelled, 1 none to cancel, else the worst
 * failure (the others are still tried). */
static int cancel_rejected(struct vault *v, const struct odoo_cfg *cfg)
{
	struct odoo_conn k;
	struct cancel c = { &k, EX_NEG };
	int r;

	if ((r = odoo_connect(&k, cfg)) != 0) {
		cli_warn(cfg->url, "%s", aie_errmsg);
		return r;
	}
	if (vault_walk(v, ST_REJECTED, "finance", cancel_one, &c) < 0) {
		cli_warnerr("Rejected/finance");
		return aie_errcode;
	}
	return c.status;
}

/* Add the stdin lines to reqs, a client's lines to one request. */
static int read_stdin(struct odoo_request *reqs, size_t *nreq)
{
	char *line = NULL;
	size_t cap = 0, i, lineno = 0;
	int status = 0;

	while (getline(&line, &cap, stdin) > 0) {
		struct odoo_request r;
		struct odoo_line l;
		char where[32];
		int got;

		snprintf(where, sizeof where, "line %zu", ++lineno);
		if ((got = odoo_request_line(line, &r, &l)) > 0)
			continue;        /* blank, or a comment */
		if (got < 0) {
			cli_warnerr(where);
			status = EX_DATA;
			continue;
		}
		for (i = 0; i < *nreq && strcasecmp(reqs[i].email, r.email); i++)
			;
		if (i == *nreq && *nreq < REQ_MAX)
			reqs[(*nreq)++] = r;
		if (i == REQ_MAX || reqs[i].n == ODOO_LINES_MAX) {
			cli_warn(where, "too many clients or lines at once");
			free((char *)l.name);    /* ours: odoo_request_line's */
			status = EX_DATA;
			continue;
		}
		reqs[i].lines[reqs[i].n++] = l;
	}
	free(line);
	return status;
}

/* The request the item at ref makes (odoo_request_item). */
static int read_item(struct ctx *c, const struct itemref *ref,
    struct odoo_request *r)
{
	struct item it;
	char *from, *subj;
	int rc;

	memset(r, 0, sizeof r[0]);
	if (item_load(c->v, ref, &it) < 0)
		return -1;
	from = fm_get(&it, "from");
	subj = fm_get(&it, "subject");
	rc = odoo_request_item(from, subj, it.body, it.bodylen, r);
	free(from);
	free(subj);
	fm_free(&it);
	return rc;
}

/* The front matter common to what this files: type, id, dates, domain. */
static int head(struct item *it, const char *type, const char *id,
    const char *status, const struct ctx *c)
{
	char now[21];

	time_rfc3339(time(NULL), now);
	if (fm_parse(it, "---\n---\n", 8) < 0 || fm_set(it, "type", type) < 0 ||
	    fm_set(it, "id", id) < 0 || fm_set(it, "created", now) < 0 ||
	    fm_set(it, "domain", "finance") < 0 ||
	    fm_set(it, "status", status) < 0 ||
	    (c->source && fm_set(it, "source", c->source) < 0))
		return -1;
	return 0;
}

/* File it as stage/finance/id; print its path. */
static int file(struct ctx *c, struct item *it, const char *id,
    enum stage st, const char *event, const char *note)
{
	struct itemref ref;

	if (item_ref_set(&ref, id, st, "finance") < 0 ||
	    item_create(c->v, &ref, it) < 0)
		return -1;
	audit_event(c->v, event, id, c->source, ref.rel, note);
	if (cli.json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "id", id, "path",
		    ref.rel, "event", event));
	else
		printf("%s\n", ref.rel);
	return 0;
}

/* No partner, or several: the request to the owner, nothing created. */
static int to_owner(struct ctx *c, const struct odoo_request *r, int found,
    const char *cand)
{
	struct item it;
	char id[AIE_ID_MAX + 1], *body = NULL, subj[600];
	size_t len = 0, i;
	FILE *f;
	int rc = -1;

	memset(&it, 0, sizeof it);
	snprintf(subj, sizeof subj, "Invoice not drafted: %s <%s> %s",
	    r->name, r->email, found == 1 ? "is not a partner in Odoo" :
	    "matches several partners in Odoo");
	if (!(f = open_memstream(&body, &len)))
		return aie_fail_errno(EX_TEMP, "memory");
	fprintf(f, "%s. Nothing was created in Odoo.\n\n", subj);
	fprintf(f, found == 1 ? "Create the partner in Odoo, then run "
	    "odoo-invoice again.\n" : "Candidates: %s.\n\nGive the line again "
	    "with the email of the one meant.\n", cand);
	fputs("\nRequested lines:\n\n", f);
	for (i = 0; i < r->n; i++)
		fprintf(f, "- %.2f %s\n", r->lines[i].price, r->lines[i].name);
	if (fclose(f) != 0) {
		free(body);
		return aie_fail_errno(EX_TEMP, "memory");
	}
	if (id_generate(id, sizeof id, "INVOICE") == 0 &&
	    head(&it, "invoice_request", id, "new", c) == 0 &&
	    fm_set(&it, "subject", subj) == 0 &&
	    fm_set(&it, "partner_name", r->name) == 0 &&
	    fm_set(&it, "partner_email", r->email) == 0 &&
	    fm_set(&it, "candidates", *cand ? cand : "none") == 0) {
		free(it.body);
		it.body = body;
		it.bodylen = len;
		body = NULL;
		rc = file(c, &it, id, ST_NEEDS_ACTION, "invoice_request", subj);
	}
	free(body);
	fm_free(&it);
	return rc;
}

/* The draft move m to the owner for approval. */
static int file_draft(struct ctx *c, const struct odoo_move *m,
    const char *email)
{
	struct item it;
	char id[AIE_ID_MAX + 1], label[300], total[40], oid[24], exp[21];
	char subj[400];
	int rc = -1;

	memset(&it, 0, sizeof it);
	odoo_partner_label(m->partner_id, m->partner, label, sizeof label);
	odoo_money(m->amount_total, total, sizeof total);
	snprintf(oid, sizeof oid, "%ld", m->id);
	snprintf(subj, sizeof subj, "Invoice to %s: %s %s", m->partner, total,
	    m->currency);
	time_rfc3339(time(NULL) + c->expires_hours * 3600, exp);
	if (*c->did)
		snprintf(id, sizeof id, "%s", c->did);
	else if (id_generate(id, sizeof id, "INVOICE") < 0)
		*id = '\0';
	if (*id && head(&it, "invoice_draft", id, "pending", c) == 0 &&
	    fm_set(&it, "action", "post_invoice") == 0 &&
	    fm_set(&it, "subject", subj) == 0 &&
	    fm_set(&it, "odoo_id", oid) == 0 &&
	    fm_set(&it, "partner", label) == 0 &&
	    fm_set(&it, "partner_email", email) == 0 &&
	    fm_set(&it, "currency", m->currency) == 0 &&
	    fm_set(&it, "amount_total", total) == 0 &&
	    fm_set(&it, "invoice_date", m->date) == 0 &&
	    fm_set(&it, "invoice_date_due", m->due) == 0 &&
	    fm_set(&it, "drafted_by", c->v->agent) == 0 &&
	    fm_set(&it, "expires", exp) == 0) {
		free(it.body);
		if ((it.body = odoo_invoice_body(m))) {
			it.bodylen = strlen(it.body);
			rc = file(c, &it, id, ST_PENDING, "invoice_draft", oid);
		}
	}
	fm_free(&it);
	return rc;
}

/* Odoo, logged in once per run: 0 or an exit status. */
static int need_odoo(struct ctx *c)
{
	int r;

	if (c->connected)
		return 0;
	if ((r = odoo_connect(&c->k, c->cfg)) != 0)
		return r;
	c->connected = 1;
	return 0;
}

/* One request: find the partner, create the draft (or take the one an
 * earlier run created for the same source), file it. */
static int invoice(struct ctx *c, struct odoo_request *r)
{
	struct odoo_partner p;
	struct odoo_move m;
	char cand[2048], date[16], due[16];
	time_t now = time(NULL), then = now + c->due_days * 86400;
	struct tm tm;
	long id = 0;
	int found;

	if ((found = need_odoo(c)))
		return found;
	found = odoo_partner_find(&c->k, r->email, r->name, &p, cand, sizeof cand);
	/* a request waits for the owner itself, with the reason written */
	if (found == 1 && c->request)
		return aie_fail(EX_NEG, "%s <%s> is not a partner in Odoo: create "
		    "it, then run odoo-invoice --from again", r->name, r->email),
		    EX_NEG;
	if (found == 2 && c->request)
		return aie_fail(EX_NEG, "several partners match (%s): give the "
		    "request the email of the one meant", cand), EX_NEG;
	if (found == 1 || found == 2) {
		if (to_owner(c, r, found, cand) < 0)
			return aie_errcode;
		cli_warn(r->email, found == 1 ? "no such partner in Odoo; the "
		    "owner is asked" : "several partners match (%s); the owner "
		    "is asked", cand);
		return EX_NEG;
	}
	if (found)
		return found;
	strftime(date, sizeof date, "%Y-%m-%d", localtime_r(&now, &tm));
	strftime(due, sizeof due, "%Y-%m-%d", localtime_r(&then, &tm));
	if (c->source && (found = odoo_invoice_by_origin(&c->k, c->source, &id)))
		return found;
	if (!id && (found = odoo_invoice_create(&c->k, p.id, r->lines, r->n,
	    date, p.has_terms ? NULL : due, c->source, &id)))
		return found;
	if ((found = odoo_move_read(&c->k, id, &m)))
		return found;
	found = file_draft(c, &m, p.email) < 0 ? aie_errcode : 0;
	odoo_move_free(&m);
	return found;
}

/* c->did: DRAFT_<ID> for an invoice_request (its one draft, as a reply
 * draft is its mail's), else INVOICE_<ID> (a mail may have a reply draft
 * too). */
static int draft_id(struct ctx *c, const char *id)
{
	const char *pre = c->request ? "DRAFT_" : "INVOICE_";

	if ((size_t)snprintf(c->did, sizeof c->did, "%s%s", pre, id) >=
	    sizeof c->did || !id_valid(c->did))
		return aie_fail(EX_DATA, "its ID is too long to name a draft after");
	return 0;
}

/* Hold the request: claim it from Needs_Action/, or find it already ours
 * in In_Progress/<agent>/ (a run cut short). Else 1, said. */
static int take(struct ctx *c, struct itemref *src)
{
	char warn[sizeof aie_errmsg];

	if (src->stage == ST_IN_PROGRESS && !strcmp(src->sub, c->v->agent))
		return 0;
	if (src->stage != ST_NEEDS_ACTION) {
		cli_warn(src->id, "not waiting to be drafted (it is %s)", src->rel);
		return EX_NEG;
	}
	if (claim_item(c->v, src, warn, sizeof warn) < 0) {
		cli_warnerr(src->id);       /* another run won it: 1 */
		return aie_errcode;
	}
	if (*warn)
		cli_warn(src->id, "%s", warn);
	return 0;
}

/* Not drafted: the claim given back; the reason written as invoice_error
 * when the request itself is at fault (65, or 1: no such partner), so the
 * batch leaves it to the owner; a service's failure is only retried. */
static void give_back(struct ctx *c, struct itemref *src, int status)
{
	char why[sizeof aie_errmsg], warn[sizeof aie_errmsg];
	const char *kv[] = { "invoice_error", why, NULL };

	snprintf(why, sizeof why, "%s", aie_errmsg);
	if (claim_release(c->v, src, "release", warn, sizeof warn) < 0) {
		cli_warnerr(src->id);
		return;
	}
	if (*warn)
		cli_warn(src->id, "%s", warn);
	if ((status == EX_DATA || status == EX_NEG) &&
	    item_annotate(c->v, src, kv) < 0)
		cli_warnerr(src->id);
}

/* One item asking for an invoice, drafted once: see the top comment. */
static int from_item(struct ctx *c, const char *arg)
{
	const char *kv[] = { "status", "done", "drafted", c->did,
	    "invoice_error", NULL, NULL };
	struct itemref src, d;
	struct item it;
	struct odoo_request r;
	char *type;
	int st;

	if (vault_resolve(c->v, arg, &src) < 0 || item_load(c->v, &src, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	type = fm_get(&it, "type");
	c->request = type && !strcmp(type, "invoice_request");
	free(type);
	fm_free(&it);
	snprintf(c->srcid, sizeof c->srcid, "%s", src.id);
	c->source = c->srcid;
	if (draft_id(c, src.id) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	if (c->request && (st = take(c, &src)) != 0)
		return st;
	if (vault_find(c->v, c->did, &d) == 0) {
		if (!c->request) {
			cli_warn(arg, "already drafted: %s", d.rel);
			return EX_NEG;
		}
		if (cli.verbose)     /* by a run cut short before it settled */
			fprintf(stderr, "%s: %s: drafted before: %s\n", cli.prog,
			    src.id, d.rel);
	} else {
		st = read_item(c, &src, &r);
		st = st < 0 ? aie_errcode : invoice(c, &r);
		odoo_request_free(&r);
		if (st) {
			if (st != EX_NEG || c->request)
				cli_warn(src.id, "%s", aie_errmsg);
			if (c->request)
				give_back(c, &src, st);
			return st;
		}
	}
	if (c->request && claim_end(c->v, &src, ST_DONE, kv, "done",
	    "drafted as an invoice") < 0) {
		cli_warnerr(src.id);
		return aie_errcode;
	}
	return 0;
}

struct waiting { char (*id)[AIE_ID_MAX + 1]; size_t n, cap; };

/* An invoice_request for the batch: in Needs_Action/ unless it is the
 * owner's to act on (candidates: odoo-invoice asked; invoice_error). */
static int add_waiting(struct vault *v, const struct itemref *ref, void *arg)
{
	struct waiting *w = arg;
	struct item it;
	char *type, *cand, *err;
	int want;

	if (item_load(v, ref, &it) < 0) {
		cli_warnerr(ref->rel);
		return 0;
	}
	type = fm_get(&it, "type");
	cand = fm_get(&it, "candidates");
	err = fm_get(&it, "invoice_error");
	fm_free(&it);
	want = type && !strcmp(type, "invoice_request") &&
	    (ref->stage == ST_IN_PROGRESS || (!cand && !err));
	free(type);
	free(cand);
	free(err);
	if (!want)
		return 0;
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 16;
		void *n = realloc(w->id, ncap * sizeof w->id[0]);
		if (!n)
			return aie_fail_errno(EX_TEMP, "requests");
		w->id = n;
		w->cap = ncap;
	}
	snprintf(w->id[w->n++], sizeof w->id[0], "%s", ref->id);
	return 0;
}

/* --requests: this agent's requests a run left claimed, then those in
 * Needs_Action/finance/, each as --from. 1 when none waits; else the worst
 * status; Odoo down, slow, refusing or not configured stops the batch. */
static int requests(struct ctx *c)
{
	struct waiting w = { NULL, 0, 0 };
	size_t i;
	int r, status = 0;

	if (vault_walk(c->v, ST_IN_PROGRESS, c->v->agent, add_waiting, &w) < 0 ||
	    vault_walk(c->v, ST_NEEDS_ACTION, "finance", add_waiting, &w) < 0) {
		cli_warnerr("Needs_Action/finance");
		free(w.id);
		return aie_errcode;
	}
	for (i = 0; i < w.n; i++) {
		*c->did = '\0';
		r = from_item(c, w.id[i]);
		status = r > status ? r : status;
		if (r == EX_DOWN || r == EX_TEMP || r == EX_NOPERM || r == EX_CONFIG)
			break;
	}
	free(w.id);
	return w.n ? status : EX_NEG;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "cancel-rejected", no_argument, NULL, 'X' },
		{ "requests", no_argument, NULL, 'R' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static struct odoo_request reqs[REQ_MAX];
	struct vault v;
	struct odoo_cfg cfg;
	struct ctx c = { .v = &v, .cfg = &cfg };
	const char *from = NULL;
	size_t nreq = 0, i;
	int ch, r, status = 0, cancel = 0, batch = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "f:", longopts,
	    NULL)) != -1) {
		if (cli_option(ch, optarg, usage))
			continue;
		if (ch == 'f')
			from = optarg;
		else if (ch == 'X')
			cancel = 1;
		else if (ch == 'R')
			batch = 1;
		else
			usage(2);
	}
	if (optind != argc || (cancel + batch + !!from) > 1)
		usage(2);
	if ((r = odoo_config(&cfg)) != 0) {
		/* the jobs of cron and PM2 run without Odoo too */
		if (r > 0 && (cancel || batch)) {
			if (!cli.quiet)
				cli_warn(NULL, "ODOO_URL is not set: no Odoo, nothing to "
				    "%s", cancel ? "cancel" : "draft");
			return EX_NEG;
		}
		if (r > 0)
			aie_fail(EX_CONFIG, "ODOO_URL is not set: no Odoo to invoice "
			    "in");
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if (config_long("INVOICE_DUE_DAYS", 30, 0, 3650, &c.due_days) < 0 ||
	    config_long("DRAFT_EXPIRES_HOURS", 72, 1, 8760,
	    &c.expires_hours) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	if (cancel) {
		status = cancel_rejected(&v, &cfg);
		vault_close(&v);
		return status;
	}
	if (from || batch) {
		status = from ? from_item(&c, from) : requests(&c);
		vault_close(&v);
		return status;
	}
	status = read_stdin(reqs, &nreq);
	if (nreq && (r = need_odoo(&c)) != 0) {
		cli_warn(cfg.url, "%s", aie_errmsg);
		status = r;
		nreq = 0;        /* nothing to do without Odoo */
	}
	for (i = 0; i < nreq; i++) {
		r = invoice(&c, &reqs[i]);
		if (r && r != EX_NEG)
			cli_warn(reqs[i].email, "%s", aie_errmsg);
		status = r > status ? r : status;
	}
	for (i = 0; i < REQ_MAX; i++)
		odoo_request_free(&reqs[i]);
	vault_close(&v);
	return status;
}
