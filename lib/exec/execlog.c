/*
 * execlog.c - the record of started approvals (see execlog.h).
 *
 * Why a record of our own: the vault is shared with the cloud through Git,
 * so a folder or an exec_* key is only what the cloud last wrote. The
 * record lives in .state/<agent>/ (never committed) and grows by appends;
 * each append is fsynced before the caller acts, so "started" survives a
 * crash. The key is a digest of the decoded tag, so a decision_sig
 * re-spelled in upper case is still the same approval.
 *
 * A fresh record is seeded from the vault (Done/, exec_status marks, the
 * audit log) into a temp file renamed into place, so a crash mid-seed
 * leaves no record and the next run seeds again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "base/base.h"
#include "exec/exec.h"


/* .state/<agent>/executed */
static int record_path(struct vault *v, char *rel, size_t size)
{
	char dir[64];

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	if ((size_t)snprintf(rel, size, "%s/executed", dir) >= size)
		return aie_fail(EX_DATA, "state path too long");
	return 0;
}

int execlog_key(const struct item *it, const char *id,
    char key[EXECLOG_KEY_LEN + 1])
{
	unsigned char tag[32], digest[32];
	char *sig = fm_get(it, "decision_sig");
	size_t len = 0;
	int bad;

	bad = !sig || sodium_hex2bin(tag, sizeof tag, sig, strlen(sig), NULL,
	    &len, NULL) < 0 || len != sizeof tag;
	free(sig);
	if (bad)
		return aie_fail(EX_REFUSED, "%s: no usable decision_sig", id);
	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	crypto_generichash(digest, sizeof digest, tag, sizeof tag,
	    (const unsigned char *)"aie-execlog-v1", 14);
	sodium_bin2hex(key, EXECLOG_KEY_LEN + 1, digest, sizeof digest);
	return 0;
}

/* ---- seeding ---- */

static void seed_line(struct buf *b, const char *key, const char *id)
{
	char now[21];

	time_rfc3339(time(NULL), now);
	buf_addf(b, "%s %s %s %s\n", key, EXECLOG_SEEN, id, now);
}

/* An item the vault shows as executed (or spent) adds a seen line. */
static int seed_item(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct buf *b = ctx;
	char key[EXECLOG_KEY_LEN + 1], *st, *att;
	struct item it;
	int spent;

	if (item_load(v, ref, &it) < 0)
		return 0;
	st = fm_get(&it, "exec_status");
	att = fm_get(&it, "exec_attempts");
	spent = ref->stage == ST_DONE || (st && (strcmp(st, "sending") == 0 ||
	    strcmp(st, "sent") == 0 || strcmp(st, "unknown") == 0 ||
	    (strcmp(st, "failed") == 0 && att &&
	    atoi(att) >= EXEC_MAX_ATTEMPTS)));
	if (spent && execlog_key(&it, ref->id, key) == 0)
		seed_line(b, key, ref->id);
	free(st);
	free(att);
	fm_free(&it);
	return 0;
}

/* The audit lines that say an approval was executed: they carry it as
 * "approval" (vault-exec writes it). */
static void seed_audit_file(struct vault *v, const char *name, struct buf *b)
{
	char rel[300], *text, *line, *save = NULL;
	size_t len;

	snprintf(rel, sizeof rel, "Logs/%s", name);
	if (file_readat(v->dirfd, rel, &text, &len) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *ev = NULL, *key = NULL, *id = NULL;
		json_t *o;
		if (!strstr(line, "\"approval\""))
			continue;
		o = json_loads(line, 0, NULL);
		if (o && json_unpack(o, "{s:s, s:s, s:s}", "event", &ev,
		    "approval", &key, "id", &id) == 0 &&
		    (strcmp(ev, "executed") == 0 || strcmp(ev, "exec_unknown") == 0 ||
		    strcmp(ev, "undo") == 0)
		    && strlen(key) == EXECLOG_KEY_LEN &&
		    strspn(key, "0123456789abcdef") == EXECLOG_KEY_LEN && id_valid(id))
			seed_line(b, key, id);
		json_decref(o);
	}
	free(text);
}

