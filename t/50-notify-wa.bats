#!/usr/bin/env bats
# notify-wa: WhatsApp Cloud API and Twilio through t/fake/api.py, the
# outbox, dedup, the hourly limit and the kinds of message.
load helper
load fake/fake

setup_file() {
	export FAKE_WA_TOKEN=EAAGtesttoken123 FAKE_WA_PHONE_ID=1098765
	export FAKE_TWILIO_SID=AC0123456789abcdef FAKE_TWILIO_TOKEN=twsecret42
	fake_start
}

teardown_file() {
	fake_stop
}

setup() {
	common_setup
	mkvault
	unset WA_PROVIDER WA_PHONE_NUMBER_ID WA_TO WA_TEMPLATE TWILIO_TOKEN \
	    TWILIO_FROM TWILIO_CONTENT_SID WA_MAX_PER_HOUR DASHBOARD_URL
	export AIE_HTTP_BACKOFF=0.01
	export DASHBOARD_URL=https://dash.example.com/
	fake_reset
}

cloud() {
	export WA_PROVIDER=cloud WA_GRAPH_URL="$FAKE_URL" WA_API_VERSION=v21.0 \
	    WA_PHONE_NUMBER_ID=1098765 WA_TOKEN=EAAGtesttoken123 WA_TO=+15551234567
}

twilio() {
	export WA_PROVIDER=twilio TWILIO_BASE_URL="$FAKE_URL" \
	    TWILIO_SID=AC0123456789abcdef TWILIO_TOKEN=twsecret42 \
	    TWILIO_FROM=+14155238886 WA_TO=+15551234567
}

today() {
	echo "$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
}

@test "no provider configured: the message goes to the outbox only and exit 0" {
	run --separate-stderr notify-wa "Server is on fire"
	assert_success
	[[ "$stderr" == *"no WhatsApp provider configured"* ]]
	[[ "$stderr" == *"outbox"* ]]
	grep -q '| outbox | not sent: no provider configured | Server is on fire |' "$(today)"
	[ "$(fake_count)" -eq 0 ]
}

@test "cloud: a text goes out with the bearer token and the Graph body shape" {
	cloud
	run --separate-stderr notify-wa "Hello owner"
	assert_success
	[[ "$output" == wamid.* ]]
	[ -z "$(fake_problems)" ]
	[ "$(fake_count '.path == "/v21.0/1098765/messages"')" -eq 1 ]
	[ "$(jq -r .auth "$FAKE_LOG")" = "Bearer EAAGtesttoken123" ]
	jq -e '.parsed | .type == "text" and .to == "+15551234567" and
	    .recipient_type == "individual" and .text.body == "Hello owner" and
	    .text.preview_url == false' "$FAKE_LOG"
	grep -q "| cloud | sent | $output | Hello owner |" "$(today)"
}

@test "cloud: the text can come from stdin" {
	cloud
	run notify-wa <<<"line one
line two"
	assert_success
	jq -e '.parsed.text.body == "line one\nline two"' "$FAKE_LOG"
	grep -q 'line one<br>line two' "$(today)"
}

@test "cloud: error 131047 (outside the 24-hour window) falls back to the template" {
	cloud
	export WA_TEMPLATE=owner_alert WA_TEMPLATE_LANG=en_US
	fake_reply '{"match":"\"type\":\"text\"","graph_error":131047}'
	run --separate-stderr notify-wa "Disk
almost full"
	assert_success
	[ -z "$(fake_problems)" ]
	[ "$(fake_count)" -eq 2 ]
	jq -s -e '.[1].parsed | .type == "template" and .template.name == "owner_alert"
	    and .template.language.code == "en_US" and
	    .template.components[0].parameters[0].text == "Disk / almost full"' "$FAKE_LOG"
	grep -q "sent (template) | $output |" "$(today)"
}

@test "cloud: 131047 without a configured template exits 65 with the API's text" {
	cloud
	fake_reply '{"match":"messages","graph_error":131047}'
	run --separate-stderr notify-wa "hello"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"131047"* ]]
	[[ "$stderr" == *"Re-engagement message"* ]]
	[[ "$stderr" == *"WA_TEMPLATE"* ]]
	grep -q '| failed | .*131047' "$(today)"
}

@test "cloud: an expired token (401, code 190) exits 78 and never shows the token" {
	cloud
	fake_reply '{"match":"messages","graph_error":190}'
	run --separate-stderr notify-wa "hello"
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"Session has expired"* ]]
	[[ "$stderr" != *EAAGtesttoken123* ]]
	run ! grep -q EAAGtesttoken123 "$(today)"
	[ "$(fake_count)" -eq 1 ]
}

@test "cloud: a wrong token is refused by the server and exits 78" {
	cloud
	export WA_TOKEN=EAAGwrong
	run notify-wa "hello"
	[ "$status" -eq 78 ]
}

