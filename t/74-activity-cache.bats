#!/usr/bin/env bats
# /activity's count cache and its reading back from the end of the log
# (see ai-employee-dashboard(1), ACTIVITY): every page shows exactly what
# a plain reading of the whole log gives (t/data/activity-ref.py), while
# the log grows between requests, is rotated (a new inode), truncated,
# ends in a half-written line, or the cache file is damaged; with and
# without filters. End to end through nginx + fcgiwrap.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	rm -f "$VAULT_DIR"/Logs/*.jsonl
	find "$VAULT_DIR/.state" -name dashboard-activity.cache -delete
	mkdir -p "$VAULT_DIR/Logs"
	TODAY="$VAULT_DIR/Logs/$(date -u +%F).jsonl"
}

# add FILE FIRST N: append events FIRST..FIRST+N-1 (domains and agents
# varying, a non-JSON line every 50th) to FILE.
add() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
f, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f, "a") as o:
    for i in range(first, first + n):
        if i % 50 == 49:
            o.write("not json %d\n" % i)
            continue
        d = ("email", "finance", "general")[i % 3]
        o.write(json.dumps({"event": "create", "id": "task_%06d" % i,
            "to": "Needs_Action/%s/task_%06d.md" % (d, i),
            "ts": "2026-01-01T10:00:00Z",
            "agent": ("local", "cloud")[i % 2]}) + "\n")
PY
}

# same QUERY: the page's items and count equal the reference's.
same() {
	req "$URL/activity?$1"
	[ "$code" = 200 ] || { echo "$1: $code"; return 1; }
	got=$( { grep -o '<p>[0-9]* event' "$B"; grep -o 'id=task_[0-9]*"' "$B"; } | tr '\n' ' ')
	want=$(/usr/bin/python3 "$T_DIR/data/activity-ref.py" "$VAULT_DIR/Logs" "$1" | tr '\n' ' ')
	[ "$got" = "$want" ] || { echo "$1: got $got"; echo "want $want"; return 1; }
}

# all: the views the test compares.
all() {
	local q
	for q in '' 'page=1' 'page=3' 'page=40' 'domain=finance' 'agent=cloud' \
	    'agent=cloud&domain=email&page=1' 'range=7d' 'range=7d&page=5'; do
		same "$q" || return 1
	done
}

@test "activity cache: a log growing between requests shows what a whole reading does" {
	add "$TODAY" 0 1000
	all
	cache=$(find "$VAULT_DIR/.state" -name dashboard-activity.cache)
	[ -n "$cache" ]
	grep -q '^aie-activity-cache 1 ' "$cache"
	for n in 1 7 30 600; do
		add "$TODAY" "$((1000 + n * 10))" "$n"
		all
	done
	# the cache counted only the appended tail: its offset is the file's size
	size=$(stat -c %s "$TODAY")
	grep -q " $size [0-9]* Logs/$(date -u +%F).jsonl\$" "$cache"
}

@test "activity cache: a rotated log (a new inode), a truncated one, a damaged cache" {
	add "$TODAY" 0 3000
	all
	# rotated: a new file of the same name, bigger, other lines
	add "$BATS_TEST_TMPDIR/new" 5000 3500
	mv "$BATS_TEST_TMPDIR/new" "$TODAY"
	all
	# truncated in place and written again, larger than before
	: >"$TODAY"
	add "$TODAY" 9000 4000
	all
	# a damaged cache file is a miss, not an error
	cache=$(find "$VAULT_DIR/.state" -name dashboard-activity.cache)
	sed -i 's/^\([0-9]*\) /\19 /' "$cache"
	all
	printf 'garbage' >"$cache"
	all
}

@test "activity cache: a half-written last line counts as a whole reading counts it" {
	add "$TODAY" 0 100
	printf '%s' '{"event":"create","id":"task_777777","ts":"2026-01-01T10:00:00Z","agent":"local"}' >>"$TODAY"
	all
	printf '\n' >>"$TODAY"
	add "$TODAY" 200 10
	all
	printf '%s' '{"event":"create","id":"task_8' >>"$TODAY"
	all
	printf '%s\n' '88888","ts":"2026-01-01T10:00:00Z","agent":"local"}' >>"$TODAY"
	all
}

@test "activity cache: older days of the week, long lines and a log bigger than the first chunk read back" {
	for d in 1 3 6; do
		add "$VAULT_DIR/Logs/$(date -u -d "@$(($(date +%s) - d * 86400))" +%F).jsonl" "$((d * 100000))" 700
	done
	add "$TODAY" 0 20
	/usr/bin/python3 -c 'import sys; print("{" + "x" * 9000)' >>"$TODAY"
	add "$TODAY" 20 20
	all
	same 'range=7d&page=50'
	same 'range=7d&page=83'
	same 'range=7d&agent=local&page=30'
}

@test "activity cache: DASHBOARD_CACHE=off reads the whole log and writes no cache" {
	add "$TODAY" 0 300
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	tok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	env -i PATH="$PATH" HOME="$HOME" VAULT_DIR="$VAULT_DIR" \
	    AI_EMPLOYEE_CONFIG="$AI_EMPLOYEE_CONFIG" TZ=UTC DASHBOARD_CACHE=off \
	    REQUEST_METHOD=GET PATH_INFO=/activity QUERY_STRING=page=2 \
	    HTTP_COOKIE="aie_session=$tok" "$AIE_CGI/dashboard.cgi" >"$B"
	grep -q '<p>294 events today' "$B"
	grep -q 'id=task_000243"' "$B"
	[ -z "$(find "$VAULT_DIR/.state" -name dashboard-activity.cache)" ]
	same 'page=2'
	[ -n "$(find "$VAULT_DIR/.state" -name dashboard-activity.cache)" ]
}
