/*
 * draft-email - draft a reply for each email item given and file it for
 * the owner's approval as Pending_Approval/email/DRAFT_<id>.md (see vault(5)).
 * A WhatsApp item (WA_...) gets a WhatsApp reply draft the same way,
 * Pending_Approval/whatsapp/DRAFT_<id>.md with action send_whatsapp, its
 * to and reply_to taken from the message, never from the model.
 *
 * The model is given the handbook as its rules and the email, its thread
 * and the owner's revision note as data (reply.c). Its answer is untrusted
 * and only ever becomes the draft's body: the headers of the draft (to,
 * subject, threading) are computed here from the email, never from the
 * model. Before each call the daily call cap and weekly budget are
 * checked (usage.c); every call's usage is logged through usage_add, the
 * code of usage-log add, billed replies that are then refused included.
 * The draft is created with item_create, so an existing draft is never
 * overwritten, and the source item is never changed. It is moved only
 * when drafting fails for a while (69, 75) and this agent holds its
 * claim: the claim is given back, so the next run retries it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "llm/llm.h"
#include "mail/mail.h"

struct ctx {
	struct vault *v;
	struct llm_conf conf;
	char *handbook;
	int reply_all;
	long expires_hours;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: draft-email [-jqv] [-C DIR] [-a AGENT] [--reply-all] "
	    "ID|PATH|- ...\n");
	exit(status ? 2 : 0);
}

static int exists(struct vault *v, const char *rel)
{
	struct stat st;

	return fstatat(v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

struct latest {
	const char *id;
	size_t len;
	struct itemref ref;
	int found;
};

/* Rejected/ keeps a decided draft as <ID>.<YYYYMMDDTHHMMSSZ> (decide.c),
 * or under its own ID in older vaults: remember the latest copy. */
static int match_latest(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct latest *l = ctx;
	const char *p = ref->id + l->len;

	(void)v;
	if (strncmp(ref->id, l->id, l->len) != 0)
		return 0;
	if (*p && (p[0] != '.' || strlen(p + 1) != 16 || p[9] != 'T' ||
	    p[16] != 'Z'))
		return 0;
	if (!l->found || strcmp(ref->id, l->ref.id) > 0)
		l->ref = *ref;
	l->found = 1;
	return 0;
}

/* The body of the latest draft of did the owner sent back, or NULL. */
static char *previous_draft(struct vault *v, const char *did,
    const char *domain)
{
	struct latest l = { did, strlen(did), { .id = "" }, 0 };
	struct item it;
	char *body;

	if (vault_walk(v, ST_REJECTED, domain, match_latest, &l) != 0 ||
	    !l.found || item_load(v, &l.ref, &it) < 0)
		return NULL;
	body = it.body ? strdup(it.body) : NULL;
	fm_free(&it);
	return body;
}

/* The text of the reply from the configured provider; malloc'd, or NULL
 * with aie_errmsg/aie_errcode. *model gets the model to record. */
static char *complete(struct ctx *c, const struct itemref *ref,
    const struct item *email, const char *did, char *model, size_t msize)
{
	char *system = NULL, *user = NULL, *prev = NULL, *text = NULL;
	char *from = fm_get(email, "from"), *subj = fm_get(email, "subject");
	char *type = fm_get(email, "type");
	int wa = type && !strcmp(type, "whatsapp");
	int req = type && !strcmp(type, "email_request");

	snprintf(model, msize, "%s", c->conf.model);
	if (cli_llm_check(c->v) < 0)
		goto out;
	if (c->conf.provider == LLM_OFFLINE) {
		/* a chat message has no subject to thank for */
		text = req ? request_offline(c->handbook, email->body) :
		    reply_offline(c->handbook, from, wa ? NULL : subj);
		if (text)
			cli_llm_log(c->v, ref->id, LLM_OFFLINE_MODEL, NULL);
		goto out;
	}
	prev = previous_draft(c->v, did, wa ? "whatsapp" : "email");
	if (reply_prompt(c->v, ref, email, c->handbook, prev, &system, &user) < 0)
		goto out;
	if (cli.verbose > 1)
		fprintf(stderr, "%s: %s: prompt:\n%s\n---\n%s\n", cli.prog, ref->id,
		    system, user);
	text = cli_llm_call(c->v, &c->conf, ref->id, system, user, model, msize);
out:
	free(system);
	free(user);
	free(prev);
	free(from);
	free(subj);
	free(type);
	return text;
}

/* The text as a draft's body: its trailing newlines made one. */
static int set_body(struct item *d, const char *text)
{
	size_t n = strlen(text);

	while (n > 0 && text[n - 1] == '\n')
		n--;
	free(d->body);
	d->bodylen = n + 1;
	if (!(d->body = malloc(d->bodylen + 1)))
		return aie_fail(EX_TEMP, "out of memory");
	memcpy(d->body, text, d->bodylen - 1);
	memcpy(d->body + d->bodylen - 1, "\n", 2);
	return 0;
}

