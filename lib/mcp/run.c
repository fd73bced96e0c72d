/*
 * run.c - run one of the toolkit's tools for a tool call and collect what
 * it says. Its stdin is the text given, or /dev/null (vault-mcp's own
 * stdin is the protocol stream), and its stdout is captured, so nothing but protocol messages
 * reach the client.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp/mcp.h"

extern char **environ;

#define RUN_OUT_MAX (1 << 20)    /* more than this of either is cut */

void run_out_free(struct run_out *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Read both pipes to their end (poll, so neither fills and blocks). */
static int drain(int fds[2], struct buf *b)
{
	struct pollfd p[2];
	char chunk[4096];
	int open = 2, i;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	while (open > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return aie_fail_errno(EX_TEMP, "poll");
		}
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				open--;
				continue;
			}
			buf_add(&b[i], chunk, (size_t)n);
		}
	}
	return 0;
}

/* A file holding in, at its start, for the tool's stdin; -1 on failure.
 * A memfd: nothing on disk, and no pipe to keep fed while both outputs
 * are read. */
static int stdin_file(const char *in)
{
	size_t len = strlen(in), off = 0;
	ssize_t n;
	int fd = memfd_create("vault-mcp-stdin", MFD_CLOEXEC);

	if (fd < 0)
		return aie_fail_errno(EX_TEMP, "memfd_create");
	while (off < len) {
		if ((n = write(fd, in + off, len - off)) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			aie_fail_errno(EX_TEMP, "memfd");
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		aie_fail_errno(EX_TEMP, "memfd");
		close(fd);
		return -1;
	}
	return fd;
}

int mcp_run(const char *bindir, char *const argv[], const char *in,
    struct run_out *r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl;
	struct buf b[2];
	char path[4096];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, fds[2], status, e, ok;
	int infd = -1;
	pid_t pid;

	memset(r, 0, sizeof *r);
	memset(b, 0, sizeof b);
	b[0].max = b[1].max = RUN_OUT_MAX;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", bindir, argv[0]) >=
	    sizeof path)
		return aie_fail(EX_CONFIG, "%s: path too long", bindir);
	if (in && (infd = stdin_file(in)) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		aie_fail_errno(EX_TEMP, "pipe");
		goto closefds;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = e;
		aie_fail_errno(EX_TEMP, "posix_spawn_file_actions_init");
		goto closefds;
	}
	if ((e = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = e;
		aie_fail_errno(EX_TEMP, "posix_spawnattr_init");
		goto closefds;
	}
	/* vault-mcp ignores SIGPIPE (a client gone is a write error there);
	 * the tool gets the default, as from a shell */
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	ok = (infd >= 0 ? posix_spawn_file_actions_adddup2(&fa, infd, 0) :
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0))
	    == 0 && posix_spawn_file_actions_adddup2(&fa, out[1], 1) == 0 &&
	    posix_spawn_file_actions_adddup2(&fa, err[1], 2) == 0 &&
	    posix_spawnattr_setsigdefault(&attr, &dfl) == 0 &&
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF) == 0;
	e = ok ? posix_spawn(&pid, path, &fa, &attr, argv, environ) : ENOMEM;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		errno = e;
		aie_fail_errno(EX_DOWN, "%s", path);
		goto closefds;
	}
	close(out[1]);
	close(err[1]);
	if (infd >= 0)
		close(infd);
	out[1] = err[1] = infd = -1;
	fds[0] = out[0];
	fds[1] = err[0];
	ok = drain(fds, b) == 0;
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			buf_free(&b[0]);
			buf_free(&b[1]);
			return aie_fail_errno(EX_TEMP, "%s: waitpid", argv[0]);
		}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	if (!ok) {
		buf_free(&b[0]);
		buf_free(&b[1]);
		return -1;               /* drain said why */
	}
	r->out = buf_take(&b[0], NULL);
	r->err = buf_take(&b[1], NULL);
	if (!r->out || !r->err) {
		run_out_free(r);
		return aie_fail(EX_TEMP, "%s: out of memory", argv[0]);
	}
	return 0;
closefds:
	if (infd >= 0)
		close(infd);
	for (e = 0; e < 2; e++) {
		if (out[e] >= 0)
			close(out[e]);
		if (err[e] >= 0)
			close(err[e]);
	}
	return -1;
}
