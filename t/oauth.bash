# t/oauth.bash - the fake authorization server (t/fake/oauth2.py) for the
# OAuth tests, and a test playing the owner's browser.

# oauth_start: the fake on loopback; exports OAUTH_URL, OAUTH_LOG and
# every provider's endpoints and client ID pointing at it. Its settings
# (FAKE_OAUTH_*) come from the environment. oauth_stop in teardown.
oauth_start() {
	OAUTH_DIR="$BATS_TEST_TMPDIR/oauth"
	mkdir -p "$OAUTH_DIR"
	OAUTH_LOG="$OAUTH_DIR/requests.log"
	: >"$OAUTH_LOG"
	/usr/bin/python3 "$T_DIR/fake/oauth2.py" "$OAUTH_DIR/port" \
	    ya29.static-unused alice "$OAUTH_LOG" >>"$OAUTH_DIR/err" 2>&1 &
	OAUTH_FAKE_PID=$!
	wait_for -t 5 [ -s "$OAUTH_DIR/port" ]
	oauth_point "$(cat "$OAUTH_DIR/port")"
}

# oauth_point PORT: the providers' endpoints to the fake on PORT (the
# one dovecot_start oauth2 started, for the mail tests).
oauth_point() {
	local p
	export OAUTH_URL="http://127.0.0.1:$1"
	for p in GOOGLE MICROSOFT LINKEDIN X FACEBOOK; do
		export "${p}_CLIENT_ID=aie-client" "${p}_AUTH_URL=$OAUTH_URL/authorize" \
		    "${p}_TOKEN_URL=$OAUTH_URL/token" "${p}_REDIRECT_PORT=0"
	done
	export MICROSOFT_DEVICE_URL="$OAUTH_URL/device"
}

oauth_stop() {
	if [ -n "${OAUTH_FAKE_PID:-}" ]; then
		kill "$OAUTH_FAKE_PID" 2>/dev/null || true
		wait "$OAUTH_FAKE_PID" 2>/dev/null || true
		OAUTH_FAKE_PID=
	fi
}

# oauth_control FORM: what the owner or the provider does meanwhile
# (action=revoke, action=approve&user_code=U, ...; see t/fake/oauth2.py).
oauth_control() {
	curl -fsS -d "$1" "$OAUTH_URL/control" >/dev/null
}

# oauth_run CMD...: start CMD (a first grant) in the background and wait
# for the first line of its stdout (the link, or with --device the page;
# with -j the "open" of that line's JSON).
oauth_run() {
	OAUTH_OUT="$BATS_TEST_TMPDIR/grant.$RANDOM"
	"$@" >"$OAUTH_OUT" 2>"$OAUTH_OUT.err" &
	OAUTH_CMD_PID=$!
	wait_for -t 10 [ -s "$OAUTH_OUT" ]
	OAUTH_LINK=$(head -n 1 "$OAUTH_OUT")
	if [[ $OAUTH_LINK == "{"* ]]; then
		OAUTH_LINK=$(jq -r .open <<<"$OAUTH_LINK")
	fi
}

# oauth_wait: CMD's exit status into OAUTH_RC, its stderr into OAUTH_ERR.
oauth_wait() {
	# shellcheck disable=SC2034 # OAUTH_RC and OAUTH_ERR are for the tests that load this
	OAUTH_RC=0
	# shellcheck disable=SC2034
	wait "$OAUTH_CMD_PID" || OAUTH_RC=$?
	OAUTH_CMD_PID=
	# shellcheck disable=SC2034
	OAUTH_ERR=$(cat "$OAUTH_OUT.err")
}

# oauth_browse CMD...: the whole loopback flow, the test as the browser:
# the link opened and its redirects followed (to CMD's listener).
oauth_browse() {
	oauth_run "$@"
	# shellcheck disable=SC2034 # the page the browser shows, for the tests
	OAUTH_PAGE=$(curl -s -L "$OAUTH_LINK" || true)
	oauth_wait
}

oauth_teardown() {
	if [ -n "${OAUTH_CMD_PID:-}" ]; then
		kill "$OAUTH_CMD_PID" 2>/dev/null || true
		wait "$OAUTH_CMD_PID" 2>/dev/null || true
	fi
	oauth_stop
}
