/*
 * exec.h - executing one approved item, at most once (see vault(5), ai-employee(7)): verify
 * its decision_sig, claim it by move, mark exec_status: sending, run its
 * action, and finish it (Done/, back to Approved/, or to the owner in
 * Needs_Action/). The loop over Approved/ and the options are vault-exec's.
 */
#ifndef AIE_EXEC_H
#define AIE_EXEC_H

#include "vault/vault.h"
#include "wa/wa.h"

#define EXEC_MAX_ATTEMPTS 3

struct send_result;

/* What the caller gives: the vault, the limits, and how to speak. lib/
 * never prints: diagnostics go to warn (item may be NULL), the outcome of
 * an item to result. */
struct exec_ctx {
	struct vault *v;
	int max_per_hour;        /* EXEC_MAX_PER_HOUR */
	long grace;              /* EXEC_GRACE: an approval younger waits */
	int quiet;               /* leave out the warnings that are only news */
	void (*warn)(const char *item, const char *msg);
	/* An item sent (verdict "sent", ref in Done/, res how) or, for
	 * exec_check, one that would be ("send_email", ref in Approved/, res
	 * NULL). */
	void (*result)(const struct itemref *ref, const char *verdict,
	    const struct item *it, const struct send_result *res);
	/* private: the WhatsApp configuration, read at the first message */
	int wa_state;            /* 0 not read, 1 read, -1 unusable */
	struct wa_cfg wa;
	int log_ready;           /* the record (execlog.h) exists */
	/* the hourly limit: once it was said (limit_told), each further item
	 * it holds back waits silently and is counted in waited; the caller
	 * may reset both between passes */
	int limit_told;
	int waited;
};

/*
 * actions.c - the executor's half of the action table (see vault-exec(1),
 * vault(5) Actions): for each action an approval may carry, what checks
 * it and what carries it out. The other half, the fields its approval
 * signs, is lib/approval's approval_actions, under the same name; an
 * action missing from either is unknown and never executed.
 *
 * How an executor tells its outcome: 0 done, res->detail saying how (it
 * becomes exec_result); -1 with aie_errcode 65 for a permanent failure
 * (the item as it is can never be executed: to the owner at once), 69, 75
 * or 78 for a temporary one (back to Approved/, tried again, to the owner
 * after EXEC_MAX_ATTEMPTS), and res->maybe_sent when it failed after the
 * action may have happened anyway (never tried again). A check returns 0,
 * or -1 with 65 when the item can never be executed as it is (to the
 * owner at once, nothing started); another code leaves it in Approved/.
 */
struct exec_action {
	const char *name;        /* the action key's value */
	int limited;             /* counts against EXEC_MAX_PER_HOUR */
	int (*check)(const struct item *it, const char *id);  /* or NULL */
	int (*run)(struct vault *v, const struct itemref *ref,
	    const struct item *it, struct send_result *res);
};

/* post_invoice (invoice.c): its check, and its executor, which reads the
 * Odoo move back, refuses (65) one that differs from what was signed, and
 * posts it, writing odoo_name into the item. */
int invoice_check(const struct item *it, const char *id);
int invoice_post(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res);

/* register_payment (payment.c): its check and its executor, which reads
 * the invoice back, refuses (65) one no longer as signed or with less left
 * to pay, and registers the payment. */
int payment_check(const struct item *it, const char *id);
int payment_register(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res);

/* The entry of the action name, or NULL when it is unknown: not in the
 * table, or without its signed fields in lib/approval (fail closed). */
const struct exec_action *exec_action_find(const char *name);

/* Is the item, of action a, due? 0 not yet (why says until when: it
 * waits in Approved/, unclaimed), 1 it may run now (an action without a
 * time, or one whose time has come or cannot be read: the check after
 * the claim says why). */
int exec_action_due(const struct exec_action *a, const struct item *it,
    char *why, size_t size);

/* Seconds until the approval's grace (see vault-exec(1) EXEC_GRACE) is
 * over: > 0 while its decided_at is younger than grace seconds (then why
 * says until when), else 0 (also when decided_at cannot be read: the
 * signature check says why). */
long exec_grace_left(const struct item *it, long grace, time_t now,
    char *why, size_t size);

