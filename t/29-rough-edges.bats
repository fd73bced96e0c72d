#!/usr/bin/env bats
# The rough edges of a new user's first hour (issue 23): the vault found
# from the working directory, an item's ID said once in an error, -j
# answered in JSON or refused.
load helper

setup() { common_setup; mkvault; }

@test "no -C and no VAULT_DIR: the vault is found walking up from the working directory" {
	mkemail E1
	V=$VAULT_DIR
	unset VAULT_DIR
	cd "$V/Needs_Action/email"
	run -0 --separate-stderr vault-claim E1
	assert_output "In_Progress/local/E1.md"
	[ -f "$V/In_Progress/local/E1.md" ]
	# from the vault's own root too, and -C still wins over the walk
	mkdir -p "$BATS_TEST_TMPDIR/other"
	mkvault "$BATS_TEST_TMPDIR/other"
	VAULT_DIR="$BATS_TEST_TMPDIR/other" mkemail E2
	cd "$V"
	run -0 --separate-stderr vault-claim -C "$BATS_TEST_TMPDIR/other" E2
	[ -f "$BATS_TEST_TMPDIR/other/In_Progress/local/E2.md" ]
}

@test "no -C, no VAULT_DIR and no vault above the working directory: the old error, 78" {
	unset VAULT_DIR
	mkdir -p "$BATS_TEST_TMPDIR/plain/sub"
	cd "$BATS_TEST_TMPDIR/plain/sub"
	run -78 --separate-stderr vault-claim E1
	[[ "$stderr" == *"no vault given: use -C DIR or set VAULT_DIR"* ]]
}

@test "a directory with only some stage folders is not taken for a vault" {
	unset VAULT_DIR
	mkdir -p "$BATS_TEST_TMPDIR/fake/Needs_Action/email" "$BATS_TEST_TMPDIR/fake/Approved"
	cd "$BATS_TEST_TMPDIR/fake/Needs_Action/email"
	run -78 --separate-stderr vault-claim E1
	[[ "$stderr" == *"no vault given"* ]]
}

@test "an item's ID is said once in an error, whichever tool says it" {
	for tool in draft-email vault-exec mail-send vault-claim approve; do
		run -65 --separate-stderr "$tool" NOPE
		[ "$stderr" = "$tool: NOPE: no such item in the vault" ]
	done
	run -65 --separate-stderr mail-send - <<<NOPE
	[ "$stderr" = "mail-send: NOPE: no such item in the vault" ]
}

@test "a lib error that does not name the item still gets it from the tool" {
	mkemail E1
	export USAGE_MAX_CALLS_DAY=0
	run -75 --separate-stderr draft-email E1
	[[ "$stderr" == "draft-email: E1: daily call cap reached"* ]]
}

@test "-j: odoo-ping unconfigured says so as a JSON line, exit 78" {
	unset ODOO_URL
	run -78 --separate-stderr odoo-ping -j
	assert_json '.state == "unconfigured" and .url == null and .error == "ODOO_URL is not set"'
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"ODOO_URL is not set"* ]]
}

@test "-j: mail-send -n -j and dashboard-passwd -j are refused with exit 2, nothing done" {
	mkemail E1
	run -2 --separate-stderr mail-send -n -j E1
	assert_output ""
	[[ "$stderr" == *"-n with -j refused"* ]]
	run -2 --separate-stderr dashboard-passwd -j <<<"a-long-password"
	assert_output ""
	[[ "$stderr" == *"-j refused"* ]]
	[ -z "$(find "$HOME" -name '*passw*' 2>/dev/null)" ]
}

@test "-j: vault-init prints one JSON object: created, then reused" {
	run -0 --separate-stderr vault-init -j --no-key "$BATS_TEST_TMPDIR/v2"
	assert_json ".vault == \"$BATS_TEST_TMPDIR/v2\" and .result == \"created\" and .files_added > 0"
	[ "${#lines[@]}" -eq 1 ]
	run -0 --separate-stderr vault-init -j --no-key "$BATS_TEST_TMPDIR/v2"
	assert_json '.result == "reused" and .files_added == 0'
}
