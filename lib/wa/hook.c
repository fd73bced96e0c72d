/*
 * hook.c - the WhatsApp Cloud API webhook, as bytes from outside: its
 * signature (X-Hub-Signature-256, an HMAC-SHA256 of the raw body under the
 * app secret) and its JSON (the "messages" field of a
 * whatsapp_business_account: inbound messages and the statuses of ours).
 *
 * The parser is pure (no vault, no I/O) so it can be fuzzed
 * (t/fuzz/wa_hook.c). What it keeps is what an item needs, every string
 * borrowed from the parsed document, which wa_hook_free releases. A field
 * of the wrong JSON type or an ID that is not one is refused as a whole
 * (65): Meta's payloads are regular, and a payload that is not is a
 * forgery with a leaked secret or a bug, better seen than half-read.
 * Message types we do not know (video, sticker, order, unsupported, ...)
 * are kept with their type and a note, never dropped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "wa/wa.h"

int wa_hook_sig_ok(const char *secret, const char *body, size_t len,
    const char *header)
{
	crypto_auth_hmacsha256_state st;
	unsigned char want[crypto_auth_hmacsha256_BYTES];
	unsigned char got[crypto_auth_hmacsha256_BYTES];
	size_t n;
	int ok;

	if (!secret || !*secret || !header || strncmp(header, "sha256=", 7) ||
	    strlen(header + 7) != 2 * sizeof got || sodium_init() < 0)
		return 0;
	if (sodium_hex2bin(got, sizeof got, header + 7, 2 * sizeof got, NULL,
	    &n, NULL) != 0 || n != sizeof got)
		return 0;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, want);
	ok = crypto_verify_32(want, got) == 0;
	sodium_memzero(&st, sizeof st);
	return ok;
}

/* wa_id: digits only (E.164 without the +), as Meta sends it. */
static int waid_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 5 && n <= 20 && strspn(s, "0123456789") == n;
}

/* A message ID (wamid.<base64>) or a media ID: printable ASCII, no blank. */
static int msgid_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > WA_ID_MAX)
		return 0;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || !isascii((unsigned char)*s))
			return 0;
	return 1;
}

/* A type or status name: [a-z_]{1,32}. */
static int word_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* Meta's timestamps are decimal seconds in a string. */
static int stamp(const char *s, long long *out)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 12 || strspn(s, "0123456789") != n)
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

static int bad(const char *what)
{
	return aie_fail(EX_DATA, "webhook payload: %s", what);
}

/* Grow an array of n elements of size sz by one. */
static void *grow(void *p, size_t n, size_t sz)
{
	if (n >= WA_HOOK_MAX)
		return NULL;
	return realloc(p, (n + 1) * sz);
}

/* The profile name of wa_id from value.contacts, or NULL. */
static const char *profile_name(json_t *contacts, const char *wa_id)
{
	size_t i;
	json_t *c;

	json_array_foreach(contacts, i, c) {
		const char *id = NULL, *name = NULL;
		if (json_unpack(c, "{s?s, s?{s?s}}", "wa_id", &id, "profile",
		    "name", &name) == 0 && id && !strcmp(id, wa_id))
			return name;
	}
	return NULL;
}

/* The media object of an image, audio, video, document or sticker. */
static int media(json_t *m, const char *type, struct wa_msg *o)
{
	json_t *obj = json_object_get(m, type);

	if (!json_is_object(obj))
		return bad("media message without its object");
	if (json_unpack(obj, "{s:s, s?s, s?s, s?s}", "id", &o->media_id,
	    "mime_type", &o->mime_type, "caption", &o->text, "filename",
	    &o->filename) < 0 || !msgid_ok(o->media_id))
		return bad("media message with a bad id");
	return 0;
}

/* The text and the type-specific parts of one message. */
static int message_body(json_t *m, struct wa_msg *o)
{
	const char *t = o->type;

	if (!strcmp(t, "text")) {
		if (json_unpack(m, "{s:{s:s}}", "text", "body", &o->text) < 0)
			return bad("text message without text.body");
	} else if (!strcmp(t, "image") || !strcmp(t, "audio") ||
	    !strcmp(t, "video") || !strcmp(t, "document") ||
	    !strcmp(t, "sticker")) {
		return media(m, t, o);
	} else if (!strcmp(t, "location")) {
		json_t *lat, *lon;
		if (json_unpack(m, "{s:{s:o, s:o, s?s, s?s}}", "location",
		    "latitude", &lat, "longitude", &lon, "name", &o->loc_name,
		    "address", &o->loc_address) < 0 || !json_is_number(lat) ||
		    !json_is_number(lon))
			return bad("location without latitude and longitude");
		o->lat = json_number_value(lat);
		o->lon = json_number_value(lon);
		if (o->lat < -90 || o->lat > 90 || o->lon < -180 || o->lon > 180)
			return bad("location out of range");
		o->has_location = 1;
	} else if (!strcmp(t, "interactive")) {
		const char *kind = NULL;
		json_t *in = json_object_get(m, "interactive"), *r;
		if (json_unpack(in, "{s:s}", "type", &kind) < 0 ||
		    !(r = json_object_get(in, kind)) ||
		    json_unpack(r, "{s:s, s:s}", "id", &o->reply_id, "title",
		    &o->text) < 0)
			return bad("interactive message without its reply");
	} else if (!strcmp(t, "button")) {
		if (json_unpack(m, "{s:{s?s, s:s}}", "button", "payload",
		    &o->reply_id, "text", &o->text) < 0)
			return bad("button message without button.text");
	} else if (!strcmp(t, "reaction")) {
		/* an emoji, or none when a reaction is taken back */
		if (json_unpack(m, "{s:{s:s, s?s}}", "reaction", "message_id",
		    &o->context_id, "emoji", &o->text) < 0 ||
		    !msgid_ok(o->context_id))
			return bad("reaction without message_id");
	} else {
		o->unsupported = 1;
	}
	return 0;
}

