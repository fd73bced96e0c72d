/*
 * upload.c - the multipart/form-data body (RFC 7578) that X's media upload
 * and a Facebook Page photo take: text fields, then the image as a file
 * part with its type. The boundary is random (128 bits), so the bytes of
 * an image cannot end a part by accident.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

int social_multipart(const char *const *fields, const char *file_field,
    const struct social_media *m, struct multipart *mp)
{
	unsigned char rnd[16];
	char bnd[33];
	struct buf b = { 0 };
	size_t i;

	memset(mp, 0, sizeof *mp);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(bnd, sizeof bnd, rnd, sizeof rnd);
	for (i = 0; fields && fields[i] && fields[i + 1]; i += 2)
		buf_addf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\""
		    "\r\n\r\n%s\r\n", bnd, fields[i], fields[i + 1]);
	/* the file name is the vault's (Media/ names are checked: no quote,
	 * no line break) */
	buf_addf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
	    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", bnd, file_field,
	    m->name, m->type);
	buf_add(&b, m->data, m->len);
	buf_addf(&b, "\r\n--%s--\r\n", bnd);
	snprintf(mp->ctype, sizeof mp->ctype, "Content-Type: multipart/form-data; "
	    "boundary=%s", bnd);
	if (!(mp->body = buf_take(&b, &mp->len)))
		return aie_fail(EX_TEMP, "out of memory");
	return 0;
}
