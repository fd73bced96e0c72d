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
