/*
 * usage_rows.c - fuzz the usage table reader (usage_parse in lib/llm/usage.c).
 *
 * The day files are written by either agent and merged by Git, so their
 * text is outside input. Whatever it holds, every row handed on must be
 * within the bounds usage.h promises (tokens 0..USAGE_TOKENS_MAX, a known
 * cost finite and 0..USAGE_COST_MAX): a NaN or a huge number there could
 * turn the weekly budget off or overflow a sum. The rows are summed with
 * usage_sum_add, so an overflow there is UBSan's to find, and the sum's
 * cost must stay a finite number no less than 0.
 */
#include <math.h>

#include "fuzz.h"
#include "vault/vault.h"
#include "llm/llm.h"

static int check_row(const struct usage_row *r, void *ctx)
{
	const long t[] = { r->input_tokens, r->output_tokens,
	    r->cache_read_tokens, r->cache_write_tokens };
	size_t i;

	for (i = 0; i < 4; i++)
		if (t[i] < 0 || t[i] > USAGE_TOKENS_MAX)
			fz_fail("row with %ld tokens", t[i]);
	if (r->cost_known && !(r->cost >= 0 && r->cost <= USAGE_COST_MAX))
		fz_fail("row with cost %g", r->cost);
	if (!r->cost_known && r->cost != 0)
		fz_fail("unknown cost carries %g", r->cost);
	usage_sum_add(ctx, r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usage_sum sum = { 0 };
	char *text;
	long bad = 0;

	if (size > 1 << 20)
		return 0;
	if (!(text = malloc(size + 1)))
		fz_fail("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	if (usage_parse(text, size, 0, (time_t)1 << 40, check_row, &sum,
	    &bad) != 0)
		fz_fail("usage_parse stopped with no callback asking it to");
	if (bad < 0 || !isfinite(sum.cost) || sum.cost < 0)
		fz_fail("bad %ld, cost %g", bad, sum.cost);
	free(text);
	return 0;
}
