/*
 * statcache.c - fuzz statcache_parse (cgi/dash/statcache.c), the reader of the
 * dashboard's status cache file. The input is the file after its first
 * line; the harness writes a correct first line (magic and checksum) in
 * front of it half of the time, so the key lines are reached, not only
 * the checksum. Keys are stat'ed under an empty directory. Properties: a
 * payload returned lies inside the buffer and is as long as the file
 * says; every memo entry is a Done/<domain>/<YYYY-MM> directory key with
 * a count that fits, taken only from a file whose checksum holds. The
 * same bytes go through status_pending_head (lib/status/status.c), which cuts
 * the cards from a status text without parsing it: it never reads out of
 * the text or grows it; and through status_pending_head's one reader,
 * status_parse (lib/status/decode.c), which keeps at most the cards asked.
 */
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>

#include "fuzz.h"
#include "fzseal.h"
#include "status/status.h"

static int emptydir = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char tmpl[] = "/tmp/aie-fuzz-statcache.XXXXXX";

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || !mkdtemp(tmpl))
		fz_fail("setup");
	if ((emptydir = open(tmpl, O_RDONLY | O_DIRECTORY)) < 0)
		fz_fail("open %s", tmpl);
	rmdir(tmpl);   /* stays open: every key is missing under it */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char magic[] = STATCACHE_MAGIC;
	struct statkeys memo = { 0 };
	unsigned char h[SEAL_DIGEST], got[STATCACHE_DIGEST];
	const char *payload;
	size_t hl = sizeof magic - 1 + 2 * SEAL_DIGEST + 1, plen = 0, i;
	char *buf;
	int sealed;

	if (size < 1 || size > 1 << 16)
		return 0;
	sealed = data[0] & 1;
	data++;
	size--;
	if (!(buf = malloc(hl + size + 1)))
		fz_fail("out of memory");
	if (sealed) {
		if (fz_seal(buf, magic, data, size, h) != hl)
			fz_fail("the first line is not magic, sum and newline");
	} else {
		memcpy(buf, data, size);
		hl = 0;
	}
	payload = statcache_parse(emptydir, buf, hl + size, &plen, got, &memo);
	if (payload && (payload < buf || payload + plen != buf + hl + size))
		fz_fail("payload outside the file");
	if (payload && sealed && memcmp(got, h, sizeof h))
		fz_fail("the checksum given is not the file's");
	if (memo.n && !sealed && memcmp(buf, magic, sizeof magic - 1))
		fz_fail("a memo from a file without the magic");
	for (i = 0; i < memo.n; i++) {
		const char *rel = memo.k[i].rel;
		if (strncmp(rel, "Done/", 5) || !S_ISDIR(memo.k[i].st.st_mode) ||
		    memo.k[i].count < 0 || strstr(rel, ".."))
			fz_fail("memo entry \"%s\" is not a Done month", rel);
	}
	statkeys_free(&memo);
	/* the cards cut from a status text: never longer than the text;
	 * a cap of 0 (no card) too */
	{
		size_t n = 0, olen = status_pending_head(buf + hl, size,
		    size % 13, &n);
		if (olen != (size_t)-1 && olen > size)
			fz_fail("status_pending_head grew the text");
	}
	/* and read back into a struct status, as the home page does */
	{
		struct status st;
		size_t n = 0;
		memcpy(buf, data, size);
		if (status_parse(buf, size, size % 13, &st, &n) == 0) {
			if (st.npending > size % 13)
				fz_fail("status_parse kept more cards than asked");
			status_free(&st);
		}
	}
	free(buf);
	return 0;
}
