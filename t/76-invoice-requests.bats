#!/usr/bin/env bats
# odoo-invoice --from and --requests on invoice_request items (the
# dashboard's /new): each claimed, drafted once in the fake Odoo of t/fake,
# settled into Done/ with drafted: <draft ID>; a bad one given back with
# its reason; a run cut short never drafts twice.
load helper
load fake/fake
load fake/odoo

setup() {
	fake_setup
	fake_odoo_env
	export VAULT_AGENT=cloud
}

teardown() {
	if [ -n "${RUN_PID:-}" ]; then kill -9 "$RUN_PID" 2>/dev/null || true; fi
}

# moves: how many customer invoices the fake Odoo holds.
moves() {
	if [ -f "$FAKE_ODOO_STATE" ]; then
		jq '[."account.move"[] | select(.move_type == "out_invoice")] | length' "$FAKE_ODOO_STATE"
	else echo 0; fi
}

has_moves() {
	[ "$(moves)" = "$1" ]
}

# request ID [EMAIL] [AMOUNT]: an invoice_request as the dashboard's /new
# files it (see vault(5)).
request() {
	mkdir -p "$VAULT_DIR/Needs_Action/finance"
	cat >"$VAULT_DIR/Needs_Action/finance/$1.md" <<-EOF
	---
	type: invoice_request
	id: $1
	created: 2026-12-05T10:00:00Z
	domain: finance
	status: new
	via: dashboard
	from: "Globex Billing <${2:-ap@globex.example}>"
	subject: "Support, November"
	---
	Amount: ${3:-1250.00 USD}
	For: Support, November
	EOF
}

