/*
 * dashboard-passwd - set the phone dashboard's password (see ai-employee-dashboard(1)).
 *
 * Stores only an argon2id hash (crypto_pwhash_str) in
 * DASHBOARD_PASSWD_FILE, 0600, outside the vault, and makes sure the
 * 32-byte session key exists (DASHBOARD_SESSION_KEY_FILE, 0600).
 * The password comes from the terminal (asked twice, not echoed), from one
 * line of standard input, or is generated (-g) and printed once. A new
 * password replaces the key, which ends every session: whoever knew the
 * old password may hold a cookie. -k alone replaces the key and keeps the
 * password. --check tells whether a password matches.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "web/web.h"

#define PW_MIN 8
#define PW_MAX 1024

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: dashboard-passwd [-q] [-g | -c] [-k]\n");
	exit(status ? 2 : 0);
}

/* One line from f into buf without its newline; length or -1. */
static ssize_t read_line(FILE *f, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, f))
		return -1;
	n = strlen(buf);
	if (n && buf[n - 1] != '\n' && !feof(f))
		return -2;              /* too long */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return (ssize_t)n;
}

/* Ask on the terminal with echo off. */
static ssize_t ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	ssize_t n;
	int fd = fileno(tty), echo_off;

	fputs(prompt, stderr);
	fflush(stderr);
	echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	n = read_line(tty, buf, size);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return n;
}

static int get_password(char *pw, size_t size, int confirm)
{
	char again[PW_MAX + 2];
	ssize_t n;

	if (isatty(0)) {
		n = ask(stdin, "dashboard password: ", pw, size);
		if (n >= 0 && confirm) {
			if (ask(stdin, "again: ", again, sizeof again) < 0 ||
			    strcmp(pw, again)) {
				sodium_memzero(again, sizeof again);
				cli_warn(NULL, "the passwords differ");
				return EX_DATA;
			}
			sodium_memzero(again, sizeof again);
		}
	} else {
		n = read_line(stdin, pw, size);
	}
	if (n == -2) {
		cli_warn(NULL, "password longer than %d bytes", PW_MAX);
		return EX_DATA;
	}
	if (n < 0) {
		cli_warn(NULL, "no password given on standard input");
		return EX_DATA;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "generate", no_argument, NULL, 'g' },
		{ "check", no_argument, NULL, 'c' },
		{ "new-key", no_argument, NULL, 'k' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	char pw[PW_MAX + 2], path[4096], keypath[4096];
	unsigned char rnd[12];
	int c, gen = 0, check = 0, newkey = 0, r, status = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "gck", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'g': gen = 1; break;
		case 'c': check = 1; break;
		case 'k': newkey = 1; break;
		default: usage(2);
		}
	}
	if (optind != argc || (gen && check))
		usage(2);
	if (cli.json) {
		/* -j is JSON or refused: this tool has no JSON output */
		cli_warn(NULL, "-j refused: dashboard-passwd has no JSON output "
		    "(-g prints the password alone)");
		return EX_ARGS;
	}
	if (sodium_init() < 0) {
		cli_warn(NULL, "libsodium cannot start");
		return EX_TEMP;
	}
	if (dash_passwd_path(path, sizeof path) < 0 ||
	    dash_key_path(keypath, sizeof keypath) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (check) {
		if ((status = get_password(pw, sizeof pw, 0)))
			return status;
		r = dash_passwd_check(pw, strlen(pw));
		sodium_memzero(pw, sizeof pw);
		if (r < 0) {
			cli_warnerr(NULL);
			return aie_errcode;
		}
		if (!cli.quiet)
			cli_warn(NULL, r ? "password matches" : "password does not "
			    "match");
		return r ? 0 : EX_NEG;
	}
	if (gen) {
		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2base64(pw, sizeof pw, rnd, sizeof rnd,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(rnd, sizeof rnd);
	} else if (!newkey) {
		if ((status = get_password(pw, sizeof pw, 1)))
			return status;
		if (strlen(pw) < PW_MIN) {
			sodium_memzero(pw, sizeof pw);
			cli_warn(NULL, "password shorter than %d characters; "
			    "refused", PW_MIN);
			return EX_DATA;
		}
	} else {
		pw[0] = '\0';        /* -k alone: a new key, the password stays */
	}
	if (*pw && dash_passwd_set(path, pw, strlen(pw)) < 0) {
		sodium_memzero(pw, sizeof pw);
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if ((r = dash_key_create(keypath, 1)) < 0) {
		sodium_memzero(pw, sizeof pw);
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (gen)
		printf("%s\n", pw);
	sodium_memzero(pw, sizeof pw);
	if (!cli.quiet) {
		if (gen || !newkey)
			cli_warn(NULL, "password hash stored in %s", path);
		cli_warn(NULL, "new session key %s (every session ended)",
		    keypath);
	}
	return fflush(stdout) == 0 ? 0 : EX_TEMP;
}
