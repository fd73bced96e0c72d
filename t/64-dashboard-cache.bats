#!/usr/bin/env bats
# dashboard.cgi's status cache (cgi/dash/statcache.c): the counts and the
# pending list kept in .state/<agent>/dashboard-status.cache, keyed by the
# stat() of every directory and pending file. Every change must show in
# the very next /api/status. The CGI binary runs alone with CGI variables
# set, one fresh vault per test. The cache is written only for a vault
# whose directories have been quiet for 2 s, so tests that need a warm
# cache first date the vault back (settle).
load helper
load cgi

setup() {
	cgi_setup
	CACHE=$VAULT_DIR/.state/local/dashboard-status.cache
	H=$BATS_TEST_TMPDIR/headers
	J=$BATS_TEST_TMPDIR/body
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
	mkdir -p "$VAULT_DIR/Approved/email" "$VAULT_DIR/Done/email/2026-11"
}

# raw [PATH] [VAR=VALUE...]: one request to the CGI (default
# /api/status), the reply on stdout.
raw() {
	local path=/api/status
	case ${1:-} in /*) path=$1; shift ;; esac
	cgi_get dashboard.cgi "$path" "$@"
}

# get [PATH] [VAR=VALUE...]: raw, headers in $H, body in $J.
get() {
	raw "$@" >"$BATS_TEST_TMPDIR/reply"
	sed -n '1,/^\r$/p' "$BATS_TEST_TMPDIR/reply" | tr -d '\r' >"$H"
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/reply" >"$J"
}

# header NAME: the value of a reply header.
header() {
	sed -n "s/^$1: //Ip" "$H"
}

# js JQ-EXPR: its value over the JSON body, strings raw.
js() {
	json_get "$1" "$J"
}

# settle: every directory and file of the vault (not .state) dated 10 s
# back, as a vault nobody touched for a while.
settle() {
	find "$VAULT_DIR" -path "$VAULT_DIR/.state" -prune -o \
	    -exec touch -m -d "@$(($(date +%s) - 10))" {} +
}

# warm: settle, then one request that writes the cache and one that hits.
warm() {
	settle
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ -s "$CACHE" ]
	get
	[ "$(header X-Status-Cache)" = hit ]
}

@test "a settled vault is served from the cache, the same bytes and ETag" {
	settle
	get
	[ "$(header X-Status-Cache)" = miss ]
	cp "$J" "$BATS_TEST_TMPDIR/first"
	etag=$(header ETag)
	get
	[ "$(header X-Status-Cache)" = hit ]
	[ "$(header ETag)" = "$etag" ]
	cmp "$J" "$BATS_TEST_TMPDIR/first"
	[ "$(js '.totals.Pending_Approval')" = 1 ]
	[ "$(js '.pending[0].from')" = "Alice Example <alice@example.com>" ]
	[ "$(stat -c %a "$CACHE")" = 600 ]
}

@test "a vault changed within the last 2 s is not cached" {
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ ! -e "$CACHE" ]
	get
	[ "$(header X-Status-Cache)" = miss ]
}

@test "a new item shows in the very next request, with a new ETag" {
	warm
	etag=$(header ETag)
	mkemail EMAIL_2
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Needs_Action')" = 2 ]
	[ "$(header ETag)" != "$etag" ]
}

@test "a move between stages shows in the very next request" {
	warm
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" "$VAULT_DIR/Approved/email/"
	get
	[ "$(js '.pending | arrays | length')" = 0 ]
	[ "$(js '.totals.Pending_Approval')" = 0 ]
	[ "$(js '.totals.Approved')" = 1 ]
}

@test "a move into a new Done month directory shows in the very next request" {
	warm
	mkdir "$VAULT_DIR/Done/email/2026-12"
	mv "$VAULT_DIR/Needs_Action/email/EMAIL_1.md" "$VAULT_DIR/Done/email/2026-12/"
	get
	[ "$(js '.totals.Done')" = 1 ]
	[ "$(js '.counts.Done.email')" = 1 ]
	[ "$(js '.totals.Needs_Action')" = 0 ]
}

@test "an in-place edit of a draft's title shows, even with its mtime put back" {
	local f=$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md mtime size
	warm
	mtime=$(stat -c %.9Y "$f")
	size=$(stat -c %s "$f")
	# same size, same inode, same mtime: only the ctime tells
	/usr/bin/python3 -c 'import sys
f = open(sys.argv[1], "r+b"); d = f.read()
f.seek(0); f.write(d.replace(b"about my order", b"about my ORDER")); f.close()' "$f"
	touch -m -d "@$mtime" "$f"
	[ "$(stat -c %s "$f")" = "$size" ]
	[ "$(stat -c %.9Y "$f")" = "$mtime" ]
	get
	[ "$(js '.pending[0].title')" = "Re: Question about my ORDER" ]
}

@test "an edit of a draft's body shows in the very next request" {
	warm
	echo "P.S. it ships by express." >>"$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	get
	js '.pending[0].preview' | grep -q 'by express'
}

@test "a deleted draft is gone from the very next request" {
	warm
	rm "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	get
	[ "$(js '.pending | arrays | length')" = 0 ]
	[ "$(js '.totals.Pending_Approval')" = 0 ]
}

@test "the home page shows a change at once too" {
	warm
	get /
	grep -q 'DRAFT_EMAIL_1' "$J"
	rm "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	get /
	[ "$(header X-Status-Cache)" = miss ]
	! grep -q 'DRAFT_EMAIL_1' "$J" || false
}

@test "a damaged, truncated, foreign or empty cache file is a miss and is rewritten" {
	local good=$BATS_TEST_TMPDIR/good
	warm
	cp "$CACHE" "$good"
	# a changed count in the payload (the checksum no longer holds)
	sed 's/"Needs_Action":1/"Needs_Action":7/' "$good" >"$CACHE"
	! cmp -s "$CACHE" "$good" || false
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Needs_Action')" = 1 ]
	get
	[ "$(header X-Status-Cache)" = hit ]
	# cut in half; garbage; empty
	head -c "$(($(stat -c %s "$good") / 2))" "$good" >"$CACHE"
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Pending_Approval')" = 1 ]
	printf 'aie-status-cache 4 %032d\n0 2\n{}' 0 >"$CACHE"
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Pending_Approval')" = 1 ]
	: >"$CACHE"
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Pending_Approval')" = 1 ]
	get
	[ "$(header X-Status-Cache)" = hit ]
	cmp "$CACHE" "$good"
}

@test "a cache file that is a symlink is not followed" {
	warm
	cp "$CACHE" "$BATS_TEST_TMPDIR/elsewhere"
	rm "$CACHE"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$CACHE"
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Pending_Approval')" = 1 ]
}

@test "the reply's Content-Length is its body's, on a miss and a hit; HEAD sends no body" {
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(header Content-Length)" = "$(wc -c <"$J")" ]
	warm
	[ "$(header X-Status-Cache)" = hit ]
	[ "$(header Content-Length)" = "$(wc -c <"$J")" ]
	[ "$(js '.agent')" = local ]
	[ "$(js '.totals.Pending_Approval')" = 1 ]
	len=$(header Content-Length) etag=$(header ETag)
	get REQUEST_METHOD=HEAD
	[ "$(header X-Status-Cache)" = hit ]
	[ "$(header Content-Length)" = "$len" ]
	[ "$(header ETag)" = "$etag" ]
	[ ! -s "$J" ]
}

@test "If-None-Match gets 304 from the cache and 200 once the vault changed" {
	warm
	etag=$(header ETag)
	get HTTP_IF_NONE_MATCH="$etag"
	head -n 1 "$H" | grep -q '^Status: 304'
	[ "$(header X-Status-Cache)" = hit ]
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" "$VAULT_DIR/Approved/email/"
	get HTTP_IF_NONE_MATCH="$etag"
	head -n 1 "$H" | grep -q '^Status: 200'
	[ "$(header ETag)" != "$etag" ]
	[ "$(js '.pending | arrays | length')" = 0 ]
}

@test "DASHBOARD_CACHE=off walks the vault every time and writes no cache" {
	settle
	get DASHBOARD_CACHE=off
	[ "$(header X-Status-Cache)" = off ]
	cp "$J" "$BATS_TEST_TMPDIR/off"
	get DASHBOARD_CACHE=off
	[ "$(header X-Status-Cache)" = off ]
	[ ! -e "$CACHE" ]
	get
	get
	[ "$(header X-Status-Cache)" = hit ]
	cmp "$J" "$BATS_TEST_TMPDIR/off"
}

@test "concurrent requests during moves always see the vault as it is now" {
	local i
	warm
	for i in 2 3 4 5 6; do
		mkemail "EMAIL_$i"
		mkdraft "DRAFT_EMAIL_$i" "EMAIL_$i"
	done
	settle
	for i in 1 2 3 4 5 6; do
		# four requests at once race to rewrite the cache, then a move
		for _ in 1 2 3 4; do raw >/dev/null & done
		wait
		mv "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_$i.md" "$VAULT_DIR/Approved/email/"
		get
		[ "$(js '.pending | arrays | length')" = $((6 - i)) ]
		[ "$(js '.totals.Approved')" = "$i" ]
		settle
	done
}

@test "an in-place edit of a source's sender shows on its draft's card" {
	warm
	# same inode, same directory: only the source file's own times tell
	/usr/bin/python3 -c 'import sys
f = open(sys.argv[1], "r+b"); d = f.read()
f.seek(0); f.write(d.replace(b"Alice Example", b"Alice EXAMPLE")); f.close()' \
	    "$VAULT_DIR/Needs_Action/email/EMAIL_1.md"
	get
	[ "$(js '.pending[0].from')" = "Alice EXAMPLE <alice@example.com>" ]
}

@test "a draft with source_from needs no source: the card shows it and the source is no key" {
	sed -i 's/^source: EMAIL_1$/source: EMAIL_1\nsource_from: "Bob Other <bob@example.com>"/' \
	    "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	warm
	[ "$(js '.pending[0].from')" = "Bob Other <bob@example.com>" ]
	run grep -c ' Needs_Action/email/EMAIL_1.md$' "$VAULT_DIR/.state/local/dashboard-status.cache"
	assert_output 0
	run grep -c ' Pending_Approval/email/DRAFT_EMAIL_1.md$' "$VAULT_DIR/.state/local/dashboard-status.cache"
	assert_output 1
	rm "$VAULT_DIR/Needs_Action/email/EMAIL_1.md"
	get
	[ "$(js '.pending[0].from')" = "Bob Other <bob@example.com>" ]
}

# done_items N MONTH: N emails filed in Done/email/MONTH.
done_items() {
	local i
	for i in $(seq "$1"); do
		mkemail "EMAIL_D$2_$i"
		mkdir -p "$VAULT_DIR/Done/email/$2"
		mv "$VAULT_DIR/Needs_Action/email/EMAIL_D$2_$i.md" "$VAULT_DIR/Done/email/$2/"
	done
}

@test "a miss counts unchanged Done months from the cache file, and changed ones again" {
	done_items 3 2026-10
	done_items 2 2026-11
	warm
	grep -q ' 3 Done/email/2026-10$' "$CACHE"
	grep -q ' 2 Done/email/2026-11$' "$CACHE"
	mkemail EMAIL_2
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Done')" = 5 ]
	[ "$(js '.totals.Needs_Action')" = 2 ]
	# a month that changed since is listed again
	mv "$VAULT_DIR/Needs_Action/email/EMAIL_2.md" "$VAULT_DIR/Done/email/2026-10/"
	get
	[ "$(js '.totals.Done')" = 6 ]
	[ "$(js '.counts.Done.email')" = 6 ]
	rm "$VAULT_DIR/Done/email/2026-11/EMAIL_D2026-11_1.md"
	get
	[ "$(js '.totals.Done')" = 5 ]
}

@test "the Done count of an unchanged month comes from the cache file (proved by a doctored one)" {
	done_items 3 2026-10
	warm
	# the file's count for 2026-10 made 40, its checksum made to hold
	# the checksum written again over the untouched file is the file's own
	cp "$CACHE" "$BATS_TEST_TMPDIR/untouched"
	/usr/bin/python3 "$T_DIR/data/statcache-seal.py" "$BATS_TEST_TMPDIR/untouched"
	cmp "$CACHE" "$BATS_TEST_TMPDIR/untouched"
	sed -i 's| 3 Done/email/2026-10$| 40 Done/email/2026-10|' "$CACHE"
	/usr/bin/python3 "$T_DIR/data/statcache-seal.py" "$CACHE"
	grep -q ' 40 Done/email/2026-10$' "$CACHE"
	mkemail EMAIL_2
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '.totals.Done')" = 40 ]
	# once the month itself changes, it is counted again
	touch "$VAULT_DIR/Done/email/2026-10/.x"
	get
	[ "$(js '.totals.Done')" = 3 ]
}

@test "a draft's source in an unchanged Done month still gives the card its sender" {
	local src=$VAULT_DIR/Done/email/2026-10/EMAIL_D2026-10_2.md
	done_items 2 2026-10
	mkdraft DRAFT_EMAIL_D 'EMAIL_D2026-10_2'
	warm
	[ "$(js '[.pending[] | select(.id == "DRAFT_EMAIL_D") | .from][0]')" = "Alice Example <alice@example.com>" ]
	# a new mail, dated back so that this walk is written to the cache:
	# the Done month is counted from the file and the source looked up
	mkemail EMAIL_2
	touch -m -d "@$(($(date +%s) - 10))" "$VAULT_DIR/Needs_Action/email" \
	    "$VAULT_DIR/Needs_Action/email/EMAIL_2.md"
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '[.pending[] | select(.id == "DRAFT_EMAIL_D") | .from][0]')" = "Alice Example <alice@example.com>" ]
	get
	[ "$(header X-Status-Cache)" = hit ]
	# the source looked up is a key too: an in-place edit of it shows
	/usr/bin/python3 -c 'import sys
f = open(sys.argv[1], "r+b"); d = f.read()
f.seek(0); f.write(d.replace(b"Alice Example", b"Alice EXAMPLE")); f.close()' "$src"
	get
	[ "$(header X-Status-Cache)" = miss ]
	[ "$(js '[.pending[] | select(.id == "DRAFT_EMAIL_D") | .from][0]')" = "Alice EXAMPLE <alice@example.com>" ]
}

@test "/api/status gives the very bytes it always did, walked, cached and from the cache (t/data/status-golden-api.json)" {
	mkdir -p "$VAULT_DIR/.state/local"
	echo 2026-11-30T10:00:00Z >"$VAULT_DIR/.state/local/last_sync"
	printf -- '---\nupdated: 2026-11-30T10:00:00Z\nodoo: "up 17.0 | uid 2"\nsmtp: "down connection refused"\nodoo: "degraded slow"\n---\n' \
	    >"$VAULT_DIR/Health/cloud.md"
	settle
	for want in miss hit off; do
		if [ $want = off ]; then get DASHBOARD_CACHE=off; else get; fi
		[ "$(header X-Status-Cache)" = $want ]
		sed "s|$VAULT_DIR|VAULT|" "$J" >"$BATS_TEST_TMPDIR/api"
		cmp "$T_DIR/data/status-golden-api.json" "$BATS_TEST_TMPDIR/api"
	done
}

@test "the home page is drawn the same from the cache as from the walk that wrote it" {
	mkemail EMAIL_2
	mkdraft DRAFT_EMAIL_2 EMAIL_2
	settle
	strip() { sed -E 's/nonce-[A-Za-z0-9+\/=]+//g; s/nonce="[^"]*"//g' "$J"; }
	get /
	[ "$(header X-Status-Cache)" = miss ]
	strip >"$BATS_TEST_TMPDIR/walked"
	grep -q 'id="c-DRAFT_EMAIL_2"' "$BATS_TEST_TMPDIR/walked"
	get /
	[ "$(header X-Status-Cache)" = hit ]
	strip >"$BATS_TEST_TMPDIR/cached"
	cmp "$BATS_TEST_TMPDIR/walked" "$BATS_TEST_TMPDIR/cached" || {
		diff <(tr '>' '\n' <"$BATS_TEST_TMPDIR/walked") <(tr '>' '\n' <"$BATS_TEST_TMPDIR/cached")
		false; }
}