# done_file ID: the request's file in Done/finance/<month>/.
done_file() {
	ls "$VAULT_DIR"/Done/finance/*/"$1.md"
}

@test "--from a request: claimed, drafted as DRAFT_<ID>, settled in Done with drafted:" {
	request invoice_request_20261205T100000Z_aa11
	run --separate-stderr odoo-invoice --from invoice_request_20261205T100000Z_aa11
	assert_success
	[ "$output" = Pending_Approval/finance/DRAFT_invoice_request_20261205T100000Z_aa11.md ]
	d="$VAULT_DIR/$output"
	grep -qx 'source: "\?invoice_request_20261205T100000Z_aa11"\?' "$d"
	grep -qx '| 1 | Support, November | 1 | 1250.00 | 1250.00 |' "$d"
	[ ! -e "$VAULT_DIR/Needs_Action/finance/invoice_request_20261205T100000Z_aa11.md" ]
	f=$(done_file invoice_request_20261205T100000Z_aa11)
	grep -qx 'drafted: "\?DRAFT_invoice_request_20261205T100000Z_aa11"\?' "$f"
	grep -qx 'status: done' "$f"
	run ! grep -q '^claimed_by:' "$f"
	[ -z "$(ls -A "$VAULT_DIR/In_Progress/cloud" 2>/dev/null)" ]
	[ "$(moves)" = 1 ]
	# the move names its request, so a run cut short finds it
	[ "$(jq -r '."account.move"[] | .invoice_origin' "$FAKE_ODOO_STATE")" = invoice_request_20261205T100000Z_aa11 ]
	# the claim and the settling are in the audit log
	grep -q '"event":"claim","id":"invoice_request_20261205T100000Z_aa11"' "$VAULT_DIR"/Logs/*.jsonl
	grep -q '"event":"done","id":"invoice_request_20261205T100000Z_aa11"' "$VAULT_DIR"/Logs/*.jsonl
	# exactly once: a second run is refused and drafts nothing
	run --separate-stderr odoo-invoice --from invoice_request_20261205T100000Z_aa11
	assert_failure 1
	[[ "$stderr" == *"not waiting to be drafted (it is Done/finance/"* ]]
	[ "$(moves)" = 1 ]
	[ "$(ls "$VAULT_DIR/Pending_Approval/finance" | wc -l)" = 1 ]
}

@test "a run stopped between the draft and the settling: the next one settles, never a second draft" {
	request R1
	# Done/finance cannot be made: the request stays claimed, as after a kill
	mkdir -p "$VAULT_DIR/Done"
	: >"$VAULT_DIR/Done/finance"
	run --separate-stderr odoo-invoice --from R1
	assert_failure
	[ -f "$VAULT_DIR/Pending_Approval/finance/DRAFT_R1.md" ]
	[ -f "$VAULT_DIR/In_Progress/cloud/R1.md" ]
	rm "$VAULT_DIR/Done/finance"
	run --separate-stderr odoo-invoice -v --requests
	assert_success
	[[ "$stderr" == *"R1: drafted before: Pending_Approval/finance/DRAFT_R1.md"* ]]
	[ -z "$output" ]
	grep -qx 'drafted: "\?DRAFT_R1"\?' "$(done_file R1)"
	[ "$(moves)" = 1 ]
	[ "$(ls "$VAULT_DIR/Pending_Approval/finance")" = DRAFT_R1.md ]
}

@test "a run killed after Odoo created the move, before the draft was filed: the next run files that move" {
	request R2
	# Odoo answers the read-back slowly: the run is killed while it waits
	fake_reply '{"match":"\"read\"","delay":30,"pass":true}'
	ODOO_TIMEOUT=60 odoo-invoice --from R2 >/dev/null 2>&1 &
	RUN_PID=$!
	wait_for -t 10 has_moves 1
	kill -9 "$RUN_PID"
	wait "$RUN_PID" 2>/dev/null || true
	RUN_PID=
	[ -f "$VAULT_DIR/In_Progress/cloud/R2.md" ]
	[ ! -e "$VAULT_DIR/Pending_Approval/finance/DRAFT_R2.md" ]
	: >"$FAKE_SCRIPT"
	run --separate-stderr odoo-invoice --requests
	assert_success
	[ "$output" = Pending_Approval/finance/DRAFT_R2.md ]
	[ "$(moves)" = 1 ]
	id=$(jq -r '."account.move" | keys[0]' "$FAKE_ODOO_STATE")
	grep -qx "odoo_id: \"\\?$id\"\\?" "$VAULT_DIR/$output"
	grep -qx 'drafted: "\?DRAFT_R2"\?' "$(done_file R2)"
}

@test "--requests: each request drafted and settled; a bad one given back with its reason, the rest go on" {
	request R3
	request R4 nobody@nowhere.example
	request R5 ap@globex.example '500 USD or 700 USD'
	request R6 ap@globex.example '80.00 EUR'
	# odoo-invoice's own request for the owner (candidates) is not the batch's
	mkdir -p "$VAULT_DIR/Needs_Action/finance"
	printf -- '---\ntype: invoice_request\nid: OWN1\ndomain: finance\nstatus: new\ncandidates: none\n---\nx\n' \
	    >"$VAULT_DIR/Needs_Action/finance/OWN1.md"
	run --separate-stderr odoo-invoice --requests
	assert_failure 65
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf 'Pending_Approval/finance/DRAFT_%s.md\n' R3 R6)" ]
	[ "$(moves)" = 2 ]
	done_file R3 && done_file R6
	# given back to Needs_Action with the reason, for the owner
	f="$VAULT_DIR/Needs_Action/finance/R4.md"
	grep -q '^invoice_error: .*nobody@nowhere.example.* is not a partner in Odoo' "$f"
	grep -qx 'status: new' "$f"
	run ! grep -q '^claimed_by:' "$f"
	grep -q '^invoice_error: .*several amounts' "$VAULT_DIR/Needs_Action/finance/R5.md"
	[[ "$stderr" == *"R4: Globex Billing <nobody@nowhere.example> is not a partner in Odoo"* ]]
	[[ "$stderr" == *"R5: it states several amounts"* ]]
	[ -f "$VAULT_DIR/Needs_Action/finance/OWN1.md" ]
	run ! grep -q claimed "$VAULT_DIR/Needs_Action/finance/OWN1.md"
	# the next run leaves them to the owner: none waits
	run --separate-stderr odoo-invoice --requests
	assert_failure 1
	[ -z "$output" ]
	[ "$(moves)" = 2 ]
	# the owner fixes one and asks again by hand: drafted, the reason gone
	sed -i 's/500 USD or 700 USD/500.00 USD/' "$VAULT_DIR/Needs_Action/finance/R5.md"
	run --separate-stderr odoo-invoice --from R5
	assert_success
	run ! grep -q invoice_error "$(done_file R5)"
}

@test "--requests: Odoo down gives every claim back with no reason written, and stops" {
	request R7
	request R8
	ODOO_URL="http://127.0.0.1:$(free_port)" run --separate-stderr odoo-invoice --requests
	assert_failure 69
	for r in R7 R8; do
		f="$VAULT_DIR/Needs_Action/finance/$r.md"
		[ -f "$f" ]
		run ! grep -q 'invoice_error\|claimed_by' "$f"
	done
	[ -z "$(ls -A "$VAULT_DIR/In_Progress/cloud" 2>/dev/null)" ]
	# up again: both drafted
	run --separate-stderr odoo-invoice --requests
	assert_success
	[ "${#lines[@]}" = 2 ]
}

@test "--requests: none waiting, or no ODOO_URL, is 1; --requests with --from is usage" {
	run --separate-stderr odoo-invoice --requests
	assert_failure 1
	request R9
	ODOO_URL='' run --separate-stderr odoo-invoice --requests
	assert_failure 1
	[[ "$stderr" == *"ODOO_URL is not set: no Odoo, nothing to draft"* ]]
	[ -f "$VAULT_DIR/Needs_Action/finance/R9.md" ]
	run --separate-stderr odoo-invoice --requests --from R9
	assert_failure 2
}

@test "--from a mail twice: the second run finds INVOICE_<ID> and drafts nothing" {
	mkemail E1
	sed -i 's/where is my order 1234?/please invoice 300 USD for the audit/' \
	    "$VAULT_DIR/Needs_Action/email/E1.md"
	sed -i 's/^from: .*/from: "Globex Billing <ap@globex.example>"/' "$VAULT_DIR/Needs_Action/email/E1.md"
	run --separate-stderr odoo-invoice --from E1
	assert_success
	[ "$output" = Pending_Approval/finance/INVOICE_E1.md ]
	# a mail is not settled here: it may still want a reply
	[ -f "$VAULT_DIR/Needs_Action/email/E1.md" ]
	run --separate-stderr odoo-invoice --from E1
	assert_failure 1
	[[ "$stderr" == *"E1: already drafted: Pending_Approval/finance/INVOICE_E1.md"* ]]
	[ "$(moves)" = 1 ]
}
