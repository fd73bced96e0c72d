#!/usr/bin/env bats
# vault-sync --watch as a long-running daemon (issue 25): it keeps syncing
# under a stream of changes, and what it holds does not pile up from cycle
# to cycle. The memory figures themselves are measured by make bench
# (t/bench/watch-rss.sh), not here.
load helper
load sync

setup() {
	common_setup
	sync_setup
	two_agents
}

teardown() {
	if [ -n "${WPID:-}" ]; then
		kill -TERM "$WPID" 2>/dev/null || true
		wait "$WPID" 2>/dev/null || true
	fi
}

plan() {
	printf -- '---\ntype: plan\n---\n%s\n' "$2" >"$1"
}

# cycles FILE: the --json lines (cycles reported) so far.
cycles() {
	grep -c '"ok":' "$1" 2>/dev/null || true
}

@test "--watch: a change every 0.25 s does not starve the periodic cycle" {
	local j="$BATS_TEST_TMPDIR/j" i
	vault-sync -q -j -C "$VAULT_DIR" -a local --watch --interval 0.5 >"$j" 2>/dev/null &
	WPID=$!
	for i in $(seq 50); do
		[ "$(cycles "$j")" -ge 1 ] && break
		sleep 0.1
	done
	# 4 s of changes, never a second of quiet for the debounce
	for i in $(seq 16); do
		plan "$VAULT_DIR/Plans/S$i.md" "S$i"
		sleep 0.25
	done
	# the stream was synced while it went on, not only after it
	[ "$(cycles "$j")" -ge 3 ] || { cat "$j"; false; }
	remote_has Plans/S1.md
}

@test "--watch: a repack lets the replaced packs go (none stays mapped or open)" {
	local j="$BATS_TEST_TMPDIR/j" i
	export VAULT_SYNC_MAX_PACKS=2
	vault-sync -q -j -C "$VAULT_DIR" -a local --watch --interval 0.2 >"$j" 2>/dev/null &
	WPID=$!
	# each cloud push is one more pack for the daemon's fetch to bring
	for i in $(seq 12); do
		plan "$CLOUD/Plans/C$i.md" "C$i"
		csync -q
		sleep 0.3
	done
	for i in $(seq 100); do
		grep -q '"repacked":[12]' "$j" && break
		sleep 0.1
	done
	grep -q '"repacked":[12]' "$j" || { cat "$j"; false; }
	# a cycle after the last repack, then what the process holds
	i=$(cycles "$j")
	while [ "$(cycles "$j")" -le "$((i + 1))" ]; do sleep 0.1; done
	[ -d "/proc/$WPID" ]
	run grep 'objects/pack/.*(deleted)' "/proc/$WPID/maps"
	refute_output
	run find "/proc/$WPID/fd" -lname '*objects/pack/*(deleted)'
	refute_output
}

@test "--watch: merge after merge in one process, the index ends as HEAD (let go for each merge, read again)" {
	local j="$BATS_TEST_TMPDIR/j" i n
	# a long quiet and period: the cloud's push (which the daemon, watching
	# the path remote's refs, fetches at once) finds our file waiting for
	# its cycle, so the two sides change between the daemon's cycles and
	# it has to merge
	VAULT_SYNC_QUIET_MS=2000 vault-sync -q -j -C "$VAULT_DIR" -a local --watch \
	    --interval 3 >"$j" 2>/dev/null &
	WPID=$!
	for i in $(seq 8); do
		plan "$VAULT_DIR/Plans/L$i.md" "L$i"
		plan "$CLOUD/Plans/C$i.md" "C$i"
		csync -q
		sleep 0.3
	done
	for i in $(seq 100); do
		[ "$(grep -c '"merged":true' "$j")" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(grep -c '"merged":true' "$j")" -ge 2 ] || { cat "$j"; false; }
	# two quiet cycles more: everything of ours is pushed by then
	n=$(cycles "$j")
	while [ "$(cycles "$j")" -le "$((n + 1))" ]; do sleep 0.1; done
	[ -d "/proc/$WPID" ]
	for i in $(seq 8); do
		remote_has "Plans/L$i.md"
		[ -f "$VAULT_DIR/Plans/C$i.md" ]
	done
	run git -C "$VAULT_DIR" diff --cached --name-only HEAD
	refute_output
	run git -C "$VAULT_DIR" status --porcelain
	assert_output ""
	# an index left behind by a merge would have had the next cycle
	# commit the cloud's files again, as local's
	run git -C "$VAULT_DIR" log --no-merges --format=%s -- 'Plans/C*'
	assert_success
	refute_line --regexp '^local:'
	assert_line --regexp '^cloud:'
}

@test "--watch: between cycles no pack stays mapped or open (the repository's caches let go)" {
	local j="$BATS_TEST_TMPDIR/j" i n
	vault-sync -q -j -C "$VAULT_DIR" -a local --watch --interval 3 >"$j" 2>/dev/null &
	WPID=$!
	# a merge reads the packs of both sides
	for i in $(seq 3); do
		plan "$VAULT_DIR/Plans/L$i.md" "L$i"
		plan "$CLOUD/Plans/C$i.md" "C$i"
		csync -q
		sleep 0.6
	done
	for i in $(seq 150); do
		grep -q '"merged":true' "$j" && break
		sleep 0.1
	done
	grep -q '"merged":true' "$j" || { cat "$j"; false; }
	# the quiet after a cycle with nothing to do: the next is 3 s away
	n=$(cycles "$j")
	while [ "$(cycles "$j")" -le "$((n + 1))" ]; do sleep 0.05; done
	sleep 0.3
	[ -d "/proc/$WPID" ]
	compgen -G "$VAULT_DIR/.git/objects/pack/*.pack" >/dev/null
	run grep 'objects/pack/' "/proc/$WPID/maps"
	refute_output
	run find "/proc/$WPID/fd" -lname '*objects/pack/*'
	refute_output
}
