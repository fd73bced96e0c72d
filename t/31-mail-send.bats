#!/usr/bin/env bats
# mail-send: a real SMTP server (aiosmtpd) on loopback receives the mail.
load helper
load mail

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	common_setup
	mkvault
	mkemail E1
	mkdraft DRAFT_E1 E1
}
setup_file() { smtp_shared_start; }
teardown_file() { smtp_shared_stop; }
teardown() { mail_teardown; }

# decoded FIELD: a header (RFC 2047 decoded) or "body" of the received
# message, as a mail reader sees it.
decoded() {
	/usr/bin/python3 - "$1" "$SMTP_DIR"/new/* <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[2], 'rb'), policy=email.policy.default)
if sys.argv[1] == 'body':
    sys.stdout.write(m.get_content())
else:
    print(m[sys.argv[1]])
PY
}

@test "an approved draft is sent with its headers, threading and body" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	run --separate-stderr mail-send DRAFT_E1
	assert_success
	assert_output "DRAFT_E1"
	[ "$(smtp_count)" -eq 1 ]
	run smtp_last
	assert_line 'From: The Owner <owner@example.com>'
	assert_line 'To: alice@example.com'
	assert_line 'Subject: Re: Question about my order'
	assert_line 'In-Reply-To: <E1@example.com>'
	assert_line 'References: <E1@example.com>'
	assert_line --regexp '^Message-ID: <[0-9]+\.[0-9a-f]{16}@example\.com>$'
	assert_line --regexp '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9:]{8} \+0000$'
	assert_line 'Content-Type: text/plain; charset=UTF-8'
	assert_line 'Content-Transfer-Encoding: 7bit'
	assert_line 'X-MailFrom: owner@example.com'
	assert_line 'X-RcptTo: alice@example.com'
	run decoded body
	assert_output $'Hello Alice,\n\nyour order ships tomorrow.\n\nBest regards,\nThe Owner'
	grep -q '"event":"executed","id":"DRAFT_E1"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "non-ASCII names, subject and body use RFC 2047 and quoted-printable" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	sed -i 's/^to: .*/to: "Jörg Müller <joerg@example.de>, bob@example.com"/; s/^subject: .*/subject: "Re: Grüße aus Köln — über alles"/' "$f"
	sed -i '/^to: /a cc: "Zoë <zoe@example.org>"' "$f"
	sed -i 's/^Hello Alice,$/Hallo Jörg, = ok/' "$f"
	approve DRAFT_E1 >/dev/null
	smtp_start
	mail-send DRAFT_E1 >/dev/null
	run smtp_last
	assert_line 'Content-Transfer-Encoding: quoted-printable'
	assert_line --regexp '^Subject: =\?UTF-8\?B\?'
	assert_line 'X-RcptTo: joerg@example.de, bob@example.com, zoe@example.org'
	run decoded Subject
	assert_output "Re: Grüße aus Köln — über alles"
	run decoded To
	assert_output "Jörg Müller <joerg@example.de>, bob@example.com"
	run decoded Cc
	assert_output "Zoë <zoe@example.org>"
	run decoded body
	assert_line "Hallo Jörg, = ok"
	assert_line "your order ships tomorrow."
}

@test "lines are CRLF and a leading dot survives the SMTP dialogue" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	sed -i 's/^your order ships tomorrow.$/.dot line\n./' "$f"
	approve DRAFT_E1 >/dev/null
	run bash -c "mail-send -n DRAFT_E1 | grep -c \$'\\r\$'"
	[ "$output" -gt 10 ]
	run bash -c "mail-send -n DRAFT_E1 | grep -vc \$'\\r\$'"
	assert_output 0
	smtp_start
	mail-send DRAFT_E1 >/dev/null
	run decoded body
	assert_line ".dot line"
	assert_line "."
}

@test "without SMTP_URL the message goes to Logs/Outbox and it says so" {
	approve DRAFT_E1 >/dev/null
	run --separate-stderr mail-send DRAFT_E1
	assert_success
	[[ "$stderr" == *"no SMTP_URL configured"*"Logs/Outbox/DRAFT_E1.eml"* ]]
	grep -q $'^To: alice@example.com\r$' "$VAULT_DIR/Logs/Outbox/DRAFT_E1.eml"
	grep -q $'^In-Reply-To: <E1@example.com>\r$' "$VAULT_DIR/Logs/Outbox/DRAFT_E1.eml"
}

@test "--dry-run prints the message and sends nothing" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	run --separate-stderr mail-send --dry-run DRAFT_E1
	assert_success
	assert_line $'Subject: Re: Question about my order\r'
	[ "$(smtp_count)" -eq 0 ]
}

