#!/usr/bin/env bats
load helper
load mail
load sync

setup() { common_setup; mkvault; }

@test "claim by ID moves the item to In_Progress/<agent> and prints its path" {
	mkemail E1
	run --separate-stderr vault-claim E1
	assert_success
	assert_output "In_Progress/local/E1.md"
	[ -f "$VAULT_DIR/In_Progress/local/E1.md" ]
	[ ! -e "$VAULT_DIR/Needs_Action/email/E1.md" ]
	grep -qx 'claimed_by: local' "$VAULT_DIR/In_Progress/local/E1.md"
	grep -q '^claimed_at: 20' "$VAULT_DIR/In_Progress/local/E1.md"
	grep -q '"event":"claim","id":"E1"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "claim by vault path, absolute path and relative path from inside the vault" {
	mkemail E1; mkemail E2; mkemail E3
	run vault-claim Needs_Action/email/E1.md "$VAULT_DIR/Needs_Action/email/E2.md"
	assert_success
	cd "$VAULT_DIR/Needs_Action"
	run vault-claim email/E3.md
	assert_success
	assert_output "In_Progress/local/E3.md"
}

@test "claim reads IDs from stdin with -" {
	mkemail E1; mkemail E2
	run vault-claim - <<<$'E1\nNeeds_Action/email/E2.md\n'
	assert_success
	assert_line "In_Progress/local/E1.md"
	assert_line "In_Progress/local/E2.md"
}

@test "-a and VAULT_AGENT name the claiming agent" {
	mkemail E1; mkemail E2
	run vault-claim -a cloud E1
	assert_output "In_Progress/cloud/E1.md"
	VAULT_AGENT=bob run vault-claim E2
	assert_output "In_Progress/bob/E2.md"
}

@test "claiming an item already claimed exits 1 and says where it is" {
	mkemail E1
	vault-claim -a cloud E1 >/dev/null
	run vault-claim E1
	assert_failure 1
	assert_output --partial "already claimed by cloud"
}

@test "-n claims the N oldest by created time" {
	mkemail OLD email 2026-11-01T00:00:00Z
	mkemail MID email 2026-11-15T00:00:00Z
	mkemail NEW email 2026-11-29T00:00:00Z
	run vault-claim -n 2
	assert_success
	assert_equal "${lines[0]}" "In_Progress/local/OLD.md"
	assert_equal "${lines[1]}" "In_Progress/local/MID.md"
	[ -f "$VAULT_DIR/Needs_Action/email/NEW.md" ]
}

@test "-d limits -n to one domain; nothing there exits 1" {
	mkemail E1 email
	mkemail F1 finance
	run vault-claim -n 5 -d finance
	assert_success
	assert_output "In_Progress/local/F1.md"
	run vault-claim -n 1 -d finance
	assert_failure 1
	assert_output --partial "nothing to claim"
}

@test "--release puts a claim back in Needs_Action of its domain" {
	mkemail F1 finance
	vault-claim F1 >/dev/null
	run vault-claim --release F1
	assert_success
	assert_output "Needs_Action/finance/F1.md"
	run ! grep -q '^claimed_by:' "$VAULT_DIR/Needs_Action/finance/F1.md"
}

@test "--release of another agent's claim is refused with 1" {
	mkemail E1
	vault-claim -a cloud E1 >/dev/null
	run vault-claim --release E1
	assert_failure 1
	assert_output --partial "claimed by cloud"
	[ -f "$VAULT_DIR/In_Progress/cloud/E1.md" ]
}

@test "--reap AGE releases stale claims of any agent and keeps fresh ones" {
	mkemail OLD; mkemail NEW
	vault-claim -a cloud OLD NEW >/dev/null
	sed -i 's/^claimed_at: .*/claimed_at: 2020-01-01T00:00:00Z/' \
	    "$VAULT_DIR/In_Progress/cloud/OLD.md"
	run vault-claim --reap 30m
	assert_success
	assert_output "Needs_Action/email/OLD.md"
	[ -f "$VAULT_DIR/In_Progress/cloud/NEW.md" ]
	run vault-claim --reap 30m
	assert_failure 1
}

