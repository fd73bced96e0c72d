#!/usr/bin/env bats
# vault-health: every component against real or fake servers on 127.0.0.1
# (t/fake/api.py for Odoo, Graph and the LLM endpoint, aiosmtpd, a greeter
# for IMAP, a bare Git remote, the real pm2 from npm).
load helper
load fake/fake
load mail

setup_file() {
	export FAKE_ODOO_DB=acme FAKE_ODOO_USER=bot FAKE_ODOO_PASSWORD=pw
	export FAKE_WA_TOKEN=EAAGhealth FAKE_WA_PHONE_ID=777
	fake_start
}

teardown_file() {
	fake_stop
}

setup() {
	common_setup
	mkvault
	unset ODOO_URL ODOO_DB ODOO_USER ODOO_PASSWORD ODOO_API_KEY ODOO_API_MODE \
	    ANTHROPIC_BASE_URL WA_PROVIDER WA_PHONE_NUMBER_ID WA_TO PM2_HOME \
	    HEALTH_SYNC_MAX_AGE VAULT_REMOTE
	export ODOO_TIMEOUT=2 HEALTH_TIMEOUT=2 AIE_HTTP_BACKOFF=0.01
	# pm2 only in the tests that ask for it
	export PATH=$(echo "$PATH" | tr ':' '\n' | grep -v node_modules | paste -sd:)
	PIDS=()
	fake_reset
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	mail_teardown
	if [ -n "${PM2_HOME:-}" ] && [ -x "$TOP/node_modules/.bin/pm2" ]; then
		"$TOP/node_modules/.bin/pm2" kill >/dev/null 2>&1 || true
	fi
}

odoo_fake() {
	export ODOO_URL="$FAKE_URL" ODOO_DB=acme ODOO_USER=bot ODOO_PASSWORD=pw
}

wa_fake() {
	export WA_PROVIDER=cloud WA_GRAPH_URL="$FAKE_URL" WA_PHONE_NUMBER_ID=777 \
	    WA_TOKEN=EAAGhealth WA_TO=+15550001111 WA_ATTEMPTS=1 \
	    WA_TOKEN_EXPIRES_AT=2099-01-01T00:00:00Z
}

# key COMPONENT: its value in Health/local.md, decoded.
key() {
	sed -n "s/^$1: \"\\(.*\\)\"\$/\\1/p" "$VAULT_DIR/Health/local.md"
}

wait_port() {
	wait_for /usr/bin/python3 -c "import socket;socket.create_connection(('127.0.0.1',$1),1)"
}

start_smtp() {
	SMTP_PORT=$(free_port)
	/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
	    -c aiosmtpd.handlers.Sink 2>/dev/null &
	PIDS+=($!)
	wait_port "$SMTP_PORT"
}

# start_greeter LINE [tls]: t/fake/greeter.py, with implicit TLS and a
# certificate MAIL_CA_FILE trusts when asked.
start_greeter() {
	local tls=()
	if [ "${2:-}" = tls ]; then
		make_cert
		tls=("$BATS_TEST_TMPDIR/cert.pem" "$BATS_TEST_TMPDIR/key.pem")
		export MAIL_CA_FILE="$BATS_TEST_TMPDIR/cert.pem"
	fi
	/usr/bin/python3 "$T_DIR/fake/greeter.py" "$BATS_TEST_TMPDIR/gport" "$1" \
	    "${tls[@]}" &
	PIDS+=($!)
	wait_for -t 5 [ -s "$BATS_TEST_TMPDIR/gport" ]
	GREET_PORT=$(cat "$BATS_TEST_TMPDIR/gport")
}

