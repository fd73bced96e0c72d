#!/usr/bin/env bats
# vault-exec: approved items out through a real SMTP server (aiosmtpd),
# at most once, signatures enforced.
load helper
load mail
load sync
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
	grep -Eqx 'exec_error: "unknown action post_to_mars \(vault-exec knows: send_email, none(, [a-z_]+)*\)"' "$VAULT_DIR/$A"
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

# ---- at most once, by construction (the record of started approvals) ----

# strip_exec FILE: remove every exec_* key, as a cloud hiding a send would.
strip_exec() {
	sed -i '/^exec_/d' "$1"
}

@test "replay: Done/ moved back to Approved/ with exec_* removed, through a real sync, is not sent again" {
	sync_setup
	two_agents
	approve DRAFT_E1 >/dev/null
	smtp_start
	run vault-exec
	assert_success
	[ "$(smtp_count)" -eq 1 ]
	lsync >/dev/null
	csync >/dev/null
	m=$(date -u +%Y-%m)
	mkdir -p "$CLOUD/Approved/email"
	mv "$CLOUD/Done/email/$m/DRAFT_E1.md" "$CLOUD/Approved/email/DRAFT_E1.md"
	strip_exec "$CLOUD/Approved/email/DRAFT_E1.md"
	csync >/dev/null
	lsync >/dev/null
	[ -f "$VAULT_DIR/$A" ]
	run grep -c '^exec_' "$VAULT_DIR/$A"
	assert_output 0
	run --separate-stderr vault-exec
	assert_failure 77
	[[ "$stderr" == *"already executed"* ]]
	[ "$(smtp_count)" -eq 1 ]
	f="$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	grep -q '^exec_error: "not executed: this approval was already executed' "$f"
	grep -qx 'event: exec_replay' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	grep -q '"event":"exec_replay","id":"DRAFT_E1"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "replay: the owner is told once, not at every pass the cloud moves it back" {
	approve DRAFT_E1 >/dev/null
	cp "$VAULT_DIR/$A" "$BATS_TEST_TMPDIR/approved.md"
	run vault-exec
	assert_success
	cp "$BATS_TEST_TMPDIR/approved.md" "$VAULT_DIR/$A"
	run vault-exec
	assert_failure 77
	grep -qx 'event: exec_replay' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	notified 'Not sent again: DRAFT_E1'
	rm "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	mv "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" "$VAULT_DIR/$A"
	run --separate-stderr vault-exec
	assert_failure 77
	[[ "$stderr" == *"already executed"* ]]
	[ ! -e "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md" ]
	[ -f "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" ]
	[ "$(grep -c ' replay DRAFT_E1 ' "$VAULT_DIR/.state/local/executed")" -eq 1 ]
	[ "$(grep -c '"event":"exec_replay"' "$VAULT_DIR"/Logs/*.jsonl)" -eq 2 ]
}

@test "replay: one approved file copied into two Approved/<domain>/ folders is sent once" {
	approve DRAFT_E1 >/dev/null
	mkdir -p "$VAULT_DIR/Approved/sales"
	cp "$VAULT_DIR/$A" "$VAULT_DIR/Approved/sales/DRAFT_E1.md"
	smtp_start
	run --separate-stderr vault-exec
	assert_failure 77
	[ "$(smtp_count)" -eq 1 ]
	ls "$VAULT_DIR"/Done/email/*/DRAFT_E1.md
	grep -q 'already executed' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	[ -z "$(find "$VAULT_DIR/Approved" -name 'DRAFT_E1.md')" ]
}

@test "replay: an item left exec_status unknown, moved back to Approved, is not sent again" {
	approve DRAFT_E1 >/dev/null
	port=$(free_port)
	/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); time.sleep(120)' "$port" &
	SILENT_PID=$!
	wait_port "$port"
	SMTP_URL="smtp://127.0.0.1:$port" SMTP_STARTTLS=no SMTP_FROM=owner@example.com \
	    vault-exec >/dev/null 2>&1 &
	pid=$!
	f="$VAULT_DIR/In_Progress/local/DRAFT_E1.md"
	for _ in $(seq 100); do
		grep -qx 'exec_status: sending' "$f" 2>/dev/null && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	run vault-exec
	grep -qx 'exec_status: unknown' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	mv "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" "$VAULT_DIR/$A"
	strip_exec "$VAULT_DIR/$A"
	smtp_start
	run vault-exec
	assert_failure 77
	[ "$(smtp_count)" -eq 0 ]
	grep -q 'already executed' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
}

@test "replay: the record is keyed by the approval, not its spelling (an upper-case decision_sig)" {
	approve DRAFT_E1 >/dev/null
	cp "$VAULT_DIR/$A" "$BATS_TEST_TMPDIR/approved.md"
	smtp_start
	run vault-exec
	assert_success
	sed 's/^decision_sig: .*/\U&/; s/^DECISION_SIG: /decision_sig: /' \
	    "$BATS_TEST_TMPDIR/approved.md" >"$VAULT_DIR/$A"
	grep -q '^decision_sig: [0-9A-F]\{64\}$' "$VAULT_DIR/$A"
	run vault-exec
	assert_failure 77
	[ "$(smtp_count)" -eq 1 ]
}

