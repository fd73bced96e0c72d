#!/usr/bin/env bats
# The approval card, for a phone (see ai-employee-dashboard(1)): what each
# card answers, urgent ones first; and EXEC_GRACE and Undo: vault-exec leaves an approval younger than
# EXEC_GRACE seconds in Approved/, and the dashboard's POST /undo takes it
# back to Pending_Approval/ within that grace, never after, and never so
# that a copy of the signed file could still run (see vault-exec(1),
# ai-employee-dashboard(1)).
# $code and $B are set by req() and read by the tests:
# shellcheck disable=SC2030,SC2031
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	rm -rf "$VAULT_DIR/Logs/Outbox" "$VAULT_DIR/.state/local/executed"
	grace 600
}

# grace N: the dashboard's EXEC_GRACE (its configuration file; each
# request is a new CGI process, so it reads it anew).
grace() {
	grep -v '^EXEC_GRACE=' "$AI_EMPLOYEE_CONFIG" >"$AI_EMPLOYEE_CONFIG.new" 2>/dev/null || true
	echo "EXEC_GRACE=$1" >>"$AI_EMPLOYEE_CONFIG.new"
	chmod 600 "$AI_EMPLOYEE_CONFIG.new"
	mv "$AI_EMPLOYEE_CONFIG.new" "$AI_EMPLOYEE_CONFIG"
}

post() {
	local path=$1
	shift
	req -H "Origin: $URL" -H 'Accept: application/json' "$@" "$URL$path"
}

