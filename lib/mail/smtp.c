/*
 * smtp.c - compose and send one email draft (see smtp.h).
 *
 * Everything that goes into a header is checked first: no CR or LF in a
 * value (a draft is text from an LLM and from mail we received, so header
 * injection is the attack to expect), addresses as addr-spec with an
 * optional display name. Non-ASCII display names and subjects become
 * RFC 2047 B-words; a body that is not short-lined ASCII becomes
 * quoted-printable. libcurl does the SMTP dialogue and dot-stuffing; the
 * password or bearer token is only handed to it, never printed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "vault/vault.h"
#include "base/base.h"
#include "mail/mail.h"

int smtp_configured(void)
{
	return config_get("SMTP_URL") != NULL;
}

static int ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* RFC 2047 B-words for s (UTF-8), each at most 75 chars, never cutting a
 * character; joined by folding white space. */
static void add_encoded(struct buf *b, const char *s)
{
	size_t len = strlen(s), i = 0;
	char out[100];

	while (i < len) {
		size_t n = len - i > 45 ? 45 : len - i;
		while (n > 0 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = 1;
		sodium_bin2base64(out, sizeof out, (const unsigned char *)s + i, n,
		    sodium_base64_VARIANT_ORIGINAL);
		if (i > 0)
			buf_adds(b, "\r\n ");
		buf_addf(b, "=?UTF-8?B?%s?=", out);
		i += n;
	}
}

/* A header "Name: value" with value folded at blanks near 78 columns. */
static void add_header(struct buf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	const char *p = value;

	buf_addf(b, "%s: ", name);
	while (*p) {
		size_t w = strcspn(p + 1, " ") + 1;
		if (col + w > 78 && p != value && *p == ' ') {
			buf_adds(b, "\r\n");
			col = 0;
		}
		buf_add(b, p, w);
		col += w;
		p += w;
	}
	buf_adds(b, "\r\n");
}

static int header_safe(const char *key, const char *v)
{
	if (v && strpbrk(v, "\r\n"))
		return aie_fail(EX_DATA, "%s holds a line break; refused (header "
		    "injection)", key);
	return 0;
}

/* Is s an addr-spec we send to: local@domain, printable ASCII, no blanks,
 * no specials that would change the header or the SMTP command? */
static int addr_ok(const char *s)
{
	const char *at = strrchr(s, '@');

	if (!at || at == s || !at[1] || strlen(s) > 254)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127 ||
		    strchr("<>()[],;:\\\"", *s))
			return 0;
	return 1;
}

/* Parse an address list into its header form (display names encoded)
 * and the envelope addresses. */
static int addr_list(const char *key, const char *v, struct buf *hdr,
    char ***rcpt, size_t *n)
{
	const char *p = v;

	while (*p) {
		const char *s = p, *e, *lt, *gt;
		int q = 0, ang = 0;
		char *one, *addr, *disp;
		size_t dl;
		for (e = p; *e && !(*e == ',' && !q && !ang); e++) {
			if (*e == '"')
				q = !q;
			else if (*e == '<' && !q)
				ang = 1;
			else if (*e == '>' && !q)
				ang = 0;
		}
		p = *e ? e + 1 : e;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e)
			continue;
		if (!(one = strndup(s, (size_t)(e - s))))
			return aie_fail_errno(EX_TEMP, "%s", key);
		lt = strrchr(one, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt) {
			addr = strndup(lt + 1, (size_t)(gt - lt - 1));
			dl = (size_t)(lt - one);
			while (dl > 0 && isspace((unsigned char)one[dl - 1]))
				dl--;
			disp = strndup(one, dl);
		} else {
			addr = strdup(one);
			disp = strdup("");
		}
		if (!addr || !disp) {
			free(one);
			free(addr);
			free(disp);
			return aie_fail_errno(EX_TEMP, "%s", key);
		}
		if (!addr_ok(addr)) {
			aie_fail(EX_DATA, "%s: %s is not an address we send to", key,
			    one);
			free(one);
			free(addr);
			free(disp);
			return -1;
		}
		if (hdr->len)
			buf_adds(hdr, ", ");
		if (*disp && !ascii_only(disp)) {
			/* unquote "..." before encoding */
			size_t l = strlen(disp);
			if (l >= 2 && disp[0] == '"' && disp[l - 1] == '"') {
				memmove(disp, disp + 1, l - 2);
				disp[l - 2] = '\0';
			}
			add_encoded(hdr, disp);
			buf_addf(hdr, " <%s>", addr);
		} else if (*disp)
			buf_addf(hdr, "%s <%s>", disp, addr);
		else
			buf_adds(hdr, addr);
		{
			char **nr = realloc(*rcpt, (*n + 1) * sizeof *nr);
			if (!nr) {
				free(one);
				free(addr);
				free(disp);
				return aie_fail_errno(EX_TEMP, "%s", key);
			}
			*rcpt = nr;
			(*rcpt)[(*n)++] = addr;
		}
		free(one);
		free(disp);
	}
	return 0;
}

