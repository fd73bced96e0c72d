#!/usr/bin/env bats
# vault-sync: real repositories, a bare remote in $BATS_TEST_TMPDIR, the
# local agent's vault ($VAULT_DIR) and the cloud's clone ($CLOUD).
load helper
load sync

setup() { common_setup; mkvault; sync_setup; }

@test "single-agent mode: no remote, a commit-only cycle that says so" {
	mkemail EMAIL_1
	run lsync
	assert_success
	assert_output --partial "no remote configured"
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: new EMAIL_1"
	run git -C "$VAULT_DIR" status --porcelain
	assert_output ""
	run cat "$VAULT_DIR/.state/local/last_sync"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
	run vault-status -j
	assert_output --partial '"last_sync":{"at":"'
}

@test "vault-init --clone gives the second agent the vault and its own .state" {
	two_agents
	[ -d "$CLOUD/.state" ]
	[ -f "$CLOUD/Company_Handbook.md" ]
	[ -d "$CLOUD/Needs_Action/email" ]
	run git -C "$CLOUD" status --porcelain
	assert_output ""
	run git -C "$REMOTE" log --format=%s
	assert_output "vault-init: new vault"
}

@test "a file:// remote works like a path" {
	vault-init -q --remote "file://$REMOTE" "$VAULT_DIR" >/dev/null
	vault-init -q -a cloud --no-key --clone "file://$REMOTE" "$CLOUD" >/dev/null
	VAULT_DIR=$CLOUD mkemail EMAIL_FILE
	run csync
	assert_success
	run lsync
	assert_success
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_FILE.md" ]
}

@test "demo: cloud claims and files a draft, local syncs and sees it" {
	two_agents
	VAULT_DIR=$CLOUD mkemail EMAIL_20261201T080000Z_aaaaaa
	run csync
	assert_success
	claim "$CLOUD" cloud EMAIL_20261201T080000Z_aaaaaa
	VAULT_DIR=$CLOUD mkdraft DRAFT_EMAIL_20261201T080000Z_aaaaaa \
	    EMAIL_20261201T080000Z_aaaaaa
	run csync
	assert_success
	run git -C "$REMOTE" log -1 --format=%s
	assert_output "cloud: claim EMAIL_20261201T080000Z_aaaaaa; file DRAFT_EMAIL_20261201T080000Z_aaaaaa; log"
	run lsync
	assert_success
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_20261201T080000Z_aaaaaa.md" ]
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_20261201T080000Z_aaaaaa.md" ]
	[ -s "$VAULT_DIR/.state/local/last_sync" ]
	run same_trees
	assert_success
}

@test "Dashboard.md: cloud never commits it and local's version wins" {
	two_agents
	echo "cloud scribble" >>"$CLOUD/Dashboard.md"
	run csync
	assert_success
	run git -C "$REMOTE" show HEAD:Dashboard.md
	refute_output --partial "cloud scribble"
	echo "local update" >>"$VAULT_DIR/Dashboard.md"
	run lsync
	assert_success
	run csync
	assert_success
	run cat "$CLOUD/Dashboard.md"
	assert_output --partial "local update"
	refute_output --partial "cloud scribble"
	run same_trees
	assert_success
}

@test "Dashboard.md changed on both sides: local's side wins the merge" {
	two_agents
	# a cloud that committed Dashboard.md anyway (by hand, with git)
	echo "cloud one" >>"$CLOUD/Dashboard.md"
	git -C "$CLOUD" -c user.name=t -c user.email=t@t commit -qam "by hand"
	git -C "$CLOUD" push -q origin HEAD
	echo "local two" >>"$VAULT_DIR/Dashboard.md"
	run lsync
	assert_success
	run cat "$VAULT_DIR/Dashboard.md"
	assert_output --partial "local two"
	refute_output --partial "cloud one"
	run git -C "$REMOTE" show HEAD:Dashboard.md
	assert_output --partial "local two"
	run find "$VAULT_DIR" -name 'Dashboard.conflict*'
	assert_output ""
}

@test "Logs/**: lines appended on both sides are all kept (union)" {
	two_agents
	mkdir -p "$VAULT_DIR/Logs/API_Usage" "$CLOUD/Logs/API_Usage"
	echo "| base |" >"$VAULT_DIR/Logs/API_Usage/2026-12-01.md"
	lsync
	csync
	echo "| cloud row |" >>"$CLOUD/Logs/API_Usage/2026-12-01.md"
	echo "| local row |" >>"$VAULT_DIR/Logs/API_Usage/2026-12-01.md"
	run csync
	assert_success
	run lsync
	assert_success
	run csync
	assert_success
	for v in "$VAULT_DIR" "$CLOUD"; do
		run cat "$v/Logs/API_Usage/2026-12-01.md"
		assert_line "| base |"
		assert_line "| cloud row |"
		assert_line "| local row |"
		refute_output --partial "<<<<"
	done
	run find "$VAULT_DIR/Logs" -name '*conflict*'
	assert_output ""
}

@test "Logs/**: the union holds without .gitattributes too" {
	two_agents
	rm "$VAULT_DIR/.gitattributes"
	lsync
	csync
	[ ! -e "$CLOUD/.gitattributes" ]
	echo "base" >"$VAULT_DIR/Logs/x.jsonl"
	lsync
	csync
	echo "from cloud" >>"$CLOUD/Logs/x.jsonl"
	echo "from local" >>"$VAULT_DIR/Logs/x.jsonl"
	csync
	run lsync
	assert_success
	run cat "$VAULT_DIR/Logs/x.jsonl"
	assert_output "base
from local
from cloud"
}

race() { # race FIRST SECOND: both claim EMAIL_R apart; FIRST syncs first
	two_agents
	mkemail EMAIL_R
	lsync
	csync
	claim "$VAULT_DIR" local EMAIL_R
	claim "$CLOUD" cloud EMAIL_R
	run "$1"
	assert_success
	run "$2"
}

@test "claim race, cloud syncs first: cloud's claim wins, local's copy vanishes" {
	race csync lsync
	assert_success
	assert_output --partial "EMAIL_R: the other agent got there first"
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_R.md" ]
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_R.md" ]
	run find "$VAULT_DIR" -name 'EMAIL_R*' -not -path '*/.git/*'
	assert_output "$VAULT_DIR/In_Progress/cloud/EMAIL_R.md"
	run grep -c '"event":"claim_lost","id":"EMAIL_R"' "$VAULT_DIR/$(today_log)"
	assert_output 1
	csync
	run same_trees
	assert_success
}

@test "claim race, local syncs first: local's claim wins, cloud's copy vanishes" {
	race lsync csync
	assert_success
	assert_output --partial "EMAIL_R: the other agent got there first"
	[ -f "$CLOUD/In_Progress/local/EMAIL_R.md" ]
	[ ! -e "$CLOUD/In_Progress/cloud/EMAIL_R.md" ]
	run grep -c '"claim_lost"' "$CLOUD/$(today_log)"
	assert_output 1
	lsync
	run same_trees
	assert_success
	run grep -c "claimed_by: local" "$CLOUD/In_Progress/local/EMAIL_R.md"
	assert_output 1
}

