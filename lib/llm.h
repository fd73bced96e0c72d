/*
 * llm.h - one completion from a language model: the Anthropic Messages
 * API, an OpenAI-compatible chat completions server (Ollama, llama.cpp),
 * or nothing at all (the offline provider, which the caller implements:
 * llm_call refuses it). Replies are untrusted: the text comes back as a
 * plain string and nothing else of the reply is used but its usage.
 */
#ifndef AIE_LLM_H
#define AIE_LLM_H

#include <stddef.h>

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

#endif