@test "nothing configured: every component unconfigured or unknown, exit 0" {
	run vault-health
	assert_success
	[ "$(key odoo)" = "unconfigured ODOO_URL not set" ]
	[[ "$(key smtp)" == unconfigured* ]]
	[[ "$(key imap)" == unconfigured* ]]
	[[ "$(key llm)" == unconfigured* ]]
	[[ "$(key git)" == unconfigured* ]]
	[[ "$(key sync)" == unconfigured* ]]
	[ "$(key pm2)" = "unknown pm2 not on PATH" ]
	[ "$(key cert)" = "unconfigured HEALTH_CERT_URLS not set" ]
	grep -q '^updated: 20[0-9-]*T[0-9:]*Z$' "$VAULT_DIR/Health/local.md"
	grep -q '^| odoo | unconfigured | ODOO_URL not set |$' "$VAULT_DIR/Health/local.md"
}

@test "vault-status reads the health file by its first word" {
	odoo_fake
	run vault-health
	assert_success
	vault-status -j | jq -e '.health.local.components.odoo.state == "up" and
	    (.health.local.components.odoo.detail | startswith("17.0 uid 2 "))'
}

@test "odoo up: version, uid and latency" {
	odoo_fake
	run vault-health
	assert_success
	[[ "$(key odoo)" =~ ^up\ 17\.0\ uid\ 2\ [0-9]+\ ms$ ]]
	[ -z "$(fake_problems)" ]
}

@test "odoo down: refused connection, exit 1" {
	export ODOO_URL="http://127.0.0.1:$(free_port)" ODOO_DB=a ODOO_USER=b ODOO_PASSWORD=c
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key odoo)" == "down version: "* ]]
	[[ "$output" == *"odoo down"* ]]
}

@test "odoo with a bad password is down with Odoo's reason" {
	odoo_fake
	export ODOO_PASSWORD=nope
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key odoo)" == "down login: login refused"* ]]
}

@test "smtp up: aiosmtpd's 220 greeting" {
	start_smtp
	export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
	run vault-health
	assert_success
	[[ "$(key smtp)" == "up 220 "* ]]
}

@test "smtp down: connection refused" {
	export SMTP_URL="smtp://127.0.0.1:$(free_port)"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[ "$(key smtp)" = "down connection refused" ]
}

@test "imap up: the * OK greeting; a * BYE greeting is down" {
	start_greeter "* OK [CAPABILITY IMAP4rev1] Dovecot ready."
	export IMAP_URL="imap://127.0.0.1:$GREET_PORT/INBOX"
	run vault-health
	assert_success
	[[ "$(key imap)" == "up * OK [CAPABILITY IMAP4rev1] Dovecot ready. "* ]]
	kill "${PIDS[0]}"
	rm -f "$BATS_TEST_TMPDIR/gport"
	start_greeter "* BYE too many connections"
	export IMAP_URL="imap://127.0.0.1:$GREET_PORT/INBOX"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[ "$(key imap)" = "down greeting: * BYE too many connections" ]
}

@test "imap: a server that never greets is down after HEALTH_TIMEOUT" {
	/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket();s.bind(("127.0.0.1",0));s.listen(4)
open(sys.argv[1],"w").write(str(s.getsockname()[1]));time.sleep(60)' \
	    "$BATS_TEST_TMPDIR/silent" &
	PIDS+=($!)
	wait_for -t 5 [ -s "$BATS_TEST_TMPDIR/silent" ]
	export IMAP_URL="imap://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/silent")" HEALTH_TIMEOUT=1
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[ "$(key imap)" = "down no greeting within the time-out" ]
}

