/*
 * llmcall.c - a tool's call of the model (draft-email, draft-post,
 * briefing): the settings of a drafting tool, the daily cap and weekly
 * budget checked before (see usage-log(1), prices(5)), and every billed
 * call logged under the tool's name, a reply then refused included. Here
 * in the tools' layer because what lib/llm leaves to its caller (a usage
 * row not written, calls of unknown cost) is said on stderr.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "llm/llm.h"

int cli_draft_settings(struct llm_conf *conf, long *expires_hours)
{
	return llm_conf_load(conf) < 0 || config_long("DRAFT_EXPIRES_HOURS", 72,
	    1, 1000000, expires_hours) < 0 ? -1 : 0;
}

int cli_llm_check(struct vault *v)
{
	static int said;
	long unknown = 0;
	int rc = usage_check(v, time(NULL), &unknown);

	/* said once a run: the budget does not count such calls */
	if (!said && unknown > 0) {
		said = 1;
		cli_warn(NULL, "warning: %ld calls this week have an unknown cost "
		    "and are not counted in the weekly budget: add their models "
		    "to prices.tsv or PRICE_<MODEL> (see prices(5))", unknown);
	}
	return rc;
}

void cli_llm_log(struct vault *v, const char *id, const char *model,
    const struct llm_result *r)
{
	char msg[sizeof aie_errmsg];
	int code = aie_errcode;

	/* the caller's error (a refused reply) is the one to report */
	snprintf(msg, sizeof msg, "%s", aie_errmsg);
	if (usage_log_call(v, cli.prog, id, model, r) < 0)
		cli_warn(*id ? id : NULL, "usage not logged: %s", aie_errmsg);
	aie_errcode = code;
	snprintf(aie_errmsg, sizeof aie_errmsg, "%s", msg);
}

char *cli_llm_call(struct vault *v, const struct llm_conf *conf,
    const char *id, const char *system, const char *user, char *model,
    size_t msize)
{
	struct llm_result r;
	char *text = NULL;
	int rc = llm_call(conf, system, user, &r);

	if (r.have_usage)
		cli_llm_log(v, id, r.model, &r);
	if (rc == 0) {
		text = r.text;
		r.text = NULL;
		snprintf(model, msize, "%s", r.model);
	}
	llm_result_free(&r);
	return text;
}
