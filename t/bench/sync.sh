#!/bin/bash
# t/bench/sync.sh - issue 3's benchmark: vault-sync against the git CLI
# (git add -A; git commit; git pull --rebase; git push), side by side on
# the same synthetic vault, alternating, BENCH_ROUNDS rounds of four
# cycles: no change, 20 local changes, 20 remote changes to pull, both at
# once (a real rebase). Then the same four cycles inside long-running
# vault-sync --watch processes (index, odb and remote kept warm), timed
# from the "ms" field of their --json lines, against the git CLI's
# one-shot cycles; then the time a file written on one agent takes to
# appear in the other's vault with both in --watch (median and p99).
# Prints median times, each ratio vault-sync/git with its spread (the
# min-max of the rounds' ratios) beside issue 24's target, vault-sync's
# peak RSS and that of a repack's child (a process of its own), and the
# load average before and after, warning when it is
# over 0.5 (a loaded machine slows git's many processes more than one
# vault-sync: the ratios then flatter vault-sync). A benchmark, not a
# test: exits 0 unless it could not run.
#
#   BENCH_FILES  Markdown files in the vault (default 10000)
#   BENCH_SIZE   bytes per file (default 10000: 100 MB, the design's
#                scale; smaller for a quick look)
#   BENCH_ROUNDS rounds of each cycle (default 7)
#   BENCH_WATCH_CYCLES  no-change --watch cycles timed (default 20)
#   BENCH_PROPAGATE     files sent across for the propagation time
#                       (default 50, half each way)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${AIE_BIN:-$top/build/bin}
FILES=${BENCH_FILES:-10000}
SIZE=${BENCH_SIZE:-10000}
ROUNDS=${BENCH_ROUNDS:-7}
PROPAGATE=${BENCH_PROPAGATE:-50}
[ -x "$bin/vault-sync" ] || { echo "sync.sh: $bin/vault-sync: not built (run make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/aie-bench-sync.XXXXXX)
pids=()
# every daemon this script starts, it stops
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# load: the 1-minute load average, with a warning over 0.5.
load() { # WHEN
	local l
	l=$(cut -d' ' -f1 /proc/loadavg)
	echo "load average $1: $l ($(nproc) cores)"
	awk -v l="$l" 'BEGIN { exit !(l > 0.5) }' &&
	    echo "sync.sh: warning: load average $l > 0.5: the machine is not quiet; the ratios flatter vault-sync" >&2
	return 0
}
export HOME=$tmp/home AI_EMPLOYEE_CONFIG=$tmp/env VAULT_SYNC_BACKOFF=0 TZ=UTC
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"
: >"$AI_EMPLOYEE_CONFIG"
chmod 600 "$AI_EMPLOYEE_CONFIG"

# kb_max FIELD FILE...: the highest "FIELD":N of vault-sync's --json
# lines (rss_kb: the process's own peak RSS; repack_kb: that of a repack
# child it collected), 0 when none.
kb_max() {
	local f=$1
	shift
	cat "$@" 2>/dev/null | grep -o "\"$f\":[0-9]*" | cut -d: -f2 | sort -n | tail -n 1 | grep . || echo 0
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

echo "sync bench: $FILES files x $SIZE bytes ($((FILES * SIZE / 1000000)) MB), $ROUNDS rounds; $(git --version)"
load before
# what a new file costs here (create-cost.sh, which warns when it is
# high): the git CLI writes each new object as a file of its own,
# vault-sync a pack of them, so a high cost flatters vault-sync
echo "a new file beside the vaults: $("$top/t/bench/create-cost.sh" "$tmp/probe") us"

# The vault: vault-init's layout plus FILES notes under Done/email/YYYY-MM.
r1=$tmp/r1.git r2=$tmp/r2.git
git init -q --bare "$r1"
"$bin/vault-init" -q --remote "$r1" "$tmp/vs" >/dev/null
python3 - "$tmp/vs" "$FILES" "$SIZE" <<'EOF'
import os, sys
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\n"
body = (line * (size // len(line) + 1))[:size]
for i in range(n):
    d = os.path.join(root, "Done", "email", "2026-%02d" % (i % 12 + 1))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "NOTE_%06d.md" % i), "w") as f:
        f.write("---\ntype: note\nid: NOTE_%06d\n---\n%s" % (i, body))
EOF
git -C "$tmp/vs" add -A
git -C "$tmp/vs" commit -q --no-verify -m "bench: synthetic vault"
git -C "$tmp/vs" push -q origin HEAD
git clone -q --bare "$r1" "$r2"
"$bin/vault-init" -q -a cloud --no-key --clone "$r1" "$tmp/vspeer" >/dev/null
git clone -q "$r2" "$tmp/git"
git clone -q "$r2" "$tmp/gitpeer"

vsync() { "$bin/vault-sync" -q -C "$1" -a "$2"; }
gsync() { sh -c 'git add -A; git commit -q -m x >/dev/null; git pull -q --rebase; git push -q' 2>&1; }

# touch20 DIR FIRST: change 20 notes, FIRST to FIRST+19.
touch20() {
	local i f
	for ((i = $2; i < $2 + 20; i++)); do
		f=$(printf '%s/Done/email/2026-%02d/NOTE_%06d.md' "$1" $((i % 12 + 1)) "$i")
		echo "change $RANDOM" >>"$f"
	done
}

# prepare CYCLE TOOL ROUND: set the scene for one timed cycle.
prepare() {
	local dir peer base=$(($3 * 100))
	if [ "$2" = vs ]; then dir=$tmp/vs peer=$tmp/vspeer; else dir=$tmp/git peer=$tmp/gitpeer; fi
	case $1 in pull | both)
		touch20 "$peer" $((base + 50))
		if [ "$2" = vs ]; then vsync "$peer" cloud; else (cd "$peer" && gsync); fi ;;
	esac
	case $1 in change | both) touch20 "$dir" "$base" ;; esac
}

