/*
 * status.c - the state of a vault as data: counts per stage and domain,
 * the drafts waiting for approval, the last sync and the health files.
 * vault-status prints it, the dashboard renders it; both read it here so
 * they never disagree.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

struct pending_acc {
	struct pending *p;
	size_t n, cap;
};

/* The first lines of the body, at most max bytes, cut on a UTF-8 boundary. */
static char *preview_of(const char *body, size_t len, size_t max)
{
	size_t n = len < max ? len : max;
	char *out;

	while (n > 0 && n < len && ((unsigned char)body[n] & 0xc0) == 0x80)
		n--;
	if (!(out = strndup(body, n)))
		return NULL;
	return out;
}

static int add_pending(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct pending_acc *a = ctx;
	struct pending *p;
	struct item it;
	char *created, *expires, *source;

	if (item_load(v, ref, &it) < 0)
		return 0;        /* unreadable: vault-status reports it apart */
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct pending *np = realloc(a->p, ncap * sizeof *np);
		if (!np) {
			fm_free(&it);
			return aie_fail_errno(EX_TEMP, "pending list");
		}
		a->p = np;
		a->cap = ncap;
	}
	p = &a->p[a->n++];
	memset(p, 0, sizeof *p);
	p->ref = *ref;
	p->title = fm_get(&it, "subject");
	if (!p->title)
		p->title = strdup(ref->id);
	p->to = fm_get(&it, "to");
	p->preview = preview_of(it.body, it.bodylen, 200);
	created = fm_get(&it, "created");
	expires = fm_get(&it, "expires");
	source = fm_get(&it, "source");
	if (created)
		time_parse_rfc3339(created, &p->created);
	if (expires)
		time_parse_rfc3339(expires, &p->expires);
	if (source && id_valid(source)) {
		struct itemref sref;
		struct item sit;
		if (vault_find_once(v, source, &sref) == 0 &&
		    item_load(v, &sref, &sit) == 0) {
			p->from = fm_get(&sit, "from");
			fm_free(&sit);
		}
	}
	free(created);
	free(expires);
	free(source);
	fm_free(&it);
	return 0;
}

static int by_created(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->ref.id, y->ref.id);
}

int pending_list(struct vault *v, struct pending **out, size_t *n)
{
	struct pending_acc a = { NULL, 0, 0 };

	if (vault_walk(v, ST_PENDING, NULL, add_pending, &a) < 0) {
		pending_free(a.p, a.n);
		return -1;
	}
	if (a.n)
		qsort(a.p, a.n, sizeof *a.p, by_created);
	*out = a.p;
	*n = a.n;
	return 0;
}

void pending_free(struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].title);
		free(p[i].to);
		free(p[i].from);
		free(p[i].preview);
	}
	free(p);
}

struct count_acc {
	json_t *bysub;
	json_int_t total;
};

static int count_one(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct count_acc *c = ctx;
	char sub[sizeof ref->sub], *slash;
	json_t *n;

	(void)v;
	snprintf(sub, sizeof sub, "%s", ref->sub);
	if ((slash = strchr(sub, '/')))
		*slash = '\0';   /* Done/<domain>/<month>: count by domain */
	n = json_object_get(c->bysub, sub);
	json_object_set_new(c->bysub, sub,
	    json_integer(n ? json_integer_value(n) + 1 : 1));
	c->total++;
	return 0;
}

static json_t *last_sync(struct vault *v, time_t now)
{
	char rel[128], *buf, *nl;
	size_t len;
	time_t t;
	json_t *o;

	if ((size_t)snprintf(rel, sizeof rel, ".state/%s/last_sync", v->agent) >=
	    sizeof rel || file_readat(v->dirfd, rel, &buf, &len) < 0)
		return json_null();
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if (time_parse_rfc3339(buf, &t) < 0) {
		free(buf);
		return json_null();
	}
	o = json_pack("{s:s, s:I}", "at", buf, "age_s", (json_int_t)(now - t));
	free(buf);
	return o;
}

