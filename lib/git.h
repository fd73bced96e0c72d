/*
 * git.h - the thin wrapper around libgit2 that the tools share.
 */
#ifndef AIE_GIT_H
#define AIE_GIT_H

#include <git2.h>

int git_start(void);

/* Postpone libgit2's parse of the CA bundle (call before git_start); it
 * happens in git_tls_load(url) when url is http(s). git_tls_load also
 * installs VAULT_SYNC_CA_FILE when set (deferred or not). 0 or -1 (78). */
void git_tls_defer(void);
int git_tls_load(const char *url);
const char *git_errstr(void);
int git_signature_for(git_signature **sig, const char *agent);
int git_init_vault(const char *dir, const char *agent, const char *message);

/* Transfer state shared by the remote callbacks: credentials tried once
 * each, a push refused by the server, progress on stderr when asked. */
struct git_xfer {
	int progress;            /* print transfer progress on stderr */
	int cred_tries;
	int rejected;            /* a ref update was refused by the remote */
	char rejmsg[256];
};
void git_xfer_callbacks(git_remote_callbacks *cb, struct git_xfer *x);

/* Open the repository of a vault (the vault root is the work tree). */
int git_open(git_repository **repo, const char *root);

/* The branch HEAD points to ("master", "main", ...); -1 when HEAD is
 * detached or not a branch. */
int git_head_branch(git_repository *repo, char *buf, size_t size);

/* Is url a path on this machine (a directory, or file://)? Then *path
 * gets the directory. */
int git_url_local(const char *url, char *path, size_t size);

/* Push HEAD's branch to remote name: add the remote, push the branch. */
int git_add_remote_push(const char *dir, const char *name, const char *url);

/* Clone url into dir (which must not exist or be empty). */
int git_clone_vault(const char *url, const char *dir);

/* Give repo a new object database. libgit2 1.5 keeps every pack an odb
 * ever opened (a refresh only adds; a repack's replaced packs stay), each
 * with its mapped windows, descriptor and delta-base cache (up to 16 MB),
 * until the odb is freed: a long-running process renews it to bound what
 * it holds. */
int git_odb_renew(git_repository *repo);

/* Is the error of the last libgit2 call a network/transport failure? */
int git_err_network(int code);

#endif
