#!/usr/bin/env bash
# t/soak/soak.sh - both agents as daemons for SOAK_SECONDS under random
# work and injected faults, then settle and check that nothing was lost.
#
# The local agent runs `vault-sync --watch`, the cloud `vault-sync
# --interval 1`, both against one bare path remote that each reaches
# through a symbolic link of its own (a partition points that link
# nowhere). As root the cloud's vault lives on a small tmpfs so that a
# full disk can be injected; otherwise that fault is skipped, said once.
#
# Every write puts a unique marker in the vault and in a ledger; at the
# end every marker must be in the vault (at a path or in a conflict copy),
# both clones equal, fsck clean, every item at exactly one path, no claim
# pushed by both agents, every audit line valid JSON, no daemon wedged,
# and each daemon's resident memory within SOAK_RSS_MAX_KB.
#
# SOAK_SECONDS (600), SOAK_SEED (random; printed), SOAK_RSS_MAX_KB
# (25600), SOAK_TMPFS_MB (48), SOAK_WEDGE_SECONDS (30: a run of cycles
# refused for a held lock that long is a wedge), SOAK_KEEP=1 keeps the work
# folder.
# Exit 0 when every check holds, 1 on a violation, 2 when it cannot run.
set -u

die() { echo "soak: $*" >&2; exit 2; }

[ -n "${AIE_BIN:-}" ] || die "AIE_BIN is not set (run it as make soak)"
for c in jq git vault-init; do
	command -v "$c" >/dev/null 2>&1 || [ -x "$AIE_BIN/$c" ] ||
		die "$c is missing"
done
export PATH="$AIE_BIN:$PATH"

run_for=${SOAK_SECONDS:-600}
seed=${SOAK_SEED:-$((SRANDOM % 1000000))}
rss_max=${SOAK_RSS_MAX_KB:-25600}
tmpfs_mb=${SOAK_TMPFS_MB:-48}
case "$run_for$seed$rss_max$tmpfs_mb" in
*[!0-9]*) die "SOAK_SECONDS, SOAK_SEED, SOAK_RSS_MAX_KB and SOAK_TMPFS_MB take whole numbers" ;;
esac
[ "$run_for" -ge 10 ] || die "SOAK_SECONDS must be at least 10"
RANDOM=$seed

W=$(mktemp -d "${TMPDIR:-/tmp}/aie-soak.XXXXXX") || die "mktemp failed"
export HOME=$W/home AI_EMPLOYEE_CONFIG=$W/env TZ=UTC
export VAULT_SYNC_BACKOFF=1
unset VAULT_DIR VAULT_AGENT
mkdir -p "$HOME" "$W/net" "$W/logs"
LOCAL=$W/local
tmpfs=""
declare -A pid=()

