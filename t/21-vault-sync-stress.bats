#!/usr/bin/env bats
# vault-sync under load: many random operations on both clones, both
# agents syncing at the same moment, many cycles (the packs stay bounded).
# Each step is kept cheap (bash builtins between sync points; git only to
# check at the end) so that the file runs in about a minute.
load helper
load sync

setup() { common_setup; mkvault; sync_setup; }

# plan FILE TOKEN: write a small plan holding TOKEN (builtins only).
plan() {
	printf -- '---\ntype: plan\n---\n%s\n' "$2" >"$1"
}

# property SEED: 200 random operations on both clones, random syncs, then
# every token written is somewhere, the trees equal, no secret out.
property() {
	two_agents
	# a failure prints its seed; VAULT_SYNC_PROP_SEED=N replays the run
	local seed=$1
	echo "# property seed $seed (VAULT_SYNC_PROP_SEED=$seed bats t/21-vault-sync-stress.bats replays it)"
	RANDOM=$seed
	local -A expect=() have=()
	local i a v f n op t line round out files
	shopt -s nullglob
	for i in $(seq 200); do
		if [ $((RANDOM % 2)) -eq 0 ]; then a=local v=$VAULT_DIR; else a=cloud v=$CLOUD; fi
		[ -d "$v/Plans/general" ] || mkdir -p "$v/Plans/general"
		files=("$v"/Plans/*.md "$v"/Plans/*/*.md)
		n=${#files[@]}
		op=$((RANDOM % 10))
		if [ "$n" -eq 0 ] || [ "$op" -lt 3 ]; then
			plan "$v/Plans/general/P_${a}_$i.md" "tok-$a-$i"
			expect[tok-$a-$i]=1
		elif [ "$op" -lt 6 ]; then
			f=${files[RANDOM % n]}
			echo "tok-$a-$i" >>"$f"
			expect[tok-$a-$i]=1
		elif [ "$op" -lt 7 ]; then
			f=${files[RANDOM % n]}
			[ -d "$v/Plans/other" ] || mkdir -p "$v/Plans/other"
			[ "${f#"$v"/Plans/other/}" = "$f" ] && mv "$f" "$v/Plans/other/"
		elif [ "$op" -lt 8 ]; then
			f=${files[RANDOM % n]}
			# what the deleter saw is deleted on purpose
			while IFS= read -r line; do
				[[ $line == tok-* ]] && unset "expect[$line]"
			done <"$f"
			rm "$f"
		elif [ "$op" -lt 9 ]; then
			echo "K=sk-ant-api03-SECRETSECRETSECRET$i" >"$v/Plans/general/s$i.md"
			echo "x" >"$v/.env.$i"
		else
			vault-sync -q -C "$v" -a "$a" || true
		fi
	done
	# both sync until a round where neither moved anything
	for round in 1 2 3 4 5 6; do
		out=$(lsync -q -j; csync -q -j)
		[[ $out == *'"pushed":true'* || $out == *'"merged":true'* ||
		    $out == *'"fastforward":true'* ]] || break
	done
	[ "$round" -lt 6 ] || { echo "still moving after $round rounds"; false; }
	# the secrets stay where they were written, uncommitted
	run diff -r -x .git -x .state -x 's[0-9]*.md' -x '.env.*' "$VAULT_DIR" "$CLOUD"
	assert_success
	# every content ever written is at a path or in a conflict copy (a
	# line appended to a secret file stays with that file)
	while IFS= read -r t; do
		have[$t]=1
	done < <(grep -rhx --exclude-dir=.git --exclude-dir=.state 'tok-[a-z]*-[0-9]*' "$VAULT_DIR" "$CLOUD")
	n=0
	for t in "${!expect[@]}"; do
		[ -n "${have[$t]:-}" ] || { echo "lost: $t"; n=$((n + 1)); }
	done
	[ "$n" -eq 0 ]
	[ "${#expect[@]}" -gt 20 ]
	run git -C "$REMOTE" log -p --all
	refute_output --partial "SECRETSECRET"
	run git -C "$REMOTE" log --all --name-only --format=
	refute_output --regexp '(^|/)\.env\.'
	run git -C "$REMOTE" fsck --no-progress
	assert_success
}

@test "property: 200 random operations on both clones, random syncs; nothing lost, trees equal, no secret out" {
	property "${VAULT_SYNC_PROP_SEED:-$((SRANDOM % 1000000))}"
}

@test "property, seed 439663: two conflicts of one file within a second keep both conflict copies" {
	# this seed made the second conflict copy of a note overwrite the
	# first (the same name within one second) and lost a line
	property 439663
}

@test "both agents syncing at once, 50 times over: no commit of either is lost" {
	two_agents
	local i a b t n
	local -A tree=() hist=()
	for i in $(seq 50); do
		plan "$VAULT_DIR/Plans/L$i.md" "L$i"
		plan "$CLOUD/Plans/C$i.md" "C$i"
		lsync -q -j >>"$BATS_TEST_TMPDIR/l.json" & a=$!
		csync -q -j >>"$BATS_TEST_TMPDIR/c.json" & b=$!
		wait "$a"
		wait "$b"
	done
	lsync -q
	csync -q
	# every commit either agent made is in the remote's history
	while read -r t; do hist[$t]=1; done < <(git -C "$REMOTE" rev-list HEAD)
	n=0
	while read -r t; do
		[ -n "${hist[$t]:-}" ] || { echo "lost commit $t"; n=$((n + 1)); }
	done < <(grep -oh '"commit":"[0-9a-f]*"' "$BATS_TEST_TMPDIR"/[lc].json | cut -d'"' -f4)
	[ "$n" -eq 0 ]
	[ "$(grep -c '"commit":"' "$BATS_TEST_TMPDIR"/[lc].json | awk -F: '{s += $2} END {print s}')" -eq 100 ]
	while read -r t; do tree[$t]=1; done < <(git -C "$REMOTE" ls-tree -r --name-only HEAD Plans)
	for i in $(seq 50); do
		[ -n "${tree[Plans/L$i.md]:-}" ] || { echo "missing L$i"; false; }
		[ -n "${tree[Plans/C$i.md]:-}" ] || { echo "missing C$i"; false; }
	done
	run same_trees
	assert_success
}

@test "repack: after 40 cycles the packs stay bounded, fsck --full is clean, no commit is lost" {
	two_agents
	export VAULT_SYNC_MAX_PACKS=4
	local i t n packs
	local -A hist=()
	for i in $(seq 40); do
		plan "$VAULT_DIR/Plans/L$i.md" "L$i"
		plan "$CLOUD/Plans/C$i.md" "C$i"
		lsync -q -j >>"$BATS_TEST_TMPDIR/j"
		csync -q -j >>"$BATS_TEST_TMPDIR/j"
	done
	lsync -q -j >>"$BATS_TEST_TMPDIR/j"
	# the remote, the local and the cloud's repositories all got repacked
	grep -q '"repacked":2' "$BATS_TEST_TMPDIR/j"
	for d in "$REMOTE" "$VAULT_DIR/.git" "$CLOUD/.git"; do
		packs=("$d"/objects/pack/*.pack)
		[ "${#packs[@]}" -le 5 ] || { echo "$d: ${#packs[@]} packs"; false; }
		run git -C "$d" fsck --full --no-progress --strict
		assert_success
		refute_output
	done
	while read -r t; do hist[$t]=1; done < <(git -C "$REMOTE" rev-list HEAD)
	n=0
	while read -r t; do
		[ -n "${hist[$t]:-}" ] || { echo "lost commit $t"; n=$((n + 1)); }
	done < <(grep -o '"commit":"[0-9a-f]*"' "$BATS_TEST_TMPDIR/j" | cut -d'"' -f4)
	[ "$n" -eq 0 ]
	[ "$(grep -c '"commit":"' "$BATS_TEST_TMPDIR/j")" -eq 80 ]
	# every object of the history can be read back
	git -C "$REMOTE" rev-list --objects HEAD >/dev/null
	[ "$(git -C "$REMOTE" ls-tree -r --name-only HEAD Plans | grep -c '^Plans/[LC][0-9]*\.md$')" -eq 80 ]
	run same_trees
	assert_success
}

# history N: N commits, each changing 3 of 100 notes, written by four
# runs of fast-import: four packs of one size, so a repack rewrites all.
history() {
	local c i b
	b=$(git -C "$VAULT_DIR" symbolic-ref --short HEAD)
	for c in $(seq "$1"); do
		printf 'commit refs/heads/%s\ncommitter a <a@x> %d +0000\ndata 1\nc\n' "$b" $((1700000000 + c))
		[ $(((c - 1) % ($1 / 4))) -ne 0 ] || echo "from $b^0"
		for i in 1 2 3; do
			printf 'M 100644 inline Notes/n%03d.md\ndata <<EOF\n' $(((c * 7 + i * 31) % 100))
			for t in $(seq 12); do echo "line $t of note $i, version $c of the text"; done
			printf 'EOF\n'
		done
		echo
		if [ $((c % ($1 / 4))) -eq 0 ]; then echo '#flush'; fi
	done | awk -v dir="$VAULT_DIR" '
		{ buf = buf $0 "\n" }
		/^#flush$/ { sub(/#flush\n$/, "", buf); printf "%s", buf | ("git -C \"" dir "\" fast-import --quiet"); close("git -C \"" dir "\" fast-import --quiet"); buf = "" }'
	git -C "$VAULT_DIR" reset -q --hard
}

# repacking: a one-shot vault-sync ($pid) whose cycle leaves a repack of
# a long history running in a child of its own ($child).
repacking() {
	history 1200
	echo change >>"$VAULT_DIR/Notes/n001.md"
	VAULT_SYNC_MAX_PACKS=1 vault-sync -C "$VAULT_DIR" -a local -q &
	pid=$!
	wait_for -t 20 pgrep -P "$pid"
	child=$(pgrep -P "$pid")
}

@test "repack: a full repack pairs versions of one note as deltas (a pack near git's own size)" {
	history 600
	git -C "$VAULT_DIR" clone -q --bare . "$BATS_TEST_TMPDIR/gits.git"
	git -C "$BATS_TEST_TMPDIR/gits.git" repack -a -d -q
	echo change >>"$VAULT_DIR/Notes/n001.md"
	VAULT_SYNC_MAX_PACKS=1 lsync -q -j >"$BATS_TEST_TMPDIR/j"
	grep -q '"repacked":1' "$BATS_TEST_TMPDIR/j"
	packs=("$VAULT_DIR"/.git/objects/pack/*.pack)
	[ "${#packs[@]}" -eq 1 ]
	ours=$(stat -c %s "${packs[0]}")
	gits=$(stat -c %s "$BATS_TEST_TMPDIR"/gits.git/objects/pack/*.pack)
	echo "# ours $ours bytes, git's $gits"
	[ "$ours" -le $((gits * 3 / 2)) ]
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress
	assert_success
}

# folders N: a commit of 12 folders of 100 notes each (one pack), then N
# commits each changing one note of every folder (a pack each): folder
# trees of one size, which only their paths tell apart.
folders() {
	local b f n c
	b=$(git -C "$VAULT_DIR" symbolic-ref --short HEAD)
	{
		printf 'commit refs/heads/%s\ncommitter a <a@x> 1700000000 +0000\ndata 1\nc\nfrom %s^0\n' "$b" "$b"
		for f in $(seq -w 1 12); do
			for n in $(seq -w 1 100); do
				printf 'M 100644 inline Notes/f%s/n%s.md\ndata <<EOF\nnote %s of folder %s\nEOF\n' "$f" "$n" "$n" "$f"
			done
		done
		echo
	} | git -C "$VAULT_DIR" fast-import --quiet
	for c in $(seq "$1"); do
		versions "$c" "$c"
	done
	git -C "$VAULT_DIR" reset -q --hard
}

# other_pack GITDIR NAME: the size of the one pack of GITDIR not named NAME.
other_pack() {
	local p
	for p in "$1"/objects/pack/*.pack; do
		[ "${p##*/}" = "$2" ] || stat -c %s "$p"
	done
}

@test "repack: a repack of the small packs pairs versions of one folder's tree (a pack near git's own size)" {
	local big ours gits packs
	folders 12
	cp -a "$VAULT_DIR/.git" "$BATS_TEST_TMPDIR/gits.git"
	big=$(ls -S "$BATS_TEST_TMPDIR"/gits.git/objects/pack/*.pack | head -n 1)
	touch "${big%.pack}.keep"
	git -C "$BATS_TEST_TMPDIR/gits.git" repack -a -d -q
	gits=$(other_pack "$BATS_TEST_TMPDIR/gits.git" "${big##*/}")
	VAULT_SYNC_MAX_PACKS=4 lsync -q -j >"$BATS_TEST_TMPDIR/j"
	grep -q '"repacked":1' "$BATS_TEST_TMPDIR/j"
	packs=("$VAULT_DIR"/.git/objects/pack/*.pack)
	[ "${#packs[@]}" -eq 2 ]
	# the large pack kept as it was: only the small ones rewritten
	[ -f "$VAULT_DIR/.git/objects/pack/${big##*/}" ]
	ours=$(other_pack "$VAULT_DIR/.git" "${big##*/}")
	echo "# ours $ours bytes, git's $gits"
	[ "$ours" -le $((gits * 3 / 2)) ]
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress
	assert_success
}

# versions FROM TO: one pack of the commits FROM to TO, each changing one
# note of every folder of folders().
versions() {
	local b c f
	b=$(git -C "$VAULT_DIR" symbolic-ref --short HEAD)
	for c in $(seq "$1" "$2"); do
		printf 'commit refs/heads/%s\ncommitter a <a@x> %d +0000\ndata 1\nc\n' "$b" $((1700000000 + c))
		[ "$c" -ne "$1" ] || printf 'from %s^0\n' "$b"
		for f in $(seq -w 1 12); do
			printf 'M 100644 inline Notes/f%s/n%03d.md\ndata <<EOF\nnote of folder %s, version %d\nEOF\n' "$f" $((c * 7 % 100 + 1)) "$f" "$c"
		done
		echo
	done | git -C "$VAULT_DIR" -c fastimport.unpackLimit=1 fast-import --quiet
	git -C "$VAULT_DIR" reset -q --hard
}

@test "repack: a small pack that outweighs twice the smaller ones together stays (a geometric progression)" {
	local mid packs
	folders 0
	versions 1 10
	mid=$(ls -t "$VAULT_DIR"/.git/objects/pack/*.pack | head -n 1)
	versions 11 11
	versions 12 12
	echo "one more" >>"$VAULT_DIR/Notes/f01/n001.md"
	VAULT_SYNC_MAX_PACKS=3 lsync -q -j >"$BATS_TEST_TMPDIR/j"
	grep -q '"repacked":1' "$BATS_TEST_TMPDIR/j"
	# the first pack, the ten commits' pack, and one of the rest
	[ -f "$mid" ]
	packs=("$VAULT_DIR"/.git/objects/pack/*.pack)
	[ "${#packs[@]}" -eq 3 ] || { ls -l "$VAULT_DIR"/.git/objects/pack; false; }
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress
	assert_success
}

@test "repack: the --json line gives the repack child's peak memory beside the process's own" {
	history 600
	echo change >>"$VAULT_DIR/Notes/n001.md"
	VAULT_SYNC_MAX_PACKS=1 lsync -q -j >"$BATS_TEST_TMPDIR/j"
	jq -e '.repacked == 1 and .repack_kb > 1000 and .rss_kb > 1000' "$BATS_TEST_TMPDIR/j"
	echo again >>"$VAULT_DIR/Notes/n001.md"
	lsync -q -j >"$BATS_TEST_TMPDIR/j"
	jq -e '.repacked == 0 and .repack_kb == 0 and .rss_kb > 1000' "$BATS_TEST_TMPDIR/j"
}

@test "repack: a loose object that cannot be read stays loose, and the rest of the small packs are packed" {
	local blob obj packs
	folders 12
	echo "cut short" >"$VAULT_DIR/Notes/cut.md"
	git -C "$VAULT_DIR" add Notes/cut.md
	git -C "$VAULT_DIR" -c user.name=a -c user.email=a@x commit -q --no-verify -m cut
	# its blob loose and emptied, as a crash can leave it
	blob=$(git -C "$VAULT_DIR" rev-parse HEAD:Notes/cut.md)
	obj=$VAULT_DIR/.git/objects/${blob:0:2}/${blob:2}
	chmod u+w "$obj"
	: >"$obj"
	VAULT_SYNC_MAX_PACKS=4 lsync -q -j >"$BATS_TEST_TMPDIR/j" || true
	grep -q '"repacked":1' "$BATS_TEST_TMPDIR/j"
	[ -f "$obj" ]
	packs=("$VAULT_DIR"/.git/objects/pack/*.pack)
	[ "${#packs[@]}" -eq 2 ]
}

@test "repack: a commit only the reflog names, and a dangling one, survive a full repack" {
	export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@x
	history 200
	echo one >>"$VAULT_DIR/Notes/n001.md"
	git -C "$VAULT_DIR" add -A && git -C "$VAULT_DIR" commit -qm gone
	gone=$(git -C "$VAULT_DIR" rev-parse HEAD)
	git -C "$VAULT_DIR" reset -q --hard HEAD~1
	dangling=$(echo x | git -C "$VAULT_DIR" commit-tree "HEAD^{tree}")
	git -C "$VAULT_DIR" repack -q
	echo two >>"$VAULT_DIR/Notes/n002.md"
	VAULT_SYNC_MAX_PACKS=1 lsync -q -j >"$BATS_TEST_TMPDIR/j"
	grep -q '"repacked":1' "$BATS_TEST_TMPDIR/j"
	git -C "$VAULT_DIR" cat-file -e "$gone"
	git -C "$VAULT_DIR" cat-file -e "$dangling"
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	refute_output
}

@test "repack: a vault-sync killed while its child repacks takes the child with it; the next cycle is not held" {
	repacking
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# the child dies with it (it held the sync lock it inherited), well
	# before the repack it was doing could have ended
	wait_for -t 0.5 bash -c "! ps -o stat= -p $child | grep -qv '^Z'"
	# a held lock would answer 75 at once (the cycle does not wait for it)
	run --separate-stderr lsync -q
	assert_success
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
}

@test "repack: the repacking child holds no lock of the cycle's; the next cycle runs beside it" {
	repacking
	# the sync lock is free while the repack runs (it was held by the
	# child it inherited), and a cycle runs now, leaving the repack be
	flock -n "$VAULT_DIR/.state/local/sync.lock" true
	echo again >>"$VAULT_DIR/Notes/n002.md"
	run --separate-stderr lsync -q -j
	assert_success
	[[ "$output" == *'"repacked":0'* ]]
	# the check above ran while the repack did
	ps -o stat= -p "$child" | grep -qv '^Z'
	wait "$pid"
	packs=("$VAULT_DIR"/.git/objects/pack/*.pack)
	[ "${#packs[@]}" -le 2 ]
	run git -C "$VAULT_DIR" fsck --full --strict --no-progress --no-dangling
	assert_success
	[ "$(git -C "$VAULT_DIR" log -1 --format=%s)" != "" ]
	git -C "$VAULT_DIR" diff --quiet HEAD
}
