#!/usr/bin/env bats
# The secret guard (vault-sync(1) SECRET GUARD, vault(5) deny-list): one
# scanner behind vault-sync's staging, `vault-sync --scan` and the
# pre-commit hook. Real repositories, a bare remote in $BATS_TEST_TMPDIR.
# The credentials below are built at run time from repeated characters:
# shaped like the real thing, valid for nothing.
load helper
load sync

setup() { common_setup; sync_setup; }

# rep STRING N: STRING N times.
rep() { local i s=; for ((i = 0; i < $2; i++)); do s+=$1; done; printf '%s' "$s"; }

# secret_files DIR: one file per content rule of issue 15, named after it.
secret_files() {
	local d=$1
	mkdir -p "$d"
	echo "sync token github_pat_11ABCDEFG0$(rep aB3 25)" >"$d/github-pat.md"
	local p
	for p in gho ghu ghs ghr; do
		echo "token ${p}_$(rep Ab1 12)" >"$d/github-$p.md"
	done
	echo "OPENAI_API_KEY=sk-proj-$(rep Xy9_ 12)" >"$d/openai-proj.md"
	echo "key: sk-$(rep a1B2 5)T3BlbkFJ$(rep c3D4 5)" >"$d/openai-legacy.md"
	printf -- '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n' >"$d/pgp.md"
	printf -- '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56w\n' >"$d/ssh2.md"
	printf 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n' >"$d/putty.md"
	printf -- '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n' |
	    iconv -f UTF-8 -t UTF-16LE >"$d/pem-utf16le.md"
	printf -- '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n' |
	    iconv -f UTF-8 -t UTF-16BE >"$d/pem-utf16be.md"
	# base64 of a PEM key after 0, 1 and 2 other bytes: the three ways
	# the dashes can fall in base64's groups
	printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n' | base64 \
	    >"$d/pem-base64-0.md"
	printf -- 'x\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n' | base64 \
	    >"$d/pem-base64-1.md"
	printf -- 'ab-----BEGIN PRIVATE KEY-----\nMIIE\n' | base64 -w 20 \
	    >"$d/pem-base64-2.md"
	echo "aws ASIA$(rep Q7 8) temporary" >"$d/aws-asia.md"
	echo "stripe sk_live_$(rep 4eC3 6)" >"$d/stripe-sk.md"
	echo "stripe rk_live_$(rep 4eC3 6)" >"$d/stripe-rk.md"
	echo "maps AIza$(rep Sy_D 8)abc" >"$d/google.md"
	echo "slack xoxe-1-$(rep E2 8)" >"$d/slack-xoxe.md"
	echo "slack xoxc-$(rep 12345 3)" >"$d/slack-xoxc.md"
	echo "slack app xapp-1-A0$(rep 9Z 6)" >"$d/slack-xapp.md"
}
SECRET_FILES="github-pat github-gho github-ghu github-ghs github-ghr
    openai-proj openai-legacy pgp ssh2 putty pem-utf16le pem-utf16be
    pem-base64-0 pem-base64-1 pem-base64-2 aws-asia stripe-sk stripe-rk
    google slack-xoxe slack-xoxc slack-xapp"
SECRET_NAMES="ENV .ENV prod.env .envrc deep/Credentials.json Notes/work.ppk
    Notes/approval.key.bak Notes/approval.key~ Notes/approval.KEY
    .ssh/id_ecdsa TOKEN.JSON x/.Secrets/a.md Cert.PEM"

# ordinary_notes DIR: notes the guard must let through.
ordinary_notes() {
	mkdir -p "$1/Notes"
	cat >"$1/Notes/keys.md" <<'EOT'
# How we handle keys

Risk-management skills: never paste a key here. API keys look like
sk-ant-... or AKIA..., GitHub's like ghp_... and github_pat_...; the
ENVironment holds them (see .env.example in the docs). A private key
file starts with a BEGIN line; PuTTY keys end in .ppk.
Tasks: risk-based review, desk-top, task-list, ask-me, whisk-it.
EOT
	echo "keyboard shortcuts" >"$1/Notes/meeting.key-points.md"
	echo "notes" >"$1/Notes/environment.md"
	echo "rotate the approval key yearly" >"$1/Notes/key-rotation.md"
	echo "the keys of the office" >"$1/Notes/office.keys.md"
}

