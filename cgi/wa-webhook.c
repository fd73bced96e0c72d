/*
 * wa-webhook.cgi - the WhatsApp Cloud API webhook (see wa-webhook(1)), one
 * CGI program behind nginx and fcgiwrap on the cloud agent.
 *
 * GET is Meta's verification handshake: hub.mode=subscribe and
 * hub.verify_token equal to WA_VERIFY_TOKEN answer hub.challenge, anything
 * else 403. POST is a delivery: the body is read whole (at most 3 MB,
 * else 413) and its X-Hub-Signature-256 checked against WA_APP_SECRET
 * before a byte of it is parsed (401, nothing written, one line in the
 * server's log); then the body is made durable as a record of lib/wa's
 * write-ahead log (wal.c: one fdatasync in place, no journal commit) and
 * the reply is 200. Only then, with Meta answered and fcgiwrap's worker
 * freed, does each message become an item through lib/wa's inbox (dedup
 * by wamid), each status of a reply we sent is recorded (lib/wa
 * status.c), and the record is marked done; a record whose process died
 * first is filed by the next delivery. Then the owner is told of urgent
 * messages and failed replies, and answered when the owner's own number
 * asked "status" or "pending" (never filed, never a decision). A payload
 * that cannot be recorded is a 500, so Meta delivers it again; one that
 * is signed but malformed is a 400. The vault and agent come from VAULT_DIR and
 * VAULT_AGENT (set by nginx), the secrets from the configuration file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "status/status.h"
#include "vault/vault.h"
#include "wa/wa.h"
#include "web/web.h"

static int reply(struct web *w, int status, const char *text)
{
	struct buf b = { 0 };

	buf_addf(&b, "%s\n", text);
	web_send(w, status, "text/plain; charset=utf-8", &b);
	buf_free(&b);
	return 0;
}

/* 1 when a and b are equal, in time that does not depend on where they
 * differ (both are hashed first, so their lengths do not matter either). */
static int same_secret(const char *a, const char *b)
{
	unsigned char ha[32], hb[32];

	crypto_generichash(ha, sizeof ha, (const unsigned char *)a, strlen(a),
	    NULL, 0);
	crypto_generichash(hb, sizeof hb, (const unsigned char *)b, strlen(b),
	    NULL, 0);
	return sodium_memcmp(ha, hb, sizeof ha) == 0;
}

/* The handshake: Meta echoes nothing but digits, so the challenge is
 * answered only when it is a short run of printable ASCII. */
