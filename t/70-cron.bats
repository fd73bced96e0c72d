#!/usr/bin/env bats
# cron/crontab.cloud and cron/crontab.local: every line parses as cron reads
# it, names only the project's tools and standard utilities, and every job
# whose tools are built runs once, as cron would run it, in a scratch vault.
load helper
load fake/fake

setup() { common_setup; mkvault; }

teardown() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
}

CRONTABS="$TOP/cron/crontab.cloud $TOP/cron/crontab.local"

# The project's tools: cmd/*.c, plus those of ai-employee(7) (and vault-health,
# issue 8) that are still being built on other branches. A name in neither
# list nor STANDARD is a mistake.
PLANNED="vault-init vault-claim vault-sync mail-fetch draft-email approve
vault-exec mail-send notify-wa odoo-ping usage-log vault-status vault-health"
# Standard utilities and shell builtins a job may use.
STANDARD="sh flock sed date echo printf cat mkdir test true false sleep tee
grep cut xargs env"

project_tools() {
	local f
	for f in "$TOP"/cmd/*.c; do basename "$f" .c; done
	printf '%s\n' $PLANNED
}

lint() {
	/usr/bin/python3 "$T_DIR/crontab-lint.py" "$@"
}

# jobs: "FILE<TAB>LINE<TAB>COMMAND<TAB>NAMES" for every job of both files.
jobs() {
	lint $CRONTABS | awk -F '\t' '$3 != "="'
}

@test "every crontab line is an environment line or 5 valid time fields and a command" {
	run --separate-stderr lint $CRONTABS
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	# the linter itself refuses what cron would misread
	printf '* * * * * date +%%F\n' >"$BATS_TEST_TMPDIR/bad"
	run -1 lint "$BATS_TEST_TMPDIR/bad"
	assert_output --partial 'unescaped %'
	printf '0 24 * * * true\n' >"$BATS_TEST_TMPDIR/bad"
	run -1 lint "$BATS_TEST_TMPDIR/bad"
	assert_output --partial 'hour: 24 out of 0-23'
	printf '*/5 * * * vault-sync\n' >"$BATS_TEST_TMPDIR/bad"
	run -1 lint "$BATS_TEST_TMPDIR/bad"
}

@test "each crontab runs each component the issue asks for" {
	local cloud local_
	cloud=$(lint "$TOP/cron/crontab.cloud" | awk -F '\t' '$3 != "=" { print $4 }')
	local_=$(lint "$TOP/cron/crontab.local" | awk -F '\t' '$3 != "=" { print $4 }')
	for t in vault-sync mail-fetch vault-claim draft-email notify-wa vault-health usage-log; do
		grep -qw -- "$t" <<<"$cloud" || fail "crontab.cloud does not run $t"
	done
	for t in vault-sync vault-exec vault-health vault-status mail-fetch draft-email usage-log; do
		grep -qw -- "$t" <<<"$local_" || fail "crontab.local does not run $t"
	done
	# the approval notice follows the drafting, keyed for dedup
	grep -q 'draft-email -; notify-wa -q --approvals --key approvals' "$TOP/cron/crontab.cloud"
	# vault-exec never runs on cloud (see ai-employee(7)), nor does the Dashboard.md writer
	run ! grep -qw vault-exec <<<"$cloud"
	run ! grep -q -- '--dashboard' "$TOP/cron/crontab.cloud"
	# the weekly report: Monday
	lint "$TOP/cron/crontab.cloud" | awk -F '\t' '$4 ~ /usage-log/' | grep -q .
	grep -E '^0 +7 +\* +\* +1 .*usage-log budget' "$TOP/cron/crontab.cloud"
	# overdue invoices told daily, on the side that reads Odoo as the drafter
	grep -E '^0 +9 +\* +\* +\* .*odoo-report -q --notify' "$TOP/cron/crontab.cloud"
	grep -E '^#single# 0 +9 +\* +\* +\* .*odoo-report -q --notify' "$TOP/cron/crontab.local"
	run ! grep -E '^[^#].*odoo-report' "$TOP/cron/crontab.local"
	# rejected invoice drafts cancelled in Odoo, hourly, by the drafting side
	grep -E '^23 +\* +\* +\* +\* .*odoo-invoice -q --cancel-rejected' "$TOP/cron/crontab.cloud"
	grep -E '^#single# 23 +\* .*odoo-invoice -q --cancel-rejected' "$TOP/cron/crontab.local"
	# the invoices the owner asked for, drafted every 5 minutes
	grep -E '^\*/5 +\* +\* +\* +\* .*odoo-invoice -q --requests' "$TOP/cron/crontab.cloud"
	grep -E '^#single# \*/5 +\* .*odoo-invoice -q --requests' "$TOP/cron/crontab.local"
}

