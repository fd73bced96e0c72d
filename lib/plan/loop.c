/*
 * loop.c - what keeps an agent on a plan (see plan(1), "The loop"): the
 * reflection it writes after a step, appended to the plan's
 * "## Reflections" section, and the answer to its Stop hook, which sends
 * it back to the next step until the plan is done, waits for the owner,
 * or has been given PLAN_MAX_ITERATIONS continuations in one session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"
#include "internal.h"

/* The body with line added at the end of its "## Reflections" section,
 * made at the end when there is none; malloc'd, *len its length. */
static char *with_reflection(const struct item *it, const char *line,
    size_t *len)
{
	static const char head[] = "## Reflections\n\n";
	size_t start, end, add = strlen(line), at;
	int found = md_section(it->body, it->bodylen, "Reflections", &start,
	    &end);
	char *out;

	/* the section's last line of text, not the blank ones after it */
	at = found ? end : it->bodylen;
	while (found && at > start && (it->body[at - 1] == '\n' ||
	    it->body[at - 1] == '\r') && at >= 2 &&
	    (it->body[at - 2] == '\n' || it->body[at - 2] == '\r'))
		at--;
	if (!(out = malloc(it->bodylen + sizeof head + add + 3)))
		return NULL;
	memcpy(out, it->body, at);
	*len = at;
	if (*len && out[*len - 1] != '\n')
		out[(*len)++] = '\n';
	if (!found) {
		if (*len)
			out[(*len)++] = '\n';
		memcpy(out + *len, head, sizeof head - 1);
		*len += sizeof head - 1;
	}
	memcpy(out + *len, line, add);
	*len += add;
	memcpy(out + *len, it->body + at, it->bodylen - at);
	*len += it->bodylen - at;
	out[*len] = '\0';
	return out;
}

int plan_reflect(struct vault *v, const char *arg, size_t n,
    const char *text)
{
	char ts[21], line[PLAN_STEP_LEN_MAX + 128], *body;
	struct plan p;
	size_t len;
	int lock, r = -1;

	if (plan_line_ok("reflection", text, PLAN_STEP_LEN_MAX) < 0)
		return -1;
	if ((lock = state_lock(v, "plan", 1)) < 0)
		return -1;
	if (plan_load(v, arg, &p) < 0)
		goto out;
	if (n > p.nsteps) {
		aie_fail(EX_DATA, "%s: no step %zu (it has %zu)", p.ref.id, n,
		    p.nsteps);
		goto out;
	}
	time_rfc3339(time(NULL), ts);
	if (n)
		snprintf(line, sizeof line, "- step %zu, %s, %s: %s\n", n, ts,
		    v->agent, text);
	else
		snprintf(line, sizeof line, "- %s, %s: %s\n", ts, v->agent, text);
	if (!(body = with_reflection(&p.it, line, &len))) {
		aie_fail_errno(EX_TEMP, "%s", p.ref.rel);
		goto out;
	}
	free(p.it.body);
	p.it.body = body;
	p.it.bodylen = len;
	if (item_store(v, &p.ref, &p.it) == 0)
		r = audit_event(v, "plan_reflect", p.ref.id, NULL, p.ref.rel,
		    text);
out:
	plan_free(&p);
	state_unlock(lock);
	return r;
}

size_t plan_reflections(const struct plan *p, size_t n)
{
	char head[32];
	const char *s, *e, *line;
	size_t start, end, hlen, count = 0;

	if (md_section(p->it.body, p->it.bodylen, "Reflections", &start,
	    &end) != 1)
		return 0;
	/* plan_reflect's lines: "- step N, <time>, <agent>: text" */
	hlen = (size_t)snprintf(head, sizeof head, "- step %zu, ", n);
	s = p->it.body + start;
	e = p->it.body + end;
	for (line = s; line < e; line = s + 1) {
		if (!(s = memchr(line, '\n', (size_t)(e - line))))
			s = e;
		if ((size_t)(s - line) > hlen && !memcmp(line, head, hlen))
			count++;
	}
	return count;
}

/* .state/<agent>/plan-loop-<PLAN_ID>: "<session> <count>\n", the
 * continuations given in the session that last asked. */
static int loop_path(struct vault *v, const char *pid, char *rel,
    size_t size)
{
	if (vault_statedir(v, rel, size) < 0)
		return -1;
	if (strlen(rel) + strlen(pid) + 12 >= size)
		return aie_fail(EX_DATA, "%s: path too long", pid);
	strcat(rel, "/plan-loop-");
	strcat(rel, pid);
	return 0;
}

static long loop_count(struct vault *v, const char *rel, const char *session)
{
	char *buf, *sp;
	size_t len;
	long count = 0;

	if (file_readat(v->dirfd, rel, &buf, &len) < 0)
		return 0;       /* none yet: the first */
	sp = strchr(buf, ' ');
	if (sp && (size_t)(sp - buf) == strlen(session) &&
	    strncmp(buf, session, (size_t)(sp - buf)) == 0)
		count = strtol(sp + 1, NULL, 10);
	free(buf);
	return count < 0 ? 0 : count;
}

int plan_stop(struct vault *v, const char *arg, const char *session,
    long max, char *reason, size_t size)
{
	char rel[300], rec[400];
	struct plan p;
	size_t k;
	long count;
	int r = PLAN_STOP_DONE, len;

	reason[0] = '\0';
	if (plan_load(v, arg, &p) < 0)
		return -1;
	if (loop_path(v, p.ref.id, rel, sizeof rel) < 0) {
		plan_free(&p);
		return -1;
	}
	k = plan_next(&p);
	if (k && p.steps[k - 1].draft[0]) {
		r = PLAN_STOP_WAITS;
		snprintf(reason, size, "%s: step %zu waits for the owner's "
		    "approval of %s", p.ref.id, k, p.steps[k - 1].draft);
	} else if (k && (count = loop_count(v, rel, session)) >= max) {
		r = PLAN_STOP_LIMIT;
		snprintf(reason, size, "%s: step %zu of %zu is not done after "
		    "%ld continuations (PLAN_MAX_ITERATIONS)", p.ref.id, k,
		    p.nsteps, count);
		audit_event(v, "plan_loop_limit", p.ref.id, NULL, p.ref.rel,
		    reason);
	} else if (k) {
		r = PLAN_STOP_CONTINUE;
		len = snprintf(rec, sizeof rec, "%s %ld\n", session, count + 1);
		if (len < 0 || (size_t)len >= sizeof rec ||
		    file_writeat(v->dirfd, rel, rec, (size_t)len, 0600) < 0)
			r = aie_fail(EX_TEMP, "%s: cannot count the continuation",
			    rel);
		else
			snprintf(reason, size, "%s is not done. Next: step %zu of "
			    "%zu, \"%s\". Do it; then tick it (plan --done %s %zu, "
			    "or the plan_update tool) and write in one line what "
			    "was done, what came of it and what to change (plan "
			    "--reflect %s %zu TEXT, or plan_update's reflection). "
			    "Continuation %ld of %ld.", p.ref.id, k, p.nsteps,
			    p.steps[k - 1].text, p.ref.id, k, p.ref.id, k,
			    count + 1, max);
	}
	plan_free(&p);
	return r;
}
