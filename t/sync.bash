# t/sync.bash - what the vault-sync tests share: a bare remote in
# $BATS_TEST_TMPDIR, the local agent's vault ($VAULT_DIR) and the cloud's
# clone ($CLOUD). Loaded after helper.
# shellcheck shell=bash

# sync_setup: after common_setup and mkvault, the bare remote.
sync_setup() {
	export VAULT_SYNC_BACKOFF=0
	REMOTE=$BATS_TEST_TMPDIR/remote.git
	CLOUD=$BATS_TEST_TMPDIR/cloud
	git init -q --bare "$REMOTE"
}

# two_agents: the local vault pushes to the remote, the cloud clones it.
two_agents() {
	vault-init -q --remote "$REMOTE" "$VAULT_DIR" >/dev/null
	vault-init -q -a cloud --no-key --clone "$REMOTE" "$CLOUD" >/dev/null
}

# their_plan: the two agents synced, the cloud writes Plans/P.md and
# pushes it; prints the pack its push left in the remote (the newest).
their_plan() {
	local p newest=""
	lsync -q >&2 && mkdir -p "$CLOUD/Plans" &&
	    echo "their plan" >"$CLOUD/Plans/P.md" && csync -q >&2 || return
	for p in "$REMOTE"/objects/pack/*.pack; do
		if [ -z "$newest" ] || [ "$p" -nt "$newest" ]; then
			newest=$p
		fi
	done
	echo "$newest"
}

# fsck_clean DIR...: git fsck --full --strict finds nothing in each.
fsck_clean() {
	local d
	for d in "$@"; do
		run git -C "$d" fsck --full --strict --no-progress --no-dangling
		assert_success
		refute_output
	done
}

lsync() { vault-sync -C "$VAULT_DIR" -a local "$@"; }
csync() { vault-sync -C "$CLOUD" -a cloud "$@"; }

# remote_has PATH: the remote's branch holds PATH.
remote_has() {
	git -C "$REMOTE" cat-file -e "HEAD:$1" 2>/dev/null
}

# claim VAULT AGENT ID: the claim, by vault-claim.
claim() {
	vault-claim -q -C "$1" -a "$2" "$3" >/dev/null
}

same_trees() {
	diff -r -x .git -x .state "$VAULT_DIR" "$CLOUD"
}

today_log() {
	echo "Logs/$(date -u +%Y-%m-%d).jsonl"
}
