/*
 * fcgi.c - fuzz the FastCGI record parser (lib/web/fcgi.c), what
 * fcgiserve.c takes from the web server on its socket.
 *
 * The input is what the web server sends on one connection. Properties:
 *  - fed to fcgi_take as the server does, request after request while the
 *    connection is kept, all in one piece and in pieces of sizes drawn
 *    from the input (one byte at a time for a short input), the unused
 *    bytes carried over: each call answers -1 (EX_DATA) or the bytes used,
 *    at most those given and a whole number of records, leaving no whole
 *    record unused unless the request is done; in one piece and in pieces
 *    the requests (id, flags, parameters, STDIN), the error or not, the
 *    bytes used and the answers are the same;
 *  - the records used are what an independent reading of them says: one
 *    BEGIN_REQUEST of the responder role, then PARAMS, STDIN and DATA of
 *    that request and management records (request id 0), all version 1;
 *    the parameters are the PARAMS bodies end to end (at most
 *    FCGI_PARAMS_MAX), STDIN the STDIN bodies cut at in_max (64, and
 *    plenty); done exactly once an empty PARAMS and an empty STDIN came,
 *    with a nonzero id;
 *  - out holds only whole records of version 1 and request id 0: one
 *    GET_VALUES_RESULT naming the known variables asked for, each once,
 *    in order, for each GET_VALUES, one UNKNOWN_TYPE naming its type for
 *    any other management record;
 *  - fcgi_param_next walks the parameters (and the input itself) pair by
 *    pair inside the buffer, where an independent reading of the 1- and
 *    4-byte lengths puts each pair, and ends with 0 or -1;
 *  - a request built from the input with fcgi_record (a BEGIN_REQUEST;
 *    name-value pairs cut from the input, in 1- and 4-byte length forms,
 *    in PARAMS records of a size the input picks; maybe padding, a
 *    GET_VALUES, an unknown management record, a DATA record, a STDIN of
 *    more than 65535 bytes; the empty PARAMS and STDIN that end them; then
 *    the start of another request) is taken back, in one piece and in
 *    pieces, to exactly those parameters and that STDIN, done, with the
 *    answers due and no byte past its end used.
 */
#include "fuzz.h"
#include "base/base.h"
#include "web/web.h"

enum {
	BEGIN_REQUEST = 1,
	PARAMS = 4,
	STDIN = 5,
	DATA = 8,
	GET_VALUES = 9,
	GET_VALUES_RESULT = 10,
	UNKNOWN_TYPE = 11,
};

#define IN_SMALL 64
#define IN_BIG ((size_t)1 << 20)
#define MAX_REQS 64

static const char *const known[][2] = {
	{ "FCGI_MAX_CONNS", "1" },
	{ "FCGI_MAX_REQS", "1" },
	{ "FCGI_MPXS_CONNS", "0" },
};

/* b's bytes from off, never NULL (no offset is applied to a NULL). */
static const unsigned char *at(const struct buf *b, size_t off)
{
	return b->p ? (const unsigned char *)b->p + off :
	    (const unsigned char *)"";
}

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
}

/* The record whose header is at h: its content length, its whole length
 * (header, content, padding) and its request id. */
static size_t rec_n(const unsigned char *h)
{
	return (size_t)h[4] << 8 | h[5];
}

static size_t rec_len(const unsigned char *h)
{
	return 8 + rec_n(h) + h[6];
}

static unsigned rec_id(const unsigned char *h)
{
	return (unsigned)h[2] << 8 | h[3];
}

/* p[0..n) is a whole number of records. */
static void check_whole(const unsigned char *p, size_t n, const char *how)
{
	size_t off = 0;

	while (off < n) {
		if (n - off < 8 || n - off < rec_len(p + off))
			fz_fail("%s: %zu bytes used, a record at %zu cut",
			    how, n, off);
		off += rec_len(p + off);
	}
}

/* What fcgi_take left, p[0..n), holds no whole record it should have
 * taken: unless the request is done, at most a cut record of version 1
 * (another version is refused as soon as its header is in). */
static void check_rest(const unsigned char *p, size_t n, int done)
{
	if (done || n < 8)
		return;
	if (p[0] != 1)
		fz_fail("a record of version %d not refused", p[0]);
	if (rec_len(p) <= n)
		fz_fail("a whole record of %zu bytes (type %d) left unused",
		    rec_len(p), p[1]);
}

