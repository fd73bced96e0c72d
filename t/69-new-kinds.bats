#!/usr/bin/env bats
# /new beyond a task and an email (see ai-employee-dashboard(1)): a post
# and a WhatsApp message the owner wrote, filed as drafts for approval
# and checked now by the rules approval applies; an invoice to draft,
# filed as a request odoo-invoice --requests drafts. End to end through nginx +
# fcgiwrap, then the real executors against the fakes of t/fake.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load wa
load dash
load fake/fake
load cgi
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	rm -f "$VAULT_DIR"/Logs/*.jsonl
}

teardown() {
	fake_stop
}

# new ARGS...: a same-origin POST /new with our session and CSRF token.
new() {
	req -H "Origin: $URL" --data-urlencode "csrf=$CSRF" "$@" "$URL/new"
}

# new_json ARGS...: the same, answered in JSON; the new ID in $ID.
new_json() {
	new -H 'Accept: application/json' "$@"
	ID=$(jq -r '.id // empty' "$B")
}

# count DIR: the items under DIR of the vault.
count() {
	find "$VAULT_DIR/$1" -name '*.md' 2>/dev/null | wc -l
}

# approve_on_page ID: the owner taps Approve on ID's item page.
approve_on_page() {
	req -H "Origin: $URL" --data-urlencode "csrf=$CSRF" -d "id=$1" \
	    -d "digest=$(digest_of "$1")" "$URL/approve"
	[ "$code" = 303 ]
}

@test "new: each kind has its own form, linked from the others; an unknown kind is 404" {
	for k in task email post whatsapp invoice; do
		req "$URL/new?kind=$k"
		[ "$code" = 200 ]
		grep -q "<input type=\"hidden\" name=\"kind\" value=\"$k\">" "$B"
		grep -q "href=\"/new?kind=$k\" aria-current=\"page\"" "$B"
		[ "$(grep -o 'href="/new?kind=' "$B" | wc -l)" -eq 5 ]
	done
	req "$URL/new?kind=post"
	grep -q '<select name="network"><option value="linkedin"' "$B"
	req "$URL/new?kind=fax"
	[ "$code" = 404 ]
	new -d kind=fax -d title=x
	[ "$code" = 400 ]
	grep -q 'must be a task, an email, a post, a WhatsApp message or an invoice' "$B"
}

@test "new post: filed as a draft for approval, as draft-post files one, the network's rule checked" {
	new -d kind=post -d network=linkedin --data-urlencode $'body=We open in Leeds on Monday.\r\nCome and see us!\r\n' \
	    -d link=https://example.com/leeds -d schedule_at=2099-01-05T09:00:00Z -D "$BATS_TEST_TMPDIR/h"
	[ "$code" = 303 ]
	filed Pending_Approval/social POST_linkedin
	[ "$(keys_of "$f")" = \
	    "type id created domain status title action network link schedule_at drafted_by expires created_by via " ]
	grep -qx 'type: post_draft' "$f"
	grep -qx 'domain: social' "$f"
	grep -qx 'status: pending' "$f"
	grep -qx 'action: post' "$f"
	grep -qx 'network: linkedin' "$f"
	grep -qx 'link: https://example.com/leeds' "$f"
	grep -qx 'schedule_at: 2099-01-05T09:00:00Z' "$f"
	grep -qx 'via: dashboard' "$f"
	exp=$(sed -n 's/^expires: //p' "$f")
	# DRAFT_EXPIRES_HOURS (72) from now, within a minute
	[ $(( $(date -u -d "$exp" +%s) - $(date -u +%s) - 72 * 3600 )) -le 5 ]
	[ $(( $(date -u -d "$exp" +%s) - $(date -u +%s) - 72 * 3600 )) -ge -60 ]
	[ "$(awk 'n >= 2; /^---$/ { n++ }' "$f")" = $'We open in Leeds on Monday.\nCome and see us!' ]
	grep -q "\"event\":\"draft\",\"id\":\"$id\",\"to\":\"Pending_Approval/social/$id.md\"" "$VAULT_DIR"/Logs/*.jsonl
	req "$URL/item?id=$id&filed=1"
	[ "$code" = 200 ]
	grep -q 'Filed for your approval' "$B"
	grep -q 'name="digest"' "$B"
}

@test "new post: refused when it breaks its network's rule or a field is wrong; nothing filed" {
	new -d kind=post -d network=x --data-urlencode "body=$(printf 'y%.0s' {1..281})"
	[ "$code" = 400 ]
	grep -q '280' "$B"
	grep -q 'yyyyyyyyyy' "$B"         # what was typed comes back
	new -d kind=post -d network=instagram -d body=hello
	[ "$code" = 400 ]
	new -d kind=post -d network=myspace -d body=hello
	[ "$code" = 400 ]
	new -d kind=post -d network=linkedin -d body=
	[ "$code" = 400 ]
	new -d kind=post -d network=linkedin -d body=hi -d 'link=javascript:alert(1)'
	[ "$code" = 400 ]
	grep -q 'Link: an http or https address' "$B"
	new -d kind=post -d network=linkedin -d body=hi -d 'schedule_at=next monday'
	[ "$code" = 400 ]
	grep -q 'Not before: a UTC time' "$B"
	new -d kind=post -d network=linkedin --data-urlencode $'body=a\001b'
	[ "$code" = 400 ]
	[ "$(count Pending_Approval/social)" -eq 0 ]
}

@test "new post: once approved on the dashboard, vault-exec publishes exactly the text the owner wrote" {
	new_json -d kind=post -d network=linkedin -d 'body=Our second shop opens today.'
	[ "$code" = 201 ]
	approve_on_page "$ID"
	export FAKE_SERVER=social.py FAKE_LI_TOKEN=AQVlinkedin FAKE_LI_AUTHOR=urn:li:person:8675309
	fake_start
	LINKEDIN_API_URL="$FAKE_URL" LINKEDIN_TOKEN=AQVlinkedin LINKEDIN_AUTHOR=urn:li:person:8675309 \
	    run --separate-stderr vault-exec
	assert_success
	assert_output "Done/social/$(date -u +%Y-%m)/$ID.md"
	[ "$(jq -r 'select(.net == "linkedin") | .parsed.commentary' "$FAKE_LOG")" = 'Our second shop opens today.' ]
}

@test "new whatsapp: a message to a contact within the 24-hour window is a draft vault-exec can send" {
	mkwa WA_1 "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)"
	new_json -d kind=whatsapp -d to=15551234567 --data-urlencode $'body=Yes, it left today.\r\n'
	[ "$code" = 201 ]
	[[ $ID =~ ^DRAFT_WA_[0-9]{8}T[0-9]{6}Z_[0-9a-f]{6}$ ]]
	f="$VAULT_DIR/Pending_Approval/whatsapp/$ID.md"
	grep -qx 'type: whatsapp_draft' "$f"
	grep -qx 'action: send_whatsapp' "$f"
	grep -Eqx 'to: "?15551234567"?' "$f"
	! grep -q '^template:' "$f" || false
	[ "$(awk 'n >= 2; /^---$/ { n++ }' "$f")" = 'Yes, it left today.' ]
	req "$URL/item?id=$ID"
	grep -q 'Is my order ready?' "$B"               # the thread above it
	approve_on_page "$ID"
	export FAKE_WA_TOKEN=EAAGreplytoken FAKE_WA_PHONE_ID=1098765
	fake_start
	WA_PROVIDER=cloud WA_GRAPH_URL="$FAKE_URL" WA_API_VERSION=v21.0 WA_SEND_PHONE_NUMBER_ID=1098765 \
	    WA_SEND_TOKEN=EAAGreplytoken WA_ATTEMPTS=1 run --separate-stderr vault-exec
	assert_success
	jq -e '.parsed | .to == "15551234567" and .type == "text" and .text.body == "Yes, it left today."' \
	    "$FAKE_LOG" >/dev/null
}

@test "new whatsapp: refused to a stranger, outside the window without a template, or with a bad number" {
	new -d kind=whatsapp -d to=15550000000 -d body=hello
	[ "$code" = 400 ]
	grep -q 'no WhatsApp message from 15550000000 in the vault' "$B"
	mkwa WA_2 "$(date -u -d '-30 hours' +%Y-%m-%dT%H:%M:%SZ)"
	new -d kind=whatsapp -d to=15551234567 -d body=hello
	[ "$code" = 400 ]
	grep -q 'Name an approved template' "$B"
	new -d kind=whatsapp -d to=+15551234567 -d body=hello
	[ "$code" = 400 ]
	new -d kind=whatsapp -d to=15551234567 -d body=hello -d 'template=Order Shipped'
	[ "$code" = 400 ]
	new -d kind=whatsapp -d to=15551234567 -d body=
	[ "$code" = 400 ]
	[ "$(count Pending_Approval/whatsapp)" -eq 0 ]
	# with a template the window does not matter; each line a parameter
	new_json -d kind=whatsapp -d to=15551234567 -d template=order_shipped --data-urlencode $'body=Alice\nA-1042'
	[ "$code" = 201 ]
	grep -qx 'template: order_shipped' "$VAULT_DIR/Pending_Approval/whatsapp/$ID.md"
}

# edit ID ARGS...: the owner saves an edit of ID made on its version now.
edit() {
	local d
	d=$(digest_of "$1")
	req -H "Origin: $URL" --data-urlencode "csrf=$CSRF" -d "id=$1" -d "digest=$d" "${@:2}" \
	    "$URL/edit"
}

@test "edit: a post beyond its network's rule is refused on save, the owner's text shown back, nothing written" {
	new_json -d kind=post -d network=x -d 'body=Short and fine.'
	[ "$code" = 201 ]
	f="$VAULT_DIR/Pending_Approval/social/$ID.md"
	sum=$(sha256sum "$f")
	edit "$ID" --data-urlencode "body=$(printf 'y%.0s' {1..281})"
	[ "$code" = 422 ]
	grep -q 'Not saved: ' "$B"
	grep -q '280' "$B"
	grep -q '<details class="edit" open>' "$B"
	grep -q "$(printf 'y%.0s' {1..281})</textarea>" "$B"
	[ "$sum" = "$(sha256sum "$f")" ]
	# the page is valid HTML (where the Nu Html Checker is installed)
	if command -v java >/dev/null && [ -f "$TOP/node_modules/vnu-jar/build/dist/vnu.jar" ]; then
		cp "$B" "$BATS_TEST_TMPDIR/refused.html"
		run java -jar "$TOP/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only \
		    "$BATS_TEST_TMPDIR/refused.html"
		assert_success
		assert_output ""
	fi
	! grep -q '"event":"edited"' "$VAULT_DIR"/Logs/*.jsonl || false
	edit "$ID" --data-urlencode "body=$(printf 'y%.0s' {1..281})" -H 'Accept: application/json'
	[ "$code" = 422 ]
	jq -e '.error | test("280")' "$B" >/dev/null
	# within the rule it is saved
	edit "$ID" --data-urlencode 'body=Still short.'
	[ "$code" = 303 ]
	[ "$(awk 'n >= 2; /^---$/ { n++ }' "$f")" = 'Still short.' ]
}

@test "edit: a WhatsApp reply is refused on save once the 24-hour window closed; nothing written" {
	mkwa WA_1 "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)"
	new_json -d kind=whatsapp -d to=15551234567 -d 'body=Yes, it left today.'
	[ "$code" = 201 ]
	f="$VAULT_DIR/Pending_Approval/whatsapp/$ID.md"
	edit "$ID" --data-urlencode 'body=Yes, it left this morning.'
	[ "$code" = 303 ]
	sum=$(sha256sum "$f")
	mkwa WA_1 "$(date -u -d '-30 hours' +%Y-%m-%dT%H:%M:%SZ)"
	edit "$ID" --data-urlencode 'body=It left at nine.'
	[ "$code" = 422 ]
	grep -q 'Not saved: ' "$B"
	grep -q '24' "$B"
	grep -q 'It left at nine.</textarea>' "$B"
	[ "$sum" = "$(sha256sum "$f")" ]
	# a reply beyond WhatsApp's length is refused as well, window or not
	mkwa WA_1 "$(date -u -d '-1 hours' +%Y-%m-%dT%H:%M:%SZ)"
	edit "$ID" --data-urlencode "body=$(printf 'w%.0s' {1..4097})"
	[ "$code" = 422 ]
	grep -q '4096' "$B"
	[ "$sum" = "$(sha256sum "$f")" ]
}

@test "new invoice: a request the cloud's invoices job drafts in Odoo" {
	new_json -d kind=invoice --data-urlencode 'client=Globex Billing' -d email=ap@globex.example \
	    -d amount=1250.00 -d currency=usd --data-urlencode 'for=Support, November'
	[ "$code" = 201 ]
	[[ $ID =~ ^invoice_request_[0-9]{8}T ]]
	f="$VAULT_DIR/Needs_Action/finance/$ID.md"
	grep -qx 'type: invoice_request' "$f"
	grep -qx 'from: Globex Billing <ap@globex.example>' "$f" ||
	    grep -qx 'from: "Globex Billing <ap@globex.example>"' "$f"
	grep -Eqx 'subject: "?Support, November"?' "$f"
	[ "$(awk 'n >= 2; /^---$/ { n++ }' "$f")" = $'Amount: 1250.00 USD\nFor: Support, November' ]
	grep -q "\"event\":\"create\",\"id\":\"$ID\"" "$VAULT_DIR"/Logs/*.jsonl
	# the page after filing says when the cloud drafts it
	req "$URL/item?id=$ID&filed=1"
	grep -q 'The cloud drafts the invoice in Odoo on its next run (every 5 minutes)' "$B"
	export FAKE_ODOO_DB=acme FAKE_ODOO_USER=bot@acme.example FAKE_ODOO_PASSWORD=s3cret
	fake_start
	# the cloud's invoices job: drafted, the request settled
	ODOO_URL="$FAKE_URL" ODOO_DB=acme ODOO_USER=bot@acme.example ODOO_PASSWORD=s3cret \
	    VAULT_AGENT=cloud run --separate-stderr odoo-invoice --requests
	assert_success
	grep -qx '| 1 | Support, November | 1 | 1250.00 | 1250.00 |' "$VAULT_DIR/$output"
	[ ! -e "$f" ]
	ls "$VAULT_DIR"/Done/finance/*/"$ID.md"
}

