/*
 * ask.c - the owner's own number asking the business number how things
 * stand: "status" or "pending", alone in a text (any case, blanks and a
 * question mark around it). Nothing else the owner texts is a command,
 * and nothing approves: approvals stay signed on the local agent (see
 * ai-employee(7)); any other message of the owner is an item like a
 * customer's.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "vault/vault.h"
#include "wa/wa.h"

/* 1 when the wa_id from (digits) is the number WA_TO (+E.164) names. */
static int is_owner(const char *from)
{
	const char *to = config_get("WA_TO"), *p;
	size_t n = 0;

	if (!to || !from || !*from)
		return 0;
	for (p = to; *p; p++) {
		if (*p == '+' || *p == ' ' || *p == '-')
			continue;
		if (!isdigit((unsigned char)*p) || from[n] != *p)
			return 0;
		n++;
	}
	return n > 0 && from[n] == '\0';
}

enum wa_ask wa_owner_ask(const struct wa_msg *m)
{
	static const char *const words[] = { NULL, "status", "pending" };
	const char *t = m->text, *end;
	size_t n;
	int i;

	if (!m->type || strcmp(m->type, "text") || !t || !is_owner(m->from))
		return WA_ASK_NONE;
	while (isspace((unsigned char)*t))
		t++;
	end = t + strlen(t);
	while (end > t && (isspace((unsigned char)end[-1]) || end[-1] == '?'))
		end--;
	n = (size_t)(end - t);
	for (i = WA_ASK_STATUS; i <= WA_ASK_PENDING; i++)
		if (n == strlen(words[i]) && !strncasecmp(t, words[i], n))
			return (enum wa_ask)i;
	return WA_ASK_NONE;
}
