/*
 * phone.c - the state of things as a short WhatsApp message to the owner:
 * what waits for approval (notify-wa --approvals, and the owner's own
 * "pending"), and the counts per stage (the owner's "status"). Each ends
 * with the dashboard link and fits WhatsApp's limit (wa_compose).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status/status.h"
#include "wa/wa.h"

/* The message and its summary from body and sum, both freed. */
static int finish(struct buf *body, struct buf *sum, char **text,
    char **summary)
{
	if (!body->oom && !sum->oom) {
		*text = wa_compose(body->p, wa_dashboard_url());
		*summary = wa_oneline(sum->p, WA_PARAM_MAX);
	}
	buf_free(body);
	buf_free(sum);
	if (!*text || !*summary) {
		free(*text);
		free(*summary);
		*text = *summary = NULL;
		return aie_fail(EX_TEMP, "out of memory");
	}
	return 0;
}

int status_text_approvals(struct vault *v, char **text, char **summary,
    size_t *count)
{
	struct pending *p;
	struct buf body = { 0 }, sum = { 0 };
	char line[1200], *t;
	size_t n, i;

	*text = *summary = NULL;
	if (pending_list(v, &p, &n) < 0)
		return -1;
	*count = n;
	if (n == 0) {
		buf_adds(&body, "*Nothing waits for your approval*");
		buf_adds(&sum, "nothing waits for approval");
	} else {
		snprintf(line, sizeof line, "*%zu draft%s wait%s for your "
		    "approval*", n, n > 1 ? "s" : "", n > 1 ? "" : "s");
		buf_adds(&body, line);
		snprintf(line, sizeof line, "%zu waiting for approval: ", n);
		buf_adds(&sum, line);
	}
	for (i = 0; i < n; i++) {
		if (!(t = wa_oneline(p[i].title ? p[i].title : p[i].ref.id, 300)))
			continue;
		snprintf(line, sizeof line, "\n- %s%s%s%s", t, p[i].to ?
		    " (to " : "", p[i].to ? p[i].to : "", p[i].to ? ")" : "");
		buf_adds(&body, line);
		snprintf(line, sizeof line, "%s%s", i ? "; " : "", t);
		buf_adds(&sum, line);
		free(t);
	}
	pending_free(p, n);
	return finish(&body, &sum, text, summary);
}

int status_text_counts(struct vault *v, char **text, char **summary)
{
	static const struct {
		enum stage st;
		const char *label;
	} rows[] = {
		{ ST_NEEDS_ACTION, "New, to look at" },
		{ ST_IN_PROGRESS, "Being drafted" },
		{ ST_PENDING, "Waiting for your approval" },
		{ ST_APPROVED, "Approved, to send" },
	};
	struct status st;
	struct buf body = { 0 }, sum = { 0 };
	char line[300];
	size_t i, j;

	*text = *summary = NULL;
	if (status_read(v, &st) < 0)
		return -1;
	buf_adds(&body, "*ai-employee status*");
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum stage s = rows[i].st;
		snprintf(line, sizeof line, "\n%s: %lld", rows[i].label,
		    (long long)st.totals[s]);
		buf_adds(&body, line);
		/* the domains, when there is more than one */
		for (j = 0; st.ncounts[s] > 1 && j < st.ncounts[s]; j++) {
			snprintf(line, sizeof line, "%s%s %lld", j ? ", " : " (",
			    st.counts[s][j].name, (long long)st.counts[s][j].n);
			buf_adds(&body, line);
		}
		if (st.ncounts[s] > 1)
			buf_adds(&body, ")");
		snprintf(line, sizeof line, "%s%s %lld", i ? ", " : "",
		    rows[i].label, (long long)st.totals[s]);
		buf_adds(&sum, line);
	}
	status_free(&st);
	return finish(&body, &sum, text, summary);
}
