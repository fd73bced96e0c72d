/*
 * notelog.c - the notification log, Logs/Notifications/YYYY-MM-DD.md (see
 * vault(5)): a Markdown table appended a row at a time (Git merges it by
 * union) under the flock of .state/<agent>/notify.lock; and the statuses
 * Meta reports of the messages it lists. No network here: the webhook
 * links this without libcurl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "wa/wa.h"
#include "internal.h"

/* Markdown table cell: | escaped, newlines as <br>. malloc'd. */
static char *cell(const char *s)
{
	struct buf b = { 0 };

	if (buf_str(&b, "") < 0)
		return NULL;
	for (; *s; s++) {
		int r;
		if (*s == '|')
			r = buf_str(&b, "\\|");
		else if (*s == '\n')
			r = buf_str(&b, "<br>");
		else if (*s == '\r' || *s == '\t')
			r = buf_str(&b, " ");
		else
			r = buf_put(&b, s, 1);
		if (r < 0) {
			free(b.p);
			return NULL;
		}
	}
	return b.p;
}

static const char table_head[] =
    "| time | agent | kind | provider | status | message id or error | "
    "message |\n|---|---|---|---|---|---|---|\n";

/* Append one row to Logs/Notifications/<today>.md (a title and the table
 * head when the file is new). */
int wa_log_row(struct vault *v, time_t now, const char *kind,
    const char *provider, const char *status, const char *result,
    const char *text)
{
	char rel[64], ts[21], head[64], *c1 = cell(result), *c2 = cell(text);
	struct buf row = { 0 };
	struct tm tm;
	int exists, r = -1;

	gmtime_r(&now, &tm);
	strftime(rel, sizeof rel, "Logs/Notifications/%Y-%m-%d.md", &tm);
	time_rfc3339(now, ts);
	if (!c1 || !c2)
		goto out;
	exists = faccessat(v->dirfd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists) {
		strftime(head, sizeof head, "# Notifications %Y-%m-%d\n\n", &tm);
		if (buf_str(&row, head) < 0 || buf_str(&row, table_head) < 0)
			goto out;
	}
	if (buf_str(&row, "| ") < 0 || buf_str(&row, ts) < 0 ||
	    buf_str(&row, " | ") < 0 || buf_str(&row, v->agent) < 0 ||
	    buf_str(&row, " | ") < 0 || buf_str(&row, kind) < 0 ||
	    buf_str(&row, " | ") < 0 || buf_str(&row, provider) < 0 ||
	    buf_str(&row, " | ") < 0 || buf_str(&row, status) < 0 ||
	    buf_str(&row, " | ") < 0 || buf_str(&row, c1) < 0 ||
	    buf_str(&row, " | ") < 0 || buf_str(&row, c2) < 0 ||
	    buf_str(&row, " |\n") < 0)
		goto out;
	r = file_appendat(v->dirfd, rel, row.p, row.len);
out:
	if (!c1 || !c2)
		aie_fail(EX_TEMP, "out of memory");
	free(c1);
	free(c2);
	free(row.p);
	return r;
}

int wa_notify_lock(struct vault *v, const char *dir)
{
	char rel[256];
	int fd;

	snprintf(rel, sizeof rel, "%s/notify.lock", dir);
	fd = openat(v->dirfd, rel, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			aie_fail_errno(EX_TEMP, "%s: flock", rel);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* 1 when the log of the day at t holds a row whose message id is id. */
static int logged(struct vault *v, time_t t, const char *id)
{
	char rel[64], needle[WA_ID_MAX + 8], *text;
	struct tm tm;
	size_t len;
	int r;

	gmtime_r(&t, &tm);
	strftime(rel, sizeof rel, "Logs/Notifications/%Y-%m-%d.md", &tm);
	if (file_readat(v->dirfd, rel, &text, &len) < 0)
		return aie_errcode == EX_NEG ? 0 : -1;
	snprintf(needle, sizeof needle, "| %s |", id);
	r = strstr(text, needle) != NULL;
	free(text);
	return r;
}

int wa_notify_status(struct vault *v, const struct wa_status *s)
{
	char dir[128], result[WA_ID_MAX + 64];
	time_t now = time(NULL);
	int d, r = 0, fd;

	if (!s->id || !*s->id || strlen(s->id) > WA_ID_MAX ||
	    strpbrk(s->id, "|\n"))
		return 0;
	for (d = 0; d <= WA_LATE_DAYS && r == 0; d++)
		r = logged(v, now - d * 86400L, s->id);
	if (r <= 0)
		return r;
	if (s->error_code)
		snprintf(result, sizeof result, "%s error %ld", s->id,
		    s->error_code);
	else
		snprintf(result, sizeof result, "%s", s->id);
	/* the log's rows are appended under notify.lock, as wa_notify does */
	if (vault_statedir(v, dir, sizeof dir) < 0 || (fd = wa_notify_lock(v, dir)) < 0)
		return -1;
	r = wa_log_row(v, now, "status", "cloud", s->status, result,
	    s->error_code && s->error_message ? s->error_message : "");
	close(fd);
	return r < 0 ? -1 : 1;
}

/* The message cell of a row, from p (just past "| <id> | ") to the " |"
 * that ends its line, unescaped as cell() escaped it. malloc'd. */
static char *uncell(const char *p)
{
	struct buf b = { 0 };
	const char *end = p + strcspn(p, "\n");

	if (end - p >= 2 && !strncmp(end - 2, " |", 2))
		end -= 2;
	while (p < end) {
		if (*p == '\\' && p + 1 < end && p[1] == '|') {
			buf_add(&b, "|", 1);
			p += 2;
		} else if (!strncmp(p, "<br>", 4) && end - p >= 4) {
			buf_add(&b, "\n", 1);
			p += 4;
		} else
			buf_add(&b, p++, 1);
	}
	buf_add(&b, "", 0);              /* an empty cell: "" */
	if (b.oom || !b.p) {
		free(b.p);
		aie_fail(EX_TEMP, "out of memory");
		return NULL;
	}
	return b.p;
}

int wa_notify_sent_text(struct vault *v, const char *id, char *kind,
    size_t kindsize, char **text)
{
	char rel[64], needle[WA_ID_MAX + 16], *log, *hit, *line;
	time_t now = time(NULL);
	struct tm tm;
	size_t len;
	int d, i;

	*text = NULL;
	if (!id || !*id || strlen(id) > WA_ID_MAX || strpbrk(id, "|\n"))
		return 0;
	snprintf(needle, sizeof needle, " | sent | %s | ", id);
	for (d = 0; d <= WA_LATE_DAYS; d++) {
		time_t t = now - d * 86400L;
		gmtime_r(&t, &tm);
		strftime(rel, sizeof rel, "Logs/Notifications/%Y-%m-%d.md", &tm);
		if (file_readat(v->dirfd, rel, &log, &len) < 0) {
			if (aie_errcode == EX_NEG)
				continue;
			return -1;
		}
		if (!(hit = strstr(log, needle))) {
			free(log);
			continue;
		}
		/* | time | agent | kind | provider | status | id | message | */
		for (line = hit; line > log && line[-1] != '\n'; line--)
			;
		for (i = 0; i < 2 && line && line < hit; i++)
			line = strstr(line + 1, " | ");
		if (!line || line >= hit ||
		    (len = strcspn(line + 3, " |")) == 0 || len >= kindsize) {
			free(log);
			return 0;        /* not a row this log writes */
		}
		memcpy(kind, line + 3, len);
		kind[len] = '\0';
		*text = uncell(hit + strlen(needle));
		free(log);
		return *text ? 1 : -1;
	}
	return 0;
}
