#!/usr/bin/env bats
# briefing: the Monday briefing of last week from a made week (audit log,
# waiting items, usage rows, subscriptions, the fake Odoo's invoices), the
# model's summary kept to the facts' numbers, and the suggestion items.
load helper
load fake/fake
load fake/odoo

setup() {
	fake_setup
	unset ODOO_API_MODE ODOO_API_KEY ODOO_URL USAGE_BUDGET_WEEKLY
	export AIE_PRICES_FILE="$TOP/share/prices.tsv" AIE_HTTP_BACKOFF=0.01
	# last ISO week in UTC: MON..SUN, the briefing of NEXT (its Monday)
	local dow
	dow=$(date -u +%u)
	MON=$(date -u -d "-$((dow - 1 + 7)) days" +%F)
	SUN=$(date -u -d "$MON +6 days" +%F)
	NEXT=$(date -u -d "$MON +7 days" +%F)
	WEEK=$(date -u -d "$MON" +%G-W%V)
	B="$VAULT_DIR/Briefings/${NEXT}_Monday_Briefing.md"
}

teardown() {
	if [ -n "${LLM_PID:-}" ]; then
		kill "$LLM_PID" 2>/dev/null || true
		wait "$LLM_PID" 2>/dev/null || true
	fi
}

# llm_fake SCRIPT-LINE...: the fake Anthropic API (t/fake/anthropic.py)
# answering with these lines in turn.
llm_fake() {
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/script"
	python3 "$T_DIR/fake/anthropic.py" --port-file "$BATS_TEST_TMPDIR/port" \
	    --log "$BATS_TEST_TMPDIR/llm.log" --key test-key-123 \
	    --script "$BATS_TEST_TMPDIR/script" 3>&- &
	LLM_PID=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/port" ]
	export LLM_PROVIDER=anthropic ANTHROPIC_API_KEY=test-key-123 \
	    ANTHROPIC_BASE_URL="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")"
}

odoo_env() {
	export ODOO_URL="$FAKE_URL" ODOO_DB=acme ODOO_USER=bot@acme.example \
	    ODOO_PASSWORD=s3cret ODOO_TIMEOUT=3
}

# odoo_rpc UID PASSWORD MODEL METHOD ARGS: execute_kw on the fake Odoo.
odoo_rpc() {
	curl -s "$FAKE_URL/jsonrpc" -H 'Content-Type: application/json' -d \
	    "{\"jsonrpc\":\"2.0\",\"method\":\"call\",\"id\":1,\"params\":{\"service\":\"object\",\"method\":\"execute_kw\",\"args\":[\"acme\",$1,\"$2\",\"$3\",\"$4\",$5]}}" |
	    jq -c 'if has("error") then (.error.data.message | halt_error) else .result end'
}

# posted PARTNER DATE DUE AMOUNT: a posted customer invoice made in Odoo.
posted() {
	local id
	id=$(odoo_rpc 2 s3cret account.move create "[[{\"move_type\":\"out_invoice\",\"partner_id\":$1,\"invoice_date\":\"$2\",\"invoice_date_due\":\"$3\",\"invoice_line_ids\":[[0,0,{\"name\":\"Work\",\"quantity\":1,\"price_unit\":$4}]]}]]" | jq '.[0]')
	odoo_rpc 6 p0st account.move action_post "[[$id]]" >/dev/null
}

# at DAY HOURS: RFC 3339 time HOURS after DAY 00:00 UTC (negative: before).
at() {
	date -u -d "$1 00:00 UTC $2 hours" +%FT%TZ
}

# item STAGE DOMAIN ID CREATED [SUBJECT]
item() {
	mkdir -p "$VAULT_DIR/$1/$2"
	printf -- '---\ntype: task\nid: %s\ncreated: %s\ndomain: %s\nstatus: new\nsubject: %s\n---\nbody\n' \
	    "$3" "$4" "$2" "${5:-$3}" >"$VAULT_DIR/$1/$2/$3.md"
}

# audit DAY ID TO: a move line in the audit log of DAY.
audit() {
	mkdir -p "$VAULT_DIR/Logs"
	printf '{"event":"approved","id":"%s","from":"Pending_Approval/x/%s.md","to":"%s","note":null,"ts":"%sT10:00:00Z","agent":"local","tool":"approve"}\n' \
	    "$2" "$2" "$3" "$1" >>"$VAULT_DIR/Logs/$1.jsonl"
}

