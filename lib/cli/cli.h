/*
 * cli.h - the common options of every tool and its item argument loop
 * (see ai-employee(7), COMMON OPTIONS). For tools only: lib/ never reads
 * it. This is the tools' command-line layer, so unlike the rest of lib/
 * it prints (to stdout and stderr) and, for --version and through the
 * tool's usage callback for -h and bad options, exits.
 */
#ifndef AIE_CLI_H
#define AIE_CLI_H

#include <getopt.h>
#include "vault/vault.h"

/* cli.c: the common options and the item argument loop */
struct cli {
	const char *prog;
	const char *vault_dir;
	const char *agent;
	int json, quiet, verbose;
};
extern struct cli cli;
#define CLI_SHORTOPTS "C:a:jqvh"
#define CLI_LONGOPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' + 256 }
int cli_init(const char *prog);
int cli_option(int c, const char *arg, void (*usage)(int));
/* An option's whole number from min to max (--timeout 300): a bad one is
 * warned about ("--timeout 0: not 1-3600") and usage(2) called. */
long cli_whole(const char *opt, const char *arg, long min, long max,
    void (*usage)(int));
/* --interval ARG: a duration as config_seconds reads it (30, 90s, 5m, 2h,
 * 1d) or a number of seconds with a fraction (0.5), of at least min
 * seconds and more than 0; a bad one is warned about and usage(2) called. */
double cli_interval(const char *arg, double min, void (*usage)(int));
int cli_open_vault(struct vault *v);
typedef int (*arg_fn)(const char *arg, void *ctx);
int cli_each_arg(int argc, char **argv, arg_fn fn, void *ctx);
void cli_warn(const char *item, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* cli_warn of a message already made: the warn callback lib/ takes
 * (exec_ctx, sync_opts), so that a tool says lib's diagnostics as its own. */
void cli_warn_msg(const char *item, const char *msg);
/* "tool: item: " and aie_errmsg on stderr; item (may be NULL) is left
 * out when aie_errmsg already begins with "item:", so it is said once. */
void cli_warnerr(const char *item);
/* Transfer progress on stderr, one line redrawn at most ten times a
 * second ("tool: objects 3/10, 12.0 KiB"), and when what is NULL (or a new
 * stage begins) a summary ("tool: pushed 10/10 objects, 40.2 KiB in
 * 0.3 s"); the shape of sync_progress_fn. */
void cli_progress(const char *what, unsigned done, unsigned total,
    size_t bytes);
int cli_refuse_cloud(void);
int cli_print_json(struct json_t *o);

/* byhand.c: the body of a tool that executes approved items of some
 * actions by hand (mail-send, social-post, wa-send, odoo-post) the way
 * vault-exec does, under its lock: agent local only, EXEC_MAX_PER_HOUR,
 * the vault opened into x->v, what a dead run left in In_Progress/<agent>/
 * settled first; then for each argument the same refusals in the same
 * order (not one of actions 65; in Done/ 1; not in Approved/ 1; its
 * approval not verified 77; its approval in the record of started
 * approvals 1) and exec_item. A dry run takes no lock, settles nothing and prints show's
 * output (NULL: exec_check says what would be done). The worst status. */
struct exec_ctx;
struct cli_byhand {
	const char *const *actions;   /* the actions it executes, NULL-ended */
	const char *what;        /* "an email draft": said of an item refused */
	const char *verb;        /* "sent": "not sent again" */
	int dry_run;
	int (*show)(const struct itemref *ref, const struct item *it);
	struct exec_ctx *x;      /* warn and result set by the tool */
};
int cli_byhand_run(struct cli_byhand *h, int argc, char **argv);
/* The by-hand tools' command line: cli_init, the common options, -n
 * (--dry-run) when dry_run_ok sets h->dry_run, and at least one ID (else
 * usage(2)). The index of the first ID, or -1 when cli_init failed. */
int cli_byhand_args(struct cli_byhand *h, int argc, char **argv,
    int dry_run_ok, void (*usage)(int));

/* showlink.c: the link of an OAuth first grant (and the device flow's
 * code, or NULL) for the owner, ctx the provider's name: the shape of
 * oauth_show_fn (see oauth.h). */
void cli_show_link(void *ctx, const char *url, const char *code);

/* llmcall.c: a tool's call of the model (draft-email, draft-post,
 * briefing). The settings of a drafting tool: the provider (llm_conf_load)
 * and DRAFT_EXPIRES_HOURS (default 72). 0, or -1 with aie_* (78). */
struct llm_conf;
struct llm_result;
int cli_draft_settings(struct llm_conf *conf, long *expires_hours);
/* Before a call: the daily cap and weekly budget (usage_check), and the
 * first time in a run that this week has calls of unknown cost, a warning
 * that the budget does not count them. 0, or -1 with aie_* (75, 78). */
int cli_llm_check(struct vault *v);
/* Log one call for item id ("" for none) under the tool's name (r NULL:
 * the offline provider's); a row not written is warned about, not fatal,
 * and aie_* is left as it was. */
void cli_llm_log(struct vault *v, const char *id, const char *model,
    const struct llm_result *r);
/* One call of conf's provider with system and user for item id, its
 * usage logged whenever tokens were billed: the text (malloc'd) and in
 * model (msize bytes) the model that answered; or NULL with aie_* from
 * llm_call. */
char *cli_llm_call(struct vault *v, const struct llm_conf *conf,
    const char *id, const char *system, const char *user, char *model,
    size_t msize);

/* agentkeys.c: what agent holds that belongs to the other agent (write
 * credentials, the approval key, the dashboard's keys on agent cloud), as
 * "KEY, KEY, ..." in buf; 1 when there is any, 0 when none. */
int agent_keys_misplaced(const char *agent, char *buf, size_t size);

#endif
