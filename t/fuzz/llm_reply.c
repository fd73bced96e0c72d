/*
 * llm_reply.c - libFuzzer harness for what draft-email takes from outside:
 * the Anthropic and OpenAI-compatible reply parsers (llm.c) and the
 * address, subject and References handling of email keys (reply.c).
 *
 *   clang -fsanitize=fuzzer,address -Ilib t/fuzz/llm_reply.c build-fuzz/libaie.a \
 *       $(pkg-config --libs libgit2 libcurl jansson libsodium)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "llm/llm.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct llm_result r;
	char *s, *a;

	memset(&r, 0, sizeof r);
	if (llm_parse_anthropic((const char *)data, size, &r) == 0)
		llm_result_free(&r);
	memset(&r, 0, sizeof r);
	if (llm_parse_openai((const char *)data, size, &r) == 0)
		llm_result_free(&r);
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	free(reply_address(s));
	free(reply_address_list(s));
	free(reply_subject(s));
	free(reply_references(s, s, s));
	a = handbook_section(s, "Signature");
	free(a);
	free(reply_offline(s, s, s));
	free(s);
	return 0;
}
