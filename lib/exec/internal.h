/*
 * internal.h - the executors of lib/exec/ that live in files of their
 * own, for the action table (actions.c).
 */
#ifndef AIE_EXEC_INTERNAL_H
#define AIE_EXEC_INTERNAL_H

#include "vault/vault.h"
#include "mail/mail.h"

/* send_whatsapp (wasend.c): a reply to a customer, see wa-send(1). */
int wa_reply_check(const struct item *it, const char *id);
int wa_reply_run(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res);

#endif
