/*
 * internal.h - what the files of lib/wa/ share and nobody else uses.
 */
#ifndef AIE_WA_INTERNAL_H
#define AIE_WA_INTERNAL_H

#include <time.h>

#include "http/http.h"

/* The Graph API's (or Twilio's) error of a reply: its code (0 when there
 * is none) and "HTTP N: message (code C): details" in msg. */
long wa_api_error(const struct http_resp *rs, char *msg, size_t size);

/* lib/buf.h's appends, with the status notify.c and notelog.c test. */
static inline int buf_put(struct buf *b, const char *s, size_t n)
{
	buf_add(b, s, n);
	return b->oom ? aie_fail(EX_TEMP, "out of memory") : 0;
}

static inline int buf_str(struct buf *b, const char *s)
{
	buf_adds(b, s);
	return b->oom ? aie_fail(EX_TEMP, "out of memory") : 0;
}

struct vault;
/* Take .state/<agent>/notify.lock (dir: vault_statedir's): the fd, or -1. */
int wa_notify_lock(struct vault *v, const char *dir);

#endif
