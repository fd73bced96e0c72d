/*
 * secretscan.c - libFuzzer harness for the secret guard's scanner and
 * deny-list (lib/sync/secretscan.c). Build and run:
 *   make fuzz-build && t/fuzz/run 60 build-fuzz/secretscan
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

/* A fixed approval key, so the key rules run too; the corpus holds its
 * hex and base64 (key-hex, key-b64): bytes 0x00..0x1f. */
static void learn_key(void)
{
	static int done;
	unsigned char k[32];
	int i;

	if (done)
		return;
	for (i = 0; i < 32; i++)
		k[i] = (unsigned char)i;
	secret_key_learn(k);
	done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path;

	learn_key();

	/* the scanner reads exactly size bytes: no NUL, no slack */
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	(void)secret_scan(copy, size);
	free(copy);
	if ((path = malloc(size + 1))) {
		memcpy(path, data, size);
		path[size] = '\0';
		(void)secret_path_denied(path);
		free(path);
	}
	return 0;
}