@test "imaps: dovecot with ssl=required greets over TLS; the test CA is trusted by MAIL_CA_FILE" {
	dovecot_start imaps
	[[ "$IMAP_URL" == imaps://* ]]
	run vault-health --no-notify
	[[ "$(key imap)" =~ ^up\ \*\ OK\ \[CAPABILITY\ IMAP4rev1\ .*\ \(TLS\)\ [0-9]+\ ms$ ]]
	# without the CA the certificate does not verify
	unset MAIL_CA_FILE
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key imap)" == "down "*certificate* ]]
}

@test "smtps: aiosmtpd over implicit TLS greets 220 over TLS" {
	smtp_start_tls smtps
	[[ "$SMTP_URL" == smtps://* ]]
	run vault-health --no-notify
	[[ "$(key smtp)" =~ ^up\ 220\ .*\ \(TLS\)\ [0-9]+\ ms$ ]]
}

@test "smtps: a wrong greeting over TLS is down with what came" {
	start_greeter "554 5.3.2 not accepting mail now" tls
	export SMTP_URL="smtps://127.0.0.1:$GREET_PORT"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[ "$(key smtp)" = "down greeting (TLS): 554 5.3.2 not accepting mail now" ]
}

@test "imaps: a TLS server that never greets is down after HEALTH_TIMEOUT" {
	start_greeter "" tls
	export IMAP_URL="imaps://127.0.0.1:$GREET_PORT/INBOX" HEALTH_TIMEOUT=1
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[ "$(key imap)" = "down TLS connected; no greeting within the time-out" ]
}

@test "imaps: a plain server on an imaps URL is down (no TLS handshake)" {
	start_greeter "* OK plain text where TLS was expected"
	export IMAP_URL="imaps://127.0.0.1:$GREET_PORT/INBOX" HEALTH_TIMEOUT=2
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key imap)" == down* ]]
}

@test "llm: any HTTP reply is up, a dead endpoint is down" {
	export OPENAI_BASE_URL="$FAKE_URL/v1"
	run vault-health
	assert_success
	[[ "$(key llm)" == "up HTTP 400 "* ]]
	export OPENAI_BASE_URL="http://127.0.0.1:$(free_port)/v1"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key llm)" == down* ]]
}

@test "git: a bare repository remote is up; a missing or non-bare one is down" {
	git init -q --bare "$BATS_TEST_TMPDIR/remote.git"
	git -C "$VAULT_DIR" remote add origin "$BATS_TEST_TMPDIR/remote.git"
	run vault-health --no-notify
	[[ "$(key git)" == "up bare repository $BATS_TEST_TMPDIR/remote.git" ]]
	git -C "$VAULT_DIR" remote set-url origin "file://$BATS_TEST_TMPDIR/nothing.git"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key git)" == down* ]]
	mkdir "$BATS_TEST_TMPDIR/plain"
	git -C "$VAULT_DIR" remote set-url origin "$BATS_TEST_TMPDIR/plain"
	run vault-health --no-notify
	[[ "$(key git)" == down* ]]
}

@test "git: a network remote nobody serves is down" {
	git -C "$VAULT_DIR" remote add origin "http://127.0.0.1:$(free_port)/vault.git"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key git)" == down* ]]
}

@test "sync: recent is up, older than HEALTH_SYNC_MAX_AGE is degraded" {
	git init -q --bare "$BATS_TEST_TMPDIR/remote.git"
	git -C "$VAULT_DIR" remote add origin "$BATS_TEST_TMPDIR/remote.git"
	run vault-health
	[ "$status" -eq 1 ]
	[ "$(key sync)" = "degraded never synced" ]
	mkdir -p "$VAULT_DIR/.state/local"
	date -u +%Y-%m-%dT%H:%M:%SZ >"$VAULT_DIR/.state/local/last_sync"
	run vault-health
	assert_success
	[[ "$(key sync)" == "up last sync "*" ago"* ]]
	date -u -d '-30 minutes' +%Y-%m-%dT%H:%M:%SZ >"$VAULT_DIR/.state/local/last_sync"
	run vault-health
	[ "$status" -eq 1 ]
	[[ "$(key sync)" == "degraded last sync 30m ago"* ]]
	export HEALTH_SYNC_MAX_AGE=1h
	run vault-health
	assert_success
}

@test "sync: the age is in its largest whole unit, as approve --list and vault-status print it" {
	mkdir -p "$VAULT_DIR/.state/local"
	date -u -d '-90 seconds' +%Y-%m-%dT%H:%M:%SZ >"$VAULT_DIR/.state/local/last_sync"
	run vault-health
	[[ "$(key sync)" == "up last sync 1m ago"* ]]
	date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ >"$VAULT_DIR/.state/local/last_sync"
	run vault-health
	[[ "$(key sync)" == "degraded last sync 3d ago"* ]]
	run -0 vault-status
	assert_output --partial "(3d ago)"
}

