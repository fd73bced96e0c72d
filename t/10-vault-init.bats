#!/usr/bin/env bats
load helper

setup() { common_setup; }

@test "vault-init creates the layout, templates and a git repository" {
	run --separate-stderr vault-init "$VAULT_DIR"
	assert_success
	assert_output "$VAULT_DIR"
	[[ "$stderr" == *"vault created"* ]]
	for d in Needs_Action/email In_Progress Plans Pending_Approval Approved \
	    Rejected Done Updates Health Logs/API_Usage Logs/Notifications .state; do
		[ -d "$VAULT_DIR/$d" ]
	done
	grep -q '^## Signature' "$VAULT_DIR/Company_Handbook.md"
	grep -q '^## Urgent keywords' "$VAULT_DIR/Company_Handbook.md"
	[ -f "$VAULT_DIR/Dashboard.md" ]
	grep -qx -- '- Monthly target: 10000 USD' "$VAULT_DIR/Business_Goals.md"
	grep -qx -- '- Unused days: 30' "$VAULT_DIR/Business_Goals.md"
	grep -q '^## Content' "$VAULT_DIR/Business_Goals.md"
	git -C "$VAULT_DIR" log --oneline | grep -q 'vault-init'
	[ -z "$(git -C "$VAULT_DIR" status --porcelain)" ]
}

@test "vault-init writes the secret guard's whole deny-list of vault(5) into .gitignore" {
	mkvault
	# the list as vault(5) gives it, word by word
	names=$(sed -n '/^\.Ss The deny-list/,/^\.Ed/p' "$TOP/man/vault.5" |
	    sed -n '/^\.Bd/,/^\.Ed/p' | grep -v '^\.' | sed 's/\\&//g' | tr -s ' ' '\n' | grep .)
	[ "$(echo "$names" | wc -l)" -ge 20 ]
	for p in $names; do
		[ "$p" = .git/ ] && continue
		grep -qxF -- "$p" "$VAULT_DIR/.gitignore" || { echo "missing: $p"; false; }
	done
	touch "$VAULT_DIR/.env" "$VAULT_DIR/x.pem" "$VAULT_DIR/.netrc" "$VAULT_DIR/approval.key.bak" \
	    "$VAULT_DIR/id_ecdsa" "$VAULT_DIR/a.p12"
	mkdir -p "$VAULT_DIR/Notes/.secrets"
	touch "$VAULT_DIR/Notes/.secrets/x.md"
	[ -z "$(git -C "$VAULT_DIR" status --porcelain)" ]
	grep -qxF '.trash/' "$VAULT_DIR/.gitignore"
}

@test "vault-init creates the approval key 0600 outside the vault" {
	mkvault
	key="$HOME/.config/ai-employee/approval.key"
	[ -f "$key" ]
	[ "$(stat -c %a "$key")" = 600 ]
	[ "$(wc -c <"$key")" -eq 65 ]
}

@test "vault-init as agent cloud makes no approval key" {
	run vault-init -a cloud "$VAULT_DIR"
	assert_success
	[ ! -e "$HOME/.config/ai-employee/approval.key" ]
}

@test "vault-init keeps an existing approval key" {
	mkvault
	before=$(cat "$HOME/.config/ai-employee/approval.key")
	vault-init -q "$BATS_TEST_TMPDIR/second" >/dev/null
	[ "$(cat "$HOME/.config/ai-employee/approval.key")" = "$before" ]
}

@test "vault-init on an existing vault overwrites nothing and fills in the gaps" {
	mkvault
	echo "my own rules" >"$VAULT_DIR/Company_Handbook.md"
	rmdir "$VAULT_DIR/Plans" 2>/dev/null || rm -rf "$VAULT_DIR/Plans"
	run vault-init "$VAULT_DIR"
	assert_success
	assert_line --partial "already a vault"
	[ "$(cat "$VAULT_DIR/Company_Handbook.md")" = "my own rules" ]
	[ -d "$VAULT_DIR/Plans" ]
}

@test "vault-init refuses a non-empty directory that is not a vault" {
	mkdir -p "$VAULT_DIR"
	echo precious >"$VAULT_DIR/notes.txt"
	run vault-init "$VAULT_DIR"
	assert_failure 65
	assert_output --partial "not a vault"
	[ "$(ls "$VAULT_DIR")" = notes.txt ]
}

@test "vault-init --no-git makes no repository" {
	run vault-init -q --no-git "$VAULT_DIR"
	assert_success
	[ ! -e "$VAULT_DIR/.git" ]
}

@test "vault-init usage errors exit 2" {
	run vault-init
	assert_failure 2
	assert_output --partial usage
	run vault-init a b
	assert_failure 2
	run vault-init --bogus x
	assert_failure 2
	run vault-init -a 'Bad Agent' "$VAULT_DIR"
	assert_failure 2
}

@test "vault-init -h and --version" {
	run vault-init -h
	assert_success
	assert_output --partial usage
	run vault-init --version
	assert_success
	assert_output --regexp '^vault-init \(ai-employee\) [0-9]'
}

@test "a config file readable by others is refused with 78" {
	echo "VAULT_AGENT=local" >"$AI_EMPLOYEE_CONFIG"
	chmod 644 "$AI_EMPLOYEE_CONFIG"
	run vault-init "$VAULT_DIR"
	assert_failure 78
	assert_output --partial "readable by group, readable by others (mode 0644)"
	[ ! -e "$VAULT_DIR" ]
}

@test "the config file is read and the environment wins over it" {
	mkvault
	printf '# comment\nVAULT_DIR=%s\nVAULT_AGENT="bob"\n' "$VAULT_DIR" \
	    >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	mkemail E1
	unset VAULT_DIR
	run vault-claim E1
	assert_success
	assert_output "In_Progress/bob/E1.md"
	VAULT_AGENT=carol run vault-claim --list
	assert_success
}

@test "a malformed config line is refused with 78 naming the line" {
	printf 'GOOD=1\nthis is not a setting\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	run vault-status -C "$VAULT_DIR"
	assert_failure 78
	assert_output --partial ":2: not KEY=VALUE"
}

@test "vault-init installs the pre-commit hook that refuses secrets" {
	mkvault
	[ -x "$VAULT_DIR/.git/hooks/pre-commit" ]
	echo 'key: sk-ant-api03-abcdefghijklmnopqrstuvwxyz' >"$VAULT_DIR/leak.md"
	git -C "$VAULT_DIR" add leak.md
	run git -C "$VAULT_DIR" -c user.name=t -c user.email=t@t commit -qm leak
	assert_failure
	assert_output --partial "looks like a secret"
	git -C "$VAULT_DIR" reset -q
	echo hello >"$VAULT_DIR/ok.md"
	git -C "$VAULT_DIR" add ok.md
	git -C "$VAULT_DIR" -c user.name=t -c user.email=t@t commit -qm ok
}

@test "vault-init on an existing vault says it reused it and kept the key" {
	mkvault
	rm "$VAULT_DIR/Plans/.gitkeep"
	run --separate-stderr vault-init "$VAULT_DIR"
	assert_success
	[[ "$stderr" == *"already a vault: reused it, nothing overwritten, 1 missing file(s) added"* ]]
	[[ "$stderr" == *"approval key kept: $HOME/.config/ai-employee/approval.key"* ]]
	[[ "$stderr" != *"vault created"* ]]
}