@test "claim race where the loser also changed the item: its copy is kept beside the winner" {
	two_agents
	mkemail EMAIL_R
	lsync
	csync
	claim "$VAULT_DIR" local EMAIL_R
	claim "$CLOUD" cloud EMAIL_R
	echo "local notes on the order" >>"$VAULT_DIR/In_Progress/local/EMAIL_R.md"
	csync
	run lsync
	assert_success
	assert_output --partial "kept as In_Progress/cloud/EMAIL_R.conflict-local-"
	run find "$VAULT_DIR/In_Progress/cloud" -name 'EMAIL_R.conflict-local-*.md'
	assert_success
	[ -n "$output" ]
	run cat "$output"
	assert_output --partial "local notes on the order"
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_R.md" ]
}

@test "a file changed on both sides: remote's at the path, ours as a conflict copy, audited" {
	two_agents
	echo "cloud's rule" >>"$CLOUD/Company_Handbook.md"
	echo "local's rule" >>"$VAULT_DIR/Company_Handbook.md"
	csync
	run lsync
	assert_success
	assert_output --partial "Company_Handbook.md: changed on both sides"
	run cat "$VAULT_DIR/Company_Handbook.md"
	assert_output --partial "cloud's rule"
	refute_output --partial "local's rule"
	run cat "$VAULT_DIR"/Company_Handbook.conflict-local-*.md
	assert_output --partial "local's rule"
	run grep -c '"event":"sync_conflict"' "$VAULT_DIR/$(today_log)"
	assert_output 1
	csync
	run same_trees
	assert_success
}

@test "a conflict copy changed on both sides: its copy is named from the original, never .conflict-…conflict-…" {
	two_agents
	mkdir -p "$VAULT_DIR/Notes"
	echo "note" >"$VAULT_DIR/Notes/a.md"
	lsync
	csync
	for round in 1 2 3; do
		for f in "$CLOUD"/Notes/a*.md; do echo "cloud $round" >>"$f"; done
		for f in "$VAULT_DIR"/Notes/a*.md; do echo "local $round" >>"$f"; done
		csync
		run lsync
		assert_success
		csync
	done
	run find "$VAULT_DIR/Notes" -name '*.conflict-*.conflict-*'
	assert_output ""
	run find "$VAULT_DIR/Notes" -name 'a.conflict-local-*.md'
	assert [ "${#lines[@]}" -ge 3 ]
	run same_trees
	assert_success
}

@test "a conflict copy that conflicts again within the second it was named in: both sides kept, neither written over the other" {
	two_agents
	mkdir -p "$VAULT_DIR/Notes"
	# copies named for this second and the next few: the merge below,
	# within them, names a copy of one of them for its own second
	t=$(date -u +%s)
	for k in 0 1 2 3 4; do
		echo "note $k" >"$VAULT_DIR/Notes/b.conflict-local-$(date -u -d "@$((t + k))" +%Y%m%dT%H%M%SZ).md"
	done
	lsync
	csync
	for f in "$CLOUD"/Notes/b.conflict-*.md; do echo "cloud line" >>"$f"; done
	for f in "$VAULT_DIR"/Notes/b.conflict-*.md; do echo "local line" >>"$f"; done
	csync
	run lsync
	assert_success
	[ "$(date -u +%s)" -le $((t + 4)) ] || skip "the merge came after the names' seconds"
	# five files changed on both sides: each side's line in five files
	[ "$(grep -rlx "cloud line" "$VAULT_DIR/Notes" | wc -l)" -eq 5 ]
	[ "$(grep -rlx "local line" "$VAULT_DIR/Notes" | wc -l)" -eq 5 ]
	csync
	run same_trees
	assert_success
}

