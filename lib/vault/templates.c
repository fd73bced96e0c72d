/*
 * templates.c - the files vault-init writes into a new vault. The handbook
 * is what draft-email gives the model as its rules and what mail-fetch reads
 * its urgent keywords from, so its section names are part of the contract
 * (vault(5)).
 */
#include "vault/vault.h"

/* .gitignore is these lines around the secret guard's deny-list, which
 * vault-init writes from the one list vault-sync enforces. */
const char tpl_gitignore_head[] =
"# Written by vault-init. The secret deny-list (see vault(5)): vault-sync refuses\n"
"# these even if this file is edited.\n";

const char tpl_gitignore_tail[] =
"# Local clutter\n"
".tmp.*\n"
".obsidian/workspace*\n"
".trash/\n";

const char tpl_gitattributes[] =
"# Append-only logs merge as a union of lines (see vault-sync(1)).\n"
"Logs/** merge=union\n";

const char tpl_handbook[] =
"---\n"
"type: handbook\n"
"---\n"
"# Company Handbook\n"
"\n"
"These are the owner's rules. The AI employee reads this file before every\n"
"draft; edit it in Obsidian or any editor and the next draft follows it.\n"
"\n"
"## Tone\n"
"\n"
"- Friendly, brief and plain. Answer the question that was asked first.\n"
"- Match the sender's language. No exclamation marks in the first line.\n"
"- Never argue; when a customer is upset, acknowledge it and offer a next step.\n"
"\n"
"## Signature\n"
"\n"
"Best regards,\n"
"The Owner\n"
"Example Ltd\n"
"\n"
"## Never promise\n"
"\n"
"- Prices, discounts or refunds that are not on the price list.\n"
"- Delivery dates: say \"we will confirm the date\".\n"
"- Anything legal, medical or financial advice.\n"
"\n"
"## Urgent keywords\n"
"\n"
"A mail whose subject or body holds one of these (any case) is marked\n"
"`priority: high` and the owner is told at once.\n"
"\n"
"- urgent\n"
"- asap\n"
"- invoice overdue\n"
"- payment failed\n"
"- complaint\n"
"- cancel\n"
"\n"
"## Limits\n"
"\n"
"- Every outgoing mail needs the owner's approval.\n"
"- At most 10 mails are sent an hour.\n"
"- Payments over 100 USD are never prepared without a note from the owner.\n";

const char tpl_dashboard[] =
"---\n"
"type: dashboard\n"
"---\n"
"# Dashboard\n"
"\n"
"Written by `vault-status --dashboard` on the local agent; the cloud agent\n"
"never writes it. Open it in Obsidian for the state of the vault.\n"
"\n"
"## Counts\n"
"\n"
"(no counts yet: run `vault-status --dashboard`)\n"
"\n"
"## Waiting for approval\n"
"\n"
"(none yet)\n"
"\n"
"## Updates from the cloud\n"
"\n"
"(none yet)\n";

/* Read by briefing(1) (the "- Key: value" bullets of Revenue and
 * Subscription audit) and draft-post(1) (the themes of Content). */
const char tpl_goals[] =
"---\n"
"type: goals\n"
"---\n"
"# Business Goals\n"
"\n"
"The owner's targets. Every Monday `briefing` compares the week with them;\n"
"`draft-post --from-goals` takes one theme of \"Content\" a week. Edit the\n"
"values, keep the \"- Key: value\" shape of the bullets the tools read.\n"
"\n"
"## Revenue\n"
"\n"
"- Monthly target: 10000 USD\n"
"\n"
"## Key metrics\n"
"\n"
"| Metric | Target | Alert when |\n"
"|---|---|---|\n"
"| Client response time | under 24 hours | over 48 hours |\n"
"| Invoices paid on time | over 90 % | under 80 % |\n"
"| Software costs | under 500 USD a month | over 600 USD a month |\n"
"| Approvals waiting | none older than a day | any older than 48 hours |\n"
"\n"
"## Active projects\n"
"\n"
"| Project | Due | Budget |\n"
"|---|---|---|\n"
"| Website redesign | 2027-01-31 | 2000 USD |\n"
"| Client onboarding guide | 2027-02-15 | 500 USD |\n"
"\n"
"## Subscription audit\n"
"\n"
"The subscriptions are the rows of Finance/Subscriptions.md (name, cost,\n"
"last used). The briefing suggests cancelling one when:\n"
"\n"
"- Unused days: 30\n"
"\n"
"## Content\n"
"\n"
"One theme a line; draft-post --from-goals drafts a post on one each week.\n"
"\n"
"- What a small business saves by answering mail within a day\n"
"- Behind the scenes: how we plan a client project\n"
"- One lesson from this month's work\n";
