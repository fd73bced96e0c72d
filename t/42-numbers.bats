#!/usr/bin/env bats
# Numbers and the configuration file (issue 15, items 5 and 6): costs,
# token counts and numeric settings are parsed strictly and checked for
# range; the config file is refused precisely when it is not a safe file.
load helper

setup() {
	common_setup
	mkvault
	unset USAGE_BUDGET_WEEKLY USAGE_MAX_CALLS_DAY USAGE_PRICES_FILE
	export AIE_PRICES_FILE="$TOP/share/prices.tsv"
	U="$VAULT_DIR/Logs/API_Usage"
}

# conf LINE...: the config file holding these lines, mode 0600.
conf() {
	printf '%s\n' "$@" >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
}

@test "a FIFO as the config file is refused with 78, not waited on" {
	mkfifo -m 600 "$AI_EMPLOYEE_CONFIG"
	run -78 --separate-stderr timeout 10 usage-log budget
	[[ "$stderr" == *"$AI_EMPLOYEE_CONFIG: not a regular file"* ]]
}

@test "a config file of mode 0602 is called writable by others" {
	conf 'USAGE_BUDGET_WEEKLY=10'
	chmod 602 "$AI_EMPLOYEE_CONFIG"
	run -78 --separate-stderr usage-log budget
	[[ "$stderr" == *": writable by others (mode 0602); run: chmod 600 "* ]]
	chmod 640 "$AI_EMPLOYEE_CONFIG"
	run -78 --separate-stderr usage-log budget
	[[ "$stderr" == *": readable by group (mode 0640)"* ]]
	chmod 666 "$AI_EMPLOYEE_CONFIG"
	run -78 --separate-stderr usage-log budget
	[[ "$stderr" == *": readable and writable by group, readable and writable by others (mode 0666)"* ]]
}

@test "a NUL in the config file is called a NUL, not a long line" {
	printf 'USAGE_BUDGET_WEEKLY=10\nVAULT_AGENT=lo\0cal\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	run -78 --separate-stderr usage-log budget
	[[ "$stderr" == *"$AI_EMPLOYEE_CONFIG:2: NUL byte in the line"* ]]
	[[ "$stderr" != *"too long"* ]]
}

@test "a config line over 8191 bytes is still too long" {
	{ printf 'X='; head -c 9000 /dev/zero | tr '\0' a; echo; } >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	run -78 --separate-stderr usage-log budget
	[[ "$stderr" == *":1: line too long"* ]]
}

# row COST [TOKENS]: append a raw row dated now to today's usage table.
row() {
	usage-log add -q -m seed --cost 0
	printf '| %s | local | x | - | m | %s | %s | 0 | 0 | %s |\n' \
	    "$(date -u +%FT%TZ)" "${2:-1}" "${2:-1}" "$1" >>"$U/$(date -u +%F).md"
}

@test "usage-log add --cost nan, inf, -1 or 1e999 is refused with 65" {
	local c
	for c in nan NaN inf -1 1e999 ' 5' 0x10 5abc; do
		run -65 --separate-stderr usage-log add -m x --cost "$c"
		[[ "$stderr" == *"not a cost in USD (a finite number from 0 to 1000000000, or unknown)"* ]]
	done
	[ ! -e "$U/$(date -u +%F).md" ]
	run -0 usage-log add -q -m x --cost 0.25
	run -0 usage-log add -q -m x --cost unknown
}

