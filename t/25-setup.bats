#!/usr/bin/env bats
# From the tour to real use: front matter values quoted where YAML would
# read them as something else, the Dashboard.md health lines, the warning
# for keys of the other agent, and the annotated example config files.
load helper

setup() { common_setup; }

# eml FILE SUBJECT N: a minimal message with that Subject.
eml() {
	printf 'From: Bob <bob@example.com>\nTo: owner@example.com\nSubject: %s\nDate: Mon, 30 Nov 2026 10:15:00 +0000\nMessage-ID: <yaml-%s@example.com>\n\nHello.\n' \
	    "$2" "$3" >"$1"
}

@test "front matter: values YAML reads as null, booleans, numbers or dates are double-quoted and read back" {
	mkvault
	n=0
	for v in null '~' yes no true false on off 1234 1.5 2026-01-01 Yes NULL -7 0x1f 1e3; do
		n=$((n + 1))
		eml "$BATS_TEST_TMPDIR/m$n.eml" "$v" "$n"
		p=$(mail-fetch -f "$BATS_TEST_TMPDIR/m$n.eml")
		grep -qxF "subject: \"$v\"" "$VAULT_DIR/$p"
		id=$(basename "$p" .md)
		d=$(LLM_PROVIDER=offline draft-email "$id")
		# draft-email read the subject back as the text it was
		grep -qF "\"$v\"" "$VAULT_DIR/$d"
		grep -qxF "subject: \"Re: $v\"" "$VAULT_DIR/$d"
	done
	# ordinary words and RFC 3339 times stay plain
	eml "$BATS_TEST_TMPDIR/plain.eml" "Plain question" plain
	p=$(mail-fetch -f "$BATS_TEST_TMPDIR/plain.eml")
	grep -qx 'subject: Plain question' "$VAULT_DIR/$p"
	grep -Eqx 'created: 20[0-9-]{8}T[0-9:]{8}Z' "$VAULT_DIR/$p"
}

@test "Dashboard.md: a health line separates the state from the detail" {
	mkvault
	printf -- '---\nupdated: 2026-11-30T10:00:00Z\nsmtp: "down connection refused"\nimap: up\n---\n' \
	    >"$VAULT_DIR/Health/cloud.md"
	vault-status -q --dashboard >/dev/null
	grep -qxF -- '- cloud/smtp: down — connection refused' "$VAULT_DIR/Dashboard.md"
	grep -qxF -- '- cloud/imap: up' "$VAULT_DIR/Dashboard.md"
}

# ---- keys of the other agent ------------------------------------------------

# A cloud vault and no approval key in HOME.
cloud_vault() {
	vault-init -q -a cloud "$VAULT_DIR" >/dev/null
	export VAULT_AGENT=cloud
	: >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
}

@test "agent cloud with SMTP_PASSWORD in its config warns once, naming the key, never the value" {
	cloud_vault
	echo 'SMTP_PASSWORD=hunter2-app-password' >>"$AI_EMPLOYEE_CONFIG"
	run --separate-stderr vault-status
	assert_success
	[ "$(printf '%s\n' "$stderr" | grep -c 'belongs to the local agent only')" -eq 1 ]
	[[ "$stderr" == *"this machine is agent cloud"*"SMTP_PASSWORD"* ]]
	[[ "$stderr" != *hunter2* ]]
}

@test "agent cloud warns about a password in SMTP_URL and DASHBOARD_ keys, not about DASHBOARD_URL" {
	cloud_vault
	printf '%s\n' 'SMTP_URL=smtps://me%40example.com:s3cret@smtp.example.com:465' \
	    'DASHBOARD_ORIGIN=https://dash.example.com' \
	    'DASHBOARD_URL=https://dash.example.com/' >>"$AI_EMPLOYEE_CONFIG"
	run --separate-stderr vault-claim --list
	[[ "$stderr" == *"a password in SMTP_URL"* ]]
	[[ "$stderr" == *"DASHBOARD_ORIGIN"* ]]
	[[ "$stderr" != *"DASHBOARD_URL"* ]]
	[[ "$stderr" != *s3cret* ]]
}

@test "agent cloud with an SMTP_URL without password and only cloud keys says nothing" {
	cloud_vault
	printf '%s\n' 'SMTP_URL=smtps://smtp.example.com:465' 'SMTP_USER=me@example.com' \
	    'IMAP_PASSWORD=imap-app-password' 'DASHBOARD_URL=https://dash.example.com/' \
	    >>"$AI_EMPLOYEE_CONFIG"
	run --separate-stderr vault-status
	assert_success
	[ -z "$stderr" ]
}

@test "agent cloud on a machine holding the approval key warns, naming its path" {
	cloud_vault
	vault-init -q -a local "$BATS_TEST_TMPDIR/other" >/dev/null
	[ -f "$HOME/.config/ai-employee/approval.key" ]
	run --separate-stderr vault-status
	assert_success
	[[ "$stderr" == *"the approval key $HOME/.config/ai-employee/approval.key"* ]]
}

@test "agent local with every local key says nothing" {
	mkvault
	printf '%s\n' 'SMTP_PASSWORD=x' 'SMTP_URL=smtps://a:b@smtp.example.com' \
	    'DASHBOARD_ORIGIN=https://dash.example.com' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	run --separate-stderr vault-status
	assert_success
	[ -z "$stderr" ]
}

@test "-a cloud on the owner's machine (VAULT_AGENT local) does not warn about the owner's keys" {
	mkvault
	printf '%s\n' 'SMTP_PASSWORD=x' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	mkemail E1
	run --separate-stderr vault-claim -a cloud E1
	assert_success
	[ -z "$stderr" ]
}
