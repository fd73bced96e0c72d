#!/usr/bin/env bats
# pages.cgi's list cache (cgi/pages/ui-list.c over statcache_cached,
# cgi/dash/statcache.c): /briefings and /plans keep their sorted list in
# .state/<agent>/pages-briefings.cache and pages-plans.cache, keyed by the
# stat() of Briefings/, Plans/ and each Plans/<domain>/. Every new or
# removed file must show in the very next request. The CGI runs alone with
# CGI variables set, one fresh vault per test; as with the status cache, a
# list is written only once its folders have been quiet for 2 s, so tests
# that need a warm cache date the vault back (settle).
load helper
load cgi

setup() {
	cgi_setup
	BC=$VAULT_DIR/.state/local/pages-briefings.cache
	PC=$VAULT_DIR/.state/local/pages-plans.cache
	H=$BATS_TEST_TMPDIR/headers
	J=$BATS_TEST_TMPDIR/body
	mkdir -p "$VAULT_DIR/Briefings"
}

# get PATH [VAR=VALUE...]: one request to pages.cgi; headers in $H, the
# page in $J.
get() {
	local path=$1
	shift
	cgi_get pages.cgi "$path" "$@" \
	    >"$BATS_TEST_TMPDIR/reply"
	sed -n '1,/^\r$/p' "$BATS_TEST_TMPDIR/reply" | tr -d '\r' >"$H"
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/reply" >"$J"
	grep -q '^Status: 200' "$H" || fail "GET $path: $(head -n 1 "$H")"
}

# cache: the reply's X-Status-Cache (hit, miss or off).
cache() {
	sed -n 's/^X-Status-Cache: //p' "$H"
}

# settle: the vault (not .state) dated 10 s back, as nobody touched it.
settle() {
	find "$VAULT_DIR" -path "$VAULT_DIR/.state" -prune -o \
	    -exec touch -m -d "@$(($(date +%s) - 10))" {} +
}

# briefings N: N Mondays back from 2026-11-30.
briefings() {
	local w
	for w in $(seq 0 $(($1 - 1))); do
		printf -- '---\ntype: briefing\n---\n# Monday\n' \
		    >"$VAULT_DIR/Briefings/$(date -u -d "2026-11-30 - $((w * 7)) days" +%F)_Monday_Briefing.md"
	done
}

# plan ID [DOMAIN]: Plans/DOMAIN/PLAN_ID.md.
plan() {
	local d=${2:-email}
	mkdir -p "$VAULT_DIR/Plans/$d"
	printf -- '---\ntype: plan\nid: PLAN_%s\nstatus: active\n---\nObjective: do %s\n' \
	    "$1" "$1" >"$VAULT_DIR/Plans/$d/PLAN_$1.md"
}

# main: the page's <main>, without the nonces and tokens around it.
main() {
	tr -d '\n' <"$J" | sed 's/.*<main>//; s/<\/main>.*//'
	echo
}

# links: how many rows the list page has.
links() {
	grep -o '<li><a href="/[a-z]*/[^"]*"' "$J" | wc -l
}

@test "a settled Briefings/ is listed from the cache; a new briefing and a removed one show in the very next request" {
	briefings 30
	settle
	get /briefings
	[ "$(cache)" = miss ]
	[ -s "$BC" ]
	main >"$BATS_TEST_TMPDIR/walked"
	get /briefings
	[ "$(cache)" = hit ]
	main | diff - "$BATS_TEST_TMPDIR/walked"
	grep -q 'Monday briefings (30)' "$J"
	# a new one: at the top at once
	printf -- '---\ntype: briefing\n---\n' >"$VAULT_DIR/Briefings/2026-12-07_Monday_Briefing.md"
	get /briefings
	[ "$(cache)" = miss ]
	grep -q 'Monday briefings (31)' "$J"
	grep -o 'href="/briefings/[^"]*"' "$J" | head -n 1 | grep -q 2026-12-07
	# removed: gone at once, from the page and the count
	rm "$VAULT_DIR/Briefings/2026-11-30_Monday_Briefing.md"
	get /briefings
	grep -q 'Monday briefings (30)' "$J"
	run ! grep -q 2026-11-30_Monday "$J"
	# Briefings/ itself removed, then made again
	rm -rf "$VAULT_DIR/Briefings"
	get /briefings
	grep -q 'No briefing yet' "$J"
	mkdir "$VAULT_DIR/Briefings"
	briefings 2
	get /briefings
	grep -q 'Monday briefings (2)' "$J"
}

