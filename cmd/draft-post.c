/*
 * draft-post - draft one social post per network from a topic and file
 * each for the owner's approval as
 * Pending_Approval/social/POST_<network>_<time>_<rand>.md (see
 * draft-post(1), vault(5)).
 *
 * The topic is the arguments, stdin, an item (--from ID: its title or
 * subject and its body), or this week's theme of the content plan
 * (--from-goals: Business_Goals.md, "## Content"). With --media (once for
 * each image), each draft names the images and records their SHA-256
 * (media_sha256) in order, which the approval signs; the nth --media-alt
 * describes the nth image. The model is given the handbook as its rules and
 * tone and the topic as data (lib/social/prompt.c); without a provider
 * (offline) the post is the topic itself. Each call is checked against
 * the daily cap and weekly budget and logged, as draft-email's are. Every
 * draft is checked against its network's rule before it is filed: one
 * that breaks it is not filed (65, saying which rule), and the owner
 * approves nothing the network would refuse for its length. Drafting
 * needs no token: the networks are --network, or SOCIAL_NETWORKS, or
 * those configured here.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "llm/llm.h"
#include "mail/mail.h"
#include "social/social.h"

struct ctx {
	struct vault *v;
	struct llm_conf conf;
	char *handbook;
	const char *source;      /* --from's ID, or NULL */
	const char *path[SOCIAL_IMAGES_MAX];   /* --media's vault paths */
	const char *alts[SOCIAL_IMAGES_MAX];   /* --media-alt's, in order */
	size_t nimg, nalt;
	struct social_media img[SOCIAL_IMAGES_MAX]; /* bytes and SHA-256 */
	char *media, *sha, *alt; /* the keys: lists as vault(5) has them */
	long expires_hours;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: draft-post [-jqv] [-C DIR] [-a AGENT] [--network NET[,NET]] "
	    "[--media Media/FILE [--media-alt TEXT]]... [--from ID | --from-goals | "
	    "TOPIC... | -]\n");
	exit(status ? 2 : 0);
}

/* Networks from a list "linkedin,x" into want[]. 0, or -1 (65). */
static int parse_networks(const char *list, int want[NET_COUNT])
{
	char *copy = strdup(list), *tok, *save = NULL;
	enum social_net n;
	int r = 0;

	if (!copy)
		return aie_fail(EX_TEMP, "out of memory");
	for (tok = strtok_r(copy, ", ", &save); tok && r == 0;
	    tok = strtok_r(NULL, ", ", &save))
		if ((r = social_net_parse(tok, &n)) == 0)
			want[n] = 1;
	free(copy);
	return r;
}

/* The topic from stdin (at most SOCIAL_TOPIC_MAX bytes); malloc'd. */
static char *read_stdin(void)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 &&
	    b.len < SOCIAL_TOPIC_MAX)
		buf_add(&b, chunk, n);
	if (ferror(stdin)) {
		buf_free(&b);
		aie_fail_errno(EX_TEMP, "stdin");
		return NULL;
	}
	return buf_take(&b, NULL);
}

/* The topic of an item: its title or subject, then its body. */
static char *item_topic(struct vault *v, const char *arg)
{
	struct itemref ref;
	struct item it;
	char *title, *s = NULL;

	if (vault_resolve(v, arg, &ref) < 0 || item_load(v, &ref, &it) < 0)
		return NULL;
	if (!(title = fm_get(&it, "title")))
		title = fm_get(&it, "subject");
	if (asprintf(&s, "%s%s%s", title ? title : "", title ? "\n\n" : "",
	    it.body ? it.body : "") < 0) {
		s = NULL;
		aie_fail(EX_TEMP, "out of memory");
	}
	free(title);
	fm_free(&it);
	return s;
}

/* This week's theme of the content plan: the list items ("- ") of the
 * "## Content" section of Business_Goals.md, one per ISO week in turn, so
 * a weekly run goes through them all. malloc'd, or NULL (65 when there is
 * no plan). */
