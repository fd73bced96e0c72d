/*
 * auditline.c - one line of the audit log (Logs/YYYY-MM-DD.jsonl, see
 * vault(5)) for the activity page (ui-activity.c, see dash.h): whether it
 * matches the page's filters, and the line as an item of the timeline.
 * The lines come from every agent through sync: every string in them is
 * escaped, and only a valid ID becomes a link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

#define NOTE_SHOWN 120          /* bytes of a note shown */

/* The domain a vault path names: Stage/<domain>/... but In_Progress/,
 * whose folders are agents. */
static int path_domain_is(const char *rel, const char *domain)
{
	const char *s = rel ? strchr(rel, '/') : NULL, *e;
	size_t n = strlen(domain);

	if (!s || !strncmp(rel, "In_Progress/", 12))
		return 0;
	s++;
	e = strchr(s, '/');
	return e && (size_t)(e - s) == n && !strncmp(s, domain, n);
}

/* 1 when the line counts as matching (see dash.h). Without a filter any
 * object line does, unparsed (a page parses only its own lines); with
 * one, a cheap look for the name comes before the parse. */
int activity_match(const char *line, const char *domain, const char *agent)
{
	const char *who, *from, *to;
	json_t *o;
	int r = 0;

	if (line[0] != '{')
		return 0;
	if (!agent && !domain)
		return 1;
	if ((agent && !strstr(line, agent)) || (domain && !strstr(line, domain)))
		return 0;
	if (!(o = json_loads(line, 0, NULL)) || !json_is_object(o))
		goto out;
	who = json_string_value(json_object_get(o, "agent"));
	from = json_string_value(json_object_get(o, "from"));
	to = json_string_value(json_object_get(o, "to"));
	r = (!agent || (who && !strcmp(who, agent))) && (!domain ||
	    path_domain_is(from, domain) || path_domain_is(to, domain));
out:
	json_decref(o);
	return r;
}

/* One line of the log as a list item (see dash.h). */
void activity_show(struct buf *b, const char *line, int with_date)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *ts = json_string_value(json_object_get(o, "ts"));
	const char *ev = json_string_value(json_object_get(o, "event"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *agent = json_string_value(json_object_get(o, "agent"));
	const char *from = json_string_value(json_object_get(o, "from"));
	const char *to = json_string_value(json_object_get(o, "to"));
	const char *note = json_string_value(json_object_get(o, "note"));
	char t[32], *cut;

	if (!json_is_object(o)) {   /* an unreadable line keeps its place */
		buf_adds(b, "<li>(an unreadable line)</li>");
		json_decref(o);
		return;
	}
	buf_adds(b, "<li><time");
	if (ts && strlen(ts) == 20) {
		buf_adds(b, " datetime=\"");
		html_attr(b, ts);
		snprintf(t, sizeof t, "%.*s", with_date ? 16 : 5,
		    ts + (with_date ? 0 : 11));
		if (with_date)
			t[10] = ' ';
		buf_adds(b, "\">");
		html_text(b, t);
	} else {
		buf_adds(b, ">?");
	}
	buf_adds(b, "</time> <b>");
	html_text(b, ev ? ev : "?");
	buf_adds(b, "</b> ");
	if (id && id_valid(id)) {
		buf_adds(b, "<a href=\"/item?id=");
		url_part(b, id);
		buf_adds(b, "\">");
		html_text(b, id);
		buf_adds(b, "</a>");
	} else if (id) {
		html_shown_str(b, id);
	}
	buf_adds(b, "<small>");
	if (agent) {
		buf_adds(b, " by ");
		html_text(b, agent);
	}
	if (from) {
		buf_adds(b, " from ");
		html_text(b, from);
	}
	if (to) {
		buf_adds(b, " to ");
		html_text(b, to);
	}
	if (note && *note) {
		buf_adds(b, " — ");
		if ((cut = strndup(note, NOTE_SHOWN))) {
			html_shown_str(b, cut);
			free(cut);
		}
		if (strlen(note) > NOTE_SHOWN)
			buf_adds(b, "…");
	}
	buf_adds(b, "</small></li>");
	json_decref(o);
}