@test "a component going down notifies once; its recovery once" {
	wa_fake
	export ODOO_URL="http://127.0.0.1:$(free_port)" ODOO_DB=acme ODOO_USER=bot ODOO_PASSWORD=pw
	run vault-health
	[ "$status" -eq 1 ]
	[ "$(fake_count '.path == "/v21.0/777/messages"')" -eq 1 ]
	jq -e 'select(.path == "/v21.0/777/messages") | .parsed.text.body |
	    startswith("*ai-employee: odoo is down*\nversion: ")' "$FAKE_LOG"
	run vault-health
	[ "$status" -eq 1 ]
	[ "$(fake_count '.path == "/v21.0/777/messages"')" -eq 1 ]
	odoo_fake
	run vault-health
	assert_success
	[ "$(fake_count '.path == "/v21.0/777/messages"')" -eq 2 ]
	jq -s -e '[.[] | select(.path == "/v21.0/777/messages")][1].parsed.text.body |
	    startswith("*ai-employee: odoo is back up*\nup 17.0 uid 2")' "$FAKE_LOG"
	run vault-health
	[ "$(fake_count '.path == "/v21.0/777/messages"')" -eq 2 ]
	[ "$(grep -c '| sent |' "$VAULT_DIR/Logs/Notifications/$(date -u +%F).md")" -eq 2 ]
}

@test "a notification that fails is tried again on the next run" {
	wa_fake
	export SMTP_URL="smtp://127.0.0.1:$(free_port)"
	fake_reply '{"match":"messages","graph_error":1}'
	run --separate-stderr vault-health
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"smtp: notify: "* ]]
	run vault-health
	[ "$(fake_count '.path == "/v21.0/777/messages"')" -eq 2 ]
	jq -s -e '.[1].parsed.text.body | startswith("*ai-employee: smtp is down*")' "$FAKE_LOG"
	grep -q '| failed |' "$VAULT_DIR/Logs/Notifications/$(date -u +%F).md"
	grep -q '| sent |' "$VAULT_DIR/Logs/Notifications/$(date -u +%F).md"
}

@test "no WhatsApp provider: the down message goes to the outbox" {
	export SMTP_URL="smtp://127.0.0.1:$(free_port)"
	run vault-health
	[ "$status" -eq 1 ]
	grep -q '| error | none | outbox | .*smtp is down' "$VAULT_DIR/Logs/Notifications/$(date -u +%F).md"
}

@test "--no-notify writes the health file and tells no one" {
	wa_fake
	export SMTP_URL="smtp://127.0.0.1:$(free_port)"
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[ "$(fake_count)" -eq 0 ]
	[ ! -e "$VAULT_DIR/Logs/Notifications/$(date -u +%F).md" ]
}

@test "-j prints one JSON object with every component" {
	odoo_fake
	run vault-health -j
	assert_success
	echo "$output" | jq -e '.agent == "local" and .components.odoo.state == "up" and
	    (.components | keys | length) == 9 and (.components | has("cert")) and (.components | has("tokens"))'
}

@test "pm2: a running process is up with its uptime, a stopped one is down" {
	[ -x "$TOP/node_modules/.bin/pm2" ] || skip "npm install first (pm2)"
	export PATH="$TOP/node_modules/.bin:$PATH" PM2_HOME="$BATS_TEST_TMPDIR/pm2"
	pm2 start /bin/sleep --name napper --interpreter none -- 600 >/dev/null 2>&1
	run vault-health
	assert_success
	[[ "$(key pm2)" =~ ^up\ 1/1\ online:\ napper\ online\ [0-9]+s\ 0\ restarts\ [0-9]+\ MB$ ]]
	pm2 stop napper >/dev/null 2>&1
	run vault-health --no-notify
	[ "$status" -eq 1 ]
	[[ "$(key pm2)" == "down 0/1 online: napper stopped 0 restarts"* ]]
}

