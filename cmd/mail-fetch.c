/*
 * mail-fetch - new mail into the vault as email items (see vault(5)).
 *
 * Two sources, one import path (lib/mailin.c): an IMAP mailbox over
 * libcurl, or RFC 5322 messages in files or on stdin, so an MDA, procmail
 * or a Maildir loop can pipe to it. Each new message becomes
 * Needs_Action/email/EMAIL_<UTC>_<hex>.md and its vault-relative path is
 * printed, so "mail-fetch | vault-claim - | draft-email -" works.
 *
 * IMAP state is .state/<agent>/imap-<key>.state: the mailbox's UIDVALIDITY
 * and the highest UID imported. A message is imported, then the state is
 * written: a crash between the two refetches the message next time and
 * the Message-ID dedup of mailin.c drops it, so nothing is lost and
 * nothing is doubled. On first contact (or a new UIDVALIDITY) the unseen
 * messages are fetched; afterwards every message above the last UID.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "base/base.h"
#include "mail/mail.h"

#define MAX_MESSAGE (64UL << 20)


static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mail-fetch [-C DIR] [-a AGENT] [-jqv] [--once | --interval S] "
	    "[--mark-seen]\n"
	    "       mail-fetch [-C DIR] [-a AGENT] [-jqv] [-f] FILE... | -\n");
	exit(status ? 2 : 0);
}

static void print_new(const struct itemref *ref)
{
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s}", "id", ref->id, "path", ref->rel);
		cli_print_json(o);
	} else
		printf("%s\n", ref->rel);
}

/* Import one message; the exit status for it (0 new, 1 seen before). */
static int import(struct mailin *mi, const char *raw, size_t len,
    const char *origin, const char *note, const char *name)
{
	struct itemref ref;
	int r = mailin_import(mi, raw, len, origin, note, &ref);

	if (r < 0) {
		cli_warnerr(name);
		return aie_errcode;
	}
	if (r == 1) {
		if (cli.verbose)
			cli_warn(name, "already imported (same Message-ID); skipped");
		return EX_NEG;
	}
	print_new(&ref);
	return 0;
}

static int read_all(int fd, const char *name, struct buf *b, int *truncated)
{
	char chunk[65536];
	ssize_t n;

	b->max = MAX_MESSAGE;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return aie_fail_errno(EX_DATA, "%s", name);
		buf_add(b, chunk, (size_t)n);
	}
	*truncated = b->cut;
	if (b->oom)
		return aie_fail(EX_TEMP, "%s: out of memory", name);
	return 0;
}

/* Messages from files (or "-": stdin); best status wins as "new". */
static int from_files(struct vault *v, int argc, char **argv)
{
	struct mailin mi;
	int i, status = EX_NEG, any = 0, err = 0;

	if (mailin_open(&mi, v) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	for (i = 0; i < argc; i++) {
		const char *name = argv[i];
		struct buf b = { 0 };
		char origin[300];
		int fd = 0, cut = 0, r;
		if (strcmp(name, "-") != 0 &&
		    (fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
			cli_warn(name, "%s", strerror(errno));
			err = err > EX_DATA ? err : EX_DATA;
			continue;
		}
		r = read_all(fd, name, &b, &cut);
		if (fd != 0)
			close(fd);
		if (r < 0) {
			cli_warnerr(NULL);
			err = err > aie_errcode ? err : aie_errcode;
			buf_free(&b);
			continue;
		}
		snprintf(origin, sizeof origin, "file %.280s",
		    strcmp(name, "-") ? name : "(stdin)");
		r = import(&mi, b.p ? b.p : "", b.len, origin,
		    cut ? "message cut at 64 MiB" : NULL, name);
		buf_free(&b);
		if (r == 0)
			any = 1;
		else if (r != EX_NEG)
			err = err > r ? err : r;
	}
	mailin_close(&mi);
	if (err)
		return err;
	return any ? 0 : status;
}

/* ---- IMAP ---- */

struct istate { unsigned long validity, last; };

static int state_rel(struct vault *v, char *rel, size_t size)
{
	char dir[64], key[20];

	if (vault_statedir(v, dir, sizeof dir) < 0 || imap_state_key(key,
	    sizeof key) < 0)
		return -1;
	snprintf(rel, size, "%s/imap-%s.state", dir, key);
	return 0;
}

static void state_read(struct vault *v, const char *rel, struct istate *s)
{
	char *buf;
	size_t len;

	s->validity = s->last = 0;
	if (file_readat(v->dirfd, rel, &buf, &len) < 0)
		return;
	if (sscanf(buf, "uidvalidity %lu\nlast_uid %lu", &s->validity,
	    &s->last) != 2)
		s->validity = s->last = 0;
	free(buf);
}

static int state_write(struct vault *v, const char *rel, const struct istate *s)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "uidvalidity %lu\nlast_uid %lu\n",
	    s->validity, s->last);

	return file_writeat(v->dirfd, rel, buf, (size_t)n, 0600);
}

