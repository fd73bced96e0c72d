#!/usr/bin/env bats
# vault-exec: approved items out through a real SMTP server (aiosmtpd),
# at most once, signatures enforced.
load helper
load mail
load fake/fake

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	common_setup
	mkvault
	mkemail E1
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
}
setup_file() { smtp_shared_start; }
teardown_file() { smtp_shared_stop; }
teardown() {
	mail_teardown
	if [ -n "${SILENT_PID:-}" ]; then kill "$SILENT_PID" 2>/dev/null || true; fi
	fake_stop
}

# wa_fake: the fake Graph API (t/fake/api.py) as the owner's WhatsApp.
wa_fake() {
	export FAKE_WA_TOKEN=EAAGexectoken FAKE_WA_PHONE_ID=4242
	fake_start
	export WA_PROVIDER=cloud WA_GRAPH_URL="$FAKE_URL" WA_API_VERSION=v21.0 \
	    WA_PHONE_NUMBER_ID=4242 WA_TOKEN=EAAGexectoken WA_TO=+15550002222 \
	    WA_ATTEMPTS=1 AIE_HTTP_BACKOFF=0.01
}

# notified TEXT: a row of today's notification log holds TEXT.
notified() {
	grep -F -- "$1" "$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
}

A="Approved/email/DRAFT_E1.md"

@test "an approved draft is sent; it and its source go to Done with exec keys" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	run --separate-stderr vault-exec
	assert_success
	m=$(date -u +%Y-%m)
	assert_output "Done/email/$m/DRAFT_E1.md"
	f="$VAULT_DIR/Done/email/$m/DRAFT_E1.md"
	grep -qx 'exec_status: sent' "$f"
	grep -qx 'exec_attempts: 1' "$f"
	grep -Eq '^exec_at: 20[0-9-]{8}T' "$f"
	grep -q '^exec_result: smtp 250' "$f"
	[ -f "$VAULT_DIR/Done/email/$m/E1.md" ]
	[ ! -e "$VAULT_DIR/In_Progress/cloud/E1.md" ]
	grep -qx 'status: done' "$VAULT_DIR/Done/email/$m/E1.md"
	[ "$(smtp_count)" -eq 1 ]
	smtp_last | grep -qx 'In-Reply-To: <E1@example.com>'
	grep -q '"event":"executed","id":"DRAFT_E1"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "nothing in Approved: exit 1" {
	run vault-exec
	assert_failure 1
}

@test "a body changed after approval is not sent: Needs_Action, exec_error, owner told" {
	approve DRAFT_E1 >/dev/null
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/$A"
	smtp_start
	run vault-exec
	assert_failure 77
	f="$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	grep -q '^exec_error: "not executed: DRAFT_E1: decision_sig does not verify' "$f"
	[ -f "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md" ]
	grep -qx 'event: exec_refused' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	grep -q '"event":"exec_refused","id":"DRAFT_E1"' "$VAULT_DIR"/Logs/*.jsonl
	[ "$(smtp_count)" -eq 0 ]
	vault-status --dashboard >/dev/null
	grep -q 'Not sent: DRAFT_E1' "$VAULT_DIR/Dashboard.md"
}

@test "a file dropped into Approved without a signature is not sent" {
	mkdir -p "$VAULT_DIR/Approved/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" "$VAULT_DIR/$A"
	smtp_start
	run vault-exec
	assert_failure 77
	grep -q 'not signed' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	[ "$(smtp_count)" -eq 0 ]
}

@test "a signature copied from another item is refused" {
	approve DRAFT_E1 >/dev/null
	mkemail E2
	# the same draft under another ID, with the first one's approval keys
	sed 's/^id: DRAFT_E1$/id: DRAFT_E2/; s/^source: E1$/source: E2/' \
	    "$VAULT_DIR/$A" >"$VAULT_DIR/Approved/email/DRAFT_E2.md"
	rm "$VAULT_DIR/$A"
	smtp_start
	run vault-exec
	assert_failure 77
	grep -q 'does not verify' "$VAULT_DIR/Needs_Action/email/DRAFT_E2.md"
	[ "$(smtp_count)" -eq 0 ]
}

@test "an expired approval is refused" {
	exp=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
	sed -i "s/^expires: .*/expires: $exp/" "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	approve DRAFT_E1 >/dev/null
	wait_for -t 5 eval '[ "$(date -u +%s)" -gt "$(date -u -d "$exp" +%s)" ]'
	smtp_start
	run vault-exec
	assert_failure 77
	grep -q 'expired' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	[ "$(smtp_count)" -eq 0 ]
}

