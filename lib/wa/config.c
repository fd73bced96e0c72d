/*
 * config.c - the WhatsApp settings (see wa.h): the provider that tells
 * the owner (wa_config), the Graph API's, and the Cloud API's keys of
 * replies to customers (wa_reply_config, wa_reply_missing). Read from the
 * configuration only, no network asked, apart from the senders, which
 * call libcurl, so that the static dashboard CGI can say what is
 * configured (ai-employee-dashboard(1), /settings).
 */
#include <stdio.h>
#include <string.h>

#include "vault/vault.h"
#include "wa/wa.h"
#include "internal.h"

const char *wa_provider_name(enum wa_provider p)
{
	return p == WA_CLOUD ? "cloud" : p == WA_TWILIO ? "twilio" : "none";
}

static int need(const char *key, const char **dst)
{
	const char *v = config_get(key);

	if (!v || !*v)
		return aie_fail(EX_CONFIG, "%s is not set", key);
	*dst = v;
	return 0;
}

int wa_graph_config(long *timeout, const char **graph_url,
    const char **api_version)
{
	if (config_long("WA_TIMEOUT", 30, 1, 3600, timeout) < 0)
		return -1;
	*graph_url = config_get_default("WA_GRAPH_URL",
	    "https://graph.facebook.com");
	*api_version = config_get_default("WA_API_VERSION", "v21.0");
	return 0;
}

int wa_cfg_common(struct wa_cfg *c)
{
	long attempts;

	memset(c, 0, sizeof *c);
	if (wa_graph_config(&c->timeout, &c->graph_url, &c->api_version) < 0 ||
	    config_long("WA_ATTEMPTS", 4, 1, 10, &attempts) < 0)
		return -1;
	c->attempts = (int)attempts;
	return 0;
}

int wa_config(struct wa_cfg *c)
{
	const char *p = config_get("WA_PROVIDER");

	if (wa_cfg_common(c) < 0)
		return -1;
	if (!p || !*p) {
		/* no provider named: whichever is set up, else none */
		if (config_get("WA_TOKEN") && config_get("WA_PHONE_NUMBER_ID"))
			p = "cloud";
		else if (config_get("TWILIO_SID"))
			p = "twilio";
		else
			p = "none";
	}
	if (!strcmp(p, "none") || !strcmp(p, "outbox")) {
		c->provider = WA_NONE;
		return 0;
	}
	if (!strcmp(p, "cloud")) {
		c->provider = WA_CLOUD;
		c->template_name = config_get("WA_TEMPLATE");
		c->template_lang = config_get_default("WA_TEMPLATE_LANG", "en_US");
		return need("WA_PHONE_NUMBER_ID", &c->phone_id) < 0 ||
		    need("WA_TOKEN", &c->token) < 0 || need("WA_TO", &c->to) < 0 ?
		    -1 : 0;
	}
	if (!strcmp(p, "twilio")) {
		c->provider = WA_TWILIO;
		c->twilio_url = config_get_default("TWILIO_BASE_URL",
		    "https://api.twilio.com");
		c->content_sid = config_get("TWILIO_CONTENT_SID");
		return need("TWILIO_SID", &c->sid) < 0 ||
		    need("TWILIO_TOKEN", &c->twilio_token) < 0 ||
		    need("TWILIO_FROM", &c->from) < 0 || need("WA_TO", &c->to) < 0 ?
		    -1 : 0;
	}
	return aie_fail(EX_CONFIG, "WA_PROVIDER=%s: want cloud, twilio or none",
	    p);
}

/* Replies' own keys: a send token and, when it differs from the
 * notices', a phone number ID. */
static const char *const reply_keys[] = { "WA_SEND_TOKEN",
    "WA_SEND_PHONE_NUMBER_ID", NULL };

/* The phone number ID replies go from: WA_SEND_PHONE_NUMBER_ID, else
 * WA_PHONE_NUMBER_ID, else NULL. */
static const char *reply_phone(void)
{
	const char *v = config_get("WA_SEND_PHONE_NUMBER_ID");

	if (!v || !*v)
		v = config_get("WA_PHONE_NUMBER_ID");
	return v && *v ? v : NULL;
}

int wa_reply_missing(const char **key)
{
	const char *v;
	int i, some = 0;

	for (i = 0; reply_keys[i]; i++)
		if ((v = config_get(reply_keys[i])) && *v)
			some = 1;
	*key = NULL;
	if (!(v = config_get("WA_SEND_TOKEN")) || !*v)
		*key = "WA_SEND_TOKEN";
	else if (!reply_phone())
		*key = "WA_SEND_PHONE_NUMBER_ID";
	return !*key ? 0 : some ? 1 : 2;
}

int wa_reply_config(struct wa_cfg *c)
{
	const char *p = config_get("WA_PROVIDER"), *key;

	if (wa_cfg_common(c) < 0)
		return -1;
	c->attempts = 1;        /* at most once: never retried here */
	if (wa_reply_missing(&key) == 0) {
		c->provider = WA_CLOUD;
		c->token = config_get("WA_SEND_TOKEN");
		c->phone_id = reply_phone();
		return 0;
	}
	/* WA_PROVIDER picks how the owner is told; replies need their own key,
	 * and without one a Twilio set-up is the feature that is not there */
	if (!strcmp(key, "WA_SEND_TOKEN") && p && !strcmp(p, "twilio"))
		return aie_fail(EX_DOWN, "WA_PROVIDER=twilio and no WA_SEND_TOKEN: "
		    "replies to customers go through the WhatsApp Cloud API only");
	if (!strcmp(key, "WA_SEND_TOKEN"))
		return aie_fail(EX_CONFIG, "WA_SEND_TOKEN is not set (replies do "
		    "not use WA_TOKEN, the token of the owner's notifications)");
	return aie_fail(EX_CONFIG, "neither WA_SEND_PHONE_NUMBER_ID nor "
	    "WA_PHONE_NUMBER_ID is set");
}
