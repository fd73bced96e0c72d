#!/usr/bin/env bats
# oauth-token and XOAUTH2 that keeps working: the first grant (loopback
# with PKCE, the device flow), refresh and rotation, refused grants, and
# mail-fetch and mail-send taking their token through IMAP_OAUTH and
# SMTP_OAUTH, against t/fake/oauth2.py (and dovecot and aiosmtpd for the
# mail).
load helper
load mail
load oauth

export BATS_NO_PARALLELIZE_WITHIN_FILE=true
D="$BATS_TEST_DIRNAME/data/mail"

setup() {
	common_setup
	mkvault
	TOKENS="$HOME/.config/ai-employee/google.tokens"
}
teardown() {
	oauth_teardown
	mail_teardown
}

# google_init: a first grant for google through the loopback flow.
google_init() {
	oauth_browse oauth-token init google --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; return 1; }
}

# expire_soon: the stored access token expires within the five minutes.
expire_soon() {
	sed -i "s/^expires_at=.*/expires_at=$(($(date +%s) + 120))/" "$TOKENS"
}

@test "init google: PKCE S256 on a loopback redirect, the pair stored 0600" {
	oauth_start
	google_init
	[[ "$OAUTH_LINK" == "$OAUTH_URL/authorize?"* ]]
	[[ "$OAUTH_LINK" == *"code_challenge_method=S256"* ]]
	[[ "$OAUTH_LINK" == *"redirect_uri=http%3A%2F%2F127.0.0.1%3A"* ]]
	[[ "$OAUTH_LINK" == *"scope=https%3A%2F%2Fmail.google.com%2F"* ]]
	[[ "$OAUTH_LINK" == *"access_type=offline"* ]]
	[[ "$OAUTH_PAGE" == *"Authorised"* ]]
	[[ "$OAUTH_ERR" == *"authorised; stored in $TOKENS"* ]]
	[ "$(stat -c %a "$TOKENS")" = 600 ]
	[ "$(stat -c %a "$(dirname "$TOKENS")")" = 700 ]
	grep -qx 'access_token=ya29.fake-access-2' "$TOKENS"
	grep -qx 'refresh_token=1//fake-refresh-2' "$TOKENS"
	exp=$(sed -n 's/^expires_at=//p' "$TOKENS")
	now=$(date +%s)
	[ "$exp" -ge $((now + 3500)) ] && [ "$exp" -le $((now + 3600)) ]
	# the code went back with the verifier whose challenge was sent
	jq -s -e '[.[] | select(.grant_type == "authorization_code")] |
	    length == 1 and .[0].verifier_ok and .[0].redirect_ok and .[0].client_ok' "$OAUTH_LOG"
	[ -z "$(jq -r 'select(.problem != null) | .problem' "$OAUTH_LOG")" ]
	# one redirect served: nothing listens on the port any more
	port=$(printf '%s' "$OAUTH_LINK" | sed 's/.*127.0.0.1%3A\([0-9]*\)%2F.*/\1/')
	! port_open "$port"
}

@test "init: another path first gets a 404 and the wait goes on" {
	oauth_start
	oauth_run oauth-token init google --timeout 20
	port=$(printf '%s' "$OAUTH_LINK" | sed 's/.*127.0.0.1%3A\([0-9]*\)%2F.*/\1/')
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/favicon.ico")" = 404 ]
	curl -s -L "$OAUTH_LINK" >/dev/null
	oauth_wait
	[ "$OAUTH_RC" -eq 0 ]
	grep -q '^access_token=ya29.fake-access-' "$TOKENS"
}

@test "init: a redirect with another state is refused (65) and nothing is stored" {
	oauth_start
	oauth_run oauth-token init google --timeout 20
	port=$(printf '%s' "$OAUTH_LINK" | sed 's/.*127.0.0.1%3A\([0-9]*\)%2F.*/\1/')
	run curl -s "http://127.0.0.1:$port/callback?code=4/forged&state=not-ours"
	[[ "$output" == *"not for this run"* ]]
	oauth_wait
	[ "$OAUTH_RC" -eq 65 ]
	[[ "$OAUTH_ERR" == *"state is not the one sent"* ]]
	[ ! -e "$TOKENS" ]
	[ "$(jq -s '[.[] | select(.path == "/token")] | length' "$OAUTH_LOG")" -eq 0 ]
}

