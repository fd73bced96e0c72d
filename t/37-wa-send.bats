#!/usr/bin/env bats
# send_whatsapp: a reply to a customer, approved (the 24-hour rule at
# approval), sent by vault-exec or wa-send through the fake Graph API
# (t/fake/api.py) at most once, its errors by class.
load helper
load wa
load fake/fake

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	# the business number, and a second number that only tells the owner
	export FAKE_WA_TOKEN=EAAGreplytoken FAKE_WA_PHONE_ID=1098765 \
	    FAKE_WA_NOTIFY_TOKEN=EAAGnotifytoken FAKE_WA_NOTIFY_PHONE_ID=2098765
	fake_start
}

teardown_file() {
	fake_stop
}

setup() {
	fake_setup
	export WA_PROVIDER=cloud WA_GRAPH_URL="$FAKE_URL" WA_API_VERSION=v21.0 \
	    WA_SEND_PHONE_NUMBER_ID=1098765 WA_SEND_TOKEN=EAAGreplytoken \
	    WA_PHONE_NUMBER_ID=2098765 WA_TOKEN=EAAGnotifytoken WA_TO=+15550002222 \
	    WA_ATTEMPTS=1 AIE_HTTP_BACKOFF=0.01
	mkwa WA_1 "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)"
	mkwadraft DRAFT_WA_1 WA_1
	A="$VAULT_DIR/Approved/whatsapp/DRAFT_WA_1.md"
	M=$(date -u +%Y-%m)
}

# mkwadraft ID SOURCE [TEMPLATE]: a reply draft in Pending_Approval/whatsapp.
mkwadraft() {
	mkdir -p "$VAULT_DIR/Pending_Approval/whatsapp"
	{
		cat <<EOT
---
type: whatsapp_draft
id: $1
created: 2026-11-30T10:20:00Z
domain: whatsapp
status: pending
source: $2
action: send_whatsapp
to: "15551234567"
reply_to: wamid.IN_$2
EOT
		[ -z "${3:-}" ] || printf 'template: %s\ntemplate_lang: en_US\n' "$3"
		cat <<EOT
drafted_by: cloud
expires: 2099-01-01T00:00:00Z
---
EOT
		if [ -n "${3:-}" ]; then
			printf 'Alice\norder 1234\n'
		else
			printf 'Hello Alice, your order 1234 ships tomorrow.\n'
		fi
	} >"$VAULT_DIR/Pending_Approval/whatsapp/$1.md"
}

# replies [JQ-FILTER]: the requests to the customer's number the fake saw
# (the owner's own notifications, to WA_TO, are not counted).
replies() {
	fake_count ".parsed.to == \"15551234567\" and (${1:-true})"
}

# resign_wa FILE: FILE's approval signed again as it is now with the local
# key, over send_whatsapp's fields (see lib/approval/actions.c), as
# helper.bash's resign with SIGN_FIELDS.
resign_wa() {
	SIGN_FIELDS="to reply_to template template_lang" resign "$1"
}

# old ID: make the customer's message ID 25 hours old (the window closed).
old() {
	local t
	t=$(date -u -d '-25 hours' +%Y-%m-%dT%H:%M:%SZ)
	sed -i "s/^received: .*/received: $t/" "$VAULT_DIR/Needs_Action/whatsapp/$1.md"
}

@test "an approved free-text reply goes out threaded, its wamid recorded, both items to Done" {
	approve DRAFT_WA_1 >/dev/null
	run --separate-stderr vault-exec
	assert_success
	assert_output "Done/whatsapp/$M/DRAFT_WA_1.md"
	[ -z "$(fake_problems)" ]
	[ "$(replies '.path == "/v21.0/1098765/messages"')" -eq 1 ]
	jq -e '.parsed | .to == "15551234567" and .type == "text" and
	    .context.message_id == "wamid.IN_WA_1" and
	    .text.body == "Hello Alice, your order 1234 ships tomorrow."' "$FAKE_LOG"
	[ "$(jq -r .auth "$FAKE_LOG")" = "Bearer EAAGreplytoken" ]
	f="$VAULT_DIR/Done/whatsapp/$M/DRAFT_WA_1.md"
	grep -qx 'exec_status: sent' "$f"
	grep -Eqx 'exec_message_id: wamid.HBgLFAKE[0-9]{4}' "$f"
	grep -Eq '^exec_result: whatsapp wamid.HBgLFAKE[0-9]{4} to \+15551234567$' "$f"
	[ -f "$VAULT_DIR/Done/whatsapp/$M/WA_1.md" ]
	grep -q '"event":"executed","id":"DRAFT_WA_1"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "replies need WA_SEND_TOKEN: the owner's notify token alone is 78, Twilio and no send token 69" {
	approve DRAFT_WA_1 >/dev/null
	unset WA_SEND_TOKEN
	run -78 --separate-stderr wa-send DRAFT_WA_1
	[[ $stderr == *"WA_SEND_TOKEN is not set"* ]]
	[[ $stderr != *EAAGnotifytoken* ]]
	WA_PROVIDER=twilio run -69 --separate-stderr wa-send DRAFT_WA_1
	[[ $stderr == *"through the WhatsApp Cloud API only"* ]]
	[ "$(replies)" -eq 0 ]
	[ -f "$A" ]
	# the owner told through Twilio, the customer answered through the Cloud API
	export WA_SEND_TOKEN=EAAGreplytoken
	WA_PROVIDER=twilio run -0 --separate-stderr wa-send DRAFT_WA_1
	[ "$(replies '.path == "/v21.0/1098765/messages" and .auth == "Bearer EAAGreplytoken"')" -eq 1 ]
}

