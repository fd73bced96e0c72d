/*
 * social-post - publish approved social posts by hand, one ID at a time
 * (see social-post(1), vault(5)).
 *
 * The post action's executor is vault-exec's: this tool runs the very same
 * path (lib/exec/exec.c, exec_item: verify the approval on the claimed
 * copy, the record of started approvals, exec_status: sending before the
 * first byte, post_id and post_url, Done/), under the same lock, so a post
 * is published at most once whichever of the two runs it. Only items whose
 * action is post; a post left by a run that died (In_Progress/<agent>/) is
 * recovered as vault-exec recovers it, never published again.
 *
 * -n checks what the run checks before it publishes: the approval, the
 * network's rules and that it is due (exec_check), and the image whose
 * SHA-256 must be the signed media_sha256 and which the network must
 * take, read from the vault as the publisher reads it (the action's own
 * check has no vault).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "social/social.h"
#include "base/base.h"

static int dry_run;
static struct vault *vault;      /* for print_result and dry_show */
static struct exec_ctx *xctx;    /* for dry_show */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: social-post [-C DIR] [-a AGENT] [-jqv] [-n] ID|PATH|- ...\n");
	exit(status ? 2 : 0);
}

/* A published post: its path in Done/ and its URL (read back from the
 * item, where the executor recorded it); with -n, what would be posted. */
static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it, const struct send_result *res)
{
	struct vault *v = vault;
	struct item done;
	char *net = fm_get(it, "network"), *url = NULL;

	(void)res;
	if (!dry_run && v && item_load(v, ref, &done) == 0) {
		url = fm_get(&done, "post_url");
		fm_free(&done);
	}
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", ref->id,
		    "path", ref->rel, "verdict", dry_run ? verdict : "published",
		    "network", net ? net : "", "post_url", url ? url : "");
		cli_print_json(o);
	} else if (dry_run)
		printf("%s\twould post\t%s\n", ref->id, net ? net : "");
	else
		printf("%s\t%s\n", ref->rel, url ? url : "");
	free(net);
	free(url);
}

/* The images as post_run reads them: the signed bytes, of a kind, size
 * and number the network takes. 0 (also without one), or -1 (65). */
static int image_ok(const struct item *it)
{
	struct social_images im = { 0 };
	char *net = fm_get(it, "network"), *media = fm_get(it, "media"),
	    *sha = fm_get(it, "media_sha256"), *alt = fm_get(it, "media_alt");
	enum social_net n;
	int r = 0;

	if (media && *media && (social_net_parse(net, &n) < 0 ||
	    social_images_verify(vault->dirfd, n, media, sha, alt, &im) < 0))
		r = -1;
	social_images_free(&im);
	free(net);
	free(media);
	free(sha);
	free(alt);
	return r;
}

/* -n: exec_check without its verdict, then the image, then the verdict. */
static int dry_show(const struct itemref *ref, const struct item *it)
{
	int r;

	xctx->result = NULL;
	xctx->limit_told = xctx->waited = 0;
	r = exec_check(xctx, ref);
	xctx->result = print_result;
	if (r != 0)
		return r;
	if (image_ok(it) < 0) {
		cli_warn(ref->id, "would be refused: %s", aie_errmsg);
		return aie_errcode;
	}
	print_result(ref, "post", it, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const actions[] = { "post", NULL };
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = cli_warn_msg,
	    .result = print_result };
	struct cli_byhand h = { actions, "a post", "published", 0, NULL, &x };
	int first = cli_byhand_args(&h, argc, argv, 1, usage);

	if (first < 0)
		return EX_CONFIG;
	vault = &v;
	xctx = &x;
	dry_run = h.dry_run;
	if (dry_run)
		h.show = dry_show;
	return cli_byhand_run(&h, argc - first, argv + first);
}
