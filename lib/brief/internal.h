/*
 * internal.h - what the files of lib/brief share.
 */
#ifndef AIE_BRIEF_INTERNAL_H
#define AIE_BRIEF_INTERNAL_H

#include "brief/brief.h"

double brief_round(double x, double parts);
double brief_money(double x);
/* file_readat, with a missing file 1 (no error). */
int brief_read(struct vault *v, const char *rel, char **text, size_t *len);
/* The value of the bullet "- key: value" of section: 1 found, else 0. */
int brief_goal(const char *text, size_t len, const char *section,
    const char *key, char *val, size_t size);
/* The cells of the Markdown table row line (split in place), at most
 * max: their count, or 0 for a line that is no row or the separator. */
int brief_cells(char *line, char **cell, size_t max);
/* The date "YYYY-MM-DD" (nothing after it) as 00:00 UTC: 0, or -1. */
int brief_date(const char *s, time_t *t);
/* "12.50 USD", "$12.50", "12.50": 0 with the cost and its currency
 * (USD when none), -1 when it is no cost. */
int brief_cost_parse(const char *s, double *cost, char *cur, size_t size);
/* The revenue facts: Odoo's report as of the week's last day, against
 * the monthly target (0: none) in currency tcur. */
json_t *brief_revenue(const struct brief_week *w, double target,
    const char *tcur, int *status);
/* The rows of Business_Goals.md's "Key metrics" (goals: NULL when there
 * is none) judged on the facts: a new array of {metric, target,
 * alert_when, state, note, and value, unit when computed}. */
json_t *brief_metrics(const char *goals, size_t len, const json_t *facts);
/* The rows of Business_Goals.md's "Active projects" (goals: NULL when
 * there is none): a new array of {project, due, budget, and days_left
 * from the week's last day (negative: overdue) when due is a date}. */
json_t *brief_projects(const char *goals, size_t len,
    const struct brief_week *w);
/* The subscriptions facts subs against the previous week's record:
 * previous_cost, cost_up and rise_pct on each that rose, the count in
 * cost_up. 0, or -1 with aie_errmsg when the record cannot be read. */
int brief_rises(struct vault *v, const struct brief_week *w, json_t *subs);
/* The Social facts: the totals of Logs/Social/<week>.md, or
 * {"configured": false} when there is none. NULL on a read error. */
json_t *brief_social(struct vault *v, const struct brief_week *w);

#endif