@test "a fresh clone on a new laptop seeds its record from Done/ and does not resend a copy" {
	sync_setup
	two_agents
	approve DRAFT_E1 >/dev/null
	smtp_start
	vault-exec >/dev/null
	lsync >/dev/null
	csync >/dev/null
	m=$(date -u +%Y-%m)
	mkdir -p "$CLOUD/Approved/email"
	cp "$CLOUD/Done/email/$m/DRAFT_E1.md" "$CLOUD/Approved/email/DRAFT_E1.md"
	strip_exec "$CLOUD/Approved/email/DRAFT_E1.md"
	csync >/dev/null
	NEW=$BATS_TEST_TMPDIR/laptop2
	vault-init -q --clone "$REMOTE" "$NEW" >/dev/null
	[ -f "$NEW/Approved/email/DRAFT_E1.md" ]
	[ ! -e "$NEW/.state/local/executed" ]
	run vault-exec -C "$NEW"
	assert_failure 77
	[ "$(smtp_count)" -eq 1 ]
	grep -q ' seen DRAFT_E1 ' "$NEW/.state/local/executed"
	grep -q 'already executed' "$NEW/Needs_Action/email/DRAFT_E1.md"
}

@test "a fresh clone knows an approval moved out of Done/ from the audit log" {
	sync_setup
	two_agents
	approve DRAFT_E1 >/dev/null
	smtp_start
	vault-exec >/dev/null
	lsync >/dev/null
	csync >/dev/null
	m=$(date -u +%Y-%m)
	mkdir -p "$CLOUD/Approved/email"
	mv "$CLOUD/Done/email/$m/DRAFT_E1.md" "$CLOUD/Approved/email/DRAFT_E1.md"
	strip_exec "$CLOUD/Approved/email/DRAFT_E1.md"
	csync >/dev/null
	NEW=$BATS_TEST_TMPDIR/laptop2
	vault-init -q --clone "$REMOTE" "$NEW" >/dev/null
	run vault-exec -C "$NEW"
	assert_failure 77
	[ "$(smtp_count)" -eq 1 ]
}

@test "an approval with no expires is refused (fail closed), the owner told" {
	approve DRAFT_E1 >/dev/null
	f="$VAULT_DIR/$A"
	# whatever approve writes today: an approval signed without expires
	sed -i '/^expires: /d' "$f"
	resign "$f"
	smtp_start
	run --separate-stderr vault-exec
	assert_failure 77
	[[ "$stderr" == *"no expires"* ]]
	[ "$(smtp_count)" -eq 0 ]
	grep -q '^exec_error: "not executed: the approval has no expires' \
	    "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	grep -qx 'event: exec_refused' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
}

@test "the test signer is the real one: it reproduces approve's decision_sig" {
	approve DRAFT_E1 >/dev/null
	[ "$(sign_as_approve "$VAULT_DIR/$A")" = "$(sed -n 's/^decision_sig: //p' "$VAULT_DIR/$A")" ]
}

