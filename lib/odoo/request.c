/*
 * request.c - what a client asks to be invoiced for, as odoo-invoice(1)
 * reads it: a line of its standard input ("Client <mail> 5000
 * "Consulting, November"") or an item asking for an invoice (its from, the
 * one amount its subject and body state with a currency, the text of a
 * "For:" or "Description:" line, else the subject). Outside input, so
 * every failure is 65 with the reason, and t/fuzz/odoo_request tries it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odoo/odoo.h"

/* s without the white space around it, in place. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "Name <email>" into r (the name may be empty); s is changed. An email
 * with a blank or a control character in it, or too long, is none. */
static int address(char *s, struct odoo_request *r)
{
	char *lt = strchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const unsigned char *p;

	if (!lt || !gt || gt - lt < 4 || !memchr(lt, '@', (size_t)(gt - lt)))
		return -1;
	*lt = *gt = '\0';
	if ((size_t)snprintf(r->email, sizeof r->email, "%s", trim(lt + 1)) >=
	    sizeof r->email)
		return -1;        /* cut short, it would be another address */
	s = trim(s);
	if (*s == '"' && strlen(s) >= 2 && s[strlen(s) - 1] == '"') {
		s[strlen(s) - 1] = '\0';
		s++;
	}
	snprintf(r->name, sizeof r->name, "%s", s);
	for (p = (const unsigned char *)r->email; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return -1;
	return 0;
}

int odoo_request_line(char *line, struct odoo_request *r, struct odoo_line *l)
{
	char *gt, *p, *text, who[420];
	size_t n;

	memset(r, 0, sizeof *r);
	memset(l, 0, sizeof *l);
	line = trim(line);
	if (!*line || *line == '#')
		return 1;
	if (!(gt = strchr(line, '>')) || (size_t)(gt + 1 - line) >= sizeof who)
		return aie_fail(EX_DATA, "no <email> (want: Name <email> AMOUNT "
		    "\"text\")");
	memcpy(who, line, (size_t)(gt + 1 - line));
	who[gt + 1 - line] = '\0';
	if (address(who, r) < 0)
		return aie_fail(EX_DATA, "no usable <email>");
	p = gt + 1;
	while (isspace((unsigned char)*p))
		p++;
	n = strcspn(p, " \t");
	if (odoo_amount(p, n, &l->price) < 0)
		return aie_fail(EX_DATA, "\"%.*s\" is not an amount (want 5000 or "
		    "5000.50)", (int)(n > 40 ? 40 : n), p);
	text = trim(p + n);
	n = strlen(text);
	if (n >= 2 && text[0] == '"' && text[n - 1] == '"') {
		text[n - 1] = '\0';
		text++;
	}
	if (!*text || strchr(text, '"'))
		return aie_fail(EX_DATA, "no text for the line (want: Name <email> "
		    "AMOUNT \"text\")");
	l->qty = 1;
	return (l->name = strdup(text)) ? 0 : aie_fail(EX_TEMP, "out of memory");
}

int odoo_request_item(const char *from, const char *subj, const char *body,
    size_t bodylen, struct odoo_request *r)
{
	char *who = NULL, *text = NULL, *p, *e;
	const char *what = NULL;
	int st;

	memset(r, 0, sizeof *r);
	if (!from || !(who = strdup(from)) || address(who, r) < 0)
		aie_fail(EX_DATA, "no usable from address to find the client by");
	else if (!(text = malloc((subj ? strlen(subj) : 0) + bodylen + 2)))
		aie_fail(EX_TEMP, "out of memory");
	else {
		sprintf(text, "%s\n", subj ? subj : "");
		if (body)
			strncat(text, body, bodylen);
		if ((st = odoo_stated_amount(text, &r->lines[0].price)) <= 0)
			aie_fail(EX_DATA, st < 0 ? "it states several amounts; give the "
			    "lines on stdin instead" : "it states no amount with its "
			    "currency; give the lines on stdin instead");
		else
			what = subj && *subj ? subj : "Invoice";
		for (p = text; what && (p = strchr(p, '\n')); p++)
			if (!strncasecmp(p + 1, "For:", 4) ||
			    !strncasecmp(p + 1, "Description:", 12)) {
				p = strchr(p + 1, ':') + 1;
				if ((e = strchr(p, '\n')))
					*e = '\0';
				what = trim(p);
				break;
			}
		if (what && !(r->lines[0].name = strdup(what)))
			what = NULL, aie_fail(EX_TEMP, "out of memory");
	}
	r->lines[0].qty = 1;
	r->n = what ? 1 : 0;
	free(who);
	free(text);
	return what ? 0 : -1;
}

void odoo_request_free(struct odoo_request *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free((char *)r->lines[i].name);
	r->n = 0;
}
