/*
 * rules.c - what each network accepts as a post (see vault(5), Post
 * drafts), checked by draft-post before a draft is filed and by the post
 * action before it is published, so the owner never approves a post its
 * network would refuse for its length.
 *
 * X counts with twitter-text 3 (its config v3): a code point weighs 1 in
 * the ranges 0-4351, 8192-8205, 8208-8223 and 8242-8247 and 2 elsewhere
 * (CJK, most emoji), an emoji sequence (ZWJ, skin tones, variation
 * selectors, flags, keycaps) 2 as a whole, and a URL 23 whatever its
 * length (t.co). URLs are found by their scheme (http://, https://) or a
 * leading www.; a bare domain is counted as text, which can only make the
 * count shorter than X's by at most 12 for each such domain. The other
 * networks count code points.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "social/social.h"

static const char *const names[NET_COUNT] = {
	"linkedin", "x", "facebook", "instagram"
};

/* The longest post of each network, in its own characters. */
static const long limits[NET_COUNT] = { 3000, 280, 63206, 2200 };

#define IG_HASHTAGS_MAX 30
#define X_URL_LENGTH 23

int social_net_parse(const char *name, enum social_net *net)
{
	int i;

	for (i = 0; name && i < NET_COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*net = (enum social_net)i;
			return 0;
		}
	return aie_fail(EX_DATA, "unknown network %.40s (known: linkedin, x, "
	    "facebook, instagram)", name ? name : "(none)");
}

const char *social_net_name(enum social_net net)
{
	return net < NET_COUNT ? names[net] : "?";
}

/* The code point at *s (advanced past it), or -1 at bytes that are not
 * UTF-8 (overlong forms, surrogates, past U+10FFFF). */
static long utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	long cp, min;
	int n, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) { n = 1; cp = p[0] & 0x1f; min = 0x80; }
	else if ((p[0] & 0xf0) == 0xe0) { n = 2; cp = p[0] & 0x0f; min = 0x800; }
	else if ((p[0] & 0xf8) == 0xf0) { n = 3; cp = p[0] & 0x07; min = 0x10000; }
	else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*s = p + n + 1;
	return cp;
}

