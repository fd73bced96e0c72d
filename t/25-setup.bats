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
	for v in null '~' yes no true false on off 1234 1.5 2026-01-01 Yes NULL -7 0x1f 0b101 0o17 1e3; do
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
	# a prefix of 0b or 0o before digits of another base is no number:
	# approve's hex decision_sig starting 0b stays plain, as every other
	eml "$BATS_TEST_TMPDIR/hex.eml" 0bfa3c9e hex
	p=$(mail-fetch -f "$BATS_TEST_TMPDIR/hex.eml")
	grep -qx 'subject: 0bfa3c9e' "$VAULT_DIR/$p"
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

# ---- the annotated example config files -------------------------------------

# Every key the code reads: the C tools (config_get*, getenv and the
# helpers that take a key name) and the PM2 ecosystem files.
code_keys() {
	{
		grep -rhoE '(config_get(_default|_long|_bool)?|config_(long|seconds|double)|getenv|need|conf_path|check_mail)\("[A-Z][A-Z0-9_]*"' \
		    "$TOP/cmd" "$TOP/lib" "$TOP/cgi" | sed -E 's/.*\("//; s/"$//'
		grep -hoE "get\('[A-Z][A-Z0-9_]*'" "$TOP"/pm2/*.js | sed -E "s/.*\('//; s/'$//"
	} | sort -u
}

# The prefixes of keys made at run time, as "PRICE_%s" in price_lookup.
code_prefixes() {
	grep -rhoE '"[A-Z][A-Z0-9_]*_%s"' "$TOP/lib" "$TOP/cmd" | sed -E 's/^"//; s/%s"$//' | sort -u
}

# The keys of an example file: KEY=VALUE lines, commented out or not.
file_keys() {
	sed -nE 's/^#?([A-Z][A-Z0-9_]*)=.*/\1/p' "$1" | sort -u
}

# The capitalised names of the "Read from the environment only" paragraph.
env_only() {
	awk '/^# Read from the environment only/{p=1} p&&!/^#/{exit} p' "$1" |
	    grep -oE '\b[A-Z][A-Z0-9_]{2,}\b' | grep -vx 'CGI' | sort -u
}

@test "every key the code reads is in an example config file, and every key there is read" {
	local ex="$TOP/share/env.cloud.example" lx="$TOP/share/env.local.example"
	code_keys >"$BATS_TEST_TMPDIR/code"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/code")" -gt 60 ]
	{ file_keys "$ex"; file_keys "$lx"; env_only "$ex"; env_only "$lx"; } | sort -u \
	    >"$BATS_TEST_TMPDIR/documented"
	missing=$(comm -23 "$BATS_TEST_TMPDIR/code" "$BATS_TEST_TMPDIR/documented")
	[ -z "$missing" ] || { echo "read by the code, in no example file: $missing"; false; }
	prefixes=$(code_prefixes)
	[ -n "$prefixes" ]
	for f in "$ex" "$lx"; do
		for k in $(file_keys "$f") $(env_only "$f"); do
			grep -qx "$k" "$BATS_TEST_TMPDIR/code" && continue
			known=0
			for p in $prefixes; do [[ $k == "$p"* ]] && known=1; done
			[ "$known" = 1 ] || { echo "$f: $k is read by no code"; false; }
		done
	done
}

@test "the keys of the local agent only are in env.local.example and not in env.cloud.example" {
	local_only=$(sed -n '/local_only\[\] = {/,/NULL/p' "$TOP/lib/cli/agentkeys.c" | grep -oE '"[A-Z_]+"' | tr -d '"')
	[ "$(echo "$local_only" | wc -l)" -gt 10 ]
	for k in $local_only; do
		file_keys "$TOP/share/env.local.example" | grep -qx "$k" || { echo "$k not in env.local.example"; false; }
		! file_keys "$TOP/share/env.cloud.example" | grep -qx "$k" || { echo "$k in env.cloud.example"; false; }
	done
}

@test "env.cloud.example as setup-vm.sh installs it is read by the tools and draws no warning on agent cloud" {
	sed -e "s|^VAULT_DIR=.*|VAULT_DIR=$VAULT_DIR|" -e "s|^VAULT_AGENT=.*|VAULT_AGENT=cloud|" \
	    -e "s|^VAULT_SYNC_SSH_KEY=.*|VAULT_SYNC_SSH_KEY=$HOME/.ssh/id_ed25519|" \
	    "$TOP/share/env.cloud.example" >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	unset VAULT_DIR
	vault-init -q "$BATS_TEST_TMPDIR/vault" >/dev/null
	[ ! -e "$HOME/.config/ai-employee/approval.key" ]
	run --separate-stderr vault-status -j
	assert_success
	[ -z "$stderr" ]
	[ "$(echo "$output" | jq -r '.counts | keys | length')" -gt 0 ]
}

@test "env.local.example with every local key set draws no warning on agent local" {
	# every key with no default gets a value: a path in the test's directory
	sed -e "s|^VAULT_DIR=.*|VAULT_DIR=$VAULT_DIR|" \
	    -e "s|^#\([A-Z][A-Z0-9_]*\)=\$|\1=$BATS_TEST_TMPDIR/set|" \
	    "$TOP/share/env.local.example" >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	grep -qx "SMTP_PASSWORD=$BATS_TEST_TMPDIR/set" "$AI_EMPLOYEE_CONFIG"
	mkvault
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

# ---- README -------------------------------------------------------------------

@test "README: the tour runs as written in a mktemp -d vault, and its man commands work from the source tree" {
	tour=$(awk '/^## A five-minute tour/{t=1} t&&/^```sh/{p=1;next} p&&/^```/{exit} p' "$TOP/README.md")
	[[ "$tour" == *'VAULT_DIR=$(mktemp -d)/vault'* ]]
	[[ "$tour" != *'/tmp/'* ]]
	# the build and the dashboard are other tests' business
	tour=$(grep -vE '^make( |$)' <<<"$tour")
	cd "$TOP"
	run env TMPDIR="$BATS_TEST_TMPDIR" bash -e -c "$tour"
	assert_success
	out=$(ls "$BATS_TEST_TMPDIR"/tmp.*/vault/Logs/Outbox/*.eml)
	grep -q '^Subject: Re: Where is my order?' "$out"
	command -v man >/dev/null || skip "man not installed"
	grep -q '`man -l man/ai-employee.7`' "$TOP/README.md"
	grep -q '`man -l man/vault.5`' "$TOP/README.md"
	man -P cat -l man/ai-employee.7 | grep -q 'AI-EMPLOYEE(7)'
	man -P cat -l man/vault.5 | grep -q 'VAULT(5)'
}

@test "make PREFIX=... rebuilds what embeds the old data directory (a flags stamp)" {
	local b="$BATS_TEST_TMPDIR/b" o
	o="$b/cmd/vault-init.o"
	make -s -C "$TOP" BUILD="$b" PREFIX=/opt/aie-one "$o" >/dev/null
	grep -qa '/opt/aie-one/share/ai-employee' "$o"
	# the same flags: nothing to redo
	run make -C "$TOP" BUILD="$b" PREFIX=/opt/aie-one "$o"
	assert_success
	refute_output --partial "vault-init.c"
	make -s -C "$TOP" BUILD="$b" PREFIX=/opt/aie-two "$o" >/dev/null
	grep -qa '/opt/aie-two/share/ai-employee' "$o"
	run ! grep -qa '/opt/aie-one' "$o"
}
