/*
 * git.c - libgit2 behind a few calls: initialised once, errors turned into
 * aie_errmsg (git_error_last() may be NULL), one cleanup path per call.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/repository.h>

#include "vault/vault.h"
#include "internal.h"

/*
 * The CA bundle, parsed only when a remote needs it. Debian's libgit2 1.5
 * (mbedTLS) parses the whole system bundle inside git_libgit2_init():
 * about 11 ms of CPU, a third of a no-change cycle's own work over a path
 * remote, which never uses it. A tool that calls git_tls_defer() before
 * git_start() gets that parse postponed: this definition takes libgit2's
 * call (the executable's symbol comes first in the lookup order), notes
 * the path and leaves the chain empty; git_tls_load() then parses it for
 * real (dlsym RTLD_NEXT) through GIT_OPT_SET_SSL_CERT_LOCATIONS before the
 * first HTTPS connection. Fails closed: a chain never loaded verifies no
 * certificate. With a libgit2 on OpenSSL this is never called.
 */
static int tls_defer, tls_deferred;
static char tls_default[1024];

int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	int (*real)(void *, const char *);

	if (tls_defer) {
		snprintf(tls_default, sizeof tls_default, "%s", path ? path : "");
		tls_deferred = 1;
		return 0;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	return real ? real(chain, path) : -1;
}

void git_tls_defer(void)
{
	tls_defer = 1;
}

int git_tls_load(const char *url)
{
	const char *ca = config_get("VAULT_SYNC_CA_FILE");
	const char *file = NULL;

	tls_defer = 0;
	if (!url || strncmp(url, "http", 4) != 0)
		return 0;       /* a path or SSH: no certificate to check */
	if (ca && *ca)
		file = ca;
	else if (tls_deferred && tls_default[0])
		file = tls_default;
	tls_deferred = 0;
	if (file && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file,
	    NULL) < 0)
		return aie_fail(EX_CONFIG, "%s: CA certificates: %s", file,
		    git_errstr());
	return 0;
}

int git_start(void)
{
	static int started;

	if (!started && git_libgit2_init() < 0)
		return aie_fail(EX_TEMP, "libgit2 cannot start");
	started = 1;
	return 0;
}

/* libgit2 1.5 fails some calls without setting an error (git_error_last()
 * is NULL); the system's errno is then the best cause there is. */
const char *git_errstr(void)
{
	static char buf[300];
	const git_error *e = git_error_last();
	int err = errno;

	if (e && e->message && *e->message)
		return e->message;
	if (err)
		snprintf(buf, sizeof buf, "libgit2 gave no reason; the last "
		    "system error was: %s", strerror(err));
	else
		snprintf(buf, sizeof buf, "libgit2 gave no reason and no system "
		    "error is set");
	return buf;
}

/* The committer: $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, else "ai-employee
 * <AGENT>" with AGENT@ai-employee.invalid. */
int git_signature_for(git_signature **sig, const char *agent)
{
	char name[128], email[128];
	const char *n = config_get("GIT_AUTHOR_NAME");
	const char *e = config_get("GIT_AUTHOR_EMAIL");

	snprintf(name, sizeof name, "%s", n ? n : "ai-employee");
	if (!n)
		snprintf(name, sizeof name, "ai-employee %s", agent);
	snprintf(email, sizeof email, "%s", e ? e : "");
	if (!e)
		snprintf(email, sizeof email, "%s@ai-employee.invalid", agent);
	if (git_signature_now(sig, name, email) < 0)
		return aie_fail(EX_TEMP, "git signature: %s", git_errstr());
	return 0;
}

/* Make dir a repository (if it is not one) and commit everything not
 * ignored, as the first commit. */
int git_init_vault(const char *dir, const char *agent, const char *message)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id;
	git_strarray all = { NULL, 0 };
	char *star = "*";
	int r = -1;

	if (git_start() < 0)
		return -1;
	all.strings = &star;
	all.count = 1;
	if (git_repository_init(&repo, dir, 0) < 0) {
		aie_fail(EX_TEMP, "%s: git init: %s", dir, git_errstr());
		goto out;
	}
	if (git_repository_head_unborn(repo) != 1) {
		r = 0;          /* it has history already: leave it be */
		goto out;
	}
	if (git_repository_index(&index, repo) < 0 ||
	    git_index_add_all(index, &all, GIT_INDEX_ADD_DEFAULT, NULL, NULL) < 0 ||
	    git_index_write(index) < 0 ||
	    git_index_write_tree(&tree_id, index) < 0 ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0) {
		aie_fail(EX_TEMP, "%s: git add: %s", dir, git_errstr());
		goto out;
	}
	if (git_signature_for(&sig, agent) < 0)
		goto out;
	if (git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, message,
	    tree, 0) < 0) {
		aie_fail(EX_TEMP, "%s: git commit: %s", dir, git_errstr());
		goto out;
	}
	r = 0;
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(index);
	git_repository_free(repo);
	return r;
}

