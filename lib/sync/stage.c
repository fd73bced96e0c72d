/*
 * stage.c - staging for vault-sync, with the secret guard, and the commit
 * message that says what moved.
 *
 * Staging walks one status list (index and work tree, untracked files
 * included, renames paired) and adds or removes each path by itself, so
 * deletions are staged too and the tree is walked once. Before a file is
 * added, its path is checked against the deny-list and its content scanned
 * (lib/secretscan.c); a refused file stays out of the index, is reported
 * through the warn callback and gets one audit line (once per version of
 * the file in a long-running process, so that --watch does not loop on its
 * own audit lines). Agent cloud never stages Dashboard.md (local is its
 * single writer).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"
#include "sync/sync.h"

struct sync_seen {
	char *path;
	time_t mtime;
	off_t size;
};

void sync_seen_free(struct sync *s)
{
	size_t i;

	for (i = 0; i < s->nseen; i++)
		free(s->seen[i].path);
	free(s->seen);
	s->seen = NULL;
	s->nseen = 0;
}

void changes_free(struct changes *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++) {
		free(ch->v[i].path);
		free(ch->v[i].from);
	}
	free(ch->v);
	memset(ch, 0, sizeof *ch);
}

static int change_add(struct changes *ch, char kind, const char *path,
    const char *from)
{
	struct change *c;

	if (ch->n == ch->cap) {
		size_t ncap = ch->cap ? ch->cap * 2 : 32;
		struct change *n = realloc(ch->v, ncap * sizeof *n);
		if (!n)
			return aie_fail_errno(EX_TEMP, "stage");
		ch->v = n;
		ch->cap = ncap;
	}
	c = &ch->v[ch->n];
	c->kind = kind;
	c->path = strdup(path);
	c->from = from ? strdup(from) : NULL;
	if (!c->path || (from && !c->from)) {
		free(c->path);
		free(c->from);
		return aie_fail_errno(EX_TEMP, "stage");
	}
	ch->n++;
	return 0;
}

/* Scan a file of the work tree for secrets. NULL when clean, unreadable
 * (then git cannot stage it either) or not a regular file (Git stores a
 * symlink's target text only). The approval key is learned once, where
 * there is one (not on agent cloud). */
static const char *scan_file(struct vault *v, const char *rel)
{
	static int key_tried;
	const char *hit = NULL;
	int fd;

	if (!key_tried) {
		key_tried = 1;
		secret_key_learn_approval();
	}
	fd = openat(v->dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (secret_scan_fd(fd, &hit) < 0)
		hit = NULL;
	close(fd);
	return hit;
}

/* The refusals already reported live in .state/<agent>/sync.refused, one
 * "mtime size path" line each, so that a cycle a minute from cron does not
 * warn and audit the same file every minute. */
static int seen_add(struct sync *s, const char *path, time_t mtime, off_t size)
{
	struct sync_seen *n = realloc(s->seen, (s->nseen + 1) * sizeof *n);

	if (!n)
		return -1;
	s->seen = n;
	if (!(path = strdup(path)))
		return -1;
	n[s->nseen].path = (char *)path;
	n[s->nseen].mtime = mtime;
	n[s->nseen].size = size;
	s->nseen++;
	return 0;
}

void sync_seen_load(struct sync *s)
{
	char rel[128], *buf, *line, *next, *p;
	size_t len;
	long long mt, sz;
	int off;

	if (vault_statedir(s->v, rel, sizeof rel - 16) < 0)
		return;
	strcat(rel, "/sync.refused");
	if (file_readat(s->v->dirfd, rel, &buf, &len) < 0)
		return;
	for (line = buf; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		p = line;
		if (sscanf(p, "%lld %lld %n", &mt, &sz, &off) == 2)
			seen_add(s, p + off, (time_t)mt, (off_t)sz);
	}
	free(buf);
}

static void seen_save(struct sync *s)
{
	char rel[128], *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f || vault_statedir(s->v, rel, sizeof rel - 16) < 0) {
		if (f)
			fclose(f);
		free(buf);
		return;
	}
	strcat(rel, "/sync.refused");
	for (i = 0; i < s->nseen; i++)
		fprintf(f, "%lld %lld %s\n", (long long)s->seen[i].mtime,
		    (long long)s->seen[i].size, s->seen[i].path);
	if (fclose(f) == 0)
		file_writeat(s->v->dirfd, rel, buf, len, 0600);
	free(buf);
}