/* The draft item: the keys of vault(5), then the text as body. An
 * email_request (req) is a new email: to its to, under its subject as
 * the owner wrote it, in no thread. */
static int build(struct item *d, const struct ctx *c, const struct item *e,
    int req, const char *did, const char *srcid, const char *model,
    const char *text)
{
	char now_s[21], exp_s[21], *replyto = fm_get(e, "reply_to"),
	    *from = fm_get(e, "from"), *subj = fm_get(e, "subject"),
	    *mid = fm_get(e, "message_id"), *refs = fm_get(e, "references"),
	    *irt = fm_get(e, "in_reply_to"), *cc = fm_get(e, "cc"),
	    *reqto = req ? fm_get(e, "to") : NULL;
	char *to = req ? (reqto ? reply_address(reqto) : NULL) :
	    reply_address(replyto ? replyto : from);
	char *re = req ? strdup(subj ? subj : "") : reply_subject(subj);
	char *newrefs = req ? strdup("") : reply_references(refs, irt, mid);
	char *ccs = c->reply_all && !req ? reply_address_list(cc) : strdup("");
	time_t now = time(NULL);
	int r = -1;

	if (!to && replyto && !req)
		to = reply_address(from);
	if (!to) {
		aie_fail(EX_DATA, req ? "%s: no usable address in to" :
		    "%s: no usable reply address in reply_to or from", srcid);
		goto out;
	}
	if (req) {              /* not a reply: no thread, no sender */
		free(mid);
		free(from);
		mid = from = NULL;
	}
	if (!re || !newrefs || !ccs) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	time_rfc3339(now, now_s);
	time_rfc3339(now + c->expires_hours * 3600, exp_s);
	if (fm_parse(d, "---\n---\n", 8) < 0)
		goto out;
	if (fm_set(d, "type", "email_draft") < 0 || fm_set(d, "id", did) < 0 ||
	    fm_set(d, "created", now_s) < 0 || fm_set(d, "domain", "email") < 0 ||
	    fm_set(d, "status", "pending") < 0 || fm_set(d, "source", srcid) < 0 ||
	    (from && fm_set(d, "source_from", from) < 0) ||
	    fm_set(d, "action", "send_email") < 0 || fm_set(d, "to", to) < 0 ||
	    fm_set(d, "cc", ccs) < 0 || fm_set(d, "subject", re) < 0 ||
	    fm_set(d, "in_reply_to", mid ? mid : "") < 0 ||
	    fm_set(d, "references", newrefs) < 0 || fm_set(d, "model", model) < 0 ||
	    fm_set(d, "drafted_by", c->v->agent) < 0 ||
	    fm_set(d, "expires", exp_s) < 0)
		goto out;
	if (set_body(d, text) < 0)
		goto out;
	r = 0;
out:
	free(replyto); free(from); free(subj); free(mid); free(refs);
	free(irt); free(cc); free(to); free(re); free(newrefs); free(ccs);
	free(reqto);
	return r;
}

/* 1 when the item has both keys, not empty. */
static int has_keys(const struct item *it, const char *k1, const char *k2)
{
	char *a = fm_get(it, k1), *b = fm_get(it, k2);
	int ok = a && *a && b && *b;

	free(a);
	free(b);
	return ok;
}

/* A WhatsApp reply draft (see vault(5)): to the message's wa_id, threaded
 * under its wamid. */
static int build_wa(struct item *d, const struct ctx *c, const struct item *m,
    const char *did, const char *srcid, const char *model, const char *text)
{
	char now_s[21], exp_s[21], *waid = fm_get(m, "wa_id"),
	    *wamid = fm_get(m, "wamid"), *from = fm_get(m, "from");
	time_t now = time(NULL);
	int r = -1;

	if (!waid || !*waid || !wamid || !*wamid) {
		aie_fail(EX_DATA, "%s: no wa_id or wamid to reply to", srcid);
		goto out;
	}
	time_rfc3339(now, now_s);
	time_rfc3339(now + c->expires_hours * 3600, exp_s);
	if (fm_parse(d, "---\n---\n", 8) < 0)
		goto out;
	if (fm_set(d, "type", "whatsapp_draft") < 0 || fm_set(d, "id", did) < 0 ||
	    fm_set(d, "created", now_s) < 0 ||
	    fm_set(d, "domain", "whatsapp") < 0 ||
	    fm_set(d, "status", "pending") < 0 || fm_set(d, "source", srcid) < 0 ||
	    (from && fm_set(d, "source_from", from) < 0) ||
	    fm_set(d, "action", "send_whatsapp") < 0 ||
	    fm_set(d, "to", waid) < 0 || fm_set(d, "reply_to", wamid) < 0 ||
	    fm_set(d, "model", model) < 0 ||
	    fm_set(d, "drafted_by", c->v->agent) < 0 ||
	    fm_set(d, "expires", exp_s) < 0 || set_body(d, text) < 0)
		goto out;
	r = 0;
out:
	free(waid);
	free(wamid);
	free(from);
	return r;
}