static char *goals_topic(struct vault *v)
{
	char *text = NULL, *line, *save = NULL, *themes[64], *s = NULL;
	size_t len, start, end, n = 0;
	time_t now = time(NULL);
	struct tm tm;
	char week[4];

	if (file_readat(v->dirfd, "Business_Goals.md", &text, &len) < 0)
		return NULL;
	if (md_section(text, len, "Content", &start, &end) != 1) {
		aie_fail(EX_DATA, "Business_Goals.md has no \"## Content\" section");
		goto out;
	}
	text[end] = '\0';
	for (line = strtok_r(text + start, "\n", &save); line && n < 64;
	    line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if ((line[0] == '-' || line[0] == '*') && line[1] == ' ' &&
		    line[2 + strspn(line + 2, " \t")])
			themes[n++] = line + 2 + strspn(line + 2, " \t");
	}
	if (n == 0) {
		aie_fail(EX_DATA, "the \"## Content\" section of Business_Goals.md "
		    "lists no themes (\"- theme\" lines)");
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(week, sizeof week, "%V", &tm);
	if (!(s = strdup(themes[(size_t)atoi(week) % n])))
		aie_fail(EX_TEMP, "out of memory");
out:
	free(text);
	return s;
}

/* The post's text from the provider; malloc'd, or NULL with aie_*. */
static char *complete(struct ctx *c, enum social_net net, const char *id,
    const char *topic, char *model, size_t msize)
{
	char *system = NULL, *user = NULL, *text = NULL;

	snprintf(model, msize, "%s", c->conf.model);
	if (cli_llm_check(c->v) < 0)
		return NULL;
	if (c->conf.provider == LLM_OFFLINE) {
		snprintf(model, msize, "%s", LLM_OFFLINE_MODEL);
		if ((text = social_offline(net, topic)))
			cli_llm_log(c->v, id, LLM_OFFLINE_MODEL, NULL);
		return text;
	}
	if (social_prompt(net, c->handbook, topic, &system, &user) < 0)
		return NULL;
	text = cli_llm_call(c->v, &c->conf, id, system, user, model, msize);
	free(system);
	free(user);
	return text;
}

/* POST_<network>_<UTC time>_<6 hex> into id. */
static int make_id(enum social_net net, char *id, size_t size)
{
	unsigned char rnd[3];
	char t[21];
	time_t now = time(NULL);
	struct tm tm;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return aie_fail_errno(EX_TEMP, "getrandom");
	gmtime_r(&now, &tm);
	strftime(t, sizeof t, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id, size, "POST_%s_%s_%02x%02x%02x", social_net_name(net), t,
	    rnd[0], rnd[1], rnd[2]);
	return 0;
}

static int build(struct item *d, const struct ctx *c, enum social_net net,
    const char *id, const char *model, const char *text)
{
	char now_s[21], exp_s[21];
	time_t now = time(NULL);

	time_rfc3339(now, now_s);
	time_rfc3339(now + c->expires_hours * 3600, exp_s);
	if (fm_parse(d, "---\n---\n", 8) < 0)
		return -1;
	if (fm_set(d, "type", "post_draft") < 0 || fm_set(d, "id", id) < 0 ||
	    fm_set(d, "created", now_s) < 0 || fm_set(d, "domain", "social") < 0 ||
	    fm_set(d, "status", "pending") < 0 ||
	    (c->source && fm_set(d, "source", c->source) < 0) ||
	    fm_set(d, "action", "post") < 0 ||
	    fm_set(d, "network", social_net_name(net)) < 0 ||
	    (c->media && (fm_set(d, "media", c->media) < 0 ||
	    fm_set(d, "media_sha256", c->sha) < 0)) ||
	    (c->alt && fm_set(d, "media_alt", c->alt) < 0) ||
	    fm_set(d, "model", model) < 0 ||
	    fm_set(d, "drafted_by", c->v->agent) < 0 ||
	    fm_set(d, "expires", exp_s) < 0)
		return -1;
	free(d->body);
	d->bodylen = strlen(text) + 1;
	if (!(d->body = malloc(d->bodylen + 1)))
		return aie_fail(EX_TEMP, "out of memory");
	memcpy(d->body, text, d->bodylen - 1);
	memcpy(d->body + d->bodylen - 1, "\n", 2);
	return 0;
}

/* The images on net: as many as it takes, each of a kind it takes. */
static int images_check(const struct ctx *c, enum social_net net)
{
	size_t i;

	if (c->nimg > social_images_max(net))
		return aie_fail(EX_DATA, "%zu images, over the %zu a post may have",
		    c->nimg, social_images_max(net));
	for (i = 0; i < c->nimg; i++)
		if (social_media_check(net, &c->img[i]) < 0)
			return -1;
	return 0;
}

/* Read every image once and make the three keys: media (the paths),
 * media_sha256 (their digests) separated by spaces, media_alt (one
 * description, or several separated by SOCIAL_ALT_SEP, or none). */
static int images_load(struct ctx *c)
{
	struct buf m = { 0 }, s = { 0 }, a = { 0 };
	size_t i;
	int any = 0;

	for (i = 0; i < c->nimg; i++) {
		if (social_media_load(c->v->dirfd, c->path[i], &c->img[i]) < 0)
			goto fail;
		buf_addf(&m, "%s%s", i ? " " : "", c->path[i]);
		buf_addf(&s, "%s%s", i ? " " : "", c->img[i].sha256);
	}
	for (i = 0; i < c->nimg; i++) {
		const char *t = i < c->nalt ? c->alts[i] : "";
		if (c->nimg > 1 && strchr(t, '|')) {
			aie_fail(EX_DATA, "the description of %s holds \"|\", which "
			    "separates those of several images", c->path[i]);
			goto fail;
		}
		any |= *t != '\0';
		buf_addf(&a, "%s%s", i ? SOCIAL_ALT_SEP : "", t);
	}
	if (!(c->media = buf_take(&m, NULL)) || !(c->sha = buf_take(&s, NULL)) ||
	    (any && !(c->alt = buf_take(&a, NULL)))) {
		aie_fail(EX_TEMP, "out of memory");
		goto fail;
	}
	free(a.p);
	return 0;
fail:
	free(m.p);
	free(s.p);
	free(a.p);
	return -1;
}

/* Draft, check and file the post for one network; an exit status. */
static int draft_one(struct ctx *c, enum social_net net, const char *topic)
{
	const char *name = social_net_name(net);
	struct itemref dst;
	struct item draft;
	char id[AIE_ID_MAX + 1], model[128], *raw = NULL, *text = NULL;
	int status = 0;

	memset(&draft, 0, sizeof draft);
	if (make_id(net, id, sizeof id) < 0 ||
	    !(raw = complete(c, net, id, topic, model, sizeof model)) ||
	    !(text = social_compose(net, raw, NULL))) {
		cli_warnerr(name);
		free(raw);
		return aie_errcode ? aie_errcode : EX_TEMP;
	}
	if (social_check(net, text, c->media) < 0 ||
	    images_check(c, net) < 0) {
		cli_warn(name, "not filed: %s", aie_errmsg);
		status = EX_DATA;
		goto out;
	}
	if (build(&draft, c, net, id, model, text) < 0 ||
	    item_ref_set(&dst, id, ST_PENDING, "social") < 0 ||
	    item_create(c->v, &dst, &draft) < 0) {
		cli_warnerr(name);
		status = aie_errcode;
		goto out;
	}
	audit_event(c->v, "draft", id, c->source, dst.rel, model);
	if (cli.json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "id", id, "path",
		    dst.rel, "network", name, "model", model));
	else
		printf("%s\n", dst.rel);
out:
	free(raw);
	free(text);
	fm_free(&draft);
	return status;
}