@test "cloud: 500 then success is retried and sent" {
	cloud
	fake_reply '{"match":"messages","graph_error":1}'
	run notify-wa "retry me"
	assert_success
	[ "$(fake_count)" -eq 2 ]
	[[ "$output" == wamid.* ]]
}

@test "cloud: 429 (130429 throughput) then success is retried" {
	cloud
	fake_reply '{"match":"messages","graph_error":130429}'
	run notify-wa "slow down"
	assert_success
	[ "$(fake_count)" -eq 2 ]
}

@test "cloud: 500 every time gives up after WA_ATTEMPTS with exit 69" {
	cloud
	export WA_ATTEMPTS=3
	for _ in 1 2 3 4; do fake_reply '{"match":"messages","graph_error":1}'; done
	run --separate-stderr notify-wa "never"
	[ "$status" -eq 69 ]
	[ "$(fake_count)" -eq 3 ]
	[[ "$stderr" == *"unknown error"* ]]
	grep -q '| failed |' "$(today)"
}

@test "cloud: another 4xx (131026 undeliverable) exits 65 at once" {
	cloud
	fake_reply '{"match":"messages","graph_error":131026}'
	run --separate-stderr notify-wa "hello"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"Message undeliverable"* ]]
	[[ "$stderr" == *"Unable to deliver message"* ]]
	[ "$(fake_count)" -eq 1 ]
}

@test "cloud: a server that is not there exits 69 and the failure is logged" {
	cloud
	export WA_GRAPH_URL="http://127.0.0.1:$(free_port)" WA_ATTEMPTS=2
	run notify-wa "hello"
	[ "$status" -eq 69 ]
	grep -q '| failed |' "$(today)"
}

@test "twilio: a form with whatsapp: addresses and HTTP Basic auth" {
	twilio
	run --separate-stderr notify-wa "Hi from Twilio & co"
	assert_success
	[[ "$output" == SM* ]]
	[ -z "$(fake_problems)" ]
	[ "$(fake_count '.path == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"')" -eq 1 ]
	jq -e '.parsed | .To == "whatsapp:+15551234567" and
	    .From == "whatsapp:+14155238886" and .Body == "Hi from Twilio & co"' "$FAKE_LOG"
	grep -q "| twilio | sent | $output |" "$(today)"
}

@test "twilio: error 21211 exits 65 with Twilio's message" {
	twilio
	fake_reply '{"match":"Messages.json","twilio_error":21211}'
	run --separate-stderr notify-wa "hello"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"not a valid phone number"* ]]
	[[ "$stderr" == *"21211"* ]]
}

@test "twilio: a wrong token exits 78" {
	twilio
	export TWILIO_TOKEN=nope
	run notify-wa "hello"
	[ "$status" -eq 78 ]
}

@test "twilio: --template sends ContentSid and ContentVariables" {
	twilio
	export TWILIO_CONTENT_SID=HX0123456789abcdef
	run notify-wa --template "Template please"
	assert_success
	[ -z "$(fake_problems)" ]
	jq -e '.parsed | .ContentSid == "HX0123456789abcdef" and
	    (.ContentVariables | fromjson | .["1"]) == "Template please" and
	    (has("Body") | not)' "$FAKE_LOG"
}

@test "twilio: 63016 falls back to the content template" {
	twilio
	export TWILIO_CONTENT_SID=HX0123456789abcdef
	fake_reply '{"match":"Body=","twilio_error":63016}'
	run notify-wa "outside window"
	assert_success
	[ "$(fake_count)" -eq 2 ]
	jq -s -e '.[1].parsed.ContentSid == "HX0123456789abcdef"' "$FAKE_LOG"
}

@test "dedup: the same --key within the window is sent once" {
	cloud
	run notify-wa --key disk-full "Disk full"
	assert_success
	run --separate-stderr notify-wa --key disk-full "Disk full again"
	assert_success
	[[ "$stderr" == *"already sent within the window"* ]]
	[ "$(fake_count)" -eq 1 ]
	run notify-wa --key other "Other"
	assert_success
	[ "$(fake_count)" -eq 2 ]
	[ "$(grep -c '| sent |' "$(today)")" -eq 2 ]
}

@test "dedup: after the window the same key is sent again" {
	cloud
	run notify-wa --key k1 --window 1s "first"
	assert_success
	sleep 1.2
	run notify-wa --key k1 --window 1s "second"
	assert_success
	[ "$(fake_count)" -eq 2 ]
}

@test "dedup: state lives in .state/<agent>/ and a bad --window is a usage error" {
	cloud
	run notify-wa -a cloud --key k2 "x"
	assert_success
	grep -q ' k2$' "$VAULT_DIR/.state/cloud/notify-keys"
	run notify-wa --key k2 --window soon "x"
	[ "$status" -eq 2 ]
}

