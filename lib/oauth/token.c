/*
 * token.c - a fresh access token for the tool that needs one now
 * (mail-fetch, mail-send, vault-health, oauth-token get).
 *
 * Refreshed when it expires within OAUTH_EARLY seconds (Google's and
 * Microsoft's last an hour), so a long IMAP session does not meet the
 * end of its token. Two tools may want a refresh at the same moment, and
 * a rotated refresh token is good once: the refresh is done under a lock
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

static int due(const struct oauth_tokens *t, time_t now)
{
	return !*t->access || (t->expires_at &&
	    t->expires_at - OAUTH_EARLY <= (long long)now);
}

int oauth_access(const struct oauth_provider *p, int force,
    struct oauth_tokens *t)
{
	char path[4096 + 8];
	int fd, r;

	if (oauth_load(p, t) < 0)
		return -1;
	if (!force && !due(t, time(NULL)))
		return 0;
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
	/* another tool may have refreshed while this one waited */
	if ((r = oauth_load(p, t)) == 0 && (force || due(t, time(NULL))))
		if ((r = oauth_refresh(p, t)) == 0)
			r = oauth_store(p, t);
	close(fd);                   /* and the lock with it */
	if (r < 0)
		sodium_memzero(t, sizeof *t);
	return r;
}
