/*
 * cli.c - what every command-line tool does the same way: the common
 * options (-C -a -j -q -v -h --version), opening the vault, the item
 * argument loop with "-" for stdin, and "tool: item: reason" diagnostics.
 * lib/cli/ is the tools' own command-line layer, the one part of lib/
 * that prints (diagnostics, JSON lines, transfer progress), since that is
 * its job. It exits in one place of its own, --version (exit 0 after the
 * version line, as --help does through the usage callback a tool hands
 * it); the rest of lib/ never prints and never exits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

struct cli cli;

/* Set the program name, read the config file; -1 when the config is bad. */
int cli_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	cli.prog = slash ? slash + 1 : prog;
	aie_set_prog(cli.prog);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (config_load() < 0) {
		cli_warnerr(NULL);
		return -1;
	}
	return 0;
}

/* Handle one of the common options; 1 when it was one, 0 otherwise. */
double cli_interval(const char *arg, double min, void (*usage)(int))
{
	double secs = -1;
	long whole;
	char *end;

	if (duration_parse(arg, &whole) == 0)
		secs = (double)whole;
	else if (isdigit((unsigned char)*arg) && strspn(arg, "0123456789.") ==
	    strlen(arg) && strchr(arg, '.') == strrchr(arg, '.')) {
		secs = strtod(arg, &end);       /* digits and one point only */
		if (*end)
			secs = -1;
	}
	if (!(secs > 0 && secs >= min && secs <= 100.0 * 365 * 86400)) {
		cli_warn(arg, "bad interval");
		usage(2);
	}
	return secs;
}

long cli_whole(const char *opt, const char *arg, long min, long max,
    void (*usage)(int))
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (end == arg || *end || errno || n < min || n > max) {
		cli_warn(NULL, "%s %s: not %ld-%ld", opt, arg, min, max);
		usage(2);
	}
	return n;
}

int cli_option(int c, const char *arg, void (*usage)(int))
{
	switch (c) {
	case 'C': cli.vault_dir = arg; return 1;
	case 'a': cli.agent = arg; return 1;
	case 'j': cli.json = 1; return 1;
	case 'q': cli.quiet = 1; return 1;
	case 'v': cli.verbose++; return 1;
	case 'h': usage(0); return 1;
	case 'V' + 256:
		printf("%s (ai-employee) %s\n", cli.prog, VERSION);
		exit(0);
	default:
		return 0;
	}
}

/* The agent: -a, else $VAULT_AGENT, else "local". */
static const char *agent(void)
{
	return cli.agent ? cli.agent : config_get_default("VAULT_AGENT", "local");
}

int cli_refuse_cloud(void)
{
	if (agent_is_cloud(agent())) {
		cli_warn(NULL, "refused: agent cloud may not approve or send "
		    "(the security partition, see ai-employee(7))");
		return EX_REFUSED;
	}
	return 0;
}

/* Once per run: the keys this machine should not hold (agentkeys.c). The
 * machine's agent is VAULT_AGENT, not -a: the owner may run a tool with
 * -a cloud on the laptop, which is no cloud machine. */
static void warn_misplaced_keys(const char *who)
{
	static int done;
	char keys[1024];

	if (done)
		return;
	done = 1;
	if (agent_keys_misplaced(who, keys, sizeof keys))
		cli_warn(NULL, "warning: this machine is agent %s but holds what "
		    "belongs to the local agent only: %s; remove it from here "
		    "(see ai-employee(7))", who, keys);
}

/* Open the vault from -C or $VAULT_DIR; an exit status, 0 on success. */
int cli_open_vault(struct vault *v)
{
	const char *dir = cli.vault_dir;

	warn_misplaced_keys(config_get_default("VAULT_AGENT", "local"));
	if (!dir && vault_default_dir(&dir) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (vault_open(v, dir, agent()) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	return 0;
}

/* Call fn for each argument, reading lines of stdin for "-". fn returns an
 * exit status; the highest one is returned. */
int cli_each_arg(int argc, char **argv, arg_fn fn, void *ctx)
{
	int status = 0, r, i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") != 0) {
			r = fn(argv[i], ctx);
			status = r > status ? r : status;
			continue;
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, stdin)) >= 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n == 0)
				continue;
			if (strlen(line) != (size_t)n) {
				cli_warn("-", "a line of stdin holds a NUL byte; skipped");
				status = status > EX_DATA ? status : EX_DATA;
				continue;
			}
			r = fn(line, ctx);
			status = r > status ? r : status;
		}
		free(line);
	}
	return status;
}

void cli_warn(const char *item, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cli.prog ? cli.prog : "ai-employee");
	if (item)
		fprintf(stderr, "%s: ", item);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn_msg(const char *item, const char *msg)
{
	cli_warn(item, "%s", msg);
}

/* Print the last lib/ error, prefixed by item when given. lib/ names the
 * item it failed on ("NOPE: no such item in the vault"), so the item is
 * added only when the message does not already begin with it: said once. */
void cli_warnerr(const char *item)
{
	size_t n = item ? strlen(item) : 0;

	if (item && !strncmp(aie_errmsg, item, n) && aie_errmsg[n] == ':')
		item = NULL;
	cli_warn(item, "%s", aie_errmsg);
}

/* Transfer progress on a terminal: one line redrawn at most every 100 ms
 * (libgit2 calls back for every object), then a summary line when the
 * transfer ends (what == NULL). */
static struct {
	const char *what;
	unsigned done, total;
	size_t bytes;
	double start, last;
	int shown;
} prog;

static double now_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_size(size_t bytes)
{
	if (bytes < 1024)
		fprintf(stderr, "%zu B", bytes);
	else if (bytes < (size_t)1 << 20)
		fprintf(stderr, "%.1f KiB", (double)bytes / 1024);
	else
		fprintf(stderr, "%.1f MiB", (double)bytes / (1 << 20));
}

static void progress_line(int summary)
{
	const char *prog_name = aie_prog() ? aie_prog() : "ai-employee";

	if (summary)
		fprintf(stderr, "\r%s: %s %u/%u objects", prog_name,
		    strcmp(prog.what, "pushing") ? "received" : "pushed",
		    prog.done, prog.total);
	else
		fprintf(stderr, "\r%s: %s %u/%u", prog_name, prog.what,
		    prog.done, prog.total);
	/* A push to a path remote reports the size of libgit2's last write,
	 * not the total: fewer bytes than objects cannot be a real count. */
	if (prog.bytes >= prog.done) {
		fputs(", ", stderr);
		print_size(prog.bytes);
	}
	if (summary)
		fprintf(stderr, " in %.1f s\n", now_seconds() - prog.start);
	else
		fputs("   ", stderr);      /* over the end of a longer line */
}

void cli_progress(const char *what, unsigned done, unsigned total,
    size_t bytes)
{
	double t = now_seconds();

	if (prog.what && (!what || strcmp(what, prog.what) != 0)) {
		if (prog.shown)
			progress_line(1);
		memset(&prog, 0, sizeof prog);
	}
	if (!what)
		return;
	if (!prog.what) {
		prog.what = what;
		prog.start = t;
	}
	prog.done = done;
	prog.total = total;
	prog.bytes = bytes;
	if (prog.shown && done < total && t - prog.last < 0.1)
		return;
	progress_line(0);
	prog.last = t;
	prog.shown = 1;
}

/* Print o as one compact JSON line on stdout and drop the reference; -1
 * (with a warning) when it cannot be encoded, e.g. a value not in UTF-8. */
int cli_print_json(struct json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	if (!s) {
		cli_warn(NULL, "cannot encode the result as JSON (not UTF-8?)");
		return -1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}