/* A length of a name-value pair at *off of p[0..n), read apart from
 * fcgi.c: 0, or -1 when cut short. */
static int dec_len(const unsigned char *p, size_t n, size_t *off,
    size_t *len)
{
	const unsigned char *q = p + *off;

	if (*off >= n)
		return -1;
	if (!(q[0] & 0x80)) {
		*len = q[0];
		*off += 1;
		return 0;
	}
	if (n - *off < 4)
		return -1;
	*len = (size_t)(q[0] & 0x7f) << 24 | (size_t)q[1] << 16 |
	    (size_t)q[2] << 8 | q[3];
	*off += 4;
	return 0;
}

/* The pair at *off of p[0..n): 1 (its name at *name, *off past it), 0 at
 * the end, -1 when it runs past the end. */
static int dec_pair(const unsigned char *p, size_t n, size_t *off,
    size_t *name, size_t *nlen, size_t *vlen)
{
	if (*off == n)
		return 0;
	if (dec_len(p, n, off, nlen) < 0 || dec_len(p, n, off, vlen) < 0)
		return -1;
	if (*nlen > n - *off || *vlen > n - *off - *nlen)
		return -1;
	*name = *off;
	*off += *nlen + *vlen;
	return 1;
}

/* Walk p[0..n) with fcgi_param_next beside dec_pair: the same answers,
 * each pair inside, the walk moving on and ending. */
static void check_pairs(const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n, *was;
	struct fcgi_param nv;
	size_t off = 0, name = 0, nlen = 0, vlen = 0, k;
	int a, b;

	for (k = 0;; k++) {
		if (k > n / 2)
			fz_fail("%zu pairs in %zu bytes", k, n);
		was = q;
		a = fcgi_param_next(&q, end, &nv);
		b = dec_pair(p, n, &off, &name, &nlen, &vlen);
		if (a != b)
			fz_fail("pair %zu at %zu of %zu: fcgi_param_next "
			    "answered %d, not %d", k, (size_t)(was - p), n, a,
			    b);
		if (a < 0) {
			if (aie_errcode != EX_DATA)
				fz_fail("a cut pair refused with %d: %s",
				    aie_errcode, aie_errmsg);
			if (q != was)
				fz_fail("moved past a cut pair");
			return;
		}
		if (a == 0) {
			if (q != end)
				fz_fail("the pairs ended at %zu of %zu",
				    (size_t)(q - p), n);
			return;
		}
		if ((const unsigned char *)nv.name != p + name ||
		    nv.nlen != nlen || nv.value != nv.name + nv.nlen ||
		    nv.vlen != vlen)
			fz_fail("pair %zu at %zu: not where its lengths put it",
			    k, (size_t)(was - p));
		if (q <= was || q != p + off ||
		    (const unsigned char *)nv.value + nv.vlen > end)
			fz_fail("pair %zu at %zu: outside the buffer", k,
			    (size_t)(was - p));
	}
}

/* out[0..n) (what one fcgi_take added): whole management answers. */
static void check_out(const unsigned char *out, size_t n)
{
	size_t off = 0, i, poff, name, nlen, vlen;

	while (off < n) {
		const unsigned char *h = out + off, *body = h + 8;
		size_t len = rec_n(h);
		int k;

		if (n - off < 8 || n - off < rec_len(h))
			fz_fail("an answer cut at %zu of %zu", off, n);
		if (h[0] != 1 || rec_id(h) != 0 || h[6] || h[7])
			fz_fail("an answer of version %d, request %u, "
			    "padding %d, reserved %d", h[0], rec_id(h), h[6],
			    h[7]);
		off += rec_len(h);
		if (h[1] == UNKNOWN_TYPE) {
			if (len != 8 || body[0] == GET_VALUES ||
			    memcmp(body + 1, "\0\0\0\0\0\0\0", 7))
				fz_fail("an UNKNOWN_TYPE of %zu bytes for "
				    "type %d", len, body[0]);
			continue;
		}
		if (h[1] != GET_VALUES_RESULT)
			fz_fail("an answer of type %d", h[1]);
		poff = 0;
		while ((k = dec_pair(body, len, &poff, &name, &nlen,
		    &vlen)) == 1) {
			for (i = 0; i < 3; i++)
				if (nlen == strlen(known[i][0]) &&
				    !memcmp(body + name, known[i][0], nlen))
					break;
			if (i == 3 || vlen != 1 ||
			    body[name + nlen] != known[i][1][0])
				fz_fail("a GET_VALUES_RESULT of %.*s=%.*s",
				    (int)nlen, body + name, (int)vlen,
				    body + name + nlen);
		}
		if (k < 0)
			fz_fail("a GET_VALUES_RESULT of cut pairs");
	}
}