/* Process-wide tuning (ISSUE 3 measurements): no re-validation of every
 * tree entry on each write, no re-hash of each object read, trees cached
 * whatever their size. The bounds of what a long-running vault-sync
 * holds (issue 25; libgit2's defaults are 256 MB of cache and 1 GB
 * windows up to 8 GB): 1 MB of parsed objects (a 16 MB cache filled up
 * over minutes of cycles and was most of the growth measured), pack
 * windows of 1 MB, at most 2 MB mapped. The mapped pages count in the
 * daemon's RSS, which issue 25 bounds at 25 MB, and a fetch from a path
 * remote reads the remote's packs and writes its own in this process:
 * a cycle merging 200 changes into 15,000 notes peaked at 21 MB with
 * 2 MB of cache and 2 MB windows up to 4 MB, at 17 MB with these. */
static void git_tune(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	/* No SHA-1 of every object read back (issue 24): the status alone
	 * reads HEAD's trees each cycle, and the hash was 6-8 % of a pull
	 * or rebase cycle. The git CLI does not re-hash what it reads
	 * either; zlib's checksum and the pack's CRC still catch damage. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
	    (size_t)1 << 20);
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)1 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)1 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)2 << 20);
	/* One malloc arena: libgit2's worker threads each got an arena of
	 * their own that kept 1.5-2 MB of freed memory for the daemon's
	 * life (4 KB in use in each, measured with malloc_stats in a soak). */
	mallopt(M_ARENA_MAX, 1);
}

int git_open(git_repository **repo, const char *root)
{
	if (git_start() < 0)
		return -1;
	git_tune();
	if (git_repository_open_ext(repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH,
	    NULL) < 0)
		return aie_fail(EX_CONFIG, "%s: not a Git repository (%s); "
		    "run vault-init", root, git_errstr());
	if (git_repository_is_bare(*repo)) {
		git_repository_free(*repo);
		*repo = NULL;
		return aie_fail(EX_CONFIG, "%s: a bare repository", root);
	}
	return 0;
}

int git_head_branch(git_repository *repo, char *buf, size_t size)
{
	git_reference *head = NULL;
	const char *t;
	int r = -1;

	if (git_reference_lookup(&head, repo, "HEAD") < 0)
		return aie_fail(EX_TEMP, "HEAD: %s", git_errstr());
	if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
	    strncmp(t = git_reference_symbolic_target(head), "refs/heads/",
	    11) != 0)
		aie_fail(EX_TEMP, "HEAD is detached; check out a branch "
		    "with git first");
	else if ((size_t)snprintf(buf, size, "%s", t + 11) >= size)
		aie_fail(EX_TEMP, "branch name too long");
	else
		r = 0;
	git_reference_free(head);
	return r;
}

int git_url_local(const char *url, char *path, size_t size)
{
	if (strncmp(url, "file://", 7) == 0)
		url += 7;
	else if (!(url[0] == '/' || url[0] == '.' || !strchr(url, ':')))
		return 0;
	return (size_t)snprintf(path, size, "%s", url) < size;
}

int git_err_network(int code)
{
	const git_error *e = git_error_last();

	if (code == GIT_EAUTH || code == GIT_ECERTIFICATE)
		return 0;
	if (!e)
		return 1;
	return e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_SSH ||
	    e->klass == GIT_ERROR_HTTP || e->klass == GIT_ERROR_SSL ||
	    e->klass == GIT_ERROR_OS || e->klass == GIT_ERROR_REPOSITORY ||
	    e->klass == GIT_ERROR_ODB || e->klass == GIT_ERROR_INVALID ||
	    code == GIT_ENOTFOUND || code == GIT_ERROR;
}

/* 1 when the SSH key file key is an RSA key, as its .pub beside it or
 * its PEM header says. */
