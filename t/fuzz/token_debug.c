/*
 * token_debug.c - libFuzzer harness for Graph's debug_token reply, which
 * vault-health(1) reads for the expiry of the Page and WhatsApp tokens
 * (token_debug_reply, lib/health/tokens.c).
 *
 * The input: a status (first byte, one of the list below), then the body.
 */
#include "fuzz.h"

#include "health/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 403, 500, 302 };
	time_t at = 12345;
	int valid = 7, rc;

	if (size < 1)
		return 0;
	rc = token_debug_reply(statuses[data[0] % (sizeof statuses /
	    sizeof *statuses)], (const char *)data + 1, size - 1, &at, &valid);
	if (rc == 0 && valid != 0 && valid != 1)
		fz_fail("valid is neither");
	if (rc == 0 && at < 0)
		fz_fail("an expiry before 1970");
	if (rc < 0 && (at != 12345 || valid != 7))
		fz_fail("a reply said nothing usable yet changed the answer");
	if (rc == 0 && data[0] % 6 != 0 && valid)
		fz_fail("a refusal read as a valid token");
	return 0;
}
