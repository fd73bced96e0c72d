/*
 * mail.h - mail in and out: MIME, the IMAP client, the SMTP sender, the
 * import of mail into email items, and the reply drafts (see mail-fetch(1),
 * mail-send(1), draft-email(1)).
 */

/*
 * mime.h - reading real-world mail (RFC 5322, MIME, RFC 2047) into what an
 * email item holds: decoded headers and one UTF-8 plain text body.
 *
 * Written to be fuzzed (t/fuzz/mime.c): the parser never recurses (MIME
 * parts go through a work list of bounded size and depth), every length is
 * checked, and malformed input is not an error: what could be read is
 * returned and the trouble is described in note.
 */
#ifndef AIE_MAIL_H
#define AIE_MAIL_H

#include <time.h>
#include "vault/vault.h"

#define MIME_MAX_PARTS 256       /* parts looked at; the rest are noted */
#define MIME_MAX_DEPTH 12        /* multipart nesting */
#define MIME_MAX_TEXT (1 << 20)  /* bytes of body text kept */

struct mime_msg {
	/* header values, decoded to UTF-8 on one line; NULL when absent */
	char *from, *to, *cc, *subject, *date;
	char *message_id, *in_reply_to, *references;   /* "<a@b>" tokens */
	char *text;              /* the body as UTF-8 text, LF line ends */
	size_t textlen;
	int nattach;             /* attachments listed at the end of text */
	char note[512];          /* what was malformed; "" when nothing */
};

/* Parse a message. 0, or -1 only when memory ran out (aie_errmsg set);
 * any input, however broken, gives 0 and a filled m. Free with mime_free. */
int mime_parse(const char *raw, size_t len, struct mime_msg *m);
void mime_free(struct mime_msg *m);

/* htmltext.c: readable plain text of an HTML document (UTF-8 in, UTF-8
 * out): tags dropped, blocks and line breaks kept, lists bulleted, links
 * as "text <url>", entities decoded, script and style skipped. */
char *html_to_text(const char *html, size_t len, size_t *outlen);

/*
 * imap.h - the few IMAP commands mail-fetch needs, over libcurl (APIS.md):
 * STATUS for UIDVALIDITY and UIDNEXT, UID SEARCH, a fetch by UID URL
 * (which checks UIDVALIDITY), and UID STORE to restore \Seen.
 */
struct imap {
	void *curl;
	char *url;               /* scheme://host[:port]/mailbox (encoded) */
	char *base;              /* scheme://host[:port]/ */
	char *mailbox;           /* decoded name, for STATUS */
	char err[256];           /* libcurl's error buffer */
	char *bearer;            /* XOAUTH2's token, wiped at close */
	size_t max;              /* largest message kept (bytes) */
};

/* From IMAP_URL, IMAP_USER, IMAP_PASSWORD or IMAP_OAUTH or IMAP_BEARER,
 * IMAP_STARTTLS, MAIL_CA_FILE. -1 with 78 when the configuration is
 * missing or unsafe (or the OAuth token cannot be had: 69, 75, 78). */
int imap_open(struct imap *im);

/* xoauth.c: the XOAUTH2 bearer of proto ("IMAP", "SMTP"): PROTO_OAUTH's
 * provider's fresh access token (oauth-token(1)) or PROTO_BEARER, into
 * *bearer (malloc'd; wipe and free it). 1, 0 when neither is set, -1. */
int mail_bearer(const char *proto, char **bearer);
/* The words after a refused login: " (the server refused ...)". */
const char *mail_refused(const char *proto, int bearer);
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

/*
 * smtp.h - one approved email draft out: the RFC 5322 message composed
 * from the draft (threading headers, a fresh Message-ID and Date, UTF-8
 * with quoted-printable and RFC 2047 where needed, CRLF), sent over SMTP
 * with libcurl, or written to Logs/Outbox/<id>.eml when no SMTP_URL is
 * configured. Shared by mail-send(1) and vault-exec(1).
 */
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

/*
 * mailin.h - a raw mail message into the vault as an email item
 * (Needs_Action/email/EMAIL_<UTC>_<hex>.md, see vault(5)), at most once per
 * Message-ID. Shared by the IMAP and the file paths of mail-fetch.
 */
struct mailin {
	struct vault *v;
	int lockfd;
	char **set;              /* open-addressing hash set of known keys */
	size_t setcap, setn;
	int loaded;
	struct keywords urgent;  /* the handbook's urgent keywords */
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

/*
 * reply.h - what a reply to an email item is made of: the reply address,
 * subject and threading headers, the prompt given to the model (the
 * handbook as rules, the email, earlier messages of its thread found in
 * the vault, the owner's revision note), and the offline template reply.
 * Everything taken from the email is untrusted and bounded here.
 */
#define REPLY_HANDBOOK_MAX (32 << 10)
#define REPLY_BODY_MAX (32 << 10)
#define REPLY_THREAD_COUNT 5
#define REPLY_THREAD_EACH (4 << 10)
#define REPLY_THREAD_TOTAL (16 << 10)

/* Company_Handbook.md (front matter dropped, at most REPLY_HANDBOOK_MAX
 * bytes); "" when the vault has none. malloc'd, NULL on error. */
char *handbook_load(struct vault *v);

/* The text of the section "## name" (md_section, vault.h), trimmed;
 * malloc'd, NULL when there is no such section or it is empty. */
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

/* The system and user prompts for a reply to email (the item at ref), or
 * to a WhatsApp message (type: whatsapp: chat rules, no thread), or for
 * the new email an email_request asks for (its to, subject and details).
 * previous: the rejected draft's body when revising, else NULL. Earlier
 * messages of the thread are looked up in the vault. malloc'd both. */
int reply_prompt(struct vault *v, const struct itemref *ref,
    const struct item *email, const char *handbook, const char *previous,
    char **system, char **user);

/* The offline provider's reply: a greeting by the sender's first name,
 * an acknowledgement of the subject, and the handbook's signature. */
char *reply_offline(const char *handbook, const char *from,
    const char *subject);

/* The offline provider's email for an email_request: a greeting, the
 * owner's details as they were written, and the handbook's signature. */
char *request_offline(const char *handbook, const char *details);

#endif
