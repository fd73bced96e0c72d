/*
 * wa_media.c - fuzz the parser of the Cloud API's media description
 * (lib/wa/media.c, wa_media_meta_parse), what wa-media(1) reads from the
 * network before it fetches a customer's file.
 *
 * Properties: the input is accepted or refused (65), nothing else; an
 * accepted one has a NUL-terminated url and type that fit their buffers;
 * the type's extension, when there is one, is one of a few letters.
 */
#include "fuzz.h"
#include "vault/vault.h"
#include "wa/wa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_media_meta m;
	const char *ext;

	if (wa_media_meta_parse((const char *)data, size, &m) < 0) {
		if (aie_errcode != EX_DATA)
			fz_fail("refused with %d: %s", aie_errcode, aie_errmsg);
		return 0;
	}
	if (strnlen(m.url, sizeof m.url) == sizeof m.url ||
	    strnlen(m.mime, sizeof m.mime) == sizeof m.mime)
		fz_fail("url or mime_type not terminated");
	if ((ext = wa_media_ext(m.mime)) &&
	    (strlen(ext) > 4 || strspn(ext, "abcdefghijklmnopqrstuvwxyz0123456789")
	    != strlen(ext)))
		fz_fail("extension %s", ext);
	return 0;
}
