/*
 * social.h - social network posts (see social-post(1), draft-post(1),
 * vault(5)): each network's rules for a post, checked when a draft is
 * filed and again before it is published, a post's image (read once,
 * checked against its signed SHA-256), and the publishers (LinkedIn Posts
 * and Images APIs, X API v2 with its media upload, a Facebook Page's feed
 * and photos, Instagram's content publishing) that turn an approved post
 * into one post on its network. lib/ never prints: failures are -1 with
 * aie_errmsg and aie_errcode.
 */
#ifndef AIE_SOCIAL_H
#define AIE_SOCIAL_H

#include <stddef.h>
#include <time.h>

enum social_net { NET_LINKEDIN, NET_X, NET_FACEBOOK, NET_INSTAGRAM, NET_COUNT };

/* The network of a name (linkedin, x, facebook, instagram). 0, or -1
 * with 65 naming the networks known. */
int social_net_parse(const char *name, enum social_net *net);
const char *social_net_name(enum social_net net);

/* Is the network's publisher configured here (its token and, for
 * LinkedIn, Facebook and Instagram, its author, page or account; for
 * Instagram also SOCIAL_MEDIA_BASE_URL)? */
int social_configured(enum social_net net);

/* What the network's publisher lacks here, for a page that says so (see
 * ai-employee-dashboard(1), /settings): 0 nothing (configured); 1 some of
 * its keys are set but *key is not (incomplete); 2 none is set, *key the
 * first it needs. *key is a key's name, never a value. No network is
 * asked: this reads the configuration (and, for X, whether social-auth's
 * token file is there) only, and links without libcurl. */
int social_missing(enum social_net net, const char **key);

/* The length of text as X counts it (twitter-text 3: code points weigh 1
 * or 2, an emoji sequence 2, a URL 23), in characters of the 280. -1 when
 * text is not UTF-8. */
long social_x_length(const char *text);

/* The text as it will be published: the body without its trailing
 * newlines and, for every network but Facebook (which takes the link
 * apart), the link after a blank line. malloc'd, or NULL (75). */
char *social_compose(enum social_net net, const char *body, const char *link);

/* Check the post against its network's rules (vault(5), Post drafts): X
 * 280 weighted characters, LinkedIn 3,000, Facebook 63,206, Instagram a
 * caption of 2,200 with at most 30 hashtags and an image; UTF-8 without
 * NUL or control characters; not empty. media may be NULL. 0, or -1 with
 * 65 saying which rule. */
int social_check(enum social_net net, const char *text, const char *media);

/* The image's description (media_alt): one line of UTF-8, 1 to the
 * network's most characters (LinkedIn's altText 4,086, X's alt_text
 * 1,000, Instagram's alt_text 1,000). Facebook takes none for a Page
 * photo: 69 (not published there). 0, or -1 (65 or 69). */
int social_alt_check(enum social_net net, const char *alt);

/* A post's image (media.c): a JPEG or PNG under Media/ of the vault (at
 * most 8 MB), read whole once, with its SHA-256 in hex. */
struct social_media {
	char *data;
	size_t len;
	const char *type;        /* image/jpeg or image/png, from its bytes */
	char name[256];          /* its file name */
	char sha256[65];
};

/* Read the image at path (under Media/, not through a symlink). 0, or -1
 * with 65 saying why. Free m with social_media_free. */
int social_media_load(int dirfd, const char *path, struct social_media *m);
/* As social_media_load, and its SHA-256 must be sha256 (the signed
 * media_sha256): -1 (65) when it is missing or differs. */
int social_media_verify(int dirfd, const char *path, const char *sha256,
    struct social_media *m);
void social_media_free(struct social_media *m);
/* The width and height of a JPEG from its first frame header (exposed
 * for the fuzz harness). 0, or -1 when none is found in len bytes. */
int social_jpeg_size(const unsigned char *p, size_t len, unsigned *w,
    unsigned *h);
/* The EXIF orientation of a JPEG (exif.c; exposed for the fuzz harness):
 * 1 to 8 from its APP1 Exif segment's Orientation tag, 1 (as stored) when
 * it has none we can read. 5 to 8 turn it a quarter: its shown width is
 * the frame's height. */
int social_jpeg_orientation(const unsigned char *p, size_t len);
/* Does the network take the image (its size, its type, for Instagram its
 * aspect ratio)? 0, or -1 (65). */
int social_media_check(enum social_net net, const struct social_media *m);

/* A post's images (images.c; see vault(5), Post drafts): media names
 * them separated by spaces, media_sha256 their digests in that order,
 * media_alt one description (one image) or one for each separated by
 * SOCIAL_ALT_SEP (split at its "|"), an empty one for none. */
#define SOCIAL_IMAGES_MAX 20
#define SOCIAL_ALT_SEP " | "
struct social_images {
	size_t n;
	char *path[SOCIAL_IMAGES_MAX];
	char *sha[SOCIAL_IMAGES_MAX];     /* its signed digest, or NULL */
	char *alt[SOCIAL_IMAGES_MAX];     /* its description, or NULL */
	struct social_media m[SOCIAL_IMAGES_MAX];   /* read by verify */
};
/* The most images a post of net may have (LinkedIn 20, X 4, Facebook
 * 10, Instagram 10). */