@test "a settled Plans/ is listed from the cache; a new plan, one in a new domain and a removed one show at once" {
	local i f body
	for i in $(seq 1 30); do plan "EMAIL_20261130T1000$(printf %02d "$i")Z_$(printf %06x "$i")"; done
	settle
	get /plans
	[ "$(cache)" = miss ]
	get /plans
	[ "$(cache)" = hit ]
	grep -q 'Plans (30)' "$J"
	[ "$(links)" = 25 ]
	# newest first: second 30 on top
	grep -o 'href="/plans/[^"]*"' "$J" | head -n 1 | grep -q 'T100030Z'
	settle
	get /plans
	plan EMAIL_20261201T090000Z_0000ff
	get /plans
	[ "$(cache)" = miss ]
	grep -q 'Plans (31)' "$J"
	grep -o 'href="/plans/[^"]*"' "$J" | head -n 1 | grep -q 'T090000Z_0000ff'
	# a domain folder made after the cache was written
	settle
	get /plans
	get /plans
	[ "$(cache)" = hit ]
	plan WA_20261202T090000Z_0000aa whatsapp
	get /plans
	grep -q 'Plans (32)' "$J"
	grep -q 'href="/plans/PLAN_WA_20261202T090000Z_0000aa"' "$J"
	# removed
	settle
	get /plans
	rm "$VAULT_DIR/Plans/email/PLAN_EMAIL_20261201T090000Z_0000ff.md"
	get /plans
	grep -q 'Plans (31)' "$J"
	run ! grep -q 0000ff "$J"
	# the first pages are kept whole, keyed by their plans' files too: an
	# in-place edit of a plan's status (its folder unchanged) shows at once
	settle
	get /plans
	get /plans
	[ "$(cache)" = hit ]
	f=$VAULT_DIR/Plans/whatsapp/PLAN_WA_20261202T090000Z_0000aa.md
	body=$(sed 's/^status: active/status: done/' "$f")
	printf '%s\n' "$body" >"$f"           # in place: its folder unchanged
	get /plans
	[ "$(cache)" = miss ]
	grep -q 'PLAN_WA_20261202T090000Z_0000aa</a><br><small>done: ' "$J"
	# the second page, cached on its own
	settle
	get '/plans?page=1'
	get '/plans?page=1'
	[ "$(cache)" = hit ]
	[ "$(links)" = 6 ]
	grep -q 'href="/plans?page=0">Newer' "$J"
	[ -s "$VAULT_DIR/.state/local/pages-plans-1.cache" ]
}

@test "a page of /plans past the first four is drawn from the list's cache, its plans read at each request" {
	local i f body
	for i in $(seq 1 110); do plan "EMAIL_20261130T10$(printf %04d "$i")Z_$(printf %06x "$i")"; done
	settle
	get '/plans?page=4'
	[ "$(cache)" = miss ]
	get '/plans?page=4'
	[ "$(cache)" = hit ]
	[ "$(links)" = 10 ]
	grep -q 'Plans (110)' "$J"
	[ ! -e "$VAULT_DIR/.state/local/pages-plans-4.cache" ]
	# the oldest is last; its status edited in place shows while the list hits
	f=$VAULT_DIR/Plans/email/PLAN_EMAIL_20261130T100001Z_000001.md
	grep -o 'href="/plans/[^"]*"' "$J" | tail -n 1 | grep -q T100001Z
	body=$(sed 's/^status: active/status: failed/' "$f")
	printf '%s\n' "$body" >"$f"
	get '/plans?page=4'
	[ "$(cache)" = hit ]
	grep -q 'T100001Z_000001</a><br><small>failed: ' "$J"
	# past the end: an empty page, not an error
	get '/plans?page=9'
	[ "$(links)" = 0 ]
	grep -q 'href="/plans?page=8">Newer' "$J"
}

