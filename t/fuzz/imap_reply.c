/*
 * imap_reply.c - libFuzzer harness for what mail-fetch reads of an IMAP
 * server's replies besides the messages themselves (mime.c has those): the
 * numbers of STATUS and the UIDs of UID SEARCH (imap.c). UIDs come out
 * ascending and never 0.
 */
#include "fuzz.h"

#include "vault/vault.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long validity, next, *uids;
	char *s = malloc(size + 1);
	size_t n, i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	imap_parse_status(s, &validity, &next);
	if (imap_parse_search(s, &uids, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (uids[i] == 0)
				fz_fail("imap_parse_search: UID 0");
			if (i && uids[i - 1] > uids[i])
				fz_fail("imap_parse_search: not ascending");
		}
		free(uids);
	}
	free(s);
	return 0;
}