static int handshake(struct web *w)
{
	static const char *const keys[] = { "hub.mode", "hub.verify_token",
	    "hub.challenge", NULL };
	const char *want = config_get("WA_VERIFY_TOKEN");
	const char *mode, *token, *challenge, *p;
	int r;

	if (!want || !*want) {
		fprintf(stderr, "wa-webhook: WA_VERIFY_TOKEN is not set\n");
		return reply(w, 503, "the webhook is not set up");
	}
	if ((r = web_decode_query(w, keys)))
		return reply(w, r, "malformed query");
	mode = web_get(w, "hub.mode");
	token = web_get(w, "hub.verify_token");
	challenge = web_get(w, "hub.challenge");
	if (!mode || strcmp(mode, "subscribe") || !token || !challenge ||
	    !same_secret(token, want)) {
		fprintf(stderr, "wa-webhook: verification refused (from %s)\n",
		    w->remote_addr);
		return reply(w, 403, "verification refused");
	}
	for (p = challenge; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			break;
	if (*p || p == challenge || p - challenge > 256)
		return reply(w, 400, "bad hub.challenge");
	return reply(w, 200, challenge);
}

/* The request body, exactly CONTENT_LENGTH bytes of at most
 * WA_HOOK_BODY_MAX: 0, or an HTTP status. */
static int read_body(struct web *w, char **out, size_t *len)
{
	size_t have = 0, want;
	ssize_t n;
	char *b;

	if (w->content_length == -1)
		return 411;
	if (w->content_length < 0)
		return 400;
	if (w->content_length > WA_HOOK_BODY_MAX)
		return 413;
	want = (size_t)w->content_length;
	if (!(b = malloc(want + 1)))
		return 500;
	w->body_read = 1;
	while (have < want) {
		n = read(0, b + have, want - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have != want) {
		free(b);
		return 400;
	}
	b[have] = '\0';
	*out = b;
	*len = have;
	return 0;
}

/* What is told to the owner once Meta has its answer. */
#define LATER_MAX 16
struct later {
	char urgent[LATER_MAX][AIE_ID_MAX + 1];
	size_t nurgent;
	char failed[LATER_MAX][AIE_ID_MAX + 1];
	size_t failed_st[LATER_MAX];   /* the status's index in the payload */
	size_t nfailed;
	size_t ask[LATER_MAX];         /* the owner's questions: message index */
	size_t nask;
	size_t again[LATER_MAX];       /* not a reply, failed 131047: status index */
	size_t nagain;
};

#define PREPARE_MAX 64

/* Store the messages and statuses of a verified payload in the open vault:
 * each message's item written aside first, then under wa.lock only what
 * orders deliveries, then the folder synced by an fsync shared with the
 * deliveries at once (lib/wa inbox.c, group.c); with replay
 * set, a payload of the write-ahead record filed again. 0, or an HTTP
 * status. */
static int store(struct vault *v, const struct wa_hook *h, struct later *l,
    int replay)
{
	struct wa_inbox in;
	struct wa_pre *pre;
	struct itemref ref;
	char tell[AIE_ID_MAX + 1];
	size_t i;
	int status = 0, r;

	if (!(pre = calloc(h->nmsgs ? h->nmsgs : 1, sizeof *pre))) {
		fprintf(stderr, "wa-webhook: out of memory\n");
		return 500;
	}
	if (wa_inbox_open(&in, v) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		free(pre);
		return 500;
	}
	in.replay = replay;
	/* each holds its folder open: the first PREPARE_MAX (Meta sends one
	 * or a few); the rest are written under the lock */
	for (i = 0; i < h->nmsgs && i < PREPARE_MAX; i++)
		if (wa_owner_ask(&h->msgs[i]) == WA_ASK_NONE &&
		    wa_inbox_prepare(&in, &h->msgs[i], &pre[i]) < 0)
			/* not fatal: wa_inbox_add writes it under the lock */
			fprintf(stderr, "wa-webhook: %s: %s\n", h->msgs[i].id,
			    aie_errmsg);
	if (wa_inbox_lock(&in) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		for (i = 0; i < h->nmsgs; i++)
			wa_pre_drop(&pre[i]);
		wa_inbox_close(&in);
		free(pre);
		return 500;
	}
	for (i = 0; i < h->nmsgs; i++) {
		if (wa_owner_ask(&h->msgs[i]) != WA_ASK_NONE) {
			/* answered, not filed: a question, never a decision */
			if (audit_event(v, "whatsapp_owner_asked", NULL, "wa-webhook",
			    NULL, h->msgs[i].text) < 0) {
				fprintf(stderr, "wa-webhook: %s: %s\n", h->msgs[i].id,
				    aie_errmsg);
				status = 500;
			} else if (l->nask < LATER_MAX) {
				l->ask[l->nask++] = i;
			}
			continue;
		}
		if ((r = wa_inbox_add(&in, &h->msgs[i], &pre[i], &ref)) < 0) {
			fprintf(stderr, "wa-webhook: %s: %s\n", h->msgs[i].id,
			    aie_errmsg);
			status = 500;   /* the rest still stored; Meta retries */
		} else if (r == 0 && keywords_match(&in.urgent, h->msgs[i].text) &&
		    l->nurgent < LATER_MAX)
			snprintf(l->urgent[l->nurgent++], AIE_ID_MAX + 1, "%s",
			    ref.id);
	}
	/* under the same lock: a status never races its reply's update */
	for (i = 0; i < h->nsts; i++) {
		if ((r = wa_status_apply(v, &h->sts[i], tell)) < 0) {
			fprintf(stderr, "wa-webhook: status of %s: %s\n",
			    h->sts[i].id, aie_errmsg);
			status = 500;
		} else if (*tell && l->nfailed < LATER_MAX) {
			l->failed_st[l->nfailed] = i;
			memcpy(l->failed[l->nfailed++], tell, sizeof tell);
		} else if (r == 1 && h->sts[i].error_code == 131047 &&
		    h->sts[i].status && !strcmp(h->sts[i].status, "failed") &&
		    l->nagain < LATER_MAX)
			l->again[l->nagain++] = i;   /* maybe the owner's */
	}
	wa_inbox_unlock(&in);
	/* after the lock, before the record is done: deliveries at once
	 * share the sync */
	if (wa_inbox_sync(&in) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		status = 500;
	}
	wa_inbox_close(&in);
	free(pre);
	return status;
}

/* notify-wa, which tells the owner (this program links no HTTP client:
 * it is exec'd for every delivery, and a static binary without libcurl
 * starts in a fraction of the time): on PATH, else beside this program in
 * the build tree (build/cgi, build/bin) or installed (PREFIX/lib/
 * ai-employee/cgi, PREFIX/bin). fcgiwrap passes no PATH. */
static void notifier(char *path, size_t size)
{
	static const char *const rel[] = { "/../bin/notify-wa",
	    "/../../../bin/notify-wa", NULL };
	char self[4096], *slash;
	ssize_t n;
	size_t i;

	snprintf(path, size, "notify-wa");
	if (getenv("PATH"))
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0)
		return;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return;
	*slash = '\0';
	for (i = 0; rel[i]; i++) {
		snprintf(path, size, "%s%s", self, rel[i]);
		if (access(path, X_OK) == 0)
			return;
	}
	snprintf(path, size, "notify-wa");
}

/* A failure after the answer, when stderr is /dev/null (fcgiwrap keeps
 * the request open while the CGI holds it): one line of the agent's log,
 * Logs/<date>.jsonl, event whatsapp_error, what failed and why. */
static void after_fail(struct vault *v, const char *what, const char *why)
{
	char note[900];

	snprintf(note, sizeof note, "%s: %s", what, why);
	audit_event(v, "whatsapp_error", NULL, "wa-webhook", NULL, note);
}

/* notify-wa's first line on stderr (the reason it gives), read to its
 * end so that it never blocks on a full pipe. */
static void first_line(int fd, char *line, size_t size)
{
	char b[512];
	size_t have = 0;
	ssize_t n;

	line[0] = '\0';
	while ((n = read(fd, b, sizeof b)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (have + 1 < size) {
			size_t k = (size_t)n < size - 1 - have ? (size_t)n :
			    size - 1 - have;
			memcpy(line + have, b, k);
			have += k;
			line[have] = '\0';
		}
	}
	line[strcspn(line, "\n")] = '\0';
}

/* Hand text (freed here) to notify-wa as the message of kind, once per
 * key within a week; wait for it. A send that failed is a row of the
 * notification log (notify-wa writes it); notify-wa not run, killed, or
 * ending in error is also a line of the agent's log with its reason. */
static void hand(struct vault *v, const char *kind, const char *key,
    char *text, int template)
{
	char path[4200], what[300], why[600];
	int fd[2], err[2], st = 0;
	size_t len, off = 0;
	ssize_t n;
	pid_t pid;

	if (!text)
		return;
	snprintf(what, sizeof what, "notify-wa --kind %s --key %s", kind, key);
	notifier(path, sizeof path);
	fd[0] = fd[1] = err[0] = err[1] = -1;
	if (pipe(fd) < 0 || pipe(err) < 0 || (pid = fork()) < 0) {
		int e = errno, i;
		for (i = 0; i < 2; i++) {
			if (fd[i] >= 0)
				close(fd[i]);
			if (err[i] >= 0)
				close(err[i]);
		}
		after_fail(v, what, strerror(e));
		free(text);
		return;
	}
	if (pid == 0) {
		dup2(fd[0], 0);
		dup2(err[1], 2);
		close(fd[0]);
		close(fd[1]);
		close(err[0]);
		close(err[1]);
		if (template)
			execlp(path, "notify-wa", "-q", "--template", "--kind",
			    kind, "--key", key, "--window", "7d", "-", (char *)NULL);
		else
			execlp(path, "notify-wa", "-q", "--kind", kind, "--key",
			    key, "--window", "7d", "-", (char *)NULL);
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(fd[0]);
	close(err[1]);
	len = strlen(text);
	while (off < len) {
		if ((n = write(fd[1], text + off, len - off)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd[1]);
	first_line(err[0], why, sizeof why);
	close(err[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		snprintf(why + strlen(why), sizeof why - strlen(why),
		    "%skilled by signal %d", *why ? "; " : "", WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && !*why)
		snprintf(why, sizeof why, "exit %d", WEXITSTATUS(st));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		after_fail(v, what, why);
	free(text);
}

/* A reply found failed among the kept statuses (wa_late_settle). */
static void hand_failed(struct vault *v, const struct wa_status *s,
    const char *id, void *ctx)
{
	char key[WA_ID_MAX + 16];

	(void)ctx;
	snprintf(key, sizeof key, "wa-failed-%s", s->id);
	hand(v, "error", key, wa_text_failed(s, id), 0);
}

/* The owner asked "status" or "pending": the counts or what waits, with
 * the dashboard link (once per wamid, whatever Meta retries). */
static void answer(struct vault *v, const struct wa_msg *m)
{
	char key[WA_ID_MAX + 16], *text = NULL, *sum = NULL;
	size_t count;
	int r;

	r = wa_owner_ask(m) == WA_ASK_STATUS ?
	    status_text_counts(v, &text, &sum) :
	    status_text_approvals(v, &text, &sum, &count);
	free(sum);
	if (r < 0) {
		after_fail(v, "the owner's question", aie_errmsg);
		return;
	}
	snprintf(key, sizeof key, "wa-ask-%s", m->id);
	hand(v, "message", key, text, 0);
}

/* An urgent message: who, its first line, the item and the dashboard. */
static void urgent(struct vault *v, const char *id)
{
	char key[AIE_ID_MAX + 16], *from;
	struct itemref ref;
	struct item it;

	if (vault_find(v, id, &ref) < 0 || item_load(v, &ref, &it) < 0) {
		after_fail(v, "the urgent message", aie_errmsg);
		return;
	}
	from = fm_get(&it, "from");
	snprintf(key, sizeof key, "wa-urgent-%s", id);
	hand(v, "urgent", key, wa_text_urgent(from, it.body, id), 0);
	free(from);
	fm_free(&it);
}

/* One of the owner's notifications, sent as free text, failed outside the
 * owner's 24-hour window (131047): sent again as the approved template
 * (WA_TEMPLATE), which Meta delivers outside it, once per wamid. */
static void again(struct vault *v, const struct wa_status *s)
{
	char kind[32], key[WA_ID_MAX + 16], *text;
	int r;

	if ((r = wa_notify_sent_text(v, s->id, kind, sizeof kind, &text)) < 0)
		after_fail(v, "the notification to send again", aie_errmsg);
	if (r != 1)
		return;
	snprintf(key, sizeof key, "wa-again-%s", s->id);
	hand(v, kind, key, text, 1);
}

/* A notification found failed (131047) among the kept statuses. */
static void again_late(struct vault *v, const struct wa_status *s, void *ctx)
{
	(void)ctx;
	again(v, s);
}

/* After the answer: stdout and stderr handed back, so that fcgiwrap ends
 * the request and frees its worker (it waits for both pipes to close,
 * not for this process); this process goes on alone, its failures lines
 * of the agent's log (after_fail). */
static void hand_back(void)
{
	int fd;

	fflush(stdout);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* The owner told, through notify-wa, of the urgent messages and failed
 * replies of one delivery, and answered when the owner asked; each a
 * request to the WhatsApp API that Meta need not wait for. */
static void tell_owner(struct vault *v, const struct wa_hook *h,
    const struct later *l)
{
	size_t i;

	for (i = 0; i < l->nurgent; i++)
		urgent(v, l->urgent[i]);
	for (i = 0; i < l->nfailed; i++)
		hand_failed(v, &h->sts[l->failed_st[i]], l->failed[i], NULL);
	for (i = 0; i < l->nask; i++)
		answer(v, &h->msgs[l->ask[i]]);
	for (i = 0; i < l->nagain; i++)
		again(v, &h->sts[l->again[i]]);
}

/* Last: the statuses kept for a reply that had not synced are applied if
 * it has now (lib/wa late.c), and what a crash left is swept. */
static void settle(struct vault *v)
{
	if (wa_late_settle(v, hand_failed, again_late, NULL) < 0)   /* kept for later */
		after_fail(v, "the statuses kept for later", aie_errmsg);
	if (wa_inbox_sweep(v) < 0)   /* what a crash left, hourly */
		after_fail(v, "the temporary files left by a crash", aie_errmsg);
}

/* File again the record of a delivery answered 200 whose process died
 * before its items were filed (body: the verified payload), as the
 * delivery would have, but trusting a wamid seen only with its item
 * there; with notify set the owner is told as the delivery would have
 * (after the answer only). 0, or -1 with the reason in the agent's log
 * (the record stays for the next taker). */
static int replay(struct vault *v, const char *body, size_t len, int notify)
{
	static struct later l;
	struct wa_hook h;
	int r;

	memset(&l, 0, sizeof l);
	if (wa_hook_parse(body, len, &h) < 0) {
		/* parsed before it was written: only a newer parser refuses */
		after_fail(v, "a delivery of the write-ahead record", aie_errmsg);
		wa_hook_free(&h);
		return 0;
	}
	if ((r = store(v, &h, &l, 1)) != 0)
		after_fail(v, "a delivery of the write-ahead record", aie_errmsg);
	else if (notify)
		tell_owner(v, &h, &l);
	wa_hook_free(&h);
	return r ? -1 : 0;
}

/* The records other processes left undone, filed (after the answer). */
static void replay_left(struct vault *v)
{
	struct wa_wal w;
	char *body;
	size_t len;
	int n, r;

	for (n = 0; n < WA_WAL_SLOTS; n++) {
		if (wa_wal_take(v, &w, 1, &body, &len) <= 0)
			break;
		r = replay(v, body, len, 1);
		if (r == 0 && wa_wal_done(&w) < 0)
			after_fail(v, "the write-ahead record", aie_errmsg);
		free(body);
		wa_wal_close(&w);
		if (r < 0)
			break;           /* it would be taken again: next time */
	}
}

/* Take a slot of the write-ahead record and write body there, durable,
 * first filing the record a dead process left in it: 0 with w held, or
 * an HTTP status (nothing held). */
static int write_ahead(struct vault *v, struct wa_wal *w, const char *body,
    size_t len)
{
	char *left;
	size_t n;
	int r;

	if ((r = wa_wal_take(v, w, 0, &left, &n)) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		return 500;
	}
	if (r == 1) {
		r = replay(v, left, n, 0);
		free(left);
		if (r < 0) {
			fprintf(stderr, "wa-webhook: the write-ahead record "
			    "left in %s/%d could not be filed\n", w->rel, w->slot);
			wa_wal_close(w);
			return 500;
		}
	}
	if (wa_wal_write(w, body, len) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		wa_wal_close(w);
		return 500;
	}
	return 0;
}

/* A signed delivery: its record written ahead and durable, then the 200,
 * then its items filed and the record marked done; a delivery that cannot
 * be recorded is a 500, so Meta delivers it again. */
static int delivery(struct web *w)
{
	const char *secret = config_get("WA_APP_SECRET");
	const char *sig = getenv("HTTP_X_HUB_SIGNATURE_256");
	const char *dir = getenv("VAULT_DIR"), *agent = getenv("VAULT_AGENT");
	static struct later l;
	struct wa_hook h;
	struct wa_wal wal;
	struct vault v;
	char *body = NULL;
	size_t len = 0;
	int r = 0, open_v = 0;

	if (!secret || !*secret) {
		fprintf(stderr, "wa-webhook: WA_APP_SECRET is not set\n");
		return reply(w, 503, "the webhook is not set up");
	}
	if ((r = read_body(w, &body, &len)))
		return reply(w, r, r == 413 ? "payload too large" :
		    "bad request body");
	if (!wa_hook_sig_ok(secret, body, len, sig)) {
		fprintf(stderr, "wa-webhook: %s signature, payload dropped "
		    "(from %s)\n", sig && *sig ? "wrong" : "missing",
		    w->remote_addr);
		free(body);
		return reply(w, 401, "bad signature");
	}
	if (wa_hook_parse(body, len, &h) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		r = 400;
	} else if (h.nmsgs || h.nsts) {
		if (!dir || !*dir) {
			fprintf(stderr, "wa-webhook: VAULT_DIR is not set\n");
			r = 500;
		} else if (vault_open(&v, dir, agent && *agent ? agent :
		    "local") < 0) {
			fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
			r = 500;
		} else {
			open_v = 1;
			r = write_ahead(&v, &wal, body, len);
		}
	}
	reply(w, r ? r : 200, r == 400 ? "malformed payload" :
	    r ? "not stored; deliver it again" : "ok");
	if (open_v) {
		hand_back();
		if (r == 0) {
			/* answered: a failure here leaves the record to the
			 * next delivery, which files it */
			if (store(&v, &h, &l, 0) != 0)
				after_fail(&v, "a delivery (kept in the "
				    "write-ahead record for the next one)",
				    aie_errmsg);
			else if (wa_wal_done(&wal) < 0)
				after_fail(&v, "the write-ahead record",
				    aie_errmsg);
			wa_wal_close(&wal);
			tell_owner(&v, &h, &l);
		}
		replay_left(&v);
		settle(&v);
		vault_close(&v);
	}
	wa_hook_free(&h);
	free(body);
	return 0;
}

/* One request, as a CGI program: from fcgiwrap's exec, or in a child of
 * the FastCGI server below. */
static int cgi(void)
{
	static struct web w;

	if (web_init(&w) < 0) {
		fprintf(stderr, "wa-webhook.cgi: run me as a CGI program "
		    "(REQUEST_METHOD is not set), or with -s SOCKET\n");
		return EX_ARGS;
	}
	aie_set_prog("wa-webhook");
	if (config_load() < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		reply(&w, 500, "configuration error");
	} else if (!strcmp(w.method, "GET"))
		handshake(&w);
	else if (w.post)
		delivery(&w);
	else
		reply(&w, 405, "method not allowed");
	web_free(&w);
	return 0;
}

/* -s SOCKET [-c WORKERS]: its own FastCGI server (lib/web fcgiserve.c),
 * each request a fork of this process, not an exec: the start-up an exec
 * costs is paid once (see wa-webhook(1), FASTCGI). */
static int serve(int argc, char **argv)
{
	const char *sock = NULL;
	long workers = 2;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "s:c:")) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			if (!strncmp(sock, "unix:", 5))
				sock += 5;
			break;
		case 'c':
			errno = 0;
			workers = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || workers < 1 ||
			    workers > 64) {
				fprintf(stderr, "wa-webhook: -c %s: a number "
				    "of workers from 1 to 64\n", optarg);
				return EX_ARGS;
			}
			break;
		default:
			goto usage;
		}
	}
	if (!sock || !*sock || optind != argc)
		goto usage;
	aie_set_prog("wa-webhook");
	if (sodium_init() < 0) {
		fprintf(stderr, "wa-webhook: libsodium did not start\n");
		return EX_TEMP;
	}
	if (fcgi_serve(sock, (int)workers, WA_HOOK_BODY_MAX + 1, cgi) < 0) {
		fprintf(stderr, "wa-webhook: %s\n", aie_errmsg);
		return aie_errcode ? aie_errcode : EX_TEMP;
	}
	return 0;
usage:
	fprintf(stderr, "usage: wa-webhook.cgi (as a CGI program)\n"
	    "       wa-webhook.cgi -s [unix:]SOCKET [-c WORKERS]\n");
	return EX_ARGS;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return serve(argc, argv);
	return cgi();
}
