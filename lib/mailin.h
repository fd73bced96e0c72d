/*
 * mailin.h - a raw mail message into the vault as an email item
 * (Needs_Action/email/EMAIL_<UTC>_<hex>.md, SPEC 2), at most once per
 * Message-ID. Shared by the IMAP and the file paths of mail-fetch.
 */
#ifndef AIE_MAILIN_H
#define AIE_MAILIN_H

#include "aie.h"

struct mailin {
	struct vault *v;
	int lockfd;
	char **set;              /* open-addressing hash set of known keys */
	size_t setcap, setn;
	int loaded;
	char **keywords;         /* urgent keywords, lowercased */
	size_t nkw;
};

/* Take the import lock (.state/<agent>/mail.lock; waits for another
 * importer) and read the urgent keywords of Company_Handbook.md. */
int mailin_open(struct mailin *mi, struct vault *v);
void mailin_close(struct mailin *mi);

/* Import one message. 0 and *ref set when an item was made; 1 when the
 * message was seen before (its Message-ID, or for a message without one
 * its bytes, is in .state/<agent>/mail-ids or on an item of the vault);
 * -1 on error. origin ("imap uid 7", "file x.eml") goes to the audit log;
 * extra_note (may be NULL) is added to the item's parse_note. */
int mailin_import(struct mailin *mi, const char *raw, size_t len,
    const char *origin, const char *extra_note, struct itemref *ref);

/* The urgent keywords of a handbook text: the bullets of the section
 * "## Urgent keywords", lowercased. */
int handbook_keywords(const char *text, size_t len, char ***kw, size_t *n);

#endif
