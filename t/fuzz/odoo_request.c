/*
 * odoo_request.c - fuzz what odoo-invoice(1) reads as a request
 * (lib/odoo/request.c): the input's first line as a line of its standard
 * input, and the input as an item (the first line its from, the second its
 * subject, the rest its body). Properties: a line answers -1, 0 or 1; one
 * read has an email with @ and no blank or control character, a price
 * above 0, quantity 1 and a text without a quote; an item read has exactly
 * one such line (named, never empty), an item refused none.
 */
#include "fuzz.h"

#include "odoo/odoo.h"

static void client(const struct odoo_request *r)
{
	const unsigned char *p;

	if (!strchr(r->email, '@'))
		fz_fail("email \"%s\"", r->email);
	for (p = (const unsigned char *)r->email; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			fz_fail("email with byte %#x", *p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct odoo_request r;
	struct odoo_line l;
	char *in, *line, *from, *subj, *body, *nl;
	int got;

	if (size > 65536)
		return 0;
	in = fz_cstr(data, size);
	line = strdup(in);
	if (!line)
		fz_fail("out of memory");
	if ((nl = strchr(line, '\n')))
		*nl = '\0';
	got = odoo_request_line(line, &r, &l);
	if (got < -1 || got > 1)
		fz_fail("odoo_request_line: %d", got);
	if (got == 0) {
		client(&r);
		if (!(l.price > 0) || l.qty != 1 || !l.name || !*l.name ||
		    strchr(l.name, '"'))
			fz_fail("line %f x %f \"%s\"", l.price, l.qty,
			    l.name ? l.name : "(null)");
		free((char *)l.name);
	}
	free(line);
	from = in;
	subj = (nl = strchr(from, '\n')) ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	body = subj && (nl = strchr(subj, '\n')) ? nl + 1 : NULL;
	if (body)
		*nl = '\0';
	got = odoo_request_item(from, subj, body, body ? strlen(body) : 0, &r);
	if (got == 0) {
		client(&r);
		if (r.n != 1 || !r.lines[0].name || !(r.lines[0].price > 0))
			fz_fail("item: %zu lines", r.n);
	} else if (got != -1 || r.n != 0)
		fz_fail("item refused with %zu lines (%d)", r.n, got);
	odoo_request_free(&r);
	free(in);
	return 0;
}