@test "pm2: on PATH but no daemon is unknown and starts none" {
	[ -x "$TOP/node_modules/.bin/pm2" ] || skip "npm install first (pm2)"
	export PATH="$TOP/node_modules/.bin:$PATH" PM2_HOME="$BATS_TEST_TMPDIR/pm2"
	run vault-health
	assert_success
	[ "$(key pm2)" = "unknown pm2 daemon not running" ]
	[ ! -e "$PM2_HOME/rpc.sock" ]
}

# ---- tokens: the expiry of the access tokens held here ----------------

# social_fake: t/fake/social.py for Graph's debug_token (FAKE_TOKEN_EXPIRES
# says which tokens it knows and until when), on its own port.
social_fake() {
	FAKE_DIR="$BATS_TEST_TMPDIR/social"
	mkdir -p "$FAKE_DIR"
	: >"$FAKE_DIR/log"
	FAKE_FB_PAGE=4242 /usr/bin/python3 "$T_DIR/fake/social.py" "$FAKE_DIR/port" \
	    "$FAKE_DIR/script" "$FAKE_DIR/log" 2>"$FAKE_DIR/stderr" &
	PIDS+=($!)
	wait_for -t 5 [ -s "$FAKE_DIR/port" ]
	SOCIAL_URL="http://127.0.0.1:$(cat "$FAKE_DIR/port")"
	SOCIAL_LOG="$FAKE_DIR/log"
}

@test "tokens: no token set is unconfigured" {
	unset LINKEDIN_TOKEN X_TOKEN FACEBOOK_PAGE_TOKEN WA_TOKEN INSTAGRAM_TOKEN
	run vault-health
	assert_success
	[ "$(key tokens)" = "unconfigured no token with an expiry set here" ]
}

@test "tokens: LinkedIn's from LINKEDIN_TOKEN_EXPIRES_AT: far is up, within 7 days degraded and told once, past is down" {
	wa_fake
	export LINKEDIN_TOKEN=AQVx WA_TOKEN_EXPIRES_AT=2099-01-01T00:00:00Z
	export LINKEDIN_TOKEN_EXPIRES_AT=$(date -u -d '+40 days' +%FT%TZ)
	run vault-health
	assert_success
	[[ "$(key tokens)" == "up linkedin: expires $(date -u -d '+40 days' +%F) (in 40 d)"* ]]
	export LINKEDIN_TOKEN_EXPIRES_AT=$(date -u -d '+4 days' +%FT%TZ)
	run --separate-stderr vault-health
	assert_failure 1
	[[ "$(key tokens)" == "degraded linkedin: expires $(date -u -d '+4 days' +%F) (in 4 d): authorise the app on LinkedIn again"* ]]
	[ "$(fake_count '.path | test("/777/messages")')" -eq 1 ]
	jq -r 'select(.path | test("/777/messages")) | .body' "$FAKE_LOG" |
	    grep -q 'a token expires soon'
	run vault-health
	assert_failure 1
	[ "$(fake_count '.path | test("/777/messages")')" -eq 1 ]
	export LINKEDIN_TOKEN_EXPIRES_AT=$(date -u -d '-1 hour' +%FT%TZ)
	run vault-health
	assert_failure 1
	[[ "$(key tokens)" == "down linkedin: expired $(date -u -d '-1 hour' +%F): authorise"* ]]
}

@test "tokens: TOKEN_WARN_DAYS moves the warning; a bad expiry is unknown, named" {
	export LINKEDIN_TOKEN=AQVx TOKEN_WARN_DAYS=30
	export LINKEDIN_TOKEN_EXPIRES_AT=$(date -u -d '+20 days' +%FT%TZ)
	run vault-health --no-notify
	assert_failure 1
	[[ "$(key tokens)" == degraded* ]]
	export LINKEDIN_TOKEN_EXPIRES_AT=soon
	run vault-health --no-notify
	assert_success
	[ "$(key tokens)" = "unknown linkedin: LINKEDIN_TOKEN_EXPIRES_AT is not RFC 3339" ]
	unset LINKEDIN_TOKEN_EXPIRES_AT
	run vault-health --no-notify
	[ "$(key tokens)" = "unknown linkedin: expiry unknown (set LINKEDIN_TOKEN_EXPIRES_AT)" ]
	export TOKEN_WARN_DAYS=0
	run --separate-stderr vault-health --no-notify
	assert_failure 78
}