/* Which networks: --network, else SOCIAL_NETWORKS, else the configured. */
static int networks(const char *opt, int want[NET_COUNT])
{
	const char *conf = config_get("SOCIAL_NETWORKS");
	int i, any = 0;

	if (opt)
		return parse_networks(opt, want);
	if (conf && *conf)
		return parse_networks(conf, want);
	for (i = 0; i < NET_COUNT; i++)
		any |= want[i] = social_configured((enum social_net)i);
	if (!any)
		return aie_fail(EX_CONFIG, "no network to draft for: name one with "
		    "--network or set SOCIAL_NETWORKS (e.g. linkedin,x)");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "network", required_argument, NULL, 'N' + 256 },
		{ "from", required_argument, NULL, 'F' + 256 },
		{ "from-goals", no_argument, NULL, 'G' + 256 },
		{ "media", required_argument, NULL, 'M' + 256 },
		{ "media-alt", required_argument, NULL, 'A' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct ctx c;
	const char *netopt = NULL;
	char *topic = NULL;
	int want[NET_COUNT] = { 0 }, ch, r, status = 0, i, goals = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	memset(&c, 0, sizeof c);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(ch, optarg, usage))
			continue;
		switch (ch) {
		case 'N' + 256: netopt = optarg; break;
		case 'F' + 256: c.source = optarg; break;
		case 'G' + 256: goals = 1; break;
		case 'M' + 256:
			if (c.nimg == SOCIAL_IMAGES_MAX) {
				cli_warn(NULL, "more than %d images (--media)",
				    SOCIAL_IMAGES_MAX);
				return EX_ARGS;
			}
			c.path[c.nimg++] = optarg;
			break;
		case 'A' + 256:
			if (c.nalt == SOCIAL_IMAGES_MAX)
				usage(2);
			c.alts[c.nalt++] = optarg;
			break;
		default: usage(2);
		}
	}
	if ((c.source || goals) && optind < argc)
		usage(2);
	if (c.source && goals)
		usage(2);
	if (c.nalt > c.nimg) {
		cli_warn(NULL, "--media-alt describes the image of --media: name "
		    "the image too (the nth --media-alt describes the nth --media)");
		return EX_ARGS;
	}
	if (networks(netopt, want) < 0 ||
	    cli_draft_settings(&c.conf, &c.expires_hours) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	/* the description is published text: checked before anything is
	 * drafted, as the publisher checks it */
	for (i = 0; i < NET_COUNT; i++) {
		size_t k;
		for (k = 0; want[i] && k < c.nalt; k++)
			if (*c.alts[k] && social_alt_check((enum social_net)i,
			    c.alts[k]) < 0) {
				cli_warnerr(NULL);
				return aie_errcode;
			}
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	c.v = &v;
	/* the image is read once: its digest, signed with the approval, is
	 * what approve(1) and the executor check the file against */
	if (images_load(&c) < 0) {
		cli_warnerr(NULL);
		status = aie_errcode;
		goto out;
	}
	if (c.source)
		topic = item_topic(&v, c.source);
	else if (goals)
		topic = goals_topic(&v);
	else if (optind == argc || (optind + 1 == argc &&
	    strcmp(argv[optind], "-") == 0))
		topic = read_stdin();
	else {
		struct buf b = { 0 };
		for (i = optind; i < argc; i++) {
			buf_adds(&b, argv[i]);
			if (i + 1 < argc)
				buf_addc(&b, ' ');
		}
		if (!(topic = buf_take(&b, NULL)))
			aie_fail(EX_TEMP, "out of memory");
	}
	if (!topic || !(c.handbook = handbook_load(&v))) {
		cli_warnerr(goals ? "Business_Goals.md" : c.source);
		status = aie_errcode;
		goto out;
	}
	if (!topic[strspn(topic, " \t\r\n")]) {
		cli_warn(NULL, "the topic is empty");
		status = EX_ARGS;
		goto out;
	}
	for (i = 0; i < NET_COUNT; i++)
		if (want[i]) {
			r = draft_one(&c, (enum social_net)i, topic);
			status = r > status ? r : status;
		}
out:
	for (i = 0; i < (int)c.nimg; i++)
		social_media_free(&c.img[i]);
	free(c.media);
	free(c.sha);
	free(c.alt);
	free(topic);
	free(c.handbook);
	vault_close(&v);
	return status;
}
