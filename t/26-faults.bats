#!/usr/bin/env bats
# Faults of the machine: a full disk under the vault (a small tmpfs, so
# root is needed to mount it) and the claim race of vault-claim --push.
load helper
load sync

MOUNTS=()

setup() {
	common_setup
	sync_setup
}

teardown() {
	local m
	[ -z "${DAEMON:-}" ] || { kill -TERM "$DAEMON" 2>/dev/null; wait "$DAEMON" || true; }
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
}

# small_fs DIR: a 4 MiB tmpfs at DIR (skipped unless root).
small_fs() {
	[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
	mkdir -p "$1"
	mount -t tmpfs -o size=4m tmpfs "$1" || skip "cannot mount a tmpfs here"
	MOUNTS=("$1" "${MOUNTS[@]}")
}

# fill DIR: write DIR/filler until the file system is full.
fill() {
	dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null || true
	dd if=/dev/zero of="$1/filler2" bs=1 2>/dev/null || true
}

# wait_for CMD...: up to 15 s for CMD to succeed.
wait_for() {
	local _
	for _ in $(seq 150); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

@test "full disk: the sync lock is given back; the daemon and a one-shot sync recover once there is room" {
	small_fs "$BATS_TEST_TMPDIR/fs"
	export VAULT_DIR=$BATS_TEST_TMPDIR/fs/vault
	mkvault
	two_agents
	vault-sync -C "$VAULT_DIR" -a local --interval 1 \
	    2>"$BATS_TEST_TMPDIR/err" &
	DAEMON=$!
	wait_for [ -s "$VAULT_DIR/.state/local/last_sync" ]
	fill "$BATS_TEST_TMPDIR/fs"
	wait_for grep -q "No space left" "$BATS_TEST_TMPDIR/err"
	rm -f "$BATS_TEST_TMPDIR/fs/filler" "$BATS_TEST_TMPDIR/fs/filler2"
	mkemail EMAIL_DISK
	wait_for remote_has Needs_Action/email/EMAIL_DISK.md
	run lsync
	assert_success
	run grep -c "held by another sync" "$BATS_TEST_TMPDIR/err"
	assert_output 0
}

@test "full disk: a commit whose pack cannot be written moves neither HEAD nor the index; with room the next cycle commits" {
	small_fs "$BATS_TEST_TMPDIR/fs"
	export VAULT_DIR=$BATS_TEST_TMPDIR/fs/vault
	mkvault
	two_agents
	run lsync -q
	assert_success
	head=$(git -C "$VAULT_DIR" rev-parse HEAD)
	index=$(md5sum <"$VAULT_DIR/.git/index")
	mkemail EMAIL_FULL
	fill "$BATS_TEST_TMPDIR/fs"
	run lsync -q
	assert_failure
	assert_output --partial "No space left"
	[ "$(git -C "$VAULT_DIR" rev-parse HEAD)" = "$head" ]
	[ "$(md5sum <"$VAULT_DIR/.git/index")" = "$index" ]
	rm -f "$BATS_TEST_TMPDIR/fs/filler" "$BATS_TEST_TMPDIR/fs/filler2"
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
	run lsync -q
	assert_success
	remote_has Needs_Action/email/EMAIL_FULL.md
}

@test "full disk: vault-claim fails and the item stays unclaimed where it was" {
	small_fs "$BATS_TEST_TMPDIR/fs"
	export VAULT_DIR=$BATS_TEST_TMPDIR/fs/vault
	mkvault
	mkemail EMAIL_FULL
	before=$(sha256sum <"$VAULT_DIR/Needs_Action/email/EMAIL_FULL.md")
	fill "$BATS_TEST_TMPDIR/fs"
	run vault-claim -C "$VAULT_DIR" -a local EMAIL_FULL
	assert_failure 75
	assert_output --partial "No space left on device"
	assert_output --partial "not claimed"
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_FULL.md" ]
	[ "$(sha256sum <"$VAULT_DIR/Needs_Action/email/EMAIL_FULL.md")" = "$before" ]
}

@test "full log disk: a short audit append is cut back, the claim undone, the log stays whole" {
	mkvault
	small_fs "$VAULT_DIR/Logs"
	mkemail EMAIL_LOG
	log=$VAULT_DIR/$(today_log)
	# 4095 bytes: the last page of the log has one byte free, so the next
	# line is written short (one "{") once no page is left
	pad=$(head -c 4084 /dev/zero | tr '\0' x)
	printf '{"pad":"%s"}\n' "$pad" >"$log"
	[ "$(stat -c %s "$log")" -eq 4095 ]
	before=$(sha256sum <"$VAULT_DIR/Needs_Action/email/EMAIL_LOG.md")
	fill "$VAULT_DIR/Logs"
	run vault-claim -C "$VAULT_DIR" -a local EMAIL_LOG
	assert_failure 75
	assert_output --partial "No space left on device"
	[ "$(stat -c %s "$log")" -eq 4095 ]
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_LOG.md" ]
	[ "$(sha256sum <"$VAULT_DIR/Needs_Action/email/EMAIL_LOG.md")" = "$before" ]
	rm -f "$VAULT_DIR/Logs/filler" "$VAULT_DIR/Logs/filler2"
	run vault-claim -C "$VAULT_DIR" -a local EMAIL_LOG
	assert_success
	run jq -c 'select(.event == "claim") | .id' "$log"
	assert_output '"EMAIL_LOG"'
}

@test "vault-claim --push after a pull brought the other agent's claim: lost race, exit 1, one claim everywhere" {
	mkvault
	two_agents
	mkemail EMAIL_R
	lsync
	csync
	run vault-claim -C "$CLOUD" -a cloud --push EMAIL_R
	assert_success
	cp "$VAULT_DIR/Needs_Action/email/EMAIL_R.md" "$BATS_TEST_TMPDIR/copy"
	branch=$(git -C "$VAULT_DIR" symbolic-ref --short HEAD)
	git -C "$VAULT_DIR" pull -q --ff-only origin "$branch"
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_R.md" ]
	cp "$BATS_TEST_TMPDIR/copy" "$VAULT_DIR/Needs_Action/email/EMAIL_R.md"
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_R
	assert_failure 1
	assert_output --partial "In_Progress/cloud/EMAIL_R.md"
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_R.md" ]
	run ! remote_has In_Progress/local/EMAIL_R.md
	remote_has In_Progress/cloud/EMAIL_R.md
	run lsync
	assert_success
	csync
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_R.md" ]
	[ ! -e "$CLOUD/In_Progress/local/EMAIL_R.md" ]
	[ -f "$CLOUD/In_Progress/cloud/EMAIL_R.md" ]
}

@test "vault-claim --push when the remote changed the unclaimed item: the merge keeps it there, exit 1, not a claim" {
	mkvault
	two_agents
	mkemail EMAIL_M
	lsync
	csync
	echo "a note from the owner" >>"$CLOUD/Needs_Action/email/EMAIL_M.md"
	csync
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_M
	assert_failure 1
	assert_output --partial "Needs_Action/email/EMAIL_M.md"
	[ ! -e "$VAULT_DIR/In_Progress/local/EMAIL_M.md" ]
	grep -q "a note from the owner" "$VAULT_DIR/Needs_Action/email/EMAIL_M.md"
	run ! remote_has In_Progress/local/EMAIL_M.md
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_M
	assert_success
	remote_has In_Progress/local/EMAIL_M.md
	run ! remote_has Needs_Action/email/EMAIL_M.md
}

@test "vault-claim --push whose move a cycle committed first: the remote's unclaimed copy merges, the claim is pushed" {
	mkvault
	two_agents
	mkemail EMAIL_C
	lsync
	csync
	echo "unrelated cloud edit" >>"$CLOUD/Company_Handbook.md"
	csync
	# hold the sync lock so that the claim's move is committed by hand,
	# as a vault-sync cycle would, before vault-claim gets to push it
	flock "$VAULT_DIR/.state/local/sync.lock" sleep 3 &
	holder=$!
	sleep 0.3
	vault-claim -C "$VAULT_DIR" -a local --push EMAIL_C \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 &
	claimer=$!
	wait_for [ -f "$VAULT_DIR/In_Progress/local/EMAIL_C.md" ]
	git -C "$VAULT_DIR" add -A
	git -C "$VAULT_DIR" -c core.hooksPath=/dev/null -c user.name=t \
	    -c user.email=t@example.invalid commit -q -m "local: claim EMAIL_C"
	wait "$holder"
	rc=0
	wait "$claimer" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 0 ]
	[ -f "$VAULT_DIR/In_Progress/local/EMAIL_C.md" ]
	remote_has In_Progress/local/EMAIL_C.md
	run ! remote_has Needs_Action/email/EMAIL_C.md
}
