/*
 * brief_check.c - fuzz the briefing's number check (brief_check in
 * lib/brief/check.c). The prose is a model's reply: outside input. Its
 * kept text must be whole sentences of it, no longer than it, and checking
 * the kept text again must keep all of it (no number outside the facts
 * survives, whatever the digits, commas and points around it).
 */
#include "fuzz.h"
#include "brief/brief.h"

static const char facts[] =
    "{\"week\":\"2026-W48\",\"revenue\":{\"week\":{\"USD\":5000.0},"
    "\"target_pct\":50.0,\"owed\":{\"USD\":5877.0}},\"done\":{\"total\":3},"
    "\"spend\":{\"cost\":5.5,\"budget\":50.0},\"subscriptions\":"
    "{\"total_cost\":20.99,\"list\":[{\"unused_days\":40}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *kept, *again;
	size_t n;

	if (size > 1 << 16 || memchr(data, '\0', size))
		return 0;            /* a reply's text holds no NUL (llm.h) */
	if (!(kept = brief_check((const char *)data, size, facts, NULL, NULL)))
		fz_fail("out of memory");
	n = strlen(kept);
	if (n > size)
		fz_fail("kept %zu bytes of %zu", n, size);
	if (!(again = brief_check(kept, n, facts, NULL, NULL)))
		fz_fail("out of memory");
	if (strcmp(kept, again))
		fz_fail("a second check dropped more: \"%s\" -> \"%s\"", kept, again);
	free(kept);
	free(again);
	return 0;
}