size_t social_images_max(enum social_net net);
/* The three keys split into im, no file read (n is 0 without media). 0,
 * or -1 (65: more than SOCIAL_IMAGES_MAX, or counts that differ). */
int social_images_parse(const char *media, const char *sha, const char *alt,
    struct social_images *im);
/* As parse, then every image read, its digest the signed one, taken by
 * net (social_media_check), its description too (social_alt_check), and
 * no more than net takes. 0, or -1 (65, or 69 for a description net
 * does not publish). Free im with social_images_free either way. */
int social_images_verify(int dirfd, enum social_net net, const char *media,
    const char *sha, const char *alt, struct social_images *im);
void social_images_free(struct social_images *im);

struct social_post {
	enum social_net net;
	const char *text;        /* as social_compose made it */
	const char *link;        /* Facebook's link, or NULL */
	const struct social_images *images;   /* checked, or NULL: none */
};

struct social_result {
	char id[256];            /* the post's ID on its network */
	char url[512];           /* where it can be seen */
	time_t retry_at;         /* a temporary failure: not before, or 0 */
	int maybe_sent;          /* on failure: the request went out and no
	                          * answer came, so it may be published */
};

/* Publish one post. 0 with r->id and r->url; -1 with aie_errcode 65 (a
 * duplicate, a policy refusal, a post the network refuses as it is), 75
 * (rate limited or the network failing: r->retry_at when it said when),
 * 69 (no network reachable), 78 (not configured, or a token expired or
 * revoked: the message names the network and what to do). */
int social_publish(const struct social_post *p, struct social_result *r);

/* The reply of a network to a publish request (exposed for the fuzz
 * harness): status, body, the header the request kept (LinkedIn's
 * x-restli-id, X's x-rate-limit-reset) and Retry-After (-1 when none).
 * Returns as social_publish. */
int social_reply(enum social_net net, long status, const char *body,
    size_t len, const char *header, long retry_after,
    struct social_result *r);

/* The reply to a step before the post, which publishes nothing (exposed
 * for the fuzz harness): LinkedIn's initializeUpload (header: the API
 * base its upload URL may be under; url gets the URL, id the image URN),
 * (step 1: its image's status, into id), X's media upload (header:
 * x-rate-limit-reset; id the media id), Instagram's container (id) or its
 * status (step 1: id gets status_code).
 * 0, or -1 as social_publish; never maybe_sent. */
int social_upload_reply(enum social_net net, int step, long status,
    const char *body, size_t len, const char *header, long retry_after,
    char *id, size_t isize, char *url, size_t usize,
    struct social_result *r);

/*
 * prompt.c - what draft-post asks the model for (the handbook as rules,
 * the network's limit, the topic as untrusted data), and the offline
 * provider's post.
 */
#define SOCIAL_TOPIC_MAX (16 << 10)

/* The system and user prompts for one post on net; malloc'd both. 0, or
 * -1 (75). */
int social_prompt(enum social_net net, const char *handbook,
    const char *topic, char **system, char **user);

/* The offline provider's post: the topic itself, trimmed (at most
 * SOCIAL_TOPIC_MAX bytes); malloc'd, NULL (75). */
char *social_offline(enum social_net net, const char *topic);

/*
 * metrics.c - what published posts did (see social-report(1)), read back
 * from each network: reactions, comments, shares, impressions (Meta's
 * views) and reach (accounts that saw it), each -1 when the network does
 * not tell it.
 */
struct social_metrics {
	long reactions, comments, shares, impressions, reach;
	int read;                /* the network gave this post's numbers */
	char note[160];          /* else why not (no longer there, a token
	                          * that may not read them), one line */
};

/* The metrics of the n posts of one network whose post_id are ids, into
 * m[0..n). 0 when every post has its numbers or its note; -1 when the
 * network could not be read: 78 not configured, or its token refused
 * (the message names the network and what to do); 75 rate limited or
 * failing (*retry_at the time it said, else 0); 69 unreachable. */
int social_metrics(enum social_net net, const char *const *ids, size_t n,
    struct social_metrics *m, time_t *retry_at);

/* The reply of a network to one metrics request (exposed for the fuzz
 * harness): for LinkedIn and Facebook of ids[0] alone, for X of the n
 * ids; header is X's x-rate-limit-reset. Returns as social_metrics. */
int social_metrics_reply(enum social_net net, long status, const char *body,
    size_t len, const char *header, long retry_after,
    const char *const *ids, size_t n, struct social_metrics *m,
    time_t *retry_at);

/* LinkedIn's statistics of one post (lireach.c; exposed for the fuzz
 * harness): an organization's share statistics, or one of a member's
 * post analytics, into m (a 403 or 404 a note added, m's other numbers
 * kept). Returns as social_metrics. */
enum { LI_REACH_ORG, LI_REACH_IMPRESSION, LI_REACH_MEMBERS, LI_REACH_RESHARE };
int social_linkedin_reach_reply(int kind, long status, const char *body,
    size_t len, long retry_after, struct social_metrics *m,
    time_t *retry_at);

/* The Graph API's reply to an insights request (insights.c; exposed for
 * the fuzz harness): a Facebook Page post's views and reach, or an
 * Instagram media's views, reach, likes, comments and shares, into m
 * (read when Graph gave any). Returns as social_metrics. */
int social_insights_reply(enum social_net net, long status,
    const char *body, size_t len, long retry_after,
    struct social_metrics *m, time_t *retry_at);

#endif
