/*
 * answers.c - what a pending card answers (see ai-employee-dashboard(1)):
 * the draft's source item, read from the vault, gives who the reply goes
 * to in words (the display name of its from), whether it is urgent
 * (priority: high, see vault(5)), and the first lines of the customer's
 * message, shown above the reply.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"

#define ASKS_LINES 3
#define ASKS_BYTES 240

/* The person in "Alice Example <alice@example.com>": the display name
 * without quotes, else the address; malloc'd, or NULL. */
static char *display_name(const char *from)
{
	const char *lt = strchr(from, '<'), *s = from, *e;
	int pass;

	e = lt ? lt : s + strlen(s);
	for (pass = 0; pass < 2; pass++) {
		while (s < e && (*s == ' ' || *s == '"'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '"'))
			e--;
		if (e > s || !lt || pass)
			break;
		s = lt + 1;          /* only an address: the part inside <> */
		e = strchr(s, '>');
		if (!e)
			e = s + strlen(s);
	}
	return e > s ? strndup(s, (size_t)(e - s)) : NULL;
}

/* The first ASKS_LINES non-empty lines of body, quoted lines left out,
 * cut at a character boundary within ASKS_BYTES. */
static void first_lines(struct answer *a, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	char *out = malloc(ASKS_BYTES + 1);
	size_t n = 0;
	int lines = 0;

	if (!out)
		return;
	while (p < end && lines < ASKS_LINES && n < ASKS_BYTES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		if (l && p[l - 1] == '\r')
			l--;
		if (l && p[0] != '>') {
			if (n)
				out[n++] = '\n';
			if (l > ASKS_BYTES - n)
				l = ASKS_BYTES - n;
			memcpy(out + n, p, l);
			n += l;
			lines++;
		}
		p = nl ? nl + 1 : end;
	}
	/* a cut inside a UTF-8 sequence would show as a marked byte */
	while (n && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
		n--;
	if (n && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
		n--;
	out[n] = '\0';
	a->asks = out;
	a->askslen = n;
}

void answer_of(const struct item *src, const char *from, struct answer *a)
{
	char *sfrom = NULL, *prio;

	memset(a, 0, sizeof *a);
	if (src) {
		sfrom = fm_get(src, "from");
		prio = fm_get(src, "priority");
		a->urgent = prio && strcmp(prio, "high") == 0;
		free(prio);
		first_lines(a, src->body ? src->body : "", src->body ?
		    src->bodylen : 0);
	}
	if (sfrom || from)
		a->name = display_name(sfrom ? sfrom : from);
	free(sfrom);
}

void answer_load(struct vault *v, const struct itemref *draft,
    const char *from, struct answer *a)
{
	struct itemref sref;
	struct item it;
	char *src = NULL;

	if (v && item_load(v, draft, &it) == 0) {
		src = fm_get(&it, "source");
		fm_free(&it);
	}
	if (src && id_valid(src) && vault_find(v, src, &sref) == 0 &&
	    item_load(v, &sref, &it) == 0) {
		answer_of(&it, from, a);
		fm_free(&it);
	} else
		answer_of(NULL, from, a);
	free(src);
}

void answer_free(struct answer *a)
{
	free(a->name);
	free(a->asks);
	memset(a, 0, sizeof *a);
}