/* Health/<agent>.md: "component: state detail" keys, plus updated. */
static json_t *health_of(struct vault *v, const char *file)
{
	char rel[300], *up;
	struct itemref ref;
	struct item it;
	json_t *comps = json_object(), *o;
	size_t i;

	snprintf(rel, sizeof rel, "Health/%s", file);
	memset(&ref, 0, sizeof ref);
	snprintf(ref.rel, sizeof ref.rel, "%s", rel);
	if (item_load(v, &ref, &it) < 0) {
		json_decref(comps);
		return NULL;
	}
	for (i = 0; i < it.nlines; i++) {
		const char *k = it.lines[i].key;
		char *val, *sp;
		if (!k || !strcmp(k, "updated") || !strcmp(k, "type") ||
		    !strcmp(k, "agent"))
			continue;
		if (!(val = fm_decode_value(it.lines[i].raw)))
			continue;
		sp = strchr(val, ' ');
		if (sp)
			*sp++ = '\0';
		json_object_set_new(comps, k, json_pack("{s:s, s:s}", "state", val,
		    "detail", sp ? sp : ""));
		free(val);
	}
	up = fm_get(&it, "updated");
	o = json_pack("{s:s?, s:o}", "updated", up, "components", comps);
	free(up);
	fm_free(&it);
	return o;
}

static json_t *health_all(struct vault *v)
{
	json_t *all = json_object();
	struct dirent *e;
	DIR *d;
	int fd = vault_opendir(v, "Health", 0);

	if (fd < 0)
		return all;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return all;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char agent[AIE_NAME_MAX + 1];
		json_t *h;
		if (n < 4 || n - 3 > AIE_NAME_MAX || strcmp(e->d_name + n - 3, ".md"))
			continue;
		memcpy(agent, e->d_name, n - 3);
		agent[n - 3] = '\0';
		if (!name_valid(agent))
			continue;
		if ((h = health_of(v, e->d_name)))
			json_object_set_new(all, agent, h);
	}
	closedir(d);
	return all;
}

json_t *status_json(struct vault *v)
{
	json_t *o = json_object(), *counts = json_object(), *totals = json_object();
	json_t *pend = json_array();
	struct pending *p = NULL;
	size_t np = 0, i;
	time_t now = time(NULL);
	int st;

	if (!o || !counts || !totals || !pend) {
		json_decref(o); json_decref(counts); json_decref(totals);
		json_decref(pend);
		aie_fail(EX_TEMP, "status: out of memory");
		return NULL;
	}
	for (st = 0; st < ST_COUNT; st++) {
		struct count_acc c = { json_object(), 0 };
		vault_walk(v, (enum stage)st, NULL, count_one, &c);
		json_object_set_new(counts, stage_dir[st], c.bysub);
		json_object_set_new(totals, stage_dir[st], json_integer(c.total));
	}
	if (pending_list(v, &p, &np) < 0) {
		json_decref(o); json_decref(counts); json_decref(totals);
		json_decref(pend);
		return NULL;
	}
	for (i = 0; i < np; i++) {
		char c[21] = "", e[21] = "";
		if (p[i].created)
			time_rfc3339(p[i].created, c);
		if (p[i].expires)
			time_rfc3339(p[i].expires, e);
		json_array_append_new(pend, json_pack(
		    "{s:s, s:s, s:s, s:s?, s:s?, s:I, s:s?, s:s?, s:s?, s:s}",
		    "id", p[i].ref.id, "domain", p[i].ref.sub,
		    "title", p[i].title ? p[i].title : p[i].ref.id,
		    "to", p[i].to, "from", p[i].from,
		    "age_s", (json_int_t)(p[i].created ? now - p[i].created : 0),
		    "created", *c ? c : NULL, "expires", *e ? e : NULL,
		    "preview", p[i].preview, "path", p[i].ref.rel));
	}
	pending_free(p, np);
	json_object_set_new(o, "vault", json_string(v->root));
	json_object_set_new(o, "agent", json_string(v->agent));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "totals", totals);
	json_object_set_new(o, "pending", pend);
	json_object_set_new(o, "last_sync", last_sync(v, now));
	json_object_set_new(o, "health", health_all(v));
	return o;
}
