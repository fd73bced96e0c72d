/*
 * sig.c - approval signatures (see ai-employee(7)).
 *
 * The local agent holds a 32-byte key outside the vault. approve writes
 * decision_sig = crypto_auth(key, message) in hex, where the message binds
 * the item's ID (its file name, so a copy under another ID fails), the
 * decision, decided_at, expires, and a BLAKE2b hash of everything that
 * shapes the action: action, to, cc, subject, in_reply_to, references and
 * the body. Each field is length-prefixed, so no two items share a message.
 * vault-exec verifies before acting; nothing else makes an item executable.
 *
 * What the owner looks at before deciding is named by draft_digest, a
 * BLAKE2b of the same fields less the decision keys approve adds, so a
 * draft changed between the look and the decision is caught (decide()
 * compares it after the claim, on the very bytes it signs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "base/base.h"

/* $APPROVAL_KEY_FILE, else ~/.config/ai-employee/approval.key. */
int approval_key_path(char *buf, size_t size)
{
	const char *p = config_get("APPROVAL_KEY_FILE"), *home;
	const char *xdg = config_get("XDG_CONFIG_HOME");
	int n;

	if (p)
		n = snprintf(buf, size, "%s", p);
	else if (xdg)
		n = snprintf(buf, size, "%s/ai-employee/approval.key", xdg);
	else if ((home = config_get("HOME")))
		n = snprintf(buf, size, "%s/.config/ai-employee/approval.key", home);
	else
		return aie_fail(EX_CONFIG, "no HOME and no APPROVAL_KEY_FILE");
	if (n < 0 || (size_t)n >= size)
		return aie_fail(EX_CONFIG, "approval key path too long");
	return 0;
}

static int mkdir_parents(const char *path)
{
	char buf[4096], *p;

	if (strlen(path) >= sizeof buf)
		return aie_fail(EX_CONFIG, "%s: path too long", path);
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return aie_fail_errno(EX_CONFIG, "%s", buf);
		*p = '/';
	}
	return 0;
}