@test "rate limit: over WA_MAX_PER_HOUR is kept, then summarised in the next message" {
	cloud
	export WA_MAX_PER_HOUR=2
	notify-wa "one" && notify-wa "two"
	run --separate-stderr notify-wa "three is held"
	assert_success
	[[ "$stderr" == *"WA_MAX_PER_HOUR"* ]]
	[ "$(fake_count)" -eq 2 ]
	grep -q '| held | rate limit' "$(today)"
	export WA_MAX_PER_HOUR=10
	run notify-wa "four"
	assert_success
	[ "$(fake_count)" -eq 3 ]
	jq -s -e '.[2].parsed.text.body | startswith("four") and
	    contains("1 more held back by the hourly limit") and
	    contains("three is held")' "$FAKE_LOG"
	run notify-wa "five"
	jq -s -e '.[3].parsed.text.body == "five"' "$FAKE_LOG"
}

@test "--urgent: subject, sender and the item's dashboard link" {
	cloud
	mkemail EMAIL_20261130T101500Z_aaaaaa
	run notify-wa --urgent EMAIL_20261130T101500Z_aaaaaa
	assert_success
	jq -e '.parsed.text.body | startswith("*Urgent: 1 new high-priority item*") and
	    contains("Question about my order") and
	    contains("from Alice Example <alice@example.com>") and
	    endswith("https://dash.example.com/item?id=EMAIL_20261130T101500Z_aaaaaa")' "$FAKE_LOG"
}

@test "--urgent: a bad item is named and exits 65, the good ones still go" {
	cloud
	mkemail EMAIL_20261130T101500Z_bbbbbb
	run --separate-stderr notify-wa --urgent ../etc/passwd EMAIL_20261130T101500Z_bbbbbb
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"../etc/passwd"* ]]
	[ "$(fake_count)" -eq 1 ]
}

@test "--approvals: how many wait, their subjects and the dashboard URL" {
	cloud
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
	mkdraft DRAFT_EMAIL_2 EMAIL_2
	run notify-wa --approvals
	assert_success
	jq -e '.parsed.text.body | startswith("*2 drafts wait for your approval*") and
	    contains("- Re: Question about my order (to alice@example.com)") and
	    endswith("https://dash.example.com/")' "$FAKE_LOG"
}

@test "--approvals with nothing waiting sends nothing and exits 1" {
	cloud
	run notify-wa --approvals
	[ "$status" -eq 1 ]
	[ "$(fake_count)" -eq 0 ]
}

@test "--error: the component, the detail and the dashboard link" {
	cloud
	run notify-wa --error odoo connection refused
	assert_success
	jq -e '.parsed.text.body == "*ai-employee: odoo is down*\nconnection refused\n\nhttps://dash.example.com/"' "$FAKE_LOG"
}

@test "a long text is cut to 4096 bytes on a UTF-8 boundary" {
	cloud
	text=$(/usr/bin/python3 -c 'print("é" * 3000)')
	run notify-wa "$text"
	assert_success
	[ -z "$(fake_problems)" ]
	n=$(jq -r '.parsed.text.body' "$FAKE_LOG" | head -c -1 | wc -c)
	[ "$n" -le 4096 ]
	[ "$n" -gt 4000 ]
	jq -e '.parsed.text.body | endswith("é…")' "$FAKE_LOG"
}

@test "-j prints one JSON object with the result" {
	cloud
	run notify-wa -j "json please"
	assert_success
	echo "$output" | jq -e '.result == "sent" and .provider == "cloud" and
	    (.id | startswith("wamid.")) and .template == false'
}

@test "a provider named but half configured exits 78" {
	export WA_PROVIDER=cloud WA_TOKEN=x
	run --separate-stderr notify-wa "hello"
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"WA_PHONE_NUMBER_ID"* ]]
}

@test "DASHBOARD_URL unset: the text says the dashboard has no public URL, not a loopback link" {
	cloud
	unset DASHBOARD_URL
	mkemail EMAIL_20261130T101500Z_cccccc
	mkdraft DRAFT_EMAIL_20261130T101500Z_cccccc EMAIL_20261130T101500Z_cccccc
	run notify-wa --error odoo connection refused
	assert_success
	run notify-wa --urgent EMAIL_20261130T101500Z_cccccc
	assert_success
	run notify-wa --approvals
	assert_success
	[ "$(fake_count)" -eq 3 ]
	jq -s -e 'map(.parsed.text.body) | all(
	    endswith("\n\n(the dashboard has no public URL: set DASHBOARD_URL)") and
	    (contains("127.0.0.1") | not))' "$FAKE_LOG"
}

@test "--kind logs a plain text as the webhook's kind; a bad kind or one with --urgent is refused" {
	cloud
	echo "*Urgent: a WhatsApp message from Alice*" | run -0 --separate-stderr notify-wa --kind urgent --key k1 -
	grep -q '| urgent | cloud | sent |' "$(today)"
	run -2 --separate-stderr notify-wa --kind shouting hello
	[[ "$stderr" == *"bad --kind"* ]]
	run -2 notify-wa --kind error --urgent E1
	[ "$(fake_count)" -eq 1 ]
}
