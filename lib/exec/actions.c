/*
 * actions.c - the action table of vault-exec (see exec.h, vault-exec(1)).
 *
 * One entry per action: its name (the value of the item's action key),
 * whether it counts against EXEC_MAX_PER_HOUR, its check (what makes an
 * item unexecutable, 65) and its executor, a function (one that runs a
 * tool would be one too). The fields each action's approval signs are in
 * lib/approval/actions.c under the same name.
 *
 * Adding an action: one entry here, its executor (and check), and its
 * signed fields in lib/approval/actions.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "exec/exec.h"
#include "mail/mail.h"
#include "social/social.h"
#include "internal.h"

/* send_email: the draft must make a mail (a to, no line break in a header
 * value, no address literal, no NUL in the body), the checks
 * mail_send_draft makes again when it sends. */
static int email_check(const struct item *it, const char *id)
{
	const char *from = config_get("SMTP_FROM");
	struct outmail o;

	if (smtp_compose(it, id, from ? from : "ai-employee@localhost",
	    time(NULL), &o) < 0)
		return -1;
	outmail_free(&o);
	return 0;
}

/* none: a manual task the owner did and confirmed by approving it; there
 * is nothing to execute, so it cannot fail and sends nothing (not limited):
 * vault-exec only records it and moves it to Done/. */
static int none_run(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res)
{
	(void)v;
	(void)ref;
	(void)it;
	memset(res, 0, sizeof *res);
	snprintf(res->detail, sizeof res->detail, "none: a manual task, "
	    "confirmed by its approval; nothing executed");
	return 0;
}

/* post: a social network post (social-post(1)). What it will publish:
 * the body (and link) as social_compose makes it, for its network. */
struct post {
	enum social_net net;
	char *text, *link, *media, *sha, *alt, *when;
};

static void post_free(struct post *p)
{
	free(p->text);
	free(p->link);
	free(p->media);
	free(p->sha);
	free(p->alt);
	free(p->when);
}

/* Read the post out of the item: 0, or -1 (65) when it names no network
 * we know. */
static int post_read(const struct item *it, struct post *p)
{
	char *net = fm_get(it, "network");
	int r;

	memset(p, 0, sizeof *p);
	r = social_net_parse(net, &p->net);
	free(net);
	if (r < 0)
		return -1;
	p->link = fm_get(it, "link");
	p->media = fm_get(it, "media");
	p->sha = fm_get(it, "media_sha256");
	p->alt = fm_get(it, "media_alt");
	p->when = fm_get(it, "schedule_at");
	if (!(p->text = social_compose(p->net, it->body, p->link))) {
		post_free(p);
		return -1;
	}
	return 0;
}

/* schedule_at: 1 due (none, or past), 0 not yet, -1 (65) not a time. */
static int post_when(const struct post *p, char *why, size_t size)
{
	time_t t;

	if (!p->when || !*p->when)
		return 1;
	if (time_parse_rfc3339(p->when, &t) < 0)
		return aie_fail(EX_DATA, "schedule_at %.40s is not a time as "
		    "2026-12-01T09:00:00Z", p->when);
	if (t <= time(NULL))
		return 1;
	snprintf(why, size, "scheduled for %s", p->when);
	return 0;
}

/* Due: its schedule_at has come, and the end of the network's last rate
 * limit (exec_retry_at, written by post_run) has passed, so a 429 does not
 * spend the attempts before the network would take the post. */
static int post_due(const struct item *it, char *why, size_t size)
{
	struct post p;
	char *retry = fm_get(it, "exec_retry_at");
	time_t t;
	int r = 1;

	if (post_read(it, &p) == 0) {
		r = post_when(&p, why, size) != 0;
		post_free(&p);
	}
	if (r && retry && time_parse_rfc3339(retry, &t) == 0 && t > time(NULL)) {
		snprintf(why, size, "rate limited by the network until %s", retry);
		r = 0;
	}
	free(retry);
	return r;
}

/* The post must meet its network's rules (65); a network not configured
 * is 78 and a post not due 75: those wait in Approved/. Its image is
 * checked against the signed digest when it is read to be published
 * (post_run): this check has no vault. */
