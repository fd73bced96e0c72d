/*
 * execlog.h - the local executor's own record of the approvals it has
 * started (see vault-exec(1), ai-employee(7)): .state/<agent>/executed,
 * outside Git, append-only, one line per event, fsynced before the action
 * starts. It is keyed by the approval itself (a digest of the decoded
 * decision_sig), not by where the file lies, so an approval it holds is
 * never executed again whatever the item's folder or exec_* keys say.
 */
#ifndef AIE_EXECLOG_H
#define AIE_EXECLOG_H

#include "aie.h"

#define EXECLOG_KEY_LEN 64       /* hex of a 32-byte BLAKE2b digest */

/* Verbs of the record: start (written before the action), sent, failed
 * (the action surely did not happen: the approval may be tried again),
 * seen (seeded from the vault), replay (a replay was told to the owner). */
#define EXECLOG_START "start"
#define EXECLOG_SENT "sent"
#define EXECLOG_FAILED "failed"
#define EXECLOG_SEEN "seen"
#define EXECLOG_REPLAY "replay"

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
