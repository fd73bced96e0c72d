/*
 * costdays.c - sum the cost_usd column of the day files in Logs/API_Usage/.
 *
 * The table's columns are found by name from its header row, not by
 * position, so the logger may add or reorder columns. A row's cost that is
 * "unknown" (a model without a price), empty or not a number is counted as
 * unknown and not summed. The parser works line by line with bounded cell
 * counts and no recursion: the files are written by another agent.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dash/dash.h"

#define MAX_CELLS 64

/* Split a table row "| a | b |" into trimmed cells (pointers into line,
 * which is modified); returns the count. "\|" stays inside a cell. */
static int split_row(char *line, char **cells)
{
	char *p = line, *start, *e;
	int n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '|')
		return 0;
	p++;
	while (*p && n < MAX_CELLS) {
		start = p;
		while (*p && !(*p == '|' && (p == start || p[-1] != '\\')))
			p++;
		if (!*p) {            /* text after the last pipe */
			e = p;
			while (e > start && isspace((unsigned char)e[-1]))
				e--;
			if (e == start)
				break;
		}
		e = p;
		while (e > start && isspace((unsigned char)e[-1]))
			e--;
		while (start < e && isspace((unsigned char)*start))
			start++;
		if (e - start >= 2 && *start == '`' && e[-1] == '`') {
			start++;
			e--;
		}
		cells[n++] = start;
		if (*p)
			p++;
		*e = '\0';
	}
	return n;
}

static int is_separator(char **cells, int n)
{
	int i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *c = cells[i];
		if (strspn(c, "-: ") != strlen(c) || !strchr(c, '-'))
			return 0;
	}
	return 1;
}

/* The cost cell of a data row: add it, or count the row as unknown. */
static void add_cost(struct costday *d, const char *c)
{
	char *end;
	double v;

	if (*c == '$')
		c++;
	errno = 0;
	v = strtod(c, &end);
	if (!*c || errno || end == c || *end || !isfinite(v) || v < 0 ||
	    v > 1e9) {
		d->unknown++;
		return;
	}
	d->cost_usd += v;
}

void cost_parse(const char *text, size_t len, struct costday *d)
{
	char line[4096], prev[4096], copy[4096], *cells[MAX_CELLS];
	size_t i = 0, n;
	int col = -1, intable = 0, nc, hn, k;

	prev[0] = '\0';
	while (i < len) {
		for (n = 0; i + n < len && text[i + n] != '\n'; n++)
			;
		if (n >= sizeof line) {        /* a line too long is not ours */
			i += n + 1;
			intable = 0;
			prev[0] = '\0';
			continue;
		}
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		strcpy(copy, line);
		if ((nc = split_row(copy, cells)) == 0) {
			intable = 0;
			prev[0] = '\0';
			continue;
		}
		if (!intable && prev[0] && is_separator(cells, nc)) {
			/* prev is the header row: find the column by name */
			hn = split_row(prev, cells);
			for (col = -1, k = 0; k < hn; k++)
				if (!strcasecmp(cells[k], "cost_usd"))
					col = k;
			intable = 1;
			continue;
		}
		if (!intable) {
			strcpy(prev, line);
			continue;
		}
		if (col < 0)
			continue;
		d->calls++;
		if (col >= nc || !strcasecmp(cells[col], "unknown"))
			d->unknown++;
		else
			add_cost(d, cells[col]);
	}
}

int cost_days(struct vault *v, time_t now, int days, struct costday *out)
{
	char rel[64], *text;
	size_t len;
	struct tm tm;
	time_t t;
	int i, present = 0;

	if (days < 1 || days > COST_DAYS_MAX)
		return aie_fail(EX_ARGS, "days must be 1..%d", COST_DAYS_MAX);
	for (i = 0; i < days; i++) {
		struct costday *d = &out[i];
		memset(d, 0, sizeof *d);
		t = now - (time_t)(days - 1 - i) * 86400;
		gmtime_r(&t, &tm);
		strftime(d->date, sizeof d->date, "%Y-%m-%d", &tm);
		snprintf(rel, sizeof rel, "Logs/API_Usage/%s.md", d->date);
		if (file_readat(v->dirfd, rel, &text, &len) < 0) {
			if (aie_errcode == EX_NEG)
				continue;
			return -1;
		}
		d->present = 1;
		present++;
		cost_parse(text, len, d);
		free(text);
	}
	return present;
}