@test "refuses to run as agent cloud (77)" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	run mail-send -a cloud DRAFT_E1
	assert_failure 77
	[ "$(smtp_count)" -eq 0 ]
}

@test "an unsigned draft is refused (77)" {
	mkdir -p "$VAULT_DIR/Approved/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" "$VAULT_DIR/Approved/email/"
	smtp_start
	run mail-send DRAFT_E1
	assert_failure 77
	assert_output --partial "not signed"
	[ "$(smtp_count)" -eq 0 ]
}

@test "a draft changed after approval is refused (77)" {
	approve DRAFT_E1 >/dev/null
	sed -i 's/^to: .*/to: mallory@example.net/' "$VAULT_DIR/Approved/email/DRAFT_E1.md"
	smtp_start
	run mail-send DRAFT_E1
	assert_failure 77
	[ "$(smtp_count)" -eq 0 ]
}

@test "a line break in a header value is refused, nothing sent (65)" {
	approve DRAFT_E1 >/dev/null
	# approve(1) refuses it; an approval signed anyway must still fail
	f="$VAULT_DIR/Approved/email/DRAFT_E1.md"
	sed -i 's/^subject: .*/subject: "Hi\\nBcc: victim@example.net"/' "$f"
	resign "$f"
	smtp_start
	run mail-send DRAFT_E1
	assert_failure 65
	assert_output --partial "header injection"
	[ "$(smtp_count)" -eq 0 ]
}

@test "STARTTLS is required unless SMTP_STARTTLS=no (69)" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	unset SMTP_STARTTLS
	run mail-send DRAFT_E1
	assert_failure 69
	assert_output --partial "STARTTLS"
	[ "$(smtp_count)" -eq 0 ]
}

@test "no server listening is a service down (69)" {
	approve DRAFT_E1 >/dev/null
	export SMTP_URL="smtp://127.0.0.1:$(free_port)" SMTP_STARTTLS=no SMTP_FROM=owner@example.com
	run mail-send DRAFT_E1
	assert_failure 69
}

@test "SMTP_URL without SMTP_FROM is a configuration error (78)" {
	approve DRAFT_E1 >/dev/null
	export SMTP_URL="smtp://127.0.0.1:1"
	run mail-send DRAFT_E1
	assert_failure 78
	assert_output --partial "SMTP_FROM"
}

@test "STARTTLS on smtp:// with the server's certificate trusted" {
	approve DRAFT_E1 >/dev/null
	smtp_start_tls starttls
	run --separate-stderr mail-send DRAFT_E1
	assert_success
	[ "$(smtp_count)" -eq 1 ]
}

@test "implicit TLS on smtps://" {
	approve DRAFT_E1 >/dev/null
	smtp_start_tls smtps
	run --separate-stderr mail-send DRAFT_E1
	assert_success
	[ "$(smtp_count)" -eq 1 ]
}

@test "a certificate that does not verify: nothing sent (69)" {
	approve DRAFT_E1 >/dev/null
	smtp_start_tls starttls
	unset MAIL_CA_FILE
	run mail-send DRAFT_E1
	assert_failure 69
	[ "$(smtp_count)" -eq 0 ]
}

@test "SMTP_BEARER: AUTH XOAUTH2 as SMTP_USER, then the mail is sent" {
	approve DRAFT_E1 >/dev/null
	smtp_start_xoauth2 owner@example.com ya29.smtp-token-4711
	run --separate-stderr mail-send DRAFT_E1
	assert_success
	[ "$(smtp_count)" -eq 1 ]
	[ "$(cat "$SMTP_AUTH_LOG")" = "XOAUTH2 ok owner@example.com" ]
	smtp_last | grep -qx 'To: alice@example.com'
}

@test "a wrong SMTP_BEARER is refused (78), nothing sent, the token never printed" {
	approve DRAFT_E1 >/dev/null
	smtp_start_xoauth2 owner@example.com ya29.smtp-token-4711
	export SMTP_BEARER=ya29.stale-token-0815
	run --separate-stderr mail-send DRAFT_E1
	assert_failure 78
	[ "$(smtp_count)" -eq 0 ]
	[ "$(cat "$SMTP_AUTH_LOG")" = "XOAUTH2 refused: wrong token" ]
	[[ "$stderr" == *"mail-send: "* ]]
	[[ "$stderr" == *"refused SMTP_USER with the SMTP_BEARER token"* ]]
	[[ "$stderr" != *"stale-token"* ]]
	[[ "$stderr" != *"smtp-token"* ]]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
}

@test "a server that requires AUTH refuses a send without SMTP_USER (nothing sent)" {
	approve DRAFT_E1 >/dev/null
	smtp_start_xoauth2 owner@example.com ya29.smtp-token-4711
	unset SMTP_USER SMTP_BEARER
	run --separate-stderr mail-send DRAFT_E1
	assert_failure
	[ "$(smtp_count)" -eq 0 ]
	[ ! -s "$SMTP_AUTH_LOG" ]
}

