/*
 * secretscan.c - the secret guard of SPEC 6, used by vault-sync before it
 * stages a file. Two checks: the deny-list of names (matched against every
 * component of the path, so that it holds even when .gitignore is edited or
 * gone), and a scan of the content for credential-shaped tokens. The scan
 * is a single pass over the bytes with bounded look-ahead: it is fed files
 * from the vault, which anyone who can write there controls.
 */
#include <fnmatch.h>
#include <string.h>

#include "secretscan.h"

/* Names never synced; a trailing '/' means a directory anywhere above. */
static const char *const denied[] = {
	".env", ".env.*", "*.session", "credentials.json", "token.json",
	".secrets/", ".state/", "*.pem", "*.key", "id_rsa*", "id_ed25519*",
	"*.kdbx", ".git/", NULL
};

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
				    memcmp(denied[i], comp, n) == 0)
					return denied[i];
			} else if (fnmatch(denied[i], comp, FNM_PERIOD) == 0)
				return denied[i];
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return NULL;
}

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

/* A private key block: "-----BEGIN " [A-Z ]* "PRIVATE KEY-----". */
static int key_block(const char *p, const char *end)
{
	const char *q;

	if (!starts(p, end, "-----BEGIN "))
		return 0;
	q = p + 11;
	while (q < end && q - p < 64 && ((*q >= 'A' && *q <= 'Z') || *q == ' '))
		q++;
	return q - p >= 11 + 11 && memcmp(q - 11, "PRIVATE KEY", 11) == 0 &&
	    starts(q, end, "-----");
}

const char *secret_scan(const char *buf, size_t len)
{
	const char *p, *end = buf + len;

	for (p = buf; p < end; p++) {
		int boundary = p == buf || !is_alnum((unsigned char)p[-1]);

		switch (*p) {
		case '-':
			if (key_block(p, end))
				return "private key block";
			break;
		case 's':
			if (boundary && starts(p, end, "sk-ant-") &&
			    span(p + 7, end, "_-", 16) >= 16)
				return "Anthropic API key (sk-ant-)";
			break;
		case 'A':
			if (boundary && starts(p, end, "AKIA") &&
			    span(p + 4, end, NULL, 17) == 16)
				return "AWS access key (AKIA)";
			break;
		case 'g':
			if (boundary && starts(p, end, "ghp_") &&
			    span(p + 4, end, NULL, 20) >= 20)
				return "GitHub token (ghp_)";
			break;
		case 'x':
			if (boundary && starts(p, end, "xox") && p + 4 < end &&
			    strchr("abprs", p[3]) && p[3] && p[4] == '-' &&
			    span(p + 5, end, "-", 10) >= 10)
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