# The made week: 3 items done (email 2, finance 1), new work 10 hours
# old, an approval left 3 days, 2 LLM calls, 2 subscriptions (one unused
# for 40 days) and, with odoo, 5000 USD invoiced on Sunday and an invoice
# of 100 USD 10 days overdue.
made_week() {
	local m=${MON:0:7} d1 d2
	d1=$(date -u -d "$MON +1 day" +%F)
	d2=$(date -u -d "$MON +3 days" +%F)
	audit "$d1" E1 "Done/email/$m/E1.md"
	audit "$d1" E2 "Done/email/$m/E2.md"
	audit "$d2" E1 "Done/email/$m/E1.md"
	audit "$d2" F1 "Done/finance/$m/F1.md"
	audit "$d2" X1 "Approved/email/X1.md"
	audit "$(date -u -d "$MON -1 day" +%F)" OLD "Done/email/$m/OLD.md"
	audit "$NEXT" NEW "Done/email/$m/NEW.md"
	item Needs_Action email N1 "$(at "$NEXT" -10)"
	item Needs_Action email N2 "$(at "$NEXT" 30)"
	item Needs_Action email N3 "$(at "$NEXT" -50)" "Where is my order?"
	item Pending_Approval general P1 "$(at "$NEXT" -72)" "Quote for Hooli"
	item Pending_Approval email P2 "$(at "$NEXT" -5)"
	usage-log add -q -t draft-email -m claude-sonnet-4-5 -i 1000000 -o 100000 --time "$(at "$d1" 9)"
	usage-log add -q -t draft-post -m claude-haiku-4-5 -i 1000000 -o 0 --time "$(at "$d2" 9)"
	usage-log add -q -m claude-haiku-4-5 -i 1000000 -o 0 --time "$(at "$NEXT" 1)"
	# the template's projects, due well after the week whatever today is
	sed -i -e "s/| 2027-01-31 |/| $(date -u -d "$SUN +60 days" +%F) |/" \
	    -e "s/| 2027-02-15 |/| $(date -u -d "$SUN +90 days" +%F) |/" \
	    "$VAULT_DIR/Business_Goals.md"
	mkdir -p "$VAULT_DIR/Finance"
	cat >"$VAULT_DIR/Finance/Subscriptions.md" <<-EOT
	# Subscriptions

	| Name | Cost | Last used |
	|---|---|---|
	| Canva | 12.99 USD | $(date -u -d "$SUN -40 days" +%F) |
	| Notion | 8.00 USD | $(date -u -d "$SUN -3 days" +%F) | notes, an extra column |
	| Figma | free | 2026-01-01 |
	| Zoom | 15.00 USD | last spring |
	EOT
}

odoo_week() {
	odoo_env
	posted 8 "$SUN" "$(date -u -d "$SUN +30 days" +%F)" 5000
	posted 8 "$(date -u -d "$SUN -40 days" +%F)" "$(date -u -d "$SUN -10 days" +%F)" 100
	posted 8 "$NEXT" "$(date -u -d "$NEXT +30 days" +%F)" 777
}

@test "briefing -j: the facts of last week, every number exact" {
	made_week
	odoo_week
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e --arg w "$WEEK" --arg mon "$MON" --arg sun "$SUN" '
	    .week == $w and .first_day == $mon and .last_day == $sun and
	    .done.total == 3 and .done.by_domain == {"email": 2, "finance": 1} and
	    .waiting.Needs_Action == {"count": 2, "oldest_hours": 50} and
	    .waiting.Pending_Approval == {"count": 2, "oldest_hours": 72} and
	    .waiting.late == 2 and (.bottlenecks | length) == 2 and
	    .bottlenecks[0].id == "P1" and .bottlenecks[0].waiting_hours == 72 and
	    .bottlenecks[0].waiting_days == 3 and .bottlenecks[0].title == "Quote for Hooli" and
	    .bottlenecks[1].id == "N3" and .bottlenecks[1].stage == "Needs_Action" and
	    .bottlenecks[1].waiting_hours == 50 and
	    .spend.calls == 2 and .spend.cost == 5.5 and .spend.budget == 50 and
	    .spend.budget_pct == 11 and .spend.by_model["claude-sonnet-4-5"].cost == 4.5 and
	    .spend.by_model["claude-haiku-4-5"].calls == 1 and
	    .spend.by_task == {"draft-email": {"calls": 1, "cost": 4.5}, "draft-post": {"calls": 1, "cost": 1}} and
	    .subscriptions.total_cost == 35.99 and .subscriptions.flagged == 1 and
	    .subscriptions.bad_rows == 2 and (.subscriptions.list | length) == 3 and
	    .subscriptions.list[2].unused_days == -1 and (.subscriptions.list[2].flagged | not) and
	    .subscriptions.list[0].unused_days == 40 and .subscriptions.list[0].flagged and
	    (.subscriptions.list[1].flagged | not) and
	    .revenue.configured and .revenue.week == {"USD": 5000} and
	    .revenue.month == {"USD": 5000} and .revenue.target == {"amount": 10000, "currency": "USD"} and
	    .revenue.target_pct == 50 and .revenue.owed == {"USD": 5877} and
	    .revenue.overdue_count == 1 and .revenue.overdue == {"USD": 100} and
	    .revenue.overdue_invoices[0].days_late == 10 and
	    .social.configured == false and
	    ([.projects[] | [.project, .days_left, .budget]] ==
	        [["Website redesign", 60, "2000 USD"], ["Client onboarding guide", 90, "500 USD"]]) and
	    .done.replies == {"count": 0} and
	    ([.metrics[].metric] == ["Client response time", "Invoices paid on time", "Software costs", "Approvals waiting"]) and
	    .metrics[0].state == "not computed" and .metrics[0].note == "no reply was sent this week" and
	    (.metrics[0] | has("value") | not) and
	    .metrics[1].state == "not computed" and
	    .metrics[2] == {"metric": "Software costs", "target": "under 500 USD a month",
	        "alert_when": "over 600 USD a month", "value": 35.99, "unit": "USD",
	        "state": "ok", "note": "the monthly sum of Finance/Subscriptions.md"} and
	    .metrics[3].value == 72 and .metrics[3].unit == "hours" and .metrics[3].state == "alert" and
	    ([.suggestions[].kind] == ["cancel_subscription", "chase_invoice", "answer_approval", "follow_up"])'
	# -j changes nothing
	[ ! -e "$VAULT_DIR/Briefings" ]
}

