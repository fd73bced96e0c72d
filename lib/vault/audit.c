/*
 * audit.c - the audit log: one JSON object per line in Logs/YYYY-MM-DD.jsonl,
 * appended with a single write(2) on O_APPEND so that lines from concurrent
 * tools never interleave, and the union merge of the Logs directory keeps them all.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vault/vault.h"

/* Add ts, agent and tool to obj and append it. Takes the reference. */
int audit_json(struct vault *v, json_t *obj)
{
	char ts[21], rel[32], *line;
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	int r;

	if (!obj)
		return aie_fail(EX_TEMP, "audit: out of memory");
	time_rfc3339(now, ts);
	json_object_set_new(obj, "ts", json_string(ts));
	json_object_set_new(obj, "agent", json_string(v->agent));
	if (aie_prog())
		json_object_set_new(obj, "tool", json_string(aie_prog()));
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!line)
		return aie_fail(EX_TEMP, "audit: cannot encode");
	n = strlen(line);
	line = realloc(line, n + 2);
	if (!line)
		return aie_fail(EX_TEMP, "audit: out of memory");
	line[n] = '\n';
	line[n + 1] = '\0';
	gmtime_r(&now, &tm);
	strftime(rel, sizeof rel, "Logs/%Y-%m-%d.jsonl", &tm);
	r = file_appendat(v->dirfd, rel, line, n + 1);
	free(line);
	return r;
}

/* One state change: event, item, where from, where to, a note; any of the
 * last four may be NULL. */
int audit_event(struct vault *v, const char *event, const char *id,
    const char *from, const char *to, const char *note)
{
	json_t *o = json_object();

	if (!o)
		return aie_fail(EX_TEMP, "audit: out of memory");
	json_object_set_new(o, "event", json_string(event));
	if (id)
		json_object_set_new(o, "id", json_string(id));
	if (from)
		json_object_set_new(o, "from", json_string(from));
	if (to)
		json_object_set_new(o, "to", json_string(to));
	if (note)
		json_object_set_new(o, "note", json_string(note));
	return audit_json(v, o);
}
