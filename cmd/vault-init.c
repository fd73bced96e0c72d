/*
 * vault-init - create a vault: the stage directories of vault(5), a
 * .gitignore holding the secret deny-list, the handbook and dashboard
 * templates, a Git repository with a first commit, and (for any agent but
 * cloud) the approval key outside the vault. Running it on an existing
 * vault fills in what is missing and overwrites nothing.
 *
 * --remote URL adds the remote "origin" and pushes the first commit;
 * --clone URL makes the second agent's vault: a clone of the shared
 * remote, then the layout filled in as above (its own .state/).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <jansson.h>

#include "cli/cli.h"
#include "approval/approval.h"
#include "sync/sync.h"

static const char *const dirs[] = {
	"Needs_Action", "Needs_Action/email", "Needs_Action/whatsapp",
	"Needs_Action/social", "Needs_Action/finance", "Needs_Action/general",
	"In_Progress", "Plans", "Pending_Approval", "Pending_Approval/email",
	"Approved", "Rejected", "Done", "Updates", "Health", "Logs",
	"Logs/API_Usage", "Logs/Notifications", NULL
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-init [-jq] [-a AGENT] [--no-git] [--no-key] "
	    "[--remote URL | --clone URL] DIR\n");
	exit(status ? 2 : 0);
}

/* Write rel (relative to fd) unless something is already there. */
static int write_new(int fd, const char *rel, const char *text, int *made)
{
	struct stat st;

	if (fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	if (file_writeat(fd, rel, text, strlen(text), 0644) < 0)
		return -1;
	(*made)++;
	return 0;
}

/* .gitignore: the secret guard's own deny-list (vault(5)) between
 * vault-init's lines, so the two never drift apart. ".git/" is Git's own. */
static int put(char *buf, size_t size, size_t *len, const char *text)
{
	size_t n = strlen(text);

	if (*len + n >= size)
		return aie_fail(EX_SOFTWARE, ".gitignore: over %zu bytes", size);
	memcpy(buf + *len, text, n + 1);
	*len += n;
	return 0;
}

static int gitignore_text(char *buf, size_t size)
{
	const char *const *name;
	size_t len = 0;

	if (put(buf, size, &len, tpl_gitignore_head) < 0)
		return -1;
	for (name = secret_deny_list(); *name; name++)
		if (strcmp(*name, ".git/") && (put(buf, size, &len, *name) < 0 ||
		    put(buf, size, &len, "\n") < 0))
			return -1;
	return put(buf, size, &len, tpl_gitignore_tail);
}

static int is_empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* Where the pre-commit hook is: $AIE_DATADIR/deploy, the installed
 * DATADIR/deploy, or the source tree when run from build/bin. */
static int find_hook(char *buf, size_t size)
{
	char exe[4096], *slash;
	const char *data = getenv("AIE_DATADIR");
	ssize_t n;

	if (data && (size_t)snprintf(buf, size, "%s/deploy/pre-commit", data) <
	    size && access(buf, R_OK) == 0)
		return 0;
	if ((size_t)snprintf(buf, size, "%s/deploy/pre-commit", DATADIR) < size &&
	    access(buf, R_OK) == 0)
		return 0;
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 3 && (slash = strrchr(exe, '/')); up++)
			*slash = '\0';        /* TOP/build/bin/vault-init -> TOP */
		if ((size_t)snprintf(buf, size, "%s/share/deploy/pre-commit", exe) <
		    size && access(buf, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* Install the secret deny-list hook as .git/hooks/pre-commit, so that a
 * commit made by hand (git, Obsidian Git) is guarded as vault-sync's are.
 * An existing hook is the owner's: it is left alone. */
static void install_hook(const char *dir)
{
	char src[4096], dst[4096], hooks[4096], data[65536];
	struct stat st;
	ssize_t n;
	int in, out;

	if ((size_t)snprintf(hooks, sizeof hooks, "%s/.git/hooks", dir) >=
	    sizeof hooks || (size_t)snprintf(dst, sizeof dst, "%s/pre-commit",
	    hooks) >= sizeof dst || lstat(dst, &st) == 0)
		return;
	if (find_hook(src, sizeof src) < 0) {
		cli_warn(dir, "pre-commit hook not found (install ai-employee, or "
		    "set AIE_DATADIR); vault-sync still refuses secrets");
		return;
	}
	if (mkdir(hooks, 0755) < 0 && errno != EEXIST) {
		cli_warn(hooks, "%s", strerror(errno));
		return;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_warn(src, "%s", strerror(errno));
		return;
	}
	n = read(in, data, sizeof data);
	close(in);
	if (n <= 0 || n == (ssize_t)sizeof data) {
		cli_warn(src, "cannot read the hook");
		return;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (out < 0 || write(out, data, (size_t)n) != n || close(out) < 0) {
		cli_warn(dst, "cannot install the pre-commit hook: %s",
		    strerror(errno));
		if (out >= 0)
			unlink(dst);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-git", no_argument, NULL, 'G' },
		{ "no-key", no_argument, NULL, 'K' },
		{ "remote", required_argument, NULL, 'R' },
		{ "clone", required_argument, NULL, 'L' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *dir, *agent, *remote = NULL, *clone = NULL;
	char keypath[4096], gitkeep[256], gitignore[2048];
	struct vault probe;
	int c, fd, i, made = 0, nogit = 0, nokey = 0, existing;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'G': nogit = 1; break;
		case 'K': nokey = 1; break;
		case 'R': remote = optarg; break;
		case 'L': clone = optarg; break;
		default: usage(2);
		}
	}
	if (argc - optind != 1 || (remote && clone) ||
	    (nogit && (remote || clone)))
		usage(2);
	dir = argv[optind];
	agent = cli.agent ? cli.agent : config_get_default("VAULT_AGENT", "local");
	if (!name_valid(agent)) {
		cli_warn(agent, "bad agent name (want [a-z][a-z0-9_-]{0,31})");
		return EX_ARGS;
	}
	if (clone) {
		if (is_empty_dir(dir) == 0) {
			cli_warn(dir, "exists and is not empty; --clone wants a "
			    "new directory");
			return EX_DATA;
		}
		if (git_clone_vault(clone, dir,
		    isatty(2) ? cli_progress : NULL) < 0) {
			cli_warnerr(dir);
			return aie_errcode;
		}
	}
	existing = vault_open(&probe, dir, agent) == 0;
	if (existing)
		vault_close(&probe);
	else if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		cli_warn(dir, "%s", strerror(errno));
		return EX_DATA;
	} else if (is_empty_dir(dir) == 0 && !existing) {
		int gitonly = 0;
		char p[4096];
		struct stat st;
		/* a clone with no vault in it yet is fine; anything else is not */
		snprintf(p, sizeof p, "%s/.git", dir);
		gitonly = stat(p, &st) == 0;
		if (!gitonly) {
			cli_warn(dir, "exists, is not empty and is not a vault; "
			    "refused");
			return EX_DATA;
		}
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		cli_warn(dir, "%s", strerror(errno));
		return EX_DATA;
	}
	for (i = 0; dirs[i]; i++) {
		if (mkdirat(fd, dirs[i], 0755) < 0 && errno != EEXIST) {
			cli_warn(dir, "mkdir %s: %s", dirs[i], strerror(errno));
			close(fd);
			return EX_DATA;
		}
		/* Git keeps no empty directory: a clone needs every stage */
		snprintf(gitkeep, sizeof gitkeep, "%s/.gitkeep", dirs[i]);
		if (write_new(fd, gitkeep, "", &made) < 0)
			goto fail;
	}
	if (mkdirat(fd, ".state", 0700) < 0 && errno != EEXIST) {
		cli_warn(dir, "mkdir .state: %s", strerror(errno));
		close(fd);
		return EX_DATA;
	}
	if (gitignore_text(gitignore, sizeof gitignore) < 0)
		goto fail;
	if (write_new(fd, ".gitignore", gitignore, &made) < 0 ||
	    write_new(fd, ".gitattributes", tpl_gitattributes, &made) < 0 ||
	    write_new(fd, "Company_Handbook.md", tpl_handbook, &made) < 0 ||
	    write_new(fd, "Dashboard.md", tpl_dashboard, &made) < 0 ||
	    write_new(fd, "Business_Goals.md", tpl_goals, &made) < 0)
		goto fail;
	close(fd);
	fd = -1;
	if (!nogit && git_init_vault(dir, agent, "vault-init: new vault") < 0) {
		cli_warnerr(dir);
		return aie_errcode;
	}
	if (!nogit)
		install_hook(dir);
	if (!nokey && !agent_is_cloud(agent)) {
		int r;
		if (approval_key_path(keypath, sizeof keypath) < 0 ||
		    (r = approval_key_create(keypath)) < 0) {
			cli_warnerr(NULL);
			return aie_errcode;
		}
		if (r == 0 && !cli.quiet)
			cli_warn(NULL, "approval key created: %s (mode 0600; keep it "
			    "off the cloud)", keypath);
		else if (r == 1 && !cli.quiet)
			cli_warn(NULL, "approval key kept: %s", keypath);
	}
	if (remote && git_add_remote_push(dir, "origin", remote,
	    isatty(2) ? cli_progress : NULL) < 0) {
		cli_warn(dir, "vault created, remote origin not pushed: %s "
		    "(vault-sync will retry)", aie_errmsg);
		return aie_errcode;
	}
	if (!cli.quiet && clone)
		cli_warn(dir, "vault cloned from %s, %d missing file(s) added",
		    clone, made);
	else if (!cli.quiet && existing)
		cli_warn(dir, "already a vault: reused it, nothing overwritten, "
		    "%d missing file(s) added", made);
	else if (!cli.quiet)
		cli_warn(dir, "vault created");
	if (cli.json)
		return cli_print_json(json_pack("{s:s, s:s, s:i}", "vault", dir,
		    "result", clone ? "cloned" : existing ? "reused" : "created",
		    "files_added", made)) < 0 ? EX_TEMP : 0;
	printf("%s\n", dir);
	return 0;
fail:
	cli_warnerr(dir);
	if (fd >= 0)
		close(fd);
	return aie_errcode ? aie_errcode : EX_DATA;
}
