/*
 * wa_notelog.c - fuzz the reading back of an owner's notification from
 * the notification log (lib/wa/notelog.c, wa_notify_sent_text), whose
 * rows come from every agent through sync and may be edited by hand:
 * what the webhook sends again as the template when Meta reports the
 * free text failed outside the 24-hour window.
 *
 * An input whose first byte is even is the day's log itself: the reading
 * never fails but on I/O, and a kind it gives is one word that fits. An
 * odd one is the text of a notification (after that byte) written by the
 * log's own writer (wa_log_row): it is read back whole, with the kind it
 * was logged as; the cell's escaping is undone exactly, but for what the
 * table cannot hold (CR and tab are blanks, a written "<br>" a line
 * break).
 */
#include <time.h>

#include "fuzz.h"
#include "fzvault.h"
#include "wa/wa.h"

static const char *base;
static struct vault v;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = { "Logs", "Logs/Notifications",
	    NULL };

	(void)argc;
	(void)argv;
	base = fz_vault(&v, "notelog", dirs);
	return 0;
}

/* What a text becomes in the log and back, written apart from notelog.c. */
static char *expected(const char *s)
{
	char *e = malloc(strlen(s) + 1), *o = e;

	if (!e)
		fz_fail("out of memory");
	while (*s) {
		if (!strncmp(s, "<br>", 4)) {
			*o++ = '\n';
			s += 4;
		} else if (*s == '\r' || *s == '\t') {
			*o++ = ' ';
			s++;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rel[64], path[PATH_MAX + 64], kind[32], *in, *text = NULL, *want;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int r;
	size_t i;

	if (size < 1)
		return 0;
	gmtime_r(&now, &tm);
	strftime(rel, sizeof rel, "Logs/Notifications/%Y-%m-%d.md", &tm);
	snprintf(path, sizeof path, "%s/%s", base, rel);
	unlink(path);
	if (!(data[0] & 1)) {
		if (!(f = fopen(path, "wb")) ||
		    fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0)
			fz_fail("write %s", path);
		r = wa_notify_sent_text(&v, "wamid.FZ1", kind, sizeof kind, &text);
		if (r < 0 && aie_errcode != EX_DATA)
			fz_fail("read failed: %s", aie_errmsg);
		if (r == 1) {
			if (!text || !*kind)
				fz_fail("found, but no kind or text");
			for (i = 0; kind[i]; i++)
				if (kind[i] == ' ' || kind[i] == '|' ||
				    kind[i] == '\n')
					fz_fail("kind \"%s\" is not one word", kind);
			if (strstr(text, "<br>"))
				fz_fail("a <br> left in the text");
		} else if (text)
			fz_fail("no row, but a text");
		free(text);
		return 0;
	}
	in = fz_cstr(data + 1, size - 1);
	if (wa_log_row(&v, now, "urgent", "cloud", "sent", "wamid.FZ1", in) < 0)
		fz_fail("wa_log_row: %s", aie_errmsg);
	r = wa_notify_sent_text(&v, "wamid.FZ1", kind, sizeof kind, &text);
	if (r != 1)
		fz_fail("a row just written not found (%d): %s", r, aie_errmsg);
	if (strcmp(kind, "urgent"))
		fz_fail("kind \"%s\", not urgent", kind);
	want = expected(in);
	if (strcmp(text, want))
		fz_fail("text read back differs:\n[%s]\n[%s]", text, want);
	free(want);
	free(text);
	free(in);
	return 0;
}
