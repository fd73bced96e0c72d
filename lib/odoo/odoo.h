/*
 * odoo.h - is Odoo up? Its external API over JSON-RPC (/jsonrpc: version,
 * authenticate, a cheap read) or Odoo 19's JSON-2 (/json/2/<model>/<method>
 * with a bearer API key), each step timed. Shared by odoo-ping(1) and
 * vault-health(1).
 */
#ifndef AIE_ODOO_H
#define AIE_ODOO_H

#include "base/base.h"

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

#endif