@test "a hit is the cache file's list (proved by a doctored one), and a damaged, truncated or empty file is a miss and is rewritten" {
	briefings 3
	settle
	get /briefings
	get /briefings
	[ "$(cache)" = hit ]
	cp "$BC" "$BATS_TEST_TMPDIR/good"
	# a briefing that is not on disk, added to the list and sealed
	/usr/bin/python3 - "$BC" <<'PY'
import sys
p = sys.argv[1]
head, rest = open(p, "rb").read().split(b"\n", 1)
keys, _, body = rest.partition(b"\n")
nkeys, plen = keys.split()
lines = rest.split(b"\n")
n = int(nkeys)
payload = b"\n".join(lines[1 + n:])
count, names = payload.split(b"\n", 1)
payload = b"4\n2030-01-07_Monday_Briefing.md\n" + names
out = b"%s %d\n" % (nkeys, len(payload)) + b"\n".join(lines[1:1 + n]) + b"\n" + payload
open(p, "wb").write(head + b"\n" + out)
PY
	/usr/bin/python3 "$T_DIR/data/statcache-seal.py" "$BC"
	get /briefings
	[ "$(cache)" = hit ]
	grep -q 'Monday briefings (4)' "$J"
	grep -q 'href="/briefings/2030-01-07_Monday_Briefing.md"' "$J"
	# the same change without the seal: a miss, the truth, the file rewritten
	cp "$BATS_TEST_TMPDIR/good" "$BC"
	sed -i 's/^3$/4/' "$BC"
	! cmp -s "$BC" "$BATS_TEST_TMPDIR/good" || false
	get /briefings
	[ "$(cache)" = miss ]
	grep -q 'Monday briefings (3)' "$J"
	cmp "$BC" "$BATS_TEST_TMPDIR/good"
	# cut in half; another file's magic; empty; a directory in its place
	head -c "$(($(stat -c %s "$BC") / 2))" "$BATS_TEST_TMPDIR/good" >"$BC"
	get /briefings
	[ "$(cache)" = miss ]
	grep -q 'Monday briefings (3)' "$J"
	sed -i '1s/^aie-status-cache [0-9]*/aie-status-cache 4/' "$BC"
	get /briefings
	[ "$(cache)" = miss ]
	: >"$BC"
	get /briefings
	[ "$(cache)" = miss ]
	grep -q 'Monday briefings (3)' "$J"
	get /briefings
	[ "$(cache)" = hit ]
	cmp "$BC" "$BATS_TEST_TMPDIR/good"
	# a doctored list whose rows are not briefings' names shows none of them
	printf '2\n../../etc/passwd\n<script>\n' >"$BATS_TEST_TMPDIR/payload"
	/usr/bin/python3 - "$BC" "$BATS_TEST_TMPDIR/payload" <<'PY'
import sys
p, q = sys.argv[1:3]
head, rest = open(p, "rb").read().split(b"\n", 1)
lines = rest.split(b"\n")
n = int(lines[0].split()[0])
payload = open(q, "rb").read()
open(p, "wb").write(head + b"\n" + b"%d %d\n" % (n, len(payload)) +
                    b"\n".join(lines[1:1 + n]) + b"\n" + payload)
PY
	/usr/bin/python3 "$T_DIR/data/statcache-seal.py" "$BC"
	get /briefings
	[ "$(cache)" = hit ]
	[ "$(links)" = 0 ]
	run ! grep -q 'passwd\|<script>' "$J"
}

@test "a folder changed within the last 2 s is walked, not cached" {
	briefings 2
	plan EMAIL_1
	get /briefings
	[ "$(cache)" = miss ]
	get /plans
	[ "$(cache)" = miss ]
	[ ! -e "$BC" ]
	[ ! -e "$PC" ]
	[ ! -e "$VAULT_DIR/.state/local/pages-plans-0.cache" ]
	get /briefings
	[ "$(cache)" = miss ]
}

