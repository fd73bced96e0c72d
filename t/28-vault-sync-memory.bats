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

# merge_daemon ROUNDS NAP MERGES ARGS...: a local --watch daemon
# (vault-sync ARGS; $WPID, its --json lines in $J) while ROUNDS times a
# plan is written on each side and the cloud pushes, NAP s apart; back
# once MERGES of its cycles merged and two more ended after that
# (everything of ours pushed by then).
merge_daemon() {
	local rounds=$1 nap=$2 merges=$3 i n
	shift 3
	J=$BATS_TEST_TMPDIR/j
	vault-sync -q -j -C "$VAULT_DIR" -a local --watch "$@" >"$J" 2>/dev/null &
	WPID=$!
	for i in $(seq "$rounds"); do
		plan "$VAULT_DIR/Plans/L$i.md" "L$i"
		plan "$CLOUD/Plans/C$i.md" "C$i"
		csync -q
		sleep "$nap"
	done
	for i in $(seq 150); do
		[ "$(grep -c '"merged":true' "$J")" -ge "$merges" ] && break
		sleep 0.1
	done
	[ "$(grep -c '"merged":true' "$J")" -ge "$merges" ] || { cat "$J"; false; }
	n=$(cycles "$J")
	while [ "$(cycles "$J")" -le "$((n + 1))" ]; do sleep 0.05; done
	[ -d "/proc/$WPID" ]
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
	local i
	# a long quiet and period: the cloud's push (which the daemon, watching
	# the path remote's refs, fetches at once) finds our file waiting for
	# its cycle, so the two sides change between the daemon's cycles and
	# it has to merge
	VAULT_SYNC_QUIET_MS=2000 merge_daemon 8 0.3 2 --interval 3
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
	# a merge reads the packs of both sides; then the quiet after a cycle
	# with nothing to do: the next is 3 s away
	merge_daemon 3 0.6 1 --interval 3
	sleep 0.3
	[ -d "/proc/$WPID" ]
	compgen -G "$VAULT_DIR/.git/objects/pack/*.pack" >/dev/null
	run grep 'objects/pack/' "/proc/$WPID/maps"
	refute_output
	run find "/proc/$WPID/fd" -lname '*objects/pack/*'
	refute_output
}

# kb PID FIELD: a /proc/PID/status field in kB.
kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# notes N SPREAD: N notes of 2 kB alike but for their IDs, the first
# SPREAD over the year's folders and the rest in December's, committed,
# pushed and synced to the cloud: packed as deltas of one another, so
# reading one walks a chain through the pack.
notes() {
	python3 - "$VAULT_DIR" "$1" "$2" <<'PY'
import os, sys
body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\n" * 31
n, spread = int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    m = i % 12 + 1 if i < spread else 12
    d = os.path.join(sys.argv[1], "Done", "email", "2026-%02d" % m)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "NOTE_%06d.md" % i), "w") as f:
        f.write("---\ntype: note\nid: NOTE_%06d\n---\n%s" % (i, body))
PY
	git -C "$VAULT_DIR" add -A
	git -C "$VAULT_DIR" -c user.name=t -c user.email=t@example.com \
	    commit -q --no-verify -m "$1 notes"
	git -C "$VAULT_DIR" push -q origin HEAD
	csync -q
}

# note_of VAULT N: the path of note N of those notes makes, in its
# month's folder (N below the spread).
note_of() {
	printf '%s/Done/email/2026-%02d/NOTE_%06d.md' "$1" $(($2 % 12 + 1)) "$2"
}

# stopped_daemon: a local --watch daemon ($WPID, its --json lines in
# $BATS_TEST_TMPDIR/j) that ran its first cycle, then stopped (SIGSTOP).
stopped_daemon() {
	local i
	VAULT_SYNC_QUIET_MS=5000 vault-sync -q -j -C "$VAULT_DIR" -a local --watch \
	    --interval 3600 >"$BATS_TEST_TMPDIR/j" 2>/dev/null &
	WPID=$!
	for i in $(seq 600); do
		[ "$(cycles "$BATS_TEST_TMPDIR/j")" -ge 1 ] && break
		sleep 0.1
	done
	kill -STOP "$WPID"
}

