# t/dash.bash - the dashboard served for a whole bats file: nginx +
# fcgiwrap (cgi/run-dashboard) on a free loopback port over one vault,
# a cleaned vault with one email and its draft per test. Loaded after helper.
# A file that loads it has the server started logged in for the file and
# stopped after it (setup_file and teardown_file below) unless it defines
# its own after `load dash`; its setup calls dash_setup.
# shellcheck shell=bash

PW=correct-horse-battery

# srv_env: the environment of the file's server, in every test.
srv_env() {
	export HOME="$BATS_FILE_TMPDIR/home" VAULT_DIR="$BATS_FILE_TMPDIR/vault"
	export AI_EMPLOYEE_CONFIG="$BATS_FILE_TMPDIR/env" TZ=UTC
	PORT=$(cat "$BATS_FILE_TMPDIR/port" 2>/dev/null || true)
	URL="http://127.0.0.1:$PORT"
	# shellcheck disable=SC2034 # the cookie jar of the tests that load this
	JAR="$BATS_FILE_TMPDIR/jar"
}

# dash_start: a vault, a password and the server (in setup_file).
dash_start() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' \
	    >"$BATS_FILE_TMPDIR/port"
	srv_env
	mkdir -p "$HOME"
	vault-init -q "$VAULT_DIR" >/dev/null
	echo "$PW" | dashboard-passwd -q
	"$TOP/cgi/run-dashboard" start "$BATS_FILE_TMPDIR/web" "$PORT"
}

# dash_start_logged_in: dash_start, a session in $JAR and the home page's
# CSRF token kept for every test (in setup_file).
dash_start_logged_in() {
	dash_start
	login "$JAR"
	curl -s -b "$JAR" -o "$BATS_FILE_TMPDIR/home.html" "$URL/"
	csrf_of "$BATS_FILE_TMPDIR/home.html" >"$BATS_FILE_TMPDIR/csrf"
}

setup_file() {
	dash_start_logged_in
}

teardown_file() {
	dash_stop
}

# dash_setup: a test's environment (in setup): the server's, its CSRF
# token in $CSRF, a body file in $B, the vault back to one email and its
# draft.
dash_setup() {
	common_setup
	srv_env
	# shellcheck disable=SC2034 # read by the tests that load this
	CSRF=$(cat "$BATS_FILE_TMPDIR/csrf") B="$BATS_TEST_TMPDIR/body"
	dash_reset
}

# dash_stop: the server down (in teardown_file), when it was started, and
# nothing of it left running.
dash_stop() {
	local sockdir
	[ -f "$BATS_FILE_TMPDIR/port" ] || return 0
	sockdir=$(cat "$BATS_FILE_TMPDIR/web/sockdir" 2>/dev/null) || sockdir=
	"$TOP/cgi/run-dashboard" stop "$BATS_FILE_TMPDIR/web"
	no_leftovers "$BATS_FILE_TMPDIR/web/" ${sockdir:+"$sockdir/"}
}

# dash_reset: the vault back to one email and its draft (in setup).
dash_reset() {
	find "$VAULT_DIR"/Needs_Action "$VAULT_DIR"/Pending_Approval "$VAULT_DIR"/Approved \
	    "$VAULT_DIR"/Rejected "$VAULT_DIR"/Done "$VAULT_DIR"/In_Progress -name '*.md' -delete
	rm -f "$VAULT_DIR/.state/local/dashboard-login"
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
}

# req ARGS...: curl with our session; status code in $code, body in $B,
# headers in $B.h.
req() {
	rm -f "$B" "$B.h"
	# shellcheck disable=SC2034 # read by the tests that load this
	code=$(curl -s -o "$B" -D "$B.h" -w '%{http_code}' -b "$JAR" "$@")
}

# digest_of ID: the version digest the forms of ID's item page carry.
digest_of() {
	curl -s -b "$JAR" "$URL/item?id=$1" | grep -o 'name="digest" value="[0-9a-f]*"' |
	    head -n 1 | sed 's/.*value="//; s/"$//'
}

# filed DIR PREFIX: the one item a POST /new filed under DIR of the vault,
# named PREFIX_<UTC time>_<6 hex digits> and named by the Location of
# the reply's headers (saved in $BATS_TEST_TMPDIR/h); its path in $f,
# its ID in $id.
filed() {
	f=$(find "$VAULT_DIR/$1" -name "$2_*.md")
	[ "$(echo "$f" | wc -l)" -eq 1 ] || { echo "filed: not one item: $f" >&2; return 1; }
	id=$(basename "$f" .md)
	[[ $id =~ ^$2_[0-9]{8}T[0-9]{6}Z_[0-9a-f]{6}$ ]] || { echo "filed: ID $id" >&2; return 1; }
	grep -qi "^location: /item?id=$id&filed=1" "$BATS_TEST_TMPDIR/h"
}

# keys_of FILE: FILE's front-matter keys in their order, each followed by
# a space.
keys_of() {
	awk '/^---$/ { if (++n == 2) exit; next } { sub(/:.*/, ""); print }' "$1" | tr '\n' ' '
}

# csrf_of FILE: the first CSRF token in an HTML page.
csrf_of() {
	grep -o 'name="csrf" value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'
}

# login JAR: a fresh logged-in session in cookie jar JAR.
login() {
	local jar=$1 page="$BATS_FILE_TMPDIR/login.html" tok
	rm -f "$jar"
	curl -s -c "$jar" -o "$page" "$URL/login"
	tok=$(csrf_of "$page")
	curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $URL" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=$PW" \
	    "$URL/login"
}
