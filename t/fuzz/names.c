/*
 * names.c - fuzz id_valid and name_valid (lib/vault/names.c) against the grammar
 * of vault(5) written as POSIX extended regular expressions:
 *   ID     ^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$ holding no ".."
 *   name   ^[a-z][a-z0-9_-]{0,31}$
 * The input (up to its first NUL) is tried whole and as its first line.
 */
#include <locale.h>
#include <regex.h>

#include "fuzz.h"
#include "vault/vault.h"

static regex_t id_re, name_re;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setlocale(LC_ALL, "C");
	if (regcomp(&id_re, "^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$",
	    REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&name_re, "^[a-z][a-z0-9_-]{0,31}$",
	    REG_EXTENDED | REG_NOSUB) != 0)
		fz_fail("regcomp");
	return 0;
}

static void check(const char *s)
{
	int want_id = regexec(&id_re, s, 0, NULL, 0) == 0 && !strstr(s, "..");
	int want_name = regexec(&name_re, s, 0, NULL, 0) == 0;

	if (!!id_valid(s) != want_id)
		fz_fail("id_valid(\"%s\") = %d, want %d", s, id_valid(s), want_id);
	if (!!name_valid(s) != want_name)
		fz_fail("name_valid(\"%s\") = %d, want %d", s, name_valid(s),
		    want_name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	s = fz_cstr(data, size);
	check(s);
	s[strcspn(s, "\n")] = '\0';
	check(s);
	free(s);
	return 0;
}
