/*
 * newitem.c - new work filed into Needs_Action/<domain>/ (see vault(5)):
 * the one way an item is made from a title and a body, for vault-mcp's
 * create_item and the dashboard's New form alike, so both write the same
 * ID scheme, front matter and audit line; and the drafts the owner writes
 * on the New form (a post, a WhatsApp message), filed for approval.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault/vault.h"

/* Text the owner will read: refused with a control character or a byte
 * that is not UTF-8, as approval would refuse it later (base.h). */
static int text_ok(const char *what, const char *s, int multiline)
{
	char tok[SHOW_TOKEN_MAX];
	size_t at = show_refused(s, strlen(s), multiline, tok);

	if (at != (size_t)-1)
		return aie_fail(EX_DATA, "%s: %s at byte %zu is not allowed", what,
		    tok, at);
	return 0;
}

int item_new(struct vault *v, const struct newitem *n, struct itemref *ref)
{
	const char *type = n->type ? n->type : "task";
	char id[AIE_ID_MAX + 1], now[21], *text;
	const char *const *kv;
	struct item it;
	size_t len;
	int r;

	if (!n->domain || !name_valid(n->domain))
		return aie_fail(EX_DATA, "domain: not a valid name");
	if (!name_valid(type))
		return aie_fail(EX_DATA, "type: not a valid name");
	if (!n->title || !*n->title)
		return aie_fail(EX_DATA, "title: empty");
	if (text_ok("title", n->title, 0) < 0 ||
	    (n->body && text_ok("body", n->body, 1) < 0))
		return -1;
	for (kv = n->kv; kv && kv[0]; kv += 2)
		if (text_ok(kv[0], kv[1], 0) < 0)
			return -1;
	if (id_generate(id, sizeof id, n->idtype ? n->idtype : type) < 0 ||
	    item_ref_set(ref, id, n->draft ? ST_PENDING : ST_NEEDS_ACTION,
	    n->domain) < 0)
		return -1;
	time_rfc3339(time(NULL), now);
	memset(&it, 0, sizeof it);
	if (fm_parse(&it, "---\n---\n", 8) < 0)
		return -1;
	len = n->body ? strlen(n->body) : 0;
	while (len > 0 && n->body[len - 1] == '\n')
		len--;
	r = fm_set(&it, "type", type) < 0 || fm_set(&it, "id", id) < 0 ||
	    fm_set(&it, "created", now) < 0 ||
	    fm_set(&it, "domain", n->domain) < 0 ||
	    fm_set(&it, "status", n->draft ? "pending" : "new") < 0 ||
	    fm_set(&it, "title", n->title) < 0 ? -1 : 0;
	for (kv = n->kv; r == 0 && kv && kv[0]; kv += 2)
		r = fm_set(&it, kv[0], kv[1]);
	if (r < 0 || fm_set(&it, "created_by", v->agent) < 0 ||
	    fm_set(&it, "via", n->via) < 0 || !(text = malloc(len + 2))) {
		if (!aie_errmsg[0])
			aie_fail(EX_TEMP, "new item: out of memory");
		fm_free(&it);
		return -1;
	}
	memcpy(text, n->body ? n->body : "", len);
	memcpy(text + len, "\n", 2);
	free(it.body);
	it.body = text;
	it.bodylen = len + 1;
	r = item_create(v, ref, &it);
	fm_free(&it);
	if (r < 0 || audit_event(v, n->draft ? "draft" : "create", id, NULL,
	    ref->rel, NULL) < 0)
		return -1;
	return 0;
}
