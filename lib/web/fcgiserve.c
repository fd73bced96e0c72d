/*
 * fcgiserve.c - a CGI program served over FastCGI without an exec per
 * request: a listening Unix socket, a few worker processes taking its
 * connections in turn, and for each request a child forked from the
 * worker that runs the program's own main as a CGI (the parameters its
 * whole environment, STDIN on fd 0, fd 1 the answer). An exec costs more
 * than the request here (the dynamic loader's and libc's start-up), a
 * fork a fraction of it; and a child per request keeps what a CGI
 * program counts on: its own memory, its statics fresh, its failures its
 * own. The child may go on after closing fd 1 (its answer is complete
 * then), as wa-webhook does once Meta has its 200.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "web/web.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* A child ended: nothing to do but wake ppoll, which reaps it. */
static void on_child(int sig)
{
	(void)sig;
}

static int send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The child's environment: the request's parameters and nothing else
 * (as fcgiwrap gives a CGI program); a name with '=' or a NUL in either
 * part is left out. */
static void set_env(const struct fcgi_req *r)
{
	const unsigned char *p, *end;
	struct fcgi_param nv = { 0 };
	char name[256];

	clearenv();
	if (!r->params.p)
		return;
	p = (const unsigned char *)r->params.p;
	end = p + r->params.len;
	while (fcgi_param_next(&p, end, &nv) == 1) {
		char *value;

		if (!nv.nlen || nv.nlen >= sizeof name ||
		    memchr(nv.name, '=', nv.nlen) ||
		    memchr(nv.name, '\0', nv.nlen) ||
		    memchr(nv.value, '\0', nv.vlen))
			continue;
		memcpy(name, nv.name, nv.nlen);
		name[nv.nlen] = '\0';
		if (!(value = strndup(nv.value, nv.vlen)))
			_exit(EX_TEMP);
		if (setenv(name, value, 1) < 0)
			_exit(EX_TEMP);
		free(value);
	}
}

/* Run the request in a child: the read end of its fd 1, or -1. */
static int spawn(const struct fcgi_req *r, int lfd, int conn,
    int (*run)(void))
{
	int in, out[2];
	pid_t pid;

	if ((in = memfd_create("fcgi-stdin", MFD_CLOEXEC)) < 0) {
		aie_fail_errno(EX_TEMP, "memfd_create");
		return -1;
	}
	if ((r->in.len && write(in, r->in.p, r->in.len) !=
	    (ssize_t)r->in.len) || lseek(in, 0, SEEK_SET) < 0) {
		aie_fail_errno(EX_TEMP, "the request's body");
		close(in);
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		aie_fail_errno(EX_TEMP, "pipe");
		close(in);
		return -1;
	}
	if ((pid = fork()) < 0) {
		aie_fail_errno(EX_TEMP, "fork");
		close(in);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		if (dup2(in, 0) < 0 || dup2(out[1], 1) < 0)
			_exit(EX_TEMP);
		close(in);
		close(out[0]);
		close(out[1]);
		close(lfd);
		close(conn);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		set_env(r);
		exit(run());
	}
	close(in);
	close(out[1]);
	return out[0];
}

/* The child's fd 1 as STDOUT records, then the request's end; a child
 * that said nothing (or none, from -1) is a 500. -1 when the connection
 * is gone. */
