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
