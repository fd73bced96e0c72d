#!/usr/bin/env bats
# mail-fetch: MIME fixtures of t/data/mail through -f and stdin, dedup,
# urgent keywords, and a real dovecot for IMAP.
load helper
load mail

export BATS_NO_PARALLELIZE_WITHIN_FILE=true
D="$BATS_TEST_DIRNAME/data/mail"

setup() { common_setup; mkvault; }
teardown() { mail_teardown; }

# item PATH: the item file printed by mail-fetch.
item() { cat "$VAULT_DIR/$1"; }
body() { sed '1,/^---$/d' "$VAULT_DIR/$1"; }

@test "a plain message becomes an email item with the keys of vault(5)" {
	run --separate-stderr mail-fetch -f "$D/plain.eml"
	assert_success
	assert_output --regexp '^Needs_Action/email/EMAIL_[0-9]{8}T[0-9]{6}Z_[0-9a-f]{6}\.md$'
	f="$VAULT_DIR/$output"
	id=$(basename "$output" .md)
	grep -qx 'type: email' "$f"
	grep -qx "id: $id" "$f"
	grep -Eqx 'created: 20[0-9-]{8}T[0-9:]{8}Z' "$f"
	grep -qx 'domain: email' "$f"
	grep -qx 'status: new' "$f"
	grep -qx 'from: "\\"Bob Plain\\" <bob@example.com>"' "$f"
	grep -qx 'to: owner@example.com' "$f"
	grep -qx 'subject: Plain question' "$f"
	grep -qx 'date: Mon, 30 Nov 2026 10:15:00 +0000' "$f"
	grep -qx 'message_id: <plain-1@example.com>' "$f"
	grep -qx 'priority: normal' "$f"
	run body "$output"
	assert_output $'Hello,\n\njust a plain mail.\n\nBob'
}

@test "multipart/alternative prefers text/plain, decodes QP, keeps threading" {
	p=$(mail-fetch "$D/alternative.eml")
	f="$VAULT_DIR/$p"
	grep -qx 'cc: team@example.com' "$f"
	grep -qx 'in_reply_to: <orig-1@example.com>' "$f"
	grep -qx 'references: <root-1@example.com> <orig-1@example.com>' "$f"
	run body "$p"
	assert_output "Plain version of the notes: café for everyone, a very long line that is soft-broken in quoted-printable."
	refute_output --partial "HTML version"
}

@test "Latin-1 quoted-printable body and RFC 2047 headers become UTF-8" {
	p=$(mail-fetch "$D/qp-latin1.eml")
	grep -qx 'from: Jörg Müller <joerg@example.de>' "$VAULT_DIR/$p"
	grep -qx 'subject: Grüße aus Köln' "$VAULT_DIR/$p"
	run body "$p"
	assert_output $'Schöne Grüße,\nJörg'
}

@test "base64 body and B-encoded subject across two encoded words" {
	p=$(mail-fetch "$D/base64-2047.eml")
	grep -qx 'from: 山田太郎 <taro@example.jp>' "$VAULT_DIR/$p"
	grep -qx 'subject: "URGENT: お願い ✓"' "$VAULT_DIR/$p"
	run body "$p"
	assert_output "こんにちは。請求書の件です。"
}

@test "an HTML-only mail is turned into readable text" {
	p=$(mail-fetch "$D/html-only.eml")
	run body "$p"
	assert_line "Order shipped"
	assert_line "Your order 1234 is on its way – track it here <https://track.example.com/1234>."
	assert_line "- Item one"
	assert_line "- Item two € 5"
	assert_line "Café & more €"
	refute_output --partial "alert"
	refute_output --partial "color: red"
	refute_output --partial "<"$'p'
}

@test "attachments are listed by name, type and size, not stored" {
	p=$(mail-fetch "$D/attachment.eml")
	run body "$p"
	assert_line "Please find the invoice attached."
	assert_line "Attachments (not stored):"
	assert_line "- invoice-77.pdf (application/pdf, 78 bytes)"
	assert_line "- notes été.txt (text/plain, 10 bytes)"
	refute_output --partial "JVBER"
	refute_output --partial "some notes"
}

@test "a malformed mail still becomes an item, with parse_note" {
	p=$(mail-fetch "$D/malformed.eml")
	f="$VAULT_DIR/$p"
	grep -q '^parse_note: .*multipart not closed' "$f"
	grep -q '^parse_note: .*unknown charset x-no-such-charset' "$f"
	grep -q '^parse_note: .*damaged base64' "$f"
	run body "$p"
	assert_line "Hello from a broken mail!"
	assert_line --partial "second part"
}

@test "bytes that are no mail at all are kept as the body, with a note" {
	p=$(mail-fetch "$D/garbage.eml")
	grep -qx 'parse_note: no header found; the whole message is the body' "$VAULT_DIR/$p"
	run body "$p"
	assert_line "this is not a mail at all"
}