# ---- vault-sync -------------------------------------------------------------

@test "vault-sync refuses every content pattern of issue 15; the ordinary note in the same cycle is pushed" {
	two_agents
	secret_files "$VAULT_DIR/Plans/leak"
	ordinary_notes "$VAULT_DIR"
	run lsync
	assert_success
	local f
	for f in $SECRET_FILES; do
		assert_output --partial "Plans/leak/$f.md: not committed: content looks like a secret"
	done
	for f in $SECRET_FILES; do
		run ! remote_has "Plans/leak/$f.md"
	done
	for f in keys.md environment.md office.keys.md meeting.key-points.md \
	    key-rotation.md; do
		remote_has "Notes/$f"
	done
}

@test "vault-sync names the rule: GitHub fine-grained token, OpenAI, PGP, UTF-16, base64" {
	secret_files "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/s"
	run vault-sync --scan github-pat.md openai-legacy.md pgp.md \
	    pem-utf16be.md pem-base64-1.md putty.md
	assert_failure 1
	assert_line "vault-sync: github-pat.md: content looks like a secret (GitHub fine-grained token (github_pat_))"
	assert_line "vault-sync: openai-legacy.md: content looks like a secret (OpenAI API key (sk-))"
	assert_line "vault-sync: pgp.md: content looks like a secret (private key block)"
	assert_line "vault-sync: pem-utf16be.md: content looks like a secret (private key block)"
	assert_line "vault-sync: pem-base64-1.md: content looks like a secret (private key block in base64)"
	assert_line "vault-sync: putty.md: content looks like a secret (PuTTY private key)"
}

@test "vault-sync refuses deny-listed names in any case, and copies of the approval key's name" {
	two_agents
	rm "$VAULT_DIR/.gitignore"       # enforced even without it
	local f
	for f in $SECRET_NAMES; do
		mkdir -p "$VAULT_DIR/$(dirname "$f")"
		echo "x=1" >"$VAULT_DIR/$f"
	done
	mkemail EMAIL_OK
	run lsync
	assert_success
	for f in $SECRET_NAMES; do
		assert_output --partial "$f: not committed: name on the deny-list"
	done
	for f in $SECRET_NAMES; do
		run ! remote_has "$f"
	done
	remote_has Needs_Action/email/EMAIL_OK.md
}

@test "vault-sync refuses the approval key's bytes under any name: raw, hex, base64" {
	two_agents
	local keyfile=$HOME/.config/ai-employee/approval.key hex b64
	hex=$(head -c 64 "$keyfile")
	[ "${#hex}" -eq 64 ]
	b64=$(printf '%s' "$hex" | xxd -r -p | base64)
	mkdir -p "$VAULT_DIR/Notes"
	printf '%s' "$hex" | xxd -r -p >"$VAULT_DIR/Notes/backup.bin"
	printf 'old key, just in case:\n%s\n' "$hex" >"$VAULT_DIR/Notes/hex.md"
	printf 'KEY=%s\n' "${hex^^}" >"$VAULT_DIR/Notes/hex-upper.md"
	printf 'the key: %s\n' "$b64" >"$VAULT_DIR/Notes/b64.md"
	printf 'url form %s\n' "$(printf '%s' "$b64" | tr '+/' '-_' | tr -d '=')" \
	    >"$VAULT_DIR/Notes/b64url.md"
	cp "$keyfile" "$VAULT_DIR/Notes/saved-copy.txt"
	echo "an ordinary note" >"$VAULT_DIR/Notes/ok.md"
	run lsync
	assert_success
	assert_output --partial "Notes/backup.bin: not committed: content looks like a secret (the approval key (raw bytes))"
	assert_output --partial "Notes/hex.md: not committed: content looks like a secret (the approval key (hex))"
	assert_output --partial "Notes/hex-upper.md: not committed: content looks like a secret (the approval key (hex))"
	assert_output --partial "Notes/b64.md: not committed: content looks like a secret (the approval key (base64))"
	assert_output --partial "Notes/b64url.md: not committed: content looks like a secret (the approval key (base64))"
	assert_output --partial "Notes/saved-copy.txt: not committed"
	remote_has Notes/ok.md
	local f
	for f in backup.bin hex.md hex-upper.md b64.md b64url.md saved-copy.txt; do
		run ! remote_has "Notes/$f"
	done
	run git -C "$REMOTE" grep -i -c "$hex" HEAD
	assert_failure
}