@test "every command a job names is a project tool or a standard utility" {
	local tools names n
	tools=$(project_tools)
	while IFS=$'\t' read -r file line cmd names; do
		for n in $names; do
			if grep -qxF -- "$n" <<<"$tools"; then
				continue
			fi
			grep -qw -- "$n" <<<"$STANDARD" ||
			    fail "$file:$line: unknown command '$n'"
			command -v -- "$n" >/dev/null ||
			    fail "$file:$line: '$n' is not installed here"
		done
	done < <(jobs)
}

@test "every job is overlap-safe under its own flock and logs to the cron log" {
	local locks
	while IFS=$'\t' read -r file line cmd names; do
		[[ $cmd == '{ flock -n -E 75 "$VAULT_DIR/.state/$VAULT_AGENT/cron-'*'.lock" '* ]] ||
		    fail "$file:$line: not under flock -n on a lock in .state/<agent>/"
		[[ $cmd == *'>>"$HOME/.local/state/ai-employee/cron.log"' ]] ||
		    fail "$file:$line: does not append to the cron log"
	done < <(jobs)
	for f in $CRONTABS; do
		locks=$(lint "$f" | awk -F '\t' '$3 != "=" { print $3 }' |
		    grep -o 'cron-[a-z]*\.lock' | sort)
		[ "$(uniq <<<"$locks")" = "$locks" ] || fail "$f: two jobs share a lock"
	done
}

# runjob FILE CMD: run CMD as cron would, with FILE's environment lines but
# this test's vault, home and built tools.
runjob() {
	local file=$1 cmd=$2 agent
	agent=$(lint "$file" | awk -F '\t' '$3 == "=" && $4 ~ /^VAULT_AGENT=/ { sub(/^VAULT_AGENT=/, "", $4); print $4 }')
	mkdir -p "$VAULT_DIR/.state/$agent" "$HOME/.local/state/ai-employee"
	env -i HOME="$HOME" PATH="$AIE_BIN:/usr/bin:/bin" SHELL=/bin/sh \
	    VAULT_DIR="$VAULT_DIR" VAULT_AGENT="$agent" TZ=UTC \
	    AI_EMPLOYEE_CONFIG="$AI_EMPLOYEE_CONFIG" \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
	    /bin/sh -c "$cmd"
}

@test "every job whose tools are built runs once in a scratch vault (others are skipped by name)" {
	local tools missing n ran=0 log="$HOME/.local/state/ai-employee/cron.log"
	tools=$(project_tools)
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
	# the weekly posts job drafts for the networks the owner names
	echo SOCIAL_NETWORKS=linkedin >>"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	while IFS=$'\t' read -r file line cmd names; do
		missing=""
		for n in $names; do
			grep -qxF -- "$n" <<<"$tools" || continue
			[ -x "$AIE_BIN/$n" ] || [[ $missing == *" $n"* ]] ||
			    missing="$missing $n"
		done
		if [ -n "$missing" ]; then
			echo "# skipped ${file##*/}:$line: not built here:$missing" >&3
			continue
		fi
		rm -f "$log"
		run runjob "$file" "$cmd"
		assert_success
		[ -z "$output" ] || fail "${file##*/}:$line printed outside its log: $output"
		run cat "$log"
		assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z [a-z]+: '
		# 0 done or 1 nothing to do; never usage (2), a missing command
		# (127) or a configuration problem (78)
		assert_output --regexp ': exit [01]$'
		refute_output --partial 'not found'
		refute_output --partial 'usage:'
		ran=$((ran + 1))
	done < <(jobs)
	echo "# ran $ran job(s)" >&3
	[ "$ran" -gt 0 ]
}