@test "wa-send ID sends one approved reply by the same path; never twice" {
	approve DRAFT_WA_1 >/dev/null
	run -0 wa-send -n DRAFT_WA_1
	jq -e '.context.message_id == "wamid.IN_WA_1" and .to == "15551234567"' <<<"$output"
	[ "$(replies)" -eq 0 ]
	[ -f "$A" ]
	run --separate-stderr wa-send DRAFT_WA_1
	assert_success
	assert_output DRAFT_WA_1
	[ "$(replies)" -eq 1 ]
	grep -Eqx 'exec_message_id: wamid.HBgLFAKE[0-9]{4}' "$VAULT_DIR/Done/whatsapp/$M/DRAFT_WA_1.md"
	run --separate-stderr wa-send DRAFT_WA_1
	assert_failure 1
	[[ $stderr == *"already executed"* ]]
	[ "$(replies)" -eq 1 ]
}

@test "wa-send refuses a draft that is not approved, forged or signed by the cloud (77), nothing sent" {
	run --separate-stderr wa-send DRAFT_WA_1
	assert_failure
	[[ $stderr == *"not signed"* || $stderr == *"not in Approved"* ]]
	# dropped into Approved with a decision but no signature
	mkdir -p "$VAULT_DIR/Approved/whatsapp"
	sed 's/^status: pending$/status: approved\ndecision: approved\ndecided_at: 2026-12-01T00:00:00Z/' \
	    "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md" >"$A"
	rm "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
	run -77 wa-send DRAFT_WA_1
	# signed with a key of the cloud's own
	echo "decision_sig: $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$A.tmp"
	sed -i "s/^decision: approved\$/&\n$(cat "$A.tmp")/" "$A"
	run -77 wa-send DRAFT_WA_1
	run -77 wa-send -a cloud DRAFT_WA_1
	[ "$(replies)" -eq 0 ]
}

@test "24-hour rule: free text outside the window is refused at approval (65), kept pending" {
	old WA_1
	run --separate-stderr approve DRAFT_WA_1
	assert_failure 65
	[[ $stderr == *"the 24-hour window closed"*"name an approved template"* ]]
	[ -f "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md" ]
	[ ! -e "$A" ]
}

@test "24-hour rule: no message from the customer at all opens no window" {
	rm "$VAULT_DIR/Needs_Action/whatsapp/WA_1.md"
	run --separate-stderr approve DRAFT_WA_1
	assert_failure 65
	[[ $stderr == *"no message from +15551234567"* ]]
}

@test "24-hour rule: a later message from the same customer opens it again" {
	old WA_1
	mkwa WA_2 "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
	run -0 approve DRAFT_WA_1
}

@test "24-hour rule: a template is approved outside the window and sent with the body lines as parameters" {
	old WA_1
	rm "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
	mkwadraft DRAFT_WA_1 WA_1 order_update
	run -0 approve DRAFT_WA_1
	run -0 vault-exec
	[ -z "$(fake_problems)" ]
	jq -e '.parsed | .type == "template" and .template.name == "order_update" and
	    .template.language.code == "en_US" and
	    .template.components[0].parameters == [{"type":"text","text":"Alice"},
	        {"type":"text","text":"order 1234"}] and
	    .context.message_id == "wamid.IN_WA_1"' "$FAKE_LOG"
	grep -q '^exec_result: whatsapp .*, template order_update$' "$VAULT_DIR/Done/whatsapp/$M/DRAFT_WA_1.md"
}

