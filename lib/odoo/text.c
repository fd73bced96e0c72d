/*
 * text.c - amounts as people write them in an invoice request or a mail
 * saying an invoice was paid (see odoo-invoice(1), odoo-payment(1)).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odoo/odoo.h"

/* An amount: digits, optionally "." and one or two digits; > 0. */
int odoo_amount(const char *s, size_t len, double *out)
{
	char buf[32];
	size_t i, dot = len;

	if (len == 0 || len >= sizeof buf)
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] == '.' && dot == len && i > 0)
			dot = i;
		else if (!isdigit((unsigned char)s[i]))
			return -1;
	if (dot < len && (len - dot - 1 < 1 || len - dot - 1 > 2))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, NULL);
	return *out > 0 && *out < 1e12 ? 0 : -1;
}

/* An amount written with its currency in text ($5,000 5000 USD EUR 12.50
 * €30): 1 with *out when there is exactly one (repeats of it allowed),
 * 0 when none, -1 when several differ. */
int odoo_stated_amount(const char *text, double *out)
{
	static const char *const cur[] = { "$", "USD", "EUR", "GBP", "\xe2\x82\xac",
	    "\xc2\xa3", NULL };
	const char *p;
	int found = 0, i;

	for (p = text; *p; p++) {
		char num[32];
		size_t n = 0;
		const char *q = p;
		double v;
		int before = 0, after = 0;
		if (!isdigit((unsigned char)*p) || (p > text &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ',')))
			continue;
		while ((isdigit((unsigned char)*q) || (*q == ',' &&
		    isdigit((unsigned char)q[1])) || (*q == '.' &&
		    isdigit((unsigned char)q[1]))) && n + 1 < sizeof num) {
			if (*q != ',')
				num[n++] = *q;
			q++;
		}
		num[n] = '\0';
		for (i = 0; cur[i]; i++) {
			size_t cl = strlen(cur[i]);
			const char *b = p;
			while (b > text && b[-1] == ' ')
				b--;
			if ((size_t)(b - text) >= cl && !memcmp(b - cl, cur[i], cl))
				before = 1;
			b = q;
			while (*b == ' ')
				b++;
			if (!strncmp(b, cur[i], cl) && !isalpha((unsigned char)b[cl]))
				after = 1;
		}
		p = q - 1;
		if ((!before && !after) || odoo_amount(num, n, &v) < 0)
			continue;
		if (found && v != *out)
			return -1;
		*out = v;
		found = 1;
	}
	return found;
}

/* The one invoice name (INV/YYYY/N...) in text, into buf: 1, 0 none, -1
 * several. */
int odoo_invoice_name(const char *text, char *buf, size_t size)
{
	const char *p = text;
	int found = 0;

	while ((p = strstr(p, "INV/"))) {
		size_t n = 4, d = 0;
		while (isdigit((unsigned char)p[n]) && d < 4)
			n++, d++;
		if (d == 4 && p[n] == '/' && isdigit((unsigned char)p[n + 1])) {
			n++;
			while (isdigit((unsigned char)p[n]))
				n++;
			if (n >= size || (found && (strlen(buf) != n ||
			    strncmp(buf, p, n))))
				return -1;       /* too long to be one, or another */
			snprintf(buf, size, "%.*s", (int)n, p);
			found = 1;
		}
		p += n;
	}
	return found;
}