static int relay(int from, int conn, unsigned id)
{
	static const char none[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\nno answer\n";
	struct buf out = { 0 };
	char b[16384];
	size_t total = 0;
	ssize_t n;
	int r = 0;

	while (from >= 0) {
		n = read(from, b, sizeof b);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		out.len = 0;
		fcgi_record(&out, FCGI_STDOUT, id, b, (size_t)n);
		if (!r && (out.oom || send_all(conn, out.p, out.len) < 0))
			r = -1;   /* read on: the child must not block */
	}
	out.len = 0;
	if (!total)
		fcgi_record(&out, FCGI_STDOUT, id, none, sizeof none - 1);
	fcgi_record(&out, FCGI_STDOUT, id, NULL, 0);
	fcgi_end(&out, id, 0);
	if (!r && (out.oom || send_all(conn, out.p, out.len) < 0))
		r = -1;
	buf_free(&out);
	return r;
}

/* One connection: its requests (more than one when the web server keeps
 * it open), each run and answered in turn. */
static void serve_conn(int conn, int lfd, size_t in_max, int (*run)(void))
{
	static unsigned char b[8 + 65535 + 255];   /* the longest record */
	struct timeval tv = { 30, 0 };
	struct fcgi_req r = { 0 };
	struct buf out = { 0 };
	size_t have = 0;
	ssize_t n, used;
	int from;

	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	r.in_max = in_max;
	for (;;) {
		out.len = 0;
		used = fcgi_take(&r, b, have, &out);
		if (used < 0) {
			fprintf(stderr, "%s: FastCGI: %s\n", aie_prog() ?
			    aie_prog() : "fcgi", aie_errmsg);
			break;
		}
		if (out.len && send_all(conn, out.p, out.len) < 0)
			break;
		memmove(b, b + used, have - (size_t)used);
		have -= (size_t)used;
		if (r.done) {
			int keep = r.keep_conn;
			unsigned id = r.id;

			from = spawn(&r, lfd, conn, run);
			fcgi_req_free(&r);
			r.in_max = in_max;
			if (from < 0)
				fprintf(stderr, "%s: %s\n", aie_prog() ?
				    aie_prog() : "fcgi", aie_errmsg);
			/* no child: relay's answer for a child that said
			 * nothing, the 500 */
			n = relay(from, conn, id);
			if (from >= 0)
				close(from);
			if (n < 0 || !keep)
				break;
			continue;
		}
		if (have == sizeof b)
			break;   /* a record cannot be longer */
		if (!have && !r.id) {
			/* between requests: a stop ends the connection here
			 * (the stop signals are let in while waiting only) */
			struct pollfd pfd = { .fd = conn, .events = POLLIN };
			struct timespec idle = { 30, 0 };
			sigset_t open_mask;

			sigemptyset(&open_mask);
			n = stopping ? 0 : ppoll(&pfd, 1, &idle, &open_mask);
			if (n < 0 && errno == EINTR && !stopping)
				continue;
			if (n == 0 || stopping)
				break;
		}
		n = read(conn, b + have, sizeof b - have);
		if (n < 0 && errno == EINTR && !stopping)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	fcgi_req_free(&r);
	buf_free(&out);
	close(conn);
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* A worker: connections taken in turn until told to stop, then its
 * children (still filing, maybe) waited for. */
static int worker(int lfd, size_t in_max, int (*run)(void))
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct sigaction chld = { .sa_handler = on_child };
	sigset_t open_mask;
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int conn;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* a request's child that ends after its answer is reaped when it
	 * ends, not left a zombie until the next connection */
	sigaction(SIGCHLD, &chld, NULL);
	sigemptyset(&open_mask);
	while (!stopping) {
		reap();
		/* the stop signals are blocked but while waiting here */
		if (ppoll(&pfd, 1, NULL, &open_mask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "fcgi: poll: %s\n", strerror(errno));
			break;
		}
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "fcgi: accept: %s\n",
				    strerror(errno));
			continue;
		}
		serve_conn(conn, lfd, in_max, run);
		reap();
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

static pid_t start_worker(int lfd, size_t in_max, int (*run)(void))
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(worker(lfd, in_max, run));
	return pid;
}

int fcgi_serve(const char *path, int workers, size_t in_max,
    int (*run)(void))
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	pid_t *pids;
	sigset_t stop;
	struct stat st;
	int lfd, i, sig, alive;

	if (workers < 1 || workers > 64)
		return aie_fail(EX_ARGS, "%d workers: 1 to 64", workers);
	if (strlen(path) >= sizeof sa.sun_path)
		return aie_fail(EX_ARGS, "%s: a socket path that long cannot "
		    "be bound", path);
	strcpy(sa.sun_path, path);
	/* a socket left by a server that died is taken over; anything else
	 * at the path is not ours to remove */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return aie_fail(EX_ARGS, "%s: there, and not a socket",
			    path);
		if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(lfd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(lfd);
			return aie_fail(EX_TEMP, "%s: a server is listening "
			    "there", path);
		}
		if (lfd >= 0)
			close(lfd);
		if (unlink(path) < 0)
			return aie_fail_errno(EX_TEMP, "%s", path);
	}
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return aie_fail_errno(EX_TEMP, "socket");
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    lstat(path, &st) < 0 || listen(lfd, 128) < 0) {
		aie_fail_errno(EX_TEMP, "%s", path);
		close(lfd);
		return -1;
	}
	if (!(pids = calloc((size_t)workers, sizeof *pids))) {
		close(lfd);
		unlink(path);
		return aie_fail(EX_TEMP, "out of memory");
	}
	sigaction(SIGPIPE, &ign, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGCHLD);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	for (i = 0; i < workers; i++)
		pids[i] = start_worker(lfd, in_max, run);
	for (;;) {
		if (sigwait(&stop, &sig) != 0 || sig != SIGCHLD)
			break;
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);

			if (pid <= 0)
				break;
			for (i = 0; i < workers; i++)
				if (pids[i] == pid) {
					fprintf(stderr, "fcgi: worker %d ended "
					    "(status %d); started again\n",
					    (int)pid, status);
					sleep(1);
					pids[i] = start_worker(lfd, in_max,
					    run);
				}
		}
	}
	/* stop: no new connection, the workers finish theirs; the path
	 * removed if it is still the socket bound here */
	{
		struct stat now;

		if (lstat(path, &now) == 0 && now.st_dev == st.st_dev &&
		    now.st_ino == st.st_ino)
			unlink(path);
	}
	close(lfd);
	for (i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	do {
		alive = 0;
		for (i = 0; i < workers; i++)
			if (pids[i] > 0) {
				if (waitpid(pids[i], NULL, 0) == pids[i] ||
				    errno == ECHILD)
					pids[i] = 0;
				else
					alive = 1;
			}
	} while (alive);
	free(pids);
	return 0;
}