/* Does the body need quoted-printable (8-bit, long lines, controls)? */
static int needs_qp(const char *s, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			col = 0;
			continue;
		}
		if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\r') || ++col > 900)
			return 1;
	}
	return 0;
}

/* The body with CRLF line ends, quoted-printable when qp. */
static void add_body(struct buf *b, const char *s, size_t len, int qp)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i, col = 0, k;
		while (e < len && s[e] != '\n')
			e++;
		k = e;
		if (k > i && s[k - 1] == '\r')
			k--;
		if (!qp)
			buf_add(b, s + i, k - i);
		else {
			size_t j;
			for (j = i; j < k; j++) {
				unsigned char c = (unsigned char)s[j];
				char enc[4];
				int lit = (c >= 33 && c <= 126 && c != '=') ||
				    ((c == ' ' || c == '\t') && j + 1 < k);
				size_t w = lit ? 1 : 3;
				if (col + w > 75) {
					buf_adds(b, "=\r\n");
					col = 0;
				}
				if (lit)
					buf_addc(b, c);
				else {
					snprintf(enc, sizeof enc, "=%02X", c);
					buf_adds(b, enc);
				}
				col += w;
			}
		}
		buf_adds(b, "\r\n");
		i = e < len ? e + 1 : e;
	}
}

/* The domain of the From address, for the Message-ID. */
static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at && at[1] ? at + 1 : "localhost";
}

void outmail_free(struct outmail *o)
{
	size_t i;

	free(o->eml);
	free(o->from_addr);
	for (i = 0; i < o->nrcpt; i++)
		free(o->rcpt[i]);
	free(o->rcpt);
	memset(o, 0, sizeof *o);
}

