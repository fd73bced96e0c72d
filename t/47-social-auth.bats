#!/usr/bin/env bats
# social-auth: the loopback flow with PKCE for each network against
# t/fake/oauth2.py, and its tokens put where social-post reads them.
load helper
load mail
load oauth
load fake/fake

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	common_setup
	unset LINKEDIN_TOKEN LINKEDIN_AUTHOR X_TOKEN X_REFRESH_TOKEN X_TOKEN_FILE \
	    FACEBOOK_PAGE_TOKEN VAULT_AGENT
}
teardown() {
	oauth_teardown
	fake_stop
}

# post_approved ID NETWORK: an approved post of vault(5) for social-post.
post_approved() {
	mkdir -p "$VAULT_DIR/Pending_Approval/social"
	printf -- '---\ntype: post_draft\nid: %s\ncreated: 2026-11-30T10:20:00Z\ndomain: social\nstatus: pending\naction: post\nnetwork: %s\nexpires: 2099-01-01T00:00:00Z\n---\nWe shipped the new release today.\n' \
	    "$1" "$2" >"$VAULT_DIR/Pending_Approval/social/$1.md"
	approve "$1" >/dev/null
}

@test "linkedin: the token, the author from userinfo and the expiry into the config file" {
	oauth_start
	export LINKEDIN_API_URL="$OAUTH_URL"
	port=$(free_port)
	export LINKEDIN_REDIRECT_PORT="$port"
	printf '# the owner'"'"'s settings\nSMTP_URL=smtps://smtp.example.com\nLINKEDIN_TOKEN=old-token\nexport LINKEDIN_TOKEN=older\nVAULT_AGENT=local\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	oauth_browse social-auth linkedin --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	# the registered redirect: a fixed port LinkedIn matches exactly
	[[ "$OAUTH_LINK" == *"redirect_uri=http%3A%2F%2F127.0.0.1%3A$port%2Fcallback"* ]]
	jq -s -e '[.[] | select(.path == "/authorize")][0].scope == "openid profile w_member_social"' "$OAUTH_LOG"
	[[ "$OAUTH_ERR" == *"authorised as urn:li:person:782bbtaQ"* ]]
	[[ "$OAUTH_ERR" == *"run social-auth linkedin again before then"* ]]
	# set in place, the duplicate dropped, the rest kept, still 0600
	exp=$(date -u -d "@$(($(date +%s) + 3599))" +%Y-%m-%dT%H:%M)
	run cat "$AI_EMPLOYEE_CONFIG"
	assert_line --index 0 "# the owner's settings"
	assert_line --index 1 'SMTP_URL=smtps://smtp.example.com'
	assert_line --index 2 'LINKEDIN_TOKEN=ya29.fake-access-2'
	assert_line --index 3 'VAULT_AGENT=local'
	assert_line --index 4 'LINKEDIN_AUTHOR=urn:li:person:782bbtaQ'
	assert_line --index 5 --regexp "^LINKEDIN_TOKEN_EXPIRES_AT=${exp}:[0-9]{2}Z$"
	[ "${#lines[@]}" -eq 6 ]
	[ "$(stat -c %a "$AI_EMPLOYEE_CONFIG")" = 600 ]
	jq -s -e '[.[] | select(.path == "/v2/userinfo")] | length == 1 and .[0].problem == null' "$OAUTH_LOG"
}

@test "linkedin: social-post publishes with the token and author social-auth wrote" {
	oauth_start
	export LINKEDIN_API_URL="$OAUTH_URL"
	: >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	oauth_browse social-auth linkedin --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	export FAKE_SERVER=social.py FAKE_LI_TOKEN=ya29.fake-access-2 \
	    FAKE_LI_AUTHOR=urn:li:person:782bbtaQ
	fake_start
	export LINKEDIN_API_URL="$FAKE_URL"
	mkvault
	post_approved P1 linkedin
	run --separate-stderr social-post P1
	assert_success
	[ "$(fake_count '.net == "linkedin"')" -eq 1 ]
	[ -z "$(fake_problems)" ]
}

@test "linkedin: without a config file one is made 0600 in ~/.config/ai-employee" {
	oauth_start
	export LINKEDIN_API_URL="$OAUTH_URL"
	unset AI_EMPLOYEE_CONFIG
	oauth_browse social-auth -j linkedin --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	f="$HOME/.config/ai-employee/env"
	[ "$(stat -c %a "$f")" = 600 ]
	grep -qx 'LINKEDIN_AUTHOR=urn:li:person:782bbtaQ' "$f"
	[ "$(jq -r .author "$OAUTH_OUT" | tail -n 1)" = "urn:li:person:782bbtaQ" ]
}

@test "linkedin: when userinfo cannot be reached nothing is written (69)" {
	oauth_start
	export LINKEDIN_API_URL="http://127.0.0.1:$(free_port)"
	printf 'LINKEDIN_TOKEN=old-token\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	oauth_browse social-auth linkedin --timeout 20
	[ "$OAUTH_RC" -eq 69 ]
	[ "$(cat "$AI_EMPLOYEE_CONFIG")" = 'LINKEDIN_TOKEN=old-token' ]
}