@test "agent cloud has no approval key: that rule is off, the others hold" {
	two_agents
	mkdir -p "$CLOUD/Plans"
	echo "x $(rep 0123456789abcdef 4) y" >"$CLOUD/Plans/hexy.md"
	echo "slack xoxe-1-$(rep E2 8)" >"$CLOUD/Plans/slack.md"
	HOME=$BATS_TEST_TMPDIR/cloudhome run csync
	assert_success
	refute_output --partial "hexy.md"
	refute_output --partial "approval key"
	assert_output --partial "Plans/slack.md: not committed: content looks like a secret (Slack"
	remote_has Plans/hexy.md
	run ! remote_has Plans/slack.md
}

@test "ordinary notes pass clean: risk-, skills, ENVironment, markdown about keys" {
	mkvault
	ordinary_notes "$VAULT_DIR"
	cd "$VAULT_DIR"
	run vault-sync --scan Notes/keys.md Notes/meeting.key-points.md \
	    Notes/environment.md Notes/key-rotation.md Notes/office.keys.md \
	    Company_Handbook.md
	assert_success
	assert_output ""
}

# ---- vault-sync --scan ------------------------------------------------------

@test "--scan: 0 clean, 1 with path and rule for each secret, 2 for usage or an unreadable path" {
	mkvault
	cd "$VAULT_DIR"
	echo "hello" >ok.md
	echo "TOKEN=1" >prod.env
	echo "t github_pat_$(rep Zz9 10)" >gh.md
	run vault-sync --scan ok.md
	assert_success
	run vault-sync --scan ok.md ./prod.env gh.md
	assert_failure 1
	assert_line "vault-sync: ./prod.env: name on the deny-list (*.env)"
	assert_line --partial "vault-sync: gh.md: content looks like a secret (GitHub"
	refute_output --partial "ok.md"
	run vault-sync --scan
	assert_failure 2
	assert_output --partial "usage:"
	run vault-sync --scan --dry-run ok.md
	assert_failure 2
	run vault-sync --scan missing.md ok.md
	assert_failure 2
	assert_output --partial "missing.md: No such file"
	# a symlink's target is not read: Git stores only the link
	ln -s "$HOME/.config/ai-employee/approval.key" link.md
	run vault-sync --scan link.md
	assert_success
}

# ---- the pre-commit hook ------------------------------------------------------

# hook_commit: try to commit what is staged in $VAULT_DIR.
hook_commit() {
	git -C "$VAULT_DIR" -c user.name=Owner -c user.email=owner@example.com \
	    commit -q -m "by hand"
}

