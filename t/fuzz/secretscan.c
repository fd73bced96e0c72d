/*
 * secretscan.c - libFuzzer harness for the secret guard's scanner and
 * deny-list (lib/secretscan.c). Build and run:
 *   clang -fsanitize=fuzzer,address,undefined -Ilib t/fuzz/secretscan.c \
 *       lib/secretscan.c -o /tmp/fuzz-secretscan && /tmp/fuzz-secretscan
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path;

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