@test "--reap of an item caught mid-send marks it exec_status unknown" {
	mkemail E1
	vault-claim E1 >/dev/null
	sed -i 's/^claimed_at: .*/claimed_at: 2020-01-01T00:00:00Z/' \
	    "$VAULT_DIR/In_Progress/local/E1.md"
	sed -i '2i exec_status: sending' "$VAULT_DIR/In_Progress/local/E1.md"
	run vault-claim --reap 1m
	assert_success
	grep -qx 'exec_status: unknown' "$VAULT_DIR/Needs_Action/email/E1.md"
}

@test "--reap with a bad age is a usage error" {
	run vault-claim --reap soon
	assert_failure 2
}

@test "--list shows claims, -j as JSON lines" {
	mkemail E1
	vault-claim -a cloud E1 >/dev/null
	run vault-claim --list
	assert_success
	assert_output --regexp $'^E1\tcloud\t20.*\tIn_Progress/cloud/E1.md$'
	run vault-claim -j --list
	assert_success
	assert_json '.id == "E1" and .agent == "cloud"'
}

@test "bad IDs and paths outside the vault are refused with 65 and nothing moves" {
	mkemail E1
	before=$(tree_sum "$VAULT_DIR")
	for bad in ../../etc/passwd /etc/passwd '..' 'a..b' '-x' 'E1/../E1' \
	    "$BATS_TEST_TMPDIR/elsewhere/E1.md" '.hidden' 'bad id' 'x;rm'; do
		run vault-claim -- "$bad"
		assert_failure 65
	done
	[ "$(tree_sum "$VAULT_DIR")" = "$before" ]
}

@test "an ID of 121 characters is refused, one of 120 is accepted" {
	long=$(printf 'A%.0s' $(seq 121))
	run vault-claim "$long"
	assert_failure 65
	assert_output --partial "bad item ID"
	ok=$(printf 'B%.0s' $(seq 120))
	mkemail "$ok"
	run vault-claim "$ok"
	assert_success
}

@test "a symlink out of the vault is refused with 65 and left alone" {
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	echo '---' >"$BATS_TEST_TMPDIR/outside/SECRET.md"
	ln -s "$BATS_TEST_TMPDIR/outside/SECRET.md" "$VAULT_DIR/Needs_Action/email/SECRET.md"
	run vault-claim SECRET
	assert_failure 65
	assert_output --partial "SECRET"
	[ -L "$VAULT_DIR/Needs_Action/email/SECRET.md" ]
	ln -s "$BATS_TEST_TMPDIR/outside" "$VAULT_DIR/Needs_Action/evil"
	run vault-claim Needs_Action/evil/SECRET.md
	assert_failure 65
	[ -f "$BATS_TEST_TMPDIR/outside/SECRET.md" ]
}

@test "a NUL byte in a stdin line is refused with 65" {
	mkemail E1
	run vault-claim - < <(printf 'E1\0x\n')
	assert_failure 65
	assert_output --partial "NUL"
	[ -f "$VAULT_DIR/Needs_Action/email/E1.md" ]
}

@test "a missing vault, and a directory that is not one, exit 78" {
	run vault-claim -C "$BATS_TEST_TMPDIR/nope" -n 1
	assert_failure 78
	assert_output --partial "not a vault"
	mkdir "$BATS_TEST_TMPDIR/plain"
	run vault-claim -C "$BATS_TEST_TMPDIR/plain" -n 1
	assert_failure 78
	assert_output --partial "Needs_Action"
	unset VAULT_DIR
	run vault-claim -n 1
	assert_failure 78
	assert_output --partial "VAULT_DIR"
}

@test "broken front matter is still claimed by move, and the file is kept as it was" {
	mkdir -p "$VAULT_DIR/Needs_Action/email"
	printf -- '---\ntype: email\nno closing fence\n' >"$VAULT_DIR/Needs_Action/email/BROKEN.md"
	cp "$VAULT_DIR/Needs_Action/email/BROKEN.md" "$BATS_TEST_TMPDIR/orig"
	run vault-claim BROKEN
	assert_success
	assert_output --partial "no closing ---"
	cmp "$BATS_TEST_TMPDIR/orig" "$VAULT_DIR/In_Progress/local/BROKEN.md"
}