/* Drafting failed for a while (service down, timeout, budget): give back
 * this agent's claim on the source, as vault-claim --release does
 * (claim_release: to the folder it was claimed from), so the next run of
 * the pipeline claims it again. The status stays the drafting's; a
 * failure to give it back is only reported (--reap will). */
static void release_claim(struct vault *v, struct itemref *src)
{
	char msg[sizeof aie_errmsg], warn[sizeof aie_errmsg];
	int code = aie_errcode;

	snprintf(msg, sizeof msg, "%s", aie_errmsg);
	if (claim_release(v, src, "release", warn, sizeof warn) < 0) {
		cli_warn(NULL, "claim not given back: %s", aie_errmsg);
	} else {
		if (*warn)
			cli_warn(NULL, "%s", warn);
		if (cli.verbose)
			fprintf(stderr, "%s: %s: claim given back: %s\n", cli.prog,
			    src->id, src->rel);
	}
	aie_errcode = code;
	snprintf(aie_errmsg, sizeof aie_errmsg, "%s", msg);
}

static int draft_one(const char *arg, void *vctx)
{
	struct ctx *c = vctx;
	struct itemref src, dst;
	struct item email, draft;
	char did[AIE_ID_MAX + 8], model[128], *type, *text = NULL;
	int status = 0, wa, req;

	memset(&draft, 0, sizeof draft);
	if (vault_resolve(c->v, arg, &src) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	if (src.stage != ST_NEEDS_ACTION && src.stage != ST_IN_PROGRESS) {
		cli_warn(arg, "not waiting for a reply (it is %s)", src.rel);
		return EX_DATA;
	}
	if (item_load(c->v, &src, &email) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	type = fm_get(&email, "type");
	wa = type && strcmp(type, "whatsapp") == 0;
	req = type && strcmp(type, "email_request") == 0;
	if (!type || (strcmp(type, "email") != 0 && !wa && !req)) {
		cli_warn(arg, "not an email, an email_request or a WhatsApp "
		    "message (type: %s)", type ? type : "none");
		free(type);
		fm_free(&email);
		return EX_DATA;
	}
	free(type);
	snprintf(did, sizeof did, "DRAFT_%s", src.id);
	if (item_ref_set(&dst, did, ST_PENDING, wa ? "whatsapp" : "email") < 0) {
		cli_warnerr(arg);
		fm_free(&email);
		return aie_errcode;
	}
	if (exists(c->v, dst.rel)) {
		cli_warn(arg, "already drafted: %s", dst.rel);
		fm_free(&email);
		return EX_NEG;
	}
	if (wa && !has_keys(&email, "wa_id", "wamid")) {
		/* before the model is paid for a reply that cannot go */
		cli_warn(arg, "no wa_id or wamid to reply to");
		fm_free(&email);
		return EX_DATA;
	}
	if (!(text = complete(c, &src, &email, did, model, sizeof model)) ||
	    (wa ? build_wa(&draft, c, &email, did, src.id, model, text) :
	    build(&draft, c, &email, req, did, src.id, model, text)) < 0) {
		cli_warnerr(arg);
		status = aie_errcode ? aie_errcode : EX_TEMP;
		goto fail;
	}
	if (item_create(c->v, &dst, &draft) < 0) {
		status = exists(c->v, dst.rel) ? EX_NEG : aie_errcode;
		cli_warnerr(arg);
		goto fail;
	}
	audit_event(c->v, "draft", did, src.rel, dst.rel, model);
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", did, "path",
		    dst.rel, "source", src.id, "model", model);
		cli_print_json(o);
	} else {
		printf("%s\n", dst.rel);
	}
	goto out;
fail:
	if ((status == EX_TEMP || status == EX_DOWN) &&
	    src.stage == ST_IN_PROGRESS && strcmp(src.sub, c->v->agent) == 0)
		release_claim(c->v, &src);
out:
	free(text);
	fm_free(&draft);
	fm_free(&email);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reply-all", no_argument, NULL, 'R' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct ctx c;
	int ch, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	memset(&c, 0, sizeof c);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(ch, optarg, usage))
			continue;
		switch (ch) {
		case 'R' + 256: c.reply_all = 1; break;
		default: usage(2);
		}
	}
	if (optind == argc)
		usage(2);
	if (cli_draft_settings(&c.conf, &c.expires_hours) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	c.v = &v;
	if (!(c.handbook = handbook_load(&v))) {
		cli_warnerr("Company_Handbook.md");
		vault_close(&v);
		return aie_errcode;
	}
	if (cli.verbose)
		fprintf(stderr, "%s: provider %s, model %s\n", cli.prog,
		    llm_provider_name(c.conf.provider), c.conf.model);
	r = cli_each_arg(argc - optind, argv + optind, draft_one, &c);
	free(c.handbook);
	vault_close(&v);
	return r;
}
