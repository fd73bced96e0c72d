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
