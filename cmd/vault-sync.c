/*
 * vault-sync - share the vault through Git (see vault-sync(1)): one cycle (lock,
 * stage with the secret guard, commit, fetch, integrate by the conflict
 * rules, push), or forever with --interval S or --watch (inotify on the
 * vault, debounced, plus a fetch every --interval or 60 s) for PM2 and
 * cron. SIGTERM and SIGINT end the cycle in flight, then exit 0. The work
 * is in lib/sync/ (sync.c, stage.c, merge.c); this file is options,
 * reporting and the loops.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "sync/sync.h"

static int said_single;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-sync [-jnqv] [-C DIR] [-a AGENT] [--dry-run]\n"
	    "                  [--interval S | --watch [--interval S]]\n"
	    "       vault-sync --scan [--] PATH...\n");
	exit(status ? 2 : 0);
}

/* Refused files, conflict copies, lost claims: told even with -q. */
static void change_cb(const char *what, const char *path, const char *from)
{
	if (cli.json)
		return;
	if (from)
		printf("%s\t%s\t%s\n", what, from, path);
	else
		printf("%s\t%s\n", what, path);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report_json(struct vault *v, const struct sync_opts *o,
    const struct sync_result *r, int status)
{
	struct rusage ru;
	char ts[21];
	json_t *j;

	time_rfc3339(time(NULL), ts);   /* when the cycle ended */
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		ru.ru_maxrss = 0;
	j = json_pack("{s:s, s:s, s:b, s:i, s:b, s:s, s:s?, s:s?, s:i, s:i,"
	    " s:i, s:i, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:b, s:b, s:f,"
	    " s:I, s:I}",
	    "ts", ts, "agent", v->agent, "ok", status == 0, "status", status,
	    "dry_run", o->dry_run, "message", r->message,
	    "commit", r->commit[0] ? r->commit : NULL,
	    "head", r->head[0] ? r->head : NULL,
	    "staged", r->staged, "refused", r->refused,
	    "conflicts", r->conflicts, "claims_lost", r->claims_lost,
	    "remote", r->remote, "fetched", r->fetched,
	    "fastforward", r->fastforward, "merged", r->merged,
	    "pushed", r->pushed, "attempts", r->attempts,
	    "repacked", r->repacked, "scanned", r->scanned,
	    "scoped", r->scoped, "ms", r->ms,
	    "rss_kb", (json_int_t)ru.ru_maxrss,
	    "repack_kb", (json_int_t)r->repack_kb);
	char *s;

	if (!j)
		return;
	if (status)
		json_object_set_new(j, "error", json_string(aie_errmsg));
	if ((s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6)))) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(j);
}

/* One cycle, reported; its exit status. */
static int run(struct sync *s, struct vault *v, const struct sync_opts *o)
{
	struct sync_result r;
	int status = 0;

	if (sync_cycle(s, o, &r) < 0) {
		status = aie_errcode ? aie_errcode : EX_TEMP;
		cli_warnerr(NULL);
	}
	if (cli.json)
		report_json(v, o, &r, status);
	if (status)
		return status;
	if (o->dry_run) {
		if (!cli.json)
			printf("commit\t%s\n", r.staged ? r.message :
			    "(nothing to commit)");
		return 0;
	}
	if (!r.remote && !said_single && !cli.quiet) {
		cli_warn(NULL, "no remote configured: committed only "
		    "(single-agent mode)");
		said_single = 1;
	}
	if (cli.verbose)
		cli_warn(NULL, "%s%s%s%s%s", r.commit[0] ? r.message :
		    "nothing to commit", r.fastforward ? "; fast-forwarded" : "",
		    r.merged ? "; merged the remote" : "",
		    r.pushed ? "; pushed" : "",
		    r.remote && !r.pushed ? "; remote up to date" : "");
	return 0;
}

/* Between the cycles of a long-running process: let go of the packs
 * libgit2 opened and the heap pages the cycle freed, so what it holds
 * stays bounded (see vault-sync(1), Memory). */
