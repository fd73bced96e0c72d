/*
 * plan-run - keep any agent command working an item's plan (see
 * plan-run(1) and plan(1), "The loop"): run the command with the next
 * step's prompt on its stdin (and in $AIE_PLAN_PROMPT), look at the plan
 * after each run (was the step ticked? reflected on?), and stop when the
 * plan is done, when its next step waits for the owner's approval, after
 * PLAN_MAX_ITERATIONS runs, when the command fails, or on SIGINT or
 * SIGTERM (passed on to the command's process group, then SIGKILL).
 *
 * Each turn's answer is plan_stop's, the one plan --stop-hook gives
 * Claude Code, so both loops have the same bound and the same prompt.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "plan/plan.h"

extern char **environ;

/* seconds between the signal passed on to the command and SIGKILL */
#define KILL_GRACE 10
#define EX_NOT_RUN 127           /* the command could not be run, as env(1) */

static struct vault v;
static sigset_t watched;         /* SIGINT, SIGTERM, SIGCHLD: waited for */

struct outcome {
	const char *stop;            /* done, waits, limit, failed, signal */
	char plan[AIE_ID_MAX + 1];
	size_t runs, next;
	json_t *unreflected;         /* steps ticked with no reflection */
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: plan-run [-jqv] [-C DIR] [-a AGENT] ID -- COMMAND [ARG...]\n");
	exit(status ? 2 : 0);
}

/* The prompt on a pipe, for the command's stdin: the read end, or -1. */
static int prompt_pipe(const char *prompt)
{
	size_t len = strlen(prompt), off = 0;
	ssize_t n;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return aie_fail_errno(EX_TEMP, "pipe");
	/* a prompt (a few KiB at most) is far less than a pipe holds, so
	 * this never waits for the command to read */
	while (off < len) {
		if ((n = write(p[1], prompt + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			aie_fail_errno(EX_TEMP, "pipe");
			close(p[0]);
			close(p[1]);
			return -1;
		}
		off += (size_t)n;
	}
	close(p[1]);
	return p[0];
}

/* Start cmd in a process group of its own (so a signal reaches all it
 * started) with in as its stdin and no signal blocked. */
static int spawn(char *const cmd[], int in, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int e;

	sigemptyset(&none);
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = e;
		return aie_fail_errno(EX_TEMP, "posix_spawn");
	}
	if ((e = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = e;
		return aie_fail_errno(EX_TEMP, "posix_spawn");
	}
	e = posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &none);
	if (!e)
		e = posix_spawnattr_setpgroup(&attr, 0);
	if (!e)
		e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
		    POSIX_SPAWN_SETPGROUP);
	if (!e)
		e = posix_spawnp(pid, cmd[0], &fa, &attr, cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e) {
		errno = e;
		return aie_fail_errno(EX_NOT_RUN, "%s", cmd[0]);
	}
	return 0;
}

/* Wait for the command; its exit status (128+N for signal N). SIGINT or
 * SIGTERM meanwhile sets *sig and goes on to the command's group, which
 * gets SIGKILL KILL_GRACE seconds later or at a second signal, and once
 * the command is gone: what it started may ignore the signal (a shell's
 * background jobs ignore SIGINT), and nothing of a stopped run stays. */
static int wait_child(pid_t pid, int *sig)
{
	struct timespec grace = { KILL_GRACE, 0 };
	siginfo_t si;
	int status, s, killed = 0;
	pid_t w;

	for (;;) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (w < 0 && errno != EINTR)
			return aie_fail_errno(EX_TEMP, "waitpid");
		s = *sig && !killed ? sigtimedwait(&watched, &si, &grace) :
		    sigwaitinfo(&watched, &si);
		if (s < 0 && errno == EAGAIN) {
			kill(-pid, SIGKILL);     /* the grace is over */
			killed = 1;
		} else if (s == SIGINT || s == SIGTERM) {
			if (*sig)
				killed = 1;
			else
				*sig = s;
			kill(-pid, killed ? SIGKILL : s);
		}
	}
	if (*sig)
		kill(-pid, SIGKILL);     /* none left: ESRCH, nothing to do */
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

/* SIGINT or SIGTERM that came while no command ran, or 0. */
static int pending_signal(void)
{
	struct timespec now = { 0, 0 };
	sigset_t stop;
	siginfo_t si;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	return sigtimedwait(&stop, &si, &now) > 0 ? si.si_signo : 0;
}

static int setenv_num(const char *key, size_t n)
{
	char s[24];

	snprintf(s, sizeof s, "%zu", n);
	return setenv(key, s, 1);
}

/* One run of cmd on step k with prompt: its exit status, or -1. */
static int run_once(char *const cmd[], const struct outcome *o,
    const char *prompt, int *sig)
{
	pid_t pid;
	int in, r;

	if (setenv("AIE_PLAN", o->plan, 1) < 0 ||
	    setenv_num("AIE_PLAN_STEP", o->next) < 0 ||
	    setenv_num("AIE_PLAN_ITERATION", o->runs) < 0 ||
	    setenv("AIE_PLAN_PROMPT", prompt, 1) < 0)
		return aie_fail_errno(EX_TEMP, "setenv");
	if ((in = prompt_pipe(prompt)) < 0)
		return -1;
	r = spawn(cmd, in, &pid);
	close(in);
	return r < 0 ? -1 : wait_child(pid, sig);
}

/* After a run on step k: ticked? reflected on (more than before)? Says
 * so on stderr (-v), and adds to note what the next prompt must say. */