@test "briefing: the file's sections say the facts; the offline summary only their numbers" {
	made_week
	odoo_week
	run --separate-stderr briefing
	assert_success
	assert_line --index 0 "Briefings/${NEXT}_Monday_Briefing.md"
	[ -z "$stderr" ]
	grep -qx 'type: briefing' "$B"
	grep -qx "period: $WEEK" "$B"
	grep -q '^generated: ' "$B"
	for s in 'Executive summary' Revenue 'Work done' Bottlenecks Costs Social Suggestions; do
		grep -qx "## $s" "$B"
	done
	grep -qx -- "- Month to date (since ${SUN:0:7}-01): 5000.00 USD; target 10000.00 USD a month, 50.0 % reached" "$B"
	grep -qx -- '- Overdue: 1 invoice, 100.00 USD' "$B"
	grep -q '^| INV/.* | Globex | 100.00 USD | .* | 10 |$' "$B"
	grep -qx '3 items done: email 2, finance 1.' "$B"
	grep -qx '| Quote for Hooli (P1) | Pending_Approval | 48 h | 72 h | 24 h |' "$B"
	grep -qx '| Where is my order? (N3) | Needs_Action | 48 h | 50 h | 2 h |' "$B"
	grep -qx 'LLM: 2 calls, 5.50 USD of the 50.00 USD weekly budget (11.0 %).' "$B"
	grep -qx -- '- model claude-sonnet-4-5: 1 calls, 4.50 USD' "$B"
	grep -qx -- '- task draft-post: 1 calls, 1.00 USD' "$B"
	grep -qx "| Canva | 12.99 USD | $(date -u -d "$SUN -40 days" +%F) | 40 | yes |" "$B"
	grep -qx "Not configured: no social report for the week (Logs/Social/$WEEK.md, written by social-report(1))." "$B"
	grep -qx '| Zoom | 15.00 USD | last spring | ? | no |' "$B"
	grep -qx '2 rows of Finance/Subscriptions.md could not be read (a cost or a date YYYY-MM-DD missing).' "$B"
	grep -qx 'Revenue this week was 5000.00 USD; 1 invoice is overdue. 3 items were done. 2 items waited longer than 48 hours. The LLM cost 5.50 USD in 2 calls. 1 subscription is flagged as unused. Alert: Approvals waiting is 72 hours (alert when any older than 48 hours).' "$B"
	grep -qx '## Key metrics' "$B"
	grep -qx '| Metric | This week | Target | Alert when | State |' "$B"
	grep -qx '| Client response time | - | under 24 hours | over 48 hours | not computed: no reply was sent this week |' "$B"
	grep -qx '| Invoices paid on time | - | over 90 % | under 80 % | not computed: odoo-report(1) gives no payment dates of paid invoices |' "$B"
	grep -qx '| Software costs | 35.99 USD | under 500 USD a month | over 600 USD a month | ok: the monthly sum of Finance/Subscriptions.md |' "$B"
	grep -qx '| Approvals waiting | 72 hours | none older than a day | any older than 48 hours | alert: the oldest pending approval at the week'"'"'s end |' "$B"
}

@test "briefing: key metrics without Odoo say \"not configured\"; a form not understood or a metric without a fact is said so" {
	made_week
	g=$VAULT_DIR/Business_Goals.md
	sed -i -e 's/| over 600 USD a month |/| over 30 USD a month |/' \
	    -e 's/| any older than 48 hours |/| when it feels slow |/' "$g"
	sed -i '/^| Approvals waiting /a | Customer happiness | high | under 4 stars |' "$g"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '
	    .metrics[1].state == "not configured" and .metrics[1].note == "ODOO_URL is not set" and
	    (.metrics[1] | has("value") | not) and
	    .metrics[2].value == 35.99 and .metrics[2].state == "alert" and
	    .metrics[3].value == 72 and .metrics[3].state == "alert form not understood" and
	    .metrics[4].metric == "Customer happiness" and .metrics[4].state == "not computed" and
	    .metrics[4].note == "briefing(1) has no fact for this metric"'
	# a currency other than the subscriptions' is not compared
	sed -i 's/| over 30 USD a month |/| over 30 EUR a month |/' "$g"
	run --separate-stderr briefing -j
	echo "$output" | jq -e '.metrics[2].state == "alert form not understood"'
	# days are hours times 24
	sed -i 's/| when it feels slow |/| any older than 2 days |/' "$g"
	run --separate-stderr briefing -j
	echo "$output" | jq -e '.metrics[3].state == "alert"'
	sed -i 's/| any older than 2 days |/| any older than 3 days |/' "$g"
	run --separate-stderr briefing -j
	echo "$output" | jq -e '.metrics[3].state == "ok"'
	# costs in two currencies have no one sum to compare
	echo '| Miro | 10.00 EUR | '"$SUN"' |' >>"$VAULT_DIR/Finance/Subscriptions.md"
	run --separate-stderr briefing -j
	echo "$output" | jq -e '.metrics[2].state == "not computed" and
	    .metrics[2].note == "the subscriptions are in more than one currency" and
	    (.metrics[2] | has("value") | not)'
	sed -i '/^| Miro /d' "$VAULT_DIR/Finance/Subscriptions.md"
	run --separate-stderr briefing
	assert_success
	# only an alert understood is in the summary
	[ -z "$(grep 'Alert: Software costs' "$B")" ]
	[ -z "$(grep 'Alert: Approvals waiting' "$B")" ]
	grep -qx '| Customer happiness | - | high | under 4 stars | not computed: briefing(1) has no fact for this metric |' "$B"
}

