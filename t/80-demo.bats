#!/usr/bin/env bats
# The demo of ai-employee(7) (make demo): two agents through a bare remote, and
# single-agent mode; with the dashboard and an SMTP sink, and without; the
# mail, a post, a WhatsApp reply and an invoice, then the Monday briefing
# of the demo's week; its loud failures.
load helper

setup() { common_setup; }

# demo_procs: the processes still running out of this test's demo folder
# (the fakes, the SMTP sink).
demo_procs() {
	pgrep -af "$BATS_TEST_TMPDIR/ai-employee-demo" || true
}

@test "make demo: mail, a LinkedIn post, a WhatsApp reply and an Odoo invoice drafted on cloud, approved on the dashboard, executed by local; clones identical; nothing left running" {
	TMPDIR="$BATS_TEST_TMPDIR" run -0 sh "$TOP/share/demo.sh"
	assert_line --regexp 'cloud +mail-fetch -f: Needs_Action/email/EMAIL_'
	assert_line --regexp 'cloud +draft-email \(offline template\): Pending_Approval/email/DRAFT_EMAIL_'
	assert_line --regexp 'owner +tapped Approve on the dashboard'
	assert_line --regexp 'vault-exec: sent over SMTP \(1 message\(s\) in the sink\)'
	assert_line --regexp 'check +both clones identical; EMAIL_.* are in Done/ \(approved via dashboard\)$'
	assert_line --regexp '^ +[0-9.]+ s +setup +fake LinkedIn on http://127\.0\.0\.1:[0-9]+, fake WhatsApp Graph API and Odoo on http://127\.0\.0\.1:[0-9]+ '
	assert_line --regexp 'cloud +draft-post --network linkedin: Pending_Approval/social/POST_linkedin_'
	assert_line --regexp 'cloud +a WhatsApp message from Alice: Meta.s signed delivery, handed to wa-webhook\.cgi as nginx runs it, 200 OK: Needs_Action/whatsapp/WA_'
	assert_line --regexp 'cloud +vault-claim, draft-email: a WhatsApp reply: Pending_Approval/whatsapp/DRAFT_WA_'
	assert_line --regexp 'cloud +odoo-invoice: a draft invoice in Odoo for Acme Corp, 1250\.00: Pending_Approval/finance/INVOICE_'
	assert_line --regexp 'local +waits for approval: POST_linkedin_'
	assert_line --regexp 'owner +tapped Approve on the dashboard: the LinkedIn post$'
	assert_line --regexp 'owner +tapped Approve on the dashboard: the WhatsApp reply to Alice$'
	assert_line --regexp 'owner +tapped Approve on the dashboard: the invoice to Acme Corp$'
	assert_line --regexp 'local +vault-exec: published on \(fake\) LinkedIn: https://www\.linkedin\.com/feed/update/urn:li:share:[0-9]+/$'
	assert_line --regexp 'local +vault-exec: WhatsApp reply sent to \+15551234567 \(fake Graph API\): wamid\.'
	assert_line --regexp 'local +vault-exec: invoice posted in \(fake\) Odoo as INV/20[0-9]{2}/00001$'
	assert_line --regexp 'check +the fakes got exactly 1 LinkedIn post, 1 WhatsApp message to \+15551234567 and 1 posted invoice'
	assert_line --regexp 'Done +6 .*social 1 .*finance 1 .*whatsapp 2 .*email 2'
	assert_line --regexp "cloud +briefing --week $(date -u +%G-W%V): Briefings/[0-9]{4}-[0-9]{2}-[0-9]{2}_Monday_Briefing\.md \(revenue 1250\.00, 4 items done\)$"
	[ -z "$(demo_procs)" ]
	[ -z "$(compgen -G "$BATS_TEST_TMPDIR/ai-employee-demo.*")" ]
}

@test "the demo without nginx or SMTP approves with approve(1) and sends to the outbox" {
	DEMO_NO_WEB=1 DEMO_NO_SMTP=1 run -0 sh "$TOP/share/demo.sh"
	assert_line --regexp 'owner +approve DRAFT_EMAIL_.* \(command line\)'
	assert_line --regexp 'vault-exec: no SMTP here, written to Logs/Outbox/'
	assert_line --regexp 'check +both clones identical; .*\(approved via cli\)'
	assert_line --regexp 'owner +approve POST_linkedin_.* \(command line\): the LinkedIn post$'
	assert_line --regexp 'owner +approve DRAFT_WA_.* \(command line\): the WhatsApp reply to Alice$'
	assert_line --regexp 'owner +approve INVOICE_.* \(command line\): the invoice to Acme Corp$'
	assert_line --regexp 'check +the fakes got exactly 1 LinkedIn post'
}

@test "single-agent mode: the same flow on one vault with no remote" {
	ENABLE_CLOUD_AGENT=false DEMO_NO_WEB=1 run -0 sh "$TOP/share/demo.sh"
	assert_line --regexp 'local +vault-init: one vault, no remote \(single-agent mode\)'
	assert_line --regexp 'local +vault-sync: committed \(no remote: single-agent mode\)'
	assert_line --regexp 'check +vault committed; EMAIL_.* are in Done/'
	assert_line --regexp 'check +the fakes got exactly 1 LinkedIn post'
	assert_line --regexp 'local +briefing --week [0-9]{4}-W[0-9]{2}: Briefings/.*\(revenue 1250\.00, 4 items done\)$'
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

# fake_bin: the built tools, with TOOL replaced by the script on stdin.
fake_bin() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sf "$AIE_BIN"/* "$BATS_TEST_TMPDIR/bin/"
	rm "$BATS_TEST_TMPDIR/bin/$1"
	cat >"$BATS_TEST_TMPDIR/bin/$1"
	chmod +x "$BATS_TEST_TMPDIR/bin/$1"
}

@test "a step failing with the fakes up: the demo fails loudly, and stops every server it started" {
	fake_bin draft-post <<<$'#!/bin/sh\necho "draft-post: the model is down" >&2; exit 69'
	TMPDIR="$BATS_TEST_TMPDIR" AIE_BIN="$BATS_TEST_TMPDIR/bin" run -1 sh "$TOP/share/demo.sh"
	assert_line --regexp '^demo: draft-post failed: .*draft-post: the model is down'
	refute_line --partial 'check '
	[ -z "$(demo_procs)" ]
}

@test "a fake that did not get exactly one request fails the demo, with every server stopped" {
	# vault-exec runs, then the fake LinkedIn forgets what it got
	fake_bin vault-exec <<EOF2
#!/bin/sh
"$AIE_BIN/vault-exec" "\$@" || exit
d=\$(dirname "\$3")
: >"\$d/fake/social/log"
EOF2
	TMPDIR="$BATS_TEST_TMPDIR" AIE_BIN="$BATS_TEST_TMPDIR/bin" run -1 sh "$TOP/share/demo.sh"
	assert_line 'demo: the fake LinkedIn got 0 post(s), expected exactly 1'
	[ -z "$(demo_procs)" ]
}

@test "a post that vault-exec did not publish fails the demo (it is not in Done/)" {
	fake_bin vault-exec <<<$'#!/bin/sh\nexit 0'
	DEMO_NO_WEB=1 DEMO_NO_SMTP=1 TMPDIR="$BATS_TEST_TMPDIR" AIE_BIN="$BATS_TEST_TMPDIR/bin" \
	    run -1 sh "$TOP/share/demo.sh"
	assert_line --regexp '^demo: the post POST_linkedin_.* is not in Done/ after vault-exec$'
	[ -z "$(demo_procs)" ]
}
