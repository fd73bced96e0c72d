/*
 * tell.c - what the webhook's statuses and messages tell the owner, sent
 * through the notification path of notify-wa(1) (dedup by key for a
 * week, the outbox without a provider). The texts are watext.c's, which
 * the webhook, linked without libcurl, hands to notify-wa instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "wa/wa.h"

static void tell(struct vault *v, enum wa_kind kind, const char *key,
    char *text, int template)
{
	struct wa_note n = { kind, NULL, NULL, NULL, 7 * 86400, template };
	struct wa_outcome o;
	struct wa_cfg c;
	char *sum;

	if (!text || wa_config(&c) < 0) {
		free(text);
		return;
	}
	if ((sum = wa_oneline(text, WA_PARAM_MAX))) {
		n.text = text;
		n.summary = sum;
		n.key = key;
		wa_notify(v, &c, &n, &o);
	}
	free(text);
	free(sum);
}

void wa_status_tell(struct vault *v, const struct wa_status *s,
    const char *id)
{
	char key[WA_ID_MAX + 16];

	snprintf(key, sizeof key, "wa-failed-%s", s->id);
	tell(v, WA_ERROR, key, wa_text_failed(s, id), 0);
}

void wa_status_again(struct vault *v, const struct wa_status *s)
{
	char kind[32], key[WA_ID_MAX + 16], *text;
	int k;

	if (wa_notify_sent_text(v, s->id, kind, sizeof kind, &text) != 1)
		return;
	for (k = WA_PLAIN; k <= WA_RECOVERED; k++)
		if (!strcmp(kind, wa_kind_name((enum wa_kind)k)))
			break;
	if (k > WA_RECOVERED)
		k = WA_PLAIN;
	snprintf(key, sizeof key, "wa-again-%s", s->id);
	tell(v, (enum wa_kind)k, key, text, 1);
}