@test "kill -9 mid-send: after restart it is never resent, exec_status unknown" {
	approve DRAFT_E1 >/dev/null
	# a server that accepts the connection and never answers
	port=$(free_port)
	/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); time.sleep(120)' "$port" &
	SILENT_PID=$!
	wait_port "$port"
	SMTP_URL="smtp://127.0.0.1:$port" SMTP_STARTTLS=no SMTP_FROM=owner@example.com \
	    vault-exec >/dev/null 2>&1 &
	pid=$!
	f="$VAULT_DIR/In_Progress/local/DRAFT_E1.md"
	wait_for grep -qx 'exec_status: sending' "$f"
	kill -9 "$pid"
	wait "$pid" || true
	smtp_start
	run --separate-stderr vault-exec
	f="$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	grep -qx 'exec_status: unknown' "$f"
	grep -qx 'event: exec_unknown' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	notified 'Maybe sent: DRAFT_E1' | grep -q '| error | none | outbox |'
	[ "$(smtp_count)" -eq 0 ]
	run vault-exec
	[ "$(smtp_count)" -eq 0 ]
}

@test "no SMTP server: back to Approved with exec_error and one attempt" {
	approve DRAFT_E1 >/dev/null
	export SMTP_URL="smtp://127.0.0.1:$(free_port)" SMTP_STARTTLS=no SMTP_FROM=owner@example.com
	run --separate-stderr vault-exec
	assert_failure 69
	f="$VAULT_DIR/$A"
	grep -qx 'exec_status: failed' "$f"
	grep -qx 'exec_attempts: 1' "$f"
	grep -q '^exec_error: ' "$f"
	smtp_start
	run vault-exec
	assert_success
	grep -qx 'exec_attempts: 2' "$VAULT_DIR"/Done/email/*/DRAFT_E1.md
	[ "$(smtp_count)" -eq 1 ]
}

@test "the third failure goes to Needs_Action for the owner" {
	approve DRAFT_E1 >/dev/null
	export SMTP_URL="smtp://127.0.0.1:$(free_port)" SMTP_STARTTLS=no SMTP_FROM=owner@example.com
	run vault-exec
	run vault-exec
	[ -f "$VAULT_DIR/$A" ]
	run vault-exec
	f="$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	grep -qx 'exec_attempts: 3' "$f"
	grep -qx 'exec_status: failed' "$f"
	grep -qx 'event: exec_failed' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	notified 'Not sent after 3 attempts: DRAFT_E1' | grep -q '| outbox |'
	run vault-exec
	assert_failure 1
}

@test "at most EXEC_MAX_PER_HOUR sends an hour; the rest wait (75)" {
	mkemail E2
	mkdraft DRAFT_E2 E2
	approve DRAFT_E1 DRAFT_E2 >/dev/null
	smtp_start
	export EXEC_MAX_PER_HOUR=1
	run --separate-stderr vault-exec
	assert_failure 75
	[[ "$stderr" == *"EXEC_MAX_PER_HOUR=1"* ]]
	[ "$(smtp_count)" -eq 1 ]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E2.md" ]
	run vault-exec
	assert_failure 75
	[ "$(smtp_count)" -eq 1 ]
	EXEC_MAX_PER_HOUR=2 run vault-exec
	assert_success
	[ "$(smtp_count)" -eq 2 ]
}

@test "an unknown action stays in Approved with a clear exec_error" {
	sed -i 's/^action: send_email$/action: post_to_mars/' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	approve DRAFT_E1 >/dev/null
	smtp_start
	run --separate-stderr vault-exec
	assert_failure 65
	grep -qx 'exec_error: "unknown action post_to_mars (vault-exec knows: send_email)"' "$VAULT_DIR/$A"
	[ "$(smtp_count)" -eq 0 ]
}

@test "--dry-run shows what would be sent and moves nothing" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	before=$(tree_sum "$VAULT_DIR" | grep -v ' ./.state/')
	run --separate-stderr vault-exec --dry-run
	assert_success
	assert_output $'DRAFT_E1\tsend_email\tto alice@example.com\tRe: Question about my order'
	[ "$(smtp_count)" -eq 0 ]
	[ "$before" = "$(tree_sum "$VAULT_DIR" | grep -v ' ./.state/')" ]
}

@test "without SMTP_URL the mail goes to the outbox and the items to Done" {
	approve DRAFT_E1 >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[[ "$stderr" == *"Logs/Outbox/DRAFT_E1.eml"* ]]
	grep -q '^exec_result: outbox Logs/Outbox/DRAFT_E1.eml' "$VAULT_DIR"/Done/email/*/DRAFT_E1.md
	[ -f "$VAULT_DIR/Logs/Outbox/DRAFT_E1.eml" ]
}