@test "init: the owner declines (77), nothing is stored" {
	oauth_start
	oauth_control action=deny_next
	oauth_browse oauth-token init google --timeout 20
	[ "$OAUTH_RC" -eq 77 ]
	[[ "$OAUTH_ERR" == *"declined (access_denied)"* ]]
	[ ! -e "$TOKENS" ]
}

@test "init: no redirect within --timeout is 75" {
	oauth_start
	oauth_run oauth-token init google --timeout 1
	oauth_wait
	[ "$OAUTH_RC" -eq 75 ]
	[[ "$OAUTH_ERR" == *"no redirect came within 1 s"* ]]
	[ ! -e "$TOKENS" ]
}

@test "init without GOOGLE_CLIENT_ID is 78 and says what to set" {
	unset GOOGLE_CLIENT_ID
	run --separate-stderr oauth-token init google
	assert_failure 78
	[[ "$stderr" == *"GOOGLE_CLIENT_ID is not set"* ]]
}

@test "init microsoft --device: the code shown, approved on the fake, the pair stored" {
	oauth_start
	oauth_run oauth-token -q init microsoft --device --timeout 30
	[ "$OAUTH_LINK" = "$OAUTH_URL/devicelogin" ]
	wait_for grep -q 'enter the code FAKE-' "$OAUTH_OUT.err"
	code=$(grep -o 'FAKE-[0-9]*' "$OAUTH_OUT.err")
	# it polls, and is told to wait, until the owner approves
	wait_for grep -q '"answer": "authorization_pending"' "$OAUTH_LOG"
	oauth_control "action=approve&user_code=$code"
	oauth_wait
	[ "$OAUTH_RC" -eq 0 ]
	f="$HOME/.config/ai-employee/microsoft.tokens"
	[ "$(stat -c %a "$f")" = 600 ]
	grep -q '^refresh_token=1//fake-refresh-' "$f"
	jq -s -e '[.[] | select(.path == "/device")][0].scope |
	    contains("IMAP.AccessAsUser.All") and contains("offline_access")' "$OAUTH_LOG"
	# Microsoft's refresh names the scope again; MICROSOFT_SCOPE narrows it
	export MICROSOFT_SCOPE="https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
	run --separate-stderr oauth-token get microsoft --refresh
	assert_success
	jq -s -e '[.[] | select(.grant_type == "refresh_token")][0] |
	    .refresh_ok and .scope == env.MICROSOFT_SCOPE' "$OAUTH_LOG"
}

@test "init microsoft --device: a declined code is 77" {
	oauth_start
	oauth_run oauth-token init microsoft --device --timeout 30
	wait_for grep -q 'enter the code FAKE-' "$OAUTH_OUT.err"
	code=$(grep -o 'FAKE-[0-9]*' "$OAUTH_OUT.err")
	oauth_control "action=deny&user_code=$code"
	oauth_wait
	[ "$OAUTH_RC" -eq 77 ]
	[ ! -e "$HOME/.config/ai-employee/microsoft.tokens" ]
}

@test "init google --device is 69: Google's device flow has no Gmail scope" {
	run --separate-stderr oauth-token init google --device
	assert_failure 69
	[[ "$stderr" == *"does not grant Gmail's scope"* ]]
}

@test "a provider oauth-token does not know is a usage error (2)" {
	run --separate-stderr oauth-token get yahoo
	assert_failure 2
	run --separate-stderr oauth-token init linkedin
	assert_failure 2
	[[ "$stderr" == *"social-auth"* ]]
	run --separate-stderr oauth-token frob google
	assert_failure 2
}

@test "get: a fresh token is printed without asking the endpoint" {
	oauth_start
	google_init
	: >"$OAUTH_LOG"
	run --separate-stderr oauth-token get google
	assert_success
	assert_output ya29.fake-access-2
	[ ! -s "$OAUTH_LOG" ]
}

@test "get: within five minutes of expiry it is refreshed, and stored before it is printed" {
	oauth_start
	google_init
	expire_soon
	run --separate-stderr oauth-token get google
	assert_success
	assert_output ya29.fake-access-3
	grep -qx 'access_token=ya29.fake-access-3' "$TOKENS"
	# Google keeps the refresh token: the old one stays
	grep -qx 'refresh_token=1//fake-refresh-2' "$TOKENS"
	[ "$(stat -c %a "$TOKENS")" = 600 ]
	jq -s -e '[.[] | select(.grant_type == "refresh_token")] | length == 1 and
	    .[0].refresh_ok and .[0].scope == null' "$OAUTH_LOG"
}

