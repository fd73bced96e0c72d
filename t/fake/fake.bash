# t/fake/fake.bash - start and stop t/fake/api.py (fake Graph API, Twilio
# and Odoo), or the fake named by FAKE_SERVER (social.py), for one test: FAKE_URL is its base URL, FAKE_SCRIPT the file of
# scripted replies (fake_reply appends one), FAKE_LOG one JSON line per
# request it saw.

# Call it from setup_file (one server per file; fake_reset in setup) or
# from setup (one per test).
fake_start() {
	FAKE_DIR="${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/fake"
	mkdir -p "$FAKE_DIR"
	FAKE_SCRIPT="$FAKE_DIR/script"
	FAKE_LOG="$FAKE_DIR/log"
	: >"$FAKE_SCRIPT"
	: >"$FAKE_LOG"
	/usr/bin/python3 "$T_DIR/fake/${FAKE_SERVER:-api.py}" "$FAKE_DIR/port" "$FAKE_SCRIPT" "$FAKE_LOG" \
	    2>"$FAKE_DIR/stderr" &
	FAKE_PID=$!
	wait_for -t 5 [ -s "$FAKE_DIR/port" ] || { cat "$FAKE_DIR/stderr" >&2; return 1; }
	FAKE_URL="http://127.0.0.1:$(cat "$FAKE_DIR/port")"
	FAKE_ODOO_STATE="$FAKE_SCRIPT.odoo.json"
	export FAKE_URL FAKE_SCRIPT FAKE_LOG FAKE_PID FAKE_ODOO_STATE
}

# fake_reset: forget the scripted replies and the requests seen, and
# bring back Odoo's seed data (t/fake/odoo_model.py).
fake_reset() {
	: >"$FAKE_SCRIPT"
	: >"$FAKE_LOG"
	rm -f "$FAKE_SCRIPT.odoo.json"
}

fake_stop() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
		FAKE_PID=
	fi
}

# fake_setup: a test's start in a file with one fake server (in setup):
# common_setup, a fresh vault, the fake's replies, log and Odoo state
# reset.
fake_setup() {
	common_setup
	mkvault
	fake_reset
}

# fake_odoo_start [VAR=VALUE...]: fake_start as the Odoo of database
# acme, user bot@acme.example (password s3cret) and the poster
# poster@acme.example (p0st), the VARs (API keys, say) exported first.
fake_odoo_start() {
	# shellcheck disable=SC2163 # the VAR=VALUE words themselves
	export FAKE_ODOO_DB=acme FAKE_ODOO_USER=bot@acme.example \
	    FAKE_ODOO_PASSWORD=s3cret FAKE_ODOO_POST_USER=poster@acme.example \
	    FAKE_ODOO_POST_PASSWORD=p0st "$@"
	fake_start
}

# fake_odoo_env: the tools' ODOO_* for fake_odoo_start's user over
# JSON-RPC (no API key), a 3 s timeout.
fake_odoo_env() {
	unset ODOO_API_MODE ODOO_API_KEY
	export ODOO_URL="$FAKE_URL" ODOO_DB=acme ODOO_USER=bot@acme.example \
	    ODOO_PASSWORD=s3cret ODOO_TIMEOUT=3
}

# fake_reply JSON: one scripted reply (see t/fake/api.py).
fake_reply() {
	printf '%s\n' "$1" >>"$FAKE_SCRIPT"
}

# fake_count [JQ-FILTER]: how many requests (matching the filter) came.
fake_count() {
	jq -s "[.[] | select(${1:-true})] | length" "$FAKE_LOG"
}

# fake_problems: the checks a request failed (empty when none).
fake_problems() {
	jq -r 'select(.problem != null) | .path + ": " + .problem' "$FAKE_LOG"
}

# free_port: a port nothing listens on right now.
free_port() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