/* Report a refused file, once per (path, mtime, size). */
static void refuse(struct sync *s, const char *rel, const char *why)
{
	struct stat st;
	size_t i;

	s->r->refused++;
	if (s->o->dry_run && s->o->change)
		s->o->change("refuse", rel, NULL);
	if (fstatat(s->v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		memset(&st, 0, sizeof st);
	for (i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i].path, rel) == 0 &&
		    s->seen[i].mtime == st.st_mtime &&
		    s->seen[i].size == st.st_size)
			return;
	if (s->o->dry_run) {
		sync_warn(s, rel, "would be left out: %s", why);
		return;
	}
	sync_warn(s, rel, "not committed: %s (secret guard, see vault-sync(1))", why);
	audit_event(s->v, "sync_refused", NULL, rel, NULL, why);
	s->r->audited++;
	for (i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i].path, rel) == 0)
			break;
	if (i < s->nseen) {
		s->seen[i].mtime = st.st_mtime;
		s->seen[i].size = st.st_size;
	} else
		seen_add(s, rel, st.st_mtime, st.st_size);
	seen_save(s);
}

/* May rel be committed? 1 yes, 0 refused (reported), -1 skipped quietly. */
static int admit(struct sync *s, const char *rel, int content)
{
	const char *why;
	char msg[128];

	if (agent_is_cloud(s->v->agent) && strcmp(rel, "Dashboard.md") == 0)
		return -1;
	if (strncmp(rel, ".state/", 7) == 0)
		return -1;      /* our own state, even with .gitignore gone */
	if ((why = secret_path_denied(rel))) {
		snprintf(msg, sizeof msg, "name on the deny-list (%s)", why);
		refuse(s, rel, msg);
		return 0;
	}
	if (content && (why = scan_file(s->v, rel))) {
		snprintf(msg, sizeof msg, "content looks like a secret (%s)", why);
		refuse(s, rel, msg);
		return 0;
	}
	return 1;
}

static int add(struct sync *s, git_index *idx, const char *rel)
{
	const git_index_entry *e;
	struct stat st;

	s->r->staged++;
	if (s->o->dry_run)
		return 0;
	/* the cycle's new objects held in memory from the first (cyclepack.c) */
	if (!s->mem && cyclepack_begin(s) < 0)
		return -1;
	if (s->mem && fstatat(s->v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    cyclepack_room(s, st.st_size) < 0)
		return -1;
	if (git_index_add_bypath(idx, rel) < 0)
		return aie_fail(EX_TEMP, "%s: stage: %s", rel, git_errstr());
	if (s->mem && (e = git_index_get_bypath(idx, rel, 0)) &&
	    cyclepack_staged(s, &e->id) < 0)
		return -1;
	return 0;
}

static int rm(struct sync *s, git_index *idx, const char *rel)
{
	s->r->staged++;
	if (s->o->dry_run)
		return 0;
	if (git_index_remove_bypath(idx, rel) < 0)
		return aie_fail(EX_TEMP, "%s: unstage: %s", rel, git_errstr());
	return 0;
}

/* Stage one work-tree change; record it in ch when it is staged. */
static int stage_one(struct sync *s, git_index *idx, const git_diff_delta *d,
    struct changes *ch)
{
	const char *path = d->new_file.path, *old = d->old_file.path;
	int ok;

	switch (d->status) {
	case GIT_DELTA_DELETED:
		if (admit(s, old, 0) < 0)
			return 0;
		return rm(s, idx, old) < 0 ? -1 : change_add(ch, 'D', old, NULL);
	case GIT_DELTA_RENAMED:
		if ((ok = admit(s, path, 1)) < 0)
			return 0;
		if (rm(s, idx, old) < 0)
			return -1;
		if (!ok)
			return change_add(ch, 'D', old, NULL);
		if (add(s, idx, path) < 0)
			return -1;
		/* a move keeps the name; two similar files are not a move */
		if (strcmp(strrchr(path, '/') ? strrchr(path, '/') : path,
		    strrchr(old, '/') ? strrchr(old, '/') : old) != 0)
			return change_add(ch, 'D', old, NULL) < 0 ? -1 :
			    change_add(ch, 'A', path, NULL);
		return change_add(ch, 'R', path, old);
	case GIT_DELTA_UNTRACKED:
	case GIT_DELTA_ADDED:
	case GIT_DELTA_MODIFIED:
	case GIT_DELTA_TYPECHANGE:
		if ((ok = admit(s, path, 1)) <= 0)
			return 0;
		return add(s, idx, path) < 0 ? -1 : change_add(ch,
		    d->status == GIT_DELTA_MODIFIED ||
		    d->status == GIT_DELTA_TYPECHANGE ? 'M' : 'A', path, NULL);
	default:
		return 0;
	}
}

/* only: the paths to examine (literal paths; a directory covers what is
 * below it), or NULL for the whole work tree. */
int sync_stage(struct sync *s, git_index *idx, const git_strarray *only,
    struct changes *ch)
{
	git_status_options so;
	git_status_list *sl = NULL;
	size_t i, n;
	int r = -1;

	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	    GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	    GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX |
	    GIT_STATUS_OPT_RENAMES_INDEX_TO_WORKDIR |
	    GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (!s->o->dry_run)
		so.flags |= GIT_STATUS_OPT_UPDATE_INDEX;
	if (only) {
		so.pathspec = *only;
		so.flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	}
	if (git_status_list_new(&sl, s->repo, &so) < 0) {
		aie_fail(EX_TEMP, "status: %s", git_errstr());
		goto out;
	}
	/* the status may have rewritten the index: read it again */
	if (git_index_read(idx, 0) < 0) {
		aie_fail(EX_TEMP, ".git/index: read after the status: %s",
		    git_errstr());
		goto out;
	}
	n = git_status_list_entrycount(sl);
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(sl, i);
		if (e->index_to_workdir) {
			if (stage_one(s, idx, e->index_to_workdir, ch) < 0)
				goto out;
		} else if (e->head_to_index) {
			/* staged earlier (an interrupted cycle, or by hand) */
			const git_diff_delta *d = e->head_to_index;
			const char *p = d->new_file.path;
			if (d->status != GIT_DELTA_DELETED &&
			    admit(s, p, 1) == 0) {
				if (!s->o->dry_run && rm(s, idx, p) < 0)
					goto out;
				continue;
			}
			s->r->staged++;
			if (change_add(ch, d->status == GIT_DELTA_DELETED ? 'D' :
			    d->status == GIT_DELTA_RENAMED ? 'R' :
			    d->status == GIT_DELTA_ADDED ? 'A' : 'M', p,
			    d->status == GIT_DELTA_RENAMED ? d->old_file.path :
			    NULL) < 0)
				goto out;
		}
	}
	r = 0;
out:
	git_status_list_free(sl);
	return r;
}