/* Undo an approval within its grace (see ai-employee-dashboard(1) POST
 * /undo): the item at ref, in Approved/ and never started, is taken by
 * one rename (so either this or vault-exec wins), its approval written to
 * the record as undone (never executed, whatever copy comes back), its
 * decision keys and signature removed, and it goes back to
 * Pending_Approval/ with an audit line "undo". -1 with 1 (EX_NEG) when it
 * is too late (grace over, executing began, not approved), 77 for an item
 * without a usable signature, 75 when the record cannot be written. */
int exec_undo(struct vault *v, struct itemref *ref, long grace,
    const char *by);

/* The actions known, "send_email, ...", into buf (for messages). */
void exec_action_names(char *buf, size_t size);

/* An approval we may act on: its decision_sig verifies for id, it is not
 * past its expires, and it has one (an approval that never expires is
 * refused). 0, or -1 (77) with the reason. */
int exec_approval_ok(const struct item *it, const char *id);

/* Execute the item at ref (in Approved/); the caller holds the exec lock.
 * Its action comes from the action table (exec_action_find). Returns its
 * exit status: 0 executed (sent, written to the outbox, or for none
 * confirmed); 77 its approval does not verify, has no expires, or is
 * already in the record of started approvals (a replay): moved to
 * Needs_Action/ with exec_error, the owner told (a replay only once); 65
 * an unknown action (left in Approved/ with exec_error) or an item its
 * action's check or executor finds can never be executed (to the owner at
 * once); 75 the hourly limit (untouched; limited actions only) or a
 * failed send (back in Approved/, or to the owner after the third
 * attempt); 69 the server is down; 78 a configuration error; 1 another
 * process took it first. */
int exec_item(struct exec_ctx *x, struct itemref *ref);

/* --dry-run: what exec_item would do, touching nothing. 0 (result told),
 * 77 refused, 65 unknown action, 75 not due yet. */
int exec_check(struct exec_ctx *x, const struct itemref *ref);

/* One item of In_Progress/<agent>/ left by a run that died: sending ->
 * Needs_Action/ with exec_status: unknown (never resent; the owner told),
 * sent -> Done/, failed -> Approved/ (or the owner after 3 attempts).
 * Returns an exit status (0 when nothing went wrong). The caller holds the
 * exec lock, so no live run owns the item. */
int exec_recover(struct exec_ctx *x, const struct itemref *ref);

/* Sends in the last hour, from .state/<agent>/exec-sends; with record, one
 * more is recorded now. -1 on error. */
int exec_sends_last_hour(struct vault *v, int record);

/*
 * execlog.h - the local executor's own record of the approvals it has
 * started (see vault-exec(1), ai-employee(7)): .state/<agent>/executed,
 * outside Git, append-only, one line per event, fsynced before the action
 * starts. It is keyed by the approval itself (a digest of the decoded
 * decision_sig), not by where the file lies, so an approval it holds is
 * never executed again whatever the item's folder or exec_* keys say.
 */
#define EXECLOG_KEY_LEN 64       /* hex of a 32-byte BLAKE2b digest */

/* Verbs of the record: start (written before the action), sent, failed
 * (the action surely did not happen: the approval may be tried again),
 * seen (seeded from the vault), replay (a replay was told to the owner),
 * undone (the owner undid the approval in its grace: never executed). */
#define EXECLOG_START "start"
#define EXECLOG_SENT "sent"
#define EXECLOG_FAILED "failed"
#define EXECLOG_SEEN "seen"
#define EXECLOG_REPLAY "replay"
#define EXECLOG_UNDONE "undone"

/* The key of the item's approval. -1 (77) when it has no decision_sig or
 * one that is not 64 hex digits. */
int execlog_key(const struct item *it, const char *id,
    char key[EXECLOG_KEY_LEN + 1]);

/* Make sure the record exists: when it does not (a new or rebuilt local
 * agent), seed it, atomically, from what the vault shows as executed:
 * items of Done/ and items marked exec_status sending, sent or unknown
 * (or failed for the last time), and the audit log's executed and
 * exec_unknown lines. 0, or -1: then nothing may be executed. */
int execlog_ready(struct vault *v);

/* Has the approval key been started (and not surely failed since), sent
 * or seen? 1 yes, 0 no, -1 when the record cannot be read (fail closed).
 * *told (may be NULL) is set when a replay of it was already told. */
int execlog_spent(struct vault *v, const char *key, int *told);

/* Append "key verb id time" and fsync it before returning. 0 or -1. */
int execlog_note(struct vault *v, const char *key, const char *verb,
    const char *id);

#endif