approve_on_dash() {
	local d
	d=$(curl -s -b "$JAR" "$URL/item?id=DRAFT_EMAIL_1" |
	    grep -o 'name="digest" value="[0-9a-f]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$d"
	[ "$code" = 200 ]
}

A="Approved/email/DRAFT_EMAIL_1.md"
P="Pending_Approval/email/DRAFT_EMAIL_1.md"

@test "vault-exec leaves an approval younger than EXEC_GRACE in Approved/, then executes it" {
	approve -q DRAFT_EMAIL_1
	EXEC_GRACE=600 run --separate-stderr vault-exec
	[ "$status" -eq 75 ]
	[[ $stderr == *"DRAFT_EMAIL_1: approved at "*"within EXEC_GRACE=600s"*"waits in Approved/"* ]]
	[ -f "$VAULT_DIR/$A" ]
	! grep -q '^exec_' "$VAULT_DIR/$A" || false
	[ ! -e "$VAULT_DIR/Logs/Outbox" ]
	EXEC_GRACE=600 run --separate-stderr vault-exec --dry-run
	[ "$status" -eq 75 ]
	[[ $stderr == *"would wait: approved at"* ]]
	EXEC_GRACE=0 run --separate-stderr vault-exec
	assert_success
	[ -f "$VAULT_DIR/Logs/Outbox/DRAFT_EMAIL_1.eml" ]
}

@test "the default grace is 10 s; a bad EXEC_GRACE stops vault-exec with its name" {
	approve -q DRAFT_EMAIL_1
	unset EXEC_GRACE
	sed -i '/^EXEC_GRACE=/d' "$AI_EMPLOYEE_CONFIG"
	run --separate-stderr vault-exec
	[ "$status" -eq 75 ]
	[[ $stderr == *"within EXEC_GRACE=10s"* ]]
	EXEC_GRACE=soon run --separate-stderr vault-exec
	[ "$status" -eq 78 ]
	[[ $stderr == *EXEC_GRACE* ]]
	[ -f "$VAULT_DIR/$A" ]
}

@test "Undo within the grace: back in Pending_Approval, unsigned, with an undo audit line" {
	approve_on_dash
	post /undo --data "id=DRAFT_EMAIL_1&csrf=$CSRF"
	[ "$code" = 200 ]
	grep -q '"ok":true' "$B"
	grep -q 'approval undone' "$B"
	f="$VAULT_DIR/$P"
	[ -f "$f" ]
	[ ! -e "$VAULT_DIR/$A" ]
	grep -qx 'status: pending' "$f"
	! grep -q '^decision\|^decided_' "$f" || false
	grep -q '"event":"undo","id":"DRAFT_EMAIL_1"' "$VAULT_DIR"/Logs/*.jsonl
	grep -q ' undone DRAFT_EMAIL_1 ' "$VAULT_DIR/.state/local/executed"
	# nothing left to execute
	EXEC_GRACE=0 run --separate-stderr vault-exec
	[ "$status" -eq 1 ]
	[ ! -e "$VAULT_DIR/Logs/Outbox" ]
	# and it can be approved anew (a second later: decided_at, signed,
	# makes it another approval), executed
	sleep 1
	approve -q DRAFT_EMAIL_1
	EXEC_GRACE=0 run --separate-stderr vault-exec
	assert_success
	[ -f "$VAULT_DIR/Logs/Outbox/DRAFT_EMAIL_1.eml" ]
}

@test "a replayed copy of an undone approval never runs, even with a fresh record" {
	approve_on_dash
	cp "$VAULT_DIR/$A" "$BATS_TEST_TMPDIR/signed.md"
	post /undo --data "id=DRAFT_EMAIL_1&csrf=$CSRF"
	[ "$code" = 200 ]
	rm "$VAULT_DIR/$P"
	cp "$BATS_TEST_TMPDIR/signed.md" "$VAULT_DIR/$A"
	EXEC_GRACE=0 run --separate-stderr vault-exec
	[ "$status" -eq 77 ]
	[[ $stderr == *"already executed here (a replay)"* ]]
	[ ! -e "$VAULT_DIR/Logs/Outbox" ]
	# a rebuilt agent seeds its record from the undo audit line
	rm "$VAULT_DIR/.state/local/executed"
	rm -f "$VAULT_DIR"/Needs_Action/email/DRAFT_EMAIL_1.md
	cp "$BATS_TEST_TMPDIR/signed.md" "$VAULT_DIR/$A"
	EXEC_GRACE=0 run --separate-stderr vault-exec
	[ "$status" -eq 77 ]
	[ ! -e "$VAULT_DIR/Logs/Outbox" ]
}

@test "Undo after the grace is refused with 409 in words; the approval stands" {
	grace 1
	approve_on_dash
	sleep 2
	post /undo --data "id=DRAFT_EMAIL_1&csrf=$CSRF"
	[ "$code" = 409 ]
	grep -q 'too late to undo: its grace of 1 s (EXEC_GRACE) is over' "$B"
	[ -f "$VAULT_DIR/$A" ]
	grep -q '^decision_sig: ' "$VAULT_DIR/$A"
}

@test "Undo once executing began, or after it ran, is refused with 409" {
	approve_on_dash
	# vault-exec marks sending before anything goes out
	sed -i 's/^status: approved$/status: approved\nexec_status: sending/' "$VAULT_DIR/$A"
	post /undo --data "id=DRAFT_EMAIL_1&csrf=$CSRF"
	[ "$code" = 409 ]
	grep -q 'too late to undo: vault-exec has begun executing it' "$B"
	[ -f "$VAULT_DIR/$A" ]
	sed -i '/^exec_status: sending$/d' "$VAULT_DIR/$A"
	EXEC_GRACE=0 run --separate-stderr vault-exec
	assert_success
	post /undo --data "id=DRAFT_EMAIL_1&csrf=$CSRF"
	[ "$code" = 409 ]
	grep -q 'too late to undo: it is not waiting in Approved/' "$B"
}

@test "Undo checks session, CSRF token and Origin, and moves nothing without them" {
	approve_on_dash
	code=$(curl -s -o "$B" -w '%{http_code}' -H "Origin: $URL" \
	    --data "id=DRAFT_EMAIL_1&csrf=$CSRF" "$URL/undo")
	[ "$code" = 401 ]
	post /undo --data "id=DRAFT_EMAIL_1"
	[ "$code" = 403 ]
	post /undo --data "id=DRAFT_EMAIL_1&csrf=${CSRF%?}x"
	[ "$code" = 403 ]
	req -H "Origin: http://evil.example" --data "id=DRAFT_EMAIL_1&csrf=$CSRF" "$URL/undo"
	[ "$code" = 403 ]
	[ -f "$VAULT_DIR/$A" ]
	[ ! -e "$VAULT_DIR/$P" ]
}

# home: the home page in $B.
home() {
	req "$URL/"
	[ "$code" = 200 ]
}

# card ID: that card's HTML (one line) from $B.
card() {
	sed -n "s/.*\(<article class=\"card\" id=\"c-$1\".*\)/\1/p" "$B" |
	    sed 's#</article>.*#</article>#'
}

@test "a card reads 'Reply to Alice Example' with the customer's first lines above the reply" {
	home
	card DRAFT_EMAIL_1 >"$BATS_TEST_TMPDIR/c"
	grep -q 'Reply to Alice Example <span class="addr">alice@example.com</span> ·' "$BATS_TEST_TMPDIR/c"
	! grep -q 'From Alice' "$BATS_TEST_TMPDIR/c" || false
	grep -q '<blockquote class="asks">Hello,<br>where is my order 1234?<br>Alice</blockquote><p class="preview">' \
	    "$BATS_TEST_TMPDIR/c"
}

@test "the customer's lines are escaped, hidden characters marked, quoted lines left out" {
	f="$VAULT_DIR/Needs_Action/email/EMAIL_1.md"
	python3 - "$f" <<'PY'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
s = s.replace("Hello,\n", "> quoted old mail\n<script>alert(1)</script> \u202eevil\n", 1)
open(p, "w", encoding="utf-8").write(s)
PY
	home
	card DRAFT_EMAIL_1 >"$BATS_TEST_TMPDIR/c"
	grep -q '<blockquote class="asks">&lt;script&gt;alert(1)&lt;/script&gt; <span class="mk">⟦U+202E⟧</span>evil<br>where is my order 1234?<br>Alice</blockquote>' \
	    "$BATS_TEST_TMPDIR/c"
	! grep -q 'quoted old mail' "$BATS_TEST_TMPDIR/c" || false
	! grep -q '<script>alert' "$B" || false
}

@test "an urgent item carries a badge and comes first" {
	mkemail EMAIL_2
	sed -i 's/^priority: normal$/priority: high/' "$VAULT_DIR/Needs_Action/email/EMAIL_2.md"
	mkdraft DRAFT_EMAIL_2 EMAIL_2
	home
	[ "$(grep -o 'id="c-DRAFT_EMAIL_[12]"' "$B" | paste -sd, -)" = 'id="c-DRAFT_EMAIL_2",id="c-DRAFT_EMAIL_1"' ]
	card DRAFT_EMAIL_2 | grep -q '<strong class="urgent">Urgent</strong> Reply to Alice Example'
	! card DRAFT_EMAIL_1 | grep -q 'Urgent' || false
}