# One warm-up cycle each, so the first timed round is not the cold one.
vsync "$tmp/vs" local || true
(cd "$tmp/git" && gsync) || true

declare -A ms
for cycle in nochange change pull both; do
	for ((r = 1; r <= ROUNDS; r++)); do
		prepare "$cycle" vs "$r"
		t0=$(now_ms)
		rc=0
		"$bin/vault-sync" -q -j -C "$tmp/vs" -a local >>"$tmp/oneshot.json" || rc=$?
		t1=$(now_ms)
		[ "$rc" -le 1 ] || { echo "sync.sh: vault-sync exited $rc in the $cycle cycle" >&2; exit 1; }
		ms[$cycle,vs]+="$((t1 - t0)) "

		prepare "$cycle" git "$r"
		t0=$(now_ms)
		(cd "$tmp/git" && sh -c 'git add -A; git commit -q -m x >/dev/null; git pull -q --rebase; git push -q' 2>&1) || true
		t1=$(now_ms)
		ms[$cycle,git]+="$((t1 - t0)) "
	done
	# both sides must have converged with their remotes
	[ -z "$(git -C "$tmp/vs" status --porcelain)" ] || echo "sync.sh: warning: vault-sync left changes after $cycle" >&2
done
[ "$(git -C "$tmp/vs" rev-parse HEAD)" = "$(git -C "$r1" rev-parse HEAD)" ] ||
	echo "sync.sh: warning: vault-sync's branch differs from its remote" >&2


# --watch: the four cycles inside long-running processes, each timed by
# the "ms" of its --json line. start_watch OUT DIR AGENT INTERVAL starts
# one and waits for its start-up cycle; cycle_ms OUT N KEY waits for a
# line after the first N with "KEY":true (or, for staged, a number > 0)
# and prints its ms.
start_watch() {
	"$bin/vault-sync" -q -j -C "$2" -a "$3" --watch --interval "$4" >"$1" 2>"$1.err" &
	pids+=($!)
	wpid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "sync.sh: vault-sync --watch started no cycle" >&2
	cat "$1.err" >&2
	exit 1
}
stop_watch() { kill -TERM "$wpid"; wait "$wpid" || echo "sync.sh: warning: vault-sync --watch exited $?" >&2; }
cycle_ms() {
	local i line
	for ((i = 0; i < 600; i++)); do
		line=$(sed -n "$(($2 + 1)),\$p" "$1" | grep -E "\"$3\":(true|[1-9])" | head -n 1)
		[ -n "$line" ] && { echo "$line" | grep -o '"ms":[0-9.]*' | cut -d: -f2; return 0; }
		sleep 0.1
	done
	echo "sync.sh: no --watch cycle with $3 in 60 s" >&2
	cat "$1.err" >&2
	exit 1
}