/* .git/index's identity: a file renamed into place on each write. */
static int index_ident(struct sync *s, struct stat *st)
{
	char path[4200];

	if ((size_t)snprintf(path, sizeof path, "%sindex",
	    git_repository_path(s->repo)) >= sizeof path)
		return -1;
	return stat(path, st);
}

/* A status that staged nothing may leave the index's cache tree not
 * valid (its own refresh of a file's stat data invalidates that file's
 * trees, as may a checkout or git by hand): written afresh when the index
 * holds HEAD's tree, so that the next one-shot cycle's sync_unchanged can
 * answer. Only a help: HEAD unborn or elsewhere, nothing is written. */
static void tree_renew(struct sync *s, git_index *idx)
{
	git_oid tree, head;
	git_commit *c = NULL;

	if (git_index_write_tree(&tree, idx) < 0) {
		sync_warn(s, ".git/index", "cache tree: %s", git_errstr());
		return;
	}
	if (git_reference_name_to_id(&head, s->repo, "HEAD") < 0 ||
	    git_commit_lookup(&c, s->repo, &head) < 0)
		return;
	if (git_oid_equal(&tree, git_commit_tree_id(c)) &&
	    git_index_write(idx) < 0)
		sync_warn(s, ".git/index", "cache tree not saved: %s",
		    git_errstr());
	git_commit_free(c);
}

int sync_scan(struct sync *s, const git_strarray *only, git_index **idxp,
    struct changes *ch)
{
	struct sync_paths p = { 0 };
	git_strarray listed;
	struct stat before, after;
	int quick = -1, have_before, r = -1;

	*idxp = NULL;
	if (!only && !s->o->long_running &&
	    (quick = sync_unchanged(s, &p)) == 1)
		return 0;
	if (quick == 0) {
		listed.strings = p.v;
		listed.count = p.n;
		only = &listed;
	}
	if (!s->idx && git_repository_index(&s->idx, s->repo) < 0) {
		aie_fail(EX_TEMP, ".git/index: open: %s", git_errstr());
		goto out;
	}
	*idxp = s->idx;
	have_before = index_ident(s, &before) == 0;
	if (sync_stage(s, s->idx, only, ch) < 0)
		goto out;
	if (!s->o->dry_run && !s->o->long_running && !ch->n && !s->r->refused &&
	    (p.stale_tree || (have_before && index_ident(s, &after) == 0 &&
	    (after.st_ino != before.st_ino ||
	    after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
	    after.st_ctim.tv_nsec != before.st_ctim.tv_nsec))))
		tree_renew(s, s->idx);
	r = 0;
out:
	sync_paths_free(&p);
	return r;
}

/* --- the commit message --- */

static int stage_of(const char *path)
{
	size_t i, n;

	for (i = 0; i < ST_COUNT; i++) {
		n = strlen(stage_dir[i]);
		if (strncmp(path, stage_dir[i], n) == 0 && path[n] == '/')
			return (int)i;
	}
	return -1;
}