static int key_is_rsa(const char *key)
{
	char path[4096], head[40] = "";
	FILE *f;
	int pub = 1;

	if ((size_t)snprintf(path, sizeof path, "%s.pub", key) >= sizeof path)
		return 0;
	if (!(f = fopen(path, "re"))) {
		pub = 0;
		if (!(f = fopen(key, "re")))
			return 0;
	}
	if (!fgets(head, sizeof head, f))
		head[0] = '\0';
	fclose(f);
	return pub ? !strncmp(head, "ssh-rsa ", 8) :
	    !strncmp(head, "-----BEGIN RSA PRIVATE KEY-----", 31);
}

/*
 * Credentials: SSH from the key file VAULT_SYNC_SSH_KEY (with .pub beside
 * it when present, passphrase VAULT_SYNC_SSH_PASSPHRASE) or else from
 * ssh-agent; HTTPS with the token VAULT_SYNC_TOKEN as the password (user
 * from the URL, else VAULT_SYNC_USER, else "x-access-token"). Each kind is
 * offered once: libgit2 calls again after a refusal, and a second try with
 * the same secret would loop.
 */
static int cred_cb(git_credential **out, const char *url, const char *user,
    unsigned int allowed, void *payload)
{
	struct git_xfer *x = payload;
	const char *key = config_get("VAULT_SYNC_SSH_KEY");
	const char *tok = config_get("VAULT_SYNC_TOKEN");
	char pub[4096];
	struct stat st;

	(void)url;
	if (allowed == GIT_CREDENTIAL_USERNAME)    /* ssh:// without user@ */
		return git_credential_username_new(out, user ? user : "git");
	if (x->cred_tries++ > 0) {
		/* Debian 12's libssh2 1.10 signs with ssh-rsa (SHA-1) only,
		 * which OpenSSH 8.8 and later refuse by default */
		git_error_set_str(GIT_ERROR_NET, key && *key && key_is_rsa(key) ?
		    "authentication refused: VAULT_SYNC_SSH_KEY is an RSA key, "
		    "which libssh2 signs with SHA-1 (ssh-rsa) and OpenSSH 8.8 or "
		    "later refuses; use an ed25519 or ECDSA key" :
		    "authentication refused (check VAULT_SYNC_SSH_KEY and "
		    "VAULT_SYNC_SSH_PASSPHRASE, ssh-agent or VAULT_SYNC_TOKEN)");
		return GIT_EAUTH;
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (!user)
			user = "git";
		if (key && *key) {
			snprintf(pub, sizeof pub, "%s.pub", key);
			return git_credential_ssh_key_new(out, user,
			    stat(pub, &st) == 0 ? pub : NULL, key,
			    config_get("VAULT_SYNC_SSH_PASSPHRASE"));
		}
		if (!getenv("SSH_AUTH_SOCK") || !*getenv("SSH_AUTH_SOCK")) {
			git_error_set_str(GIT_ERROR_NET, "no SSH key: set "
			    "VAULT_SYNC_SSH_KEY or run ssh-agent (SSH_AUTH_SOCK)");
			return GIT_EAUTH;
		}
		return git_credential_ssh_key_from_agent(out, user);
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && tok && *tok) {
		if (!user || !*user)
			user = config_get_default("VAULT_SYNC_USER",
			    "x-access-token");
		return git_credential_userpass_plaintext_new(out, user, tok);
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user : "git");
	git_error_set_str(GIT_ERROR_NET, "the remote wants credentials and "
	    "none are configured (VAULT_SYNC_SSH_KEY, VAULT_SYNC_TOKEN)");
	return GIT_EAUTH;
}

static int progress_cb(const git_indexer_progress *s, void *payload)
{
	struct git_xfer *x = payload;

	if (x->progress && s->total_objects)
		x->progress("objects", s->received_objects, s->total_objects,
		    s->received_bytes);
	return 0;
}

static int push_progress_cb(unsigned int cur, unsigned int total,
    size_t bytes, void *payload)
{
	struct git_xfer *x = payload;

	if (x->progress && total)
		x->progress("pushing", cur, total, bytes);
	return 0;
}

/* A server-side refusal arrives only here: remember it. */
static int push_ref_cb(const char *ref, const char *status, void *payload)
{
	struct git_xfer *x = payload;

	if (status) {
		x->rejected = 1;
		snprintf(x->rejmsg, sizeof x->rejmsg, "%s: %s", ref, status);
	}
	return 0;
}

