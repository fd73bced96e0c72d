#!/bin/bash
# t/bench/watch-rss.sh - issue 25's memory benchmark: two long-running
# vault-sync --watch daemons (agent local and agent cloud) sharing one bare
# remote, on a vault of BENCH_FILES notes, while a writer makes a change
# every BENCH_RSS_TICK seconds, taking turns between the two vaults (a new
# note, and every fourth change an edit of an old one), so each daemon
# commits, fetches, merges and pushes all along. Every second it reads
# VmRSS of both from /proc/PID/status (the sampled RSS); beside each
# daemon t/bench/cycle-rss.py reads it every 50 ms and takes each cycle's
# own peak from VmHWM, which the kernel keeps between reads, so that the
# peak of a cycle shorter than a second is counted too (file-backed pages
# as well: RSS counts them). It prints the sampled RSS and the peak of
# each beside issue 25's target (25 MB), the cycle of the highest peak
# (RssAnon and RssFile in it, and what it did), a line every
# BENCH_RSS_EVERY seconds to show growth, and uptime (the load average)
# beside the result. A benchmark, not a test: exits 0 unless it could not
# run.
#
#   BENCH_RSS_SECONDS   seconds of load (default 180)
#   BENCH_RSS_TICK      seconds between changes (default 0.25)
#   BENCH_RSS_INTERVAL  the daemons' --interval (default 5: a cycle at
#                       least every 5 s, as the 1 s debounce of --watch
#                       never ends under a change every 0.25 s)
#   BENCH_RSS_EVERY     seconds between progress lines (default 30)
#   BENCH_FILES, BENCH_SIZE  the vault, as in sync.sh (default 10000 x 2000)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${AIE_BIN:-$top/build/bin}
SECS=${BENCH_RSS_SECONDS:-180}
TICK=${BENCH_RSS_TICK:-0.25}
IVAL=${BENCH_RSS_INTERVAL:-5}
EVERY=${BENCH_RSS_EVERY:-30}
FILES=${BENCH_FILES:-10000}
SIZE=${BENCH_SIZE:-2000}
[ -x "$bin/vault-sync" ] || { echo "watch-rss.sh: $bin/vault-sync: not built (run make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/aie-bench-rss.XXXXXX)
pids=()
# every process this script starts, it stops
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${BENCH_DEBUG:-}" ]; then
		echo "watch-rss.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export HOME=$tmp/home AI_EMPLOYEE_CONFIG=$tmp/env VAULT_SYNC_BACKOFF=0 TZ=UTC
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"
: >"$AI_EMPLOYEE_CONFIG"
chmod 600 "$AI_EMPLOYEE_CONFIG"

echo "watch RSS bench: $FILES files x $SIZE bytes, a change every $TICK s for $SECS s, --watch --interval $IVAL"

remote=$tmp/remote.git
git init -q --bare "$remote"
"$bin/vault-init" -q --remote "$remote" "$tmp/local" >/dev/null
python3 - "$tmp/local" "$FILES" "$SIZE" <<'EOF'
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
git -C "$tmp/local" add -A
git -C "$tmp/local" commit -q --no-verify -m "bench: synthetic vault"
git -C "$tmp/local" push -q origin HEAD
"$bin/vault-init" -q -a cloud --no-key --clone "$remote" "$tmp/cloud" >/dev/null

for agent in local cloud; do
	"$bin/vault-sync" -q -j -C "$tmp/$agent" -a "$agent" --watch --interval "$IVAL" \
	    >"$tmp/$agent.json" 2>"$tmp/$agent.err" &
	pids+=($!)
	echo $! >"$tmp/$agent.pid"
	: >"$tmp/$agent.cycles"
	python3 "$top/t/bench/cycle-rss.py" $! "$tmp/$agent.json" "$tmp/$agent.cycles" &
	pids+=($!)
done

# The writer: a new note each tick, in turns in each vault (its own
# folder, so the two never conflict); every fourth tick an old note edited.
(
	i=0
	while :; do
		for agent in local cloud; do
			d=$tmp/$agent/Done/email/2026-12
			mkdir -p "$d"
			printf -- '---\ntype: note\nid: %s_%06d\n---\nchange %d\n' \
			    "${agent^^}" "$i" "$RANDOM" >"$d/${agent^^}_$i.md"
			# an old note where it is (NOTE_k lives in month k % 12 + 1),
			# not a new one of the same ID in another month: that is a
			# claim race to the merge, past FILES ticks
			if ((i % 4 == 0)); then
				k=$((i % FILES))
				echo "edit $RANDOM" >>"$(printf '%s/Done/email/2026-%02d/NOTE_%06d.md' \
				    "$tmp/$agent" $((k % 12 + 1)) "$k")"
			fi
			i=$((i + 1))
			sleep "$TICK"
		done
	done
) &
pids+=($!)

# kb PID FIELD: a /proc/PID/status field in KB, 0 when gone.
kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# peak AGENT: the highest cycle peak so far, in KB.
peak() { jq -s 'map(.hwm) | max // 0' "$tmp/$1.cycles"; }

lpid=$(cat "$tmp/local.pid") cpid=$(cat "$tmp/cloud.pid")
declare -A sampled=([local]=0 [cloud]=0)
printf '%6s %14s %14s %14s %14s\n' s local-RSS/MB local-peak/MB cloud-RSS/MB cloud-peak/MB
for ((t = 1; t <= SECS; t++)); do
	sleep 1
	for agent in local cloud; do
		p=$(cat "$tmp/$agent.pid")
		kill -0 "$p" 2>/dev/null || { echo "watch-rss.sh: the $agent daemon died:" >&2; cat "$tmp/$agent.err" >&2; exit 1; }
		r=$(kb "$p" VmRSS)
		((r > sampled[$agent])) && sampled[$agent]=$r
	done
	if ((t % EVERY == 0 || t == SECS)); then
		awk -v t="$t" -v a="$(kb "$lpid" VmRSS)" -v b="$(peak local)" \
		    -v c="$(kb "$cpid" VmRSS)" -v d="$(peak cloud)" \
		    'BEGIN { printf "%6d %14.1f %14.1f %14.1f %14.1f\n", t, a/1024, b/1024, c/1024, d/1024 }'
	fi
done
commits=$(git -C "$remote" rev-list --count HEAD)
for agent in local cloud; do
	k=$(peak "$agent")
	awk -v a="$agent" -v k="$k" -v s="${sampled[$agent]}" \
	    -v n="$(grep -c '"ok":' "$tmp/$agent.json")" \
	    -v r="$(grep -c '"repacked":[12]' "$tmp/$agent.json")" \
	    -v o="$(jq -s 'map(select(.hwm > 25600)) | length' "$tmp/$agent.cycles")" 'BEGIN {
		printf "peak RSS of vault-sync --watch (%s): %.1f MB (target <= 25 MB)  %s  (sampled each second: %.1f MB; %d cycles, %d repacking, %d over 25 MB)\n",
		    a, k / 1024, k <= 25600 ? "meets" : "misses", s / 1024, n, r, o }'
	jq -rs 'max_by(.hwm) | "  the highest, cycle \(.cycle): RssAnon up to \(.anon) kB, RssFile up to \(.file) kB; staged \(.staged), merged \(.merged), pushed \(.pushed), repacked \(.repacked), \(.ms) ms"' "$tmp/$agent.cycles"
done
echo "remote: $commits commits; errors told: local $(grep -c . "$tmp/local.err" || true), cloud $(grep -c . "$tmp/cloud.err" || true)"
echo "uptime: $(uptime)"