@test "linkedin: a key set in the environment is warned about (it wins over the file)" {
	oauth_start
	export LINKEDIN_API_URL="$OAUTH_URL" LINKEDIN_AUTHOR=urn:li:person:old
	oauth_browse social-auth linkedin --timeout 20
	[ "$OAUTH_RC" -eq 0 ]
	[[ "$OAUTH_ERR" == *"LINKEDIN_AUTHOR: set in the environment, which wins over the configuration file"* ]]
}

@test "linkedin: a config file others may read is refused (78), left as it was" {
	oauth_start
	export LINKEDIN_API_URL="$OAUTH_URL"
	printf 'A=1\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	oauth_run social-auth linkedin --timeout 20
	chmod 644 "$AI_EMPLOYEE_CONFIG"
	curl -s -L "$OAUTH_LINK" >/dev/null || true
	oauth_wait
	[ "$OAUTH_RC" -eq 78 ]
	[ "$(cat "$AI_EMPLOYEE_CONFIG")" = 'A=1' ]
}

# x_authorised: social-auth x run through the fake provider's consent,
# successfully; $f is the token file it wrote.
x_authorised() {
	oauth_start
	oauth_browse social-auth x --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	f="$HOME/.config/ai-employee/x.tokens"
}

# x_post_ready ID TOKEN: a vault with post ID approved for X, and the fake
# X that takes TOKEN.
x_post_ready() {
	export FAKE_SERVER=social.py FAKE_X_TOKEN=$2
	fake_start
	export X_API_URL="$FAKE_URL"
	mkvault
	post_approved "$1" x
}

@test "x: a confidential client by HTTP Basic; the pair in x.tokens, which social-post reads" {
	export FAKE_OAUTH_SECRET=xsecret
	oauth_start
	export X_CLIENT_SECRET=xsecret
	oauth_browse social-auth x --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	f="$HOME/.config/ai-employee/x.tokens"
	[ "$(stat -c %a "$f")" = 600 ]
	grep -qx 'access_token=ya29.fake-access-2' "$f"
	grep -qx 'refresh_token=1//fake-refresh-2' "$f"
	jq -s -e '[.[] | select(.path == "/authorize")][0].scope | contains("offline.access") and contains("tweet.write")' "$OAUTH_LOG"
	jq -s -e '[.[] | select(.grant_type == "authorization_code")][0] | .client_ok and .verifier_ok' "$OAUTH_LOG"
	[[ "$OAUTH_ERR" == *"x: authorised; stored in $f"* ]]
}

@test "x: social-post publishes with the token from x.tokens" {
	x_authorised
	x_post_ready P2 ya29.fake-access-2
	run --separate-stderr social-post P2
	assert_success
	[ "$(fake_count '.net == "x" and .auth == "Bearer ya29.fake-access-2"')" -eq 1 ]
	[ -z "$(fake_problems)" ]
}

@test "x: a stored access token about to run out is refreshed through the shared refresh, the rotated pair stored, then posted with" {
	export FAKE_OAUTH_ROTATE=1
	x_authorised
	sed -i 's/^expires_at=.*/expires_at=1/' "$f"
	x_post_ready P3 ya29.fake-access-3
	run --separate-stderr social-post P3
	assert_success
	jq -s -e '[.[] | select(.grant_type == "refresh_token")] | length == 1 and .[0].refresh_ok' "$OAUTH_LOG"
	grep -qx 'access_token=ya29.fake-access-3' "$f"
	grep -qx 'refresh_token=1//fake-refresh-3' "$f"
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(fake_count '.net == "x" and .auth == "Bearer ya29.fake-access-3"')" -eq 1 ]
	[ -z "$(fake_problems)" ]
}

@test "x: a refresh token the provider revoked is 78 and says to run social-auth x; the file is kept, nothing posted" {
	x_authorised
	sed -i 's/^expires_at=.*/expires_at=1/' "$f"
	oauth_control action=revoke
	x_post_ready P4 ya29.fake-access-2
	run --separate-stderr social-post P4
	assert_failure 78
	[[ "$stderr" == *"x: the token endpoint refused the grant"*"authorise again with social-auth x"* ]]
	[[ "$stderr" != *"fake-refresh"* ]]
	grep -qx 'refresh_token=1//fake-refresh-2' "$f"
	[ "$(fake_count '.net == "x"')" -eq 0 ]
}

@test "x: X_TOKEN_FILE names where the pair goes" {
	oauth_start
	export X_TOKEN_FILE="$BATS_TEST_TMPDIR/keys/x-tokens"
	oauth_browse social-auth x --timeout 20
	[ "$OAUTH_RC" -eq 0 ]
	grep -q '^access_token=ya29.fake-access-' "$X_TOKEN_FILE"
	[ ! -e "$HOME/.config/ai-employee/x.tokens" ]
}