# ---- at most once: the executor's record and lock ----

@test "mail-send of an item in Done/ is refused (1), nothing sent again" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	vault-exec >/dev/null
	[ "$(smtp_count)" -eq 1 ]
	done_f=$(ls "$VAULT_DIR"/Done/email/*/DRAFT_E1.md)
	before=$(sha256sum <"$done_f")
	run --separate-stderr mail-send DRAFT_E1
	assert_failure 1
	[[ "$stderr" == "mail-send: DRAFT_E1: already executed (it is Done/email/"*"/DRAFT_E1.md); not sent again" ]]
	run mail-send "$done_f"
	assert_failure 1
	[ "$(smtp_count)" -eq 1 ]
	[ "$(sha256sum <"$done_f")" = "$before" ]
}

@test "mail-send of an executed approval moved back to Approved/ is refused (1)" {
	approve DRAFT_E1 >/dev/null
	cp "$VAULT_DIR/Approved/email/DRAFT_E1.md" "$BATS_TEST_TMPDIR/approved.md"
	smtp_start
	mail-send DRAFT_E1 >/dev/null
	[ "$(smtp_count)" -eq 1 ]
	ls "$VAULT_DIR"/Done/email/*/DRAFT_E1.md
	cp "$BATS_TEST_TMPDIR/approved.md" "$VAULT_DIR/Approved/email/DRAFT_E1.md"
	run --separate-stderr mail-send DRAFT_E1
	assert_failure 1
	[[ "$stderr" == *"already executed; not sent again"* ]]
	[ "$(smtp_count)" -eq 1 ]
	cmp "$BATS_TEST_TMPDIR/approved.md" "$VAULT_DIR/Approved/email/DRAFT_E1.md"
}

@test "mail-send takes the executor's lock: while vault-exec holds it, 75 and nothing sent" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	mkdir -p "$VAULT_DIR/.state/local"
	flock "$VAULT_DIR/.state/local/exec.lock" sleep 30 &
	holder=$!
	for _ in $(seq 50); do
		flock -n "$VAULT_DIR/.state/local/exec.lock" true || break
		sleep 0.1
	done
	run --separate-stderr mail-send DRAFT_E1
	kill "$holder"
	wait "$holder" || true
	assert_failure 75
	[[ "$stderr" == *"exec.lock: held by another process"* ]]
	[ "$(smtp_count)" -eq 0 ]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
}

@test "mail-send: permanent errors are 65, said once without repeating the ID" {
	for t in none crlf literal; do
		rm -f "$VAULT_DIR"/Needs_Action/email/DRAFT_E1.md
		mkdraft DRAFT_E1 E1
		approve DRAFT_E1 >/dev/null
		# approve(1) refuses these; an approval signed anyway must still fail
		d="$VAULT_DIR/Approved/email/DRAFT_E1.md"
		case $t in
		none) sed -i '/^to: /d' "$d"
		      cause="the draft has no to" ;;
		crlf) sed -i 's/^to: .*/to: "alice@example.com\\r\\nBcc: eve@example.net"/' "$d"
		      cause="to holds a line break; refused (header injection)" ;;
		literal) sed -i 's/^to: .*/to: "alice@[127.0.0.1]"/' "$d"
		      cause="to: alice@[127.0.0.1] is not an address we send to" ;;
		esac
		resign "$d"
		smtp_start
		run --separate-stderr mail-send DRAFT_E1
		assert_failure 65
		[[ "$stderr" != *"DRAFT_E1: DRAFT_E1"* ]]
		[[ "$stderr" != *"attempt"* ]]
		[ "$(grep -cF -- "$cause" <<<"$stderr")" -eq 1 ]
		[ "$(smtp_count)" -eq 0 ]
	done
}

@test "mail-send sends email drafts only: a manual task (action none) is refused (65), left in Approved" {
	mkdir -p "$VAULT_DIR/Pending_Approval/general"
	cat >"$VAULT_DIR/Pending_Approval/general/TASK_1.md" <<EOT
---
type: task
id: TASK_1
created: 2026-11-30T10:20:00Z
domain: general
status: pending
action: none
subject: Call the accountant
expires: 2099-01-01T00:00:00Z
---
Call Mr. Smith before Friday.
EOT
	approve TASK_1 >/dev/null
	run mail-send TASK_1
	assert_failure 65
	assert_output --partial "not an email draft"
	[ -f "$VAULT_DIR/Approved/general/TASK_1.md" ]
	run ! grep -q '^exec_' "$VAULT_DIR/Approved/general/TASK_1.md"
}