static int x_light(long cp)
{
	return (cp >= 0 && cp <= 4351) || (cp >= 8192 && cp <= 8205) ||
	    (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
}

/* Starts an emoji sequence: the pictographic blocks and the dingbats. */
static int emoji_base(long cp)
{
	return (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x2600 && cp <= 0x27bf) ||
	    (cp >= 0x2b00 && cp <= 0x2bff) || (cp >= 0x2300 && cp <= 0x23ff);
}

/* Continues one: variation selector, skin tones, keycap, tags. */
static int emoji_mod(long cp)
{
	return cp == 0xfe0f || cp == 0x20e3 || (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
	    (cp >= 0xe0020 && cp <= 0xe007f);
}

static int regional(long cp)
{
	return cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

/* The length in bytes of a URL at p (p at a token's start), or 0. */
static size_t url_at(const char *p)
{
	size_t n = 0, skip;

	if (strncasecmp(p, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(p, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(p, "www.", 4) == 0)
		skip = 4;
	else
		return 0;
	n = skip + strcspn(p + skip, " \t\n\r");
	/* punctuation that ends a sentence is not part of the URL */
	while (n > skip && strchr(".,;:!?)'\"", p[n - 1]))
		n--;
	return n > skip ? n : 0;
}

long social_x_length(const char *text)
{
	const unsigned char *p = (const unsigned char *)text, *q;
	long units = 0, cp;
	int at_start = 1;
	size_t u;

	while (*p) {
		if (at_start && (u = url_at((const char *)p)) > 0) {
			/* the URL's bytes must be UTF-8 as well */
			for (q = p; q < p + u; )
				if (utf8_next(&q) < 0)
					return -1;
			units += X_URL_LENGTH * 100;
			p += u;
			at_start = 0;
			continue;
		}
		if ((cp = utf8_next(&p)) < 0)
			return -1;
		at_start = cp == ' ' || cp == '\t' || cp == '\n' || cp == '(';
		if (regional(cp)) {
			q = p;
			if (regional(utf8_next(&q)))
				p = q;       /* a flag: two letters, one emoji */
			units += 200;
			continue;
		}
		if (emoji_base(cp)) {
			/* the modifiers and ZWJ-joined emoji that follow */
			for (;;) {
				long nx;
				q = p;
				nx = *q ? utf8_next(&q) : 0;
				if (nx > 0 && emoji_mod(nx))
					p = q;
				else if (nx == 0x200d && *q) {
					const unsigned char *r = q;
					long after = utf8_next(&r);
					if (after < 0 || !emoji_base(after))
						break;
					p = r;
				} else
					break;
			}
			units += 200;
			continue;
		}
		units += x_light(cp) ? 100 : 200;
	}
	return units / 100;
}

char *social_compose(enum social_net net, const char *body, const char *link)
{
	size_t n = body ? strlen(body) : 0;
	char *s;

	while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r' ||
	    body[n - 1] == ' '))
		n--;
	if (net != NET_FACEBOOK && link && *link) {
		if (asprintf(&s, "%.*s%s%s", (int)n, n ? body : "", n ? "\n\n" : "",
		    link) < 0)
			s = NULL;
	} else
		s = strndup(n ? body : "", n);
	if (!s)
		aie_fail(EX_TEMP, "out of memory");
	return s;
}

/* Code points of a UTF-8 text without control characters but newline
 * and tab; -1 (65) otherwise. */
static long codepoints(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	long n = 0, cp;

	while (*p) {
		if ((cp = utf8_next(&p)) < 0)
			return aie_fail(EX_DATA, "the text is not UTF-8");
		if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0))
			return aie_fail(EX_DATA, "the text holds a control character "
			    "(U+%04lX)", (unsigned long)cp);
		n++;
	}
	return n;
}

/* Hashtags: a # that starts a word and is followed by a letter or digit. */
static long hashtags(const char *text)
{
	const char *p;
	long n = 0;

	for (p = text; (p = strchr(p, '#')); p++)
		if ((p == text || strchr(" \t\n(", p[-1])) &&
		    p[1] && !strchr(" \t\n#", p[1]))
			n++;
	return n;
}

/* The longest image description of each network: LinkedIn's altText
 * (its Posts API, 4,086), X's alt_text (its media metadata, 1,000);
 * Instagram documents no limit for a container's alt_text, so X's is
 * kept. Facebook's /{page-id}/photos has no field for one (0). */
static const long alt_max[NET_COUNT] = { 4086, 1000, 0, 1000 };

int social_alt_check(enum social_net net, const char *alt)
{
	const char *name = social_net_name(net);
	long n;

	if (net >= NET_COUNT)
		return aie_fail(EX_DATA, "unknown network");
	if (!alt_max[net])
		return aie_fail(EX_DOWN, "%s: a Page photo takes no image "
		    "description (media_alt) through the Graph API; not published "
		    "there", name);
	if ((n = codepoints(alt)) < 0)
		return -1;
	if (n == 0 || n > alt_max[net] || strpbrk(alt, "\n\t"))
		return aie_fail(EX_DATA, "%s: an image description is one line of "
		    "1 to %ld characters, not %ld", name, alt_max[net], n);
	return 0;
}

/* Is every name of the list (separated by spaces) a .jpg or .jpeg? */
static int jpeg_name(const char *media)
{
	const char *p = media, *e;
	size_t len;

	for (;;) {
		p += strspn(p, " ");
		if (!*p)
			return 1;
		len = strcspn(p, " ");
		e = p + len;
		if (!((len > 4 && strncasecmp(e - 4, ".jpg", 4) == 0) ||
		    (len > 5 && strncasecmp(e - 5, ".jpeg", 5) == 0)))
			return 0;
		p = e;
	}
}

int social_check(enum social_net net, const char *text, const char *media)
{
	const char *name = social_net_name(net);
	long n, len;

	if (net >= NET_COUNT)
		return aie_fail(EX_DATA, "unknown network");
	if ((n = codepoints(text)) < 0)
		return -1;
	if (n == 0)
		return aie_fail(EX_DATA, "%s: the post is empty", name);
	len = net == NET_X ? social_x_length(text) : n;
	if (len > limits[net])
		return aie_fail(EX_DATA, "%s: %ld characters%s, over the %ld a post "
		    "may have", name, len, net == NET_X ? " as X counts them "
		    "(URLs 23, CJK and emoji 2)" : "", limits[net]);
	if (net == NET_INSTAGRAM) {
		if ((n = hashtags(text)) > IG_HASHTAGS_MAX)
			return aie_fail(EX_DATA, "instagram: %ld hashtags, over the %d "
			    "a caption may have", n, IG_HASHTAGS_MAX);
		if (!media || !*media)
			return aie_fail(EX_DATA, "instagram: a post needs an image "
			    "(media: a JPEG under Media/)");
		if (!jpeg_name(media))
			return aie_fail(EX_DATA, "instagram: the image must be a JPEG "
			    "(.jpg), not %.80s", media);
	}
	return 0;
}