static void forget(struct sync *s)
{
	if (sync_forget(s) < 0)
		cli_warnerr(NULL);
}

/* --- --watch --- */

static char **wpath;            /* watch descriptor -> directory */
static int nwpath;

/*
 * What inotify saw change since the last cycle began, as paths relative
 * to the vault, for that cycle to stage only those (sync_opts.paths).
 * Up to SEEN_MAX distinct paths; past that, or on anything the list
 * cannot tell exactly (a lost event, a .gitignore that may bring in or
 * leave out any file), the cycle examines the whole work tree.
 */
enum { SEEN_MAX = 1000 };
static struct {
	char *v[SEEN_MAX];
	size_t n;
	int whole;               /* the next cycle examines every file */
	size_t rootlen;          /* strlen of the vault root in wpath */
} seen;

static void seen_clear(void)
{
	size_t i;

	for (i = 0; i < seen.n; i++)
		free(seen.v[i]);
	seen.n = 0;
	seen.whole = 0;
}

static void seen_add(const char *dir, const char *name)
{
	const char *rel = dir + seen.rootlen;
	char path[4096];
	size_t i;

	if (seen.whole)
		return;
	if (strncmp(name, ".gitignore", 10) == 0 ||
	    strcmp(name, ".gitattributes") == 0) {
		seen.whole = 1;
		return;
	}
	if (*rel == '/')
		rel++;
	if ((size_t)snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" :
	    "", name) >= sizeof path) {
		seen.whole = 1;
		return;
	}
	for (i = seen.n; i > 0; i--)    /* the same file's burst: newest last */
		if (strcmp(seen.v[i - 1], path) == 0)
			return;
	if (seen.n == SEEN_MAX || !(seen.v[seen.n] = strdup(path))) {
		seen.whole = 1;
		return;
	}
	seen.n++;
}

static void watch_tree(int fd, const char *dir)
{
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE |
	    IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR;
	char sub[4096];
	struct dirent *e;
	DIR *d;
	int wd = inotify_add_watch(fd, dir, mask);

	if (wd < 0) {
		cli_warn(dir, "inotify: %s", strerror(errno));
		return;
	}
	if (wd >= nwpath) {
		char **n = realloc(wpath, (size_t)(wd + 64) * sizeof *n);
		if (!n)
			return;
		memset(n + nwpath, 0, (size_t)(wd + 64 - nwpath) * sizeof *n);
		wpath = n;
		nwpath = wd + 64;
	}
	free(wpath[wd]);
	wpath[wd] = strdup(dir);
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") ||
		    !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git") ||
		    !strcmp(e->d_name, ".state"))
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) <
		    sizeof sub)
			watch_tree(fd, sub);
	}
	closedir(d);
}

/* A path remote's watched directories: its refs/heads and its top (for
 * packed-refs). -1: none. */
static int remote_wd[2] = { -1, -1 };

/* Watch a path remote's branch refs: a push renames a lock file onto the
 * ref (or onto packed-refs), and the fetch can come at once instead of at
 * the next period. Without the watch (not a path, or no inotify for it)
 * the period alone brings the other agent's work. */
static void watch_remote(int fd, struct sync *s)
{
	const char *dir = sync_remote_dir(s);
	char heads[4200];

	if (!dir || (size_t)snprintf(heads, sizeof heads, "%s/refs/heads",
	    dir) >= sizeof heads)
		return;
	remote_wd[0] = inotify_add_watch(fd, heads, IN_MOVED_TO | IN_CREATE |
	    IN_ONLYDIR);
	remote_wd[1] = inotify_add_watch(fd, dir, IN_MOVED_TO | IN_ONLYDIR);
}

/* Read the pending events; 1 when any concerns the vault. *remote: one
 * concerned a path remote's refs. */
