#!/usr/bin/env bats
# cron/crontab.cloud and cron/crontab.local: every line parses as cron reads
# it, names only the project's tools and standard utilities, and every job
# whose tools are built runs once, as cron would run it, in a scratch vault.
load helper

setup() { common_setup; mkvault; }

CRONTABS="$TOP/cron/crontab.cloud $TOP/cron/crontab.local"

# The project's tools: cmd/*.c, plus those of SPEC 3 (and vault-health,
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
	# vault-exec never runs on cloud (SPEC 6), nor does the Dashboard.md writer
	run ! grep -qw vault-exec <<<"$cloud"
	run ! grep -q -- '--dashboard' "$TOP/cron/crontab.cloud"
	# the weekly report: Monday
	lint "$TOP/cron/crontab.cloud" | awk -F '\t' '$4 ~ /usage-log/' | grep -q .
	grep -E '^0 +7 +\* +\* +1 .*usage-log budget' "$TOP/cron/crontab.cloud"
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