@test "pre-commit refuses every content pattern and name, naming each; the remote never holds them" {
	two_agents
	local head f
	head=$(git -C "$VAULT_DIR" rev-parse HEAD)
	secret_files "$VAULT_DIR/Plans/leak"
	for f in $SECRET_NAMES; do
		mkdir -p "$VAULT_DIR/$(dirname "$f")"
		echo "x=1" >"$VAULT_DIR/$f"
	done
	echo "ordinary" >"$VAULT_DIR/Plans/ok.md"
	# shellcheck disable=SC2086
	git -C "$VAULT_DIR" add -f -- Plans $SECRET_NAMES
	run hook_commit
	assert_failure
	for f in $SECRET_FILES; do
		assert_output --partial "vault-sync: Plans/leak/$f.md: content looks like a secret"
	done
	for f in $SECRET_NAMES; do
		assert_output --partial "vault-sync: $f: name on the deny-list"
	done
	refute_output --partial "Plans/ok.md"
	assert_output --partial "pre-commit: not committed"
	[ "$(git -C "$VAULT_DIR" rev-parse HEAD)" = "$head" ]
	git -C "$VAULT_DIR" push -q origin HEAD
	run git -C "$REMOTE" log --all --name-only --format=
	refute_output --partial "Plans/leak"
	refute_output --partial "prod.env"
	# unstaged, the ordinary file goes through
	git -C "$VAULT_DIR" reset -q
	git -C "$VAULT_DIR" add Plans/ok.md
	hook_commit
	git -C "$VAULT_DIR" push -q origin HEAD
	remote_has Plans/ok.md
	run ! remote_has Plans/leak/pgp.md
}

@test "pre-commit refuses the approval key under another name and inside a note" {
	mkvault
	local keyfile=$HOME/.config/ai-employee/approval.key hex
	hex=$(head -c 64 "$keyfile")
	mkdir -p "$VAULT_DIR/Notes"
	cp "$keyfile" "$VAULT_DIR/Notes/approval.key.bak"
	printf 'hex %s\n' "$hex" >"$VAULT_DIR/Notes/hex.md"
	printf 'b64 %s\n' "$(printf '%s' "$hex" | xxd -r -p | base64)" \
	    >"$VAULT_DIR/Notes/b64.md"
	git -C "$VAULT_DIR" add -f Notes
	run hook_commit
	assert_failure
	assert_output --partial "vault-sync: Notes/approval.key.bak: name on the deny-list (*.key[._~0-9]*)"
	assert_output --partial "vault-sync: Notes/hex.md: content looks like a secret (the approval key (hex))"
	assert_output --partial "vault-sync: Notes/b64.md: content looks like a secret (the approval key (base64))"
}

@test "pre-commit checks the staged content, not the working file" {
	mkvault
	echo "t github_pat_$(rep Zz9 10)" >"$VAULT_DIR/note.md"
	git -C "$VAULT_DIR" add note.md
	echo clean >"$VAULT_DIR/note.md"
	run hook_commit
	assert_failure
	assert_output --partial "note.md: content looks like a secret"
	git -C "$VAULT_DIR" add note.md
	run hook_commit
	assert_success
	# and the other way round: a secret only in the working file is not
	# what would be committed
	echo "t github_pat_$(rep Zz9 10)" >"$VAULT_DIR/note.md"
	echo "fine" >"$VAULT_DIR/other.md"
	git -C "$VAULT_DIR" add other.md
	run hook_commit
	assert_success
	# commit -a and commit PATH stage into a temporary index: that is
	# the one checked
	run git -C "$VAULT_DIR" -c user.name=O -c user.email=o@example.com \
	    commit -q -a -m all
	assert_failure
	assert_output --partial "note.md: content looks like a secret"
	run git -C "$VAULT_DIR" -c user.name=O -c user.email=o@example.com \
	    commit -q -m one note.md
	assert_failure
	assert_output --partial "note.md: content looks like a secret"
}

@test "pre-commit lets ordinary notes through, odd file names too" {
	mkvault
	ordinary_notes "$VAULT_DIR"
	printf 'a\n' >"$VAULT_DIR/Notes/new
line.md"
	printf 'b\n' >"$VAULT_DIR/-dash.md"
	git -C "$VAULT_DIR" add -- Notes -dash.md
	run hook_commit
	assert_success
	run git -C "$VAULT_DIR" ls-files
	assert_output --partial "Notes/keys.md"
	assert_output --partial "-dash.md"
}