static int drain(int fd, int *remote)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	char sub[4096];
	ssize_t n;
	int any = 0;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		char *p = buf;
		while (p < buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				any = 1;
				seen.whole = 1;
				*remote = 1;
				continue;
			}
			if (ev->wd == remote_wd[0] || (ev->wd == remote_wd[1] &&
			    ev->len && !strcmp(ev->name, "packed-refs"))) {
				*remote = 1;
				continue;
			}
			if (ev->wd == remote_wd[1])
				continue;
			if (ev->len && (!strcmp(ev->name, ".git") ||
			    !strcmp(ev->name, ".state")))
				continue;
			any = 1;
			/* a directory's own event (IN_IGNORED, IN_DELETE_SELF)
			 * comes with no name: its parent's event names it */
			if (ev->len && ev->wd >= 0 && ev->wd < nwpath &&
			    wpath[ev->wd])
				seen_add(wpath[ev->wd], ev->name);
			else if (ev->len)
				seen.whole = 1;
			if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE |
			    IN_MOVED_TO)) && ev->wd < nwpath && wpath[ev->wd] &&
			    (size_t)snprintf(sub, sizeof sub, "%s/%s",
			    wpath[ev->wd], ev->name) < sizeof sub)
				watch_tree(fd, sub);
		}
	}
	return any;
}

/*
 * Cycles on inotify events (after VAULT_SYNC_QUIET_MS of quiet) and every period. A cycle
 * with no event since the last one began (a periodic fetch) skips the
 * stat of every file: inotify watches every directory, so the work tree
 * is as the last good cycle left it; a cycle after events stages only
 * the paths they name (seen). An overflowed event queue counts as a
 * change to anything, and the whole tree is examined at least every
 * FULL_SCAN s.
 */
enum { FULL_SCAN = 600 };

static int watch(struct sync *s, struct vault *v, struct sync_opts *o,
    double period)
{
	struct pollfd pfd;
	double next, quiet_until = 0, scanned, quiet;
	long quiet_ms;
	int fd, dirty = 0, remote = 0, i;

	/* the quiet a change waits for: an editor's save is one burst of
	 * events well under it; the other agent sees it that much later */
	if (config_long("VAULT_SYNC_QUIET_MS", 500, 50, 60000, &quiet_ms) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	quiet = (double)quiet_ms / 1000;
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0) {
		cli_warn(NULL, "inotify: %s", strerror(errno));
		return EX_TEMP;
	}
	seen.rootlen = strlen(v->root);
	o->repack_later = 1;    /* a repack must not hold a cycle up */
	watch_tree(fd, v->root);
	watch_remote(fd, s);
	run(s, v, o);
	scanned = now_s();
	seen_clear();
	dirty = drain(fd, &remote);     /* our own checkout, or the user's edits */
	quiet_until = now_s() + quiet;
	next = remote && sync_remote_moved(s) ? now_s() : now_s() + period;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!loop_stop) {
		/* the period holds under a stream of changes too: the quiet
		 * a debounce waits for may never come */
		double wake = dirty && quiet_until < next ? quiet_until : next;
		int ms = (int)((wake - now_s()) * 1000);
		if (ms < 0)
			ms = 0;
		remote = 0;
		if (poll(&pfd, 1, ms) > 0 && drain(fd, &remote)) {
			dirty = 1;      /* debounce: wait for the quiet */
			quiet_until = now_s() + quiet;
		}
		/* another agent pushed: fetch now, not at the period (our own
		 * push moved the ref too, but to the tip we already have) */
		if (remote && sync_remote_moved(s))
			next = now_s();
		if (dirty && now_s() < quiet_until && now_s() < next)
			continue;
		if (loop_stop)
			break;
		if ((dirty && now_s() >= quiet_until) || now_s() >= next) {
			/* a failed cycle (remote down, lock busy) is retried
			 * within 5 s rather than at the next period */
			int failed, full = seen.whole ||
			    now_s() - scanned >= FULL_SCAN;
			o->tree_unchanged = !dirty && !full;
			/* what changed, when inotify can say */
			o->paths = dirty && !full && seen.n ?
			    (const char *const *)seen.v : NULL;
			o->npaths = seen.n;
			if (full)
				scanned = now_s();
			dirty = 0;
			failed = run(s, v, o) != 0;
			forget(s);
			o->tree_unchanged = 0;
			o->paths = NULL;
			seen_clear();
			next = now_s() + (failed && period > 5 ? 5 : period);
		}
	}
	close(fd);
	seen_clear();
	for (i = 0; i < nwpath; i++)
		free(wpath[i]);
	free(wpath);
	return 0;
}