@test "a conflict copy of a note with a name near the file system's limit stays within it" {
	two_agents
	mkdir -p "$VAULT_DIR/Notes"
	long=$(printf 'é%.0s' $(seq 1 124))   # 248 bytes, 124 characters
	echo "note" >"$VAULT_DIR/Notes/$long.md"
	lsync
	csync
	echo "cloud" >>"$CLOUD/Notes/$long.md"
	echo "local" >>"$VAULT_DIR/Notes/$long.md"
	csync
	run lsync
	assert_success
	run find "$VAULT_DIR/Notes" -name '*.conflict-local-*.md'
	assert [ "${#lines[@]}" -eq 1 ]
	name=${lines[0]##*/}
	[ "$(printf '%s' "$name" | wc -c)" -le 255 ]
	printf '%s' "$name" | iconv -f UTF-8 -t UTF-8 >/dev/null
	csync
	run same_trees
	assert_success
}

@test "delete vs modify keeps the modified file, whichever side deleted" {
	two_agents
	mkemail EMAIL_A
	mkemail EMAIL_B
	lsync
	csync
	rm "$VAULT_DIR/Needs_Action/email/EMAIL_A.md"
	echo "cloud edit" >>"$CLOUD/Needs_Action/email/EMAIL_A.md"
	rm "$CLOUD/Needs_Action/email/EMAIL_B.md"
	echo "local edit" >>"$VAULT_DIR/Needs_Action/email/EMAIL_B.md"
	csync
	run lsync
	assert_success
	csync
	run cat "$VAULT_DIR/Needs_Action/email/EMAIL_A.md"
	assert_output --partial "cloud edit"
	run cat "$CLOUD/Needs_Action/email/EMAIL_B.md"
	assert_output --partial "local edit"
	run same_trees
	assert_success
}

@test "sides that changed different files: the merge is git's, folders emptied on one side go" {
	two_agents
	mkdir -p "$VAULT_DIR/Notes/old" "$VAULT_DIR/Notes/keep"
	for i in 1 2 3; do
		echo "old $i" >"$VAULT_DIR/Notes/old/o$i.md"
		echo "keep $i" >"$VAULT_DIR/Notes/keep/k$i.md"
	done
	lsync
	csync
	# cloud: a new nested folder, an edit, a folder emptied
	mkdir -p "$CLOUD/Notes/new/deep"
	echo "cloud new" >"$CLOUD/Notes/new/deep/n.md"
	echo "cloud edit" >>"$CLOUD/Notes/keep/k1.md"
	rm -r "$CLOUD/Notes/old"
	# local: other files of the same folders
	echo "local edit" >>"$VAULT_DIR/Notes/keep/k2.md"
	rm "$VAULT_DIR/Notes/keep/k3.md"
	echo "local new" >"$VAULT_DIR/Notes/l.md"
	csync
	run --separate-stderr lsync -j
	assert_success
	assert_json '.merged == true and .conflicts == 0'
	run git -C "$VAULT_DIR" merge-tree --write-tree --no-messages HEAD^1 HEAD^2
	assert_success
	assert_output "$(git -C "$VAULT_DIR" rev-parse 'HEAD^{tree}')"
	run git -C "$VAULT_DIR" ls-tree -r --name-only HEAD Notes
	assert_output "Notes/keep/k1.md
Notes/keep/k2.md
Notes/l.md
Notes/new/deep/n.md"
	run git -C "$VAULT_DIR" status --porcelain
	assert_output ""
	csync
	run same_trees
	assert_success
}

@test "an item we added at one path while the remote added it at another: settled as a claim race" {
	two_agents
	# the same ID new on both sides, in different folders: the
	# remote's stays, ours (a copy of it) vanishes
	mkemail EMAIL_D
	mkdir -p "$CLOUD/Needs_Action/email"
	cp "$VAULT_DIR/Needs_Action/email/EMAIL_D.md" "$CLOUD/Needs_Action/email/"
	mkdir -p "$VAULT_DIR/In_Progress/local"
	mv "$VAULT_DIR/Needs_Action/email/EMAIL_D.md" "$VAULT_DIR/In_Progress/local/"
	echo "unrelated" >"$VAULT_DIR/Notes.md"
	csync
	run lsync
	assert_success
	assert_output --partial "EMAIL_D: the other agent got there first"
	run find "$VAULT_DIR" -name 'EMAIL_D*' -not -path '*/.git/*'
	assert_output "$VAULT_DIR/Needs_Action/email/EMAIL_D.md"
	[ -f "$VAULT_DIR/Notes.md" ]
}

@test "secret guard: deny-listed names and secret-looking content never reach the remote" {
	two_agents
	rm "$VAULT_DIR/.gitignore"       # enforced even without it
	echo "TOKEN=x" >"$VAULT_DIR/.env"
	echo "s" >"$VAULT_DIR/wa.session"
	printf 'my key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA\n' >"$VAULT_DIR/Plans/note.md"
	printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n' \
	    >"$VAULT_DIR/Updates/key.md"
	mkemail EMAIL_OK
	run lsync
	assert_success
	assert_output --partial ".env: not committed"
	assert_output --partial "wa.session: not committed"
	assert_output --partial "Plans/note.md: not committed: content looks like a secret (Anthropic"
	assert_output --partial "Updates/key.md: not committed: content looks like a secret (private key"
	remote_has Needs_Action/email/EMAIL_OK.md
	run ! remote_has .env
	run ! remote_has wa.session
	run ! remote_has Plans/note.md
	run ! remote_has Updates/key.md
	run git -C "$REMOTE" grep -c "sk-ant-api03" HEAD
	assert_failure
	run grep -c '"event":"sync_refused"' "$VAULT_DIR/$(today_log)"
	assert_output 4
	# told once, not every cycle
	run lsync
	assert_success
	refute_output --partial "not committed"
	run grep -c '"event":"sync_refused"' "$VAULT_DIR/$(today_log)"
	assert_output 4
	# the audit lines themselves went with the commit
	run git -C "$REMOTE" show "HEAD:$(today_log)"
	assert_output --partial "sync_refused"
	[ -f "$VAULT_DIR/.env" ]
}

@test "secret guard: every content pattern is refused, ordinary text is not" {
	mkdir -p "$VAULT_DIR/Plans/general"
	cd "$VAULT_DIR/Plans/general"
	echo "aws AKIAIOSFODNN7EXAMPLE here" >aws.md
	echo "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789" >gh.md
	echo "slack xoxb-1234567890-abcdefghij" >slack.md
	echo "meta EAAGm0PX4ZCpsBAKZCZAabcdefghijklmnopqrstuvwxyz" >meta.md
	printf -- '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n' >rsa.md
	echo "keys look like sk-ant-... and AKIA..., see the docs" >prose.md
	run lsync --dry-run
	assert_success
	for f in aws gh slack meta rsa; do
		assert_line "refuse	Plans/general/$f.md"
	done
	assert_line "add	Plans/general/prose.md"
	refute_line "refuse	Plans/general/prose.md"
}

@test "remote unreachable: exit 75, the local commit is kept and pushed later" {
	mkemail EMAIL_1
	git -C "$VAULT_DIR" remote add origin "$BATS_TEST_TMPDIR/nowhere.git"
	VAULT_SYNC_BACKOFF=0.1,0.1 run lsync -j
	assert_failure 75
	assert_output --partial '"attempts":3'
	assert_output --partial "local commits kept"
	assert_output --partial "nowhere.git: the path does not exist"
	refute_output --partial "unsupported URL protocol"
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: new EMAIL_1"
	git init -q --bare "$BATS_TEST_TMPDIR/nowhere.git"
	run lsync
	assert_success
	run git -C "$BATS_TEST_TMPDIR/nowhere.git" log -1 --format=%s
	assert_output "local: new EMAIL_1"
}

@test "--dry-run prints what it would commit and commits nothing" {
	two_agents
	head=$(git -C "$VAULT_DIR" rev-parse HEAD)
	mkemail EMAIL_D
	echo "k=v" >"$VAULT_DIR/Plans/x.pem"
	run lsync --dry-run
	assert_success
	assert_line --partial "add	Needs_Action/email/EMAIL_D.md"
	assert_line "commit	local: new EMAIL_D"
	[ "$(git -C "$VAULT_DIR" rev-parse HEAD)" = "$head" ]
	run git -C "$VAULT_DIR" status --porcelain
	assert_output "?? Needs_Action/email/EMAIL_D.md"
	[ ! -e "$VAULT_DIR/.state/local/last_sync" ]
}

@test "--json prints one summary object per cycle" {
	two_agents
	mkemail EMAIL_J
	run --separate-stderr lsync -j
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_json '.ok == true and .pushed == true and .remote == true'
	assert_json '.message == "local: new EMAIL_J"'
	assert_json '.commit == .head and (.commit | strings | length) == 40'
	assert_json '.ts | strings | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")'
}

@test "VAULT_SYNC_BACKOFF: none never retries; empty is the default, like any variable" {
	mkemail EMAIL_B
	git -C "$VAULT_DIR" remote add origin "$BATS_TEST_TMPDIR/nowhere.git"
	VAULT_SYNC_BACKOFF=none run lsync -j
	assert_failure 75
	assert_output --partial '"attempts":1'
	VAULT_SYNC_BACKOFF='' vault-sync -C "$VAULT_DIR" -a local -j \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 1.5
	# still waiting for the first 10 s retry of the default 10,30,90
	kill -0 "$pid"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 75 ]
	grep -q '"attempts":1' "$BATS_TEST_TMPDIR/out"
}