@test "a nan cost row in the table does not turn the weekly cap off" {
	export USAGE_BUDGET_WEEKLY=50
	usage-log add -q -m x --cost 60
	row nan
	run -75 --separate-stderr usage-log budget
	refute_output --partial nan
	[[ "$stderr" == *"1 malformed rows this week are not counted"* ]]
	mkemail EMAIL_1
	run -75 --separate-stderr draft-email EMAIL_1
	[[ "$stderr" == *"the spend cannot be computed, so no call: 1 malformed rows"* ]]
	[ ! -e "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
}

@test "an infinite or negative cost row blocks drafting instead of counting" {
	mkemail EMAIL_1
	row -inf
	run -75 --separate-stderr draft-email EMAIL_1
	[[ "$stderr" == *"cannot be computed"* ]]
}

@test "a NUL in a usage file does not hide the rows after it from the budget" {
	export USAGE_BUDGET_WEEKLY=50
	usage-log add -q -m x --cost 1
	printf '| %s | lo\0cal | x | - | m | 1 | 1 | 0 | 0 | 1 |\n' "$(date -u +%FT%TZ)" \
	    >>"$U/$(date -u +%F).md"
	usage-log add -q -m x --cost 60
	run -75 --separate-stderr usage-log budget
	assert_output --partial "61.00 of 50.00 USD"
	[[ "$stderr" == *"1 malformed rows this week"* ]]
	run -0 --separate-stderr usage-log report
	assert_line --regexp '^total +2 '
	[[ "$stderr" == *"1 malformed rows skipped"* ]]
}

@test "a usage file the check cannot read blocks the call with 75" {
	mkemail EMAIL_1
	mkdir -p "$U/$(date -u +%F).md"
	run -75 --separate-stderr draft-email EMAIL_1
	[[ "$stderr" == *"the spend cannot be computed, so no call: Logs/API_Usage/"*"not a regular file"* ]]
	[ ! -e "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
}

@test "two rows of INT64_MAX tokens do not overflow the report's sum" {
	row 0.1 9223372036854775807
	row 0.1 9223372036854775807
	run -0 --separate-stderr usage-log report --by model
	[[ "$stderr" == *"2 malformed rows skipped"* ]]
	refute_output --partial -- '-'
	assert_line --regexp '^total +2 +0 +0 '
}

@test "a row of 10^12 tokens, the bound, is read; one more is malformed" {
	row 0.1 1000000000000
	row 0.1 1000000000001
	run -0 --separate-stderr usage-log report --by model
	assert_line --regexp '^total +3 +1000000000000 +1000000000000 '
	[[ "$stderr" == *"1 malformed rows skipped"* ]]
}

@test "usage-log add -i 99999999999999999999 is a usage error, not clamped" {
	local n
	for n in 99999999999999999999 9223372036854775807 1000000000001 -5 ' 5' 1e3 +5; do
		run -2 --separate-stderr usage-log add -m x -i "$n"
		[[ "$stderr" == *"not a token count (0 to 1000000000000)"* ]]
		run -2 usage-log add -m x --cache-write "$n"
	done
	[ ! -e "$U/$(date -u +%F).md" ]
	run -0 usage-log add -q -m x -i 1000000000000 --cost 1
}

@test "a price of nan or inf is a configuration error, not a nan cost" {
	printf 'm\tnan\t1\t1\t1\n' >"$BATS_TEST_TMPDIR/p.tsv"
	run -78 --separate-stderr env USAGE_PRICES_FILE="$BATS_TEST_TMPDIR/p.tsv" \
	    usage-log add -m m -i 1 -o 1
	[[ "$stderr" == *"p.tsv:1: want MODEL INPUT OUTPUT CACHE_READ CACHE_WRITE"* ]]
	run -78 env PRICE_M=inf,1,1,1 usage-log add -m m -i 1 -o 1
	run -78 env PRICE_M=1,-1,1,1 usage-log add -m m -i 1 -o 1
	[ ! -e "$U/$(date -u +%F).md" ]
}

@test "USAGE_BUDGET_WEEKLY=nan does not turn the cap off: 78 with the range" {
	usage-log add -q -m x --cost 60
	local b
	for b in nan abc 1e9 -5 inf 10,5 ' 7'; do
		run -78 --separate-stderr env USAGE_BUDGET_WEEKLY="$b" usage-log budget
		[[ "$stderr" == *"USAGE_BUDGET_WEEKLY=$b: want a number from 0 to 1e+09"* ]]
	done
	mkemail EMAIL_1
	run -78 --separate-stderr env USAGE_BUDGET_WEEKLY=nan draft-email EMAIL_1
	[[ "$stderr" == *"USAGE_BUDGET_WEEKLY=nan"* ]]
	run -1 env USAGE_BUDGET_WEEKLY=59.99 usage-log budget
	run -0 env USAGE_BUDGET_WEEKLY=60.5 usage-log budget
}

@test "USAGE_MAX_CALLS_DAY=1e9 or 99999999999999999999 is 78 with the range" {
	local m
	for m in 1e9 99999999999999999999 -1 abc; do
		run -78 --separate-stderr env USAGE_MAX_CALLS_DAY="$m" usage-log budget
		[[ "$stderr" == *"USAGE_MAX_CALLS_DAY=$m: want a whole number from 0 to 100000000"* ]]
	done
	conf USAGE_MAX_CALLS_DAY=abc
	mkemail EMAIL_1
	run -78 --separate-stderr draft-email EMAIL_1
	[[ "$stderr" == *"USAGE_MAX_CALLS_DAY=abc: want a whole number"* ]]
}

# --- numeric settings: strict, with a range, 78 naming both ----------------

# bad KEY VALUE RANGE CMD...: CMD with KEY=VALUE exits 78 and says the range.
bad() {
	local key=$1 val=$2 range=$3
	shift 3
	run -78 --separate-stderr env "$key=$val" "$@"
	[[ "$stderr" == *"$key=$val: want $range"* ]] ||
	    fail "$key=$val $*: stderr is: $stderr"
}

@test "DRAFT_EXPIRES_HOURS=9999999999999999 is 78, not an overflowed expiry" {
	mkemail EMAIL_1
	bad DRAFT_EXPIRES_HOURS 9999999999999999 "a whole number from 1 to 1000000" draft-email EMAIL_1
	[ ! -e "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
	[ ! -e "$U/$(date -u +%F).md" ]      # no call was made
	mkdraft DRAFT_X EMAIL_1
	sed -i '/^expires:/d' "$VAULT_DIR/Pending_Approval/email/DRAFT_X.md"
	bad DRAFT_EXPIRES_HOURS 9999999999999999 "a whole number from 1 to 1000000" approve DRAFT_X
	[ -e "$VAULT_DIR/Pending_Approval/email/DRAFT_X.md" ]
}

@test "a negative DRAFT_EXPIRES_HOURS does not expire every draft" {
	mkemail EMAIL_1
	mkdraft DRAFT_X EMAIL_1
	sed -i '/^expires:/d;s/^created: .*/created: '"$(date -u +%FT%TZ)"'/' \
	    "$VAULT_DIR/Pending_Approval/email/DRAFT_X.md"
	bad DRAFT_EXPIRES_HOURS -1 "a whole number from 1 to 1000000" approve DRAFT_X
	[ -e "$VAULT_DIR/Pending_Approval/email/DRAFT_X.md" ]
	[ -z "$(ls "$VAULT_DIR/Rejected/email" 2>/dev/null)" ]
	bad DRAFT_EXPIRES_HOURS -1 "a whole number from 1 to 1000000" draft-email EMAIL_1
}

@test "abc or 1e9 in a numeric setting no longer falls back silently" {
	mkemail EMAIL_1
	bad LLM_MAX_TOKENS abc "a whole number from 1 to 1000000" draft-email EMAIL_1
	bad LLM_TIMEOUT 1e9 "a whole number from 1 to 3600" draft-email EMAIL_1
	bad LLM_TIMEOUT 0 "a whole number from 1 to 3600" draft-email EMAIL_1
	bad ODOO_TIMEOUT abc "a whole number from 1 to 3600" env ODOO_URL=http://127.0.0.1:9 odoo-ping
	bad WA_TIMEOUT 1e9 "a whole number from 1 to 3600" notify-wa hello
	bad WA_ATTEMPTS 99 "a whole number from 1 to 10" notify-wa hello
	bad WA_MAX_PER_HOUR abc "a whole number from -1 to 100000" notify-wa hello
	bad EXEC_MAX_PER_HOUR 1e9 "a whole number from 0 to 100000" vault-exec
	bad EXEC_NOTIFY_WINDOW forever "a duration (like 90s, 5m, 2h, 1d) from 1 to 31536000 seconds" vault-exec
	bad HEALTH_TIMEOUT abc "a whole number from 1 to 300" vault-health
	bad HEALTH_PM2_MAX_RESTARTS 1e9 "a whole number from -1 to 1000000" vault-health
	bad HEALTH_SYNC_MAX_AGE -5 "a duration (like 90s, 5m, 2h, 1d) from 1 to 31536000 seconds" vault-health
	bad HEALTH_NOTIFY_WINDOW 10y "a duration (like 90s, 5m, 2h, 1d) from 1 to 31536000 seconds" vault-health
	[ ! -e "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
	[ -z "$(ls "$VAULT_DIR/Logs/Notifications" 2>/dev/null)" ]
}

@test "the same settings from the config file are refused the same way" {
	conf 'HEALTH_TIMEOUT=" 5"'
	run -78 --separate-stderr vault-health
	[[ "$stderr" == *"HEALTH_TIMEOUT= 5: want a whole number from 1 to 300"* ]]
	conf 'HEALTH_TIMEOUT=+5'
	run -78 vault-health
	conf 'HEALTH_TIMEOUT=5' 'HEALTH_SYNC_MAX_AGE=1h'
	run vault-health
	[ "$status" -ne 78 ]
}

@test "VAULT_SYNC_MAX_PACKS=4294967297 is not read as 1" {
	bad VAULT_SYNC_MAX_PACKS 4294967297 "a whole number from 0 to 100000" vault-sync
}

@test "VAULT_SYNC_BACKOFF=nan is refused with 78" {
	run -78 --separate-stderr env VAULT_SYNC_BACKOFF=10,nan vault-sync
	[[ "$stderr" == *"VAULT_SYNC_BACKOFF: want seconds"* ]]
}

# cgi [VAR=VALUE...]: dashboard.cgi with a fresh CGI environment.
cgi() {
	env -i PATH="$PATH" HOME="$HOME" VAULT_DIR="$VAULT_DIR" \
	    AI_EMPLOYEE_CONFIG="$AI_EMPLOYEE_CONFIG" TZ=UTC \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
	    ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS} \
	    SERVER_PORT=80 HTTP_HOST=dash.example REMOTE_ADDR=192.0.2.7 "$@" \
	    "$AIE_CGI/dashboard.cgi"
}

@test "dashboard: DASHBOARD_SESSION_TTL=1 or DASHBOARD_CARDS=-3 is a configuration error" {
	local kv
	for kv in DASHBOARD_SESSION_TTL=1 DASHBOARD_CARDS=-3 DASHBOARD_LOGIN_MAX=abc \
	    DASHBOARD_LOGIN_WINDOW=99999999999999999999; do
		run --separate-stderr cgi REQUEST_METHOD=GET PATH_INFO=/login "$kv"
		[[ "${lines[0]}" == "Status: 500"* ]] || fail "$kv: ${lines[0]}"
		[[ "$stderr" == *"${kv}: want a whole number from "* ]] || fail "$kv: $stderr"
	done
	# in range: past the settings, on to the missing key (503)
	run --separate-stderr cgi REQUEST_METHOD=GET PATH_INFO=/login DASHBOARD_CARDS=5
	[[ "${lines[0]}" == "Status: 503"* ]]
}
