/*
 * images.c - a post's images (see vault(5), Post drafts): media names one
 * image or several, separated by spaces (a name under Media/ has none),
 * media_sha256 their digests in the same order, and media_alt their
 * descriptions: with one image the whole value, with several one for each
 * separated by " | " (an empty one: that image has none). All three are
 * signed with the approval, so the list, its order and every image's
 * bytes are what the owner approved. The descriptions are split at every
 * "|", spaces around it trimmed (an editor may drop a trailing space), so
 * with several images none may hold one.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "social/social.h"

/* The most images of one post: LinkedIn's multiImage 20, X 4, Instagram's
 * carousel 10; Facebook documents no limit for attached_media, 10 is
 * kept. */
static const size_t max_images[NET_COUNT] = { 20, 4, 10, 10 };

size_t social_images_max(enum social_net net)
{
	return net < NET_COUNT ? max_images[net] : 0;
}

void social_images_free(struct social_images *im)
{
	size_t i;

	/* every slot: a list of digests or descriptions longer than media's
	 * was read whole before the counts were compared */
	for (i = 0; i < SOCIAL_IMAGES_MAX; i++) {
		free(im->path[i]);
		free(im->sha[i]);
		free(im->alt[i]);
		social_media_free(&im->m[i]);
	}
	memset(im, 0, sizeof *im);
}

/* The words of s split at sep (spaces trimmed around each) into out[],
 * at most max; empty ones NULL when keep_empty, else skipped. The count,
 * or -1 (65 more than max, 75 out of memory). */
static long split(const char *s, const char *sep, int keep_empty,
    char **out, size_t max)
{
	size_t n = 0, seplen = strlen(sep), len;
	const char *p = s, *e, *b;

	while (s) {
		e = strstr(p, sep);
		b = p;
		len = e ? (size_t)(e - p) : strlen(p);
		while (len && *b == ' ') {
			b++;
			len--;
		}
		while (len && b[len - 1] == ' ')
			len--;
		if (len || keep_empty) {
			if (n == max) {
				while (n) {
					free(out[--n]);
					out[n] = NULL;
				}
				return aie_fail(EX_DATA, "more than %zu images", max);
			}
			if (!len)
				out[n++] = NULL;
			else if (!(out[n++] = strndup(b, len))) {
				while (n) {
					free(out[--n]);
					out[n] = NULL;
				}
				return aie_fail(EX_TEMP, "out of memory");
			}
		}
		if (!e)
			break;
		p = e + seplen;
	}
	return (long)n;
}

int social_images_parse(const char *media, const char *sha, const char *alt,
    struct social_images *im)
{
	long n, k;

	memset(im, 0, sizeof *im);
	if (!media || !*media)
		return 0;
	if ((n = split(media, " ", 0, im->path, SOCIAL_IMAGES_MAX)) < 0)
		return -1;
	im->n = (size_t)n;
	if (sha && *sha) {
		if ((k = split(sha, " ", 0, im->sha, SOCIAL_IMAGES_MAX)) < 0)
			goto fail;
		if (k != n) {
			aie_fail(EX_DATA, "media names %ld images but media_sha256 has "
			    "%ld digests", n, k);
			goto fail;
		}
	}
	if (alt && *alt) {
		if (n == 1)
			k = (im->alt[0] = strdup(alt)) ? 1 :
			    aie_fail(EX_TEMP, "out of memory");
		else
			k = split(alt, "|", 1, im->alt, SOCIAL_IMAGES_MAX);
		if (k < 0)
			goto fail;
		if (k != n) {
			aie_fail(EX_DATA, "media names %ld images but media_alt has "
			    "%ld descriptions (separated by \"|\")", n, k);
			goto fail;
		}
	}
	return 0;
fail:
	social_images_free(im);
	return -1;
}

int social_images_verify(int dirfd, enum social_net net, const char *media,
    const char *sha, const char *alt, struct social_images *im)
{
	size_t i;

	if (social_images_parse(media, sha, alt, im) < 0)
		return -1;
	if (im->n > social_images_max(net)) {
		aie_fail(EX_DATA, "%s: %zu images, over the %zu a post may have",
		    social_net_name(net), im->n, social_images_max(net));
		goto fail;
	}
	for (i = 0; i < im->n; i++)
		if (social_media_verify(dirfd, im->path[i], im->sha[i],
		    &im->m[i]) < 0 || social_media_check(net, &im->m[i]) < 0 ||
		    (im->alt[i] && social_alt_check(net, im->alt[i]) < 0))
			goto fail;
	return 0;
fail:
	social_images_free(im);
	return -1;
}