@test "an unreadable item is refused by -n's sort but nothing is lost" {
	mkemail E1
	chmod 000 "$VAULT_DIR/Needs_Action/email/E1.md"
	run nodac vault-claim E1
	# the move itself needs no read: the claim stands, the annotation fails
	assert_success
	assert_output --partial "E1"
	[ -e "$VAULT_DIR/In_Progress/local/E1.md" ]
}

@test "a read-only vault fails with a clear message and changes nothing" {
	mkemail E1
	before=$(tree_sum "$VAULT_DIR")
	chmod -R a-w "$VAULT_DIR"
	run nodac vault-claim E1
	chmod -R u+w "$VAULT_DIR"
	assert_failure
	assert_output --partial "E1"
	[ "$(tree_sum "$VAULT_DIR")" = "$before" ]
}

@test "round trip: YAML lists, comments, CRLF and non-UTF-8 bytes survive a claim" {
	f="$VAULT_DIR/Needs_Action/email/RT.md"
	printf -- '---\r\ntype: email\r\n# a comment: keep me\r\ntags:\r\n  - one\r\n  - two\r\naliases: [a, b]\r\nsubject: "quoted: value"\r\n---\r\nbody line\r\nlatin1: \xe9\xe8\xff\r\n\r\nend without newline' >"$f"
	cp "$f" "$BATS_TEST_TMPDIR/orig"
	run vault-claim RT
	assert_success
	sed '/^claimed_by: /d; /^claimed_at: /d; /^status: /d; /^domain: /d' \
	    "$VAULT_DIR/In_Progress/local/RT.md" >"$BATS_TEST_TMPDIR/after"
	cmp "$BATS_TEST_TMPDIR/orig" "$BATS_TEST_TMPDIR/after"
	grep -aq $'^claimed_by: local\r$' "$VAULT_DIR/In_Progress/local/RT.md"
	grep -aq $'^domain: email\r$' "$VAULT_DIR/In_Progress/local/RT.md"
}

@test "race: 20 processes claim one item, exactly one wins and 19 exit 1" {
	mkemail RACE
	for i in $(seq 20); do
		(rc=0; vault-claim -a "agent$i" RACE >"$BATS_TEST_TMPDIR/out.$i" 2>&1 || rc=$?
		 echo $rc >"$BATS_TEST_TMPDIR/rc.$i") &
	done
	wait
	[ "$(cat "$BATS_TEST_TMPDIR"/rc.* | grep -cx 0)" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/rc.* | grep -cx 1)" -eq 19 ]
	[ "$(find "$VAULT_DIR" -name RACE.md | wc -l)" -eq 1 ]
	grep -l "lost the race\|already claimed" "$BATS_TEST_TMPDIR"/out.* | wc -l | grep -qx 19
}

@test "race: 8 claimers with -n over 500 items claim each exactly once" {
	mkdir -p "$VAULT_DIR/Needs_Action/email"
	for i in $(seq -w 500); do
		printf -- '---\ntype: email\ncreated: 2026-11-30T10:00:00Z\n---\nx\n' \
		    >"$VAULT_DIR/Needs_Action/email/M$i.md"
	done
	for a in $(seq 8); do
		{ vault-claim -q -a "c$a" -n 100 >"$BATS_TEST_TMPDIR/got.$a" || true; } &
	done
	wait
	[ "$(cat "$BATS_TEST_TMPDIR"/got.* | wc -l)" -eq 500 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/got.* | sed 's|.*/||' | sort -u | wc -l)" -eq 500 ]
	[ "$(find "$VAULT_DIR/In_Progress" -name 'M*.md' | wc -l)" -eq 500 ]
	[ "$(find "$VAULT_DIR/Needs_Action" -name 'M*.md' | wc -l)" -eq 0 ]
}

@test "usage errors exit 2" {
	run vault-claim -n 0
	assert_failure 2
	run vault-claim -n 2 E1
	assert_failure 2
	run vault-claim --release
	assert_failure 2
	run vault-claim --list E1
	assert_failure 2
	run vault-claim -d 'Bad Domain' -n 1
	assert_failure 2
}

@test "an item without a domain key is released to the domain it was filed under" {
	mkdir -p "$VAULT_DIR/Needs_Action/social"
	printf -- '---\ntype: post\n---\nhello\n' >"$VAULT_DIR/Needs_Action/social/P1.md"
	vault-claim P1 >/dev/null
	run vault-claim --release P1
	assert_success
	assert_output "Needs_Action/social/P1.md"
}