@test "the hourly pending-approvals job lists the draft in the log" {
	local cmd log="$HOME/.local/state/ai-employee/cron.log"
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
	cmd=$(jobs | awk -F '\t' '$4 ~ /approve/ { print $3 }')
	[ -n "$cmd" ]
	runjob "$TOP/cron/crontab.local" "$cmd"
	run cat "$log"
	assert_output --regexp 'Z pending: .*DRAFT_EMAIL_1'
	assert_output --regexp 'Z pending: exit 0$'
}

@test "the cloud reap job gives back a claim older than 2 hours and keeps a fresh one" {
	local cmd log="$HOME/.local/state/ai-employee/cron.log"
	mkemail EMAIL_OLD
	mkemail EMAIL_NEW
	vault-claim -q -a cloud EMAIL_OLD EMAIL_NEW >/dev/null
	sed -i "s/^claimed_at: .*/claimed_at: $(date -u -d '3 hours ago' +%FT%TZ)/" \
	    "$VAULT_DIR/In_Progress/cloud/EMAIL_OLD.md"
	cmd=$(jobs | awk -F '\t' '$1 ~ /crontab.cloud$/ && $3 ~ /--reap/ { print $3 }')
	[ -n "$cmd" ]
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_OLD.md" ]
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_NEW.md" ]
	run cat "$log"
	assert_output --regexp 'Z reap: exit 0$'
}

@test "the dashboard job rewrites Dashboard.md with the counts" {
	local cmd
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
	cmd=$(jobs | awk -F '\t' '$4 ~ /vault-status/ { print $3 }')
	[ -n "$cmd" ]
	cp "$VAULT_DIR/Dashboard.md" "$BATS_TEST_TMPDIR/before.md"
	runjob "$TOP/cron/crontab.local" "$cmd"
	run cat "$HOME/.local/state/ai-employee/cron.log"
	assert_output --regexp 'Z dashboard: exit 0$'
	run ! cmp -s "$VAULT_DIR/Dashboard.md" "$BATS_TEST_TMPDIR/before.md"
	grep -q DRAFT_EMAIL_1 "$VAULT_DIR/Dashboard.md"
}

@test "the cloud's weekly posts job drafts this week's theme for each network named; none named is 78" {
	local cmd
	cmd=$(lint "$TOP/cron/crontab.cloud" | awk -F '\t' '$3 != "=" && $4 ~ /draft-post/ { print $3 }')
	[ -n "$cmd" ]
	lint "$TOP/cron/crontab.cloud" | awk -F '\t' '$4 ~ /draft-post/' | grep -q .
	grep -Eq '^0 +8 +\* +\* +1 .*draft-post -q --from-goals' "$TOP/cron/crontab.cloud"
	grep -Eq '^#single# 0 +8 +\* +\* +1 .*draft-post -q --from-goals' "$TOP/cron/crontab.local"
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run cat "$HOME/.local/state/ai-employee/cron.log"
	assert_output --regexp 'Z posts: exit 78$'
	assert_output --partial 'SOCIAL_NETWORKS'
	echo SOCIAL_NETWORKS=linkedin,x >>"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	rm "$HOME/.local/state/ai-employee/cron.log"
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run cat "$HOME/.local/state/ai-employee/cron.log"
	assert_output --regexp 'Z posts: exit 0$'
	local li x
	li=("$VAULT_DIR"/Pending_Approval/social/POST_linkedin_*.md)
	x=("$VAULT_DIR"/Pending_Approval/social/POST_x_*.md)
	[ "${#li[@]}" -eq 1 ] && [ -f "${li[0]}" ]
	[ "${#x[@]}" -eq 1 ] && [ -f "${x[0]}" ]
	grep -qx 'drafted_by: cloud' "$VAULT_DIR"/Pending_Approval/social/POST_x_*.md
}

@test "the local social job writes last week's report on Monday before the briefing" {
	local cmd week
	cmd=$(lint "$TOP/cron/crontab.local" | awk -F '\t' '$3 != "=" && $4 ~ /social-report/ { print $3 }')
	[ -n "$cmd" ]
	grep -Eq '^30 +6 +\* +\* +1 .*social-report -q' "$TOP/cron/crontab.local"
	run ! grep -q social-report "$TOP/cron/crontab.cloud"
	runjob "$TOP/cron/crontab.local" "$cmd"
	run cat "$HOME/.local/state/ai-employee/cron.log"
	assert_output --regexp 'Z social: exit 0$'
	week=$(date -u -d '7 days ago' +%G-W%V)
	grep -qx 'type: social_report' "$VAULT_DIR/Logs/Social/$week.md"
}

