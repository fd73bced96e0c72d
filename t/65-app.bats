#!/usr/bin/env bats
# The dashboard as an app on the phone's home screen (see
# ai-employee-dashboard(1)): the web app manifest, its icon, the service
# worker that caches the shell only, the offline page, the CSP that
# allows them and nothing more. curl, then Debian's chromium (playwright-
# core) through nginx + fcgiwrap, which the last test stops.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	H="$BATS_TEST_TMPDIR/head"
}

# get PATH [ARGS...]: GET without a session; code in $code, headers in $H.
get() {
	local p=$1
	shift
	rm -f "$B" "$H"
	code=$(curl -s -o "$B" -D "$H" -w '%{http_code}' "$@" "$URL$p")
}

# header NAME: that header's value in $H.
header() {
	grep -i "^$1:" "$H" | sed 's/^[^:]*: *//; s/\r$//'
}

@test "app: the manifest is served without a session and makes a standalone app at /" {
	get /manifest.webmanifest
	[ "$code" = 200 ]
	[ "$(header Content-Type)" = application/manifest+json ]
	jq -e '.name == "AI Employee" and .start_url == "/" and .scope == "/" and
	    .display == "standalone" and (.theme_color | test("^#[0-9a-f]{6}$")) and
	    ([.icons[] | select(.type == "image/svg+xml" and .sizes == "any" and .purpose == "any")] | length == 1)' "$B"
	get /icon.svg
	[ "$code" = 200 ]
	[ "$(header Content-Type)" = image/svg+xml ]
	xmllint --noout "$B"
	! grep -qi 'script\|href' "$B" || false
}

@test "app: every page links the manifest and the icon; the CSP allows this origin's worker and manifest only" {
	for p in / /new /activity "/item?id=DRAFT_EMAIL_1"; do
		get "$p" -b "$JAR"
		[ "$code" = 200 ]
		grep -q '<link rel="manifest" href="/manifest.webmanifest">' "$B"
		grep -q '<link rel="icon" href="/icon.svg" type="image/svg+xml">' "$B"
		csp=$(header Content-Security-Policy)
		[[ $csp == "default-src 'none'; "* ]]
		[[ $csp == *"; worker-src 'self'; manifest-src 'self'; "* ]]
		[[ $csp != *unsafe* ]]
	done
	get /login
	grep -q '<link rel="manifest"' "$B"
}

@test "app: the service worker and the offline page hold nothing of the vault" {
	get /sw.js
	[ "$code" = 200 ]
	[[ "$(header Content-Type)" == text/javascript* ]]
	# what it may cache is the shell, named in one list
	grep -q "SHELL=\['/offline','/icon.svg','/manifest.webmanifest'\]" "$B"
	grep -q "r.method!=='GET'" "$B"
	node --check "$B" 2>/dev/null || { cp "$B" "$BATS_TEST_TMPDIR/sw.js" && node --check "$BATS_TEST_TMPDIR/sw.js"; }
	get /offline
	[ "$code" = 200 ]
	grep -q '<h2>Offline</h2>' "$B"
	! grep -q 'name="csrf"\|DRAFT_EMAIL_1\|/logout' "$B" || false
	# the same page with a session: still no token, nothing of the vault
	get /offline -b "$JAR"
	! grep -q 'name="csrf"\|DRAFT_EMAIL_1' "$B" || false
	[ "$(wc -c <"$B")" -lt 30000 ]
}

@test "keys: ? help, j/k move, r the reason, e edit, a approves after a confirm; typing in a field is left alone" {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/playwright-core" ] ||
	    skip "needs /usr/bin/chromium and node_modules/playwright-core (npm install)"
	export TMPDIR=$BATS_TEST_TMPDIR
	run node "$T_DIR/browser/keys.js" "$URL" "$PW" "$VAULT_DIR"
	echo "$output"
	assert_success
	o=$output
	j() { jq -r "$1" <<<"$o"; }
	[[ "$(j .help)" == "Keyboard shortcuts"*"approve (asks first)"* ]]
	[ "$(j .helpClosed)" = true ]
	[ "$(j '.selected | join(",")')" = c-DRAFT_EMAIL_1 ]
	[ "$(j .reject.name)" = note ]
	[ "$(j .reject.open)" = true ]
	[ "$(j .typed.value)" = "a?" ]
	[ "$(j .typed.help)" = false ]
	[ "$(j .edit.open)" = true ]
	[ "$(j .edit.focus)" = body ]
	[ "$(j .approvedAfterDismiss)" = false ]
	[ "$(j .approved)" = true ]
	[ "$(j '.confirms | length')" = 2 ]
	[[ "$(j '.confirms[0]')" == "Approve "*"?" ]]
	[ "$(j '.errors | length')" = 0 ]
}

@test "app: in Chromium it is installable, caches the shell only and shows the offline page once nginx is stopped" {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/playwright-core" ] ||
	    skip "needs /usr/bin/chromium and node_modules/playwright-core (npm install)"
	export TMPDIR=$BATS_TEST_TMPDIR
	run node "$T_DIR/browser/app.js" "$URL" "$PW" "$BATS_FILE_TMPDIR/web" "$BATS_TEST_TMPDIR"
	echo "$output"
	assert_success
	o=$output
	j() { jq -r "$1" <<<"$o"; }
	[ "$(j .controlled)" = true ]
	[ "$(j '.installability | length')" = 0 ]
	[ "$(j '.manifestErrors | length')" = 0 ]
	[ "$(j .manifestUrl)" = "$URL/manifest.webmanifest" ]
	# the shell and the time a page last loaded: no page with item data
	[ "$(j '.cached | join(" ")')" = "/icon.svg /last-reached /manifest.webmanifest /offline" ]
	[ "$(j .stopped)" = true ]
	for s in light dark; do
		[ "$(j ".$s.title")" = Offline ]
		[[ "$(j ".$s.last")" == "Offline — last reached just now." ]]
		[ "$(j ".$s.scrollWidth <= .$s.innerWidth")" = true ]
		[ -s "$BATS_TEST_TMPDIR/offline-375-$s.png" ]
	done
	[ "$(j .light.bg)" != "$(j .dark.bg)" ]
	[ "$(j .postOffline)" = failed ]
	[ "$(j '.errors | length')" = 0 ]
}
