/*
 * secretscan.c - the secret guard: the only list of what is never synced
 * (see vault(5), "The deny-list", and vault-sync(1), "Secret guard").
 *
 * Two checks. The deny-list of names is matched without regard to case
 * against every component of a path, so that it holds when .gitignore is
 * edited or gone and on a file system that folds case. The content scan is
 * a single pass over the bytes with bounded look-ahead, for tokens shaped
 * like a credential; it is fed files anyone who can write to the vault
 * controls. Text saved as UTF-16 is scanned again as every other byte (the
 * only cost a file without a NUL byte never pays), and base64 that decodes
 * to a private key block is found where "---" would begin it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "sync/sync.h"

/* Names never synced; a trailing '/' means a directory anywhere above.
 * "*.key[._~0-9]*" is a copy of a key (approval.key.bak, approval.key~,
 * approval.key.1) without catching "notes.keyboard" or "a.key-points". */
static const char *const denied[] = {
	".env", ".env.*", "*.env", ".envrc", "env", "*.session",
	"credentials.json", "token.json", ".git-credentials", ".netrc",
	".secrets/", ".state/", "*.pem", "*.key", "*.key[._~0-9]*", "*.ppk",
	"*.p12", "*.pfx", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
	"*.kdbx", ".git/", NULL
};

const char *const *secret_deny_list(void)
{
	return denied;
}