/* The answer due to a management record of type with body[0..n). */
static void answer(struct buf *ans, int type, const unsigned char *body,
    size_t n)
{
	struct buf res = { 0 };
	size_t off = 0, name, nlen, vlen, i;
	unsigned told = 0;
	int k;

	if (type != GET_VALUES) {
		char u[16] = { 1, UNKNOWN_TYPE, 0, 0, 0, 8, 0, 0, (char)type };

		buf_add(ans, u, sizeof u);
		return;
	}
	while ((k = dec_pair(body, n, &off, &name, &nlen, &vlen)) == 1)
		for (i = 0; i < 3; i++)
			if (!(told & 1u << i) && nlen == strlen(known[i][0]) &&
			    !memcmp(body + name, known[i][0], nlen)) {
				told |= 1u << i;
				buf_addc(&res, (int)nlen);
				buf_addc(&res, 1);
				buf_adds(&res, known[i][0]);
				buf_adds(&res, known[i][1]);
			}
	if (k < 0)
		fz_fail("a GET_VALUES of cut pairs taken");
	if (res.len > 65535)
		fz_fail("a GET_VALUES_RESULT of %zu bytes, more than a record "
		    "holds", res.len);
	{
		char h[8] = { 1, GET_VALUES_RESULT, 0, 0, (char)(res.len >> 8),
		    (char)(res.len & 0xff), 0, 0 };

		buf_add(ans, h, sizeof h);
	}
	if (res.len)
		buf_add(ans, res.p, res.len);
	buf_free(&res);
}

/* fcgi_take used u bytes of d[0..avail) for r and answered with
 * out[0..on): read those records apart from fcgi.c and compare. */
static void check_model(const unsigned char *d, size_t avail, size_t u,
    const struct fcgi_req *r, const unsigned char *out, size_t on)
{
	struct buf params = { 0 }, in = { 0 }, ans = { 0 };
	unsigned id = 0;
	int keep = 0, pdone = 0, sdone = 0, done = 0;
	size_t off = 0;

	while (off < u) {
		const unsigned char *h = d + off, *body = h + 8;
		size_t n = rec_n(h);
		unsigned rid = rec_id(h);
		int type = h[1];

		if (done)
			fz_fail("a record used after its request was done");
		if (h[0] != 1)
			fz_fail("a record of version %d used", h[0]);
		off += rec_len(h);
		if (rid == 0) {
			answer(&ans, type, body, n);
			continue;
		}
		if (type == BEGIN_REQUEST) {
			if (id)
				fz_fail("a second BEGIN_REQUEST (%u) taken in "
				    "request %u", rid, id);
			if (n < 8 || ((unsigned)body[0] << 8 | body[1]) != 1)
				fz_fail("a BEGIN_REQUEST of %zu bytes, role %u "
				    "taken", n, n < 2 ? 0 :
				    (unsigned)body[0] << 8 | body[1]);
			id = rid;
			keep = body[2] & 1;
			continue;
		}
		if (rid != id)
			fz_fail("a record for request %u taken in request %u",
			    rid, id);
		switch (type) {
		case PARAMS:
			if (pdone)
				fz_fail("PARAMS taken after their end");
			if (!n)
				pdone = 1;
			else if (params.len + n > FCGI_PARAMS_MAX)
				fz_fail("parameters over FCGI_PARAMS_MAX "
				    "taken");
			else
				buf_add(&params, (const char *)body, n);
			break;
		case STDIN:
			if (sdone)
				fz_fail("STDIN taken after its end");
			if (!n)
				sdone = 1;
			else if (in.len < r->in_max)
				buf_add(&in, (const char *)body,
				    n < r->in_max - in.len ? n :
				    r->in_max - in.len);
			break;
		case DATA:
			break;
		default:
			fz_fail("a record of type %d taken in a request", type);
		}
		done = pdone && sdone;
	}
	if (r->id != id || r->keep_conn != keep || !r->params_done != !pdone ||
	    !r->stdin_done != !sdone || !r->done != !done)
		fz_fail("request %u keep %d params %d stdin %d done %d, the "
		    "records say %u %d %d %d %d", r->id, r->keep_conn,
		    r->params_done, r->stdin_done, r->done, id, keep, pdone,
		    sdone, done);
	if (!same(&r->params, &params))
		fz_fail("%zu bytes of parameters, the records hold %zu",
		    r->params.len, params.len);
	if (!same(&r->in, &in))
		fz_fail("%zu bytes of STDIN, the records hold %zu (in_max "
		    "%zu)", r->in.len, in.len, r->in_max);
	if (ans.len != on || (on && memcmp(ans.p, out, on)))
		fz_fail("%zu bytes of answers, %zu due", on, ans.len);
	check_rest(d + u, avail - u, done);
	buf_free(&params);
	buf_free(&in);
	buf_free(&ans);
}