@test "permanent errors are 65, told once without repeating the ID, not retried" {
	for t in none crlf literal; do
		rm -f "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
		mkdraft DRAFT_E1 E1
		approve DRAFT_E1 >/dev/null
		# approve(1) refuses these; a draft signed anyway must still fail
		d="$VAULT_DIR/$A"
		case $t in
		none) sed -i '/^to: /d' "$d"
		      cause="the draft has no to" ;;
		crlf) sed -i 's/^to: .*/to: "alice@example.com\\r\\nBcc: eve@example.net"/' "$d"
		      cause="to holds a line break; refused (header injection)" ;;
		literal) sed -i 's/^to: .*/to: "alice@[127.0.0.1]"/' "$d"
		      cause="to: alice@[127.0.0.1] is not an address we send to" ;;
		esac
		resign "$d"
		smtp_start
		run --separate-stderr vault-exec
		assert_failure 65
		[[ "$stderr" != *"attempt 1 of 3"* ]]
		[[ "$stderr" != *"DRAFT_E1: DRAFT_E1"* ]]
		[ "$(grep -cF -- "$cause" <<<"$stderr")" -eq 1 ]
		grep -qxF -- "vault-exec: DRAFT_E1: $cause; moved to Needs_Action/email/DRAFT_E1.md" <<<"$stderr"
		[ "$(smtp_count)" -eq 0 ]
		grep -qx 'exec_status: failed' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
		grep -qx 'exec_attempts: 1' "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	done
}

@test "a body holding a NUL byte is refused (65), nothing sent" {
	approve DRAFT_E1 >/dev/null
	# approve(1) refuses a NUL; an approval signed anyway must still fail
	d="$VAULT_DIR/$A"
	printf 'P.S. hidden\0Bcc: the rest\n' >>"$d"
	resign "$d"
	smtp_start
	run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"NUL byte"* ]]
	[ "$(smtp_count)" -eq 0 ]
	[ -f "$VAULT_DIR/Needs_Action/email/DRAFT_E1.md" ]
}

# lossy_smtp PORT LOG: an SMTP server that takes the whole message, logs
# "got" for it, and drops the connection instead of answering 250.
lossy_smtp() {
	/usr/bin/python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
def serve(c):
    f = c.makefile("rb")
    c.sendall(b"220 lossy\r\n")
    for line in f:
        cmd = line[:4].upper()
        if cmd in (b"EHLO", b"HELO"): c.sendall(b"250 lossy\r\n")
        elif cmd in (b"MAIL", b"RCPT"): c.sendall(b"250 ok\r\n")
        elif cmd == b"DATA":
            c.sendall(b"354 go\r\n")
            for l in f:
                if l == b".\r\n": break
            open(sys.argv[2], "a").write("got\n")
            return
        elif cmd == b"QUIT": return
        else: c.sendall(b"250 ok\r\n")
while True:
    c, _ = s.accept()
    try: serve(c)
    except OSError: pass
    c.close()
PY
	SILENT_PID=$!
	wait_port "$1"
}

@test "an answer lost after the whole message went out: exec_status unknown, never resent" {
	approve DRAFT_E1 >/dev/null
	port=$(free_port)
	lossy_smtp "$port" "$BATS_TEST_TMPDIR/lossy.log"
	export SMTP_URL="smtp://127.0.0.1:$port" SMTP_STARTTLS=no SMTP_FROM=owner@example.com
	run --separate-stderr vault-exec
	assert_failure 75
	[[ "$stderr" == *"may have been delivered"* ]]
	f="$VAULT_DIR/Needs_Action/email/DRAFT_E1.md"
	grep -qx 'exec_status: unknown' "$f"
	grep -qx 'event: exec_unknown' "$VAULT_DIR/Updates/EXEC_DRAFT_E1.md"
	mv "$f" "$VAULT_DIR/$A"
	run vault-exec
	assert_failure 77
	run vault-exec
	[ "$(wc -l <"$BATS_TEST_TMPDIR/lossy.log")" -eq 1 ]
}

# ---- the action table (issue 16) ----

