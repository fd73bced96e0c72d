/*
 * config.c - the KEY=VALUE file every tool reads first (see ai-employee(7)).
 *
 * The file is $AI_EMPLOYEE_CONFIG, else ~/.config/ai-employee/env. Lines are
 * KEY=VALUE, "#" starts a comment line, a value may be wrapped in single or
 * double quotes. The environment wins over the file. Since the file holds
 * secrets, it is opened as one (secret_open, base.h): one that group or
 * others can read or write is refused, as ssh does, and so is a FIFO.
 *
 * Numeric settings go through config_long, config_seconds and
 * config_double (config.h): a value that is not a number of the accepted
 * range is an error naming the key and the range, never a silent default.
 */
#include <errno.h>
#include <ctype.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"

struct kv { char *key, *value; };
static struct kv *conf;
static size_t nconf;
static int loaded;

#define CONFIG_LINE_MAX 8190     /* bytes, without the newline */

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
		return aie_fail(EX_CONFIG, "%s:%d: not KEY=VALUE", path, lineno);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
		return aie_fail(EX_CONFIG, "%s:%d: bad key", path, lineno);
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
	char def[4096], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int fd, lineno = 0, r = 0;

	if (loaded)
		return 0;
	loaded = 1;
	if (!path || !*path) {
		const char *home = getenv("HOME");
		if (!home)
			return 0;
		if ((size_t)snprintf(def, sizeof def, "%s/.config/ai-employee/env",
		    home) >= sizeof def)
			return aie_fail(EX_CONFIG, "HOME is too long");
		path = def;
	}
	if ((fd = secret_open(path, 0)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return aie_fail_errno(EX_CONFIG, "%s", path);
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			r = aie_fail(EX_CONFIG, "%s:%d: NUL byte in the line", path,
			    lineno);
			break;
		}
		if (len - (line[len - 1] == '\n') > CONFIG_LINE_MAX) {
			r = aie_fail(EX_CONFIG, "%s:%d: line too long (over %d "
			    "bytes)", path, lineno, CONFIG_LINE_MAX);
			break;
		}
		if ((r = parse_line(path, lineno, line)) < 0)
			break;
	}
	if (r == 0 && ferror(f))
		r = aie_fail_errno(EX_CONFIG, "%s", path);
	free(line);
	fclose(f);
	return r;
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

/* Lenient: anything but a number is fallback. A numeric setting goes
 * through config_long instead (config.h), which says what is wrong. */
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

/* A printable, bounded copy of a bad value for a message. */
static const char *shown(const char *v, char *buf, size_t size)
{
	size_t i;

	for (i = 0; v[i] && i + 1 < size; i++)
		buf[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* A decimal integer with nothing before or after it: strtol alone
 * would take blanks and a "+" in front. */
static int strict_long(const char *v, long *out)
{
	char *end;

	if (!isdigit((unsigned char)v[v[0] == '-']))
		return -1;
	errno = 0;
	*out = strtol(v, &end, 10);
	return errno || *end ? -1 : 0;
}

int config_long(const char *key, long fallback, long min, long max, long *out)
{
	const char *v = config_get(key);
	char buf[40];
	long n;

	if (!v) {
		*out = fallback;
		return 0;
	}
	if (strict_long(v, &n) < 0 || n < min || n > max)
		return aie_fail(EX_CONFIG, "%s=%s: want a whole number from %ld "
		    "to %ld", key, shown(v, buf, sizeof buf), min, max);
	*out = n;
	return 0;
}

int config_seconds(const char *key, long fallback, long min, long max,
    long *out)
{
	const char *v = config_get(key);
	char buf[40];
	long n;

	if (!v) {
		*out = fallback;
		return 0;
	}
	if (duration_parse(v, &n) < 0 || n < min || n > max)
		return aie_fail(EX_CONFIG, "%s=%s: want a duration (like 90s, "
		    "5m, 2h, 1d) from %ld to %ld seconds", key,
		    shown(v, buf, sizeof buf), min, max);
	*out = n;
	return 0;
}

int config_double(const char *key, double fallback, double min, double max,
    double *out)
{
	const char *v = config_get(key);
	char buf[40], *end;
	double d;

	if (!v) {
		*out = fallback;
		return 0;
	}
	/* digits and one point only: no "nan", "inf", hex or exponent */
	if (strspn(v, "0123456789.") != strlen(v) || !isdigit((unsigned char)
	    v[strspn(v, ".")]) || strchr(v, '.') != strrchr(v, '.'))
		d = NAN;
	else {
		errno = 0;
		d = strtod(v, &end);
		if (errno || *end)
			d = NAN;
	}
	if (!(d >= min && d <= max))
		return aie_fail(EX_CONFIG, "%s=%s: want a number from %g to %g",
		    key, shown(v, buf, sizeof buf), min, max);
	*out = d;
	return 0;
}