static int message(json_t *m, json_t *contacts, const char *phone_id,
    struct wa_hook *h)
{
	struct wa_msg *arr, *o;
	const char *ts = NULL;
	json_t *ctx;

	if (!(arr = grow(h->msgs, h->nmsgs, sizeof *arr)))
		return bad("too many messages");
	h->msgs = arr;
	o = memset(&arr[h->nmsgs], 0, sizeof *o);
	if (json_unpack(m, "{s:s, s:s, s:s, s:s}", "from", &o->from, "id",
	    &o->id, "type", &o->type, "timestamp", &ts) < 0)
		return bad("message without from, id, type or timestamp");
	if (!waid_ok(o->from) || !msgid_ok(o->id) || !word_ok(o->type) ||
	    stamp(ts, &o->timestamp) < 0)
		return bad("message with a bad from, id, type or timestamp");
	o->name = profile_name(contacts, o->from);
	o->phone_id = phone_id;
	if ((ctx = json_object_get(m, "context"))) {
		if (json_unpack(ctx, "{s?s}", "id", &o->context_id) < 0 ||
		    (o->context_id && !msgid_ok(o->context_id)))
			return bad("message with a bad context");
	}
	if (message_body(m, o) < 0)
		return -1;
	h->nmsgs++;
	return 0;
}

static int status(json_t *s, struct wa_hook *h)
{
	struct wa_status *arr, *o;
	const char *ts = NULL;
	json_t *errs = NULL;

	if (!(arr = grow(h->sts, h->nsts, sizeof *arr)))
		return bad("too many statuses");
	h->sts = arr;
	o = memset(&arr[h->nsts], 0, sizeof *o);
	if (json_unpack(s, "{s:s, s:s, s:s, s?s, s?o}", "id", &o->id, "status",
	    &o->status, "timestamp", &ts, "recipient_id", &o->recipient,
	    "errors", &errs) < 0)
		return bad("status without id, status or timestamp");
	if (!msgid_ok(o->id) || !word_ok(o->status) || stamp(ts, &o->timestamp)
	    < 0 || (o->recipient && !waid_ok(o->recipient)))
		return bad("status with a bad id, status or timestamp");
	if (json_is_array(errs) && json_array_size(errs) > 0) {
		json_int_t code = 0;
		const char *details = NULL;
		if (json_unpack(json_array_get(errs, 0), "{s:I, s?s, s?s, "
		    "s?{s?s}}", "code", &code, "title", &o->error_title,
		    "message", &o->error_message, "error_data", "details",
		    &details) < 0)
			return bad("status with a bad error");
		o->error_code = (long)code;
		if (details)
			o->error_message = details;
	}
	h->nsts++;
	return 0;
}

/* One change: {"field":"messages","value":{...}}; other fields are not
 * ours (account updates, templates) and are skipped. */
static int change(json_t *c, struct wa_hook *h)
{
	const char *field = NULL, *phone_id = NULL;
	json_t *value = NULL, *msgs = NULL, *sts = NULL, *contacts = NULL, *x;
	size_t i;

	if (json_unpack(c, "{s:s, s:o}", "field", &field, "value", &value) < 0)
		return bad("change without field and value");
	if (strcmp(field, "messages"))
		return 0;
	if (json_unpack(value, "{s?{s?s}, s?o, s?o, s?o}", "metadata",
	    "phone_number_id", &phone_id, "messages", &msgs, "statuses", &sts,
	    "contacts", &contacts) < 0 ||
	    (msgs && !json_is_array(msgs)) || (sts && !json_is_array(sts)) ||
	    (contacts && !json_is_array(contacts)))
		return bad("change with a bad value");
	json_array_foreach(msgs, i, x)
		if (message(x, contacts, phone_id, h) < 0)
			return -1;
	json_array_foreach(sts, i, x)
		if (status(x, h) < 0)
			return -1;
	return 0;
}

int wa_hook_parse(const char *body, size_t len, struct wa_hook *h)
{
	json_error_t e;
	const char *object = NULL;
	json_t *entries = NULL, *en, *changes, *c;
	size_t i, j;

	memset(h, 0, sizeof *h);
	if (!(h->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e)))
		return bad(e.text);
	if (json_unpack(h->root, "{s:s, s:o}", "object", &object, "entry",
	    &entries) < 0 || !json_is_array(entries))
		return bad("no object and entry");
	if (strcmp(object, "whatsapp_business_account"))
		return bad("not a whatsapp_business_account");
	json_array_foreach(entries, i, en) {
		if (!(changes = json_object_get(en, "changes")) ||
		    !json_is_array(changes))
			return bad("entry without changes");
		json_array_foreach(changes, j, c)
			if (change(c, h) < 0)
				return -1;
	}
	return 0;
}

void wa_hook_free(struct wa_hook *h)
{
	free(h->msgs);
	free(h->sts);
	json_decref(h->root);
	memset(h, 0, sizeof *h);
}
