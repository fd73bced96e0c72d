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

/* Formatted apart, then copied: a caller may pass aie_errmsg itself as an
 * argument ("%s: %s", path, aie_errmsg), and vsnprintf into the buffer it
 * reads from is undefined. */
static void set(int code, const char *fmt, va_list ap, int with_errno)
{
	char msg[sizeof aie_errmsg];
	int saved = errno;
	int n = vsnprintf(msg, sizeof msg, fmt, ap);

	if (n < 0)
		msg[0] = '\0';
	if (with_errno && n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - n, ": %s", strerror(saved));
	memcpy(aie_errmsg, msg, sizeof msg);
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
