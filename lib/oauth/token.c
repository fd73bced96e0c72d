/*
 * token.c - a fresh access token for the tool that needs one now
 * (mail-fetch, mail-send, vault-health, oauth-token get, social-post and
 * social-report for X).
 *
 * Refreshed when it expires within OAUTH_EARLY seconds (Google's and
 * Microsoft's last an hour, X's two), so a long IMAP session does not
 * meet the end of its token, or when the provider refused it (a 401).
 * Two tools may want a refresh at the same moment, and a rotated refresh
 * token is good once (X's always is): the refresh is done under a lock
 * on NAME.tokens.lock beside the file, and the file read again inside
 * it, so the second tool uses the pair the first one stored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "oauth/oauth.h"

int oauth_due(const struct oauth_tokens *t)
{
	return !*t->access || (t->expires_at &&
	    t->expires_at - OAUTH_EARLY <= (long long)time(NULL));
}

/* The lock beside p's token file, held: its fd, or -1 (78, 75). */
static int lock(const struct oauth_provider *p)
{
	char path[4096 + 8];
	int fd, r;

	if (oauth_path(p, path, sizeof path - 5) < 0)
		return -1;
	strcat(path, ".lock");
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		aie_fail_errno(EX_TEMP, "%s: lock", path);
		close(fd);
		return -1;
	}
	return fd;
}

int oauth_renew(const struct oauth_provider *p, struct oauth_tokens *t)
{
	struct oauth_tokens f;
	char dir[4096], *slash;
	int fd, r = 0;

	/* the lock lives beside the file: its directory first (a pair
	 * from the configuration has no file yet) */
	if (oauth_path(p, dir, sizeof dir) < 0)
		return -1;
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (oauth_mkdirs(dir) < 0)
			return -1;
	}
	if ((fd = lock(p)) < 0)
		return -1;
	if (oauth_load(p, &f) == 0) {
		/* another tool refreshed while this one waited: its pair */
		if (strcmp(f.access, t->access) != 0 && !oauth_due(&f)) {
			*t = f;
			goto out;
		}
		*t = f;              /* its refresh token is the newest */
	} else if (errno != ENOENT)
		r = -1;              /* unsafe or unreadable: said */
	if (r == 0 && (r = oauth_refresh(p, t)) == 0)
		r = oauth_store(p, t);   /* stored before it is used */
out:
	close(fd);                   /* and the lock with it */
	sodium_memzero(&f, sizeof f);
	if (r < 0)
		sodium_memzero(t, sizeof *t);
	return r;
}

int oauth_access(const struct oauth_provider *p, int force,
    struct oauth_tokens *t)
{
	if (oauth_load(p, t) < 0)
		return -1;
	if (!force && !oauth_due(t))
		return 0;
	return oauth_renew(p, t);
}