@test "briefing: active projects are due in N days or overdue by N days from the week's Sunday" {
	made_week
	g=$VAULT_DIR/Business_Goals.md
	sed -i '/^| Website redesign /,/^| Client onboarding guide /d' "$g"
	sed -i "/^| Project | Due | Budget |/{n;a\\
| Late launch | $(date -u -d "$SUN -2 days" +%F) | 900 USD |\\
| Brochure | $(date -u -d "$SUN +3 days" +%F) | 100 USD |\\
| Audit | $SUN | |\\
| Next year | $(date -u -d "$SUN +40 days" +%F) | 50 USD |\\
| Someday | soon | 10 USD |
}" "$g"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '[.projects[] | [.project, .days_left]] ==
	    [["Late launch", -2], ["Brochure", 3], ["Audit", 0], ["Next year", 40], ["Someday", null]] and
	    .projects[0].budget == "900 USD" and (.projects[2] | has("budget") | not) and
	    .projects[4].due == "soon"'
	run --separate-stderr briefing
	assert_success
	[ -z "$stderr" ]
	grep -qx '## Active projects' "$B"
	grep -qx -- "- Late launch: overdue by 2 days ($(date -u -d "$SUN -2 days" +%F), budget 900 USD)" "$B"
	grep -qx -- "- Brochure: due in 3 days ($(date -u -d "$SUN +3 days" +%F), budget 100 USD)" "$B"
	grep -qx -- "- Audit: due today ($SUN)" "$B"
	grep -qx -- "- Someday: due date not understood (soon, budget 10 USD)" "$B"
	# the summary names what is late or due within a week, and no other
	grep -q ' The project Late launch is overdue by 2 days. The project Brochure is due in 3 days. The project Audit is due today.$' "$B"
	[ -z "$(grep 'The project Next year' "$B")" ]
}

@test "briefing: the revenue of the 4 weeks before, for the trend" {
	odoo_env
	posted 8 "$SUN" "$(date -u -d "$SUN +30 days" +%F)" 5000
	posted 8 "$(date -u -d "$SUN -7 days" +%F)" "$(date -u -d "$SUN +30 days" +%F)" 1200
	posted 8 "$(date -u -d "$SUN -14 days" +%F)" "$(date -u -d "$SUN +30 days" +%F)" 300
	posted 8 "$(date -u -d "$SUN -40 days" +%F)" "$(date -u -d "$SUN +30 days" +%F)" 9
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e --arg w1 "$(date -u -d "$MON -7 days" +%F)" '
	    .revenue.week == {"USD": 5000} and (.revenue.previous_weeks | length) == 4 and
	    .revenue.previous_weeks[0] == {"week_start": $w1, "week": {"USD": 1200}} and
	    .revenue.previous_weeks[1].week == {"USD": 300} and
	    .revenue.previous_weeks[2].week == {} and .revenue.previous_weeks[3].week == {}'
	run --separate-stderr briefing
	assert_success
	grep -qx -- "- The weeks before: $(date -u -d "$MON -7 days" +%F) 1200.00 USD; $(date -u -d "$MON -14 days" +%F) 300.00 USD; $(date -u -d "$MON -21 days" +%F) 0.00; $(date -u -d "$MON -28 days" +%F) 0.00" "$B"
}

@test "briefing: no Odoo configured says \"not configured\", never a number" {
	made_week
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.revenue.configured == false and (.revenue | has("week") | not) and
	    ([.suggestions[].kind] == ["cancel_subscription", "answer_approval", "follow_up"])'
	run --separate-stderr briefing
	assert_success
	grep -qx 'Not configured (ODOO_URL is not set): no revenue figures.' "$B"
	grep -q '^Revenue is not configured\.' "$B"
}

@test "briefing: Odoo down still writes the briefing, says why and exits 69" {
	made_week
	odoo_env
	export ODOO_URL="http://127.0.0.1:$(free_port)"
	run --separate-stderr briefing
	assert_failure 69
	[[ "$stderr" == *"briefing: odoo: "* ]]
	grep -q '^Odoo could not be read: ' "$B"
}

@test "briefing: a sentence of the model citing a number not in the facts is dropped and said" {
	made_week
	odoo_week
	llm_fake '200 ok in=500 out=60 Revenue this week was 5,000.00 USD. Revenue this month reached 7500 USD, well ahead of plan! Three items were done and 1 approval waited 72 hours.'
	run --separate-stderr briefing
	assert_success
	[[ "$stderr" == *'summary: sentence dropped, 7500 is not among the facts: "Revenue this month reached 7500 USD, well ahead of plan!"'* ]]
	grep -qx 'Revenue this week was 5,000.00 USD. Three items were done and 1 approval waited 72 hours.' "$B"
	run ! grep -q 7500 "$B"
	# the model got the facts, and its call is in the usage log
	jq -se '.[0].body.messages[0].content | contains("\"target_pct\": 50.0")' "$BATS_TEST_TMPDIR/llm.log"
	grep -q '| briefing | - | claude-' "$VAULT_DIR"/Logs/API_Usage/"$(date -u +%F)".md
}

@test "briefing: the model failing still writes the briefing with the offline summary, exit 69" {
	made_week
	llm_fake '500 error type=api_error boom' '500 error type=api_error boom' \
	    '500 error type=api_error boom' '500 error type=api_error boom'
	run --separate-stderr briefing
	assert_failure 69
	[[ "$stderr" == *"briefing: summary: "*"the offline summary is used instead"* ]]
	grep -q '^Revenue is not configured\. 3 items were done\.' "$B"
}