@test "new invoice: refused without a client, an address, an amount, a currency or a line; nothing filed" {
	# inv KEY=VALUE: a good request with that one field changed
	inv() {
		local -A f=([client]=Globex [email]=ap@globex.example [amount]=10 [currency]=EUR [for]=Work)
		f[${1%%=*}]=${1#*=}
		new -d kind=invoice --data-urlencode "client=${f[client]}" --data-urlencode "email=${f[email]}" \
		    --data-urlencode "amount=${f[amount]}" --data-urlencode "currency=${f[currency]}" \
		    --data-urlencode "for=${f[for]}"
	}
	inv client=
	[ "$code" = 400 ]
	grep -q 'Client name' "$B"
	inv email=nobody
	[ "$code" = 400 ]
	grep -q 'Client email' "$B"
	inv amount=10.005
	[ "$code" = 400 ]
	grep -q 'Amount: digits' "$B"
	inv amount=-5
	[ "$code" = 400 ]
	inv currency=EURO
	[ "$code" = 400 ]
	grep -q 'Currency: a three-letter code' "$B"
	inv 'for=Work, EUR 80 extra'
	[ "$code" = 400 ]
	grep -q 'must not state an amount' "$B"
	inv 'client=Evil <x@y.z>'
	[ "$code" = 400 ]
	inv for=
	[ "$code" = 400 ]
	[ "$(count Needs_Action/finance)" -eq 0 ]
}

@test "new: every kind needs CSRF, the Origin and a session" {
	for args in "kind=post&network=linkedin&body=hi" "kind=whatsapp&to=15551234567&body=hi" \
	    "kind=invoice&client=G&email=a@b.c&amount=1&currency=EUR&for=x"; do
		req -H "Origin: $URL" -d csrf=wrong -d "$args" "$URL/new"
		[ "$code" = 403 ]
		req -H "Origin: http://evil.example" --data-urlencode "csrf=$CSRF" -d "$args" "$URL/new"
		[ "$code" = 403 ]
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $URL" --data-urlencode "csrf=$CSRF" \
		    -d "$args" "$URL/new")
		[ "$code" = 401 ]
	done
	[ "$(count Pending_Approval/social)" -eq 0 ]
	[ "$(count Needs_Action/finance)" -eq 0 ]
}

# settings_of <<EOT: the settings page ($B) with the configuration read
# from stdin (0600, removed after): served, and no secret (marked "hush")
# in it.
settings_of() {
	(umask 077 && cat >"$AI_EMPLOYEE_CONFIG")
	req "$URL/settings"
	rm -f "$AI_EMPLOYEE_CONFIG"
	[ "$code" = 200 ] || return 1
	! grep -q 'hush' "$B" || return 1
}

@test "settings: each component's keys set or not set, a chosen provider and model shown, never a secret" {
	settings_of <<-'EOT'
	LLM_PROVIDER=anthropic
	LLM_MODEL=claude-sonnet-4-5
	ANTHROPIC_API_KEY=sk-ant-hush-0001
	SMTP_URL=smtps://owner:hush-0002@mail.example.com
	SMTP_PASSWORD=hush-0003
	ODOO_API_MODE=<b>json2</b>
	LINKEDIN_TOKEN=AQV-hush-0004
	EOT
	grep -q '<h3>Model (LLM)</h3><p class="meta">configured</p>' "$B"
	grep -q '<dt>LLM_PROVIDER</dt><dd>anthropic</dd>' "$B"
	grep -q '<dt>LLM_MODEL</dt><dd>claude-sonnet-4-5</dd>' "$B"
	grep -q '<dt>ANTHROPIC_API_KEY</dt><dd>set</dd>' "$B"
	grep -q '<dt>OPENAI_API_KEY</dt><dd>not set</dd>' "$B"
	grep -q '<dt>SMTP_URL</dt><dd>set</dd>' "$B"
	grep -q '<dt>LINKEDIN_TOKEN</dt><dd>set</dd>' "$B"
	# a value that is not one plain word is only "set", never markup
	grep -q '<dt>ODOO_API_MODE</dt><dd>set</dd>' "$B"
	grep -q '<h3>Mail in (IMAP)</h3><p class="meta">not configured</p>' "$B"
	grep -q '<h3>WhatsApp</h3><p class="meta">not configured</p>' "$B"
	grep -q '<h2 id="h-he">Health</h2>' "$B"
	grep -q 'href="/settings"' "$B"
	# a session is needed; odd queries are refused
	code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/settings")
	[ "$code" = "303 $URL/login" ]
	req -X POST -H "Origin: $URL" --data-urlencode "csrf=$CSRF" "$URL/settings"
	[ "$code" = 405 ]
}

@test "settings: each token's expiry in vault-health's words, from this agent's configuration or a health report; never a token" {
	local soon far
	soon=$(date -u -d '+3 days' +%FT%TZ)
	far=$(date -u -d '+40 days' +%FT%TZ)
	# what vault-health learnt of the Page token from Graph, on the cloud
	mkdir -p "$VAULT_DIR/Health"
	printf -- '---\nupdated: %s\ntokens: up facebook: never expires; instagram: expires 2030-02-01 (in 1031 d); whatsapp: expires 2030-01-01 (in 1000 d)\n---\n' \
	    "$(date -u +%FT%TZ)" >"$VAULT_DIR/Health/cloud.md"
	settings_of <<-EOT
	LINKEDIN_TOKEN=AQV-hush-0001
	LINKEDIN_TOKEN_EXPIRES_AT=$soon
	X_TOKEN=hush-0002
	X_REFRESH_TOKEN=hush-0003
	FACEBOOK_PAGE_TOKEN=EAAG-hush-0004
	WA_TOKEN=EAAG-hush-0005
	WA_TOKEN_EXPIRES_AT=$far
	INSTAGRAM_TOKEN=IGQV-hush-0006
	EOT
	grep -q '<h3>Token expiry</h3>' "$B"
	# within TOKEN_WARN_DAYS: degraded, with what to do, as vault-health says it
	grep -q "<dt>LinkedIn</dt><dd><span class=\"err\">expires ${soon%%T*} (in 3 d): authorise the app on LinkedIn again" "$B"
	grep -q '<dt>X</dt><dd>X_TOKEN set, refreshed by itself</dd>' "$B"
	grep -q '<dt>Facebook</dt><dd>never expires <small>(vault-health, cloud)</small></dd>' "$B"
	grep -q '<dt>Instagram</dt><dd>expires 2030-02-01 (in 1031 d) <small>(vault-health, cloud)</small></dd>' "$B"
	# this agent's own expiry wins over another agent's report
	grep -q "<dt>WhatsApp</dt><dd>expires ${far%%T*} (in 40 d)</dd>" "$B"
	# nothing set anywhere: said so, by key
	rm "$VAULT_DIR/Health/cloud.md"
	req "$URL/settings"
	grep -q '<dt>Facebook</dt><dd>FACEBOOK_PAGE_TOKEN not set here</dd>' "$B"
	grep -q '<dt>Instagram</dt><dd>INSTAGRAM_TOKEN not set here</dd>' "$B"
}

# publishers_card: the Publishers card of the settings page in $B.
publishers_card() {
	grep -o '<h3>Publishers</h3>.*' "$B" | sed 's|</section>.*||'
}

@test "settings: each publisher configured here, not configured, or incomplete with the key it lacks named; never a value" {
	: >"$BATS_TEST_TMPDIR/x.tokens"
	(umask 077 && cat >"$AI_EMPLOYEE_CONFIG" <<-EOT
	LINKEDIN_TOKEN=AQV-hush-0001
	LINKEDIN_AUTHOR=urn:li:person:hush-0002
	X_TOKEN_FILE=$BATS_TEST_TMPDIR/x.tokens
	FACEBOOK_PAGE_TOKEN=EAAG-hush-0003
	WA_SEND_TOKEN=EAAG-hush-0004
	EOT
	)
	req "$URL/settings"
	[ "$code" = 200 ]
	! grep -q 'hush' "$B" || false
	publishers_card >"$B.card"
	grep -q '<dt>LinkedIn</dt><dd>configured here</dd>' "$B.card"
	# X's token may be social-auth's token file instead of X_TOKEN
	grep -q '<dt>X</dt><dd>configured here</dd>' "$B.card"
	grep -q '<dt>Facebook</dt><dd><span class="err">not configured: FACEBOOK_PAGE_ID is missing</span></dd>' "$B.card"
	grep -q '<dt>Instagram</dt><dd>not configured</dd>' "$B.card"
	grep -q '<dt>WhatsApp replies</dt><dd><span class="err">not configured: WA_SEND_PHONE_NUMBER_ID is missing</span></dd>' "$B.card"
	# the notices' phone number serves replies too; X half set up lacks its
	# token; Instagram needs where its images are served from
	rm "$BATS_TEST_TMPDIR/x.tokens"
	settings_of <<-'EOT'
	WA_SEND_TOKEN=EAAG-hush-0005
	WA_PHONE_NUMBER_ID=hush-0006
	X_CLIENT_ID=hush-0007
	INSTAGRAM_TOKEN=IG-hush-0008
	INSTAGRAM_USER_ID=hush-0009
	EOT
	publishers_card >"$B.card"
	grep -q '<dt>WhatsApp replies</dt><dd>configured here</dd>' "$B.card"
	grep -q '<dt>X</dt><dd><span class="err">not configured: X_TOKEN is missing</span></dd>' "$B.card"
	grep -q '<dt>Instagram</dt><dd><span class="err">not configured: SOCIAL_MEDIA_BASE_URL is missing</span></dd>' "$B.card"
	grep -q '<dt>LinkedIn</dt><dd>not configured</dd>' "$B.card"
	grep -q '<dt>Facebook</dt><dd>not configured</dd>' "$B.card"
	# nothing set: every publisher not configured, none incomplete
	req "$URL/settings"
	publishers_card >"$B.card"
	[ "$(grep -o '<dd>not configured</dd>' "$B.card" | wc -l)" -eq 5 ]
	! grep -q 'configured here\|is missing' "$B.card" || false
}

@test "settings: on the cloud agent the publishers are the local agent's, whatever keys are set there" {
	(umask 077 && cat >"$AI_EMPLOYEE_CONFIG" <<-'EOT'
	LINKEDIN_TOKEN=AQV-hush-0001
	LINKEDIN_AUTHOR=urn:li:person:hush-0002
	WA_SEND_TOKEN=EAAG-hush-0003
	WA_PHONE_NUMBER_ID=hush-0004
	EOT
	)
	cgi_token
	cgi_get dashboard.cgi /settings VAULT_AGENT=cloud >"$B"
	rm -f "$AI_EMPLOYEE_CONFIG"
	grep -q '^Status: 200' "$B"
	! grep -q 'hush' "$B" || false
	publishers_card >"$B.card"
	grep -q 'This is the cloud agent: posts and replies to customers are published from the local agent' "$B.card"
	! grep -q 'configured here' "$B.card" || false
}
