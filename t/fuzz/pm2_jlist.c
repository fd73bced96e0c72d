/*
 * pm2_jlist.c - libFuzzer harness for vault-health's reading of `pm2 jlist`
 * output (pm2.c): notices before the JSON, any JSON at all, fields of any
 * type or size. The verdict must be one of the states and the detail a
 * terminated line that fits its buffer.
 */
#include "fuzz.h"

#include "health/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const states[] = { "up", "down", "degraded", NULL };
	struct health h;
	char *s = malloc(size + 1);
	size_t i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&h, 0, sizeof h);
	pm2_judge(s, size % 7 ? 3 : -1, &h);
	free(s);
	for (i = 0; states[i]; i++)
		if (h.state && !strcmp(h.state, states[i]))
			break;
	if (!states[i])
		fz_fail("pm2_judge: state %s", h.state ? h.state : "(none)");
	if (!memchr(h.detail, '\0', sizeof h.detail))
		fz_fail("pm2_judge: the detail is not terminated");
	if (strchr(h.detail, '\n'))
		fz_fail("pm2_judge: the detail is not one line: %s", h.detail);
	return 0;
}