@test "a message on stdin (an MDA's From_ line dropped) is imported" {
	run --separate-stderr mail-fetch - < <(printf 'From bob@example.com Mon Nov 30 10:00:00 2026\n'; cat "$D/plain.eml")
	assert_success
	grep -qx 'message_id: <plain-1@example.com>' "$VAULT_DIR/$output"
}

@test "the same message imported twice makes one item; exit 1 the second time" {
	mail-fetch "$D/plain.eml" >/dev/null
	run --separate-stderr mail-fetch -v "$D/plain.eml"
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"already imported"* ]]
	[ "$(ls "$VAULT_DIR/Needs_Action/email" | wc -l)" -eq 1 ]
}

@test "dedup finds items in any stage even when the state is lost" {
	p=$(mail-fetch "$D/plain.eml")
	id=$(basename "$p" .md)
	vault-claim -q "$id" >/dev/null
	rm -rf "$VAULT_DIR/.state"
	run mail-fetch "$D/plain.eml"
	assert_failure 1
	[ -z "$(ls "$VAULT_DIR/Needs_Action/email")" ]
}

@test "an item the owner deleted does not come back" {
	p=$(mail-fetch "$D/plain.eml")
	rm "$VAULT_DIR/$p"
	run mail-fetch "$D/plain.eml"
	assert_failure 1
}

@test "a message without Message-ID is deduplicated by its bytes" {
	printf 'From: a@example.com\nSubject: no id\n\nbody\n' >"$BATS_TEST_TMPDIR/m"
	mail-fetch "$BATS_TEST_TMPDIR/m" >/dev/null
	run mail-fetch "$BATS_TEST_TMPDIR/m"
	assert_failure 1
}

@test "urgent keywords of the handbook set priority high, any case" {
	p=$(mail-fetch "$D/base64-2047.eml")
	grep -qx 'priority: high' "$VAULT_DIR/$p"
	printf 'From: a@example.com\nMessage-ID: <k1@x>\nSubject: hello\n\nthe server is ON FIRE today\n' >"$BATS_TEST_TMPDIR/m"
	p=$(mail-fetch "$BATS_TEST_TMPDIR/m")
	grep -qx 'priority: normal' "$VAULT_DIR/$p"
	sed -i 's/^- urgent$/- urgent\n- on fire/' "$VAULT_DIR/Company_Handbook.md"
	printf 'From: a@example.com\nMessage-ID: <k2@x>\nSubject: hello\n\nthe server is On Fire today\n' >"$BATS_TEST_TMPDIR/m"
	p=$(mail-fetch "$BATS_TEST_TMPDIR/m")
	grep -qx 'priority: high' "$VAULT_DIR/$p"
}

@test "urgent keywords: the section by the vault(5) rule, its own subheadings included" {
	printf '# Handbook\n\n## URGENT Keywords \r\n\n- fire\n\n### more\n\n- flood\n\n## Limits\n\n- smoke\n' \
	    >"$VAULT_DIR/Company_Handbook.md"
	printf 'From: a@example.com\nMessage-ID: <s1@x>\nSubject: hello\n\na FLOOD here\n' >"$BATS_TEST_TMPDIR/m"
	p=$(mail-fetch "$BATS_TEST_TMPDIR/m")
	grep -qx 'priority: high' "$VAULT_DIR/$p"
	printf 'From: a@example.com\nMessage-ID: <s2@x>\nSubject: hello\n\nsmoke here\n' >"$BATS_TEST_TMPDIR/m"
	p=$(mail-fetch "$BATS_TEST_TMPDIR/m")
	grep -qx 'priority: normal' "$VAULT_DIR/$p"
	# a level-three heading is not the section
	printf '### Urgent keywords\n\n- flood\n' >"$VAULT_DIR/Company_Handbook.md"
	printf 'From: a@example.com\nMessage-ID: <s3@x>\nSubject: hello\n\na flood here\n' >"$BATS_TEST_TMPDIR/m"
	p=$(mail-fetch "$BATS_TEST_TMPDIR/m")
	grep -qx 'priority: normal' "$VAULT_DIR/$p"
}

@test "several files: one path per new item, audit lines written" {
	run --separate-stderr mail-fetch -f "$D/plain.eml" "$D/qp-latin1.eml" "$D/plain.eml"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[ "$(grep -c '"event":"email_new"' "$VAULT_DIR"/Logs/*.jsonl)" -eq 2 ]
}

@test "the printed paths feed vault-claim" {
	run --separate-stderr bash -c "mail-fetch '$D/plain.eml' | vault-claim -"
	assert_success
	assert_output --regexp '^In_Progress/local/EMAIL_'
}

@test "no IMAP_URL is a configuration error (78)" {
	run mail-fetch
	assert_failure 78
	assert_output --partial "IMAP_URL"
}