@test "--reap keeps an email whose draft waits for approval, and -a limits it to one agent" {
	mkemail E1; mkemail E2
	vault-claim -q -a cloud E1 >/dev/null
	vault-claim -q -a bob E2 >/dev/null
	sed -i 's/^claimed_at: .*/claimed_at: 2020-01-01T00:00:00Z/' \
	    "$VAULT_DIR/In_Progress/cloud/E1.md" "$VAULT_DIR/In_Progress/bob/E2.md"
	mkdraft DRAFT_E1 E1
	run vault-claim -a cloud --reap 1m
	assert_failure 1
	[ -f "$VAULT_DIR/In_Progress/cloud/E1.md" ]
	[ -f "$VAULT_DIR/In_Progress/bob/E2.md" ]
	run vault-claim --reap 1m
	assert_success
	assert_output "Needs_Action/email/E2.md"
}

@test "--type limits -n to items of that type; other types stay put" {
	mkemail E1 email 2026-11-30T10:00:00Z
	mkdraft DRAFT_X X
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_X.md" "$VAULT_DIR/Needs_Action/email/"
	sed -i 's/^created: .*/created: 2026-11-01T00:00:00Z/' "$VAULT_DIR/Needs_Action/email/DRAFT_X.md"
	run --separate-stderr vault-claim -n 5 -d email --type email
	assert_success
	assert_output "In_Progress/local/E1.md"
	[ -f "$VAULT_DIR/Needs_Action/email/DRAFT_X.md" ]
	run --separate-stderr vault-claim -n 5 --type email
	assert_failure 1
	[[ $stderr == *"nothing to claim in Needs_Action of type email"* ]]
	run vault-claim --type 'Bad Type' -n 1
	assert_failure 2
	run vault-claim --type email E1
	assert_failure 2
	run vault-claim --type email --list
	assert_failure 2
}

@test "-n skips an item whose draft waits for approval or execution" {
	mkemail E1 email 2026-11-01T00:00:00Z
	mkemail E2 email 2026-11-02T00:00:00Z
	mkemail E3 email 2026-11-03T00:00:00Z
	mkdraft DRAFT_E1 E1
	mkdraft DRAFT_E2 E2
	mkdir -p "$VAULT_DIR/Approved/email" "$VAULT_DIR/Rejected/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E2.md" "$VAULT_DIR/Approved/email/"
	# a draft sent back (Rejected, kept by the time of the decision) is no
	# longer waiting: its source is work to do again
	mkdraft DRAFT_E3.20261130T102000Z E3
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E3.20261130T102000Z.md" "$VAULT_DIR/Rejected/email/"
	run --separate-stderr vault-claim -n 5 -d email --type email
	assert_success
	assert_output "In_Progress/local/E3.md"
	[ -f "$VAULT_DIR/Needs_Action/email/E1.md" ]
	[ -f "$VAULT_DIR/Needs_Action/email/E2.md" ]
	# named explicitly, it is still claimed (the pipeline's own choice)
	run vault-claim E1
	assert_success
}

# One rule for an item without a usable domain: key (see vault(5)): it
# belongs to the folder it came from, whichever tool moves it back.

@test "an item with an empty domain: is released and reaped to the folder it came from" {
	mkdir -p "$VAULT_DIR/Needs_Action/social"
	printf -- '---\ntype: post\ndomain:\n---\nhello\n' >"$VAULT_DIR/Needs_Action/social/P1.md"
	printf -- '---\ntype: post\ndomain: ""\n---\nhello\n' >"$VAULT_DIR/Needs_Action/social/P2.md"
	vault-claim P1 P2 >/dev/null
	grep -qx 'domain: social' "$VAULT_DIR/In_Progress/local/P1.md"
	run vault-claim --release P1
	assert_success
	assert_output "Needs_Action/social/P1.md"
	sed -i 's/^claimed_at: .*/claimed_at: 2020-01-01T00:00:00Z/' \
	    "$VAULT_DIR/In_Progress/local/P2.md"
	run vault-claim --reap 1m
	assert_success
	assert_output "Needs_Action/social/P2.md"
	[ -z "$(ls -A "$VAULT_DIR/In_Progress/local")" ]
}