@test "briefing: the same week twice gives the same numbers; suggestions are filed once" {
	made_week
	odoo_week
	run --separate-stderr briefing --week "$WEEK"
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	g=$VAULT_DIR/Pending_Approval/general
	[ "$(find "$g" -name 'SUGGEST_*.md' | wc -l)" -eq 4 ]
	f=$(grep -l '^subject: Cancel the subscription Canva$' "$g"/SUGGEST_*.md)
	grep -qx 'action: none' "$f"
	grep -qx 'type: suggestion' "$f"
	grep -q 'unused for 40 days' "$f"
	grep -l '^subject: "\{0,1\}Chase the overdue invoice INV/.* of Globex' "$g"/SUGGEST_*.md
	grep -l '^subject: Decide on P1$' "$g"/SUGGEST_*.md
	grep -l '^subject: Follow up N3$' "$g"/SUGGEST_*.md
	sed '/^generated: /d' "$B" >"$BATS_TEST_TMPDIR/first"
	# the owner did one (approved: vault-exec files it in Done/) and
	# rejected another: a rerun neither files them again nor any other
	a=$(grep -l '^subject: Follow up N3$' "$g"/SUGGEST_*.md)
	approve "$(basename "$a" .md)" >/dev/null
	vault-exec --once >/dev/null
	[ -n "$(find "$VAULT_DIR/Done/general" -name "$(basename "$a")")" ]
	approve --reject "$(basename "$f" .md)" >/dev/null
	[ -n "$(find "$VAULT_DIR/Rejected/general" -name "$(basename "$f" .md).*")" ]
	run --separate-stderr briefing
	assert_success
	assert_output "Briefings/${NEXT}_Monday_Briefing.md"
	[ "$(find "$g" -name 'SUGGEST_*.md' | wc -l)" -eq 2 ]
	sed '/^generated: /d' "$B" | diff "$BATS_TEST_TMPDIR/first" -
	[ "$(ls "$VAULT_DIR/Briefings" | tr '\n' ' ')" = "${NEXT}_Monday_Briefing.json ${NEXT}_Monday_Briefing.md " ]
}

@test "briefing: a subscription whose cost rose 20 % since the previous briefing is flagged and suggested once" {
	made_week
	run --separate-stderr briefing --week "$(date -u -d "$MON -7 days" +%G-W%V)"
	assert_success
	# the previous week's facts are kept beside its briefing
	prev=$VAULT_DIR/Briefings/${MON}_Monday_Briefing.json
	jq -e '.subscriptions.previous_found == false and .subscriptions.list[0].cost == 12.99' "$prev"
	grep -qx "No cost compared: the previous week's facts (Briefings/$(date -u -d "$MON -7 days" +%F)_Monday_Briefing.json) are missing or not JSON." \
	    "$VAULT_DIR/Briefings/${MON}_Monday_Briefing.md"
	# Canva up 23.1 %, Notion up 18.75 %: only Canva
	sed -i -e 's/| 12.99 USD |/| 15.99 USD |/' -e 's/| 8.00 USD |/| 9.50 USD |/' \
	    "$VAULT_DIR/Finance/Subscriptions.md"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e --arg p "Briefings/${MON}_Monday_Briefing.json" '
	    .subscriptions.previous_record == $p and .subscriptions.previous_found and
	    .subscriptions.cost_up == 1 and .subscriptions.rise_rule_pct == 20 and
	    .subscriptions.list[0].cost_up and .subscriptions.list[0].rise_pct == 23.1 and
	    .subscriptions.list[0].previous_cost == 12.99 and
	    .subscriptions.list[1].previous_cost == 8 and (.subscriptions.list[1] | has("cost_up") | not) and
	    ([.suggestions[].kind] == ["cancel_subscription", "review_price_rise", "answer_approval", "follow_up"])'
	run --separate-stderr briefing
	assert_success
	[ -z "$stderr" ]
	grep -qx 'Cost up 20 % or more since the previous week'"'"'s briefing: 1.' "$B"
	grep -qx -- '- Canva: 15.99 USD, was 12.99 USD (up 23.1 %)' "$B"
	grep -q " 1 subscription's cost is up 20 % or more since the week before\." "$B"
	g=$VAULT_DIR/Pending_Approval/general
	f=$(grep -l '^subject: Review the price rise of the subscription Canva$' "$g"/SUGGEST_*.md)
	grep -q 'found Canva at 15.99 USD, up 23.1 % from 12.99 USD' "$f"
	n=$(find "$g" -name 'SUGGEST_*.md' | wc -l)
	jq -e '.subscriptions.list[0].cost == 15.99' "$VAULT_DIR/Briefings/${NEXT}_Monday_Briefing.json"
	# a rerun: the same numbers, the suggestion not filed again
	sed '/^generated: /d' "$B" >"$BATS_TEST_TMPDIR/first"
	approve --reject "$(basename "$f" .md)" >/dev/null
	run --separate-stderr briefing
	assert_success
	assert_output "Briefings/${NEXT}_Monday_Briefing.md"
	sed '/^generated: /d' "$B" | diff "$BATS_TEST_TMPDIR/first" -
	[ "$(find "$g" -name 'SUGGEST_*.md' | wc -l)" -eq $((n - 1)) ]
	[ -z "$(grep -l '^subject: Review the price rise' "$g"/SUGGEST_*.md)" ]
	# a record that is not JSON compares nothing, and says so
	echo 'not json' >"$prev"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.subscriptions.previous_found == false and .subscriptions.cost_up == 0'
}