/* The item ID for Foo/bar/ID.md, else the path. */
static void label(const char *path, char *buf, size_t size)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (stage_of(path) >= 0 && n > 3 && strcmp(b + n - 3, ".md") == 0)
		snprintf(buf, size, "%.*s", (int)(n - 3), b);
	else
		snprintf(buf, size, "%s", path);
}

static const char *verb(const struct change *c)
{
	int from, to = stage_of(c->path);

	switch (c->kind) {
	case 'R':
		from = stage_of(c->from);
		if (from == ST_NEEDS_ACTION && to == ST_IN_PROGRESS)
			return "claim";
		if (from == ST_IN_PROGRESS && to == ST_NEEDS_ACTION)
			return "release";
		if (to == ST_APPROVED)
			return "approve";
		if (to == ST_REJECTED)
			return "reject";
		if (to == ST_DONE)
			return "done";
		if (to == ST_IN_PROGRESS)
			return "execute";
		if (to == ST_NEEDS_ACTION)
			return "return";
		if (to == ST_PENDING)
			return "file";
		return "move";
	case 'A':
		if (to == ST_PENDING)
			return "file";
		if (to == ST_NEEDS_ACTION)
			return "new";
		if (to == ST_DONE)
			return "done";
		return "add";
	case 'D':
		return "delete";
	default:
		return "update";
	}
}

void sync_describe(const struct changes *ch, const char *agent, char *buf,
    size_t size)
{
	char what[200], piece[260];
	size_t i, len, shown = 0, logs = 0;
	int n;

	n = snprintf(buf, size, "%s: ", agent);
	len = n > 0 && (size_t)n < size ? (size_t)n : 0;
	for (i = 0; i < ch->n; i++) {
		const struct change *c = &ch->v[i];
		if (strncmp(c->path, "Logs/", 5) == 0 && c->kind != 'R') {
			logs++;
			continue;
		}
		if (strcmp(c->path, ".gitkeep") == 0 ||
		    (strlen(c->path) > 8 &&
		    strcmp(c->path + strlen(c->path) - 8, "/.gitkeep") == 0))
			continue;
		label(c->path, what, sizeof what);
		snprintf(piece, sizeof piece, "%s%s %s", shown ? "; " : "",
		    verb(c), what);
		if (len + strlen(piece) + 24 >= size || len > 300)
			break;
		memcpy(buf + len, piece, strlen(piece) + 1);
		len += strlen(piece);
		shown++;
	}
	if (i < ch->n) {
		size_t more = ch->n - i;
		snprintf(buf + len, size - len, "%s%zu more change%s",
		    shown ? "; and " : "", more, more == 1 ? "" : "s");
		return;
	}
	if (logs)
		snprintf(buf + len, size - len, "%slog%s", shown ? "; " : "",
		    logs == 1 ? "" : "s");
	else if (!shown)
		snprintf(buf + len, size - len, "%s",
		    ch->n ? "layout" : "no change");
}

/* --- shared helpers --- */

void sync_warn(struct sync *s, const char *item, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s->o && s->o->warn)
		s->o->warn(item, msg);
}

/* What a merge has to say (a warning and an audit line) waits until the
 * merge is checked out: the audit line must not touch the work tree the
 * checkout is about to update, nor be written for a merge that failed. */
struct sync_note {
	char *event, *id, *from, *to, *note;
};

static char *dupn(const char *s)
{
	return s ? strdup(s) : NULL;
}

int sync_note_later(struct sync *s, const char *event, const char *id,
    const char *from, const char *to, const char *note)
{
	struct sync_note *n = realloc(s->notes, (s->nnotes + 1) * sizeof *n);

	if (!n)
		return aie_fail_errno(EX_TEMP, "merge");
	s->notes = n;
	n += s->nnotes++;
	n->event = dupn(event);
	n->id = dupn(id);
	n->from = dupn(from);
	n->to = dupn(to);
	n->note = dupn(note);
	return 0;
}

void sync_notes_flush(struct sync *s, int tell)
{
	size_t i;

	for (i = 0; i < s->nnotes; i++) {
		struct sync_note *n = &s->notes[i];
		if (tell) {
			sync_warn(s, n->id ? n->id : n->from, "%s", n->note);
			audit_event(s->v, n->event, n->id, n->from, n->to, n->note);
			s->logged = 1;
		}
		free(n->event);
		free(n->id);
		free(n->from);
		free(n->to);
		free(n->note);
	}
	free(s->notes);
	s->notes = NULL;
	s->nnotes = 0;
}

/* The UTC time in conflict-copy names: 20261201T031500Z. */
void sync_stamp(char buf[17])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}
