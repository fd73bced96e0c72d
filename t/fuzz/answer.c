/*
 * answer.c - fuzz what a card says it answers (cgi/dash/answers.c): the
 * input is a whole source item file, as a sync or a sender may bring it;
 * the person's name from its from, the urgent flag, and the first lines
 * of its body. Properties: at most 3 lines and 240 bytes, no quoted line,
 * no empty line, and a name without the quotes or blanks around it.
 */
#include "fuzz.h"
#include "dash/dash.h"
#include "vault/vault.h"

/* ui-shared.c is linked in with the dashboard's modules: its assets are
 * not generated in the fuzz build, and none are needed here. */
const char asset_dash_css[] = "", asset_theme_js[] = "", asset_dash_js[] = "";

static void check_lines(const struct answer *a)
{
	const char *s = a->asks, *end = a->asks + a->askslen, *nl;
	int lines = 0;

	if (a->askslen > 240)   /* NULs may be in it: the card marks them */
		fz_fail("asks: %zu bytes", a->askslen);
	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		lines++;
		if (nl == s || *s == '>')
			fz_fail("asks: an empty or quoted line %d", lines);
	}
	if (lines > 3)
		fz_fail("asks: %d lines", lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct item it;
	struct answer a;
	size_t n;

	if (fm_parse(&it, (const char *)data, size) < 0)
		return 0;
	answer_of(&it, "Fallback Name <x@example.com>", &a);
	if (a.asks)
		check_lines(&a);
	if (a.name) {
		n = strlen(a.name);
		if (!n || a.name[0] == ' ' || a.name[0] == '"' ||
		    a.name[n - 1] == ' ' || a.name[n - 1] == '"')
			fz_fail("name not trimmed: [%s]", a.name);
	}
	answer_free(&a);
	fm_free(&it);
	return 0;
}
