/*
 * reply.h - what a reply to an email item is made of: the reply address,
 * subject and threading headers, the prompt given to the model (the
 * handbook as rules, the email, earlier messages of its thread found in
 * the vault, the owner's revision note), and the offline template reply.
 * Everything taken from the email is untrusted and bounded here.
 */
#ifndef AIE_REPLY_H
#define AIE_REPLY_H

#include "aie.h"

#define REPLY_HANDBOOK_MAX (32 << 10)
#define REPLY_BODY_MAX (32 << 10)
#define REPLY_THREAD_COUNT 5
#define REPLY_THREAD_EACH (4 << 10)
#define REPLY_THREAD_TOTAL (16 << 10)

/* Company_Handbook.md (front matter dropped, at most REPLY_HANDBOOK_MAX
 * bytes); "" when the vault has none. malloc'd, NULL on error. */
char *handbook_load(struct vault *v);

/* The text of "## name" up to the next "## " heading, trimmed; malloc'd,
 * NULL when there is no such section. */
char *handbook_section(const char *hb, const char *name);

/* The address alone from a From/Reply-To/To value ("Name <a@b>", "a@b";
 * the first of a list); malloc'd, NULL when there is no sane one. */
char *reply_address(const char *field);

/* Every sane address of a list, joined by ", "; malloc'd ("" if none). */
char *reply_address_list(const char *field);

/* "Re: " once before the subject (leading Re:/RE:/Aw: dropped). */
char *reply_subject(const char *subject);

/* References for the reply: the email's references and its message_id,
 * at most 20 IDs (the first and the latest kept). malloc'd. */
char *reply_references(const char *refs, const char *in_reply_to,
    const char *msgid);

/* The system and user prompts for a reply to email (the item at ref).
 * previous: the rejected draft's body when revising, else NULL. Earlier
 * messages of the thread are looked up in the vault. malloc'd both. */
int reply_prompt(struct vault *v, const struct itemref *ref,
    const struct item *email, const char *handbook, const char *previous,
    char **system, char **user);

/* The offline provider's reply: a greeting by the sender's first name,
 * an acknowledgement of the subject, and the handbook's signature. */
char *reply_offline(const char *handbook, const char *from,
    const char *subject);

#endif
