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
#include <string.h>
#include <time.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "exec/exec.h"
#include "mail/mail.h"
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

static const struct exec_action actions[] = {
	/* name          limited  check        executor */
	{ "send_email",  1,       email_check, mail_send_draft },
	{ "none",        0,       NULL,        none_run },
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

void exec_action_names(char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; actions[i].name && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? ", " : "", actions[i].name);
}
