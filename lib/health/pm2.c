/*
 * pm2.c - the processes PM2 runs, from `pm2 jlist` (a JSON array: name,
 * pm2_env.status, pm2_env.restart_time, pm2_env.pm_uptime in ms since the
 * epoch, monit.memory in bytes). pm2 is run as a program, without a
 * shell, with its output capped and a time-out; it is not run at all when
 * its daemon is not running, since jlist would start one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vault/vault.h"
#include "health/health.h"

extern char **environ;

#define JLIST_MAX (4 << 20)

static int on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *e;
	char buf[4096];

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		if ((size_t)snprintf(buf, sizeof buf, "%.*s/%s", (int)(e - p), p,
		    prog) < sizeof buf && access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

static int daemon_running(void)
{
	const char *home = getenv("PM2_HOME");
	char sock[4096];
	struct stat st;

	if (home && *home)
		snprintf(sock, sizeof sock, "%s/rpc.sock", home);
	else
		snprintf(sock, sizeof sock, "%s/.pm2/rpc.sock",
		    getenv("HOME") ? getenv("HOME") : "");
	return stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Run pm2 jlist; its stdout (malloc'd) or NULL with why. */
static char *jlist(long timeout, char *why, size_t size)
{
	char *argv[] = { "pm2", "jlist", NULL }, *out = NULL;
	posix_spawn_file_actions_t fa;
	size_t len = 0;
	int pfd[2], status, timed_out = 0;
	pid_t pid;
	time_t end = time(NULL) + timeout;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(why, size, "pipe: %s", strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	errno = posix_spawnp(&pid, "pm2", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (errno) {
		snprintf(why, size, "pm2: %s", strerror(errno));
		close(pfd[0]);
		return NULL;
	}
	if (!(out = malloc(JLIST_MAX + 1))) {
		snprintf(why, size, "out of memory");
		kill(pid, SIGKILL);
		goto reap;
	}
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long ms = (long)(end - time(NULL)) * 1000;
		ssize_t n;
		int rc = poll(&p, 1, ms > 0 ? (int)ms : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], out + len, JLIST_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == JLIST_MAX) {
			kill(pid, SIGKILL);
			break;
		}
	}
	out[len] = '\0';
reap:
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!out)
		return NULL;
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, size, timed_out ? "pm2 jlist timed out" :
		    "pm2 jlist failed (status %d)", WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
		free(out);
		return NULL;
	}
	return out;
}

void pm2_judge(const char *out, long max_restarts, struct health *h)
{
	char list[HEALTH_DETAIL_MAX], one[200], up[32];
	const char *start;
	json_t *arr, *p;
	size_t i, online = 0, bad = 0, shaky = 0, used = 0;
	json_error_t je;

	/* pm2 may print notices before the JSON */
	for (start = out; *start; start++)
		if (*start == '[' && (start == out || start[-1] == '\n'))
			break;
	arr = json_loads(start, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_array(arr)) {
		health_set(h, "down", "pm2 jlist: not a JSON list (%s)", je.text);
		json_decref(arr);
		return;
	}
	list[0] = '\0';
	json_array_foreach(arr, i, p) {
		const char *name = "?", *status = "?";
		json_int_t restarts = 0, since = 0, mem = 0;
		json_unpack(p, "{s?s, s?{s?s, s?I, s?I}, s?{s?I}}", "name", &name,
		    "pm2_env", "status", &status, "restart_time", &restarts,
		    "pm_uptime", &since, "monit", "memory", &mem);
		if (!strcmp(status, "online")) {
			online++;
			if (max_restarts >= 0 && restarts > max_restarts)
				shaky++;
		} else if (!strcmp(status, "launching") ||
		    !strcmp(status, "waiting restart")) {
			shaky++;
		} else {
			bad++;
		}
		duration_text(since > 0 && !strcmp(status, "online") ?
		    (long)(time(NULL) - since / 1000) : 0, up, sizeof up);
		snprintf(one, sizeof one, "%s%s %s%s%s %lld restarts %lld MB",
		    i ? ", " : "", name, status, strcmp(status, "online") ? "" : " ",
		    strcmp(status, "online") ? "" : up, (long long)restarts,
		    (long long)(mem >> 20));
		if (used + strlen(one) < sizeof list - 4) {
			strcat(list, one);
			used += strlen(one);
		} else if (!strstr(list, "...")) {
			strcat(list, "...");
		}
	}
	if (json_array_size(arr) == 0)
		health_set(h, "degraded", "no process");
	else
		health_set(h, bad ? "down" : shaky ? "degraded" : "up",
		    "%zu/%zu online: %s", online, json_array_size(arr), list);
	json_decref(arr);
}

void probe_pm2(long timeout, long max_restarts, struct health *h)
{
	char why[200], *out;

	if (!on_path("pm2")) {
		health_set(h, "unknown", "pm2 not on PATH");
		return;
	}
	if (!daemon_running()) {
		health_set(h, "unknown", "pm2 daemon not running");
		return;
	}
	if (!(out = jlist(timeout, why, sizeof why))) {
		health_set(h, "down", "%s", why);
		return;
	}
	pm2_judge(out, max_restarts, h);
	free(out);
}
