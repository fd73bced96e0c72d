/*
 * wa-media - fetch the media of WhatsApp items into the vault (see
 * wa-media(1)): for each item of Needs_Action/whatsapp/ (or each one
 * named) with a media_id and no media_file yet, the file from the Cloud
 * API (lib/wa media.c, checked) into Media/whatsapp/<ID>.<ext>, and the
 * item gets media_file and media_size. A file refused for good (its type,
 * size or checksum) gets media_error and is not asked for again; a
 * temporary failure is left for the next run.
 *
 * Apart from the webhook on purpose: the webhook answers Meta at once and
 * makes no request of its own; this runs from cron or PM2 on the cloud.
 * That run, with no items named, also applies the statuses the webhook
 * kept because their reply had not synced yet (wa_late_settle).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "wa/wa.h"

struct ctx {
	struct vault *v;
	struct wa_media_cfg cfg;
	int cfg_read;            /* read at the first file to fetch */
	int named;               /* items were named: say why one is skipped */
	int status;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: wa-media [-C DIR] [-a AGENT] [-jqv] [ITEM... | -]\n");
	exit(status ? 2 : 0);
}

/* The item's key, or NULL when it is missing or empty (malloc'd). */
static char *key(const struct item *it, const char *k)
{
	char *v = fm_get(it, k);

	if (v && !*v) {
		free(v);
		v = NULL;
	}
	return v;
}

/* One item: 0 fetched, 1 nothing to do, else an exit status. */
static int fetch(struct ctx *c, const struct itemref *ref)
{
	struct item it;
	struct wa_media m;
	char *mid = NULL, *file = NULL, *err = NULL, *type = NULL;
	char rel[256], size[32];
	int r = 1;

	if (item_load(c->v, ref, &it) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	type = key(&it, "type");
	mid = key(&it, "media_id");
	file = key(&it, "media_file");
	err = key(&it, "media_error");
	fm_free(&it);
	if (!type || strcmp(type, "whatsapp") || !mid || file || err) {
		if (c->named)
			cli_warn(ref->id, "%s", !type || strcmp(type, "whatsapp") ?
			    "not a WhatsApp item" : !mid ? "no media" :
			    file ? "already fetched" : "refused before (media_error)");
		goto out;
	}
	if (!c->cfg_read) {
		/* configuration only when there is work: an idle run needs none */
		if (wa_media_config(&c->cfg) < 0) {
			cli_warnerr(NULL);
			r = aie_errcode;
			goto out;
		}
		c->cfg_read = 1;
	}
	if (wa_media_fetch(&c->cfg, mid, &m) < 0) {
		const char *kv[] = { "media_error", aie_errmsg, NULL };
		r = aie_errcode;
		cli_warnerr(ref->id);
		if (r == EX_DATA && item_annotate(c->v, ref, kv) < 0)
			cli_warnerr(ref->id);
		goto out;
	}
	snprintf(rel, sizeof rel, "Media/whatsapp/%s.%s", ref->id, m.ext);
	snprintf(size, sizeof size, "%zu", m.len);
	{
		const char *kv[] = { "media_file", rel, "media_size", size, NULL };
		if (file_writeat(c->v->dirfd, rel, m.data, m.len, 0644) < 0 ||
		    item_annotate(c->v, ref, kv) < 0) {
			cli_warnerr(ref->id);
			r = aie_errcode;
		} else {
			audit_event(c->v, "whatsapp_media", ref->id, mid, rel, m.mime);
			if (cli.json)
				cli_print_json(json_pack("{s:s, s:s, s:s, s:I}", "id",
				    ref->id, "file", rel, "type", m.mime,
				    "size", (json_int_t)m.len));
			else
				printf("%s\n", rel);
			r = 0;
		}
	}
	free(m.data);
out:
	free(type);
	free(mid);
	free(file);
	free(err);
	return r;
}

/* The worst status wins; 1 (nothing to do) only when all were that. */
static void fold(struct ctx *c, int r)
{
	if (r == 0 && c->status == EX_NEG)
		c->status = 0;
	else if (r > 1 && r > c->status)
		c->status = r;
}

/* A reply found failed among the kept statuses: the owner is told. */
static void tell_failed(struct vault *v, const struct wa_status *s,
    const char *id, void *ctx)
{
	(void)ctx;
	wa_status_tell(v, s, id);
}

static void again_late(struct vault *v, const struct wa_status *s,
    void *ctx)
{
	(void)ctx;
	wa_status_again(v, s);
}

static int one_arg(const char *arg, void *vctx)
{
	struct ctx *c = vctx;
	struct itemref ref;

	if (vault_resolve(c->v, arg, &ref) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	fold(c, fetch(c, &ref));
	return 0;
}

static int each(struct vault *v, const struct itemref *ref, void *vctx)
{
	(void)v;
	fold(vctx, fetch(vctx, ref));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct ctx c;
	int ch, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	memset(&c, 0, sizeof c);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!cli_option(ch, optarg, usage))
			usage(2);
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	c.v = &v;
	c.status = EX_NEG;
	if (optind < argc) {
		c.named = 1;
		r = cli_each_arg(argc - optind, argv + optind, one_arg, &c);
		if (r > c.status || (r && c.status == EX_NEG))
			c.status = r;
	} else {
		if (vault_walk(&v, ST_NEEDS_ACTION, "whatsapp", each, &c) < 0) {
			cli_warnerr(NULL);
			c.status = aie_errcode;
		}
		/* the timer's run also settles the statuses that came before
		 * their reply synced (lib/wa late.c), in case no delivery does */
		if ((r = wa_late_settle(&v, tell_failed, again_late, NULL)) < 0) {
			cli_warnerr("statuses kept for later");
			fold(&c, aie_errcode ? aie_errcode : EX_TEMP);
		} else if (r > 0) {
			fold(&c, 0);
		}
	}
	vault_close(&v);
	return c.status;
}
