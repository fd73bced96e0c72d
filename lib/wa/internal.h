/*
 * internal.h - what the files of lib/wa/ share and nobody else uses.
 */
#ifndef AIE_WA_INTERNAL_H
#define AIE_WA_INTERNAL_H

#include "http/http.h"

/* The Graph API's (or Twilio's) error of a reply: its code (0 when there
 * is none) and "HTTP N: message (code C): details" in msg. */
long wa_api_error(const struct http_resp *rs, char *msg, size_t size);

#endif
