/*
 * exif.c - the orientation a JPEG asks to be shown in (see draft-post(1),
 * the image rules): the Orientation tag (0x0112) of the first image file
 * directory of its APP1 Exif segment. A camera held upright writes the
 * sensor's landscape frame and tags it 6 or 8 (rotate 90 or 270), so the
 * frame header's width and height are the shown image's height and
 * width; Instagram judges the shown image's aspect ratio.
 *
 * The segment (Exif 2.3, TIFF 6.0): "Exif\0\0", then a TIFF header (byte
 * order "II" or "MM", 42, the offset of IFD0 from the header), then IFD0:
 * a count and 12-byte entries (tag, type, count, value). Orientation is
 * a SHORT (type 3) of count 1 whose value sits in the entry's first two
 * bytes. Anything that does not read so is no orientation (1: as
 * stored): the tag is advice, and a broken one should not refuse a post.
 */
#include <stddef.h>

#include "social/social.h"

static unsigned rd16(const unsigned char *p, int be)
{
	return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static unsigned long rd32(const unsigned char *p, int be)
{
	return be ? (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3] :
	    (unsigned long)p[3] << 24 | (unsigned long)p[2] << 16 |
	    (unsigned long)p[1] << 8 | p[0];
}

/* The orientation in one APP1 segment's bytes (after its length), or 0
 * when it is not an Exif segment with one. */
static int exif_orientation(const unsigned char *s, size_t n)
{
	const unsigned char *t;
	unsigned long off;
	size_t tn, i, cnt;
	int be;

	if (n < 6 + 8 || s[0] != 'E' || s[1] != 'x' || s[2] != 'i' ||
	    s[3] != 'f' || s[4] != 0 || s[5] != 0)
		return 0;
	t = s + 6;
	tn = n - 6;
	if (t[0] == 'M' && t[1] == 'M')
		be = 1;
	else if (t[0] == 'I' && t[1] == 'I')
		be = 0;
	else
		return 0;
	if (rd16(t + 2, be) != 42)
		return 0;
	off = rd32(t + 4, be);
	if (off < 8 || off > tn - 2)
		return 0;
	cnt = rd16(t + off, be);
	for (i = 0; i < cnt; i++) {
		size_t e = off + 2 + 12 * i;
		unsigned v;

		if (e > tn || tn - e < 12)
			return 0;
		if (rd16(t + e, be) != 0x0112)
			continue;
		if (rd16(t + e + 2, be) != 3 || rd32(t + e + 4, be) != 1)
			return 0;
		v = rd16(t + e + 8, be);
		return v >= 1 && v <= 8 ? (int)v : 0;
	}
	return 0;
}

int social_jpeg_orientation(const unsigned char *p, size_t len)
{
	size_t i = 2, seg;
	unsigned char m;
	int o;

	if (len < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return 1;
	/* the markers before the image data, as social_jpeg_size walks them */
	while (i + 1 < len) {
		if (p[i] != 0xFF)
			return 1;
		while (i < len && p[i] == 0xFF)
			i++;
		if (i >= len)
			return 1;
		m = p[i++];
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD8))
			continue;
		if (m == 0xD9 || m == 0xDA || i + 2 > len)
			return 1;
		seg = (size_t)p[i] << 8 | p[i + 1];
		if (seg < 2 || seg > len - i)
			return 1;
		if (m == 0xE1 && (o = exif_orientation(p + i + 2, seg - 2)) > 0)
			return o;
		i += seg;
	}
	return 1;
}
