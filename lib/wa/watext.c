/*
 * watext.c - the texts of WhatsApp notifications: a body cut to fit the
 * 4096-byte limit on a UTF-8 boundary (bytes, not characters: a limit in
 * bytes is never over one in characters), always ending with the
 * dashboard link (or a line saying there is none), and the one-line summaries used for template parameters
 * and log rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "wa/wa.h"

static const char ellipsis[] = "\xe2\x80\xa6";    /* U+2026 */

/* Cut s in place to at most max bytes without splitting a UTF-8 sequence;
 * returns the new length. */
static size_t utf8_cut(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	/* back off continuation bytes, then the lead byte they belong to if
	 * its sequence no longer fits */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	s[n] = '\0';
	return n;
}

/* The dashboard listens on loopback by default: a link to 127.0.0.1 in a
 * message read on a phone leads nowhere, so without DASHBOARD_URL the
 * message says so instead. */
int wa_dashboard_public(void)
{
	const char *u = config_get("DASHBOARD_URL");

	return u && *u;
}

const char *wa_dashboard_url(void)
{
	return wa_dashboard_public() ? config_get("DASHBOARD_URL") :
	    WA_NO_DASHBOARD;
}

char *wa_compose(const char *body, const char *link)
{
	size_t foot = link ? strlen(link) + 2 : 0, room, n;
	char *out, *b;

	if (foot > WA_TEXT_MAX / 2) {      /* an absurd link: leave it out */
		link = NULL;
		foot = 0;
	}
	room = WA_TEXT_MAX - foot;
	if (!(b = strdup(body)))
		return NULL;
	if (strlen(b) > room) {
		n = utf8_cut(b, room - (sizeof ellipsis - 1));
		b[n] = '\0';
		strcat(b, ellipsis);    /* fits: strlen(body) > room > n + 3 */
	}
	n = strlen(b) + foot + 1;
	if (!(out = malloc(n))) {
		free(b);
		return NULL;
	}
	snprintf(out, n, "%s%s%s", b, link ? "\n\n" : "", link ? link : "");
	free(b);
	return out;
}

char *wa_oneline(const char *s, size_t max)
{
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(3 * n + 1);
	int blank = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			while (o > 0 && out[o - 1] == ' ')
				o--;
			if (o > 0 && i + 1 < n) {
				memcpy(out + o, " / ", 3);
				o += 3;
			}
			blank = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && (blank || o == 0))
			continue;
		blank = c == ' ';
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (o > max) {
		o = utf8_cut(out, max - (sizeof ellipsis - 1));
		memcpy(out + o, ellipsis, sizeof ellipsis);
	}
	return out;
}

static char *two(const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
	char *body = malloc(n), *out;

	if (!body)
		return NULL;
	snprintf(body, n, fmt, a, b);
	out = wa_compose(body, wa_dashboard_url());
	free(body);
	return out;
}

char *wa_text_error(const char *component, const char *detail)
{
	return two("*ai-employee: %s is down*\n%s", component,
	    detail && *detail ? detail : "no detail");
}

char *wa_text_recovered(const char *component, const char *detail)
{
	return two("*ai-employee: %s is back up*\n%s", component,
	    detail && *detail ? detail : "");
}

const char *wa_kind_name(enum wa_kind k)
{
	switch (k) {
	case WA_URGENT: return "urgent";
	case WA_APPROVALS: return "approvals";
	case WA_ERROR: return "error";
	case WA_RECOVERED: return "recovered";
	default: return "message";
	}
}

char *wa_text_failed(const struct wa_status *s, const char *id)
{
	char body[1200];

	snprintf(body, sizeof body, "*ai-employee: WhatsApp reply not "
	    "delivered: %s*\nTo +%s: error %ld%s%s%s%s. Reply another way, or "
	    "with a template if the 24-hour window closed.", id,
	    s->recipient ? s->recipient : "?", s->error_code,
	    s->error_title ? " " : "", s->error_title ? s->error_title : "",
	    s->error_message ? ": " : "",
	    s->error_message ? s->error_message : "");
	return wa_compose(body, wa_dashboard_url());
}

char *wa_text_urgent(const char *from, const char *body, const char *id)
{
	char *line = wa_oneline(body ? body : "", 300), *all = NULL, *text;

	if (!line || asprintf(&all, "*Urgent: a WhatsApp message from %s*\n\n"
	    "%s\n%s", from ? from : "a customer", line, id) < 0)
		all = NULL;
	text = all ? wa_compose(all, wa_dashboard_url()) : NULL;
	free(line);
	free(all);
	return text;
}