@test "refuses to run as agent cloud (77)" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	run vault-exec -a cloud
	assert_failure 77
	[ -f "$VAULT_DIR/$A" ]
	[ "$(smtp_count)" -eq 0 ]
}

@test "--interval: SIGTERM between items exits 0" {
	approve DRAFT_E1 >/dev/null
	smtp_start
	vault-exec --interval 1 >/dev/null 2>&1 &
	pid=$!
	wait_for eval '[ "$(smtp_count)" -eq 1 ]' || true
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ]
	[ "$(smtp_count)" -eq 1 ]
}

@test "a refused item is told to the owner on WhatsApp, with its ID and cause" {
	approve DRAFT_E1 >/dev/null
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/$A"
	smtp_start
	wa_fake
	run --separate-stderr vault-exec
	assert_failure 77
	[ -z "$(fake_problems)" ]
	[ "$(fake_count '.path == "/v21.0/4242/messages"')" -eq 1 ]
	[ "$(jq -r .auth "$FAKE_LOG")" = "Bearer EAAGexectoken" ]
	jq -e '.parsed | .type == "text" and .to == "+15550002222" and
	    (.text.body | startswith("*ai-employee: Not sent: DRAFT_E1*")) and
	    (.text.body | contains("decision_sig does not verify"))' "$FAKE_LOG"
	notified 'Not sent: DRAFT_E1' | grep -q '| error | cloud | sent | wamid\.'
	[ "$(smtp_count)" -eq 0 ]
}

@test "the same item refused again for the same cause is not told twice" {
	approve DRAFT_E1 >/dev/null
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/$A"
	wa_fake
	run vault-exec
	assert_failure 77
	mv "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" "$VAULT_DIR/$A"
	run vault-exec
	assert_failure 77
	[ -f "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" ]
	[ "$(fake_count '.path == "/v21.0/4242/messages"')" -eq 1 ]
	# another item is another message
	mkemail E2
	mkdraft DRAFT_E2 E2
	mkdir -p "$VAULT_DIR/Approved/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E2.md" "$VAULT_DIR/Approved/email/"
	run vault-exec
	assert_failure 77
	[ "$(fake_count '.path == "/v21.0/4242/messages"')" -eq 2 ]
	jq -s -e '.[1].parsed.text.body | contains("DRAFT_E2")' "$FAKE_LOG"
}

@test "no WhatsApp provider: the refusal goes to the notification outbox" {
	mkdir -p "$VAULT_DIR/Approved/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" "$VAULT_DIR/$A"
	run --separate-stderr vault-exec
	assert_failure 77
	[[ "$stderr" == *"no WhatsApp provider configured"* ]]
	notified 'Not sent: DRAFT_E1' | grep -q '| error | none | outbox | not sent: no provider configured |'
	notified 'Not sent: DRAFT_E1' | grep -q 'not signed'
}

@test "a WhatsApp failure warns but does not change the exit status" {
	approve DRAFT_E1 >/dev/null
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/$A"
	wa_fake
	fake_reply '{"match": "/messages", "graph_error": 190}'
	run --separate-stderr vault-exec
	assert_failure 77
	[[ "$stderr" == *"DRAFT_E1: owner not notified on WhatsApp: "* ]]
	[[ "$stderr" != *"EAAGexectoken"* ]]
	[ -f "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" ]
	[ -f "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md" ]
	notified 'Not sent: DRAFT_E1' | grep -q '| failed |'
}

@test "a half-configured WhatsApp provider warns; the refusal still stands" {
	mkdir -p "$VAULT_DIR/Approved/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" "$VAULT_DIR/$A"
	export WA_PROVIDER=cloud
	unset WA_TOKEN WA_PHONE_NUMBER_ID WA_TO
	run --separate-stderr vault-exec
	assert_failure 77
	[[ "$stderr" == *"owner not notified on WhatsApp"* ]]
	grep -qx 'event: exec_refused' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
}
