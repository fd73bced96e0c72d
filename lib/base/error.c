/*
 * error.c - the one place lib/ records why something failed.
 * Tools read aie_errmsg and aie_errcode; lib/ itself never prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

char aie_errmsg[512];
int aie_errcode;
static const char *prog;

void aie_set_prog(const char *name)
{
	prog = name;
}

const char *aie_prog(void)
{
	return prog;
}

static void set(int code, const char *fmt, va_list ap, int with_errno)
{
	int saved = errno;
	int n = vsnprintf(aie_errmsg, sizeof aie_errmsg, fmt, ap);

	if (with_errno && n >= 0 && (size_t)n < sizeof aie_errmsg)
		snprintf(aie_errmsg + n, sizeof aie_errmsg - n, ": %s",
		    strerror(saved));
	aie_errcode = code;
	errno = saved;
}

/* Record a failure with exit status code; returns -1 for "return aie_fail(...)". */
int aie_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(code, fmt, ap, 0);
	va_end(ap);
	return -1;
}

/* As aie_fail, with ": strerror(errno)" appended. */
int aie_fail_errno(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(code, fmt, ap, 1);
	va_end(ap);
	return -1;
}
