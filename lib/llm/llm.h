/*
 * llm.h - one completion from a language model: the Anthropic Messages
 * API, an OpenAI-compatible chat completions server (Ollama, llama.cpp),
 * or nothing at all (the offline provider, which the caller implements:
 * llm_call refuses it). Replies are untrusted: the text comes back as a
 * plain string and nothing else of the reply is used but its usage.
 */
#ifndef AIE_LLM_H
#define AIE_LLM_H

#include <time.h>
#include "vault/vault.h"

enum llm_provider { LLM_OFFLINE, LLM_ANTHROPIC, LLM_OPENAI };

#define LLM_OFFLINE_MODEL "offline-template"

struct llm_conf {
	enum llm_provider provider;
	const char *model;           /* LLM_MODEL or the provider's default */
	const char *base_url;        /* without the trailing /v1/messages */
	const char *api_key;         /* NULL: none (OpenAI-compatible only) */
	long max_tokens;             /* LLM_MAX_TOKENS, default 1024 */
	long timeout;                /* LLM_TIMEOUT seconds, default 120 */
	int max_retries;             /* 3 */
};

struct llm_result {
	char *text;                  /* malloc'd, NUL-free, never empty */
	char model[128];             /* as the reply names it, else requested */
	long input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
	int have_usage;              /* a billed reply came (even if rejected) */
};

/* Read LLM_PROVIDER (anthropic | openai | offline; default: anthropic
 * with ANTHROPIC_API_KEY, openai with OPENAI_BASE_URL, else offline) and
 * the rest from the configuration. -1 with 78 when it is incomplete. */
int llm_conf_load(struct llm_conf *c);
const char *llm_provider_name(enum llm_provider p);

/* One completion of system + user. 0 with r->text set; -1 with
 * aie_errmsg and aie_errcode: 69 service down or failing after retries,
 * 75 timeout or rate limited after retries or spend limit, 78 key or
 * permission refused or unknown model, 65 request refused as invalid or
 * a completion that is empty, truncated or refused. r->have_usage tells
 * whether tokens were billed either way. Free r with llm_result_free. */
int llm_call(const struct llm_conf *c, const char *system, const char *user,
    struct llm_result *r);
void llm_result_free(struct llm_result *r);

/* Parse a 200 reply body (exposed for the fuzz harness). */
int llm_parse_anthropic(const char *body, size_t len, struct llm_result *r);
int llm_parse_openai(const char *body, size_t len, struct llm_result *r);

/*
 * usage.h - LLM usage rows and what they cost: Logs/API_Usage/YYYY-MM-DD.md
 * (a Markdown table, one row per call, appended), the price table, and the
 * daily call cap and weekly budget. usage-log(1) and draft-email(1) share
 * this code, so a row is written and read the same way by both.
 */
/* Bounds of one row: a token count is 0..USAGE_TOKENS_MAX, a known cost
 * finite and 0..USAGE_COST_MAX USD. usage_add refuses a row outside them
 * and usage_read counts such a row as malformed, so no row can turn the
 * budget off (a NaN compares false) or overflow a sum. */
#define USAGE_TOKENS_MAX 1000000000000L         /* 10^12 */
#define USAGE_COST_MAX 1e9
/* Settings' ranges (see usage-log(1)). */
#define USAGE_BUDGET_MAX 1e9
#define USAGE_CALLS_MAX 100000000L

struct usage_row {
	time_t time;
	char agent[AIE_NAME_MAX + 1];
	char task[64];
	char item[AIE_ID_MAX + 1];
	char model[128];
	long input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
	double cost;             /* USD */
	int cost_known;          /* 0: the model's price is unknown */
};

struct price {
	double input, output, cache_read, cache_write;   /* USD per million */
};

/* Fill r->cost and r->cost_known from the price table; -1 on a bad table
 * (78) or tokens or a cost out of the bounds above (65). */
int usage_price_row(struct usage_row *r);

/* An amount in USD as the table holds it: decimal digits with at most one
 * point (no sign, exponent, hex, nan or inf), 0..USAGE_COST_MAX. 0 or -1. */
int usage_cost_parse(const char *s, double *usd);

/* Append one row to Logs/API_Usage/<date of r->time>.md, creating the
 * file with its heading and table header when it is new (exactly once,
 * even with racing writers). A row out of bounds is -1 with 65. */
int usage_add(struct vault *v, const struct usage_row *r);

/* One model call of task (the tool's name) for item id, priced and added
 * as usage_add does: its tokens from r (NULL: none, as the offline
 * provider). 0 or -1 with aie_errmsg; a tool reports it, not fatal. */
int usage_log_call(struct vault *v, const char *task, const char *id,
    const char *model, const struct llm_result *r);

/* Call fn for every row dated in [since, until) (UTC days overlapping the
 * range are read; rows outside it are skipped). Repeated headers, blank and
 * foreign lines are tolerated; a row that does not parse is skipped and
 * counted in *bad (may be NULL). fn returns non-zero to stop. */
typedef int (*usage_fn)(const struct usage_row *r, void *ctx);
int usage_read(struct vault *v, time_t since, time_t until, usage_fn fn,
    void *ctx, long *bad);

/* usage_read's work on one file's text of len bytes, modified in place
 * (text[len] too, as file_readat leaves room for it). A NUL ends neither
 * the text nor a line: the line holding it is malformed. Exported for the
 * fuzz harness. */
int usage_parse(char *text, size_t len, time_t since, time_t until,
    usage_fn fn, void *ctx, long *bad);

struct usage_sum {
	long calls, unknown;     /* unknown: calls whose cost is unknown */
	long input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
	double cost;
	int saturated;           /* a token sum stopped at LONG_MAX */
};
/* Add a row; a token sum that would overflow stays at LONG_MAX and sets
 * saturated, so the caller can say the total is a floor. */
void usage_sum_add(struct usage_sum *s, const struct usage_row *r);

/* Start of the UTC day and of the ISO week (Monday 00:00 UTC) holding t. */
time_t usage_day_start(time_t t);
time_t usage_week_start(time_t t);

/* USAGE_BUDGET_WEEKLY (USD 0..USAGE_BUDGET_MAX, default 50) and
 * USAGE_MAX_CALLS_DAY (0..USAGE_CALLS_MAX, default 1000); -1 with 78
 * naming the setting and its range when it is not such a number. */
int usage_budget(double *usd);
int usage_max_calls(long *calls);

/* Before a call: -1 with 75 and which limit when today's calls reached
 * the cap or this week's spend reached the budget, and with 75 too when
 * the spend cannot be computed (a usage file unreadable, a malformed row
 * this week): the check fails closed. 78 for a bad setting. *unknown
 * gets this week's calls of unknown cost, which the budget cannot count
 * (the caller says so: lib/ does not print). */
int usage_check(struct vault *v, time_t now, long *unknown);

#endif
