/*
 * imap.h - the few IMAP commands mail-fetch needs, over libcurl (APIS.md):
 * STATUS for UIDVALIDITY and UIDNEXT, UID SEARCH, a fetch by UID URL
 * (which checks UIDVALIDITY), and UID STORE to restore \Seen.
 */
#ifndef AIE_IMAP_H
#define AIE_IMAP_H

#include <stddef.h>

struct imap {
	void *curl;
	char *url;               /* scheme://host[:port]/mailbox (encoded) */
	char *base;              /* scheme://host[:port]/ */
	char *mailbox;           /* decoded name, for STATUS */
	char err[256];           /* libcurl's error buffer */
	size_t max;              /* largest message kept (bytes) */
};

/* From IMAP_URL, IMAP_USER, IMAP_PASSWORD or IMAP_BEARER, IMAP_STARTTLS,
 * MAIL_CA_FILE. -1 with 78 when the configuration is missing or unsafe. */
int imap_open(struct imap *im);
void imap_close(struct imap *im);

/* A key naming this mailbox and user, for the state file name. */
int imap_state_key(char *buf, size_t size);

int imap_status(struct imap *im, unsigned long *uidvalidity,
    unsigned long *uidnext);
/* UIDs matching criteria ("UNSEEN", "UID 5:*"), ascending; malloc'd. */
int imap_search(struct imap *im, const char *criteria, unsigned long **uids,
    size_t *n);
/* The whole message; -1 with 1 when the UID is gone or UIDVALIDITY
 * changed. *truncated when it was larger than im->max. */
int imap_fetch(struct imap *im, unsigned long uidvalidity, unsigned long uid,
    char **raw, size_t *len, int *truncated);
int imap_store_unseen(struct imap *im, unsigned long uid);

/* The parsers of the server's replies, apart for the fuzz harness: the
 * numbers of a STATUS reply (0 when absent), and the UIDs of "* SEARCH"
 * lines (reply is cut up; *uids malloc'd, ascending; -1 out of memory). */
void imap_parse_status(const char *reply, unsigned long *uidvalidity,
    unsigned long *uidnext);
int imap_parse_search(char *reply, unsigned long **uids, size_t *n);

#endif
