/*
 * odoo_text.c - fuzz what odoo-invoice(1) and odoo-payment(1) take from a
 * mail's text (lib/odoo/text.c): the one amount stated with its currency,
 * and the one invoice name. Properties: each answers 1, 0 or -1; an amount
 * found is more than 0 and below 10^12 and is the same when the text is
 * read again; a name found is in the text, is INV/, four digits, /,
 * digits, and fits the buffer.
 */
#include <ctype.h>

#include "fuzz.h"

#include "odoo/odoo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, name[24];
	double a = 0, b = 0;
	int r, i;

	if (size > 65536)
		return 0;
	text = fz_cstr(data, size);
	r = odoo_stated_amount(text, &a);
	if (r < -1 || r > 1)
		fz_fail("odoo_stated_amount: %d", r);
	if (r == 1 && !(a > 0 && a < 1e12))
		fz_fail("amount %f", a);
	if (odoo_stated_amount(text, &b) != r || (r == 1 && a != b))
		fz_fail("not the same amount twice");
	r = odoo_invoice_name(text, name, sizeof name);
	if (r < -1 || r > 1)
		fz_fail("odoo_invoice_name: %d", r);
	if (r == 1) {
		if (!strstr(text, name) || strncmp(name, "INV/", 4) ||
		    name[8] != '/' || !isdigit((unsigned char)name[9]))
			fz_fail("name \"%s\"", name);
		for (i = 4; i < 8; i++)
			if (!isdigit((unsigned char)name[i]))
				fz_fail("name \"%s\"", name);
	}
	free(text);
	return 0;
}