@test "24-hour rule: a window closed after approval stops vault-exec before anything is sent" {
	approve DRAFT_WA_1 >/dev/null
	old WA_1
	run --separate-stderr vault-exec
	assert_failure 65
	[[ $stderr == *"the 24-hour window closed"* ]]
	[ "$(replies)" -eq 0 ]
	grep -qx 'exec_status: failed' "$VAULT_DIR/Needs_Action/whatsapp/DRAFT_WA_1.md"
}

@test "free text over 4,096 bytes is refused at approval and by vault-exec" {
	/usr/bin/python3 -c 'print("x" * 4097)' >>"$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
	run --separate-stderr approve DRAFT_WA_1
	assert_failure 65
	[[ $stderr == *"WhatsApp takes at most 4096"* ]]
	mkdir -p "$VAULT_DIR/Approved/whatsapp"
	mv "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md" "$A"
	sed -i 's/^status: pending$/status: approved\ndecision: approved\ndecided_by: local\ndecided_at: 2026-12-01T00:00:00Z/' "$A"
	resign_wa "$A"
	run --separate-stderr vault-exec
	assert_failure 65
	[[ $stderr == *"WhatsApp takes at most 4096"* ]]
	[ "$(replies)" -eq 0 ]
}

@test "send errors by class: 131047 and 131026 permanent (65), 429 and 5xx later (75), 190 the token (78)" {
	local code want where
	for code in 131047:65:Needs_Action 131026:65:Needs_Action 130429:75:Approved \
	    1:75:Approved 190:78:Approved; do
		want=${code#*:}; where=${want#*:}; want=${want%%:*}; code=${code%%:*}
		find "$VAULT_DIR" -name 'DRAFT_WA_1.md' -delete
		rm -f "$VAULT_DIR/.state/local/executed" "$VAULT_DIR/.state/local/exec-sends"
		mkwadraft DRAFT_WA_1 WA_1
		approve DRAFT_WA_1 >/dev/null
		fake_reset
		fake_reply "{\"match\":\"/messages\",\"graph_error\":$code}"
		run --separate-stderr vault-exec
		[ "$status" -eq "$want" ] || fail "$code: exit $status, want $want: $stderr"
		[[ $stderr == *"(code $code)"* ]] || fail "$code: $stderr"
		[ -f "$VAULT_DIR/$where/whatsapp/DRAFT_WA_1.md" ] || fail "$code: not in $where"
		[ "$(replies)" -eq 1 ] || fail "$code: retried"
	done
}

@test "kill -9 mid-send: the reply is never sent twice, exec_status unknown" {
	approve DRAFT_WA_1 >/dev/null
	fake_reply '{"match":"/messages","delay":30}'
	vault-exec >/dev/null 2>&1 &
	pid=$!
	f="$VAULT_DIR/In_Progress/local/DRAFT_WA_1.md"
	wait_for grep -qx 'exec_status: sending' "$f"
	wait_for eval '[ "$(replies)" -eq 1 ]'
	kill -9 "$pid"
	wait "$pid" || true
	run --separate-stderr vault-exec
	grep -qx 'exec_status: unknown' "$VAULT_DIR/Needs_Action/whatsapp/DRAFT_WA_1.md"
	run vault-exec
	run wa-send DRAFT_WA_1
	assert_failure
	[ "$(replies)" -eq 1 ]
}

@test "a time-out after the request left: maybe sent, never resent" {
	approve DRAFT_WA_1 >/dev/null
	fake_reply '{"match":"/messages","delay":5}'
	WA_TIMEOUT=1 run --separate-stderr vault-exec
	assert_failure 75
	grep -qx 'exec_status: unknown' "$VAULT_DIR/Needs_Action/whatsapp/DRAFT_WA_1.md"
	run vault-exec
	[ "$(replies)" -eq 1 ]
}

@test "the approval signs to, reply_to, template and the body: a change after approval is refused (77)" {
	local k
	for k in 's/^to: .*/to: "15559999999"/' 's/^reply_to: .*/reply_to: wamid.OTHER/' \
	    's/^Hello Alice/Hi Alice/' 's/^drafted_by: cloud$/template: promo\n&/'; do
		find "$VAULT_DIR" -name 'DRAFT_WA_1.md' -delete
		mkwadraft DRAFT_WA_1 WA_1
		approve DRAFT_WA_1 >/dev/null
		sed -i "$k" "$A"
		run vault-exec
		[ "$status" -eq 77 ] || fail "$k: exit $status"
	done
	[ "$(replies)" -eq 0 ]
}

# llm_fake: the fake Anthropic API answering TEXT once; its log in LLM_LOG.
llm_fake() {
	LLM_LOG=$BATS_TEST_TMPDIR/llm.log
	: >"$LLM_LOG"
	printf '200 ok in=40 out=12 %s\n' "$1" >"$BATS_TEST_TMPDIR/llm.script"
	python3 "$T_DIR/fake/anthropic.py" --port-file "$BATS_TEST_TMPDIR/llm.port" \
	    --log "$LLM_LOG" --key test-key-123 --script "$BATS_TEST_TMPDIR/llm.script" 3>&- &
	LLM_PID=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/llm.port" ]
	export LLM_PROVIDER=anthropic ANTHROPIC_API_KEY=test-key-123 \
	    ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/llm.port") \
	    AIE_PRICES_FILE="$TOP/share/prices.tsv"
}

teardown() {
	if [ -n "${LLM_PID:-}" ]; then kill "$LLM_PID" 2>/dev/null || true; fi
	return 0
}

@test "draft-email WA_...: a WhatsApp draft to its sender, threaded, then approved and sent end to end" {
	rm "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
	run -0 --separate-stderr draft-email WA_1
	assert_output Pending_Approval/whatsapp/DRAFT_WA_1.md
	d="$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
	grep -qx 'type: whatsapp_draft' "$d"
	grep -qx 'action: send_whatsapp' "$d"
	grep -qx 'to: "15551234567"' "$d"
	grep -qx 'reply_to: wamid.IN_WA_1' "$d"
	grep -qx 'source: WA_1' "$d"
	grep -qx 'domain: whatsapp' "$d"
	grep -qx 'model: offline-template' "$d"
	grep -q '^thank you for your message\. We have received it' "$d"
	run -0 approve DRAFT_WA_1
	run -0 vault-exec
	[ -z "$(fake_problems)" ]
	jq -e '.parsed | .to == "15551234567" and .context.message_id == "wamid.IN_WA_1" and
	    (.text.body | startswith("Hello,\n\nthank you for your message."))' "$FAKE_LOG"
	[ -f "$VAULT_DIR/Done/whatsapp/$M/WA_1.md" ]
}

@test "draft-email WA_... with a model: chat rules, the message as data, the model's text as the body" {
	rm "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
	llm_fake "Hi Alice! Your order 1234 ships tomorrow."
	run -0 draft-email WA_1
	jq -se '.[0].body.system | contains("WhatsApp replies")' "$LLM_LOG"
	jq -se '.[0].body.messages[0].content | contains("<whatsapp_message>") and
	    contains("Is my order ready?") and contains("Alice Example (+15551234567)")' "$LLM_LOG"
	[ "$(sed '1,/^---$/d' "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md")" = \
	    "Hi Alice! Your order 1234 ships tomorrow." ]
	grep -qx 'to: "15551234567"' "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md"
}

# mkmedia ID MEDIA_ID TYPE: a customer's image, as wa-webhook.cgi files it.
mkmedia() {
	mkwa "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	sed -i "s|^message_type: text$|message_type: image\nmedia_id: \"$2\"\nmedia_type: $3|" \
	    "$VAULT_DIR/Needs_Action/whatsapp/$1.md"
}

@test "wa-media: an image is fetched with the token, checked and kept in Media/whatsapp" {
	mkmedia WA_M1 1037543291543636 image/jpeg
	run -0 --separate-stderr wa-media
	assert_output Media/whatsapp/WA_M1.jpg
	f="$VAULT_DIR/Media/whatsapp/WA_M1.jpg"
	[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = ffd8ffe0 ]
	[ "$(stat -c %s "$f")" -eq 1004 ]
	grep -qx 'media_file: Media/whatsapp/WA_M1.jpg' "$VAULT_DIR/Needs_Action/whatsapp/WA_M1.md"
	grep -qx 'media_size: "1004"' "$VAULT_DIR/Needs_Action/whatsapp/WA_M1.md"
	[ "$(fake_count '.path == "/v21.0/1037543291543636" and .auth == "Bearer EAAGreplytoken"')" -eq 1 ]
	[ "$(fake_count '(.path | startswith("/media/1037543291543636")) and .auth == "Bearer EAAGreplytoken"')" -eq 1 ]
	# done once: nothing left to fetch
	run -1 wa-media
	[ "$(fake_count)" -eq 2 ]
}

@test "wa-media: a type not kept, a wrong checksum or a foreign URL is refused for good (media_error)" {
	mkmedia WA_M2 2048 application/x-msdownload
	run -65 --separate-stderr wa-media WA_M2
	[[ $stderr == *"type application/x-msdownload is not kept"* ]]
	grep -q '^media_error: ' "$VAULT_DIR/Needs_Action/whatsapp/WA_M2.md"
	[ ! -e "$VAULT_DIR/Media/whatsapp/WA_M2.exe" ]
	mkmedia WA_M3 1037543291543636 image/jpeg
	fake_reply '{"match":"GET /v21.0/1037543291543636","json":{"url":"http://203.0.113.9/steal","mime_type":"image/jpeg","sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","file_size":0,"id":"1037543291543636"}}'
	run -65 --separate-stderr wa-media WA_M3
	[[ $stderr == *"its URL is not Meta's; the token is not sent there"* ]]
	mkmedia WA_M4 1037543291543636 image/jpeg
	fake_reply '{"match":"GET /media/","raw":"not the bytes announced"}'
	run -65 --separate-stderr wa-media WA_M4
	[[ $stderr == *"not those announced"* ]]
	ls "$VAULT_DIR/Media/whatsapp" 2>/dev/null | { ! grep -q .; }
}

@test "wa-media: a media id Meta does not know (404) is 65; a bad token 78 and left for later" {
	mkmedia WA_M5 999 image/jpeg
	run -65 --separate-stderr wa-media WA_M5
	[[ $stderr == *"does not exist"* ]]
	mkmedia WA_M6 1037543291543636 image/jpeg
	WA_SEND_TOKEN=wrong run -78 --separate-stderr wa-media WA_M6
	! grep -q '^media_error' "$VAULT_DIR/Needs_Action/whatsapp/WA_M6.md"
}

@test "wa-media with nothing to fetch needs no token and exits 1" {
	unset WA_SEND_TOKEN
	run -1 --separate-stderr wa-media
	[ -z "$stderr" ]
	mkmedia WA_M7 1037543291543636 image/jpeg
	run -78 --separate-stderr wa-media
	[[ $stderr == *"neither WA_MEDIA_TOKEN nor WA_SEND_TOKEN is set"* ]]
}

# dash_approve ID: approve ID through the dashboard (nginx + fcgiwrap, as
# the owner's phone does); the HTTP status in $code.
dash_approve() {
	local web="$BATS_TEST_TMPDIR/web" port u tok csrf dig
	port=$(free_port)
	u="http://127.0.0.1:$port"
	echo pw-correct-horse | dashboard-passwd -q
	"$TOP/cgi/run-dashboard" start "$web" "$port"
	curl -s -c "$web/jar" -o "$web/login.html" "$u/login"
	tok=$(grep -o 'name="csrf" value="[^"]*"' "$web/login.html" | head -n 1 | sed 's/.*value="//; s/"$//')
	curl -s -b "$web/jar" -c "$web/jar" -o /dev/null -H "Origin: $u" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=pw-correct-horse" "$u/login"
	curl -s -b "$web/jar" -o "$web/item.html" "$u/item?id=$1"
	dig=$(grep -o 'name="digest" value="[0-9a-f]*"' "$web/item.html" | head -n 1 | sed 's/.*value="//; s/"$//')
	csrf=$(grep -o 'name="csrf" value="[^"]*"' "$web/item.html" | head -n 1 | sed 's/.*value="//; s/"$//')
	code=$(curl -s -b "$web/jar" -o "$web/out.html" -w '%{http_code}' -H "Origin: $u" \
	    --data-urlencode "csrf=$csrf" --data-urlencode "id=$1" --data-urlencode "digest=$dig" \
	    "$u/approve")
	"$TOP/cgi/run-dashboard" stop "$web"
}

@test "the dashboard approves a WhatsApp reply inside the window and refuses (422) one outside" {
	command -v /usr/sbin/nginx >/dev/null && command -v /usr/sbin/fcgiwrap >/dev/null ||
	    skip "nginx or fcgiwrap is not installed"
	old WA_1
	dash_approve DRAFT_WA_1
	[ "$code" = 422 ]
	grep -q 'the 24-hour window closed' "$BATS_TEST_TMPDIR/web/out.html"
	[ -f "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_1.md" ]
	mkwa WA_2 "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
	dash_approve DRAFT_WA_1
	[ "$code" = 303 ]
	[ -f "$A" ]
	run -0 vault-exec
	[ "$(replies)" -eq 1 ]
}
