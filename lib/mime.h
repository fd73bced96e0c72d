/*
 * mime.h - reading real-world mail (RFC 5322, MIME, RFC 2047) into what an
 * email item holds: decoded headers and one UTF-8 plain text body.
 *
 * Written to be fuzzed (t/fuzz/mime.c): the parser never recurses (MIME
 * parts go through a work list of bounded size and depth), every length is
 * checked, and malformed input is not an error: what could be read is
 * returned and the trouble is described in note.
 */
#ifndef AIE_MIME_H
#define AIE_MIME_H

#include <stddef.h>

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

/* Decode RFC 2047 encoded words in a header value and convert everything
 * to UTF-8; malloc'd, NULL when memory ran out. */
char *mime_decode_header(const char *s, size_t len);

/* Convert len bytes in charset (NULL: undeclared) to valid UTF-8; invalid
 * sequences become U+FFFD. *bad is set to 1 when the charset is unknown
 * (then the bytes are read as UTF-8, else Windows-1252). malloc'd. */
char *mime_to_utf8(const char *charset, const char *s, size_t len,
    size_t *outlen, int *bad);

/* htmltext.c: readable plain text of an HTML document (UTF-8 in, UTF-8
 * out): tags dropped, blocks and line breaks kept, lists bulleted, links
 * as "text <url>", entities decoded, script and style skipped. */
char *html_to_text(const char *html, size_t len, size_t *outlen);

#endif
