/*
 * config.c - fuzz the config file parser (config_load in lib/vault/config.c).
 *
 * The input is written to a 0600 temp file named by AI_EMPLOYEE_CONFIG and
 * loaded (config_unload between runs). A failure must be a configuration
 * error (78). When the input holds no NUL and no overlong line, an
 * independent reading of the format (KEY=VALUE lines, blank and "#" lines
 * skipped, an optional "export ", blanks trimmed, one pair of matching
 * quotes removed, the last of repeated keys wins) says whether it must load,
 * and every key it finds must come back from config_get (an empty value as
 * unset) unless the environment holds that key.
 */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "vault/vault.h"

static char path[4096];

static void cleanup(void)
{
	if (*path)
		unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "%s/aie-fuzz-config.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		fz_fail("mkstemp %s", path);
	close(fd);
	atexit(cleanup);
	setenv("AI_EMPLOYEE_CONFIG", path, 1);
	return 0;
}

struct pair { char *key, *val; };

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return s;
}

/* Read text as a config file: 1 valid, 0 not; pairs in *out. */
static int model(char *text, struct pair *out, size_t *nout, size_t max)
{
	char *line, *next, *eq, *key, *val;
	size_t i, n;

	*nout = 0;
	for (line = text; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		if (strncmp(line, "export ", 7) == 0)
			line = trim(line + 7);
		if (!(eq = strchr(line, '=')))
			return 0;
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (!*key)
			return 0;
		for (i = 0; key[i]; i++)
			if (!(key[i] == '_' || (key[i] >= 'A' && key[i] <= 'Z') ||
			    (key[i] >= 'a' && key[i] <= 'z') ||
			    (key[i] >= '0' && key[i] <= '9')))
				return 0;
		n = strlen(val);
		if (n >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[n - 1] == val[0]) {
			val[n - 1] = '\0';
			val++;
		}
		for (i = 0; i < *nout; i++)
			if (strcmp(out[i].key, key) == 0)
				break;
		if (i == *nout) {
			if (*nout == max)
				return 0;
			(*nout)++;
		}
		out[i].key = key;
		out[i].val = val;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pair pairs[256];
	size_t npairs, i, run;
	char *text;
	int fd, r, valid, checkable = 1;

	if (size > 65536)
		return 0;
	/* write, then cut: ext4 flushes a file truncated to 0 on close */
	if ((fd = open(path, O_WRONLY)) < 0)
		fz_fail("open %s", path);
	if (pwrite(fd, data, size, 0) != (ssize_t)size ||
	    ftruncate(fd, (off_t)size) < 0 || close(fd) < 0)
		fz_fail("write %s", path);
	config_unload();
	r = config_load();
	if (r < 0 && aie_errcode != EX_CONFIG)
		fz_fail("config_load failed with %d: %s", aie_errcode, aie_errmsg);
	if (memchr(data, 0, size))
		checkable = 0;
	for (i = run = 0; i < size; i++) {
		run = data[i] == '\n' ? 0 : run + 1;
		if (run > 8000)
			checkable = 0;
	}
	if (!checkable) {
		config_unload();
		return 0;
	}
	text = fz_cstr(data, size);
	valid = model(text, pairs, &npairs, sizeof pairs / sizeof pairs[0]);
	if (npairs == sizeof pairs / sizeof pairs[0]) {
		free(text);
		config_unload();
		return 0;    /* too many keys for the model */
	}
	if (valid != (r == 0))
		fz_fail("config_load = %d (%s), the model says %s", r,
		    r ? aie_errmsg : "", valid ? "valid" : "invalid");
	for (i = 0; valid && i < npairs; i++) {
		const char *got;
		if (getenv(pairs[i].key))
			continue;
		got = config_get(pairs[i].key);
		if (*pairs[i].val ? !got || strcmp(got, pairs[i].val) != 0 : !!got)
			fz_fail("config_get(%s) = \"%s\", want \"%s\"", pairs[i].key,
			    got ? got : "(null)", pairs[i].val);
	}
	free(text);
	config_unload();
	return 0;
}