@test "DASHBOARD_CACHE=off walks every time, writes no cache, and lists the same as the cache" {
	local i
	briefings 3
	for i in 1 2 3; do plan "EMAIL_$i"; done
	settle
	get /briefings DASHBOARD_CACHE=off
	[ "$(cache)" = off ]
	main >"$BATS_TEST_TMPDIR/b-off"
	get /plans DASHBOARD_CACHE=off
	[ "$(cache)" = off ]
	main >"$BATS_TEST_TMPDIR/p-off"
	[ ! -e "$BC" ]
	[ ! -e "$PC" ]
	[ ! -e "$VAULT_DIR/.state/local/pages-plans-0.cache" ]
	plan EMAIL_4
	rm "$VAULT_DIR/Briefings/2026-11-30_Monday_Briefing.md"
	get /plans DASHBOARD_CACHE=off
	grep -q 'Plans (4)' "$J"
	get /briefings DASHBOARD_CACHE=no
	grep -q 'Monday briefings (2)' "$J"
	rm "$VAULT_DIR/Plans/email/PLAN_EMAIL_4.md"
	briefings 3
	settle
	get /briefings
	get /briefings
	[ "$(cache)" = hit ]
	main | diff - "$BATS_TEST_TMPDIR/b-off"
	get /plans
	get /plans
	[ "$(cache)" = hit ]
	main | diff - "$BATS_TEST_TMPDIR/p-off"
}

# doc PATH: GET of one document, its <main> in $BATS_TEST_TMPDIR/main.
doc() {
	get "$@"
	main >"$BATS_TEST_TMPDIR/main"
}

# dc: the document cache's files (.state/local/pages/NN.cache), one a line.
dc() {
	find "$VAULT_DIR/.state/local/pages" -name '*.cache' 2>/dev/null | sort
}

@test "a settled document's HTML is cached: a hit is the cache file's (doctored and resealed), an edit or a damaged file is a miss" {
	local b=$VAULT_DIR/Briefings/2026-11-30_Monday_Briefing.md f
	printf -- '---\ntype: briefing\n---\n# Monday\n\nRevenue **up**.\n' >"$b"
	settle
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	cp "$BATS_TEST_TMPDIR/main" "$BATS_TEST_TMPDIR/first"
	[ "$(dc | wc -l)" = 1 ]
	f=$(dc)
	head -n 1 "$f" | grep -q '^aie-page-cache 1 [0-9a-f]\{32\}$'
	grep -q '<strong>up</strong>' "$f"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = hit ]
	cmp "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/main"
	# a hit shows the file's HTML: doctored and sealed, it is believed
	cp "$f" "$BATS_TEST_TMPDIR/good"
	sed -i 's/<strong>up<\/strong>/<strong>doctored<\/strong>/' "$f"
	/usr/bin/python3 "$T_DIR/data/statcache-seal.py" "$f"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = hit ]
	grep -q '<strong>doctored</strong>' "$BATS_TEST_TMPDIR/main"
	# unsealed, cut, emptied: a miss, the truth, the file rewritten
	sed -i 's/<strong>up<\/strong>/<strong>forged<\/strong>/' "$BATS_TEST_TMPDIR/good"
	cp "$BATS_TEST_TMPDIR/good" "$f"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	cmp "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/main"
	head -c 60 "$BATS_TEST_TMPDIR/good" >"$f"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	: >"$f"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = hit ]
	cmp "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/main"
	# an edit of the same size, dated as the old one: the inode differs
	printf -- '---\ntype: briefing\n---\n# Monday\n\nRevenue **dn**.\n' >"$b.new"
	touch -r "$b" "$b.new"
	mv "$b.new" "$b"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	grep -q '<strong>dn</strong>' "$BATS_TEST_TMPDIR/main"
	# an edit in place within the last 2 s: shown, and not kept
	printf -- '---\ntype: briefing\n---\n# Monday\n\nRevenue **ok**.\n' >"$b"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	grep -q '<strong>ok</strong>' "$BATS_TEST_TMPDIR/main"
	doc /briefings/2026-11-30_Monday_Briefing.md
	[ "$(cache)" = miss ]
	run ! grep -q '<strong>ok</strong>' "$f"
}