@test "briefing: two tools or more for one job (the rows' fourth column, any case) are named and one suggestion filed, once" {
	made_week
	used=$(date -u -d "$SUN -3 days" +%F)
	cat >"$VAULT_DIR/Finance/Subscriptions.md" <<-EOT
	# Subscriptions

	| Name | Cost | Last used | Job |
	|---|---|---|---|
	| Canva | 12.99 USD | $used | Design |
	| Notion | 8.00 USD | $used | notes |
	| Figma | 15.00 USD | $used | design |
	| Zoom | 15.00 USD | $used | |
	| Meet | 0.00 USD | $used |
	EOT
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.subscriptions.one_job == [{"job": "Design", "names": ["Canva", "Figma"]}] and
	    .subscriptions.list[3].job == "" and .subscriptions.list[4].job == "" and
	    ([.suggestions[].kind | select(. == "one_tool_per_job")] | length) == 1'
	run --separate-stderr briefing
	assert_success
	grep -qx 'Two tools or more for one job:' "$B"
	grep -qx -- '- Design: Canva, Figma' "$B"
	g=$VAULT_DIR/Pending_Approval/general
	f=$(grep -l '^subject: Keep one tool for Design$' "$g"/SUGGEST_*.md)
	grep -q 'all listed for Design in Finance/Subscriptions.md: \["Canva","Figma"\]' "$f"
	n=$(find "$g" -name 'SUGGEST_*.md' | wc -l)
	run --separate-stderr briefing
	assert_success
	[ "$(find "$g" -name 'SUGGEST_*.md' | wc -l)" -eq "$n" ]
	# one tool a job: nothing named, nothing suggested
	sed -i 's/| design |/| video |/' "$VAULT_DIR/Finance/Subscriptions.md"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.subscriptions.one_job == [] and
	    ([.suggestions[].kind | select(. == "one_tool_per_job")] | length) == 0'
}

@test "briefing --notify: three lines and the dashboard's link to the owner, once a week" {
	made_week
	odoo_week
	export DASHBOARD_URL=https://dash.example/
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%F).md"
	run --separate-stderr briefing --notify
	assert_success
	[[ "$stderr" == *"briefing: notify: no WhatsApp provider configured"* ]]
	grep -q "| outbox | .*| \*Monday briefing, $WEEK\*<br>Revenue: 5000.00 USD this week, month 50.0 % of target; 1 overdue<br>Done 3, waiting too long 2, LLM 5.50 USD; 4 suggestions to approve.<br><br>https://dash.example/ |$" "$log"
	run --separate-stderr briefing --notify
	assert_success
	[ "$(grep -c 'Monday briefing' "$log")" -eq 1 ]
}

@test "briefing --week: an ISO week; anything else is a usage error" {
	run --separate-stderr briefing -j --week 2026-W01
	assert_success
	echo "$output" | jq -e '.first_day == "2025-12-29" and .last_day == "2026-01-04" and .briefing_day == "2026-01-05"'
	run --separate-stderr briefing -j --week 2025-W53
	assert_failure 2
	[[ "$stderr" == *"2025-W53: no such ISO week"* ]]
	run --separate-stderr briefing --week 2026-48
	assert_failure 2
	run --separate-stderr briefing extra
	assert_failure 2
}

# social_report POSTS READ [KEY=N...]: the week's Logs/Social report as
# social-report(1) writes its front matter (vault(5), Social reports).
social_report() {
	local kv
	mkdir -p "$VAULT_DIR/Logs/Social"
	{
		printf -- '---\ntype: social_report\nweek: %s\nperiod_start: %s\n' "$WEEK" "$MON"
		printf 'period_end: %s\ngenerated: %sT06:30:00Z\nposts: %s\nread: %s\n' "$SUN" "$NEXT" "$1" "$2"
		shift 2
		for kv; do printf '%s: %s\n' "${kv%%=*}" "${kv#*=}"; done
		printf -- '---\n# Social report %s\n' "$WEEK"
	} >"$VAULT_DIR/Logs/Social/$WEEK.md"
}

@test "briefing: the Social section and its facts come from the week's social report" {
	social_report 3 2 reactions=61 comments=10 impressions=2500
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e --arg r "Logs/Social/$WEEK.md" '
	    .social == {"configured": true, "report": $r,
	                "generated": "'"$NEXT"'T06:30:00Z", "posts": 3, "read": 2,
	                "reactions": 61, "comments": 10, "shares": null,
	                "impressions": 2500, "reach": null, "networks": []}'
	run --separate-stderr briefing
	assert_success
	grep -qx -- '- Posts published: 3 (numbers read for 2)' "$B"
	grep -qx -- '- 61 reactions, 10 comments, - shares, 2500 impressions, - reached' "$B"
	grep -qx -- "- Per post and per network: Logs/Social/$WEEK.md (read from the networks ${NEXT}T06:30:00Z)" "$B"
	grep -q ' 3 posts were published\.' "$B"
	run ! grep -q 'Not configured: no social report' "$B"
}

