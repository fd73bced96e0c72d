/*
 * window.c - WhatsApp's 24-hour customer-service window: free text may go
 * to a customer only within 24 hours of their last message to us; after
 * that only an approved template (Graph error 131047 otherwise). Their
 * last message is the latest "received" of the whatsapp items from their
 * wa_id, wherever the items are now (see vault(5), WhatsApp items).
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "wa/wa.h"

struct last {
	const char *wa_id;
	time_t t;
};

static int look(struct vault *v, const struct itemref *ref, void *vctx)
{
	struct last *l = vctx;
	struct item it;
	char *type, *from, *received;
	time_t t;

	if (strncmp(ref->id, "WA_", 3) || item_load(v, ref, &it) < 0)
		return 0;            /* not one, or unreadable: no message */
	type = fm_get(&it, "type");
	from = fm_get(&it, "wa_id");
	received = fm_get(&it, "received");
	if (type && from && received && !strcmp(type, "whatsapp") &&
	    !strcmp(from, l->wa_id) && time_parse_rfc3339(received, &t) == 0 &&
	    t > l->t)
		l->t = t;
	free(type);
	free(from);
	free(received);
	fm_free(&it);
	return 0;
}

int wa_last_inbound(struct vault *v, const char *wa_id, time_t *last)
{
	static const enum stage stages[] = { ST_NEEDS_ACTION, ST_IN_PROGRESS,
	    ST_DONE };
	struct last l = { wa_id, 0 };
	size_t i;

	for (i = 0; i < sizeof stages / sizeof *stages; i++)
		if (vault_walk(v, stages[i], NULL, look, &l) < 0)
			return -1;
	*last = l.t;
	return 0;
}

int wa_window_check(struct vault *v, const char *wa_id, time_t now)
{
	time_t last;
	char when[21];

	if (!wa_id || !*wa_id)
		return aie_fail(EX_DATA, "no to (the customer's wa_id)");
	if (wa_last_inbound(v, wa_id, &last) < 0)
		return -1;
	if (last == 0)
		return aie_fail(EX_DATA, "free text refused: no message from +%s "
		    "in the vault opens the 24-hour window; name an approved "
		    "template", wa_id);
	if (now - last >= WA_WINDOW) {
		time_rfc3339(last, when);
		return aie_fail(EX_DATA, "free text refused: the 24-hour window "
		    "closed (the last message from +%s came %s); name an approved "
		    "template", wa_id, when);
	}
	return 0;
}