@test "get --refresh: a rotated refresh token replaces the old one in the file" {
	export FAKE_OAUTH_ROTATE=1
	oauth_start
	google_init
	run --separate-stderr oauth-token -j get google --refresh
	assert_success
	[ "$(jq -r .access_token <<<"$output")" = ya29.fake-access-3 ]
	grep -qx 'refresh_token=1//fake-refresh-3' "$TOKENS"
	# and the next refresh uses the new one, which the server accepts
	run --separate-stderr oauth-token get google --refresh
	assert_success
	assert_output ya29.fake-access-4
	jq -s -e '[.[] | select(.grant_type == "refresh_token")] | all(.refresh_ok)' "$OAUTH_LOG"
}

@test "get: two tools refreshing at once make one refresh, and both get its token" {
	# rotation: a refresh token spent by one is refused to the other; the
	# endpoint slow enough that the two requests would overlap
	export FAKE_OAUTH_ROTATE=1 FAKE_OAUTH_DELAY=0.5
	oauth_start
	google_init
	expire_soon
	oauth-token get google >"$BATS_TEST_TMPDIR/a" 2>&1 &
	a=$!
	oauth-token get google >"$BATS_TEST_TMPDIR/b" 2>&1 &
	b=$!
	wait "$a"
	wait "$b"
	[ "$(cat "$BATS_TEST_TMPDIR/a")" = "$(cat "$BATS_TEST_TMPDIR/b")" ]
	grep -qx 'ya29.fake-access-3' "$BATS_TEST_TMPDIR/a"
	jq -s -e '[.[] | select(.grant_type == "refresh_token")] | length == 1 and .[0].refresh_ok' "$OAUTH_LOG"
}

@test "get: a revoked refresh token is 78, says to run init, and the file is kept" {
	oauth_start
	google_init
	expire_soon
	cp "$TOKENS" "$BATS_TEST_TMPDIR/before"
	oauth_control action=revoke
	run --separate-stderr oauth-token get google
	assert_failure 78
	assert_output ''
	[[ "$stderr" == *"refused the grant (invalid_grant: Token has been expired or revoked.)"* ]]
	[[ "$stderr" == *"oauth-token init google"* ]]
	[[ "$stderr" != *"fake-refresh"* ]]
	cmp "$TOKENS" "$BATS_TEST_TMPDIR/before"
}

@test "get: a failing token endpoint is 75 and the file is kept" {
	oauth_start
	google_init
	expire_soon
	cp "$TOKENS" "$BATS_TEST_TMPDIR/before"
	oauth_control 'action=fail&n=1'
	run --separate-stderr oauth-token get google
	assert_failure 75
	[[ "$stderr" == *"failing (HTTP 503)"* ]]
	cmp "$TOKENS" "$BATS_TEST_TMPDIR/before"
}

@test "get: a wrong client secret is 78 naming the keys to check" {
	export FAKE_OAUTH_SECRET=s3cret
	oauth_start
	export GOOGLE_CLIENT_SECRET=s3cret
	google_init
	expire_soon
	export GOOGLE_CLIENT_SECRET=wrong
	run --separate-stderr oauth-token get google
	assert_failure 78
	[[ "$stderr" == *"refused the client (invalid_client"* ]]
	[[ "$stderr" == *"GOOGLE_CLIENT_SECRET"* ]]
}

@test "get: a token file others may read is refused (78)" {
	oauth_start
	google_init
	chmod 644 "$TOKENS"
	run --separate-stderr oauth-token get google
	assert_failure 78
	[[ "$stderr" == *"$TOKENS"* ]]
	assert_output ''
}

@test "get without a stored token is 78 and says to run init" {
	run --separate-stderr oauth-token get microsoft
	assert_failure 78
	[[ "$stderr" == *"no token stored yet (run oauth-token init microsoft)"* ]]
}

@test "mail-fetch: IMAP_OAUTH=google refreshes the expiring token, XOAUTH2 logs in" {
	dovecot_start oauth2 ya29.not-this-one
	oauth_point "$(cat "$DOVECOT_DIR/oauth2.port")"
	unset IMAP_BEARER
	export IMAP_OAUTH=google
	google_init
	expire_soon
	deliver "$D/plain.eml"
	run --separate-stderr mail-fetch
	assert_success
	grep -q 'message_id: <plain-1@example.com>' "$VAULT_DIR/$output"
	grep -q 'Login: user=<alice>, method=XOAUTH2' "$DOVECOT_DIR/dovecot.log"
	grep -qx 'access_token=ya29.fake-access-3' "$TOKENS"
	jq -s -e '[.[] | select(.path == "/introspect")] | length >= 1 and all(.token_ok)' "$OAUTH_LOG"
}

