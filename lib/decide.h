/*
 * decide.h - the owner's decisions on a draft (SPEC 2 moves approve,
 * reject, revise), shared by approve(1) and the dashboard CGI so both make
 * exactly the same moves.
 */
#ifndef AIE_DECIDE_H
#define AIE_DECIDE_H

#include "aie.h"

enum decision { DEC_APPROVE, DEC_REJECT, DEC_REVISE };

struct decide_opts {
	const char *note;        /* reject reason / revise note (may be NULL) */
	const char *via;         /* "cli" or "dashboard" */
	const char *by;          /* who decided: defaults to the agent name */
};

/* Decide on the item at ref, which must be in Pending_Approval/. The draft
 * is first claimed by one rename into In_Progress/<agent>/ (so of racing
 * deciders exactly one wins; the others get -1 with aie_errcode 1 and where
 * it went), then annotated, then moved on:
 *   approve: decision keys + decision_sig -> Approved/<d>/
 *            (an expired draft goes to Rejected/<d>/ with decision_note:
 *            expired and -1 with aie_errcode 65)
 *   reject:  -> Rejected/<d>/; its source (if found) -> Done/<d>/<YYYY-MM>/
 *            with status: rejected
 *   revise:  -> Rejected/<d>/; its source back to Needs_Action/<d>/ with
 *            revise_note
 * Each move is audited. Refuses (77) as agent cloud. On success *ref is
 * where the draft is now. */
int decide(struct vault *v, struct itemref *ref, enum decision d,
    const struct decide_opts *o);

const char *decision_name(enum decision d);

/* A draft decided (rejected, revised, expired) is kept in Rejected/ as
 * <ID>.<UTC time>; find that copy of id. 0 with *ref set, or -1. */
int decided_copy(struct vault *v, const char *id, struct itemref *ref);

#endif
