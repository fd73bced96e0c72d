/*
 * approval.h - approvals: the signature over what the owner saw (see
 * ai-employee(7), THREAT MODEL) and the decisions of approve(1) and the
 * dashboard.
 */
#ifndef AIE_APPROVAL_H
#define AIE_APPROVAL_H

#include "vault/vault.h"

/* sig.c: approval signatures, see ai-employee(7), THREAT MODEL */
int approval_key_path(char *buf, size_t size);
int approval_key_create(const char *path);
int approval_key_load(unsigned char key[32]);
int approval_sig_compute(const struct item *it, const char *id,
    const unsigned char key[32], char out[65]);
int approval_verify(const struct item *it, const char *id, time_t now);

/*
 * decide.h - the owner's decisions on a draft (the moves of vault(5) approve,
 * reject, revise), shared by approve(1) and the dashboard CGI so both make
 * exactly the same moves.
 */
enum decision { DEC_APPROVE, DEC_REJECT, DEC_REVISE };

#define DRAFT_DIGEST_HEX 64     /* a draft_digest in hex */
#define DRAFT_DIGEST_SHORT 12   /* the part shown to a reader */

struct decide_opts {
	const char *note;        /* reject reason / revise note (may be NULL) */
	const char *via;         /* "cli" or "dashboard" */
	const char *by;          /* who decided: defaults to the agent name */
	const char *expect;      /* the draft_digest of the version the owner
	                          * saw, or NULL: any other version is refused */
	/* out: the digest of the version found, "" when it was not read */
	char found[DRAFT_DIGEST_HEX + 1];
	int changed;             /* out: 1 when it was not expect */
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
 * With o->expect, a draft whose digest (of the bytes read after the claim,
 * the ones signed) differs is given back: -1 with aie_errcode 1 and
 * o->changed set. An approval writes expires when the draft has none
 * (DRAFT_EXPIRES_HOURS from now) and refuses (65, the draft given back) a
 * draft that is not draft_signable. Each move is audited. Refuses (77) as
 * agent cloud. On success *ref is where the draft is now. */
int decide(struct vault *v, struct itemref *ref, enum decision d,
    struct decide_opts *o);

const char *decision_name(enum decision d);

/* A draft decided (rejected, revised, expired) is kept in Rejected/ as
 * <ID>.<UTC time>; find that copy of id. 0 with *ref set, or -1. */
int decided_copy(struct vault *v, const char *id, struct itemref *ref);

/* actions.c: the actions an approval may carry and, for each, the fields
 * of the draft its signature covers beside the body and the decision keys
 * (see vault(5), Actions): NULL-ended, always beginning expires, action.
 * The table ends with a NULL name; lib/exec/ holds each action's executor
 * under the same name. */
struct approval_action {
	const char *name;
	const char *const *fields;
};
extern const struct approval_action approval_actions[];
/* The entry of the action name, or NULL when the table has none. */
const struct approval_action *approval_action_find(const char *name);
/* The fields an approval of it signs: those of its action, or, for an
 * action not in the table (or no action key), draft_signed_fields. */
const char *const *approval_fields(const struct item *it);
/* The default list, send_email's: expires, action, to, cc, subject,
 * in_reply_to, references. */
extern const char *const *const draft_signed_fields;

/* precheck.c: 0 when the action of the draft it may be approved now
 * beyond draft_signable; -1 (65) with the reason when not (send_whatsapp:
 * free text outside the customer's 24-hour window), or on error. */
int approval_precheck(struct vault *v, const struct item *it, const char *id,
    time_t now);
/* What an approval at now checks beyond draft_signable, so an edit
 * can be refused as Approve would refuse it: approval_post_rule, then
 * approval_precheck. 0, or -1 (65) with the reason. */
int approval_rules(struct vault *v, const struct item *it, const char *id,
    time_t now);

/* sig.c: the version of a draft the owner decides on. */
/* BLAKE2b-256, in hex, of the ID, the fields the approval signature
 * covers but the decision keys (approval_fields: expires, action and the
 * action's own) and the body. 0, or -1 with aie_errmsg. */
int draft_digest(const struct item *it, const char *id,
    char out[DRAFT_DIGEST_HEX + 1]);
/* 1 when s is a digest as draft_digest writes it (64 lowercase hex). */
int draft_digest_valid(const char *s);
/* 0 when every signed field (approval_fields) and the body can be shown
 * exactly (see showtext.h): no NUL or other control but tab (and in the body LF, and
 * CR directly before LF), only UTF-8, no signed field twice or
 * unreadable; else -1 (65) naming the field. */
int draft_signable(const struct item *it, const char *id);

/*
 * edit.h - the owner's edit of a draft waiting for approval (the
 * dashboard's Edit, then approve): the body and the fields a person
 * writes (to, cc, subject), never id, action, source or a decision or
 * exec key.
 */
struct draft_edit {
	const char *expect;      /* the draft_digest of the version edited */
	const char *body;        /* the new body (LF line ends), or NULL */
	const char *to, *cc, *subject;   /* NULL: kept; "": the key removed */
	/* a check run on the edited draft before it is written, at time
	 * now: approval_rules (what Approve would refuse), or one that also
	 * runs the action's check (lib/exec's, for a caller that links it);
	 * or NULL */
	int (*check)(struct vault *v, const struct item *it, const char *id,
	    time_t now);
	time_t now;
	char found[DRAFT_DIGEST_HEX + 1];   /* out: the version found */
	char digest[DRAFT_DIGEST_HEX + 1];  /* out: the version now */
	int changed;             /* out: 1 when found is not expect */
};

/* Edit the draft at ref (in Pending_Approval/) made on version e->expect:
 * under the agent's sync lock (held by a sync: 75), the draft read now
 * must be that version (else -1 with 1 and e->changed), the edited draft
 * must be draft_signable and pass e->check (65), then it replaces the
 * file only while it is there (a draft decided meanwhile: 1) and an audit
 * line "edited" names the new digest. An edit that changes nothing
 * writes nothing (e->digest == e->found). Refuses (77) as agent cloud.
 * 0, or -1 with aie_errmsg. */
int draft_edit(struct vault *v, const struct itemref *ref,
    struct draft_edit *e);
/* postrule.c: 0 when the item is not a post, or is one that meets its
 * network's rule (social_check) and whose image, if it has one, is in v
 * with the digest media_sha256 says; else -1 (65) saying which rule. */
int approval_post_rule(struct vault *v, const struct item *it,
    const char *id);

#endif
