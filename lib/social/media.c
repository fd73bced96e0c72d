/*
 * media.c - a post's image (see vault(5), Post drafts): a JPEG or PNG file
 * under Media/ of the vault, read whole once, with its SHA-256.
 *
 * The approval signs the path and the digest (media_sha256) that
 * draft-post recorded; approve(1), the dashboard and the executor each
 * read the file again and refuse (65) when its digest is not the signed
 * one. The executor uploads the very bytes it checked, from memory, so a
 * file changed after the check is not what goes out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vault/vault.h"
#include "social/social.h"

/* The image's type from its first bytes (a name can say anything). */
static const char *sniff(const unsigned char *p, size_t len)
{
	if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return "image/jpeg";
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	return NULL;
}

/* A path draft-post and the executor accept: under Media/, one line of
 * printable characters (it is also a form field and a URL's path). */
static int media_path_ok(const char *path)
{
	size_t i;

	if (!path || strncmp(path, "Media/", 6) != 0 || !path[6] ||
	    strlen(path) > 512)
		return aie_fail(EX_DATA, "media %.80s: not a file under Media/ of "
		    "the vault", path ? path : "(none)");
	for (i = 0; path[i]; i++)
		if ((unsigned char)path[i] < 0x21 || path[i] == 0x7f ||
		    strchr("\"'<>\\?#%", path[i]))
			return aie_fail(EX_DATA, "media %.80s: a name with spaces, "
			    "quotes or control characters; rename the file", path);
	return 0;
}

int social_media_load(int dirfd, const char *path, struct social_media *m)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	const char *slash;

	memset(m, 0, sizeof *m);
	if (media_path_ok(path) < 0)
		return -1;
	/* at most AIE_ITEM_MAX (8 MB), Instagram's and Facebook's limit */
	if (file_readat(dirfd, path, &m->data, &m->len) < 0) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		return aie_fail(EX_DATA, "media: %s", why);
	}
	if (!(m->type = sniff((unsigned char *)m->data, m->len))) {
		social_media_free(m);
		return aie_fail(EX_DATA, "media %.80s: not a JPEG or PNG image",
		    path);
	}
	slash = strrchr(path, '/');
	snprintf(m->name, sizeof m->name, "%s", slash + 1);
	crypto_hash_sha256(digest, (unsigned char *)m->data, m->len);
	sodium_bin2hex(m->sha256, sizeof m->sha256, digest, sizeof digest);
	return 0;
}

int social_media_verify(int dirfd, const char *path, const char *sha256,
    struct social_media *m)
{
	if (!sha256 || strlen(sha256) != 64 ||
	    sha256[strspn(sha256, "0123456789abcdef")] != '\0') {
		memset(m, 0, sizeof *m);
		return aie_fail(EX_DATA, "media %.80s: no media_sha256 (64 hex "
		    "digits) to check the image against; draft it again with "
		    "draft-post --media", path ? path : "(none)");
	}
	if (social_media_load(dirfd, path, m) < 0)
		return -1;
	if (sodium_memcmp(m->sha256, sha256, 64) != 0) {
		char have[13];
		snprintf(have, sizeof have, "%.12s", m->sha256);
		social_media_free(m);
		return aie_fail(EX_DATA, "media %.80s: the image changed since it "
		    "was drafted (SHA-256 %s…, signed %.12s…)", path, have, sha256);
	}
	return 0;
}

int social_jpeg_size(const unsigned char *p, size_t len, unsigned *w,
    unsigned *h)
{
	size_t i = 2, seg;
	unsigned char m;

	if (len < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return -1;
	while (i + 1 < len) {
		if (p[i] != 0xFF)
			return -1;           /* not at a marker: not a JPEG we read */
		while (i < len && p[i] == 0xFF)
			i++;                 /* fill bytes */
		if (i >= len)
			return -1;
		m = p[i++];
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD8))
			continue;            /* markers without a segment */
		if (m == 0xD9 || m == 0xDA || i + 2 > len)
			return -1;           /* the image data before any frame */
		seg = (size_t)p[i] << 8 | p[i + 1];
		if (seg < 2 || seg > len - i)
			return -1;
		/* a start of frame: SOF0-SOF15 but DHT (C4), JPG (C8), DAC (CC) */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (seg < 7)
				return -1;
			*h = (unsigned)p[i + 3] << 8 | p[i + 4];
			*w = (unsigned)p[i + 5] << 8 | p[i + 6];
			return *w && *h ? 0 : -1;
		}
		i += seg;
	}
	return -1;
}

/* What each network takes (checked at drafting, approval and publishing):
 * X images of at most 5 MB (its media upload), Facebook Page photos less
 * than 4 MB (the Graph reference of /{page-id}/photos), Instagram JPEG
 * only, its aspect ratio from 4:5 (portrait) to 1.91:1 (landscape), as
 * its content publishing reference says, of the image as shown (its EXIF
 * orientation applied); LinkedIn's images API takes what
 * the reader takes (8 MB). */
int social_media_check(enum social_net net, const struct social_media *m)
{
	static const size_t max[NET_COUNT] = { AIE_ITEM_MAX, 5 << 20, 4 << 20,
	    AIE_ITEM_MAX };
	unsigned w = 0, h = 0;

	if (net >= NET_COUNT)
		return aie_fail(EX_DATA, "unknown network");
	if (m->len > max[net])
		return aie_fail(EX_DATA, "%s: the image %s is %zu bytes, over the "
		    "%zu MB the network takes", social_net_name(net), m->name,
		    m->len, max[net] >> 20);
	if (net != NET_INSTAGRAM)
		return 0;
	if (strcmp(m->type, "image/jpeg") != 0)
		return aie_fail(EX_DATA, "instagram: the image %s is %s; Instagram "
		    "takes JPEG only", m->name, m->type);
	if (social_jpeg_size((const unsigned char *)m->data, m->len, &w, &h) < 0)
		return aie_fail(EX_DATA, "instagram: the image %s has no frame "
		    "size we can read (a JPEG?)", m->name);
	/* the image as shown: a camera's upright photo is a landscape frame
	 * tagged to turn a quarter */
	if (social_jpeg_orientation((const unsigned char *)m->data, m->len) >= 5) {
		unsigned t = w;
		w = h;
		h = t;
	}
	if (5UL * w < 4UL * h || 100UL * w > 191UL * h)
		return aie_fail(EX_DATA, "instagram: the image %s is %ux%u as shown; "
		    "Instagram takes an aspect ratio from 4:5 to 1.91:1", m->name,
		    w, h);
	return 0;
}

void social_media_free(struct social_media *m)
{
	free(m->data);
	memset(m, 0, sizeof *m);
}