@test "tokens: the Page and WhatsApp tokens from Graph's debug_token: never, soon, refused" {
	local soon
	soon=$(date -u -d '+2 days' +%s)
	export FAKE_TOKEN_EXPIRES="{\"EAAGpage\": 0, \"EAAGwa\": $soon}"
	social_fake
	export FACEBOOK_PAGE_TOKEN=EAAGpage FACEBOOK_GRAPH_URL="$SOCIAL_URL" \
	    WA_TOKEN=EAAGwa WA_GRAPH_URL="$SOCIAL_URL"
	run vault-health --no-notify
	assert_failure 1
	[[ "$(key tokens)" == "degraded facebook: never expires; whatsapp: expires $(date -u -d "@$soon" +%F) (in 2 d): make a new system user token"* ]]
	[ "$(jq -s '[.[] | select(.net == "debug_token" and .problem == null)] | length' "$SOCIAL_LOG")" -eq 2 ]
	export WA_TOKEN=EAAGrevoked
	run vault-health --no-notify
	assert_failure 1
	[[ "$(key tokens)" == "down facebook: never expires; whatsapp: expired: make a new system user token"* ]]
	export WA_TOKEN_EXPIRES_AT=2099-01-01T00:00:00Z
	run vault-health --no-notify
	assert_success
	[[ "$(key tokens)" == "up facebook: never expires; whatsapp: expires 2099-01-01"* ]]
}

@test "tokens: Instagram's from Graph's debug_token on the Facebook Graph host, or INSTAGRAM_TOKEN_EXPIRES_AT" {
	local soon
	soon=$(date -u -d '+5 days' +%s)
	export FAKE_TOKEN_EXPIRES="{\"IGQVig\": $soon}"
	social_fake
	export INSTAGRAM_TOKEN=IGQVig FACEBOOK_GRAPH_URL="$SOCIAL_URL" FACEBOOK_API_VERSION=v21.0
	run vault-health --no-notify
	assert_failure 1
	[ "$(key tokens)" = "degraded instagram: expires $(date -u -d "@$soon" +%F) (in 5 d): make a new long-lived token for the Instagram account, set INSTAGRAM_TOKEN" ]
	# asked with the token itself, on the Facebook host and version
	[ "$(jq -s '[.[] | select(.net == "debug_token" and .problem == null and .path == "/v21.0/debug_token")] | length' "$SOCIAL_LOG")" -eq 1 ]
	export INSTAGRAM_TOKEN=IGQVrevoked
	run vault-health --no-notify
	assert_failure 1
	[ "$(key tokens)" = "down instagram: expired: make a new long-lived token for the Instagram account, set INSTAGRAM_TOKEN" ]
	# a stored expiry is believed without asking Graph
	export INSTAGRAM_TOKEN_EXPIRES_AT=2099-01-01T00:00:00Z
	run vault-health --no-notify
	assert_success
	[[ "$(key tokens)" == "up instagram: expires 2099-01-01"* ]]
	[ "$(jq -s '[.[] | select(.net == "debug_token")] | length' "$SOCIAL_LOG")" -eq 2 ]
}

@test "tokens: X's token is watched only when it cannot refresh itself" {
	export X_TOKEN=xuser X_REFRESH_TOKEN=xr X_TOKEN_EXPIRES_AT=$(date -u -d '+1 hour' +%FT%TZ)
	run vault-health --no-notify
	assert_success
	[[ "$(key tokens)" == unconfigured* ]]
	unset X_REFRESH_TOKEN
	run vault-health --no-notify
	assert_failure 1
	[[ "$(key tokens)" == "degraded x: expires "* ]]
}