cleanup() {
	local a
	for a in "${!pid[@]}"; do
		kill "${pid[$a]}" 2>/dev/null
		wait "${pid[$a]}" 2>/dev/null
	done
	# the cloud's clone lives on the tmpfs: kept, it is copied out first
	[ "${SOAK_KEEP:-}" = 1 ] && [ -n "$tmpfs" ] &&
		cp -a "$tmpfs/vault" "$W/cloud-kept" 2>/dev/null
	[ -n "$tmpfs" ] && umount "$tmpfs" 2>/dev/null
	if [ "${SOAK_KEEP:-}" = 1 ]; then
		echo "soak: kept $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

if [ "$(id -u)" -eq 0 ] && mkdir -p "$W/cloudfs" &&
    mount -t tmpfs -o "size=${tmpfs_mb}m" tmpfs "$W/cloudfs" 2>/dev/null; then
	tmpfs=$W/cloudfs
	CLOUD=$tmpfs/vault
else
	echo "soak: not root or no tmpfs: the full-disk fault is skipped" >&2
	CLOUD=$W/cloud
fi

git init -q --bare "$W/remote.git" || die "git init failed"
for a in local cloud; do
	ln -s ../remote.git "$W/net/$a" || die "cannot link the remote for $a"
done
vault-init -q --remote "$W/net/local" "$LOCAL" >/dev/null ||
	die "vault-init of the local vault failed"
vault-init -q -a cloud --no-key --clone "$W/net/cloud" "$CLOUD" >/dev/null ||
	die "vault-init of the cloud's clone failed"
mkdir -p "$LOCAL/Notes" "$CLOUD/Notes"

vault_of() { if [ "$1" = local ]; then echo "$LOCAL"; else echo "$CLOUD"; fi; }
other() { if [ "$1" = local ]; then echo cloud; else echo local; fi; }

start() {
	local a=$1 v
	v=$(vault_of "$a")
	if [ "$a" = local ]; then
		vault-sync -C "$v" -a local --watch --interval 2 -j \
		    >>"$W/logs/local.jsonl" 2>>"$W/logs/local.err" &
	else
		vault-sync -C "$v" -a cloud --interval 1 -j \
		    >>"$W/logs/cloud.jsonl" 2>>"$W/logs/cloud.err" &
	fi
	pid[$a]=$!
}

# The ledger: markers that must survive; a marker the test deletes on
# purpose is taken out of it.
declare -A need=()
declare -A ops=() faults=()
n=0
double=0
claims_won=0

marker() { n=$((n + 1)); m="mk-$n-$1"; }

notes_of() {
	local v
	v=$(vault_of "$1")
	shopt -s nullglob
	files=("$v"/Notes/*.md "$v"/Notes/*/*.md)
	shopt -u nullglob
}

# shared_note: a note path (relative) that both clones hold, or "".
shared_note() {
	local f c
	notes_of local
	c=${#files[@]}
	rel=""
	[ "$c" -gt 0 ] || return 0
	f=${files[RANDOM % c]}
	rel=${f#"$LOCAL"/}
	[ -f "$CLOUD/$rel" ] || rel=""
}

# markers_in PATH...: every marker in the files at PATH, wherever it is in
# its line. A write the full disk cut short leaves the start of its marker
# with no newline (tmpfs takes what fits in the page it has), and the next
# marker appended to that file follows it on the same line: that marker
# is there, and must count.
markers_in() {
	grep -rhoE --exclude-dir=.git --exclude-dir=.state 'mk-[0-9]+-(local|cloud)' "$@"
}

# put SIDE FILE: append marker $m to FILE; it joins the ledger only when
# the write succeeded (a full disk refuses some, and may leave a part).
put() {
	if printf '%s\n' "$m" >>"$2" 2>/dev/null; then
		need[$m]=1
	fi
}

# forget_markers_in FILE: its markers leave the ledger (deleted on
# purpose). Found anywhere in a line, as the final check finds them: see
# markers_in.
forget_markers_in() {
	local t
	while IFS= read -r t; do
		unset "need[$t]"
	done < <(markers_in "$1")
}

# claim_race ID: both agents claim ID with --push at the same moment.
claim_race() {
	local id=$1 a b ra rb
	vault-claim -q -C "$LOCAL" -a local --push "$id" >/dev/null 2>>"$W/logs/claims.err" & a=$!
	vault-claim -q -C "$CLOUD" -a cloud --push "$id" >/dev/null 2>>"$W/logs/claims.err" & b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	echo "$id local=$ra cloud=$rb" >>"$W/logs/claims"
	if [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ]; then
		double=$((double + 1))
		echo "soak: $id: both agents won a --push claim" >&2
	fi
	if [ "$ra" -eq 0 ] || [ "$rb" -eq 0 ]; then claims_won=$((claims_won + 1)); fi
}

items=()
one_op() {
	local a v o f rel id k
	if [ $((RANDOM % 2)) -eq 0 ]; then a=local; else a=cloud; fi
	v=$(vault_of "$a")
	k=$((RANDOM % 20))
	notes_of "$a"
	if [ "${#files[@]}" -eq 0 ] || [ "$k" -lt 4 ]; then
		marker "$a"
		put "$a" "$v/Notes/N_${a}_$n.md"
		ops[create]=$((${ops[create]:-0} + 1))
	elif [ "$k" -lt 9 ]; then
		marker "$a"
		put "$a" "${files[RANDOM % ${#files[@]}]}"
		ops[append]=$((${ops[append]:-0} + 1))
	elif [ "$k" -lt 11 ]; then
		shared_note
		[ -n "$rel" ] || return 0
		marker local; put local "$LOCAL/$rel"
		marker cloud; put cloud "$CLOUD/$rel"
		ops[both_sides]=$((${ops[both_sides]:-0} + 1))
	elif [ "$k" -lt 12 ]; then
		shared_note
		[ -n "$rel" ] || return 0
		o=$(other "$a")
		# what the deleter saw is deleted on purpose; the edit must live
		forget_markers_in "$v/$rel"
		rm -f "$v/$rel"
		marker "$o"; put "$o" "$(vault_of "$o")/$rel"
		ops[delete_vs_edit]=$((${ops[delete_vs_edit]:-0} + 1))
	elif [ "$k" -lt 13 ]; then
		shared_note
		[ -n "$rel" ] || return 0
		[ "${rel#Notes/moved/}" = "$rel" ] || return 0
		o=$(other "$a")
		mkdir -p "$v/Notes/moved" 2>/dev/null
		# a new name: a rename never lands on a file (that would delete it)
		f=${rel##*/}
		mv -n "$v/$rel" "$v/Notes/moved/${f%.md}-r$n.md" 2>/dev/null || return 0
		marker "$o"; put "$o" "$(vault_of "$o")/$rel"
		ops[rename_vs_edit]=$((${ops[rename_vs_edit]:-0} + 1))
	elif [ "$k" -lt 16 ]; then
		id="SOAK_${n}_$a"
		marker "$a"
		mkdir -p "$v/Needs_Action/general" 2>/dev/null
		if printf -- '---\ntype: task\nid: %s\ncreated: %s\ndomain: general\nstatus: new\n---\n%s\n' \
		    "$id" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$m" \
		    >"$v/Needs_Action/general/$id.md" 2>/dev/null; then
			need[$m]=1
			items+=("$id")
		fi
		ops[item]=$((${ops[item]:-0} + 1))
	elif [ "${#items[@]}" -gt 0 ]; then
		id=${items[RANDOM % ${#items[@]}]}
		if [ $((k % 2)) -eq 0 ]; then
			claim_race "$id"
			ops[claim_push_race]=$((${ops[claim_push_race]:-0} + 1))
		else
			vault-claim -q -C "$v" -a "$a" "$id" >/dev/null 2>>"$W/logs/claims.err"
			ops[claim]=$((${ops[claim]:-0} + 1))
		fi
	fi
}

rss_peak_local=0 rss_peak_cloud=0
sample_rss() {
	local a kb st peak
	for a in local cloud; do
		st=$(cat "/proc/${pid[$a]}/status" 2>/dev/null) || continue
		kb=$(awk '/^VmRSS:/ {print $2}' <<<"$st")
		[ -n "$kb" ] || continue
		if [ "$a" = local ]; then peak=$rss_peak_local; else peak=$rss_peak_cloud; fi
		[ "$kb" -gt "$peak" ] || continue
		if [ "$a" = local ]; then rss_peak_local=$kb; else rss_peak_cloud=$kb; fi
		# What a new peak is made of, and when, to set beside the cycle log.
		awk -v t="$(date +%s.%N)" -v a="$a" '/^(VmRSS|RssAnon|RssFile|VmHWM):/ {
			f = f " " $1 $2 } END { print t, a f }' <<<"$st" >>"$W/logs/rss-peaks.log"
	done
}

# Faults. One of each kind at a time; their ends are times in seconds.
declare -A part_end=([local]=0 [cloud]=0)
disk_end=0
gap=$((run_for / 8)); [ "$gap" -le 30 ] || gap=30; [ "$gap" -ge 5 ] || gap=5
span=$((run_for / 6)); [ "$span" -le 30 ] || span=30; [ "$span" -ge 3 ] || span=3
fault_log() { echo "$SECONDS $*" >>"$W/logs/faults"; }

partition() {
	ln -sfn "$W/nowhere" "$W/net/$1.new" && mv -T "$W/net/$1.new" "$W/net/$1"
}
heal() {
	ln -sfn ../remote.git "$W/net/$1.new" && mv -T "$W/net/$1.new" "$W/net/$1"
}

inject() {
	local k=$((RANDOM % 3)) a d
	if [ $((RANDOM % 2)) -eq 0 ]; then a=local; else a=cloud; fi
	d=$((span / 3 + RANDOM % (span - span / 3 + 1)))
	if [ "$k" -eq 2 ] && { [ -z "$tmpfs" ] || [ "$disk_end" -gt 0 ]; }; then k=0; fi
	if [ "$k" -eq 1 ]; then
		if [ "${part_end[$a]}" -gt 0 ]; then k=0; else
			partition "$a"
			part_end[$a]=$((SECONDS + d))
			faults[partition]=$((${faults[partition]:-0} + 1))
			fault_log "partition $a ${d}s"
			return
		fi
	fi
	if [ "$k" -eq 2 ]; then
		dd if=/dev/zero of="$tmpfs/filler" bs=1M 2>/dev/null
		disk_end=$((SECONDS + d))
		faults[full_disk]=$((${faults[full_disk]:-0} + 1))
		fault_log "full disk cloud ${d}s"
		return
	fi
	kill -9 "${pid[$a]}" 2>/dev/null
	wait "${pid[$a]}" 2>/dev/null
	sleep "0.$((RANDOM % 10))"
	start "$a"
	faults[kill9]=$((${faults[kill9]:-0} + 1))
	fault_log "kill -9 $a"
}

end_faults() {
	local now=$1 a
	for a in local cloud; do
		if [ "${part_end[$a]}" -gt 0 ] && [ "$now" -ge "${part_end[$a]}" ]; then
			heal "$a"; part_end[$a]=0; fault_log "heal $a"
		fi
	done
	if [ "$disk_end" -gt 0 ] && [ "$now" -ge "$disk_end" ]; then
		rm -f "$tmpfs/filler"; disk_end=0; fault_log "disk freed"
	fi
}

echo "soak: seed $seed (SOAK_SEED=$seed replays the work), $run_for s, work in $W" >&2
start local
start cloud
SECONDS=0
next_fault=$((gap / 2))
ticks=0
while [ "$SECONDS" -lt "$run_for" ]; do
	one_op
	ticks=$((ticks + 1))
	[ $((ticks % 3)) -ne 0 ] || sample_rss
	end_faults "$SECONDS"
	if [ "$SECONDS" -ge "$next_fault" ] && [ "$SECONDS" -lt $((run_for - span)) ]; then
		inject
		next_fault=$((SECONDS + gap / 2 + RANDOM % (gap + 1)))
	fi
	sleep 0.3
done
end_faults 999999999

# Settle: each daemon must complete a good cycle after the last fault.
wedged=""
for a in local cloud; do
	before=$(wc -l <"$W/logs/$a.jsonl")
	ok=0
	for _ in $(seq 120); do
		sample_rss
		if tail -n "+$((before + 1))" "$W/logs/$a.jsonl" | grep -q '"ok":true'; then
			ok=1; break
		fi
		sleep 0.5
	done
	[ "$ok" -eq 1 ] || wedged="$wedged $a"
done
hwm_local=$(awk '/^VmHWM:/ {print $2}' "/proc/${pid[local]}/status" 2>/dev/null)
hwm_cloud=$(awk '/^VmHWM:/ {print $2}' "/proc/${pid[cloud]}/status" 2>/dev/null)
for a in local cloud; do
	kill "${pid[$a]}" 2>/dev/null
	wait "${pid[$a]}" 2>/dev/null
	unset "pid[$a]"
done

# Cycles refused for a held sync lock, in runs per agent: only the daemons
# and vault-claim --push take that lock here, and a push under a loaded
# machine holds it for seconds. A run that lasts WEDGE_SECONDS or more is a
# wedge (a lock nobody lets go: the defect of issue 25 held it until the
# daemon was restarted); its cycles are counted, and the longest run of
# either kind is printed.
WEDGE_SECONDS=${SOAK_WEDGE_SECONDS:-30}
lock_runs() { # AGENT: "cycles seconds" of each run of refused cycles
	jq -r 'if (.error // "" | test("held by another")) then "L \(.ts)" else "- \(.ts)" end' \
	    "$W/logs/$1.jsonl" 2>/dev/null | while read -r k ts; do
		t=$(date -u -d "$ts" +%s 2>/dev/null) || continue
		echo "$k $t"
	done | awk '$1 == "L" { if (!n) first = $2; n++; last = $2; next }
	    n { print n, last - first; n = 0 } END { if (n) print n, last - first }'
}
runs=$( { lock_runs local; lock_runs cloud; } )
wedged_cycles=$(echo "$runs" | awk -v w="$WEDGE_SECONDS" 'NF && $2 >= w { c += $1 } END { print c + 0 }')
longest_lock=$(echo "$runs" | awk 'NF && $1 > n { n = $1; s = $2 } END { printf "%d cycles, %d s", n, s }')

for round in 1 2 3 4 5 6 7 8; do
	out=$(vault-sync -q -j -C "$LOCAL" -a local; vault-sync -q -j -C "$CLOUD" -a cloud)
	[[ $out == *'"pushed":true'* || $out == *'"merged":true'* ||
	    $out == *'"fastforward":true'* || $out == *'"ok":false'* ]] || break
done

violations=0
fail() { echo "soak: FAIL: $*" >&2; violations=$((violations + 1)); }

[ "$round" -lt 8 ] || fail "the clones still moved after $round one-shot rounds"
diff -r -x .git -x .state "$LOCAL" "$CLOUD" >"$W/logs/diff" 2>&1 ||
	fail "the clones differ: $(wc -l <"$W/logs/diff") lines of diff -r"
for r in "$W/remote.git" "$LOCAL/.git" "$CLOUD/.git"; do
	git -C "$r" fsck --full --strict --no-progress >"$W/logs/fsck" 2>&1 ||
		fail "fsck of $r: $(head -n 3 "$W/logs/fsck")"
done

declare -A have=()
while IFS= read -r t; do have[$t]=1; done < <(markers_in "$LOCAL" "$CLOUD")
# lines a full disk tore (a marker's start, maybe another marker after
# it), in one clone (the two are the same)
torn=$(grep -rhE --exclude-dir=.git --exclude-dir=.state 'mk-[0-9]' "$LOCAL" |
    grep -cvxE 'mk-[0-9]+-(local|cloud)' || true)
lost=0
for t in "${!need[@]}"; do
	[ -n "${have[$t]:-}" ] || { lost=$((lost + 1)); echo "lost $t" >>"$W/logs/lost"; }
done
[ "$lost" -eq 0 ] || fail "$lost markers lost (first: $(head -n 1 "$W/logs/lost"))"

places=0
for id in "${items[@]}"; do
	c=$(find "$LOCAL" -path "$LOCAL/.git" -prune -o -name "$id.md" -print | wc -l)
	[ "$c" -eq 1 ] || { places=$((places + 1)); echo "$id at $c paths" >>"$W/logs/places"; }
done
[ "$places" -eq 0 ] || fail "$places items not at exactly one path ($(head -n 1 "$W/logs/places"))"
[ "$double" -eq 0 ] || fail "$double claims won by both agents"

bad_audit=0
for v in "$LOCAL" "$CLOUD"; do
	for f in "$v"/Logs/*.jsonl; do
		[ -f "$f" ] || continue
		c=$(jq -nR '[inputs | (try fromjson catch null) | select(type != "object")] | length' <"$f")
		bad_audit=$((bad_audit + c))
	done
done
[ "$bad_audit" -eq 0 ] || fail "$bad_audit audit lines are not JSON objects"
[ -z "$wedged" ] || fail "no good cycle after the faults ended:$wedged"
[ "$wedged_cycles" -eq 0 ] || fail "$wedged_cycles cycles wedged on a held sync lock (runs of ${WEDGE_SECONDS} s or more)"
[ "$rss_peak_local" -le "$rss_max" ] || fail "local daemon RSS ${rss_peak_local} kB > ${rss_max} kB"
[ "$rss_peak_cloud" -le "$rss_max" ] || fail "cloud daemon RSS ${rss_peak_cloud} kB > ${rss_max} kB"

list() {
	local -n h=$1
	local k s=""
	for k in $(printf '%s\n' "${!h[@]}" | sort); do s="$s $k=${h[$k]}"; done
	echo "${s# }"
}
total() {
	local -n h=$1
	local v s=0
	for v in "${h[@]}"; do s=$((s + v)); done
	echo "$s"
}
cycles() { jq -s 'length' "$W/logs/$1.jsonl"; }
failed_cycles() { jq -s 'map(select(.ok != true)) | length' "$W/logs/$1.jsonl"; }

echo "soak: seed $seed, $run_for s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "soak: ops $(total ops) ($(list ops)); claims won $claims_won"
echo "soak: faults $(total faults) ($(list faults))"
echo "soak: cycles local $(cycles local) ($(failed_cycles local) failed), cloud $(cycles cloud) ($(failed_cycles cloud) failed)"
echo "soak: markers ${#need[@]}, lost $lost (lines a full disk tore: $torn), items ${#items[@]}, not at one path $places, double claims $double, wedged cycles $wedged_cycles, bad audit lines $bad_audit"
echo "soak: longest run of cycles refused for a held sync lock: $longest_lock (a wedge: ${WEDGE_SECONDS} s or more)"
echo "soak: peak RSS local ${rss_peak_local} kB (VmHWM ${hwm_local:-?}), cloud ${rss_peak_cloud} kB (VmHWM ${hwm_cloud:-?}), bound ${rss_max} kB"
for a in local cloud; do
	grep " $a " "$W/logs/rss-peaks.log" 2>/dev/null | tail -n 1 |
	    sed "s/^/soak: $a's peak (time, agent, kB): /"
done
if [ "$violations" -gt 0 ]; then
	echo "soak: $violations violations (SOAK_KEEP=1 keeps the work folder)"
	exit 1
fi
echo "soak: passed"
