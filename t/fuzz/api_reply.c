/*
 * api_reply.c - libFuzzer harness for what the API clients take from the
 * network: Odoo's JSON-RPC and JSON-2 replies (odoo.c) and the WhatsApp
 * Cloud API and Twilio replies (wa.c), through the same code that handles
 * the real ones, retries and template fallback included.
 *
 * The harness is the transport: it defines http_do and http_resp_free, so
 * lib/http/http.c (libcurl) is never linked and every request is answered from
 * the input. The input is a client number (first byte) and then replies
 * separated by "\n----\n"; a reply that starts with three digits and a
 * space has that HTTP status (else 200). When the replies run out, the
 * next request fails as a refused connection would. A first byte with
 * the high bit set picks a reply to a customer (reply.c; bit 0: a
 * template), which must make one request at most.
 */
#include "fuzz.h"

#include "vault/vault.h"
#include "http/http.h"
#include "odoo/odoo.h"
#include "wa/wa.h"

static const char *next;        /* the rest of the input */
static int calls;               /* requests made, for wa_reply */
static const char *end;

int http_do(const struct http_req *rq, struct http_resp *rs)
{
	static const char sep[] = "\n----\n";
	const char *p, *stop;
	size_t n;

	memset(rs, 0, sizeof *rs);
	rs->retry_after = -1;
	calls++;
	if (!rq->url || !next)
		return aie_fail(EX_DOWN, "connection refused"), -1;
	stop = memmem(next, (size_t)(end - next), sep, sizeof sep - 1);
	p = next;
	next = stop ? stop + sizeof sep - 1 : NULL;
	if (!stop)
		stop = end;
	rs->status = 200;
	if (stop - p >= 4 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' &&
	    p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] == ' ') {
		rs->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 4;
	}
	n = (size_t)(stop - p);
	if (rq->max_response && n > rq->max_response)
		return aie_fail(EX_DOWN, "reply too large"), -1;
	if (!(rs->body = malloc(n + 1)))
		return aie_fail(EX_TEMP, "out of memory"), -1;
	memcpy(rs->body, p, n);
	rs->body[n] = '\0';
	rs->len = n;
	return 0;
}

void http_resp_free(struct http_resp *rs)
{
	free(rs->body);
	free(rs->etag);
	rs->body = rs->etag = NULL;
	rs->len = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("AIE_HTTP_BACKOFF", "0", 1);     /* retries without sleeping */
	return 0;
}

static void odoo(int json2)
{
	struct odoo_cfg c = { .url = "http://odoo.invalid/", .db = "db",
	    .user = "admin", .secret = "key", .json2 = json2, .timeout = 1 };
	struct odoo_status s;
	int r = odoo_ping(&c, &s);

	if (r != 0 && r != EX_NEG && r != EX_DOWN && r != EX_CONFIG &&
	    r != EX_TEMP)
		fz_fail("odoo_ping returned %d", r);
	if (r == 0 && (s.uid <= 0 || s.failed_step != -1))
		fz_fail("odoo_ping: success with uid %ld, failed step %d", s.uid,
		    s.failed_step);
	if (memchr(s.version, '\0', sizeof s.version) == NULL ||
	    memchr(s.name, '\0', sizeof s.name) == NULL)
		fz_fail("odoo_ping: an unterminated version or name");
}

static void whatsapp(enum wa_provider p, int force_template)
{
	struct wa_cfg c = { .provider = p, .to = "+15550001111",
	    .graph_url = "http://graph.invalid", .api_version = "v21.0",
	    .phone_id = "123", .token = "tok", .template_name = "alert",
	    .template_lang = "en_US", .twilio_url = "http://twilio.invalid",
	    .sid = "AC1", .twilio_token = "tt", .from = "whatsapp:+1555",
	    .content_sid = "HX1", .timeout = 1, .attempts = 3 };
	struct wa_sent out;

	memset(&out, 0, sizeof out);
	if (wa_send(&c, "an item waits", "an item waits", force_template,
	    &out) == 0 && (!out.id[0] || !memchr(out.id, '\0', sizeof out.id)))
		fz_fail("wa_send: success without a message id");
}

/* A reply to a customer (reply.c): sent once, never retried; a success
 * with its wamid or none, a failure with one of its documented codes, and
 * maybe_sent only on a failure. */
static void wa_reply(int template)
{
	struct wa_cfg c = { .provider = WA_CLOUD, .graph_url =
	    "http://graph.invalid", .api_version = "v21.0", .phone_id = "123",
	    .token = "tok", .timeout = 1, .attempts = 1 };
	struct wa_reply r = { .to = "15551234567", .reply_to = "wamid.X",
	    .text = "Alice\norder 1234", .template_name = template ? "upd" : NULL };
	struct wa_sent out;
	int maybe = 0, rc;

	calls = 0;
	rc = wa_reply_send(&c, &r, &out, &maybe);
	if (calls > 1)
		fz_fail("wa_reply_send: %d requests; a reply is sent once", calls);
	if (rc == 0 && (maybe || !memchr(out.id, '\0', sizeof out.id)))
		fz_fail("wa_reply_send: a success marked maybe sent");
	if (rc < 0 && aie_errcode != EX_DATA && aie_errcode != EX_TEMP &&
	    aie_errcode != EX_CONFIG && aie_errcode != EX_DOWN)
		fz_fail("wa_reply_send: exit code %d", aie_errcode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	next = (const char *)data + 1;
	end = (const char *)data + size;
	if (data[0] & 0x80) {       /* replies to customers (seeds 0x80, 0x81) */
		wa_reply(data[0] & 1);
		return 0;
	}
	switch (data[0] % 5) {
	case 0: odoo(0); break;
	case 1: odoo(1); break;
	case 2: whatsapp(WA_CLOUD, 0); break;
	case 3: whatsapp(WA_TWILIO, 0); break;
	default: whatsapp(data[0] & 8 ? WA_TWILIO : WA_CLOUD, 1); break;
	}
	return 0;
}
