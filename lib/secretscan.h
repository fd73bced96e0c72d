/*
 * secretscan.h - the secret guard (see vault(5), "The deny-list", and
 * vault-sync(1), "Secret guard"): paths that are never synced and contents
 * that look like a credential. The one list of rules: vault-sync's staging,
 * vault-sync --scan and, through it, the pre-commit hook all use it.
 */
#ifndef AIE_SECRETSCAN_H
#define AIE_SECRETSCAN_H

#include <stddef.h>

/* The deny-list pattern a path falls under (matched, without regard to
 * case, against every component of it), or NULL. */
const char *secret_path_denied(const char *rel);

/* The name of the first rule buf[0..len) matches, or NULL. Reads at most
 * len bytes; no allocation, no recursion. A caller that scans a long input
 * in windows overlaps them by SECRET_SCAN_OVERLAP bytes. */
const char *secret_scan(const char *buf, size_t len);
enum { SECRET_SCAN_OVERLAP = 1024 };

/* Scan what fd reads until its end: 1 with *rule set when a rule matched,
 * 0 clean, -1 on a read error (errno set). */
int secret_scan_fd(int fd, const char **rule);

/* Teach the scanner the approval key, so that its copies are found (the
 * 32 raw bytes, hex, base64); NULL forgets it. */
void secret_key_learn(const unsigned char key[32]);

/* Learn the approval key from where approve finds it: 1 learned, 0 there
 * is none here (agent cloud; aie_errmsg says why). */
int secret_key_learn_approval(void);

#endif
