/*
 * wa_hook.c - fuzz the WhatsApp webhook's parser and signature check
 * (lib/wa/hook.c), what wa-webhook.cgi takes from the network.
 *
 * The input is a webhook body. Properties:
 *  - wa_hook_parse accepts or refuses it (65), never anything else; on
 *    acceptance every message has a wa_id of digits, an ID of printable
 *    ASCII, a type of [a-z_], a media id only with a media type, a
 *    location in range, and every status an ID and a status name;
 *  - the signature of the input under a key verifies, and the same with
 *    one hex digit changed, with the key changed or with no header does not.
 */
#include <ctype.h>

#include <sodium.h>

#include "fuzz.h"
#include "vault/vault.h"
#include "wa/wa.h"

static void check_id(const char *what, const char *s)
{
	if (!s || !*s || strlen(s) > WA_ID_MAX)
		fz_fail("%s: missing or too long", what);
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			fz_fail("%s: holds byte 0x%02x", what, (unsigned char)*s);
}

static void check_sig(const uint8_t *data, size_t size)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hdr[7 + 2 * sizeof mac + 1];
	static const char key[] = "fuzz-app-secret";
	size_t pos;

	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key,
	    sizeof key - 1);
	crypto_auth_hmacsha256_update(&st, data, size);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(hdr, "sha256=", 7);
	sodium_bin2hex(hdr + 7, sizeof hdr - 7, mac, sizeof mac);
	if (!wa_hook_sig_ok(key, (const char *)data, size, hdr))
		fz_fail("the right signature does not verify");
	if (wa_hook_sig_ok("fuzz-app-secreT", (const char *)data, size, hdr))
		fz_fail("a signature verifies under another key");
	if (wa_hook_sig_ok(key, (const char *)data, size, NULL) ||
	    wa_hook_sig_ok(key, (const char *)data, size, ""))
		fz_fail("no signature verifies");
	pos = 7 + size % (2 * sizeof mac);
	hdr[pos] = hdr[pos] == '0' ? '1' : '0';
	if (wa_hook_sig_ok(key, (const char *)data, size, hdr))
		fz_fail("a changed signature verifies: %s", hdr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_hook h;
	size_t i;

	if (sodium_init() < 0)
		fz_fail("sodium_init");
	check_sig(data, size);
	if (wa_hook_parse((const char *)data, size, &h) < 0) {
		if (aie_errcode != EX_DATA)
			fz_fail("refused with %d: %s", aie_errcode, aie_errmsg);
		wa_hook_free(&h);
		return 0;
	}
	for (i = 0; i < h.nmsgs; i++) {
		const struct wa_msg *m = &h.msgs[i];
		if (!m->from || strspn(m->from, "0123456789") != strlen(m->from))
			fz_fail("message %zu: bad from", i);
		check_id("message id", m->id);
		if (!m->type || strspn(m->type, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(m->type))
			fz_fail("message %zu: bad type", i);
		if (m->media_id)
			check_id("media id", m->media_id);
		if (m->context_id)
			check_id("context id", m->context_id);
		if (m->has_location && (m->lat < -90 || m->lat > 90 ||
		    m->lon < -180 || m->lon > 180))
			fz_fail("message %zu: location out of range", i);
	}
	for (i = 0; i < h.nsts; i++) {
		check_id("status id", h.sts[i].id);
		if (!h.sts[i].status || !*h.sts[i].status)
			fz_fail("status %zu: no status", i);
	}
	if (h.nmsgs > WA_HOOK_MAX || h.nsts > WA_HOOK_MAX)
		fz_fail("more than WA_HOOK_MAX");
	wa_hook_free(&h);
	return 0;
}