@test "briefing: each network's posts of the week with their views and reach, as facts and lines" {
	social_report 3 3 impressions=3300 reach=610 \
	    linkedin_posts=2 linkedin_read=2 linkedin_impressions=800 linkedin_reach=400 \
	    x_posts=1 x_read=1 x_impressions=2500 \
	    facebook_posts=0
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.social.reach == 610 and .social.networks == [
	    {"network": "linkedin", "posts": 2, "read": 2, "reactions": null,
	     "comments": null, "shares": null, "impressions": 800, "reach": 400},
	    {"network": "x", "posts": 1, "read": 1, "reactions": null,
	     "comments": null, "shares": null, "impressions": 2500, "reach": null},
	    {"network": "facebook", "posts": 0, "read": null, "reactions": null,
	     "comments": null, "shares": null, "impressions": null, "reach": null}]'
	run --separate-stderr briefing
	assert_success
	grep -qx -- '- - reactions, - comments, - shares, 3300 impressions, 610 reached' "$B"
	grep -qx -- '- linkedin: 2 posts, 800 impressions, 400 reached' "$B"
	grep -qx -- '- x: 1 post, 2500 impressions, - reached' "$B"
	# the lines by network sit between the totals and the report's path
	sed -n '/^## Social$/,/^## /p' "$B" | grep -n '' | grep -q '^[0-9]*:- linkedin: '
}

@test "briefing: a week without posts, and a file that is no social report" {
	social_report 0 0
	run --separate-stderr briefing
	assert_success
	grep -qx "No posts were published (Logs/Social/$WEEK.md)." "$B"
	printf 'just text\n' >"$VAULT_DIR/Logs/Social/$WEEK.md"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.social.configured == false and
	    (.social.error | startswith("not a social report")) and
	    (.social | has("posts") | not)'
}

# owner_tz NAME: OWNER_TZ=NAME the configuration's only key.
owner_tz() {
	printf 'OWNER_TZ=%s\n' "$1" >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
}

# due NOW: briefing --due -v at NOW (RFC 3339, UTC); what it printed in
# $output, what it said in $stderr.
due() {
	run --separate-stderr briefing -v --due --now "$1"
}

@test "briefing --due, OWNER_TZ=Pacific/Auckland: the owner's Monday, not before the week has ended in UTC, written once" {
	owner_tz Pacific/Auckland
	b=$VAULT_DIR/Briefings/2026-11-30_Monday_Briefing.md
	# Monday 30 Nov 06:30 in Auckland (NZDT, +13) is Sunday 17:30 UTC: not yet
	due 2026-11-29T17:30:00Z
	assert_success
	[[ "$stderr" == *"2026-W48: not due before 2026-11-30T00:00:00Z"* ]]
	[ ! -e "$b" ]
	# 07:30 there, but the UTC week (whose days the logs keep) runs 5 more hours
	due 2026-11-29T18:30:00Z
	assert_success
	[ ! -e "$b" ]
	# Monday 13:00 in Auckland, the week over in UTC too: written, once
	due 2026-11-30T00:00:00Z
	assert_success
	[ "$output" = Briefings/2026-11-30_Monday_Briefing.md ]
	grep -q '^period: 2026-W48$' "$b"
	grep -q '^period_start: 2026-11-23$' "$b"
	grep -q '^generated: 2026-11-30T00:00:00Z' "$b"
	cp "$b" "$BATS_TEST_TMPDIR/first"
	due 2026-11-30T01:00:00Z
	assert_success
	[ -z "$output" ]
	[[ "$stderr" == *"written already"* ]]
	cmp "$b" "$BATS_TEST_TMPDIR/first"
	# Tuesday morning there is still that week: nothing new
	due 2026-11-30T20:00:00Z
	assert_success
	[ -z "$output" ]
	# the next Monday in Auckland (Sunday 6 Dec 18:00 UTC): still waits for UTC
	due 2026-12-06T18:00:00Z
	[[ "$stderr" == *"2026-W49: not due before 2026-12-07T00:00:00Z"* ]]
}

@test "briefing --due, OWNER_TZ=America/Los_Angeles: Monday 07:00 there is 15:00 UTC; Sunday evening there is last week" {
	owner_tz America/Los_Angeles
	b=$VAULT_DIR/Briefings/2026-11-30_Monday_Briefing.md
	# Monday 30 Nov 05:00 UTC is Sunday 21:00 in LA: its week before is
	# W47, whose briefing was written last Monday
	mkdir -p "$VAULT_DIR/Briefings"
	echo old >"$VAULT_DIR/Briefings/2026-11-23_Monday_Briefing.md"
	due 2026-11-30T05:00:00Z
	assert_success
	[ -z "$output" ]
	[[ "$stderr" == *"2026-11-23_Monday_Briefing.md: written already"* ]]
	[ "$(cat "$VAULT_DIR/Briefings/2026-11-23_Monday_Briefing.md")" = old ]
	# Monday 06:59 in LA (PST, -8)
	due 2026-11-30T14:59:00Z
	assert_success
	[[ "$stderr" == *"2026-W48: not due before 2026-11-30T15:00:00Z"* ]]
	[ ! -e "$b" ]
	due 2026-11-30T15:00:00Z
	assert_success
	[ "$output" = Briefings/2026-11-30_Monday_Briefing.md ]
	# in summer (PDT, -7) 07:00 is 14:00 UTC
	due 2026-07-13T13:59:00Z
	[[ "$stderr" == *"2026-W28: not due before 2026-07-13T14:00:00Z"* ]]
	due 2026-07-13T14:00:00Z
	[ "$output" = Briefings/2026-07-13_Monday_Briefing.md ]
	# without --due, the default week is the one before the owner's date
	run --separate-stderr briefing -j --now 2026-11-30T05:00:00Z
	assert_success
	echo "$output" | jq -e '.week == "2026-W47"'
	run --separate-stderr briefing -j --now 2026-11-30T15:00:00Z
	echo "$output" | jq -e '.week == "2026-W48"'
}