# change and rebase: no periodic fetch (an hour), so only the change
# starts a cycle; for a rebase the peer has pushed first.
export VAULT_SYNC_QUIET_MS=100
start_watch "$tmp/w1.json" "$tmp/vs" local 3600
for ((r = 1; r <= ROUNDS; r++)); do
	n=$(wc -l <"$tmp/w1.json")
	touch20 "$tmp/vs" $((r * 100 + 1000))
	ms[change,watch]+="$(cycle_ms "$tmp/w1.json" "$n" staged) "
	# the daemon watches a path remote's refs and would fetch the peer's
	# push at once (a fast-forward, no rebase): stopped meanwhile, it
	# finds both the push and the local change when it goes on
	kill -STOP "$wpid"
	touch20 "$tmp/vspeer" $((r * 100 + 1050))
	vsync "$tmp/vspeer" cloud
	n=$(wc -l <"$tmp/w1.json")
	touch20 "$tmp/vs" $((r * 100 + 1020))
	kill -CONT "$wpid"
	ms[both,watch]+="$(cycle_ms "$tmp/w1.json" "$n" merged) "
done
stop_watch

# no change and pull: a periodic fetch every 0.3 s; the first WATCH_N
# cycles after the start-up one have nothing to do, then the peer pushes.
WATCH_N=${BENCH_WATCH_CYCLES:-20}
start_watch "$tmp/w2.json" "$tmp/vs" local 0.3
for ((i = 0; i < 600; i++)); do
	[ "$(wc -l <"$tmp/w2.json")" -gt "$WATCH_N" ] && break
	sleep 0.1
done
whwm=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status" 2>/dev/null || echo 0)
watch_ms=$(sed -n "2,$((WATCH_N + 1))p" "$tmp/w2.json" | grep -o '"ms":[0-9.]*' | cut -d: -f2 | tr '\n' ' ')
watch_first=$(head -n 1 "$tmp/w2.json" | grep -o '"ms":[0-9.]*' | cut -d: -f2)
[ -n "$watch_ms" ] || { echo "sync.sh: vault-sync --watch reported no cycle" >&2; cat "$tmp/w2.json.err" >&2; exit 1; }
ms[nochange,watch]=$watch_ms
for ((r = 1; r <= ROUNDS; r++)); do
	touch20 "$tmp/vspeer" $((r * 100 + 2000))
	n=$(wc -l <"$tmp/w2.json")
	vsync "$tmp/vspeer" cloud
	ms[pull,watch]+="$(cycle_ms "$tmp/w2.json" "$n" fastforward) "
done
k=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status" 2>/dev/null || echo 0)
[ "$k" -le "${whwm:-0}" ] || whwm=$k
stop_watch
unset VAULT_SYNC_QUIET_MS

# Time to propagate: both agents in --watch as deployed (the default
# quiet, a fetch every second); a new file written in one vault, timed
# until it is in the other's, PROPAGATE times, taking turns.
start_watch "$tmp/p1.json" "$tmp/vs" local 1
start_watch "$tmp/p2.json" "$tmp/vspeer" cloud 1
prop_ms=""
for ((i = 1; i <= PROPAGATE; i++)); do
	if ((i % 2)); then src=$tmp/vs dst=$tmp/vspeer; else src=$tmp/vspeer dst=$tmp/vs; fi
	f=Done/email/2026-01/PROP_$i.md
	t0=$(date +%s%N)
	printf -- '---\ntype: note\nid: PROP_%d\n---\nsent at %s\n' "$i" "$t0" >"$src/$f"
	for ((j = 0; j < 3000; j++)); do
		[ -f "$dst/$f" ] && break
		sleep 0.01
	done
	[ -f "$dst/$f" ] || { echo "sync.sh: $f did not reach the other vault in 30 s" >&2; exit 1; }
	prop_ms+="$((($(date +%s%N) - t0) / 1000000)) "
	sleep 0.$((RANDOM % 5))