# digest_as_before FILE: the draft_digest of FILE as it was computed before
# the action table: BLAKE2b-256 of the ID, the fixed fields expires, action,
# to, cc, subject, in_reply_to, references, and the body, length-prefixed.
digest_as_before() {
	/usr/bin/python3 - "$1" <<'PY'
import hashlib, json, os, sys
data = open(sys.argv[1], 'rb').read()
head, body = data.split(b'\n---\n', 1)
fm = {}
for line in head.split(b'\n')[1:]:
    k, _, v = line.decode().partition(': ')
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = json.loads(v)
    fm[k] = v
def absorb(h, b):
    h.update(len(b).to_bytes(8, 'little')); h.update(b)
h = hashlib.blake2b(digest_size=32)
absorb(h, b'ai-employee draft v1')
absorb(h, os.path.basename(sys.argv[1])[:-3].encode())
for k in ('expires', 'action', 'to', 'cc', 'subject', 'in_reply_to', 'references'):
    absorb(h, k.encode()); absorb(h, fm.get(k, '').encode())
absorb(h, body)
print(h.hexdigest())
PY
}

@test "action table: an approval signed as before the table still verifies and is sent" {
	# the decision keys written by hand and signed by the independent
	# signer (the fixed field list of before), not by approve(1)
	mkdir -p "$VAULT_DIR/Approved/email"
	sed 's/^status: pending$/status: approved\ndecision: approved\ndecided_by: local\ndecided_at: 2026-11-30T10:30:00Z\ndecided_via: cli/' \
	    "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" >"$VAULT_DIR/$A"
	rm "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	resign "$VAULT_DIR/$A"
	grep -Eq '^decision_sig: [0-9a-f]{64}$' "$VAULT_DIR/$A"
	smtp_start
	run --separate-stderr vault-exec
	assert_success
	assert_output "Done/email/$(date -u +%Y-%m)/DRAFT_E1.md"
	[ "$(smtp_count)" -eq 1 ]
}

@test "action table: a send_email draft's version digest is the one of before" {
	d=$(approve -j --list | json_get '.digest' -)
	[ "$d" = "$(digest_as_before "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md")" ]
}

# mktask ID: a manual task (action: none) for the owner to confirm.
mktask() {
	mkdir -p "$VAULT_DIR/Pending_Approval/general"
	cat >"$VAULT_DIR/Pending_Approval/general/$1.md" <<EOT
---
type: task
id: $1
created: 2026-11-30T10:20:00Z
domain: general
status: pending
action: none
to: bob@example.com
subject: Call the accountant about the VAT return
expires: 2099-01-01T00:00:00Z
---
Call Mr. Smith before Friday and confirm the figures.
EOT
}