@test "a job whose previous run still holds its lock skips with exit 75" {
	local cmd lock log="$HOME/.local/state/ai-employee/cron.log"
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
	cmd=$(jobs | awk -F '\t' '$4 ~ /approve/ { print $3 }')
	lock="$VAULT_DIR/.state/local/cron-status.lock"
	mkdir -p "$VAULT_DIR/.state/local"
	# hold the job's lock while cron starts it again
	flock "$lock" bash -c "$(declare -f runjob lint); T_DIR='$T_DIR'; runjob '$TOP/cron/crontab.local' '${cmd//\'/\'\\\'\'}'"
	run cat "$log"
	assert_output --regexp 'Z pending: exit 75$'
	refute_output --partial DRAFT_EMAIL_1
	# once the lock is free the job runs
	rm -f "$log"
	runjob "$TOP/cron/crontab.local" "$cmd"
	run cat "$log"
	assert_output --partial DRAFT_EMAIL_1
}

# fake_llm REPLY...: the fake Anthropic API (t/fake/anthropic.py) on a free
# port, answering the scripted replies in turn; the cron jobs find it
# through the configuration file, as on the VM.
fake_llm() {
	FAKE_LOG=$BATS_TEST_TMPDIR/fake.log
	: >"$FAKE_LOG"
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/script"
	python3 "$T_DIR/fake/anthropic.py" --port-file "$BATS_TEST_TMPDIR/port" \
	    --log "$FAKE_LOG" --key test-key-123 --script "$BATS_TEST_TMPDIR/script" 3>&- &
	FAKE_PID=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/port" ]
	cat >"$AI_EMPLOYEE_CONFIG" <<EOC
LLM_PROVIDER=anthropic
ANTHROPIC_API_KEY=test-key-123
ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")
AIE_PRICES_FILE=$TOP/share/prices.tsv
EOC
	chmod 600 "$AI_EMPLOYEE_CONFIG"
}

# body FILE: an item's body.
body() { awk 'n>=2{print} /^---$/{n++}' "$1"; }

mailjob() { jobs | awk -F '\t' '$1 ~ /crontab.cloud$/ && $4 ~ /draft-email/ { print $3 }'; }

@test "the mail job redrafts an email sent back with approve --revise, the note in the prompt" {
	local cmd log="$HOME/.local/state/ai-employee/cron.log" P="$VAULT_DIR/Pending_Approval/email"
	cmd=$(mailjob)
	[ -n "$cmd" ]
	mkemail EMAIL_1
	fake_llm '200 ok First draft, long.' '200 ok Second draft, short.'
	# an email that waits unclaimed (a run that failed gave it back) is drafted
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	[ "$(body "$P/DRAFT_EMAIL_1.md")" = "First draft, long." ]
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_1.md" ]
	# the owner sends it back
	run -0 approve -a local --revise "shorter, and offer a call" DRAFT_EMAIL_1
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_1.md" ]
	[ ! -e "$P/DRAFT_EMAIL_1.md" ]
	# one more run of the cron line drafts it again
	rm -f "$log"
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run cat "$log"
	assert_output --partial "mail: Pending_Approval/email/DRAFT_EMAIL_1.md"
	[ "$(body "$P/DRAFT_EMAIL_1.md")" = "Second draft, short." ]
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_1.md" ]
	[ "$(wc -l <"$FAKE_LOG")" -eq 2 ]
	assert_json -s '.[1].body.messages[0].content | contains("shorter, and offer a call")' "$FAKE_LOG"
	assert_json -s '.[1].body.messages[0].content | contains("First draft, long.")' "$FAKE_LOG"
	# the sent-back draft is kept in Rejected with the decision
	run ls "$VAULT_DIR/Rejected/email"
	assert_output --regexp '^DRAFT_EMAIL_1\.[0-9]{8}T[0-9]{6}Z\.md$'
	grep -qx 'decision: revise' "$VAULT_DIR"/Rejected/email/DRAFT_EMAIL_1.*.md
	[ "$(body "$VAULT_DIR"/Rejected/email/DRAFT_EMAIL_1.*.md)" = "First draft, long." ]
	# a third run has nothing to redraft: no new call
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	[ "$(wc -l <"$FAKE_LOG")" -eq 2 ]
}

