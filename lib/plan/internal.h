/*
 * internal.h - shared by the files of lib/plan/ only.
 */
#ifndef AIE_PLAN_INTERNAL_H
#define AIE_PLAN_INTERNAL_H

#include <stddef.h>

/* One line of text the owner can read, of at most max bytes: 0, or -1
 * (65) naming what. */
int plan_line_ok(const char *what, const char *s, size_t max);

#endif