@test "pre-commit without vault-sync on PATH refuses rather than pass unchecked" {
	mkvault
	echo "hello" >"$VAULT_DIR/ok.md"
	git -C "$VAULT_DIR" add ok.md
	PATH=/usr/bin:/bin run hook_commit
	assert_failure
	assert_output --partial "pre-commit: vault-sync not found on PATH"
}

@test "the pre-commit hook keeps no pattern list of its own" {
	run grep -E 'AKIA|ghp_|sk-ant|PRIVATE KEY|\*\.pem' "$TOP/share/deploy/pre-commit"
	assert_failure
}

# ---- the hook in a plain repository, as one copies it by hand ---------------

# repo: a git repository (not a vault) with the hook copied in.
repo() {
	R="$BATS_TEST_TMPDIR/repo"
	git init -q "$R"
	git -C "$R" config user.email owner@example.com
	git -C "$R" config user.name Owner
	cp "$TOP/share/deploy/pre-commit" "$R/.git/hooks/pre-commit"
	chmod 755 "$R/.git/hooks/pre-commit"
	echo "# Handbook" >"$R/Company_Handbook.md"
	git -C "$R" add Company_Handbook.md
	git -C "$R" commit -q -m first
}

commits() { git -C "$R" rev-list --count HEAD; }

@test "pre-commit in a plain repository lets a normal file through" {
	repo
	printf -- '---\nid: EMAIL_1\n---\nOur API keys look like sk-ant-... (never paste one here).\n' >"$R/note.md"
	git -C "$R" add note.md
	run git -C "$R" commit -q -m note
	assert_success
	[ "$(commits)" -eq 2 ]
}

@test "pre-commit refuses .env and the other names of the deny-list, as before" {
	repo
	local f names=".env .env.local x/credentials.json token.json a.pem b.key
	    id_rsa id_ed25519.pub keys.kdbx wa.session .secrets/t .state/local/k"
	for f in $names; do
		mkdir -p "$R/$(dirname "$f")"
		echo x >"$R/$f"
		git -C "$R" add -f -- "$f"
	done
	run git -C "$R" commit -q -m secrets
	assert_failure
	for f in $names; do
		assert_output --partial "vault-sync: $f: name on the deny-list"
	done
	[ "$(commits)" -eq 1 ]
	# .env alone, as the issue has it
	# shellcheck disable=SC2086
	git -C "$R" rm -q --cached -r -- $names
	git -C "$R" add -f .env
	run git -C "$R" commit -q -m env
	assert_failure
	[ "$(commits)" -eq 1 ]
}

@test "pre-commit refuses the content patterns it knew before, from the index" {
	repo
	local i=0 s
	for s in "ANTHROPIC_API_KEY=sk-ant-api03-$(rep x 20)" \
	    'aws AKIAIOSFODNN7EXAMPLE key' \
	    'token ghp_abcdefghijklmnopqrstuvwxyz0123' 'xoxb-1234567890-abcdef' \
	    'EAAGm0PX4ZCpsBAabcdefghijklmnopqrstuv' \
	    '-----BEGIN OPENSSH PRIVATE KEY-----' '-----BEGIN RSA PRIVATE KEY-----'; do
		i=$((i + 1))
		printf 'a note\n%s\n' "$s" >"$R/note$i.md"
		git -C "$R" add "note$i.md"
	done
	run git -C "$R" commit -q -m notes
	assert_failure
	for i in 1 2 3 4 5 6 7; do
		assert_output --partial "vault-sync: note$i.md: content looks like a secret"
	done
	assert_output --partial "(sk-ant-)"
	assert_output --partial "private key block"
	[ "$(commits)" -eq 1 ]
}
