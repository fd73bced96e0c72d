/*
 * fm.c - fuzz the front-matter parser (lib/vault/fm.c).
 *
 * The input is an item file. When fm_parse accepts it:
 *  - serializing gives back the body bytes and every front-matter line
 *    verbatim (a line the parser does not understand included), and is a
 *    fixed point: parse(serialize(x)) serializes to the same bytes;
 *  - fm_get of every key either fails (a bad quote) or gives a string;
 *  - fm_set of every key to its own decoded value, of a new key to the first
 *    body line, and of the text before the first ':' of the first line as a
 *    key (when fm_set accepts it as one) survives serialize + parse: fm_get
 *    gives back what was set (invalid UTF-8 comes back with '?' for each
 *    byte >= 0x80), and no other line changes.
 */
#include "fuzz.h"
#include "vault/vault.h"

static void serialize(const struct item *it, char **buf, size_t *len)
{
	if (fm_serialize(it, buf, len) < 0)
		fz_fail("fm_serialize: %s", aie_errmsg);
}

/* The text fm_get must give back after fm_set(value). */
static char *expected(const char *value)
{
	char *e = strdup(value), *p;

	if (!e)
		fz_fail("out of memory");
	if (!fz_utf8(value))
		for (p = e; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	return e;
}

/* fm_set(key, value) on a copy of buf, then check it round-trips. */
static void check_set(const char *buf, size_t len, const char *key,
    const char *value)
{
	struct item it, again;
	char *out, *got, *want;
	size_t outlen, before, i, j;

	if (fm_parse(&it, buf, len) < 0)
		fz_fail("a serialized item does not parse: %s", aie_errmsg);
	before = it.nlines;
	if (fm_set(&it, key, value) < 0) {
		fm_free(&it);
		return;          /* a bad key: refused, fine */
	}
	serialize(&it, &out, &outlen);
	if (fm_parse(&again, out, outlen) < 0)
		fz_fail("after fm_set(%s): does not parse: %s", key, aie_errmsg);
	if (again.bodylen != it.bodylen ||
	    memcmp(again.body, it.body, it.bodylen) != 0)
		fz_fail("fm_set(%s) changed the body", key);
	if (again.nlines != it.nlines || (it.nlines != before &&
	    it.nlines != before + 1))
		fz_fail("fm_set(%s): %zu lines, then %zu after a round trip",
		    key, it.nlines, again.nlines);
	for (i = j = 0; i < again.nlines; i++)
		if (again.lines[i].key && strcmp(again.lines[i].key, key) == 0)
			j++;
	if (j == 0)
		fz_fail("fm_set accepted key \"%s\" but it is not a key after "
		    "a round trip", key);
	got = fm_get(&again, key);
	want = expected(value);
	if (!got || strcmp(got, want) != 0)
		fz_fail("fm_set(%s, \"%s\") then fm_get gives \"%s\"", key, value,
		    got ? got : "(null)");
	free(got);
	free(want);
	free(out);
	fm_free(&again);
	fm_free(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct item it, again;
	char *out, *out2, *line, *key;
	size_t outlen, outlen2, off, i, n;

	if (size > 65536)
		return 0;
	if (fm_parse(&it, (const char *)data, size) < 0) {
		if (aie_errcode != EX_DATA)
			fz_fail("fm_parse failed with %d: %s", aie_errcode,
			    aie_errmsg);
		return 0;
	}
	serialize(&it, &out, &outlen);
	/* the body is the tail, byte for byte */
	if (outlen < it.bodylen ||
	    memcmp(out + outlen - it.bodylen, it.body, it.bodylen) != 0)
		fz_fail("the body is not kept");
	/* every line, known or not, comes back verbatim and in order */
	off = 3 + strlen(it.eol);
	for (i = 0; i < it.nlines; i++) {
		n = strlen(it.lines[i].raw);
		if (off + n > outlen || memcmp(out + off, it.lines[i].raw, n) != 0)
			fz_fail("front-matter line %zu is not kept", i + 1);
		off += n;
		if (n == 0 || it.lines[i].raw[n - 1] != '\n')
			fz_fail("front-matter line %zu has no line ending", i + 1);
		if (!it.lines[i].key &&
		    memmem(data, size, it.lines[i].raw, n) == NULL)
			fz_fail("unknown line %zu is not from the input", i + 1);
	}
	/* a fixed point */
	if (fm_parse(&again, out, outlen) < 0)
		fz_fail("serialized item does not parse: %s", aie_errmsg);
	serialize(&again, &out2, &outlen2);
	if (outlen2 != outlen || memcmp(out, out2, outlen) != 0)
		fz_fail("serialize(parse(serialize(x))) != serialize(x)");
	free(out2);
	fm_free(&again);
	/* every key: get, then set to its own value */
	for (i = 0; i < it.nlines; i++) {
		char *v;
		if (!it.lines[i].key)
			continue;
		if (!(v = fm_get(&it, it.lines[i].key)))
			continue;
		check_set(out, outlen, it.lines[i].key, v);
		free(v);
	}
	/* a new key holding the first body line */
	line = strndup(it.body, strcspn(it.body, "\n"));
	if (!line)
		fz_fail("out of memory");
	check_set(out, outlen, "zz_fuzz_new", line);
	/* whatever precedes the first ':' of the first line, as a key */
	if (it.nlines > 0) {
		key = strndup(it.lines[0].raw, strcspn(it.lines[0].raw, ":\n"));
		if (!key)
			fz_fail("out of memory");
		check_set(out, outlen, key, line);
		free(key);
	}
	free(line);
	free(out);
	fm_free(&it);
	return 0;
}
