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