@test "a network the owner declines is 77, nothing written" {
	oauth_start
	oauth_control action=deny_next
	oauth_browse social-auth x --timeout 20
	[ "$OAUTH_RC" -eq 77 ]
	[ ! -e "$HOME/.config/ai-employee/x.tokens" ]
}

@test "on the cloud agent social-auth is refused (77): tokens live on the local agent" {
	export VAULT_AGENT=cloud
	run --separate-stderr social-auth x
	assert_failure 77
}

@test "a network social-auth does not know is a usage error (2)" {
	run --separate-stderr social-auth myspace
	assert_failure 2
	run --separate-stderr social-auth google
	assert_failure 2
	[[ "$stderr" == *"oauth-token"* ]]
	run --separate-stderr social-auth
	assert_failure 2
}

# fb_start: the fake as Graph (GET exchange, fb_exchange_token, Pages).
fb_start() {
	export FAKE_OAUTH_GRAPH=1 FAKE_OAUTH_SECRET=fbsecret
	oauth_start
	export FACEBOOK_CLIENT_SECRET=fbsecret FACEBOOK_GRAPH_URL="$OAUTH_URL"
	printf 'FACEBOOK_API_VERSION=v21.0\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
}

@test "facebook: the code by GET, a long-lived user token, the only Page's token into the config" {
	fb_start
	oauth_browse social-auth facebook --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	jq -s -e '[.[] | select(.path == "/token")] | length == 2 and
	    .[0].method == "GET" and .[0].grant_type == "authorization_code" and .[0].client_ok and
	    .[1].grant_type == "fb_exchange_token" and .[1].user_token_ok' "$OAUTH_LOG"
	jq -s -e '[.[] | select(.path == "/v21.0/me/accounts")] | length == 1 and .[0].long_lived' "$OAUTH_LOG"
	jq -s -e '[.[] | select(.path == "/authorize")][0].scope | contains("pages_manage_posts")' "$OAUTH_LOG"
	run cat "$AI_EMPLOYEE_CONFIG"
	assert_line --index 0 'FACEBOOK_API_VERSION=v21.0'
	assert_line --index 1 'FACEBOOK_PAGE_ID=4242'
	assert_line --index 2 'FACEBOOK_PAGE_TOKEN=EAAGpage-4242'
	[[ "$OAUTH_ERR" == *"authorised for the Page Acme Example (4242)"* ]]
}

@test "facebook: two Pages and no FACEBOOK_PAGE_ID is 65 naming them; with it, that Page" {
	export FAKE_OAUTH_PAGES='4242:Acme Example,777:Acme Labs'
	fb_start
	oauth_browse social-auth facebook --timeout 20
	[ "$OAUTH_RC" -eq 65 ]
	[[ "$OAUTH_ERR" == *"manages 2 Pages (4242, 777): set FACEBOOK_PAGE_ID"* ]]
	[ "$(cat "$AI_EMPLOYEE_CONFIG")" = 'FACEBOOK_API_VERSION=v21.0' ]
	printf 'FACEBOOK_PAGE_ID=777\n' >>"$AI_EMPLOYEE_CONFIG"
	oauth_browse social-auth facebook --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	grep -qx 'FACEBOOK_PAGE_ID=777' "$AI_EMPLOYEE_CONFIG"
	grep -qx 'FACEBOOK_PAGE_TOKEN=EAAGpage-777' "$AI_EMPLOYEE_CONFIG"
	[ "$(grep -c '^FACEBOOK_PAGE_ID=' "$AI_EMPLOYEE_CONFIG")" -eq 1 ]
}

@test "facebook: a refused code in Graph's envelope is 78 with Graph's words" {
	fb_start
	export FACEBOOK_CLIENT_SECRET=wrong
	oauth_browse social-auth facebook --timeout 20
	[ "$OAUTH_RC" -eq 78 ]
	[[ "$OAUTH_ERR" == *"the token endpoint refused (OAuthException: The OAuth client was not found.): check FACEBOOK_CLIENT_ID"* ]]
	[ "$(cat "$AI_EMPLOYEE_CONFIG")" = 'FACEBOOK_API_VERSION=v21.0' ]
}

@test "facebook: social-post publishes on the Page with the Page token social-auth wrote" {
	fb_start
	oauth_browse social-auth facebook --timeout 20
	[ "$OAUTH_RC" -eq 0 ] || { echo "$OAUTH_ERR"; false; }
	export FAKE_SERVER=social.py FAKE_FB_TOKEN=EAAGpage-4242 FAKE_FB_PAGE=4242
	fake_start
	export FACEBOOK_GRAPH_URL="$FAKE_URL"
	mkvault
	post_approved P3 facebook
	run --separate-stderr social-post P3
	assert_success
	[ "$(fake_count '.net == "facebook"')" -eq 1 ]
	[ -z "$(fake_problems)" ]
}