int smtp_compose(const struct item *draft, const char *id, const char *from,
    time_t now, struct outmail *o)
{
	static const char *const keys[] = { "to", "cc", "subject",
	    "in_reply_to", "references", NULL };
	char *val[5] = { 0 }, date[64], rnd[17];
	struct buf b = { 0 }, th = { 0 }, ch = { 0 }, fh = { 0 };
	char **frcpt = NULL;
	size_t nf = 0, i;
	unsigned char r[8];
	struct tm tm;
	int ret = -1, qp;

	memset(o, 0, sizeof *o);
	for (i = 0; keys[i]; i++)
		val[i] = fm_get(draft, keys[i]);
	if (draft->body && memchr(draft->body, '\0', draft->bodylen)) {
		/* a reader would see the text up to it, the server all of it */
		aie_fail(EX_DATA, "the body holds a NUL byte; refused");
		goto out;
	}
	if (!val[0] || !*val[0]) {
		aie_fail(EX_DATA, "the draft has no to");
		goto out;
	}
	for (i = 0; keys[i]; i++)
		if (header_safe(keys[i], val[i]) < 0)
			goto out;
	if (header_safe("SMTP_FROM", from) < 0 ||
	    addr_list("SMTP_FROM", from, &fh, &frcpt, &nf) < 0)
		goto out;
	if (nf != 1) {
		aie_fail(EX_CONFIG, "SMTP_FROM must be one address");
		goto out;
	}
	o->from_addr = frcpt[0];
	frcpt[0] = NULL;
	if (addr_list("to", val[0], &th, &o->rcpt, &o->nrcpt) < 0 ||
	    (val[1] && addr_list("cc", val[1], &ch, &o->rcpt, &o->nrcpt) < 0))
		goto out;
	if (o->nrcpt == 0) {
		aie_fail(EX_DATA, "the draft has no recipient");
		goto out;
	}
	if (sodium_init() < 0) {
		aie_fail(EX_TEMP, "libsodium cannot start");
		goto out;
	}
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(rnd, sizeof rnd, r, sizeof r);
	snprintf(o->message_id, sizeof o->message_id, "<%lld.%s@%.200s>",
	    (long long)now, rnd, domain_of(o->from_addr));
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);

	add_header(&b, "From", fh.p);
	add_header(&b, "To", th.p);
	if (ch.len)
		add_header(&b, "Cc", ch.p);
	if (val[2] && *val[2] && !ascii_only(val[2])) {
		buf_adds(&b, "Subject: ");
		add_encoded(&b, val[2]);
		buf_adds(&b, "\r\n");
	} else
		add_header(&b, "Subject", val[2] ? val[2] : "");
	add_header(&b, "Date", date);
	add_header(&b, "Message-ID", o->message_id);
	for (i = 3; i < 5; i++)
		if (val[i] && *val[i]) {
			if (!ascii_only(val[i])) {
				aie_fail(EX_DATA, "%s is not ASCII", keys[i]);
				goto out;
			}
			add_header(&b, i == 3 ? "In-Reply-To" : "References", val[i]);
		}
	add_header(&b, "MIME-Version", "1.0");
	add_header(&b, "Content-Type", "text/plain; charset=UTF-8");
	qp = needs_qp(draft->body ? draft->body : "", draft->bodylen);
	add_header(&b, "Content-Transfer-Encoding", qp ? "quoted-printable" :
	    "7bit");
	add_header(&b, "X-AI-Employee-Item", id);
	buf_adds(&b, "\r\n");
	add_body(&b, draft->body ? draft->body : "", draft->bodylen, qp);
	if (b.oom || th.oom || ch.oom || fh.oom) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	o->eml = buf_take(&b, &o->len);
	ret = 0;
out:
	for (i = 0; i < 5; i++)
		free(val[i]);
	for (i = 0; i < nf; i++)
		free(frcpt[i]);
	free(frcpt);
	buf_free(&b);
	buf_free(&th);
	buf_free(&ch);
	buf_free(&fh);
	if (ret < 0) {
		int code = aie_errcode;
		char msg[sizeof aie_errmsg];
		snprintf(msg, sizeof msg, "%s", aie_errmsg);
		outmail_free(o);
		aie_fail(code, "%s", msg);
	}
	return ret;
}

/* ---- SMTP over libcurl ---- */

struct reader { const char *p; size_t left; };

static size_t on_read(char *dst, size_t size, size_t n, void *ctx)
{
	struct reader *r = ctx;
	size_t k = size * n < r->left ? size * n : r->left;

	memcpy(dst, r->p, k);
	r->p += k;
	r->left -= k;
	return k;
}