/* What holds of any request fcgi_take is done with or left. */
static void check_req(const struct fcgi_req *r)
{
	if (r->done && (!r->params_done || !r->stdin_done || !r->id))
		fz_fail("done with params %d, stdin %d, id %u",
		    r->params_done, r->stdin_done, r->id);
	if (r->in.len > r->in_max)
		fz_fail("%zu bytes of STDIN kept, in_max %zu", r->in.len,
		    r->in_max);
	if (r->params.len > FCGI_PARAMS_MAX)
		fz_fail("%zu bytes of parameters", r->params.len);
	check_pairs(at(&r->params, 0), r->params.len);
}

static void log_req(struct buf *log, const struct fcgi_req *r)
{
	buf_addf(log, "request %u keep %d params %d/%zu stdin %d/%zu "
	    "done %d\n", r->id, r->keep_conn, r->params_done, r->params.len,
	    r->stdin_done, r->in.len, r->done);
	if (r->params.len)
		buf_add(log, r->params.p, r->params.len);
	if (r->in.len)
		buf_add(log, r->in.p, r->in.len);
}

/* One connection's input fed to fcgi_take, and what came of it. */
struct feed {
	size_t in_max;
	uint32_t seed;          /* in pieces: their sizes */
	size_t small;           /* in pieces: one byte each up to this size */
	int max_reqs;
	int err;                /* a call answered -1 */
	size_t used;            /* by the calls that did not */
	struct buf log;         /* the requests, log_req */
	struct buf out;         /* the answers */
};

static void feed_free(struct feed *f)
{
	buf_free(&f->log);
	buf_free(&f->out);
}

static void refused(void)
{
	if (aie_errcode != EX_DATA)
		fz_fail("refused with %d: %s", aie_errcode, aie_errmsg);
}

/* All of d[0..size) given at once, each request's records checked. */
static void feed_whole(struct feed *f, const uint8_t *d, size_t size)
{
	int reqs = 0;

	for (;;) {
		struct fcgi_req r = { 0 };
		size_t mark = f->out.len, avail = size - f->used;
		ssize_t u;

		r.in_max = f->in_max;
		u = fcgi_take(&r, d + f->used, avail, &f->out);
		if (u < 0) {
			refused();
			f->err = 1;
			fcgi_req_free(&r);
			return;
		}
		if ((size_t)u > avail)
			fz_fail("%zd bytes used of %zu", u, avail);
		check_whole(d + f->used, (size_t)u, "in one piece");
		check_out(at(&f->out, mark), f->out.len - mark);
		check_model(d + f->used, avail, (size_t)u, &r,
		    at(&f->out, mark), f->out.len - mark);
		check_req(&r);
		log_req(&f->log, &r);
		f->used += (size_t)u;
		if (!r.done || !r.keep_conn || ++reqs == f->max_reqs) {
			fcgi_req_free(&r);
			return;
		}
		fcgi_req_free(&r);
	}
}

