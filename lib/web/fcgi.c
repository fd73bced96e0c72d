/*
 * fcgi.c - FastCGI 1.0 records (the responder role), as nginx's
 * fastcgi_pass speaks them: the request's BEGIN_REQUEST, PARAMS and STDIN
 * records taken apart here, the answer's STDOUT and END_REQUEST put
 * together. Outside input: written to be fuzzed (t/fuzz/fcgi.c). The
 * server around it is fcgiserve.c.
 */
#include <string.h>

#include "base/base.h"
#include "web/web.h"

void fcgi_record(struct buf *out, int type, unsigned id, const void *p,
    size_t len)
{
	const char *s = p;

	do {
		size_t n = len > 65535 ? 65535 : len;
		char h[8] = { FCGI_VERSION_1, (char)type, (char)(id >> 8),
		    (char)(id & 0xff), (char)(n >> 8), (char)(n & 0xff), 0, 0 };

		buf_add(out, h, sizeof h);
		if (n) {
			buf_add(out, s, n);
			s += n;
		}
		len -= n;
	} while (len);
}

void fcgi_end(struct buf *out, unsigned id, int app_status)
{
	unsigned u = (unsigned)app_status;
	char body[8] = { (char)(u >> 24), (char)(u >> 16), (char)(u >> 8),
	    (char)u, FCGI_REQUEST_COMPLETE, 0, 0, 0 };

	fcgi_record(out, FCGI_END_REQUEST, id, body, sizeof body);
}

int fcgi_param_next(const unsigned char **p, const unsigned char *end,
    struct fcgi_param *nv)
{
	const unsigned char *q = *p;
	size_t len[2];
	int i;

	if (q == end)
		return 0;
	for (i = 0; i < 2; i++) {
		if (q == end)
			return aie_fail(EX_DATA, "a name-value pair cut short");
		if (!(*q & 0x80)) {
			len[i] = *q++;
			continue;
		}
		if (end - q < 4)
			return aie_fail(EX_DATA, "a name-value pair cut short");
		len[i] = ((size_t)(q[0] & 0x7f) << 24) | ((size_t)q[1] << 16) |
		    ((size_t)q[2] << 8) | q[3];
		q += 4;
	}
	if (len[0] > (size_t)(end - q) || len[1] > (size_t)(end - q) - len[0])
		return aie_fail(EX_DATA, "a name-value pair longer than its "
		    "records");
	nv->name = (const char *)q;
	nv->nlen = len[0];
	nv->value = (const char *)q + len[0];
	nv->vlen = len[1];
	*p = q + len[0] + len[1];
	return 1;
}

/* A management record (request id 0): FCGI_GET_VALUES answered (one
 * request at a time, no multiplexing), any other type FCGI_UNKNOWN_TYPE. */
static int management(int type, const unsigned char *body, size_t len,
    struct buf *out)
{
	static const char *const known[] = { "FCGI_MAX_CONNS",
	    "FCGI_MAX_REQS", "FCGI_MPXS_CONNS", NULL };
	static const char *const values[] = { "1", "1", "0" };
	const unsigned char *p = body;
	struct fcgi_param nv = { 0 };
	struct buf res = { 0 };
	unsigned told = 0;       /* each name answered once: one record */
	int r, i;

	if (type != FCGI_GET_VALUES) {
		char u[8] = { (char)type, 0, 0, 0, 0, 0, 0, 0 };

		fcgi_record(out, FCGI_UNKNOWN_TYPE, 0, u, sizeof u);
		return 0;
	}
	while ((r = fcgi_param_next(&p, body + len, &nv)) == 1)
		for (i = 0; known[i]; i++)
			if (!(told & 1u << i) && nv.nlen == strlen(known[i]) &&
			    !memcmp(nv.name, known[i], nv.nlen)) {
				told |= 1u << i;
				buf_addc(&res, (int)nv.nlen);
				buf_addc(&res, 1);
				buf_add(&res, known[i], nv.nlen);
				buf_adds(&res, values[i]);
			}
	if (r == 0)
		fcgi_record(out, FCGI_GET_VALUES_RESULT, 0, res.p, res.len);
	buf_free(&res);
	return r;
}

ssize_t fcgi_take(struct fcgi_req *r, const unsigned char *p, size_t len,
    struct buf *out)
{
	size_t used = 0;

	while (!r->done && len - used >= 8) {
		const unsigned char *h = p + used, *body = h + 8;
		unsigned id = (unsigned)h[2] << 8 | h[3];
		size_t n = (size_t)h[4] << 8 | h[5], rec = 8 + n + h[6];
		int type = h[1];

		if (h[0] != FCGI_VERSION_1)
			return aie_fail(EX_DATA, "FastCGI version %d, not 1",
			    h[0]);
		if (len - used < rec)
			break;
		used += rec;
		if (id == 0) {
			if (management(type, body, n, out) < 0)
				return -1;
			continue;
		}
		if (type == FCGI_BEGIN_REQUEST) {
			if (r->id)
				return aie_fail(EX_DATA, "a second request on "
				    "the connection while %u runs (no "
				    "multiplexing)", r->id);
			if (n < 8)
				return aie_fail(EX_DATA, "a BEGIN_REQUEST "
				    "record of %zu bytes", n);
			if (((unsigned)body[0] << 8 | body[1]) !=
			    FCGI_RESPONDER)
				return aie_fail(EX_DATA, "FastCGI role %u, not "
				    "the responder",
				    (unsigned)body[0] << 8 | body[1]);
			r->id = id;
			r->keep_conn = body[2] & FCGI_KEEP_CONN;
			continue;
		}
		if (!r->id || id != r->id)
			return aie_fail(EX_DATA, "a record of type %d for "
			    "request %u, which did not begin", type, id);
		switch (type) {
		case FCGI_ABORT_REQUEST:
			return aie_fail(EX_DATA, "request %u aborted", id);
		case FCGI_PARAMS:
			if (r->params_done)
				return aie_fail(EX_DATA, "PARAMS after their "
				    "end");
			if (!n) {
				r->params_done = 1;
				break;
			}
			if (r->params.len + n > FCGI_PARAMS_MAX)
				return aie_fail(EX_DATA, "parameters over %d "
				    "bytes", FCGI_PARAMS_MAX);
			buf_add(&r->params, (const char *)body, n);
			break;
		case FCGI_STDIN:
			if (r->stdin_done)
				return aie_fail(EX_DATA, "STDIN after its end");
			if (!n) {
				r->stdin_done = 1;
				break;
			}
			/* past the cap the bytes are dropped: the program
			 * sees fewer than CONTENT_LENGTH and refuses */
			if (r->in.len < r->in_max) {
				size_t k = r->in_max - r->in.len;

				buf_add(&r->in, (const char *)body,
				    n < k ? n : k);
			}
			break;
		case FCGI_DATA:
			break;
		default:
			return aie_fail(EX_DATA, "a record of type %d in a "
			    "request", type);
		}
		if (r->params.oom || r->in.oom)
			return aie_fail(EX_TEMP, "out of memory");
		r->done = r->params_done && r->stdin_done;
	}
	return (ssize_t)used;
}

void fcgi_req_free(struct fcgi_req *r)
{
	buf_free(&r->params);
	buf_free(&r->in);
	memset(r, 0, sizeof *r);
}
