/*
 * config.c - the KEY=VALUE file every tool reads first (SPEC 3).
 *
 * The file is $AI_EMPLOYEE_CONFIG, else ~/.config/ai-employee/env. Lines are
 * KEY=VALUE, "#" starts a comment line, a value may be wrapped in single or
 * double quotes. The environment wins over the file. Since the file holds
 * secrets, one that group or others can read is refused, as ssh does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aie.h"

struct kv { char *key, *value; };
static struct kv *conf;
static size_t nconf;
static int loaded;

static int conf_add(const char *key, const char *value)
{
	struct kv *n;
	size_t i;

	for (i = 0; i < nconf; i++)
		if (strcmp(conf[i].key, key) == 0) {
			char *v = strdup(value);
			if (!v)
				return -1;
			free(conf[i].value);
			conf[i].value = v;
			return 0;
		}
	n = realloc(conf, (nconf + 1) * sizeof *conf);
	if (!n)
		return -1;
	conf = n;
	n[nconf].key = strdup(key);
	n[nconf].value = strdup(value);
	if (!n[nconf].key || !n[nconf].value) {
		free(n[nconf].key);
		free(n[nconf].value);
		return -1;
	}
	nconf++;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int parse_line(const char *path, int lineno, char *line)
{
	char *eq, *key, *val;
	size_t n;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if (strncmp(line, "export ", 7) == 0)
		line = trim(line + 7);
	if (!(eq = strchr(line, '=')))
		return aie_fail(EX_CONFIG_, "%s:%d: not KEY=VALUE", path, lineno);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
		return aie_fail(EX_CONFIG_, "%s:%d: bad key", path, lineno);
	n = strlen(val);
	if (n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n - 1] == val[0]) {
		val[n - 1] = '\0';
		val++;
	}
	if (conf_add(key, val) < 0)
		return aie_fail_errno(EX_TEMP, "%s", path);
	return 0;
}

/* Reads the config file once; a missing file is not an error. */
int config_load(void)
{
	const char *path = getenv("AI_EMPLOYEE_CONFIG");
	char def[4096], line[8192];
	struct stat st;
	FILE *f;
	int fd, lineno = 0;

	if (loaded)
		return 0;
	loaded = 1;
	if (!path || !*path) {
		const char *home = getenv("HOME");
		if (!home)
			return 0;
		if ((size_t)snprintf(def, sizeof def, "%s/.config/ai-employee/env",
		    home) >= sizeof def)
			return aie_fail(EX_CONFIG_, "HOME is too long");
		path = def;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return aie_fail_errno(EX_CONFIG_, "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return aie_fail_errno(EX_CONFIG_, "%s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return aie_fail(EX_CONFIG_, "%s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return aie_fail(EX_CONFIG_, "%s: readable by group or others "
		    "(mode %04o); run: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
	}
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return aie_fail_errno(EX_CONFIG_, "%s", path);
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return aie_fail(EX_CONFIG_, "%s:%d: line too long", path,
			    lineno);
		}
		if (parse_line(path, lineno, line) < 0) {
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		fclose(f);
		return aie_fail_errno(EX_CONFIG_, "%s", path);
	}
	fclose(f);
	return 0;
}

/* Forget what config_load read, so that the next call reads the file
 * again (for tests and the fuzz harness; tools read it once). */
void config_unload(void)
{
	size_t i;

	for (i = 0; i < nconf; i++) {
		free(conf[i].key);
		free(conf[i].value);
	}
	free(conf);
	conf = NULL;
	nconf = 0;
	loaded = 0;
}

/* The environment, else the file, else NULL. An empty value counts as unset. */
const char *config_get(const char *key)
{
	const char *e = getenv(key);
	size_t i;

	if (e)
		return *e ? e : NULL;
	for (i = 0; i < nconf; i++)
		if (strcmp(conf[i].key, key) == 0)
			return *conf[i].value ? conf[i].value : NULL;
	return NULL;
}

const char *config_get_default(const char *key, const char *fallback)
{
	const char *v = config_get(key);

	return v ? v : fallback;
}

long config_get_long(const char *key, long fallback)
{
	const char *v = config_get(key);
	char *end;
	long n;

	if (!v)
		return fallback;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v)
		return fallback;
	return n;
}

int config_get_bool(const char *key, int fallback)
{
	const char *v = config_get(key);

	if (!v)
		return fallback;
	if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on"))
		return 1;
	if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off"))
		return 0;
	return fallback;
}