@test "draft-email gives back an email with an empty domain: to the folder it came from" {
	export AIE_PRICES_FILE="$TOP/share/prices.tsv"
	unset USAGE_BUDGET_WEEKLY USAGE_MAX_CALLS_DAY
	mkemail S1 social
	sed -i 's/^domain: .*/domain:/' "$VAULT_DIR/Needs_Action/social/S1.md"
	vault-claim -q -a cloud S1 >/dev/null
	usage-log add -q -m claude-sonnet-4-5 --cost 60
	run --separate-stderr draft-email -a cloud S1
	assert_failure 75
	[[ $stderr == *"weekly budget"* ]]
	f="$VAULT_DIR/Needs_Action/social/S1.md"
	[ -f "$f" ]
	[ ! -e "$VAULT_DIR/Needs_Action/email/S1.md" ]
	grep -qx 'status: new' "$f"
	run ! grep -q '^claimed_' "$f"
	run jq -r 'select(.event == "release" and .id == "S1") | .to' "$VAULT_DIR"/Logs/*.jsonl
	assert_output "Needs_Action/social/S1.md"
}

@test "a failed send of a draft without domain: goes back to the folder it was approved in" {
	mkemail E1
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
	sed -i '/^domain: /d' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	approve DRAFT_E1 >/dev/null
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
	port=$(free_port)
	SMTP_URL="smtp://127.0.0.1:$port" SMTP_STARTTLS=no \
	    SMTP_FROM=owner@example.com run --separate-stderr vault-exec
	assert_failure 69
	f="$VAULT_DIR/Approved/email/DRAFT_E1.md"
	[ -f "$f" ]
	[ ! -e "$VAULT_DIR/Approved/general/DRAFT_E1.md" ]
	grep -qx 'exec_status: failed' "$f"
	# the source, still claimed, is untouched
	[ -f "$VAULT_DIR/In_Progress/cloud/E1.md" ]
}

teardown() {
	if [ -n "${SILENT_PID:-}" ]; then kill "$SILENT_PID" 2>/dev/null || true; fi
}

@test "a draft without domain: caught mid-send goes back to the folder it was approved in" {
	mkemail E1
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
	sed -i '/^domain: /d' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	approve DRAFT_E1 >/dev/null
	# a server that accepts the connection and never answers
	port=$(free_port)
	/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); time.sleep(120)' "$port" &
	SILENT_PID=$!
	wait_port "$port"
	SMTP_URL="smtp://127.0.0.1:$port" SMTP_STARTTLS=no SMTP_FROM=owner@example.com \
	    vault-exec >/dev/null 2>&1 &
	pid=$!
	f="$VAULT_DIR/In_Progress/local/DRAFT_E1.md"
	wait_for grep -qx 'exec_status: sending' "$f"
	kill -9 "$pid"
	wait "$pid" || true
	# the take wrote down where it came from
	grep -qx 'domain: email' "$f"
	run --separate-stderr vault-exec
	f="$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	[ -f "$f" ]
	grep -qx 'exec_status: unknown' "$f"
	[ ! -e "$VAULT_DIR/Needs_Action/general/DRAFT_E1.md" ]
}

@test "a lost claim on an item without domain:, changed only by the claim, vanishes in the merge" {
	sync_setup
	two_agents
	mkdir -p "$VAULT_DIR/Needs_Action/social"
	printf -- '---\ntype: post\nid: P9\n---\nhello\n' >"$VAULT_DIR/Needs_Action/social/P9.md"
	lsync >/dev/null
	csync >/dev/null
	claim "$CLOUD" cloud P9
	echo "cloud notes" >>"$CLOUD/In_Progress/cloud/P9.md"
	claim "$VAULT_DIR" local P9
	grep -qx 'domain: social' "$VAULT_DIR/In_Progress/local/P9.md"
	csync >/dev/null
	run lsync
	assert_success
	assert_output --partial "P9: the other agent got there first"
	run find "$VAULT_DIR" -name 'P9*' -not -path '*/.git/*'
	assert_output "$VAULT_DIR/In_Progress/cloud/P9.md"
	run jq -r 'select(.event == "claim_lost" and .id == "P9") | .note' "$VAULT_DIR/$(today_log)"
	assert_output --partial "differed only in claim keys"
}