static int look(struct outcome *o, size_t k, size_t before, char *note,
    size_t size)
{
	struct plan p;
	int ticked, reflected;

	note[0] = '\0';
	if (plan_load(&v, o->plan, &p) < 0)
		return -1;
	ticked = k <= p.nsteps && p.steps[k - 1].done;
	reflected = plan_reflections(&p, k) > before;
	plan_free(&p);
	if (cli.verbose)
		cli_warn(o->plan, "run %zu: step %zu %s, %s", o->runs, k,
		    ticked ? "ticked" : "not ticked",
		    reflected ? "reflected on" : "no reflection");
	if (ticked && !reflected) {
		json_array_append_new(o->unreflected, json_integer((json_int_t)k));
		if (!cli.quiet)
			cli_warn(o->plan, "step %zu was ticked with no reflection", k);
		snprintf(note, size, "Step %zu was ticked with no reflection: "
		    "first write it (plan --reflect %s %zu TEXT). ", k, o->plan, k);
	}
	return 0;
}

/* The plan's ID and next step, and that step's reflections so far. */
static int where(const char *arg, struct outcome *o, size_t *before)
{
	struct plan p;

	if (plan_load(&v, arg, &p) < 0)
		return -1;
	snprintf(o->plan, sizeof o->plan, "%s", p.ref.id);
	o->next = plan_next(&p);
	*before = o->next ? plan_reflections(&p, o->next) : 0;
	plan_free(&p);
	return 0;
}

/* The loop: an exit status, o says how it ended. */
static int loop(const char *arg, char *const cmd[], long max,
    struct outcome *o)
{
	char session[64], reason[1200], note[200], prompt[1500], what[200];
	size_t before;
	int r, sig = 0;

	snprintf(session, sizeof session, "plan-run-%ld-%lld", (long)getpid(),
	    (long long)time(NULL));
	note[0] = '\0';
	for (;;) {
		if ((sig = pending_signal())) {
			o->stop = "signal";
			cli_warn(o->plan[0] ? o->plan : arg, "stopped by %s",
			    strsignal(sig));
			return 128 + sig;
		}
		if ((r = plan_stop(&v, arg, session, max, reason,
		    sizeof reason)) < 0 || where(arg, o, &before) < 0) {
			cli_warnerr(arg);
			return aie_errcode;
		}
		if (r != PLAN_STOP_CONTINUE) {
			o->stop = r == PLAN_STOP_DONE ? "done" : r == PLAN_STOP_WAITS ?
			    "waits" : "limit";
			if (!cli.quiet)
				cli_warn(o->plan, "%s", reason[0] ? reason :
				    "every step is done");
			return r == PLAN_STOP_LIMIT ? EX_TEMP : 0;
		}
		o->runs++;
		snprintf(prompt, sizeof prompt, "%s%s\n", note, reason);
		r = run_once(cmd, o, prompt, &sig);
		snprintf(what, sizeof what, "step %zu, run %zu: %s %s %d", o->next,
		    o->runs, cmd[0], r > 128 && r < 160 ? "killed by signal" :
		    "exited", r > 128 && r < 160 ? r - 128 : r);
		audit_event(&v, "plan_run", o->plan, NULL, NULL, r < 0 ?
		    aie_errmsg : what);
		if (r < 0) {
			o->stop = "failed";
			cli_warnerr(o->plan);
			return aie_errcode;
		}
		if (sig) {
			o->stop = "signal";
			cli_warn(o->plan, "stopped by %s; %s", strsignal(sig), what);
			return 128 + sig;
		}
		if (r != 0) {
			o->stop = "failed";
			cli_warn(o->plan, "%s; stopped", what);
			return r;
		}
		if (look(o, o->next, before, note, sizeof note) < 0) {
			cli_warnerr(o->plan);
			return aie_errcode;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct outcome o;
	long max;
	int c, status;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	/* "+": the options end at the ID; the command's are its own */
	while ((c = getopt_long(argc, argv, "+" CLI_SHORTOPTS, longopts,
	    NULL)) != -1)
		if (!cli_option(c, optarg, usage))
			usage(2);
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		usage(2);
	if (config_long("PLAN_MAX_ITERATIONS", 10, 0, 1000, &max) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	/* the signals are taken in turn by wait_child and pending_signal,
	 * never by a handler: none is lost between two checks. SIGINT and
	 * SIGTERM ignored by whoever started this stay ignored (a shell's
	 * background job); SIGCHLD ignored would reap the command unseen. */
	sigemptyset(&watched);
	sigaddset(&watched, SIGINT);
	sigaddset(&watched, SIGTERM);
	sigaddset(&watched, SIGCHLD);
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR ||
	    sigprocmask(SIG_BLOCK, &watched, NULL) < 0) {
		cli_warn(NULL, "sigprocmask: %s", strerror(errno));
		return EX_TEMP;
	}
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	memset(&o, 0, sizeof o);
	o.stop = "failed";
	if (!(o.unreflected = json_array())) {
		vault_close(&v);
		return EX_TEMP;
	}
	status = loop(argv[optind], argv + optind + 2, max, &o);
	if (cli.json)
		cli_print_json(json_pack("{s:s, s:s, s:I, s:I, s:i, s:O}", "plan",
		    o.plan, "stop", o.stop, "runs", (json_int_t)o.runs, "next",
		    (json_int_t)o.next, "status", status, "unreflected",
		    o.unreflected));
	json_decref(o.unreflected);
	vault_close(&v);
	return status;
}