/* The next piece's size: one byte for an input of at most small bytes,
 * else mostly small pieces, some larger (larger still for the round
 * trip's requests of over 64 KiB, to keep them quick). */
static size_t piece(size_t size, size_t small, uint32_t *x)
{
	if (size <= small)
		return 1;
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	if (size > 16384)
		return 1 + (*x >> 8) % (size / 16);
	return 1 + (*x >> 8) % (*x & 0x80 ? 1024 : 24);
}

/* d[0..size) given in pieces, as fcgiserve.c reads them: the bytes not
 * used kept, the next piece added behind them. */
static void feed_pieces(struct feed *f, const uint8_t *d, size_t size)
{
	unsigned char *pend = malloc(size + 1);
	struct fcgi_req r = { 0 };
	size_t pos = 0, have = 0;
	uint32_t x = f->seed | 1;
	int reqs = 0;

	if (!pend)
		fz_fail("out of memory");
	r.in_max = f->in_max;
	for (;;) {
		size_t mark = f->out.len;
		ssize_t u;

		if (pos < size) {
			size_t k = piece(size, f->small, &x);

			if (k > size - pos)
				k = size - pos;
			memcpy(pend + have, d + pos, k);
			have += k;
			pos += k;
		}
		u = fcgi_take(&r, pend, have, &f->out);
		if (u < 0) {
			refused();
			f->err = 1;
			break;
		}
		if ((size_t)u > have)
			fz_fail("%zd bytes used of %zu", u, have);
		check_whole(pend, (size_t)u, "in pieces");
		check_out(at(&f->out, mark), f->out.len - mark);
		check_rest(pend + u, have - (size_t)u, r.done);
		memmove(pend, pend + u, have - (size_t)u);
		have -= (size_t)u;
		f->used += (size_t)u;
		if (r.done) {
			check_req(&r);
			log_req(&f->log, &r);
			if (!r.keep_conn || ++reqs == f->max_reqs)
				break;
			fcgi_req_free(&r);
			r.in_max = f->in_max;
			continue;
		}
		if (pos == size) {
			check_req(&r);
			log_req(&f->log, &r);
			break;
		}
	}
	fcgi_req_free(&r);
	free(pend);
}

static void compare(const struct feed *a, const struct feed *b)
{
	if (a->err != b->err)
		fz_fail("in one piece %s, in pieces %s (in_max %zu)",
		    a->err ? "refused" : "taken", b->err ? "refused" : "taken",
		    a->in_max);
	if (!same(&a->log, &b->log))
		fz_fail("the requests differ in one piece and in pieces "
		    "(in_max %zu):\n%s\n--\n%s", a->in_max, at(&a->log, 0),
		    at(&b->log, 0));
	if (a->err)
		return;
	if (a->used != b->used)
		fz_fail("%zu bytes used in one piece, %zu in pieces", a->used,
		    b->used);
	if (!same(&a->out, &b->out))
		fz_fail("%zu bytes of answers in one piece, %zu in pieces",
		    a->out.len, b->out.len);
}

/* ---- the round trip ---- */

struct cur {
	const uint8_t *p;
	size_t n;
};