static int post_check(const struct item *it, const char *id)
{
	struct post p;
	char why[200];
	int r = -1, due;

	(void)id;
	if (post_read(it, &p) < 0)
		return -1;
	if (social_check(p.net, p.text, p.media) < 0)
		goto out;
	if ((due = post_when(&p, why, sizeof why)) < 0)
		goto out;
	if (!due) {
		aie_fail(EX_TEMP, "%s", why);
		goto out;
	}
	if (!social_configured(p.net)) {
		aie_fail(EX_CONFIG, "%s: not configured (see social-post(1), "
		    "ENVIRONMENT)", social_net_name(p.net));
		goto out;
	}
	r = 0;
out:
	post_free(&p);
	return r;
}

/* Publish it, then record post_id and post_url in the item (vault-exec
 * moves it to Done/ next). The images are read once, here: the bytes
 * whose SHA-256 is the signed media_sha256 are the bytes uploaded (65
 * when a file changed since the approval). */
static int post_run(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res)
{
	struct social_post sp = { 0 };
	struct social_result sr;
	struct social_images im;
	struct post p;
	char when[21];
	const char *kv[] = { "post_id", sr.id, "post_url", sr.url,
	    "exec_retry_at", NULL, NULL };
	int r;

	memset(res, 0, sizeof *res);
	if (post_read(it, &p) < 0)
		return -1;
	if (social_images_verify(v->dirfd, p.net, p.media, p.sha, p.alt,
	    &im) < 0) {
		post_free(&p);
		return -1;
	}
	sp.net = p.net;
	sp.text = p.text;
	sp.link = p.link;
	sp.images = &im;
	r = social_publish(&sp, &sr);
	social_images_free(&im);
	post_free(&p);
	if (r < 0) {
		res->maybe_sent = sr.maybe_sent;
		if (sr.retry_at > 0) {
			/* the item waits until then (post_due); the failure and
			 * its message stand whether this is written or not */
			char msg[sizeof aie_errmsg];
			int code = aie_errcode;
			const char *rk[] = { "exec_retry_at", when, NULL };
			snprintf(msg, sizeof msg, "%s", aie_errmsg);
			time_rfc3339(sr.retry_at, when);
			(void)item_annotate(v, ref, rk);
			aie_errcode = code;
			snprintf(aie_errmsg, sizeof aie_errmsg, "%s", msg);
		}
		return -1;
	}
	if (!*sr.url)
		kv[3] = NULL;        /* no URL: none recorded */
	if (item_annotate(v, ref, kv) < 0) {
		/* published: say so; the record and exec keys stand */
		snprintf(res->detail, sizeof res->detail, "%s: published %.100s "
		    "(post_id not recorded: %.100s)", social_net_name(sp.net),
		    sr.id, aie_errmsg);
		return 0;
	}
	snprintf(res->detail, sizeof res->detail, "%s: published %.200s",
	    social_net_name(sp.net), sr.id);
	return 0;
}

static const struct exec_action actions[] = {
	/* name          limited  check        executor */
	{ "send_email",  1,       email_check, mail_send_draft },
	{ "none",        0,       NULL,        none_run },
	{ "post_invoice", 0,      invoice_check, invoice_post },
	{ "register_payment", 0,  payment_check, payment_register },
	{ "post",        1,       post_check,  post_run },
	{ "send_whatsapp", 1,     wa_reply_check, wa_reply_run },
	{ NULL, 0, NULL, NULL }
};

const struct exec_action *exec_action_find(const char *name)
{
	size_t i;

	if (!approval_action_find(name))
		return NULL;
	for (i = 0; actions[i].name; i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

/* Only post has a time (schedule_at); a table column for one action
 * would be a NULL in every other entry. */
int exec_action_due(const struct exec_action *a, const struct item *it,
    char *why, size_t size)
{
	return strcmp(a->name, "post") != 0 || post_due(it, why, size);
}

void exec_action_names(char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; actions[i].name && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? ", " : "", actions[i].name);
}