@test "--interval: SIGTERM ends the loop with exit 0" {
	two_agents
	vault-sync -C "$VAULT_DIR" -a local --interval 0.2 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	mkemail EMAIL_I
	wait_for remote_has Needs_Action/email/EMAIL_I.md
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "--interval: a .state/ removed by hand under the daemon is made again, the cycles go on" {
	two_agents
	vault-sync -C "$VAULT_DIR" -a local --interval 0.2 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	rm -rf "$VAULT_DIR/.state"
	mkemail EMAIL_S
	wait_for remote_has Needs_Action/email/EMAIL_S.md
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "transfer progress on a terminal is the tool's own line, and none with -q" {
	command -v script >/dev/null || skip "script(1) is not installed"
	two_agents
	mkemail EMAIL_P
	script -qec "vault-sync -C '$VAULT_DIR' -a local" /dev/null >"$BATS_TEST_TMPDIR/tty"
	grep -q 'vault-sync: pushing [0-9]*/[0-9]*' "$BATS_TEST_TMPDIR/tty"
	# the summary: what went and how long (a path remote's size is not known)
	grep -Eq 'vault-sync: pushed ([0-9]+)/\1 objects in [0-9]+\.[0-9] s' "$BATS_TEST_TMPDIR/tty"
	mkemail EMAIL_Q
	script -qec "vault-sync -q -C '$VAULT_DIR' -a local" /dev/null >"$BATS_TEST_TMPDIR/tty"
	run ! grep -q 'pushing' "$BATS_TEST_TMPDIR/tty"
	remote_has Needs_Action/email/EMAIL_Q.md
}

@test "transfer progress is redrawn at most about ten times a second, whatever the object count" {
	command -v script >/dev/null || skip "script(1) is not installed"
	two_agents
	mkdir -p "$VAULT_DIR/Notes/many"
	for i in $(seq 3000); do echo "note $i $RANDOM$RANDOM" >"$VAULT_DIR/Notes/many/n$i.md"; done
	script -qec "vault-sync -C '$VAULT_DIR' -a local" /dev/null >"$BATS_TEST_TMPDIR/tty"
	remote_has Notes/many/n3000.md
	line=$(grep -Eo 'pushed [0-9]+/[0-9]+ objects(, [0-9.]+ (B|KiB|MiB))? in [0-9.]+ s' "$BATS_TEST_TMPDIR/tty")
	objects=$(echo "$line" | sed -E 's/pushed ([0-9]+).*/\1/')
	secs=$(echo "$line" | sed -E 's/.* in ([0-9.]+) s/\1/')
	[ "$objects" -gt 3000 ]
	# redraws: each is the line again; libgit2 reports every object
	draws=$(grep -o 'vault-sync: pushing [0-9]*/' "$BATS_TEST_TMPDIR/tty" | wc -l)
	echo "objects $objects, $draws redraws in $secs s"
	[ "$draws" -le "$(awk -v s="$secs" 'BEGIN { print int(s * 10) + 4 }')" ]
}

@test "--interval takes a duration as vault-exec does (5m); a bad one is 2" {
	two_agents
	vault-sync -C "$VAULT_DIR" -a local --interval 5m 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	# one cycle done, now napping for 5 minutes: SIGTERM ends the nap at once
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	run ! grep -q "bad interval" "$BATS_TEST_TMPDIR/err"
	for bad in 5x 0 -1 1.2.3 .5 ""; do
		run -2 vault-sync -C "$VAULT_DIR" -a local --interval "$bad"
		assert_output --partial "bad interval"
	done
}

@test "--watch: a change is synced after the debounce, SIGTERM exits 0" {
	two_agents
	vault-sync -C "$VAULT_DIR" -a local --watch --interval 300 2>/dev/null &
	pid=$!
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	mkdir -p "$VAULT_DIR/Needs_Action/newdomain"
	sleep 0.2
	mkemail EMAIL_W newdomain
	wait_for -t 15 remote_has Needs_Action/newdomain/EMAIL_W.md
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "--watch: VAULT_SYNC_QUIET_MS is the quiet a change waits for; a bad value is 78 at start" {
	two_agents
	VAULT_SYNC_QUIET_MS=10 run -78 --separate-stderr vault-sync -C "$VAULT_DIR" -a local --watch
	[[ "$stderr" == *VAULT_SYNC_QUIET_MS* ]]
	# a long quiet: a change waits for it, while a write every 0.3 s goes on
	VAULT_SYNC_QUIET_MS=4000 vault-sync -j -C "$VAULT_DIR" -a local --watch --interval 300 \
	    >"$BATS_TEST_TMPDIR/cycles" 2>/dev/null &
	pid=$!
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	mkemail EMAIL_Q1
	for i in 1 2 3 4 5; do sleep 0.3; echo "more $i" >>"$VAULT_DIR/Needs_Action/email/EMAIL_Q1.md"; done
	run ! remote_has Needs_Action/email/EMAIL_Q1.md
	wait_for -t 15 remote_has Needs_Action/email/EMAIL_Q1.md
	kill -TERM "$pid"
	wait "$pid"
	# one cycle at start, one for the whole burst
	[ "$(wc -l <"$BATS_TEST_TMPDIR/cycles")" -eq 2 ]
}

@test "--watch: the periodic fetch brings the other agent's work" {
	two_agents
	vault-sync -C "$VAULT_DIR" -a local --watch --interval 0.5 2>/dev/null &
	pid=$!
	VAULT_DIR=$CLOUD mkemail EMAIL_F
	csync
	wait_for -t 15 [ -f "$VAULT_DIR/Needs_Action/email/EMAIL_F.md" ] || true
	kill -TERM "$pid"
	wait "$pid" || true
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_F.md" ]
}

@test "--watch: another agent's push to a path remote is fetched at once, not at the period" {
	two_agents
	vault-sync -j -C "$VAULT_DIR" -a local --watch --interval 300 \
	    >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	pid=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/out" ]
	VAULT_DIR=$CLOUD mkemail EMAIL_RW
	csync -q
	wait_for -t 10 [ -f "$VAULT_DIR/Needs_Action/email/EMAIL_RW.md" ]
	# our own push moves the remote's ref to what we have: no cycle for it
	mkemail EMAIL_RW2
	wait_for -t 10 remote_has Needs_Action/email/EMAIL_RW2.md
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	assert_json -s '.[1].fastforward and (map(.pushed) | index(true)) == length - 1' \
	    "$BATS_TEST_TMPDIR/out"
}

@test "--watch: periodic cycles with no event skip the scan; an edit still gets one" {
	two_agents
	vault-sync -C "$VAULT_DIR" -a local -j --watch --interval 0.2 \
	    >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	pid=$!
	wait_for awk '/"scanned":false/ { n++ } END { exit n < 2 }' "$BATS_TEST_TMPDIR/out" || true
	mkemail EMAIL_WH
	wait_for -t 15 remote_has Needs_Action/email/EMAIL_WH.md || true
	kill -TERM "$pid"
	wait "$pid" || true
	remote_has Needs_Action/email/EMAIL_WH.md
	run grep -c '"scanned":false' "$BATS_TEST_TMPDIR/out"
	[ "$output" -ge 2 ]
	run grep '"message":"local: new EMAIL_WH"' "$BATS_TEST_TMPDIR/out"
	assert_output --partial '"scanned":true'
}

@test "--watch: an edit's cycle examines only the paths inotify saw: a move, a delete, a new directory" {
	two_agents
	mkemail EMAIL_S1
	mkemail EMAIL_S2
	lsync -q
	# a change inotify cannot see: written through a hard link outside
	# the vault, so no watched directory hears of it
	ln "$VAULT_DIR/Needs_Action/email/EMAIL_S2.md" "$BATS_TEST_TMPDIR/link"
	VAULT_SYNC_QUIET_MS=100 vault-sync -j -C "$VAULT_DIR" -a local --watch \
	    --interval 300 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/out" ]
	echo "unseen" >>"$BATS_TEST_TMPDIR/link"
	mv "$VAULT_DIR/Needs_Action/email/EMAIL_S1.md" "$VAULT_DIR/Done/"
	mkdir -p "$VAULT_DIR/Needs_Action/scoped/deep"
	mkemail EMAIL_S3 scoped/deep
	rm "$VAULT_DIR/Company_Handbook.md"
	wait_for -t 15 remote_has Needs_Action/scoped/deep/EMAIL_S3.md
	wait_for -t 15 remote_has Done/EMAIL_S1.md
	wait_for -t 15 eval '! remote_has Company_Handbook.md'
	kill -TERM "$pid"
	wait "$pid"
	run ! remote_has Needs_Action/email/EMAIL_S1.md
	assert_json -s '.[1:] | all(.scoped and .scanned and .ok)' "$BATS_TEST_TMPDIR/out"
	assert_json -s '.[0].scoped == false' "$BATS_TEST_TMPDIR/out"
	# the unseen change waits for a full scan (a one-shot cycle here)
	run git -C "$VAULT_DIR" status --porcelain
	assert_output " M Needs_Action/email/EMAIL_S2.md"
	lsync -q
	run git -C "$VAULT_DIR" status --porcelain
	assert_output ""
}

@test "--watch: a file staged by hand makes the next cycle examine every file, so the secret guard sees it" {
	two_agents
	mkemail EMAIL_G1
	lsync -q
	VAULT_SYNC_QUIET_MS=100 vault-sync -j -C "$VAULT_DIR" -a local --watch \
	    --interval 300 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/out" ]
	# a secret inotify does not see (a hard link's write), staged by hand
	: >"$BATS_TEST_TMPDIR/key"
	ln "$BATS_TEST_TMPDIR/key" "$VAULT_DIR/Needs_Action/email/notes.md"
	wait_for awk 'END { exit NR < 2 }' "$BATS_TEST_TMPDIR/out"
	printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n' >"$BATS_TEST_TMPDIR/key"
	git -C "$VAULT_DIR" add Needs_Action/email/notes.md
	echo "seen" >>"$VAULT_DIR/Needs_Action/email/EMAIL_G1.md"
	wait_for -t 15 awk 'END { exit NR < 3 }' "$BATS_TEST_TMPDIR/out"
	kill -TERM "$pid"
	wait "$pid"
	run ! git -C "$REMOTE" cat-file -e HEAD:Needs_Action/email/notes.md
	run ! git -C "$VAULT_DIR" cat-file -e HEAD:Needs_Action/email/notes.md
	run grep -c 'notes.md.*not committed: content looks like a secret' "$BATS_TEST_TMPDIR/err"
	assert_output 1
	assert_json -s '.[2].scoped == false and .[2].refused == 1 and .[2].ok' "$BATS_TEST_TMPDIR/out"
}

@test "kill -9 in the middle of cycles: the next cycle completes, the repository is sound" {
	two_agents
	for i in 1 2 3 4 5 6; do
		mkemail "EMAIL_K$i"
		echo "line $i" >>"$VAULT_DIR/Logs/API_Usage/k.md"
		vault-sync -q -C "$VAULT_DIR" -a local --interval 0.01 2>/dev/null &
		pid=$!
		sleep "0.0$((RANDOM % 10))"
		kill -9 "$pid"
		wait "$pid" || true
	done
	run lsync
	assert_success
	run git -C "$VAULT_DIR" fsck --no-progress
	assert_success
	run git -C "$VAULT_DIR" status --porcelain
	assert_output ""
	for i in 1 2 3 4 5 6; do
		remote_has "Needs_Action/email/EMAIL_K$i.md"
	done
}

@test "sync lock held: exit 75" {
	mkdir -p "$VAULT_DIR/.state/local"
	exec 9>"$VAULT_DIR/.state/local/sync.lock"
	flock 9
	run lsync
	exec 9>&-
	assert_failure 75
	assert_output --partial "sync.lock: held by another sync"
}

@test "a fresh .git/index.lock stops the cycle with a message; a stale one is cleared" {
	mkemail EMAIL_L
	touch "$VAULT_DIR/.git/index.lock"
	run lsync
	assert_failure 75
	assert_output --partial "index.lock exists"
	touch -d '-2 minutes' "$VAULT_DIR/.git/index.lock"
	run lsync
	assert_success
	assert_output --partial "removed a stale lock"
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: new EMAIL_L"
}

@test "a vault-sync killed mid-cycle: its fresh fetch, reflog and merge locks are cleared" {
	two_agents
	mkemail EMAIL_F
	branch=$(git -C "$VAULT_DIR" branch --show-current)
	# what sync.lock holds while a cycle runs: the holder's pid
	mkdir -p "$VAULT_DIR/.state/local"
	echo 99999 >"$VAULT_DIR/.state/local/sync.lock"
	for lock in "refs/remotes/origin/$branch" "logs/refs/heads/$branch" \
	    FETCH_HEAD ORIG_HEAD; do
		: >"$VAULT_DIR/.git/$lock.lock"
	done
	run lsync
	assert_success
	assert_output --partial "origin/$branch.lock: removed a stale lock"
	assert_output --partial "left by a killed vault-sync"
	remote_has Needs_Action/email/EMAIL_F.md
	run find "$VAULT_DIR/.git" -name '*.lock'
	assert_output ""
	run git -C "$VAULT_DIR" fsck --no-progress
	assert_success
}

@test "a fresh remote-tracking ref lock with no crash behind it: exit 75 naming it" {
	two_agents
	mkemail EMAIL_G
	branch=$(git -C "$VAULT_DIR" branch --show-current)
	: >"$VAULT_DIR/.git/refs/remotes/origin/$branch.lock"
	run lsync
	assert_failure 75
	assert_output --partial "origin/$branch.lock exists"
	[ -e "$VAULT_DIR/.git/refs/remotes/origin/$branch.lock" ]
}

@test "a push killed on a path remote: the remote's ref lock is cleared by the next push" {
	two_agents
	mkemail EMAIL_H
	branch=$(git -C "$VAULT_DIR" branch --show-current)
	echo 99999 >"$REMOTE/vault-sync.lock"
	: >"$REMOTE/refs/heads/$branch.lock"
	run lsync
	assert_success
	assert_output --partial "remote.git/refs/heads/$branch.lock: removed a stale lock"
	remote_has Needs_Action/email/EMAIL_H.md
	[ ! -e "$REMOTE/refs/heads/$branch.lock" ]
	[ ! -s "$REMOTE/vault-sync.lock" ]
	# without the crash mark a fresh lock is someone else's push
	mkemail EMAIL_I
	: >"$REMOTE/refs/heads/$branch.lock"
	run lsync
	assert_failure 75
	assert_output --partial "refs/heads/$branch.lock exists"
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: new EMAIL_I"
}

@test "vault-claim --push: the claim alone reaches the remote; the loser gives up and exits 1" {
	two_agents
	mkemail EMAIL_P
	lsync
	csync
	echo "unrelated cloud edit" >>"$CLOUD/Company_Handbook.md"
	run vault-claim -C "$CLOUD" -a cloud --push EMAIL_P
	assert_success
	run git -C "$REMOTE" log -1 --format=%s
	assert_output "cloud: claim EMAIL_P"
	run git -C "$REMOTE" show HEAD:Company_Handbook.md
	refute_output --partial "unrelated cloud edit"
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_P
	assert_failure 1
	assert_output --partial "In_Progress/cloud/EMAIL_P.md"
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_P.md" ]
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_P.md" ]
	run lsync
	assert_success
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_P.md" ]
	[ ! -e "$VAULT_DIR/Needs_Action/email/EMAIL_P.md" ]
}

@test "vault-claim --push with the remote unreachable: exit 75, the claim committed locally" {
	mkemail EMAIL_U
	lsync
	git -C "$VAULT_DIR" remote add origin "$BATS_TEST_TMPDIR/nowhere.git"
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_U
	assert_failure 75
	[ -f "$VAULT_DIR/In_Progress/local/EMAIL_U.md" ]
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: claim EMAIL_U"
}

@test "vault-claim --push while a note the remote also changed is being edited: exit 75 saying to run vault-sync, which settles it" {
	two_agents
	mkemail EMAIL_N
	mkdir -p "$VAULT_DIR/Plans/general"
	echo "first" >"$VAULT_DIR/Plans/general/note.md"
	lsync
	csync
	echo "cloud's line" >>"$CLOUD/Plans/general/note.md"
	csync
	echo "local's line, not yet synced" >>"$VAULT_DIR/Plans/general/note.md"
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_N
	assert_failure 75
	assert_output --partial "not committed yet"
	assert_output --partial "run vault-sync"
	[ -f "$VAULT_DIR/In_Progress/local/EMAIL_N.md" ]
	run lsync
	assert_success
	remote_has In_Progress/local/EMAIL_N.md
	run ! remote_has Needs_Action/email/EMAIL_N.md
}

@test "a pull checks out only what changed, and a pull of more files than the checkout's list holds lands whole" {
	two_agents
	mkdir -p "$CLOUD/Notes/bulk"
	for i in $(seq 2100); do echo "bulk $i" >"$CLOUD/Notes/bulk/b$i.md"; done
	run -0 csync
	mkdir -p "$VAULT_DIR/Notes"
	echo "mine" >"$VAULT_DIR/Notes/draft.md"
	run -0 lsync
	[ "$(ls "$VAULT_DIR/Notes/bulk" | wc -l)" -eq 2100 ]
	# a small pull: three changed files, one removed, and our own edit kept
	echo "edited" >>"$CLOUD/Notes/bulk/b7.md"
	rm "$CLOUD/Notes/bulk/b8.md"
	echo new >"$CLOUD/Notes/bulk/new.md"
	run -0 csync
	run -0 lsync
	grep -q edited "$VAULT_DIR/Notes/bulk/b7.md"
	[ ! -e "$VAULT_DIR/Notes/bulk/b8.md" ]
	[ -f "$VAULT_DIR/Notes/bulk/new.md" ]
	grep -q "mine" "$VAULT_DIR/Notes/draft.md"
	run -0 same_trees
	[ -z "$(git -C "$VAULT_DIR" status --porcelain)" ]
}

@test "loose objects are packed long before git gc --auto would: 1,200 of them go in the next cycle" {
	two_agents
	for i in $(seq 1 1200); do echo "$BATS_TEST_TMPDIR/blobs/$i"; done >"$BATS_TEST_TMPDIR/list"
	mkdir "$BATS_TEST_TMPDIR/blobs"
	for i in $(seq 1 1200); do echo "loose $i" >"$BATS_TEST_TMPDIR/blobs/$i"; done
	git -C "$VAULT_DIR" hash-object -w --stdin-paths <"$BATS_TEST_TMPDIR/list" >/dev/null
	loose() { find "$VAULT_DIR/.git/objects" -path '*/pack' -prune -o -path '*/info' -prune -o -type f -print | wc -l; }
	[ "$(loose)" -ge 1200 ]
	mkemail EMAIL_L
	run --separate-stderr lsync -j
	assert_success
	assert_json '.repacked > 0'
	[ "$(loose)" -lt 50 ]
	git -C "$VAULT_DIR" fsck --strict --no-dangling >/dev/null
}

@test "a push to a path remote writes one pack of what it lacks: git fsck --strict clean, git log equal, the other agent fetches it" {
	two_agents
	branch=$(git -C "$VAULT_DIR" branch --show-current)
	shopt -s nullglob
	packs=("$REMOTE"/objects/pack/*.pack)
	mkemail EMAIL_C1
	mkdir -p "$VAULT_DIR/Plans/deep/er"
	echo "a plan" >"$VAULT_DIR/Plans/deep/er/P.md"
	run lsync -q
	assert_success
	mkemail EMAIL_C2
	run lsync -q
	assert_success
	# one pack a push, nothing loose
	after=("$REMOTE"/objects/pack/*.pack)
	[ "${#after[@]}" -eq $((${#packs[@]} + 2)) ]
	[ -z "$(find "$REMOTE/objects" -path '*/pack' -prune -o -type f -print)" ]
	git -C "$REMOTE" cat-file -e "$(git -C "$VAULT_DIR" rev-parse HEAD:Plans/deep/er/P.md)"
	obj=$(git -C "$VAULT_DIR" rev-parse HEAD)
	run git -C "$REMOTE" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
	[ "$(git -C "$REMOTE" log --format='%H %T %P' "$branch")" = \
	  "$(git -C "$VAULT_DIR" log --format='%H %T %P' "$branch")" ]
	[ "$(git -C "$VAULT_DIR" rev-parse "refs/remotes/origin/$branch")" = "$obj" ]
	run csync -q
	assert_success
	[ "$(git -C "$CLOUD" rev-parse HEAD)" = "$obj" ]
	[ -f "$CLOUD/Plans/deep/er/P.md" ]
	run git -C "$CLOUD" fsck --full --strict --no-progress --no-dangling
	assert_success
}

@test "a fetch from a path remote copies one pack of what we lack: git fsck --strict clean, the tracking ref at their tip, a merge on top" {
	two_agents
	branch=$(git -C "$VAULT_DIR" branch --show-current)
	shopt -s nullglob
	run lsync -q
	assert_success
	packs=("$VAULT_DIR"/.git/objects/pack/*.pack)
	loose=$(find "$VAULT_DIR/.git/objects" -path '*/pack' -prune -o -path '*/info' -prune -o -type f -print | sort)
	mkdir -p "$CLOUD/Plans/deep/er"
	echo "their plan" >"$CLOUD/Plans/deep/er/P.md"
	run csync -q
	assert_success
	theirs=$(git -C "$REMOTE" rev-parse "$branch")
	# a fast-forward: one pack, nothing loose added
	run lsync -q -j
	assert_success
	assert_output --partial '"fastforward":true'
	after=("$VAULT_DIR"/.git/objects/pack/*.pack)
	[ "${#after[@]}" -eq $((${#packs[@]} + 1)) ]
	[ "$(find "$VAULT_DIR/.git/objects" -path '*/pack' -prune -o -path '*/info' -prune -o -type f -print | sort)" = "$loose" ]
	[ "$(git -C "$VAULT_DIR" rev-parse "refs/remotes/origin/$branch")" = "$theirs" ]
	[ "$(git -C "$VAULT_DIR" rev-parse HEAD)" = "$theirs" ]
	grep -q "their plan" "$VAULT_DIR/Plans/deep/er/P.md"
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
	# both sides moved: their commits fetched, merged under ours
	echo "their second" >"$CLOUD/Plans/deep/er/Q.md"
	run csync -q
	assert_success
	theirs=$(git -C "$REMOTE" rev-parse "$branch")
	mkemail EMAIL_F2
	run lsync -q -j
	assert_success
	assert_output --partial '"merged":true'
	git -C "$VAULT_DIR" merge-base --is-ancestor "$theirs" HEAD
	[ -f "$VAULT_DIR/Plans/deep/er/Q.md" ]
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
	[ -z "$(git -C "$VAULT_DIR" status --porcelain)" ]
}

@test "a cycle's commit writes its objects as one pack, nothing loose; the push to a path remote links it: the same file, fsck clean" {
	two_agents
	run lsync -q
	assert_success
	loose() { find "$1" -path '*/pack' -prune -o -path '*/info' -prune -o -type f -print | sort; }
	before=$(loose "$VAULT_DIR/.git/objects")
	mkemail EMAIL_PACK1
	mkdir -p "$VAULT_DIR/Plans/deep"
	echo "a plan" >"$VAULT_DIR/Plans/deep/P.md"
	run lsync -q -j
	assert_success
	assert_output --partial '"pushed":true'
	[ "$(loose "$VAULT_DIR/.git/objects")" = "$before" ]
	ours=$(ls -t "$VAULT_DIR"/.git/objects/pack/*.pack | head -n 1)
	# the commit, its trees and blobs are in it
	git -C "$VAULT_DIR" verify-pack -v "${ours%.pack}.idx" >"$BATS_TEST_TMPDIR/objs"
	grep -q "^$(git -C "$VAULT_DIR" rev-parse HEAD) commit" "$BATS_TEST_TMPDIR/objs"
	grep -q "^$(git -C "$VAULT_DIR" rev-parse HEAD:Plans/deep/P.md) blob" "$BATS_TEST_TMPDIR/objs"
	grep -q "^$(git -C "$VAULT_DIR" rev-parse HEAD:Plans/deep) tree" "$BATS_TEST_TMPDIR/objs"
	theirs=$REMOTE/objects/pack/${ours##*/}
	[ "$(stat -c %i "$theirs")" = "$(stat -c %i "$ours")" ]
	[ "$(git -C "$REMOTE" rev-parse HEAD)" = "$(git -C "$VAULT_DIR" rev-parse HEAD)" ]
	git -C "$VAULT_DIR" reflog -1 --format=%gs | grep -q "^commit: local: new EMAIL_PACK1"
	fsck_clean "$VAULT_DIR" "$REMOTE"
	run csync -q
	assert_success
	grep -q "a plan" "$CLOUD/Plans/deep/P.md"
}

@test "a cycle's pack holds its objects stored, uncompressed, with a valid index: a note of one byte and one of 150 kB reach the other agent whole" {
	two_agents
	run lsync -q
	assert_success
	mkdir -p "$VAULT_DIR/Plans"
	printf x >"$VAULT_DIR/Plans/x.md"
	head -c 150000 /dev/zero | tr '\0' a >"$VAULT_DIR/Plans/long.md"
	run lsync -q
	assert_success
	ours=$(ls -t "$VAULT_DIR"/.git/objects/pack/*.pack | head -n 1)
	# verify-pack checks each object's ID and CRC, and both checksums
	git -C "$VAULT_DIR" verify-pack -v "${ours%.pack}.idx" >"$BATS_TEST_TMPDIR/objs"
	blob=$(git -C "$VAULT_DIR" rev-parse HEAD:Plans/long.md)
	# stored: the entry is larger than the text (three 64 kB blocks)
	awk -v b="$blob" '$1 == b && $2 == "blob" && $3 == 150000 && $4 > 150000 { ok = 1 } END { exit !ok }' "$BATS_TEST_TMPDIR/objs"
	grep -q "^$(git -C "$VAULT_DIR" rev-parse HEAD:Plans/x.md) blob *1 " "$BATS_TEST_TMPDIR/objs"
	run grep -q "chain length" "$BATS_TEST_TMPDIR/objs"
	assert_failure
	fsck_clean "$VAULT_DIR" "$REMOTE"
	run csync -q
	assert_success
	cmp "$VAULT_DIR/Plans/long.md" "$CLOUD/Plans/long.md"
	[ "$(cat "$CLOUD/Plans/x.md")" = x ]
}

@test "a push after a merge links the pack of our commit and writes the merge's own objects beside it: fsck clean" {
	two_agents
	run lsync -q
	assert_success
	mkdir -p "$CLOUD/Plans"
	echo "their plan" >"$CLOUD/Plans/Theirs.md"
	run csync -q
	assert_success
	mkemail EMAIL_MERGE1
	run lsync -q -j
	assert_success
	assert_output --partial '"merged":true'
	mine=$(git -C "$VAULT_DIR" log --format=%H --grep="new EMAIL_MERGE1" -1)
	[ -n "$mine" ]
	linked=""
	for p in "$VAULT_DIR"/.git/objects/pack/*.idx; do
		git -C "$VAULT_DIR" verify-pack -v "$p" | grep -q "^$mine commit" || continue
		theirs=$REMOTE/objects/pack/${p##*/}
		[ "$(stat -c %i "$theirs")" = "$(stat -c %i "$p")" ] && linked=$p
	done
	[ -n "$linked" ]
	[ "$(git -C "$REMOTE" rev-parse HEAD)" = "$(git -C "$VAULT_DIR" rev-parse HEAD)" ]
	run git -C "$REMOTE" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
	run csync -q
	assert_success
	[ -f "$CLOUD/Needs_Action/email/EMAIL_MERGE1.md" ]
}

@test "a file over 1 MiB is not held in memory: what the cycle staged before it is written out, the rest loose, fsck clean" {
	two_agents
	run lsync -q
	assert_success
	mkemail EMAIL_BIG1
	mkdir -p "$VAULT_DIR/Plans"
	head -c $((3 << 20)) /dev/urandom >"$VAULT_DIR/Plans/zz-big.bin"
	run lsync -q
	assert_success
	cmp "$VAULT_DIR/Plans/zz-big.bin" <(git -C "$VAULT_DIR" cat-file blob HEAD:Plans/zz-big.bin)
	git -C "$VAULT_DIR" cat-file -e HEAD:Needs_Action/email/EMAIL_BIG1.md
	fsck_clean "$VAULT_DIR" "$REMOTE"
	run csync -q
	assert_success
	cmp "$VAULT_DIR/Plans/zz-big.bin" "$CLOUD/Plans/zz-big.bin"
}

@test "a fetch from a path remote links the other agent's pack when it holds all we lack: the same file, fsck clean" {
	two_agents
	theirs=$(their_plan)
	ours=$VAULT_DIR/.git/objects/pack/${theirs##*/}
	[ ! -e "$ours" ]
	run lsync -q -j
	assert_success
	assert_output --partial '"fastforward":true'
	# one file under two names: nothing inflated and deflated again
	[ "$(stat -c %i "$theirs")" = "$(stat -c %i "$ours")" ]
	[ "$(stat -c %i "${theirs%.pack}.idx")" = "$(stat -c %i "${ours%.pack}.idx")" ]
	grep -q "their plan" "$VAULT_DIR/Plans/P.md"
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
}

@test "a fetch from a path remote copies object by object what lies in a pack over 8 MiB, and links nothing" {
	two_agents
	run lsync -q
	assert_success
	mkdir -p "$CLOUD/Plans"
	head -c $((9 << 20)) /dev/urandom >"$CLOUD/Plans/big.bin"
	run csync -q
	assert_success
	theirs=$(ls -t "$REMOTE"/objects/pack/*.pack | head -n 1)
	[ "$(stat -c %s "$theirs")" -gt $((8 << 20)) ]
	run lsync -q
	assert_success
	# a pack of our own (of the same objects it may have the same name)
	ours=$VAULT_DIR/.git/objects/pack/${theirs##*/}
	[ ! -e "$ours" ] || [ "$(stat -c %i "$theirs")" != "$(stat -c %i "$ours")" ]
	cmp "$CLOUD/Plans/big.bin" "$VAULT_DIR/Plans/big.bin"
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
}

@test "a fetch from a path remote on another file system copies the other agent's pack: the same name, a file of our own" {
	[ -d /dev/shm ] && [ -w /dev/shm ] || skip "no /dev/shm: no second file system here"
	[ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$BATS_TEST_TMPDIR")" ] || skip "/dev/shm is on the test's file system"
	REMOTE=$(mktemp -d /dev/shm/aie-remote.XXXXXX)
	git init -q --bare "$REMOTE"
	two_agents
	theirs=$(their_plan)
	run lsync -q
	assert_success
	ours=$VAULT_DIR/.git/objects/pack/${theirs##*/}
	cmp "$theirs" "$ours"
	cmp "${theirs%.pack}.idx" "${ours%.pack}.idx"
	[ "$(stat -c %h "$ours")" -eq 1 ]
	[ -z "$(find "$VAULT_DIR/.git/objects/pack" -name 'tmp_*')" ]
	grep -q "their plan" "$VAULT_DIR/Plans/P.md"
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	rm -rf "$REMOTE"
	assert_success
	refute_output
}

@test "a path remote moved by git itself, without vault-sync's lock: the cycle merges it and the push keeps their commit" {
	two_agents
	branch=$(git -C "$VAULT_DIR" branch --show-current)
	git clone -q "$REMOTE" "$BATS_TEST_TMPDIR/other"
	echo theirs >"$BATS_TEST_TMPDIR/other/Other.md"
	git -C "$BATS_TEST_TMPDIR/other" add Other.md
	git -C "$BATS_TEST_TMPDIR/other" -c user.name=o -c user.email=o@x commit -qm other
	git -C "$BATS_TEST_TMPDIR/other" push -q origin "$branch"
	theirs=$(git -C "$REMOTE" rev-parse "$branch")
	mkemail EMAIL_M
	run lsync -q -j
	assert_success
	assert_output --partial '"merged":true'
	# their commit is kept under ours, nothing forced over it
	git -C "$REMOTE" merge-base --is-ancestor "$theirs" "$branch"
	remote_has Other.md
	remote_has Needs_Action/email/EMAIL_M.md
	run git -C "$REMOTE" fsck --full --strict --no-progress --no-dangling
	assert_success
}

# A one-shot cycle first compares .git/index with the work tree by stat
# data alone (lib/sync/unchanged.c); whatever it passes over, a full
# status would have committed.
@test "quick look: an edit in place that keeps the size and mtime is committed (the ctime moved)" {
	two_agents
	mkemail EMAIL_Q1
	lsync -q
	f=$VAULT_DIR/Needs_Action/email/EMAIL_Q1.md
	t=$(stat -c %y "$f")
	off=$(grep -bo 'order 1234' "$f" | cut -d: -f1)
	printf 'order 9876' | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	touch -d "$t" "$f"
	[ "$(stat -c %y "$f")" = "$t" ]
	lsync -q
	run git -C "$REMOTE" show HEAD:Needs_Action/email/EMAIL_Q1.md
	assert_output --partial "order 9876"
}

@test "quick look: a commit undone by hand (git reset --soft) is committed again" {
	two_agents
	lsync -q
	mkemail EMAIL_Q2
	git -C "$VAULT_DIR" add Needs_Action/email/EMAIL_Q2.md
	git -C "$VAULT_DIR" -c user.name=o -c user.email=o@example.com \
	    commit -q -m "by hand"
	git -C "$VAULT_DIR" reset -q --soft HEAD~1
	run lsync -j
	assert_success
	assert_output --partial '"message":"local: new EMAIL_Q2"'
	remote_has Needs_Action/email/EMAIL_Q2.md
}

@test "quick look: a directory moved and a symlink put in its place are committed as git sees them" {
	two_agents
	mkemail EMAIL_Q3 moved
	lsync -q
	mv "$VAULT_DIR/Needs_Action/moved" "$VAULT_DIR/Needs_Action/moved2"
	ln -s moved2 "$VAULT_DIR/Needs_Action/moved"
	lsync -q
	run git -C "$VAULT_DIR" status --porcelain
	assert_output ""
	remote_has Needs_Action/moved2/EMAIL_Q3.md
	run git -C "$REMOTE" cat-file -p HEAD:Needs_Action/moved
	assert_output "moved2"
}

@test "quick look: in a vault of 2,500 files (two threads stat them), changes early and late in the index are all committed, and a quiet cycle commits nothing" {
	two_agents
	mkdir -p "$VAULT_DIR/Done/bulk" "$VAULT_DIR/Updates/bulk"
	for i in $(seq 1000 3499); do
		echo "note $i" >"$VAULT_DIR/Done/bulk/N$i.md"
	done
	echo "late" >"$VAULT_DIR/Updates/bulk/L1.md"
	lsync -q
	run lsync -j
	assert_output --partial '"message":"local: no change","commit":null'
	echo "edited" >>"$VAULT_DIR/Done/bulk/N1001.md"
	echo "edited" >>"$VAULT_DIR/Done/bulk/N3400.md"
	rm "$VAULT_DIR/Done/bulk/N3000.md"
	echo "late" >"$VAULT_DIR/Updates/bulk/L2.md"
	mkdir -p "$VAULT_DIR/Updates/new/deep" "$VAULT_DIR/Updates/empty"
	echo "deep" >"$VAULT_DIR/Updates/new/deep/D.md"
	run lsync -j
	assert_success
	assert_output --partial '"staged":5'
	run git -C "$VAULT_DIR" status --porcelain --untracked-files=all
	assert_output ""
	run git -C "$REMOTE" show HEAD:Done/bulk/N3400.md
	assert_output "$(printf 'note 3400\nedited')"
	run ! remote_has Done/bulk/N3000.md
	remote_has Updates/new/deep/D.md
	remote_has Updates/bulk/L2.md
}
