/*
 * gitprobe.c - can the vault reach its Git remote? The remote's URL comes
 * from the vault's own repository. A local path (or file:// URL) is
 * checked as a directory holding a bare repository, which is what
 * vault-sync pushes to; anything else is asked for its refs
 * (git_remote_connect + git_remote_ls, what `git ls-remote` does), with
 * the SSH agent for ssh:// remotes. Nothing is fetched.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "vault/vault.h"
#include "sync/sync.h"
#include "health/health.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int ssh_agent_cred(git_credential **out, const char *url,
    const char *user, unsigned int allowed, void *payload)
{
	(void)url;
	(void)payload;
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user ? user : "git");
	return GIT_PASSTHROUGH;
}

static void bare_repo(const char *path, struct health *h)
{
	git_repository *r = NULL;

	if (git_repository_open_bare(&r, path) < 0)
		health_set(h, "down", "%s: %s", path, git_errstr());
	else if (!git_repository_is_bare(r))
		health_set(h, "down", "%s: not a bare repository", path);
	else
		health_set(h, "up", "bare repository %s", path);
	git_repository_free(r);
}

void probe_git(const char *vault_root, const char *remote_name,
    struct health *h)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_remote_callbacks cb;
	const git_remote_head **heads;
	const char *url;
	size_t n;
	double t0 = now_ms();

	if (git_start() < 0) {
		health_set(h, "unknown", "%s", aie_errmsg);
		return;
	}
	if (git_repository_open(&repo, vault_root) < 0) {
		health_set(h, "unconfigured", "the vault is not a Git repository");
		return;
	}
	if (git_remote_lookup(&remote, repo, remote_name) < 0) {
		health_set(h, "unconfigured", "no remote %s (single-agent mode)",
		    remote_name);
		goto out;
	}
	url = git_remote_url(remote);
	if (!url || !*url) {
		health_set(h, "unconfigured", "remote %s has no URL", remote_name);
		goto out;
	}
	if (url[0] == '/' || !strncmp(url, "file://", 7)) {
		bare_repo(url[0] == '/' ? url : url + 7, h);
		goto out;
	}
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb.credentials = ssh_agent_cred;
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0) {
		health_set(h, "down", "%s", git_errstr());
		goto out;
	}
	if (git_remote_ls(&heads, &n, remote) < 0)
		health_set(h, "down", "%s", git_errstr());
	else
		health_set(h, "up", "%zu refs %.0f ms", n, now_ms() - t0);
	git_remote_disconnect(remote);
out:
	git_remote_free(remote);
	git_repository_free(repo);
}
