/*
 * secretscan.h - the secret guard of SPEC 6: paths that are never synced
 * and contents that look like a credential.
 */
#ifndef AIE_SECRETSCAN_H
#define AIE_SECRETSCAN_H

#include <stddef.h>

/* The deny-list pattern a vault-relative path falls under, or NULL. */
const char *secret_path_denied(const char *rel);

/* The name of the first secret-looking token in buf[0..len), or NULL.
 * Reads at most len bytes; no allocation, no recursion. */
const char *secret_scan(const char *buf, size_t len);

#endif