void git_xfer_callbacks(git_remote_callbacks *cb, struct git_xfer *x)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = cred_cb;
	cb->transfer_progress = progress_cb;
	cb->push_transfer_progress = push_progress_cb;
	cb->push_update_reference = push_ref_cb;
	cb->payload = x;
}

int git_add_remote_push(const char *dir, const char *name, const char *url,
    sync_progress_fn progress)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_push_options po;
	struct git_xfer x = { 0 };
	char branch[256], spec[600], *specp = spec;
	git_strarray specs = { &specp, 1 };
	int r = -1, e;

	if (git_open(&repo, dir) < 0)
		return -1;
	if (git_tls_load(url) < 0 ||
	    git_head_branch(repo, branch, sizeof branch) < 0)
		goto out;
	e = git_remote_lookup(&remote, repo, name);
	if (e == GIT_ENOTFOUND)
		e = git_remote_create(&remote, repo, name, url);
	else if (e == 0 && strcmp(git_remote_url(remote), url) != 0) {
		aie_fail(EX_CONFIG, "remote %s exists with another URL (%s)",
		    name, git_remote_url(remote));
		goto out;
	}
	if (e < 0) {
		aie_fail(EX_CONFIG, "remote %s: %s", name, git_errstr());
		goto out;
	}
	snprintf(spec, sizeof spec, "refs/heads/%s:refs/heads/%s", branch,
	    branch);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	x.progress = progress;
	git_xfer_callbacks(&po.callbacks, &x);
	e = git_remote_push(remote, &specs, &po);
	if (x.progress)
		x.progress(NULL, 0, 0, 0);
	if (e < 0 || x.rejected) {
		aie_fail(EX_TEMP, "push to %s: %s", url,
		    x.rejected ? x.rejmsg : git_errstr());
		goto out;
	}
	r = 0;
out:
	git_remote_free(remote);
	git_repository_free(repo);
	return r;
}

int git_clone_vault(const char *url, const char *dir,
    sync_progress_fn progress)
{
	git_repository *repo = NULL;
	git_clone_options co;
	struct git_xfer x = { 0 };
	int e;

	if (git_start() < 0 || git_tls_load(url) < 0)
		return -1;
	git_tune();
	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	x.progress = progress;
	git_xfer_callbacks(&co.fetch_opts.callbacks, &x);
	e = git_clone(&repo, url, dir, &co);
	if (x.progress)
		x.progress(NULL, 0, 0, 0);
	if (e < 0)
		return aie_fail(git_err_network(e) ? EX_TEMP : EX_CONFIG,
		    "clone %s: %s", url, git_errstr());
	git_repository_free(repo);
	return 0;
}

int git_let_go(git_repository *repo)
{
	if (git_repository__cleanup(repo) < 0)
		return aie_fail(EX_TEMP, "%s: let go of its caches: %s",
		    git_repository_path(repo), git_errstr());
	return 0;
}

int git_let_go_caches(git_repository *repo, git_index *keep)
{
	git_config *cfg = NULL;
	git_refdb *refdb = NULL;
	int r = -1;

	if (git_repository_config(&cfg, repo) < 0 ||
	    git_repository_refdb(&refdb, repo) < 0) {
		aie_fail(EX_TEMP, "%s: config or refs: %s",
		    git_repository_path(repo), git_errstr());
		goto out;
	}
	if (git_let_go(repo) < 0)
		goto out;
	/* each set_* takes a reference of the repository's own */
	if (git_repository_set_config(repo, cfg) < 0 ||
	    git_repository_set_refdb(repo, refdb) < 0 ||
	    (keep && git_repository_set_index(repo, keep) < 0)) {
		aie_fail(EX_TEMP, "%s: keep the index and config: %s",
		    git_repository_path(repo), git_errstr());
		goto out;
	}
	r = 0;
out:
	git_refdb_free(refdb);
	git_config_free(cfg);
	return r;
}

int git_odb_renew(git_repository *repo)
{
	const char *common = git_repository_commondir(repo);
	git_odb *odb = NULL;
	char dir[4200];
	int n = snprintf(dir, sizeof dir, "%sobjects", common);

	if (n < 0 || (size_t)n >= sizeof dir)
		return aie_fail(EX_TEMP, "%s: path too long", common);
	if (git_odb_open(&odb, dir) < 0)
		return aie_fail(EX_TEMP, "%s: %s", dir, git_errstr());
	git_repository_set_odb(repo, odb);
	git_odb_free(odb);      /* the repository holds it now */
	return 0;
}
