#!/usr/bin/env bats
# The demo of ai-employee(7) (make demo): two agents through a bare remote, and
# single-agent mode; with the dashboard and an SMTP sink, and without.
load helper

setup() { common_setup; }

@test "make demo: mail in while local is offline, approved on the dashboard, sent, both clones identical" {
	run -0 sh "$TOP/share/demo.sh"
	assert_line --regexp 'cloud +mail-fetch -f: Needs_Action/email/EMAIL_'
	assert_line --regexp 'cloud +draft-email \(offline template\): Pending_Approval/email/DRAFT_EMAIL_'
	assert_line --regexp 'owner +tapped Approve on the dashboard'
	assert_line --regexp 'vault-exec: sent over SMTP \(1 message\(s\) in the sink\)'
	assert_line --regexp 'check +both clones identical; EMAIL_.* are in Done/ \(approved via dashboard\)'
	run ls /tmp
	refute_output --partial "ai-employee-demo.$$"
}

@test "the demo without nginx or SMTP approves with approve(1) and sends to the outbox" {
	DEMO_NO_WEB=1 DEMO_NO_SMTP=1 run -0 sh "$TOP/share/demo.sh"
	assert_line --regexp 'owner +approve DRAFT_EMAIL_.* \(command line\)'
	assert_line --regexp 'vault-exec: no SMTP here, written to Logs/Outbox/'
	assert_line --regexp 'check +both clones identical; .*\(approved via cli\)'
}

@test "single-agent mode: the same flow on one vault with no remote" {
	ENABLE_CLOUD_AGENT=false DEMO_NO_WEB=1 run -0 sh "$TOP/share/demo.sh"
	assert_line --regexp 'local +vault-init: one vault, no remote \(single-agent mode\)'
	assert_line --regexp 'local +vault-sync: committed \(no remote: single-agent mode\)'
	assert_line --regexp 'check +vault committed; EMAIL_.* are in Done/'
	refute_line --regexp '^ +[0-9.]+ s +cloud '
}

@test "the demo refuses unknown arguments" {
	run -2 sh "$TOP/share/demo.sh" --bogus
}

@test "make demo KEEP=1 keeps the demo's folder and says where" {
	TMPDIR="$BATS_TEST_TMPDIR" DEMO_NO_WEB=1 DEMO_NO_SMTP=1 ENABLE_CLOUD_AGENT=false \
	    run -0 make -s -C "$TOP" demo KEEP=1 SAN="${AIE_SAN:-}"
	assert_line --regexp "^demo: kept $BATS_TEST_TMPDIR/ai-employee-demo\."
	d=$(sed -n 's/^demo: kept //p' <<<"$output")
	[ -d "$d" ]
}
