/*
 * smtp.h - one approved email draft out: the RFC 5322 message composed
 * from the draft (threading headers, a fresh Message-ID and Date, UTF-8
 * with quoted-printable and RFC 2047 where needed, CRLF), sent over SMTP
 * with libcurl, or written to Logs/Outbox/<id>.eml when no SMTP_URL is
 * configured. Shared by mail-send(1) and vault-exec(1).
 */
#ifndef AIE_SMTP_H
#define AIE_SMTP_H

#include <stddef.h>
#include <time.h>

#include "aie.h"

struct outmail {
	char *eml;               /* the message, CRLF line ends */
	size_t len;
	char *from_addr;         /* envelope sender (addr-spec) */
	char **rcpt;             /* envelope recipients: To then Cc */
	size_t nrcpt;
	char message_id[256];
};

/* Compose the message of draft id, From: from. -1 with 65 when the draft
 * is unusable (no To, a bad address, a line break in a header value). */
int smtp_compose(const struct item *draft, const char *id, const char *from,
    time_t now, struct outmail *o);
void outmail_free(struct outmail *o);

struct send_result {
	int outbox;              /* 1: written to the outbox, not sent */
	char message_id[256];
	char detail[300];        /* "smtp 250 ..." or "outbox Logs/Outbox/x.eml" */
	int maybe_sent;          /* on failure: the whole message went out and
	                          * no answer came, so it may be delivered */
};

/* Send the email draft at ref (already loaded as draft); does not move or
 * annotate it. 0, or -1 with 65 (bad draft, 5xx), 69 (server down or no
 * TLS), 75 (temporary, 4xx), 78 (configuration, login refused); on -1
 * res->maybe_sent says the failure came after the whole message had gone
 * (a lost answer): then it must not be sent again. */
int mail_send_draft(struct vault *v, const struct itemref *ref,
    const struct item *draft, struct send_result *res);

/* Is SMTP configured (SMTP_URL set)? */
int smtp_configured(void);

#endif
