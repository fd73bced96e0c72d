/*
 * projects.c - the active projects of Business_Goals.md (its table
 * "Project | Due | Budget", see vault(5)): each one's days left until its
 * due date from the week's last day, so a rerun of the week gives the
 * same numbers; a due date that is no YYYY-MM-DD is said so.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"

json_t *brief_projects(const char *goals, size_t len,
    const struct brief_week *w)
{
	json_t *list = json_array(), *p;
	char *text, *line, *save = NULL, *cell[3];
	size_t start, end;
	time_t due, last = w->end - 86400;     /* the week's Sunday */
	int n;

	if (!goals || md_section(goals, len, "Active projects", &start,
	    &end) != 1)
		return list;
	if (!(text = strndup(goals + start, end - start)))
		return list;
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((n = brief_cells(line, cell, 3)) < 2 || !strcasecmp(cell[0],
		    "Project"))
			continue;
		if (!(p = json_pack("{s:s, s:s}", "project", cell[0], "due",
		    cell[1])))
			continue;
		if (n > 2 && *cell[2])
			json_object_set_new(p, "budget", json_string(cell[2]));
		if (brief_date(cell[1], &due) == 0)
			json_object_set_new(p, "days_left", json_integer(
			    (json_int_t)((due - last) / 86400)));
		json_array_append_new(list, p);
	}
	free(text);
	return list;
}