const char *secret_path_denied(const char *rel)
{
	char comp[256];
	const char *p = rel, *slash;
	size_t n, i;
	int last;

	while (*p) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		last = !slash || !slash[1];
		if (n >= sizeof comp)
			n = sizeof comp - 1;
		memcpy(comp, p, n);
		comp[n] = '\0';
		for (i = 0; denied[i]; i++) {
			size_t dl = strlen(denied[i]);
			int isdir = denied[i][dl - 1] == '/';
			if (isdir) {
				if (!last && dl - 1 == n &&
				    strncasecmp(denied[i], comp, n) == 0)
					return denied[i];
			} else if (fnmatch(denied[i], comp,
			    FNM_PERIOD | FNM_CASEFOLD) == 0)
				return denied[i];
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return NULL;
}

/* --- the approval key, in the forms a copy of it takes --- */

static struct {
	int known;
	unsigned char raw[32];
	char hex[65];            /* lower case; compared without case */
	char b64[45], b64url[45];
} key;

void secret_key_learn(const unsigned char k[32])
{
	sodium_memzero(&key, sizeof key);
	if (!k)
		return;
	memcpy(key.raw, k, 32);
	sodium_bin2hex(key.hex, sizeof key.hex, k, 32);
	sodium_bin2base64(key.b64, sizeof key.b64, k, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(key.b64url, sizeof key.b64url, k, 32,
	    sodium_base64_VARIANT_URLSAFE);
	key.b64[43] = key.b64url[43] = '\0';    /* the padding may be gone */
	key.known = 1;
}

int secret_key_learn_approval(void)
{
	unsigned char k[32];

	if (approval_key_load(k) < 0)
		return 0;
	secret_key_learn(k);
	sodium_memzero(k, sizeof k);
	return 1;
}

/* --- the content rules --- */

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* How many bytes from p (at most max) belong to set: alnum plus extra. */
static size_t span(const char *p, const char *end, const char *extra,
    size_t max)
{
	size_t n = 0;

	while (p + n < end && n < max &&
	    (is_alnum((unsigned char)p[n]) || (extra && p[n] &&
	    strchr(extra, p[n]))))
		n++;
	return n;
}

static int starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* A private key block's first line: at least mindash dashes, "BEGIN ",
 * words, "PRIVATE KEY" (" BLOCK" for PGP), dashes; a space may stand
 * inside the dashes ("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"). */
static int key_block(const char *p, const char *end, int mindash)
{
	const char *q = p, *w;

	while (q < end && *q == '-' && q - p < 16)
		q++;
	if (q - p < mindash)
		return 0;
	if (q < end && *q == ' ')
		q++;
	if (!starts(q, end, "BEGIN "))
		return 0;
	w = q += 6;
	while (q < end && q - w < 64 && ((*q >= 'A' && *q <= 'Z') ||
	    (*q >= '0' && *q <= '9') || *q == ' '))
		q++;
	if (q >= end || *q != '-')
		return 0;
	while (q > w && q[-1] == ' ')
		q--;
	if (q - w >= 17 && memcmp(q - 17, "PRIVATE KEY BLOCK", 17) == 0)
		return 1;
	return q - w >= 11 && memcmp(q - 11, "PRIVATE KEY", 11) == 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

/* Base64 of a private key block (a key pasted as one, a kubeconfig's
 * client-key-data): "LS0t" is "---" at a group boundary, whatever bytes
 * come before the dashes. Decode a little, line breaks skipped. */
static int b64_key_block(const char *p, const char *end)
{
	unsigned char out[96];
	unsigned long acc = 0;
	size_t n = 0;
	int bits = 0, v;

	for (; p < end && n < sizeof out; p++) {
		if (*p == '\n' || *p == '\r')
			continue;
		if ((v = b64_value((unsigned char)*p)) < 0)
			break;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n > 0 && key_block((const char *)out, (const char *)out + n, 3);
}

/* An OpenAI key: sk-proj-, sk-svcacct-, sk-admin-, or the legacy form
 * with "T3BlbkFJ" (base64 of "OpenAI") inside. */
static int openai_key(const char *p, const char *end)
{
	size_t n = span(p + 3, end, "_-", 200);

	if (starts(p, end, "sk-proj-") || starts(p, end, "sk-svcacct-") ||
	    starts(p, end, "sk-admin-"))
		return n >= 28;
	return n >= 40 && memmem(p + 3, n, "T3BlbkFJ", 8) != NULL;
}

/* A Slack token: xox + a type letter + '-', or xapp-; digits inside. */
static int slack_token(const char *p, const char *end)
{
	size_t pre, n, i;

	if (starts(p, end, "xapp-"))
		pre = 5;
	else if (starts(p, end, "xox") && p + 4 < end &&
	    strchr("abceprs", p[3]) && p[3] && p[4] == '-')
		pre = 5;
	else
		return 0;
	if ((n = span(p + pre, end, "-", 64)) < 10)
		return 0;
	for (i = 0; i < n; i++)
		if (p[pre + i] >= '0' && p[pre + i] <= '9')
			return 1;
	return 0;
}

static const char *github_token(const char *p, const char *end)
{
	if (starts(p, end, "github_pat_"))
		return span(p + 11, end, "_", 20) >= 20 ?
		    "GitHub fine-grained token (github_pat_)" : NULL;
	return (size_t)(end - p) > 4 && strchr("pousr", p[2]) && p[2] &&
	    starts(p, end, "gh") && p[3] == '_' &&
	    span(p + 4, end, NULL, 20) >= 20 ? "GitHub token (gh?_)" : NULL;
}

/* The approval key as text: hex in any case, base64 or base64url. */
static const char *key_text(const char *buf, size_t len)
{
	const char *p;

	if (!key.known)
		return NULL;
	if (len >= 43 && (memmem(buf, len, key.b64, 43) ||
	    memmem(buf, len, key.b64url, 43)))
		return "the approval key (base64)";
	for (p = buf; len >= 64 && p <= buf + len - 64; p++)
		if ((*p | 0x20) == key.hex[0] && strncasecmp(p, key.hex, 64) == 0)
			return "the approval key (hex)";
	return NULL;
}

/* Every rule but the raw key bytes, over text. */
static const char *scan_text(const char *buf, size_t len)
{
	const char *p, *end = buf + len, *hit;

	if ((hit = key_text(buf, len)))
		return hit;
	for (p = buf; p < end; p++) {
		int boundary = p == buf || !is_alnum((unsigned char)p[-1]);

		switch (*p) {
		case '-':
			if ((p == buf || p[-1] != '-') && key_block(p, end, 4))
				return "private key block";
			break;
		case 'L':
			if (starts(p, end, "LS0t") && b64_key_block(p, end))
				return "private key block in base64";
			break;
		case 'P':
			if (starts(p, end, "PuTTY-User-Key-File-"))
				return "PuTTY private key";
			break;
		case 's':
			if (!boundary)
				break;
			if (starts(p, end, "sk-ant-") &&
			    span(p + 7, end, "_-", 16) >= 16)
				return "Anthropic API key (sk-ant-)";
			if (starts(p, end, "sk-") && openai_key(p, end))
				return "OpenAI API key (sk-)";
			if (starts(p, end, "sk_live_") &&
			    span(p + 8, end, NULL, 16) >= 16)
				return "Stripe secret key (sk_live_)";
			break;
		case 'r':
			if (boundary && starts(p, end, "rk_live_") &&
			    span(p + 8, end, NULL, 16) >= 16)
				return "Stripe restricted key (rk_live_)";
			break;
		case 'A':
			if (boundary && (starts(p, end, "AKIA") ||
			    starts(p, end, "ASIA")) &&
			    span(p + 4, end, NULL, 17) == 16)
				return "AWS access key (AKIA, ASIA)";
			if (boundary && starts(p, end, "AIza") &&
			    span(p + 4, end, "_-", 35) == 35)
				return "Google API key (AIza)";
			break;
		case 'g':
			if (boundary && (hit = github_token(p, end)))
				return hit;
			break;
		case 'x':
			if (boundary && slack_token(p, end))
				return "Slack token (xox?-)";
			break;
		case 'E':
			if (boundary && starts(p, end, "EAA") &&
			    span(p + 3, end, NULL, 30) >= 30)
				return "Meta access token (EAA)";
			break;
		}
	}
	return NULL;
}

/* Text in UTF-16 (either byte order): the same rules over every other
 * byte, in chunks that overlap as the caller's windows do. */
static const char *scan_utf16(const char *buf, size_t len)
{
	enum { CHUNK = 4096, OVER = SECRET_SCAN_OVERLAP / 2 };
	char tmp[CHUNK];
	const char *hit;
	size_t phase, i, n;

	for (phase = 0; phase < 2; phase++) {
		for (i = phase; i < len; ) {
			size_t j = i;
			for (n = 0; n < CHUNK && j < len; j += 2)
				tmp[n++] = buf[j];
			if ((hit = scan_text(tmp, n)))
				return hit;
			if (j >= len)
				break;
			i += 2 * (n - OVER);
		}
	}
	return NULL;
}

const char *secret_scan(const char *buf, size_t len)
{
	const char *hit;

	if (key.known && len >= 32 && memmem(buf, len, key.raw, 32))
		return "the approval key (raw bytes)";
	if ((hit = scan_text(buf, len)))
		return hit;
	if (memchr(buf, '\0', len))
		return scan_utf16(buf, len);
	return NULL;
}

int secret_scan_fd(int fd, const char **rule)
{
	enum { WIN = 65536, OVER = SECRET_SCAN_OVERLAP };
	static char buf[WIN + OVER];
	size_t keep = 0;
	ssize_t n;

	*rule = NULL;
	while ((n = read(fd, buf + keep, WIN)) != 0) {
		size_t have;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		have = keep + (size_t)n;
		if ((*rule = secret_scan(buf, have)))
			return 1;
		keep = have > OVER ? OVER : have;
		memmove(buf, buf + have - keep, keep);
	}
	return 0;
}