/* --- --scan: the secret guard alone, for the pre-commit hook --- */

/* Check one path by name, then by content: 0 clean, 1 refused, 2 when it
 * cannot be read (so it cannot be called clean). */
static int scan_one(const char *path)
{
	const char *rel = path, *rule;
	int fd, r;

	while (strncmp(rel, "./", 2) == 0)
		rel += 2;
	if ((rule = secret_path_denied(rel))) {
		cli_warn(path, "name on the deny-list (%s)", rule);
		return 1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return 0;       /* a symlink: Git stores only its target */
	if (fd < 0) {
		cli_warn(path, "%s", strerror(errno));
		return 2;
	}
	r = secret_scan_fd(fd, &rule);
	if (r < 0 && errno == EISDIR)
		r = 0;          /* a directory: its name was the check */
	else if (r < 0)
		cli_warn(path, "read: %s", strerror(errno));
	close(fd);
	if (r > 0)
		cli_warn(path, "content looks like a secret (%s)", rule);
	return r < 0 ? 2 : r;
}

static int scan_paths(int argc, char **argv)
{
	int status = 0, i, r;

	if (argc == 0)
		usage(2);
	secret_key_learn_approval();    /* none on agent cloud: rule off */
	for (i = 0; i < argc; i++)
		if ((r = scan_one(argv[i])) > status)
			status = r;
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "watch", no_argument, NULL, 'w' },
		{ "scan", no_argument, NULL, 's' + 256 },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct sync_opts o = { 0 };
	struct sync *s = NULL;
	struct vault v;
	double backoff[16], interval = 0;
	int c, status, watching = 0, scan = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "ni:w", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'n': o.dry_run = 1; break;
		case 'w': watching = 1; break;
		case 's' + 256: scan = 1; break;
		case 'i': interval = cli_interval(optarg, 0, usage); break;
		default: usage(2);
		}
	}
	if (scan) {
		if (o.dry_run || watching || interval > 0)
			usage(2);
		return scan_paths(argc - optind, argv + optind);
	}
	if (optind != argc || (o.dry_run && (watching || interval > 0)))
		usage(2);
	if (sync_backoff_parse(config_get_default("VAULT_SYNC_BACKOFF",
	    "10,30,90"), backoff, 16, &o.nbackoff) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	o.backoff = backoff;
	o.long_running = watching || interval > 0;
	o.stop = &loop_stop;
	o.warn = cli_warn_msg;
	o.change = change_cb;
	o.progress = isatty(2) && !cli.quiet && !cli.json ? cli_progress : NULL;
	git_tls_defer();        /* parsed only for an HTTPS remote */
	if ((status = cli_open_vault(&v)))
		return status;
	if (sync_open(&s, &v) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	loop_catch_term();              /* no SA_RESTART: waits end early */
	if (watching)
		status = watch(s, &v, &o, interval > 0 ? interval : 60);
	else if (interval > 0) {
		while (!loop_stop) {
			run(s, &v, &o);
			forget(s);
			loop_nap(interval);
		}
		status = 0;
	} else
		status = run(s, &v, &o);
	if (loop_stop && (watching || interval > 0))
		status = 0;
	sync_close(s);
	vault_close(&v);
	return status;
}