@test "IMAP: unseen mail is fetched once, flags are restored" {
	dovecot_start
	deliver "$D/plain.eml"
	deliver "$D/qp-latin1.eml" seen
	deliver "$D/html-only.eml"
	run --separate-stderr mail-fetch
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	grep -l 'message_id: <plain-1@example.com>' "$VAULT_DIR"/Needs_Action/email/*.md
	grep -l 'message_id: <html-1@example.com>' "$VAULT_DIR"/Needs_Action/email/*.md
	run imap_search UNSEEN
	assert_output --regexp '^\* SEARCH [0-9]+ [0-9]+'$'\r''?$'
	run imap_search SEEN
	assert_output --regexp '^\* SEARCH [0-9]+'$'\r''?$'
	run mail-fetch
	assert_failure 1
	[ "$(ls "$VAULT_DIR/Needs_Action/email" | wc -l)" -eq 2 ]
}

@test "IMAP: later mail, seen or not, is fetched; --mark-seen marks it" {
	dovecot_start
	deliver "$D/plain.eml"
	mail-fetch >/dev/null
	deliver "$D/alternative.eml" seen
	deliver "$D/attachment.eml"
	run --separate-stderr mail-fetch --mark-seen
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run imap_search UNSEEN
	assert_output --regexp '^\* SEARCH [0-9]+'$'\r''?$'
}

@test "IMAP: a UIDVALIDITY change refetches without making duplicates" {
	dovecot_start
	deliver "$D/plain.eml"
	deliver "$D/html-only.eml"
	mail-fetch >/dev/null
	doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox update -u alice --uid-validity 4242 INBOX
	deliver "$D/qp-latin1.eml"
	run --separate-stderr mail-fetch
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"UIDVALIDITY changed"* ]]
	grep -q '^uidvalidity 4242$' "$VAULT_DIR"/.state/local/imap-*.state
	[ "$(ls "$VAULT_DIR/Needs_Action/email" | wc -l)" -eq 3 ]
}

@test "IMAP: a wrong password is a configuration error (78)" {
	dovecot_start
	run env IMAP_PASSWORD=wrong mail-fetch
	assert_failure 78
}

@test "IMAP: no server is a service down (69)" {
	export IMAP_URL="imap://127.0.0.1:$(free_port)/INBOX" IMAP_USER=a IMAP_PASSWORD=b IMAP_STARTTLS=no
	run mail-fetch
	assert_failure 69
}

@test "IMAP: STARTTLS is required unless IMAP_STARTTLS=no" {
	dovecot_start
	unset IMAP_STARTTLS
	run mail-fetch
	assert_failure 69
	[ -z "$(ls "$VAULT_DIR/Needs_Action/email")" ]
}

@test "IMAP: STARTTLS with the server's certificate trusted" {
	dovecot_start tls
	deliver "$D/plain.eml"
	run --separate-stderr mail-fetch
	assert_success
	grep -q 'message_id: <plain-1@example.com>' "$VAULT_DIR/$output"
}

@test "IMAP: XOAUTH2 with IMAP_BEARER logs in (dovecot's oauth2 passdb) and fetches" {
	dovecot_start oauth2 ya29.good-token-4711
	deliver "$D/plain.eml"
	run --separate-stderr mail-fetch
	assert_success
	grep -q 'message_id: <plain-1@example.com>' "$VAULT_DIR/$output"
	grep -q 'Login: user=<alice>, method=XOAUTH2' "$DOVECOT_DIR/dovecot.log"
	# the token reached the introspection endpoint, well formed
	[ -z "$(jq -r 'select(.problem != null) | .problem' "$OAUTH_LOG")" ]
	jq -s -e 'length >= 1 and all(.token_ok)' "$OAUTH_LOG"
}

@test "IMAP: a wrong bearer token is a configuration error (78) and is never printed" {
	dovecot_start oauth2 ya29.good-token-4711
	deliver "$D/plain.eml"
	export IMAP_BEARER=ya29.stale-token-0815
	run --separate-stderr mail-fetch
	assert_failure 78
	assert_output ''
	[[ "$stderr" == *"mail-fetch: "* ]]
	[[ "$stderr" == *"refused IMAP_USER with the IMAP_BEARER token"* ]]
	[[ "$stderr" != *"stale-token"* ]]
	[[ "$stderr" != *"good-token"* ]]
	jq -s -e 'length >= 1 and all(.token_ok == false)' "$OAUTH_LOG"
	[ -z "$(ls "$VAULT_DIR/Needs_Action/email")" ]
}

@test "IMAP: implicit TLS on imaps:// with the server's certificate trusted" {
	dovecot_start imaps
	deliver "$D/plain.eml"
	run --separate-stderr mail-fetch
	assert_success
	grep -q 'message_id: <plain-1@example.com>' "$VAULT_DIR/$output"
	grep -q 'Login: user=<alice>, method=PLAIN.*, TLS' "$DOVECOT_DIR/dovecot.log"
}
