/*
 * jpeg_exif.c - fuzz what lib/social reads of an image's bytes before
 * Instagram's aspect ratio is judged (lib/social/media.c, exif.c): the
 * frame size (social_jpeg_size) and the EXIF orientation
 * (social_jpeg_orientation), the same bytes as both.
 *
 * Properties: the orientation is always 1 to 8; a size read is never
 * zero; the walk never reads past the input (ASan).
 */
#include "fuzz.h"
#include "vault/vault.h"
#include "social/social.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned w = 0, h = 0;
	int o;

	o = social_jpeg_orientation(data, size);
	if (o < 1 || o > 8)
		fz_fail("orientation %d", o);
	if (social_jpeg_size(data, size, &w, &h) == 0 && (!w || !h))
		fz_fail("a JPEG size of zero");
	return 0;
}