@test "the mail job gives back an email it cannot draft for now, and the next run drafts it" {
	local cmd log="$HOME/.local/state/ai-employee/cron.log"
	cmd=$(mailjob)
	mkemail EMAIL_1
	fake_llm '200 ok The reply.'
	usage-log add -q -m claude-sonnet-4-5 --cost 60
	echo USAGE_BUDGET_WEEKLY=50 >>"$AI_EMPLOYEE_CONFIG"
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run cat "$log"
	assert_output --partial "weekly budget"
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_1.md" ]
	[ -z "$(ls -A "$VAULT_DIR/In_Progress/cloud")" ]
	[ ! -e "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
	[ ! -s "$FAKE_LOG" ]
	# the budget raised, the next run drafts it
	echo USAGE_BUDGET_WEEKLY=1000 >>"$AI_EMPLOYEE_CONFIG"
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	[ "$(body "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md")" = "The reply." ]
}

@test "the mail job writes an email the owner asked for on the dashboard (email_request, any domain)" {
	local cmd log="$HOME/.local/state/ai-employee/cron.log" P="$VAULT_DIR/Pending_Approval/email"
	local id=email_request_20261201T090000Z_ab12
	cmd=$(mailjob)
	mkdir -p "$VAULT_DIR/Needs_Action/general"
	cat >"$VAULT_DIR/Needs_Action/general/$id.md" <<EOT
---
type: email_request
id: $id
created: 2026-12-01T09:00:00Z
domain: general
status: new
title: "Email to bob@example.com: Invoice 7"
to: bob@example.com
subject: Invoice 7
via: dashboard
---
Tell Bob invoice 7 is paid.
EOT
	fake_llm '200 ok Dear Bob, invoice 7 is paid.'
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run cat "$log"
	assert_output --partial "mail: Pending_Approval/email/DRAFT_$id.md"
	[ "$(body "$P/DRAFT_$id.md")" = "Dear Bob, invoice 7 is paid." ]
	grep -qx 'to: bob@example.com' "$P/DRAFT_$id.md"
	grep -qx 'subject: Invoice 7' "$P/DRAFT_$id.md"
	[ -f "$VAULT_DIR/In_Progress/cloud/$id.md" ]
	assert_json -s '.[0].body.messages[0].content | contains("Tell Bob invoice 7 is paid.")' "$FAKE_LOG"
	# drafted once: the next run makes no call
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	[ "$(wc -l <"$FAKE_LOG")" -eq 1 ]
}

@test "the invoices job drafts an invoice the owner asked for on the dashboard, once" {
	local cmd log="$HOME/.local/state/ai-employee/cron.log" id=invoice_request_20261205T090000Z_cd34
	cmd=$(jobs | awk -F '\t' '$1 ~ /crontab.cloud$/ && $3 ~ /--requests/ { print $3 }')
	[ -n "$cmd" ]
	mkdir -p "$VAULT_DIR/Needs_Action/finance"
	cat >"$VAULT_DIR/Needs_Action/finance/$id.md" <<EOT
---
type: invoice_request
id: $id
created: 2026-12-05T09:00:00Z
domain: finance
status: new
via: dashboard
from: "Globex Billing <ap@globex.example>"
subject: "Support, November"
---
Amount: 1250.00 USD
For: Support, November
EOT
	export FAKE_ODOO_DB=acme FAKE_ODOO_USER=bot@acme.example FAKE_ODOO_PASSWORD=s3cret
	fake_start
	printf 'ODOO_URL=%s\nODOO_DB=acme\nODOO_USER=bot@acme.example\nODOO_PASSWORD=s3cret\n' \
	    "$FAKE_URL" >>"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run cat "$log"
	assert_output --partial "invoices: Pending_Approval/finance/DRAFT_$id.md"
	assert_output --partial 'invoices: exit 0'
	grep -qx "drafted: \"\\?DRAFT_$id\"\\?" "$VAULT_DIR"/Done/finance/*/"$id.md"
	# drafted once: the next run finds nothing waiting
	runjob "$TOP/cron/crontab.cloud" "$cmd"
	run tail -n 1 "$log"
	assert_output --partial 'invoices: exit 1'
	[ "$(jq '."account.move" | length' "$FAKE_ODOO_STATE")" = 1 ]
}
