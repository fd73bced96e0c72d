/*
 * wa_wal.c - fuzz the parser of the webhook's write-ahead records
 * (lib/wa/wal.c), what wa-webhook.cgi reads back from a slot a crash may
 * have torn.
 *
 * The input is a slot's bytes. Properties:
 *  - wa_wal_parse answers 1, 0 or -1; on 1 the body lies inside the input,
 *    right after the header, and the input's header is the one
 *    wa_wal_head makes for that body (its hash checked);
 *  - the input taken as a body, behind wa_wal_head's header, parses back
 *    to the same body; with one byte of it changed, or its length cut,
 *    it is torn (-1); marked done, it is 0.
 */
#include <sodium.h>

#include "fuzz.h"
#include "vault/vault.h"
#include "wa/wa.h"

static void check_parse(const char *rec, size_t size)
{
	unsigned char head[WA_WAL_HEAD];
	const char *body;
	size_t len;
	int r;

	r = wa_wal_parse(rec, size, &body, &len);
	if (r < -1 || r > 1)
		fz_fail("answered %d", r);
	if (r != 1)
		return;
	if (body != rec + WA_WAL_HEAD || len > size - WA_WAL_HEAD)
		fz_fail("a body outside the record");
	wa_wal_head(head, body, len);
	if (memcmp(head, rec, WA_WAL_HEAD - 16))
		fz_fail("a record whose header is not its body's");
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len, n = WA_WAL_HEAD + size;
	char *rec;

	if (!(rec = malloc(n + 1)))
		return;
	wa_wal_head((unsigned char *)rec, (const char *)data, size);
	memcpy(rec + WA_WAL_HEAD, data, size);
	if (wa_wal_parse(rec, n, &body, &len) != 1 || len != size ||
	    memcmp(body, data, size))
		fz_fail("a record of %zu bytes does not read back", size);
	if (size > 0) {
		rec[WA_WAL_HEAD + size / 2] ^= 0x20;
		if (wa_wal_parse(rec, n, &body, &len) != -1)
			fz_fail("a changed body is not torn");
		rec[WA_WAL_HEAD + size / 2] ^= 0x20;
		if (wa_wal_parse(rec, n - 1, &body, &len) != -1)
			fz_fail("a cut record is not torn");
	}
	memcpy(rec + 8, "DONE", 4);
	if (wa_wal_parse(rec, n, &body, &len) != 0 || body)
		fz_fail("a record marked done is not done");
	free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0)
		fz_fail("sodium_init");
	check_parse((const char *)data, size);
	check_round_trip(data, size);
	return 0;
}