static int seed_audit(struct vault *v, struct buf *b)
{
	struct dirent *e;
	DIR *d;
	int fd = openat(v->dirfd, "Logs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : aie_fail_errno(EX_TEMP, "Logs");
	if (!(d = fdopendir(fd))) {
		close(fd);
		return aie_fail_errno(EX_TEMP, "Logs");
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 6 && e->d_name[0] != '.' &&
		    strcmp(e->d_name + n - 6, ".jsonl") == 0)
			seed_audit_file(v, e->d_name, b);
	}
	closedir(d);
	return 0;
}

int execlog_ready(struct vault *v)
{
	struct buf b = { 0 };
	char rel[128], *text;
	size_t len;
	int st, r = -1;

	if (record_path(v, rel, sizeof rel) < 0)
		return -1;
	if (file_readat(v->dirfd, rel, &text, &len) == 0) {
		free(text);
		return 0;
	}
	if (aie_errcode != EX_NEG)      /* anything but "no such file" */
		return -1;
	buf_adds(&b, "# approvals this agent started; see vault-exec(1)\n");
	for (st = 0; st < ST_COUNT; st++)
		if (vault_walk(v, (enum stage)st, NULL, seed_item, &b) < 0)
			goto out;
	if (seed_audit(v, &b) < 0)
		goto out;
	if (b.oom) {
		aie_fail(EX_TEMP, "%s: out of memory", rel);
		goto out;
	}
	r = file_writeat(v->dirfd, rel, b.p, b.len, 0600);
out:
	buf_free(&b);
	return r;
}

/* ---- reading and appending ---- */

int execlog_spent(struct vault *v, const char *key, int *told)
{
	char rel[128], *text, *line, *save = NULL;
	size_t len, klen = strlen(key);
	int open = 0, done = 0;

	if (told)
		*told = 0;
	if (record_path(v, rel, sizeof rel) < 0)
		return -1;
	if (file_readat(v->dirfd, rel, &text, &len) < 0)
		return -1;
	if (memchr(text, '\0', len)) {
		free(text);
		return aie_fail(EX_DATA, "%s: holds a NUL byte; not trusted",
		    rel);
	}
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *verb = line + klen + 1;
		size_t vl;
		if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
			continue;
		vl = strcspn(verb, " ");
		if (vl == strlen(EXECLOG_START) && !strncmp(verb, EXECLOG_START, vl))
			open = 1;
		else if (vl == strlen(EXECLOG_FAILED) &&
		    !strncmp(verb, EXECLOG_FAILED, vl))
			open = 0;
		else if (vl == strlen(EXECLOG_REPLAY) &&
		    !strncmp(verb, EXECLOG_REPLAY, vl)) {
			if (told)
				*told = 1;
		} else
			done = 1;   /* sent, seen, or a verb we do not know */
	}
	free(text);
	return open || done;
}

int execlog_note(struct vault *v, const char *key, const char *verb,
    const char *id)
{
	char rel[128], line[EXECLOG_KEY_LEN + AIE_ID_MAX + 64], now[21];
	ssize_t n;
	int fd, len;

	if (execlog_ready(v) < 0 || record_path(v, rel, sizeof rel) < 0)
		return -1;
	time_rfc3339(time(NULL), now);
	len = snprintf(line, sizeof line, "%s %s %s %s\n", key, verb, id, now);
	if (len < 0 || (size_t)len >= sizeof line)
		return aie_fail(EX_DATA, "%s: record line too long", id);
	fd = openat(v->dirfd, rel, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	n = write(fd, line, (size_t)len);
	if (n != len || fsync(fd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: append", rel);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return aie_fail_errno(EX_TEMP, "%s: close", rel);
	return 0;
}