# one_cycle: the stopped daemon let go for one cycle; $before is its RSS
# before it and $peak the cycle's peak (VmHWM), in kB.
one_cycle() {
	local i n
	before=$(kb "$WPID" VmRSS)
	echo 5 >"/proc/$WPID/clear_refs"        # VmHWM from here
	n=$(cycles "$BATS_TEST_TMPDIR/j")
	kill -CONT "$WPID"
	for i in $(seq 1200); do
		[ "$(cycles "$BATS_TEST_TMPDIR/j")" -gt "$n" ] && break
		sleep 0.1
	done
	peak=$(kb "$WPID" VmHWM)
}

@test "--watch: a daemon fallen behind merges 200 remote changes within its memory bound" {
	# RSS under AddressSanitizer is its shadow memory, not ours
	[ -z "${AIE_SAN:-}" ] || skip "RSS is not measurable under SAN=1"
	local i k before peak n
	notes 15000 15000
	stopped_daemon
	# stopped while the cloud pushes 200 changes in 10 cycles and 20
	# notes change here: then one cycle commits, fetches, merges, pushes
	k=0
	for i in $(seq 10); do
		for _ in $(seq 20); do
			n=$((k * 7 % 15000))
			echo "cloud $k" >>"$(note_of "$CLOUD" "$n")"
			k=$((k + 1))
		done
		csync -q
	done
	for i in $(seq 20); do
		n=$((7500 + i * 13))
		echo "local $i" >>"$(note_of "$VAULT_DIR" "$n")"
	done
	one_cycle
	tail -n 1 "$BATS_TEST_TMPDIR/j" | grep -q '"merged":true' ||
	    { cat "$BATS_TEST_TMPDIR/j"; false; }
	# vault-sync(1), Memory: 1 MB of parsed objects, 2 MB of mapped pack
	# windows; the cycle grows the daemon by 3.7 MB (7.5 MB with 2 MB of
	# objects and 4 MB of windows)
	echo "RSS before the cycle ${before} kB, its peak ${peak} kB"
	[ "$((peak - before))" -le 5632 ]
}

@test "--watch: a cycle that stages 200 changes and merges 15 remote commits into a large folder stays within 25 MB" {
	# RSS under AddressSanitizer is its shadow memory, not ours
	[ -z "${AIE_SAN:-}" ] || skip "RSS is not measurable under SAN=1"
	local i k n before peak
	# 10,000 notes over the year and 7,000 in this month's folder, whose
	# tree (330 kB) each commit there makes anew
	notes 17000 10000
	stopped_daemon
	# stopped while the cloud pushes 15 commits, each adding 10 notes to
	# the large folder and editing 10 others, and 200 notes change here
	k=0
	for i in $(seq 15); do
		for _ in $(seq 10); do
			n=$((k * 7 % 10000))
			echo "cloud $k" >>"$(note_of "$CLOUD" "$n")"
			printf -- '---\ntype: note\nid: CLOUD_%06d\n---\nc\n' "$k" >"$CLOUD/Done/email/2026-12/CLOUD_$k.md"
			k=$((k + 1))
		done
		csync -q
	done
	for i in $(seq 200); do
		if ((i % 3)); then
			printf -- '---\ntype: note\nid: LOCAL_%06d\n---\nl\n' "$i" >"$VAULT_DIR/Done/email/2026-12/LOCAL_$i.md"
		else
			n=$((5003 + i * 11))
			echo "local $i" >>"$(note_of "$VAULT_DIR" $((n % 10000)))"
		fi
	done
	one_cycle
	tail -n 1 "$BATS_TEST_TMPDIR/j" | grep -q '"staged":200,.*"merged":true' ||
	    { tail -n 1 "$BATS_TEST_TMPDIR/j"; false; }
	# issue 25's bound (vault-sync(1), Memory)
	echo "RSS before the cycle ${before} kB, its peak ${peak} kB"
	[ "$peak" -le 25600 ]
}
