/*
 * cert_date.c - fuzz what vault-health(1)'s certificate check takes from a
 * TLS server (lib/health/cert.c): the end date of its certificate as
 * libcurl's CERTINFO gives it, and the verdict on it. Properties: a date
 * parsed is the same when parsed again; the verdict is 0, 1 or 2, agrees
 * with the days left (2 when past, 1 under CERT_WARN_DAYS, else 0), and
 * its words fit the buffer, name the host and are one line.
 */
#include "fuzz.h"

#include "health/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, out[240];
	time_t t = 0, t2 = 0, now = 1796000000;  /* 2026-11-29 */
	int v, want;

	if (size > 4096)
		return 0;
	text = fz_cstr(data, size);
	if (cert_expiry_parse(text, &t) == 0) {
		if (cert_expiry_parse(text, &t2) != 0 || t != t2)
			fz_fail("not the same date twice");
		v = cert_judge("odoo.example.com", t, now, out, sizeof out);
		want = t <= now ? 2 : (t - now) / 86400 < CERT_WARN_DAYS ? 1 : 0;
		if (v != want)
			fz_fail("verdict %d for %lld s left", v, (long long)(t - now));
		if (strlen(out) >= sizeof out || strncmp(out, "odoo.example.com: ",
		    18) || strchr(out, '\n'))
			fz_fail("words \"%s\"", out);
	}
	free(text);
	return 0;
}