static unsigned next(struct cur *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

static const uint8_t *take(struct cur *c, size_t *n)
{
	const uint8_t *p = c->p;

	if (*n > c->n)
		*n = c->n;
	c->n -= *n;
	c->p += *n;
	return p;
}

static void enc_len(struct buf *b, size_t n, int four)
{
	char l[4] = { (char)(0x80 | n >> 24), (char)(n >> 16), (char)(n >> 8),
	    (char)n };

	if (n < 128 && !four)
		buf_addc(b, (int)n);
	else
		buf_add(b, l, sizeof l);
}

/* Records of type for id holding p[0..n), at most chunk bytes each (one
 * empty record when n is 0), each with pad bytes of padding. */
static void records(struct buf *b, int type, unsigned id, const void *p,
    size_t n, size_t chunk, unsigned pad)
{
	const char *s = p;

	do {
		size_t k = n < chunk ? n : chunk, start = b->len, i;

		fcgi_record(b, type, id, s, k);
		if (pad && k <= 65535 && !b->oom) {
			b->p[start + 6] = (char)pad;
			for (i = 0; i < pad; i++)
				buf_addc(b, 0xa5);
		}
		s += k;
		n -= k;
	} while (n);
}

/*
 * The input's first byte: bits 1 a GET_VALUES first, 2 padding, 4 an
 * unknown management record among the PARAMS, 8 a DATA record, 16 every
 * length in 4 bytes, 32 a STDIN of more than 65535 bytes, 64 PARAMS in
 * records of up to 65535 bytes, 128 parameters of FCGI_PARAMS_MAX - 4 to
 * + 4 bytes (the pairs again and again, then one that makes up the
 * length). Then, in turn: two bytes of request id (0 is 1), the flags,
 * unless 64 the longest record less 1, with 2 the padding, the unknown
 * type, with 128 the length off FCGI_PARAMS_MAX, where in the rest the
 * parameters end (of 255) and STDIN begins. The parameters: a byte, the
 * name's length & 31, the name, a byte b, the value's length (b & 0x80 ?
 * (b & 127) * 4 : b & 63), the value, and so on.
 */
static void check_round_trip(const uint8_t *data, size_t size)
{
	static const char gv[] = "\x0e\0FCGI_MAX_CONNS\x03\0X-Y"
	    "\x0f\0FCGI_MPXS_CONNS";
	static const char gv_res[] = "\x01\x0a\0\0\0\x23\0\0"
	    "\x0e\x01" "FCGI_MAX_CONNS1\x0f\x01" "FCGI_MPXS_CONNS0";
	struct cur c = { data, size }, m;
	unsigned ctl, id, flags, pad, utype, other;
	size_t chunk, split, first, i, k, n, target = 0;
	char block[256];
	struct buf enc = { 0 }, in = { 0 }, req = { 0 }, ans = { 0 };
	struct fcgi_req want = { 0 };
	struct feed f[3];
	int four;

	for (i = 0; i < sizeof block; i++)
		block[i] = (char)i;
	ctl = next(&c);
	id = next(&c) << 8;
	id |= next(&c);
	if (!id)
		id = 1;
	flags = next(&c);
	chunk = ctl & 64 ? 65535 : 1 + next(&c);
	pad = ctl & 2 ? next(&c) : 0;
	utype = next(&c);
	if (utype == GET_VALUES)
		utype = 12;
	if (ctl & 128)
		target = FCGI_PARAMS_MAX - 4 + next(&c) % 9;
	split = next(&c);
	split = split * c.n / 255;
	four = ctl & 16;

	m.p = c.p;
	m.n = split;
	while (m.n) {
		size_t nlen = next(&m) & 31, vlen;
		const uint8_t *name = take(&m, &nlen), *value;
		unsigned b = next(&m);

		vlen = b & 0x80 ? (size_t)(b & 0x7f) * 4 : b & 0x3f;
		value = take(&m, &vlen);
		enc_len(&enc, nlen, four);
		enc_len(&enc, vlen, four);
		if (nlen)
			buf_add(&enc, (const char *)name, nlen);
		if (vlen)
			buf_add(&enc, (const char *)value, vlen);
	}
	if (target && enc.len <= target - 200) {
		size_t unit = enc.len, fill;
		char *u = unit ? malloc(unit) : NULL;

		if (unit && !u)
			fz_fail("out of memory");
		if (unit)
			memcpy(u, enc.p, unit);
		while (unit && enc.len + unit <= target - 200)
			buf_add(&enc, u, unit);
		free(u);
		fill = target - enc.len - 6;
		enc_len(&enc, 1, 0);
		enc_len(&enc, fill, 1);
		buf_addc(&enc, 'F');
		for (i = 0; i < fill; i += k) {
			k = fill - i < sizeof block ? fill - i : sizeof block;
			buf_add(&enc, block, k);
		}
	}
	n = c.n - split;
	if (ctl & 32) {
		for (i = 0; i < 65536 + n; i += k) {
			k = n ? n : sizeof block;
			buf_add(&in, n ? (const char *)c.p + split : block, k);
		}
	} else if (n) {
		buf_add(&in, (const char *)c.p + split, n);
	}

	if (ctl & 1) {
		records(&req, GET_VALUES, 0, gv, sizeof gv - 1, 65535, pad);
		buf_add(&ans, gv_res, sizeof gv_res - 1);
	}
	{
		char body[8] = { 0, 1, (char)flags, 0, 0, 0, 0, 0 };

		records(&req, BEGIN_REQUEST, id, body, sizeof body, 65535, pad);
	}
	first = enc.len < chunk ? enc.len : chunk;
	if (first)
		records(&req, PARAMS, id, enc.p, first, chunk, pad);
	if (ctl & 4) {
		char u[16] = { 1, UNKNOWN_TYPE, 0, 0, 0, 8, 0, 0,
		    (char)utype };

		records(&req, (int)utype, 0, "abc", 3, 65535, pad);
		buf_add(&ans, u, sizeof u);
	}
	if (enc.len > first)
		records(&req, PARAMS, id, enc.p + first, enc.len - first,
		    chunk, pad);
	if (ctl & 8)
		records(&req, DATA, id, "data", 4, 65535, pad);
	records(&req, PARAMS, id, "", 0, 65535, pad);
	if (in.len)
		records(&req, STDIN, id, in.p, in.len,
		    ctl & 32 ? (size_t)-1 : chunk, pad);
	records(&req, STDIN, id, "", 0, 65535, pad);
	n = req.len;
	/* the start of the next request, and a record of version 2 */
	other = id % 65535 + 1;
	{
		char body[8] = { 0, 1, 1, 0, 0, 0, 0, 0 };

		records(&req, BEGIN_REQUEST, other, body, sizeof body, 65535,
		    0);
		buf_add(&req, "\x02\x05\0\x01\0\0\0\0", 8);
	}
	if (enc.oom || in.oom || req.oom || ans.oom)
		goto done;

	want.id = id;
	want.keep_conn = flags & 1;
	want.params_done = want.stdin_done = want.done = 1;
	want.params = enc;
	want.in = in;
	for (i = 0; i < 3; i++) {
		struct feed fi = { .in_max = i == 1 ? IN_SMALL : IN_BIG,
		    .seed = (uint32_t)(size * 2654435761u + i), .small = 256,
		    .max_reqs = 1 };

		f[i] = fi;
		if (i == 2)
			feed_pieces(&f[i], (const uint8_t *)req.p, req.len);
		else
			feed_whole(&f[i], (const uint8_t *)req.p, req.len);
	}
	if (enc.len > FCGI_PARAMS_MAX) {
		for (i = 0; i < 3; i++)
			if (!f[i].err)
				fz_fail("%zu bytes of parameters taken",
				    enc.len);
		goto free_feeds;
	}
	for (i = 0; i < 3; i++) {
		struct buf log = { 0 };

		if (f[i].err)
			fz_fail("a request built with fcgi_record refused: %s",
			    aie_errmsg);
		if (f[i].used != n)
			fz_fail("%zu bytes used of a request of %zu", f[i].used,
			    n);
		want.in_max = f[i].in_max;
		want.in.len = in.len < want.in_max ? in.len : want.in_max;
		log_req(&log, &want);
		if (!same(&f[i].log, &log))
			fz_fail("a request built with fcgi_record read back "
			    "as\n%s\nnot\n%s", at(&f[i].log, 0), at(&log, 0));
		if (!same(&f[i].out, &ans))
			fz_fail("%zu bytes of answers, not %zu", f[i].out.len,
			    ans.len);
		buf_free(&log);
	}
free_feeds:
	for (i = 0; i < 3; i++)
		feed_free(&f[i]);
done:
	buf_free(&enc);
	buf_free(&in);
	buf_free(&req);
	buf_free(&ans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	size_t i;
	int pass;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	for (pass = 0; pass < 2; pass++) {
		struct feed whole = { .in_max = pass ? IN_BIG : IN_SMALL,
		    .max_reqs = MAX_REQS };
		struct feed pieces = { .in_max = whole.in_max,
		    .seed = h ^ (uint32_t)pass * 0x9e3779b9u,
		    .small = pass ? 0 : 512, .max_reqs = MAX_REQS };

		feed_whole(&whole, data, size);
		feed_pieces(&pieces, data, size);
		compare(&whole, &pieces);
		feed_free(&whole);
		feed_free(&pieces);
	}
	check_pairs(size ? data : (const uint8_t *)"", size);
	check_round_trip(data, size);
	return 0;
}