static int smtp_send(const struct outmail *o, struct send_result *res)
{
	const char *url = config_get("SMTP_URL"), *user = config_get("SMTP_USER");
	const char *pw = config_get("SMTP_PASSWORD");
	const char *ca = config_get("MAIL_CA_FILE");
	char *bearer = NULL;
	int tls = config_get_bool("SMTP_STARTTLS", 1);
	struct curl_slist *rc = NULL;
	struct reader rd = { o->eml, o->len };
	char err[CURL_ERROR_SIZE] = "", from[300];
	long code = 0;
	CURLcode cc;
	CURL *c;
	size_t i;
	int r = -1;

	if (strncmp(url, "smtps://", 8) != 0 && strncmp(url, "smtp://", 7) != 0)
		return aie_fail(EX_CONFIG, "SMTP_URL must start with smtps:// or "
		    "smtp://");
	if (user && mail_bearer("SMTP", &bearer) < 0)
		return -1;
	if (user && !pw && !bearer)
		return aie_fail(EX_CONFIG, "SMTP_USER is set: set SMTP_PASSWORD, "
		    "SMTP_OAUTH or SMTP_BEARER too");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(c = curl_easy_init())) {
		if (bearer) {
			sodium_memzero(bearer, strlen(bearer));
			free(bearer);
		}
		return aie_fail(EX_TEMP, "libcurl cannot start");
	}
	snprintf(from, sizeof from, "<%s>", o->from_addr);
	for (i = 0; i < o->nrcpt; i++) {
		char to[300];
		struct curl_slist *n;
		snprintf(to, sizeof to, "<%s>", o->rcpt[i]);
		if (!(n = curl_slist_append(rc, to))) {
			aie_fail(EX_TEMP, "out of memory");
			goto out;
		}
		rc = n;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	if (strncmp(url, "smtp://", 7) == 0 && tls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		if (bearer)
			curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, bearer);
		else
			curl_easy_setopt(c, CURLOPT_PASSWORD, pw);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rc);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)o->len);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK) {
		int ex = EX_TEMP;
		switch (cc) {
		case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_USE_SSL_FAILED: case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
			ex = EX_DOWN;
			break;
		case CURLE_LOGIN_DENIED:
			ex = EX_CONFIG;
			break;
		default:
			if (code >= 500)
				ex = EX_DATA;
		}
		/* every byte handed over and no 4xx/5xx: the server may hold it */
		res->maybe_sent = rd.left == 0 && code < 400;
		aie_fail(ex, "smtp: %s%s", *err ? err : curl_easy_strerror(cc),
		    res->maybe_sent ? " (after the whole message was sent: it may "
		    "have been delivered)" : cc == CURLE_USE_SSL_FAILED ? " (the server offers no STARTTLS; "
		    "SMTP_STARTTLS=no only for a loopback server)" :
		    cc != CURLE_LOGIN_DENIED ? "" : mail_refused("SMTP",
		    bearer != NULL));
		goto out;
	}
	snprintf(res->detail, sizeof res->detail, "smtp %ld accepted for %zu "
	    "recipient(s)", code, o->nrcpt);
	r = 0;
out:
	curl_slist_free_all(rc);
	curl_easy_cleanup(c);
	if (bearer) {
		sodium_memzero(bearer, strlen(bearer));
		free(bearer);
	}
	return r;
}

int mail_send_draft(struct vault *v, const struct itemref *ref,
    const struct item *draft, struct send_result *res)
{
	char *type = fm_get(draft, "type"), rel[200];
	const char *from = config_get("SMTP_FROM");
	struct outmail o;
	int r;

	memset(res, 0, sizeof *res);
	if (!type || strcmp(type, "email_draft") != 0) {
		free(type);
		return aie_fail(EX_DATA, "not an email draft (type: "
		    "email_draft)");
	}
	free(type);
	if (smtp_configured() && !from)
		return aie_fail(EX_CONFIG, "SMTP_FROM is not set (the address "
		    "mail is sent from)");
	if (smtp_compose(draft, ref->id, from ? from : "ai-employee@localhost",
	    time(NULL), &o) < 0)
		return -1;
	snprintf(res->message_id, sizeof res->message_id, "%s", o.message_id);
	if (!smtp_configured()) {
		snprintf(rel, sizeof rel, "Logs/Outbox/%s.eml", ref->id);
		r = file_writeat(v->dirfd, rel, o.eml, o.len, 0644);
		if (r == 0) {
			res->outbox = 1;
			snprintf(res->detail, sizeof res->detail, "outbox %s (no "
			    "SMTP_URL; not sent)", rel);
		}
	} else
		r = smtp_send(&o, res);
	outmail_free(&o);
	return r;
}