@test "briefing: OWNER_TZ unknown or odd is a configuration error (78) before anything is written; --due with --week is a usage error" {
	local z
	for z in Mars/Olympus_Mons ../../etc/passwd /etc/localtime 'Europe/Paris;x' Europe; do
		owner_tz "$z"
		run --separate-stderr briefing --due --now 2026-11-30T12:00:00Z
		assert_failure 78
		[[ "$stderr" == *"OWNER_TZ=$z"* ]] || fail "$z: $stderr"
	done
	[ ! -d "$VAULT_DIR/Briefings" ] || [ -z "$(ls "$VAULT_DIR/Briefings")" ]
	owner_tz UTC
	run --separate-stderr briefing --due --week 2026-W48
	assert_failure 2
	run --separate-stderr briefing --now yesterday
	assert_failure 2
	[[ "$stderr" == *"--now yesterday: not an RFC 3339 time"* ]]
	# UTC: Monday 07:00 UTC
	due 2026-11-30T06:59:59Z
	[[ "$stderr" == *"not due before 2026-11-30T07:00:00Z"* ]]
}

@test "briefing: a reply and the source it settled are one piece of work done, counted once" {
	local m=${MON:0:7} d1 line
	d1=$(date -u -d "$MON +1 day" +%F)
	mkdir -p "$VAULT_DIR/Logs"
	# vault-exec: the reply executed, its source moved after it
	line='{"event":"executed","id":"DRAFT_E5","from":"Approved/email/DRAFT_E5.md","to":"Done/email/%s/DRAFT_E5.md","note":null,"ts":"%sT10:00:00Z","agent":"local","tool":"vault-exec"}\n'
	printf "$line" "$m" "$d1" >>"$VAULT_DIR/Logs/$d1.jsonl"
	line='{"event":"done","id":"E5","from":"In_Progress/cloud/E5.md","to":"Done/email/%s/E5.md","note":"source of an executed reply","ts":"%sT10:00:01Z","agent":"local","tool":"vault-exec"}\n'
	printf "$line" "$m" "$d1" >>"$VAULT_DIR/Logs/$d1.jsonl"
	# approve: a manual draft approved, its source settled with it
	line='{"event":"approved","id":"DRAFT_W1","from":"Pending_Approval/whatsapp/DRAFT_W1.md","to":"Done/whatsapp/%s/DRAFT_W1.md","note":null,"ts":"%sT11:00:00Z","agent":"local","tool":"approve"}\n'
	printf "$line" "$m" "$d1" >>"$VAULT_DIR/Logs/$d1.jsonl"
	line='{"event":"source-done","id":"W1","from":"Needs_Action/whatsapp/W1.md","to":"Done/whatsapp/%s/W1.md","note":null,"ts":"%sT11:00:01Z","agent":"local","tool":"approve"}\n'
	printf "$line" "$m" "$d1" >>"$VAULT_DIR/Logs/$d1.jsonl"
	# an item done on its own still counts
	audit "$d1" T1 "Done/general/$m/T1.md"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.done.total == 3 and .done.by_domain == {"email": 1, "whatsapp": 1, "general": 1}'
	echo "$output" | jq -e '[.done.items[].id] | sort == ["DRAFT_E5", "DRAFT_W1", "T1"]'
	# the sources in Done/: received 14 hours and 3.5 days before the reply
	item "Done/email/$m" "" E5 "$(at "$d1" -4)"
	item "Done/whatsapp/$m" "" W1 "$(date -u -d "$d1 11:00:01 UTC -84 hours" +%FT%TZ)"
	run --separate-stderr briefing -j
	assert_success
	echo "$output" | jq -e '.done.replies == {"count": 2, "median_hours": 49, "worst_hours": 84} and
	    .metrics[0].value == 84 and .metrics[0].unit == "hours" and
	    .metrics[0].state == "alert" and .metrics[0].note == "the worst of 2 replies; the median 49.0 hours"'
}

@test "briefing --notify: the three lines say the week's posts when there were any, and nothing of social otherwise" {
	local log
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%F).md"
	social_report 3 2 reactions=61 comments=10
	run --separate-stderr briefing --notify
	assert_success
	grep -q "<br>Done 0, waiting too long 0, LLM 0.00 USD, 3 posts (61 reactions); 0 suggestions to approve.<br>" "$log"
	# one post whose reactions no network gave: the count alone
	WEEK=2026-W02 social_report 1 0
	run --separate-stderr briefing --week 2026-W02 --notify
	assert_success
	grep -q "Monday briefing, 2026-W02\*<br>.*<br>Done 0, waiting too long 0, LLM 0.00 USD, 1 post; 0 suggestions" "$log"
	# no post that week, or no report: nothing of social
	WEEK=2026-W03 social_report 0 0
	run --separate-stderr briefing --week 2026-W03 --notify
	run --separate-stderr briefing --week 2026-W04 --notify
	assert_success
	grep -q "Monday briefing, 2026-W03\*<br>.*<br>Done 0, waiting too long 0, LLM 0.00 USD; 0 suggestions" "$log"
	grep -q "Monday briefing, 2026-W04\*<br>.*<br>Done 0, waiting too long 0, LLM 0.00 USD; 0 suggestions" "$log"
}