@test "action none: approved, vault-exec moves it to Done with exec_status sent; nothing sent; audited" {
	mktask TASK_1
	approve TASK_1 >/dev/null
	smtp_start
	run --separate-stderr vault-exec
	assert_success
	m=$(date -u +%Y-%m)
	assert_output "Done/general/$m/TASK_1.md"
	f="$VAULT_DIR/Done/general/$m/TASK_1.md"
	grep -qx 'exec_status: sent' "$f"
	grep -qx 'exec_attempts: 1' "$f"
	grep -qx 'exec_result: "none: a manual task, confirmed by its approval; nothing executed"' "$f"
	run ! grep -q '^exec_message_id' "$f"
	run ! grep -q '^exec_error' "$f"
	[ "$(smtp_count)" -eq 0 ]
	[ ! -e "$VAULT_DIR/Logs/Outbox/TASK_1.eml" ]
	grep -h '"event":"executed","id":"TASK_1"' "$VAULT_DIR"/Logs/*.jsonl |
	    assert_json '.to == "Done/general/'"$m"'/TASK_1.md" and (.approval | test("^[0-9a-f]{64}$"))' -
	grep -q ' sent TASK_1 ' "$VAULT_DIR/.state/local/executed"
	# executed once: back in Approved/, it is a replay
	mv "$f" "$VAULT_DIR/Approved/general/TASK_1.md"
	run vault-exec
	assert_failure 77
	[ -f "$VAULT_DIR/Needs_Action/general/TASK_1.md" ]
}

@test "action none is not a send: it runs past EXEC_MAX_PER_HOUR, which holds send_email back" {
	mktask TASK_1
	approve DRAFT_E1 TASK_1 >/dev/null
	smtp_start
	EXEC_MAX_PER_HOUR=0 run --separate-stderr vault-exec
	assert_failure 75
	[[ "$stderr" == *"EXEC_MAX_PER_HOUR=0"* ]]
	assert_output "Done/general/$(date -u +%Y-%m)/TASK_1.md"
	[ -f "$VAULT_DIR/$A" ]
	[ "$(smtp_count)" -eq 0 ]
	[ ! -s "$VAULT_DIR/.state/local/exec-sends" ]
}

@test "action none: its approval binds the action, subject and body, not the mail fields" {
	mktask TASK_1
	approve TASK_1 >/dev/null
	t="$VAULT_DIR/Approved/general/TASK_1.md"
	cp "$t" "$BATS_TEST_TMPDIR/task"
	# not signed for none: no mail is ever made from it
	sed -i 's/^to: .*/to: eve@example.net/' "$t"
	run vault-exec --dry-run
	assert_success
	assert_output $'TASK_1\tnone\tto eve@example.net\tCall the accountant about the VAT return'
	# turned into a send: the signature no longer verifies
	sed -i 's/^action: none$/action: send_email/' "$t"
	smtp_start
	run vault-exec
	assert_failure 77
	grep -q '^exec_error: "not executed: TASK_1: decision_sig does not verify' "$VAULT_DIR/Needs_Action/general/TASK_1.md"
	[ "$(smtp_count)" -eq 0 ]
	# another subject: refused too
	rm "$VAULT_DIR/Needs_Action/general/TASK_1.md"
	sed 's/^subject: .*/subject: Pay the invoice/' "$BATS_TEST_TMPDIR/task" >"$t"
	run vault-exec
	assert_failure 77
}

@test "action none: the version digest covers its signed fields only" {
	mktask TASK_1
	d0=$(approve -j --list | json_get -s '.[] | select(.id == "TASK_1") | .digest' -)
	[ ${#d0} -eq 64 ]
	sed -i 's/^to: .*/to: eve@example.net/' "$VAULT_DIR/Pending_Approval/general/TASK_1.md"
	[ "$(approve -j --list | json_get -s '.[] | select(.id == "TASK_1") | .digest' -)" = "$d0" ]
	sed -i 's/^subject: .*/subject: Pay the invoice/' "$VAULT_DIR/Pending_Approval/general/TASK_1.md"
	[ "$(approve -j --list | json_get -s '.[] | select(.id == "TASK_1") | .digest' -)" != "$d0" ]
}

@test "an unknown action stays in Approved, names the actions known, and is not a send" {
	sed -i 's/^action: send_email$/action: send_fax/' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	approve DRAFT_E1 >/dev/null
	smtp_start
	run --separate-stderr vault-exec
	assert_failure 65
	grep -Eqx 'exec_error: "unknown action send_fax \(vault-exec knows: send_email, none(, [a-z_]+)*\)"' "$VAULT_DIR/$A"
	[ -z "$(grep -s ' start DRAFT_E1 ' "$VAULT_DIR/.state/local/executed")" ]
	run --separate-stderr vault-exec
	assert_failure 65
	[[ "$stderr" == *"unknown action send_fax; left in Approved/"* ]]
	[ -f "$VAULT_DIR/$A" ]
	[ "$(smtp_count)" -eq 0 ]
}

@test "approve ID | vault-exec -: the IDs come from stdin, as approve(1) shows" {
	mkemail E2
	mkdraft DRAFT_E2 E2
	smtp_start
	run bash -c 'approve DRAFT_E1 | vault-exec -'
	assert_success
	[ "$(smtp_count)" -eq 1 ]
	[ -f "$VAULT_DIR/Done/email/$(date -u +%Y-%m)/DRAFT_E1.md" ]
	# only the named item: the other approval waits
	approve DRAFT_E2 >/dev/null
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E2.md" ]
	run vault-exec - <<<"NOPE_1"
	assert_failure 65
	[ -f "$VAULT_DIR/Approved/email/DRAFT_E2.md" ]
}