@test "mail-fetch: a token the server no longer takes is 78 and says what to run" {
	dovecot_start oauth2 ya29.not-this-one
	oauth_point "$(cat "$DOVECOT_DIR/oauth2.port")"
	unset IMAP_BEARER
	export IMAP_OAUTH=google
	google_init
	oauth_control action=expire
	deliver "$D/plain.eml"
	run --separate-stderr mail-fetch
	assert_failure 78
	[[ "$stderr" == *"refused IMAP_USER with the google token: authorise again with oauth-token init google"* ]]
	[[ "$stderr" != *"fake-access"* ]]
}

@test "mail-fetch: IMAP_OAUTH and IMAP_BEARER together are refused (78)" {
	export IMAP_URL=imap://127.0.0.1:1/INBOX IMAP_USER=alice
	export IMAP_OAUTH=google IMAP_BEARER=ya29.x
	run --separate-stderr mail-fetch
	assert_failure 78
	[[ "$stderr" == *"IMAP_OAUTH and IMAP_BEARER are both set"* ]]
	export IMAP_OAUTH=yahoo
	unset IMAP_BEARER
	run --separate-stderr mail-fetch
	assert_failure 78
	[[ "$stderr" == *"IMAP_OAUTH=yahoo: not a provider"* ]]
}

@test "mail-send: SMTP_OAUTH=google sends with the refreshed token over XOAUTH2" {
	oauth_start
	google_init
	expire_soon
	mkemail E1
	mkdraft DRAFT_E1 E1
	approve DRAFT_E1 >/dev/null
	smtp_start_xoauth2 owner@example.com ya29.fake-access-3
	unset SMTP_BEARER
	export SMTP_OAUTH=google
	run --separate-stderr mail-send DRAFT_E1
	assert_success
	[ "$(smtp_count)" -eq 1 ]
	[ "$(cat "$SMTP_AUTH_LOG")" = "XOAUTH2 ok owner@example.com" ]
	grep -qx 'access_token=ya29.fake-access-3' "$TOKENS"
}

@test "mail-send: a revoked grant is 78, nothing sent, the draft stays approved" {
	oauth_start
	google_init
	expire_soon
	oauth_control action=revoke
	mkemail E1
	mkdraft DRAFT_E1 E1
	approve DRAFT_E1 >/dev/null
	smtp_start_xoauth2 owner@example.com ya29.fake-access-3
	unset SMTP_BEARER
	export SMTP_OAUTH=google
	run --separate-stderr mail-send DRAFT_E1
	assert_failure 78
	[ "$(smtp_count)" -eq 0 ]
	[ ! -s "$SMTP_AUTH_LOG" ]
	[[ "$stderr" == *"oauth-token init google"* ]]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
}

@test "vault-health: SMTP_OAUTH's grant is checked (refreshed when due); revoked is down" {
	oauth_start
	google_init
	smtp_start
	export SMTP_OAUTH=google
	run --separate-stderr vault-health --no-notify -j
	assert_success
	jq -e '.components.smtp.state == "up" and
	    (.components.smtp.detail | test("^220 .*, google token good until [0-9]{2}:[0-9]{2}Z$"))' <<<"$output"
	expire_soon
	run --separate-stderr vault-health --no-notify -j
	assert_success
	grep -qx 'access_token=ya29.fake-access-3' "$TOKENS"
	expire_soon
	oauth_control action=revoke
	run --separate-stderr vault-health --no-notify -j
	assert_failure 1
	jq -e '.components.smtp.state == "down" and
	    (.components.smtp.detail | test("google token: .*oauth-token init google"))' <<<"$output"
	[[ "$output" != *"fake-refresh"* ]]
}

@test "an endpoint that is not https:// (plain http only to 127.0.0.1) is refused (78)" {
	export GOOGLE_CLIENT_ID=aie-client
	export GOOGLE_AUTH_URL=http://127.0.0.1.example.com/authorize
	run --separate-stderr oauth-token init google
	assert_failure 78
	[[ "$stderr" == *"GOOGLE_AUTH_URL: not an https:// URL"* ]]
	export GOOGLE_AUTH_URL=http://accounts.example.com/authorize
	run --separate-stderr oauth-token init google
	assert_failure 78
}