/* Create a new key at path (0600, O_EXCL); an existing key is kept: 1. */
int approval_key_create(const char *path)
{
	unsigned char key[32];
	char hex[65];
	int fd;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (mkdir_parents(path) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	sodium_memzero(key, sizeof key);
	hex[64] = '\n';
	if (write(fd, hex, 65) != 65 || fsync(fd) < 0) {
		sodium_memzero(hex, sizeof hex);
		close(fd);
		unlink(path);
		return aie_fail_errno(EX_CONFIG, "%s: write", path);
	}
	sodium_memzero(hex, sizeof hex);
	if (close(fd) < 0)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	return 0;
}

/* Load the key; refused (78) when missing, not 0600-tight, or malformed. */
int approval_key_load(unsigned char key[32])
{
	char path[4096];

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (approval_key_path(path, sizeof path) < 0)
		return -1;
	if (secret_read_key(path, 1, "a key", key) < 0)
		return errno ? aie_fail_errno(EX_CONFIG, "approval key %s (vault-init "
		    "creates it on the local agent)", path) : -1;
	return 0;
}

static void absorb(crypto_generichash_state *h, const char *s, size_t len)
{
	unsigned char n[8];
	int i;

	for (i = 0; i < 8; i++)
		n[i] = (unsigned char)((unsigned long long)len >> (8 * i));
	crypto_generichash_update(h, n, sizeof n);
	crypto_generichash_update(h, (const unsigned char *)s, len);
}

static void absorb_str(crypto_generichash_state *h, const char *s)
{
	absorb(h, s ? s : "", s ? strlen(s) : 0);
}

/* The tag approve would write for this item, in hex. */
int approval_sig_compute(const struct item *it, const char *id,
    const unsigned char key[32], char out[65])
{
	static const char *const bound[] = { "decision", "decided_at", NULL };
	const char *const *shaped = approval_fields(it);
	crypto_generichash_state h;
	unsigned char digest[32], tag[crypto_auth_BYTES];
	crypto_auth_hmacsha512256_state a;
	size_t i;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	crypto_generichash_init(&h, NULL, 0, sizeof digest);
	absorb_str(&h, "ai-employee approval v1");
	absorb_str(&h, id);
	for (i = 0; bound[i]; i++) {
		char *v = fm_get(it, bound[i]);
		absorb_str(&h, bound[i]);
		absorb_str(&h, v);
		free(v);
	}
	for (i = 0; shaped[i]; i++) {
		char *v = fm_get(it, shaped[i]);
		absorb_str(&h, shaped[i]);
		absorb_str(&h, v);
		free(v);
	}
	absorb(&h, it->body ? it->body : "", it->bodylen);
	crypto_generichash_final(&h, digest, sizeof digest);
	crypto_auth_hmacsha512256_init(&a, key, 32);
	crypto_auth_hmacsha512256_update(&a, digest, sizeof digest);
	crypto_auth_hmacsha512256_final(&a, tag);
	sodium_bin2hex(out, 65, tag, sizeof tag);
	sodium_memzero(&a, sizeof a);
	return 0;
}

/* 0 when the item carries a valid, unexpired approval for id; else -1
 * (77) with the reason: unsigned, not approved, altered or copied, expired. */
int approval_verify(const struct item *it, const char *id, time_t now)
{
	unsigned char key[32], want[crypto_auth_BYTES], got[crypto_auth_BYTES];
	char hex[65], *sig = fm_get(it, "decision_sig");
	char *decision = fm_get(it, "decision"), *expires = fm_get(it, "expires");
	size_t len;
	time_t exp;
	int r = -1;

	if (!sig) {
		aie_fail(EX_REFUSED, "%s: not signed (no decision_sig)", id);
		goto out;
	}
	if (!decision || strcmp(decision, "approved") != 0) {
		aie_fail(EX_REFUSED, "%s: decision is not approved", id);
		goto out;
	}
	if (sodium_hex2bin(got, sizeof got, sig, strlen(sig), NULL, &len, NULL) < 0
	    || len != sizeof got) {
		aie_fail(EX_REFUSED, "%s: decision_sig is malformed", id);
		goto out;
	}
	if (approval_key_load(key) < 0)
		goto out;
	approval_sig_compute(it, id, key, hex);
	sodium_memzero(key, sizeof key);
	sodium_hex2bin(want, sizeof want, hex, 64, NULL, &len, NULL);
	if (sodium_memcmp(want, got, sizeof got) != 0) {
		aie_fail(EX_REFUSED, "%s: decision_sig does not verify (altered "
		    "after approval, copied from another item, or not approved "
		    "here)", id);
		goto out;
	}
	if (expires && (time_parse_rfc3339(expires, &exp) < 0 || now > exp)) {
		aie_fail(EX_REFUSED, "%s: approval expired at %s", id, expires);
		goto out;
	}
	r = 0;
out:
	free(sig);
	free(decision);
	free(expires);
	return r;
}

int draft_digest(const struct item *it, const char *id,
    char out[DRAFT_DIGEST_HEX + 1])
{
	const char *const *fields = approval_fields(it);
	crypto_generichash_state h;
	unsigned char digest[DRAFT_DIGEST_HEX / 2];
	size_t i;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	crypto_generichash_init(&h, NULL, 0, sizeof digest);
	absorb_str(&h, "ai-employee draft v1");
	absorb_str(&h, id);
	for (i = 0; fields[i]; i++) {
		char *v = fm_get(it, fields[i]);
		absorb_str(&h, fields[i]);
		absorb_str(&h, v);
		free(v);
	}
	absorb(&h, it->body ? it->body : "", it->bodylen);
	crypto_generichash_final(&h, digest, sizeof digest);
	sodium_bin2hex(out, DRAFT_DIGEST_HEX + 1, digest, sizeof digest);
	return 0;
}

int draft_digest_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == DRAFT_DIGEST_HEX;
}

int draft_signable(const struct item *it, const char *id)
{
	const char *const *fields = approval_fields(it);
	char tok[SHOW_TOKEN_MAX];
	size_t i, j, at;

	for (i = 0; fields[i]; i++) {
		const char *k = fields[i];
		const struct fm_line *found = NULL;
		char *v;
		for (j = 0; j < it->nlines; j++) {
			if (!it->lines[j].key || strcmp(it->lines[j].key, k))
				continue;
			if (found)
				return aie_fail(EX_DATA, "%s: field %s appears twice; "
				    "approval refused", id, k);
			found = &it->lines[j];
		}
		if (!found)
			continue;
		if (!(v = fm_decode_value(found->raw)))
			return aie_fail(EX_DATA, "%s: field %s cannot be read (bad "
			    "quoting, or a NUL); approval refused", id, k);
		at = show_refused(v, strlen(v), 0, tok);
		free(v);
		if (at != (size_t)-1)
			return aie_fail(EX_DATA, "%s: field %s holds %s (a control "
			    "character or a byte that is not UTF-8); approval refused",
			    id, k, tok);
	}
	at = show_refused(it->body ? it->body : "", it->bodylen, 1, tok);
	if (at != (size_t)-1)
		return aie_fail(EX_DATA, "%s: the body holds %s at byte %zu (a "
		    "control character or a byte that is not UTF-8); approval "
		    "refused", id, tok, at);
	return 0;
}