static int has(const unsigned long *a, size_t n, unsigned long x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] == x)
			return 1;
	return 0;
}

/* One pass over the mailbox: 0 something new, 1 nothing, else an error. */
static int imap_pass(struct vault *v, struct imap *im, int mark_seen)
{
	struct istate st, now;
	struct mailin mi;
	unsigned long next, *uids = NULL, *seen = NULL;
	size_t n = 0, nseen = 0, i;
	char rel[128], crit[64];
	int first, status = EX_NEG, r;

	if (state_rel(v, rel, sizeof rel) < 0 || mailin_open(&mi, v) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	state_read(v, rel, &st);
	if (imap_status(im, &now.validity, &next) < 0)
		goto fail;
	first = st.validity != now.validity;
	if (first && st.validity && !cli.quiet)
		cli_warn(im->mailbox, "UIDVALIDITY changed (%lu -> %lu); reading "
		    "the unseen messages again (Message-ID dedup drops doubles)",
		    st.validity, now.validity);
	now.last = first ? 0 : st.last;
	if (!first && next && next <= now.last + 1)
		goto done;        /* nothing above the last UID */
	if (first)
		snprintf(crit, sizeof crit, "UNSEEN");
	else
		snprintf(crit, sizeof crit, "UID %lu:*", now.last + 1);
	if (imap_search(im, crit, &uids, &n) < 0)
		goto fail;
	if (!first && !mark_seen) {
		snprintf(crit, sizeof crit, "UID %lu:* SEEN", now.last + 1);
		if (imap_search(im, crit, &seen, &nseen) < 0)
			goto fail;
	}
	for (i = 0; i < n && !loop_stop; i++) {
		char *raw, origin[64];
		size_t len;
		int cut;
		if (uids[i] <= now.last)
			continue;    /* "n:*" always holds the highest UID */
		snprintf(origin, sizeof origin, "imap uid %lu", uids[i]);
		if (imap_fetch(im, now.validity, uids[i], &raw, &len, &cut) < 0) {
			unsigned long v2, n2;
			if (aie_errcode != EX_NEG)
				goto fail;
			/* gone, or the mailbox was recreated under us */
			if (imap_status(im, &v2, &n2) < 0)
				goto fail;
			if (v2 != now.validity)
				goto done;
			now.last = uids[i];
			continue;
		}
		r = import(&mi, raw, len, origin, cut ? "message cut at 64 MiB" :
		    NULL, origin);
		free(raw);
		if (r != 0 && r != EX_NEG)
			goto failr;
		if (r == 0)
			status = 0;
		if (!mark_seen && !has(seen, nseen, uids[i]) &&
		    imap_store_unseen(im, uids[i]) < 0)
			cli_warnerr(origin);  /* the item is made; go on */
		now.last = uids[i];
		if (state_write(v, rel, &now) < 0)
			goto fail;
	}
done:
	if (first && next > now.last + 1 && !loop_stop)
		now.last = next - 1;
	if ((first || now.last != st.last) && state_write(v, rel, &now) < 0)
		goto fail;
	free(uids);
	free(seen);
	mailin_close(&mi);
	return status;
fail:
	r = aie_errcode ? aie_errcode : EX_TEMP;
	cli_warnerr(NULL);
failr:
	free(uids);
	free(seen);
	mailin_close(&mi);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "mark-seen", no_argument, NULL, 's' },
		{ "files", no_argument, NULL, 'f' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct imap im;
	double interval = 0;
	int c, files = 0, mark_seen = 0, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "f", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'f': files = 1; break;
		case 'o': interval = 0; break;
		case 's': mark_seen = 1; break;
		case 'i': interval = cli_interval(optarg, 1, usage); break;
		default: usage(2);
		}
	}
	if (files && optind == argc)
		usage(2);
	if (optind < argc && (interval || mark_seen))
		usage(2);
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	if (optind < argc) {
		r = from_files(&v, argc - optind, argv + optind);
		vault_close(&v);
		return r;
	}
	if (imap_open(&im) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	loop_catch_term();
	for (;;) {
		r = imap_pass(&v, &im, mark_seen);
		if (!interval || loop_stop)
			break;
		loop_nap(interval);
		if (loop_stop)
			break;
	}
	imap_close(&im);
	vault_close(&v);
	return interval ? 0 : r;
}