@test "plans, the handbook and the goals are cached too; a page with a wikilink is rendered every time; DASHBOARD_CACHE=off keeps none" {
	plan EMAIL_1
	printf -- '# Handbook\n\nBe kind.\n' >"$VAULT_DIR/Company_Handbook.md"
	printf -- '# Goals\n\nSee [[Company_Handbook]] and [[PLAN_EMAIL_2]].\n' \
	    >"$VAULT_DIR/Business_Goals.md"
	settle
	get /plans/PLAN_EMAIL_1 DASHBOARD_CACHE=off
	[ "$(cache)" = off ]
	get /handbook DASHBOARD_CACHE=0
	[ "$(cache)" = off ]
	[ -z "$(dc)" ]
	get /plans/PLAN_EMAIL_1
	[ "$(cache)" = miss ]
	get /plans/PLAN_EMAIL_1
	[ "$(cache)" = hit ]
	grep -q 'Objective: do EMAIL_1' "$J"
	get /handbook
	get /handbook
	[ "$(cache)" = hit ]
	grep -q 'Be kind.' "$J"
	# the goals link a note that is not there yet: never kept
	doc /goals
	[ "$(cache)" = miss ]
	grep -q 'href="/handbook"' "$BATS_TEST_TMPDIR/main"
	run ! grep -q 'href="/plans/PLAN_EMAIL_2"' "$BATS_TEST_TMPDIR/main"
	[ "$(dc | wc -l)" -le 2 ]
	run ! grep -rq 'Goals' "$VAULT_DIR/.state/local/pages"
	plan EMAIL_2
	doc /goals
	[ "$(cache)" = miss ]
	grep -q 'href="/plans/PLAN_EMAIL_2"' "$BATS_TEST_TMPDIR/main"
}

# nomd4c: a wrapper that runs its command with libmd4c hidden (an empty
# file bound over it, in a mount namespace of its own); skips the test
# where such a namespace cannot be made.
nomd4c() {
	local lib
	lib=$(readlink -f "$(/sbin/ldconfig -p | awk '$1 == "libmd4c.so.0" { print $NF; exit }')")
	[ -f "$lib" ] || skip "libmd4c.so.0 not found by ldconfig"
	: >"$BATS_TEST_TMPDIR/empty"
	cat >"$BATS_TEST_TMPDIR/nomd4c" <<-EOF
	#!/bin/sh
	exec unshare -rm sh -c 'mount --bind "\$0" "\$1" && shift && exec "\$@"' \
	    "$BATS_TEST_TMPDIR/empty" "$lib" "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/nomd4c"
	"$BATS_TEST_TMPDIR/nomd4c" test -f "$lib" -a ! -s "$lib" 2>/dev/null ||
	    skip "no mount namespace here (unshare -rm)"
}

@test "without libmd4c a render is a 500 page with the reason on stderr, and a cached render is still served" {
	plan EMAIL_1
	plan EMAIL_2
	settle
	nomd4c
	get /plans/PLAN_EMAIL_1
	[ "$(cache)" = miss ]
	# pages.cgi run by the wrapper: a cached plan needs no libmd4c,
	# another is a 500
	mkdir -p "$BATS_TEST_TMPDIR/cgi"
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$BATS_TEST_TMPDIR/nomd4c" \
	    "$AIE_CGI/pages.cgi" >"$BATS_TEST_TMPDIR/cgi/pages.cgi"
	chmod +x "$BATS_TEST_TMPDIR/cgi/pages.cgi"
	AIE_CGI=$BATS_TEST_TMPDIR/cgi get /plans/PLAN_EMAIL_1
	[ "$(cache)" = hit ]
	grep -q 'Objective: do EMAIL_1' "$J"
	AIE_CGI=$BATS_TEST_TMPDIR/cgi cgi_get pages.cgi /plans/PLAN_EMAIL_2 \
	    >"$BATS_TEST_TMPDIR/reply" 2>"$BATS_TEST_TMPDIR/err"
	head -n 1 "$BATS_TEST_TMPDIR/reply" | grep -q '^Status: 500'
	grep -q 'the file cannot be shown' "$BATS_TEST_TMPDIR/reply"
	grep -q 'libmd4c.so.0' "$BATS_TEST_TMPDIR/err"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" = 1 ]
}
