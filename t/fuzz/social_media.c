/*
 * social_media.c - fuzz what lib/social reads of a post's images before
 * they are checked and uploaded: a JPEG's frame size (social_jpeg_size)
 * and EXIF orientation (social_jpeg_orientation; lib/social/media.c,
 * exif.c), which judge Instagram's aspect ratio, and the draft's lists
 * media, media_sha256 and media_alt (social_images_parse, images.c), which
 * a hand or the cloud may have edited.
 *
 * The input is the image's bytes; up to its first three NULs it is also
 * the three keys. Properties: the orientation is always 1 to 8; a size
 * read is never zero; a list read has 1 to SOCIAL_IMAGES_MAX images, each
 * a name without a space, and as many digests as names when it has any;
 * nothing read past the input (ASan).
 */
#include "fuzz.h"
#include "vault/vault.h"
#include "social/social.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct social_images im;
	unsigned w = 0, h = 0;
	char *s, *sha, *alt;
	size_t i, len;
	int o;

	o = social_jpeg_orientation(data, size);
	if (o < 1 || o > 8)
		fz_fail("orientation %d", o);
	if (social_jpeg_size(data, size, &w, &h) == 0 && (!w || !h))
		fz_fail("a JPEG size of zero");
	if (!(s = malloc(size + 3)))
		return 0;
	memcpy(s, data, size);
	s[size] = s[size + 1] = s[size + 2] = '\0';
	len = strlen(s);
	sha = s + len + 1;
	alt = sha + strlen(sha) + 1;
	if (social_images_parse(s, sha, alt, &im) == 0) {
		if (im.n > SOCIAL_IMAGES_MAX || (*s && s[strspn(s, " ")] && !im.n))
			fz_fail("%zu images read", im.n);
		for (i = 0; i < im.n; i++) {
			if (!im.path[i] || !*im.path[i] || strchr(im.path[i], ' '))
				fz_fail("image %zu has no name, or a space in it", i);
			if (*sha && sha[strspn(sha, " ")] && !im.sha[i])
				fz_fail("image %zu has no digest", i);
		}
		social_images_free(&im);
	} else if (aie_errcode != EX_DATA && aie_errcode != EX_TEMP)
		fz_fail("refused with %d: %s", aie_errcode, aie_errmsg);
	free(s);
	return 0;
}