done
kill -TERM "${pids[@]: -2}" 2>/dev/null || true

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pct() { tr ' ' '\n' | grep . | sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100+0.999); if (i<1) i=1; print a[i]}'; }

# ratio_line NAME VS_ROUNDS GIT_ROUNDS TARGET: medians, their ratio, and
# the spread of the rounds' own ratios (round i of one against round i of
# the other; a --watch list against the git CLI's median when the counts
# differ).
ratio_line() {
	awk -v c="$1" -v vs="$2" -v g="$3" -v t="$4" 'function med(a, n,   i, j, x) {
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return a[int((n + 1) / 2)] }
	BEGIN {
		nv = split(vs, v, " "); ng = split(g, gg, " ")
		for (i = 1; i <= nv; i++) vc[i] = v[i]; for (i = 1; i <= ng; i++) gc[i] = gg[i]
		mv = med(vc, nv); mg = med(gc, ng)
		lo = 1e9; hi = 0
		for (i = 1; i <= nv; i++) {
			d = (nv == ng) ? gg[i] : mg
			if (d > 0) { x = v[i] / d; if (x < lo) lo = x; if (x > hi) hi = x }
		}
		r = mg > 0 ? mv / mg : 0
		printf "%-16s %9.1f %9.1f %6.2fx  %5.2f-%-5.2f %6.2fx  %s\n", c, mv, mg, r, lo, hi, t, r <= t ? "meets" : "misses"
	}'
}

printf '%-16s %9s %9s %7s  %-11s %7s  %s\n' cycle vault-sync git ratio spread target verdict
for cycle in nochange change pull both; do
	if [ "$cycle" = nochange ]; then t=0.40; else t=0.65; fi
	ratio_line "$cycle" "${ms[$cycle,vs]}" "${ms[$cycle,git]}" "$t"
done
for cycle in nochange change pull both; do
	if [ "$cycle" = nochange ]; then t=0.15; else t=0.30; fi
	ratio_line "$cycle --watch" "${ms[$cycle,watch]}" "${ms[$cycle,git]}" "$t"
done
echo "(ms, medians; git is the one-shot CLI cycle in every row; --watch rows are the cycle's own time from its JSON line)"
echo "watch: first, full-scan cycle ${watch_first} ms; no-change cycles ms: ${ms[nochange,watch]}"
pm=$(echo "$prop_ms" | median) p99=$(echo "$prop_ms" | pct 99)
awk -v m="$pm" -v p="$p99" -v n="$PROPAGATE" 'BEGIN {
	printf "propagate: a new file to the other vault, both in --watch: median %d ms, p99 %d ms over %d (target p99 < 2000 ms)  %s\n", m, p, n, p < 2000 ? "meets" : "misses" }'
echo "propagate ms: $prop_ms"
# each round, for the noise (medians above)
for cycle in nochange change pull both; do
	echo "rounds/ms $cycle: vault-sync ${ms[$cycle,vs]}| git ${ms[$cycle,git]}| --watch ${ms[$cycle,watch]}"
done
maxrss=$(kb_max rss_kb "$tmp/oneshot.json" "$tmp"/[wp][12].json)
[ "${whwm:-0}" -le "$maxrss" ] || maxrss=$whwm
awk -v k="$maxrss" -v w="${whwm:-0}" 'BEGIN { printf "peak RSS of vault-sync: %.1f MB (target <= 25 MB)  %s  (--watch process: %.1f MB)\n", k / 1024, k <= 25600 ? "meets" : "misses", w / 1024 }'
awk -v k="$(kb_max repack_kb "$tmp/oneshot.json" "$tmp"/[wp][12].json)" 'BEGIN { printf "peak RSS of a repack child: %.1f MB (its own process, gone when the repack ends: libgit2 holds up to 16 MiB of delta bases for the pack it indexes; see vault-sync(1))\n", k / 1024 }'
load after
