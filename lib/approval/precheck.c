/*
 * precheck.c - what an action needs, beyond a signable draft, for the
 * owner to be able to approve it at all (see approve(1)): a send_whatsapp
 * reply in free text only while the customer's 24-hour window is open
 * (lib/wa window.c); outside it the draft must name a template. Checked
 * again by the executor when it sends, since the window may close
 * between approval and execution. approval_rules puts it beside the
 * network rule of a post, for an edit to be checked as an approval is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "wa/wa.h"

int approval_precheck(struct vault *v, const struct item *it, const char *id,
    time_t now)
{
	char *action = fm_get(it, "action"), *tpl = NULL, *to = NULL;
	int r = 0;

	if (action && !strcmp(action, "send_whatsapp")) {
		tpl = fm_get(it, "template");
		to = fm_get(it, "to");
		if (!tpl || !*tpl) {
			size_t n = it->bodylen;
			while (n && (it->body[n - 1] == '\n' ||
			    it->body[n - 1] == '\r'))
				n--;
			if (n > WA_TEXT_MAX)
				r = aie_fail(EX_DATA, "%s: the reply is %zu bytes; "
				    "WhatsApp takes at most %d; approval refused", id,
				    n, WA_TEXT_MAX);
			else if (wa_window_check(v, to, now) < 0) {
				char why[sizeof aie_errmsg];
				snprintf(why, sizeof why, "%s", aie_errmsg);
				r = aie_fail(aie_errcode, "%s: %s; approval refused",
				    id, why);
			}
		}
	}
	free(action);
	free(tpl);
	free(to);
	return r;
}

int approval_rules(struct vault *v, const struct item *it, const char *id,
    time_t now)
{
	if (approval_post_rule(v, it, id) < 0 ||
	    approval_precheck(v, it, id, now) < 0)
		return -1;
	return 0;
}
