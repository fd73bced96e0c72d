#!/usr/bin/env bats
# odoo-invoice, the post_invoice action (vault-exec) and odoo-post against
# the fake Odoo of t/fake (partners and invoices held in its state file),
# over JSON-RPC and JSON-2.
load helper
load fake/fake

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	fake_odoo_start FAKE_ODOO_KEY=cloudkey0123456789 \
	    FAKE_ODOO_POST_KEY=postkey0123456789
}

teardown_file() {
	fake_stop
}

setup() {
	fake_setup
	fake_odoo_env
	unset ODOO_POST_API_KEY
	export ODOO_POST_USER=poster@acme.example ODOO_POST_PASSWORD=p0st
}

teardown() {
	if [ -n "${EXEC_PID:-}" ]; then kill -9 "$EXEC_PID" 2>/dev/null || true; fi
}

json2() {
	export ODOO_API_MODE=json2 ODOO_API_KEY=$FAKE_ODOO_KEY \
	    ODOO_POST_API_KEY=$FAKE_ODOO_POST_KEY
}

# odoo JQ: the fake Odoo's state through a jq filter.
odoo() {
	if [ -f "$FAKE_ODOO_STATE" ]; then jq -r "$1" "$FAKE_ODOO_STATE"
	else echo '{"account.move":{}}' | jq -r "$1"; fi
}

# draft [LINE]: odoo-invoice on one line; INV is the item's ID, F its file.
draft() {
	run --separate-stderr odoo-invoice <<<"${1:-Acme Corp <billing@acme.example> 5000 \"Consulting, November\"}"
	assert_success
	[[ "$output" =~ ^Pending_Approval/finance/(INVOICE_[0-9T]+Z_[0-9a-f]+)\.md$ ]]
	INV=${BASH_REMATCH[1]}
	F="$VAULT_DIR/$output"
}

# odoo_rpc UID PASSWORD MODEL METHOD ARGS: execute_kw on the fake Odoo
# as that user (2 drafts, 6 posts); prints the result.
odoo_rpc() {
	curl -s "$FAKE_URL/jsonrpc" -H 'Content-Type: application/json' -d \
	    "{\"jsonrpc\":\"2.0\",\"method\":\"call\",\"id\":1,\"params\":{\"service\":\"object\",\"method\":\"execute_kw\",\"args\":[\"acme\",$1,\"$2\",\"$3\",\"$4\",$5]}}" |
	    jq -c 'if has("error") then (.error.data.message | halt_error) else .result end'
}

# cloud_write MODEL IDS VALS: a write as the cloud's Odoo user.
cloud_write() {
	[ "$(odoo_rpc 2 s3cret "$1" write "[$2,$3]")" = true ]
}

posts() {
	fake_count '(.body | test("action_post"))'
}

# state_is ID STATE: the fake's account.move ID is in STATE (for wait_for).
state_is() {
	[ "$(odoo ".\"account.move\"[\"$1\"].state")" = "$2" ]
}

posting() {
	[ "$(posts)" -ge 1 ]
}

# ---- odoo-invoice ------------------------------------------------------------

@test "partner found by email: a draft invoice in Odoo, filed with its lines as a table" {
	run --separate-stderr odoo-invoice <<-'EOF'
	Acme Corp <billing@acme.example> 5000 "Consulting, November"
	# a comment
	Acme <BILLING@acme.example> 250.50 "Travel | costs"
	EOF
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(fake_problems)" ]
	f="$VAULT_DIR/${lines[0]}"
	grep -qx 'type: invoice_draft' "$f"
	grep -qx 'action: post_invoice' "$f"
	grep -qx 'odoo_id: "41"' "$f"
	grep -qx 'partner: Acme Corp (id 7)' "$f"
	grep -qx 'currency: USD' "$f"
	grep -qx 'amount_total: "5250.50"' "$f"
	grep -Eq '^expires: 20' "$f"
	grep -qx '| 1 | Consulting, November | 1 | 5000.00 | 5000.00 |' "$f"
	grep -qx '| 2 | Travel \\| costs | 1 | 250.50 | 250.50 |' "$f"
	grep -qx '| | \*\*Total\*\* | | | \*\*5250.50 USD\*\* |' "$f"
	# the partner's 30-day terms set the due date, in Odoo
	grep -qx "invoice_date_due: \"$(date -u -d '+30 days' +%F)\"" "$f"
	[ "$(odoo '."account.move"["41"].state')" = draft ]
	[ "$(odoo '."account.move"["41"].amount_total')" = 5250.5 ]
	[ "$(odoo '[."account.move.line"[] | select(.move_id == 41)] | length')" = 2 ]
	[ "$(posts)" -eq 0 ]
	# create's values positional, [[{...}]], as the external API documents
	jq -s -e '[.[] | select(.body | test("\"create\""))][0].parsed.params.args |
	    .[6] == {} and (.[5][0][0] | .move_type == "out_invoice" and .partner_id == 7 and
	    (has("invoice_date_due") | not))' "$FAKE_LOG"
}

@test "partner found by name when the email is not known; the due date from INVOICE_DUE_DAYS" {
	export INVOICE_DUE_DAYS=14
	draft 'Globex <someone.new@globex.example> 100 Hosting'
	grep -qx 'partner: Globex (id 8)' "$F"
	grep -qx "invoice_date_due: \"$(date -u -d '+14 days' +%F)\"" "$F"
}

@test "% and _ in an email or name are not wildcards: no partner found by them" {
	run --separate-stderr odoo-invoice <<-'EOF'
	Someone <b_lling@acme.example> 10 "x"
	% <%@acme.example> 10 "y"
	EOF
	assert_failure 1
	[ "${#lines[@]}" -eq 2 ]
	grep -q 'is not a partner in Odoo' "$VAULT_DIR/${lines[0]}"
	grep -q 'is not a partner in Odoo' "$VAULT_DIR/${lines[1]}"
	jq -s -e '[.[] | .parsed.params.args[6].domain? // empty | .[0][2]] | index("b\\_lling@acme.example") != null' "$FAKE_LOG"
}

@test "ambiguous partner (one email, two partners): the owner is asked, nothing created" {
	run --separate-stderr odoo-invoice <<<'Hooli <ap@hooli.example> 900 "Audit"'
	assert_failure 1
	[[ "$output" =~ ^Needs_Action/finance/INVOICE_.*\.md$ ]]
	f="$VAULT_DIR/$output"
	grep -qx 'type: invoice_request' "$f"
	grep -q 'Hooli <ap@hooli.example> (id 11); Hooli Europe <ap@hooli.example> (id 12)' "$f"
	grep -q '900.00 Audit' "$f"
	[[ "$stderr" == *"several partners match"* ]]
	[ "$(odoo '."account.move" | length')" = 0 ]
	[ -z "$(ls "$VAULT_DIR/Pending_Approval/finance" 2>/dev/null)" ]
}

@test "ambiguous by name, and a missing partner: each to the owner, nothing created" {
	run --separate-stderr odoo-invoice <<-'EOF'
	Initech <new@initech.example> 10 "x"
	Nobody Ltd <nobody@nowhere.example> 20 "y"
	EOF
	assert_failure 1
	[ "${#lines[@]}" -eq 2 ]
	grep -q 'Initech <info@initech.example> (id 9); Initech <billing@initech.example> (id 10)' "$VAULT_DIR/${lines[0]}"
	grep -q 'is not a partner in Odoo' "$VAULT_DIR/${lines[1]}"
	grep -qx 'candidates: none' "$VAULT_DIR/${lines[1]}"
	[ "$(odoo '."account.move" | length')" = 0 ]
}

@test "a line that is not Name <email> AMOUNT text is refused (65) and the rest still drafted" {
	run --separate-stderr odoo-invoice <<-'EOF'
	Acme Corp <billing@acme.example> five "Consulting"
	Globex <ap@globex.example> 100 Hosting
	EOF
	assert_failure 65
	[[ "$stderr" == *'line 1: "five" is not an amount'* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(odoo '."account.move" | length')" = 1 ]
}

@test "--from: an email asking for an invoice with one amount stated is drafted" {
	mkdir -p "$VAULT_DIR/Needs_Action/email"
	cat >"$VAULT_DIR/Needs_Action/email/E1.md" <<-'EOF'
	---
	type: email
	id: E1
	created: 2026-12-01T10:00:00Z
	domain: email
	status: new
	from: "Globex Billing <ap@globex.example>"
	subject: Please invoice us
	---
	Hello, please send the invoice for $1,250.00 for last month.
	For: Support, November

	Thanks
	EOF
	run --separate-stderr odoo-invoice --from E1
	assert_success
	f="$VAULT_DIR/$output"
	grep -qx "source: \"E1\"" "$f"
	grep -qx '| 1 | Support, November | 1 | 1250.00 | 1250.00 |' "$f"
}

@test "--from: an item with two different amounts is refused, nothing created" {
	mkemail E2
	sed -i 's/where is my order 1234?/please invoice 500 USD, or was it 700 USD?/' \
	    "$VAULT_DIR/Needs_Action/email/E2.md"
	run --separate-stderr odoo-invoice --from E2
	assert_failure 65
	[[ "$stderr" == *"E2: it states several amounts; give the lines on stdin instead"* ]]
	[ "$(fake_count)" -eq 0 ]
}

@test "odoo-invoice: Odoo down exits 69, access denied on create exits 77" {
	ODOO_URL="http://127.0.0.1:$(free_port)" run --separate-stderr odoo-invoice <<<'Globex <ap@globex.example> 1 x'
	assert_failure 69
	fake_reply '{"match":"\"create\"","rpc_error":{"code":200,"message":"Odoo Server Error","data":{"name":"odoo.exceptions.AccessError","message":"You are not allowed to create '"'"'Journal Entry'"'"' (account.move) records.\n\nThis operation is allowed for the following groups:\n\t- Accounting/Billing","debug":"Traceback (most recent call last): secret stuff"}}}'
	run --separate-stderr odoo-invoice <<<'Globex <ap@globex.example> 1 x'
	assert_failure 77
	[[ "$stderr" == *"account.move.create: You are not allowed to create 'Journal Entry' (account.move) records. This operation is allowed for the following groups: - Accounting/Billing (AccessError)"* ]]
	[[ "$stderr" != *Traceback* ]]
	[ -z "$(ls "$VAULT_DIR/Pending_Approval/finance" 2>/dev/null)" ]
}

# ---- post_invoice ------------------------------------------------------------

@test "approve + vault-exec posts it (JSON-RPC) as the posting user; odoo_name recorded" {
	draft
	approve "$INV" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	d="$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$INV.md"
	assert_output "Done/finance/$(date -u +%Y-%m)/$INV.md"
	grep -qx "odoo_name: INV/$(date +%Y)/00001" "$d"
	grep -qx 'exec_status: sent' "$d"
	grep -q '^exec_result: odoo posted INV/' "$d"
	[ "$(odoo '."account.move"["41"].state')" = posted ]
	[ "$(odoo '."account.move"["41"].posted_by')" = 6 ]
	[ "$(posts)" -eq 1 ]
	# it read the move back before posting it
	jq -s -e '[.[] | .parsed.params.args[4]? // empty] | index("read") < index("action_post")' "$FAKE_LOG"
}

@test "approve + vault-exec posts it over JSON-2 with the posting user's API key" {
	json2
	draft
	jq -s -e '[.[] | select(.path == "/json/2/account.move/create")][0].auth == "bearer cloudkey0123456789"' "$FAKE_LOG"
	approve "$INV" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	grep -qx "odoo_name: INV/$(date +%Y)/00001" "$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$INV.md"
	[ "$(odoo '."account.move"["41"].posted_by')" = 6 ]
	jq -s -e '[.[] | select(.path == "/json/2/account.move/action_post")] |
	    length == 1 and .[0].auth == "bearer postkey0123456789" and .[0].parsed.ids == [41]' "$FAKE_LOG"
}

# sends: the Send button's requests (the move's and its wizard's).
sends() {
	fake_count '(.body | test("action_send_and_print"))'
}

@test "INVOICE_SEND=yes: posted, then mailed by Odoo's Send wizard (Odoo 17: account.move.send)" {
	export INVOICE_SEND=yes
	draft
	approve "$INV" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	d="$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$INV.md"
	y=$(date +%Y)
	grep -qx "odoo_name: INV/$y/00001" "$d"
	grep -qx 'odoo_sent: billing@acme.example' "$d"
	grep -q "^exec_result: odoo posted INV/$y/00001 .*; sent to billing@acme.example" "$d"
	# Odoo queued its template's mail with the PDF and marked the invoice sent
	[ "$(odoo '."mail.mail" | length')" = 1 ]
	odoo '."mail.mail"["1"] | "\(.email_to) \(.attachment) \(.res_id) \(.template) \(.create_uid)"' |
	    grep -qx "billing@acme.example INV_${y}_00001.pdf 41 9 6"
	[ "$(odoo '."account.move"["41"].is_move_sent')" = true ]
	# as the button does: the action's wizard, created with its context, pressed
	jq -s -e '[.[] | .parsed.params.args | select(. != null and length > 4) | .[3] + "." + .[4]] |
	    index("account.move.action_post") < index("account.move.action_send_and_print") and
	    index("account.move.action_send_and_print") < index("account.move.send.create") and
	    index("account.move.send.create") < index("account.move.send.action_send_and_print")' "$FAKE_LOG"
	jq -s -e '[.[] | .parsed.params.args | select(. != null and length > 4 and .[3] == "account.move.send" and .[4] == "create")][0] |
	    .[5][0] == [{"checkbox_send_mail": true, "checkbox_download": false}] and
	    .[6].context == {"active_ids": [41], "default_mail_template_id": 9}' "$FAKE_LOG"
	[ "$(posts)" -eq 1 ]
}

@test "INVOICE_SEND=yes over JSON-2 (Odoo 19): account.move.send.wizard with the email method" {
	json2
	export INVOICE_SEND=yes
	draft
	approve "$INV" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	grep -qx 'odoo_sent: billing@acme.example' "$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$INV.md"
	jq -s -e '[.[] | select(.path == "/json/2/account.move.send.wizard/create")] | length == 1 and
	    .[0].auth == "bearer postkey0123456789" and
	    .[0].parsed.vals_list == [{"move_id": 41, "sending_methods": ["email"]}] and
	    .[0].parsed.context == {"active_model": "account.move", "active_ids": [41]}' "$FAKE_LOG"
	[ "$(odoo '."mail.mail"["1"].email_to')" = billing@acme.example ]
	[ "$(odoo '."account.move"["41"].is_move_sent')" = true ]
}

@test "INVOICE_SEND=yes, a partner without email: posted once, not sent, said in the item; never posted again" {
	export INVOICE_SEND=yes
	draft
	approve "$INV" >/dev/null
	odoo_rpc 2 s3cret res.partner write '[[7],{"email":false}]' >/dev/null
	run --separate-stderr vault-exec
	assert_success
	d="$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$INV.md"
	grep -qx "odoo_name: INV/$(date +%Y)/00001" "$d"
	grep -q '^odoo_sent: "*failed: res.partner 7 has no email address in Odoo' "$d"
	grep -Eq '^exec_result: "?odoo posted INV/.*; not sent \(failed: res.partner 7 has no email' "$d"
	[ "$(odoo '."mail.mail" | length')" = 0 ]
	[ "$(odoo '."account.move"["41"].is_move_sent')" = false ]
	run --separate-stderr vault-exec
	assert_failure 1
	# a mistyped INVOICE_SEND stops before anything is posted
	draft 'Globex <ap@globex.example> 100 Hosting'
	approve "$INV" >/dev/null
	INVOICE_SEND=maybe run --separate-stderr odoo-post "$INV"
	assert_failure 78
	[[ "$stderr" == *'INVOICE_SEND is "maybe": yes or no'* ]]
	[ "$(odoo '."account.move"["42"].state')" = draft ]
	INV=$(grep -l 'odoo_id: "41"' "$VAULT_DIR"/Done/finance/*/*.md | xargs basename -s .md)
	run --separate-stderr odoo-post "$INV"
	assert_failure 1
	[ "$(posts)" -eq 1 ]
	[ "$(sends)" -eq 0 ]
}

@test "the fake's Send button refuses a draft, as Odoo does; without INVOICE_SEND nothing is sent" {
	draft
	run odoo_rpc 6 p0st account.move action_send_and_print '[[41]]'
	[[ "$output" == *"You can't Send & Print invoice(s) in draft state."* ]]
	approve "$INV" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	run ! grep -q '^odoo_sent:' "$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$INV.md"
	[ "$(sends)" -eq 1 ]
	[ "$(odoo '."mail.mail" | length')" = 0 ]
}

@test "--cancel-rejected: a draft the owner rejected is cancelled in Odoo once; a posted one is left alone" {
	draft
	rej=$INV
	approve --reject -r "wrong client" "$rej" >/dev/null
	draft 'Globex <ap@globex.example> 100 Hosting'
	posted_one=$INV
	approve --reject "$posted_one" >/dev/null
	# someone posted that one in Odoo after all: Odoo 17's button_cancel
	# would reset it and cancel it, so it must not be called on it
	odoo_rpc 6 p0st account.move action_post '[[42]]' >/dev/null
	draft 'Initech <billing@initech.example> 50 Support'
	run --separate-stderr odoo-invoice --cancel-rejected
	assert_success
	assert_output --regexp "^Rejected/finance/$rej\.[0-9TZ]+\.md	cancelled account.move 41$"
	[[ "$stderr" == *"Rejected/finance/$posted_one."*".md: account.move 42 is posted INV/"*"not a draft: left as it is"* ]]
	[ "$(odoo '."account.move"["41"].state')" = cancel ]
	[ "$(odoo '."account.move"["42"].state')" = posted ]
	[ "$(odoo '."account.move"["43"].state')" = draft ]
	grep -qx 'odoo_state: cancel' "$VAULT_DIR/Rejected/finance/$rej".*.md
	grep -qx 'odoo_state: posted' "$VAULT_DIR/Rejected/finance/$posted_one".*.md
	jq -s -e '[.[] | .parsed.params.args | select(. != null and length > 4 and .[4] == "button_cancel")] |
	    length == 1 and .[0][5] == [[41]] and .[0][1] == 2' "$FAKE_LOG"
	# settled: a second run has nothing to do and asks Odoo nothing of them
	run --separate-stderr odoo-invoice --cancel-rejected
	assert_failure 1
	[ "$(fake_count '(.body | test("button_cancel"))')" -eq 1 ]
	# JSON-2, the cloud's key
	json2
	draft 'Globex <ap@globex.example> 70 Hosting'
	approve --reject "$INV" >/dev/null
	run --separate-stderr odoo-invoice -j --cancel-rejected
	assert_success
	echo "$output" | jq -e --arg id "$INV" '.id == $id and .event == "invoice_cancel" and .odoo_id == 44'
	jq -s -e '[.[] | select(.path == "/json/2/account.move/button_cancel")] | length == 1 and
	    .[0].auth == "bearer cloudkey0123456789" and .[0].parsed.ids == [44]' "$FAKE_LOG"
	# no Odoo here: nothing to do, for the scheduled job
	unset ODOO_URL
	run --separate-stderr odoo-invoice --cancel-rejected
	assert_failure 1
	run --separate-stderr odoo-invoice --cancel-rejected --from X
	assert_failure 2
}

@test "a line changed in Odoo after approval: refused (65), not posted, the owner told" {
	draft
	approve "$INV" >/dev/null
	cloud_write account.move.line '[101]' '{"price_unit": 9000}'
	run --separate-stderr vault-exec
	assert_failure 65
	f="$VAULT_DIR/Needs_Action/finance/$INV.md"
	grep -q '^exec_error: .*the invoice in Odoo changed since it was approved: amount_total is 9000.00 in Odoo, 5000.00 approved' "$f"
	[ -f "$VAULT_DIR/Updates/EXEC_$INV.md" ]
	[ "$(odoo '."account.move"["41"].state')" = draft ]
	[ "$(posts)" -eq 0 ]
}

@test "a text or partner changed in Odoo after approval is refused too" {
	draft
	approve "$INV" >/dev/null
	cloud_write account.move.line '[101]' '{"name": "Consulting, December"}'
	run --separate-stderr vault-exec
	assert_failure 65
	grep -q 'its lines or dates differ from the approved table' "$VAULT_DIR/Needs_Action/finance/$INV.md"
	draft 'Globex <ap@globex.example> 100 Hosting'
	approve "$INV" >/dev/null
	cloud_write account.move '[42]' '{"partner_id": 9}'
	run --separate-stderr vault-exec
	assert_failure 65
	grep -q 'partner is Initech (id 9) in Odoo, Globex (id 8) approved' "$VAULT_DIR/Needs_Action/finance/$INV.md"
	[ "$(posts)" -eq 0 ]
}

@test "access denied to the poster: 77, to the owner, not posted" {
	draft
	approve "$INV" >/dev/null
	unset ODOO_POST_USER ODOO_POST_PASSWORD   # the drafting user may not post
	run --separate-stderr vault-exec
	assert_failure 77
	f="$VAULT_DIR/Needs_Action/finance/$INV.md"
	grep -q '^exec_error: .*account.move.action_post: You are not allowed to modify .*(AccessError)' "$f"
	[ "$(odoo '."account.move"["41"].state')" = draft ]
}

@test "a post killed while Odoo works on it is never posted twice" {
	draft
	approve "$INV" >/dev/null
	fake_reply '{"match":"action_post","delay":2,"pass":true}'
	vault-exec 2>/dev/null & EXEC_PID=$!
	wait_for -t 10 posting
	kill -9 "$EXEC_PID"
	wait "$EXEC_PID" 2>/dev/null || true
	EXEC_PID=
	wait_for -t 10 state_is 41 posted
	grep -qx 'exec_status: sending' "$VAULT_DIR/In_Progress/local/$INV.md"
	run --separate-stderr vault-exec
	f="$VAULT_DIR/Needs_Action/finance/$INV.md"
	grep -qx 'exec_status: unknown' "$f"
	grep -q '^exec_error: .*a run died while posting; the invoice may or may not be posted, so it is not posted again' "$f"
	grep -q 'the invoice in Odoo' "$VAULT_DIR/Updates/EXEC_$INV.md"
	[ "$(posts)" -eq 1 ]
	# moved back and approved again, the same approval is a replay
	mv "$f" "$VAULT_DIR/Approved/finance/"
	run --separate-stderr odoo-post "$INV"
	assert_failure 1
	[[ "$stderr" == *"its approval was already executed; not posted again"* ]]
	[ "$(posts)" -eq 1 ]
}

@test "a post whose answer times out may have posted: to the owner as unknown, never tried again" {
	draft
	approve "$INV" >/dev/null
	fake_reply '{"match":"action_post","delay":3,"pass":true}'
	ODOO_TIMEOUT=1 run --separate-stderr vault-exec
	assert_failure 75
	f="$VAULT_DIR/Needs_Action/finance/$INV.md"
	grep -qx 'exec_status: unknown' "$f"
	grep -q 'Odoo gave no answer after the invoice was posted' "$VAULT_DIR/Updates/EXEC_$INV.md"
	wait_for -t 10 state_is 41 posted
	run --separate-stderr vault-exec
	[ "$(posts)" -eq 1 ]
}

@test "an approval signed with another key (the cloud's, forged) is refused, nothing posted" {
	draft
	HOME="$BATS_TEST_TMPDIR/cloudhome" vault-init -q "$BATS_TEST_TMPDIR/cloudvault" >/dev/null
	APPROVAL_KEY_FILE="$BATS_TEST_TMPDIR/cloudhome/.config/ai-employee/approval.key" \
	    approve "$INV" >/dev/null
	n=$(fake_count)
	run --separate-stderr odoo-post "$INV"
	assert_failure 77
	[[ "$stderr" == *"decision_sig does not verify"* ]]
	# refused by hand before anything is touched: vault-exec tells the owner
	[ -f "$VAULT_DIR/Approved/finance/$INV.md" ]
	[ "$(fake_count)" -eq "$n" ]     # Odoo not even asked
}

@test "an approval whose signed total was edited is refused; odoo-post refuses agent cloud" {
	draft
	approve "$INV" >/dev/null
	sed -i 's/^amount_total: "5000.00"/amount_total: "50.00"/' "$VAULT_DIR/Approved/finance/$INV.md"
	run --separate-stderr odoo-post -a cloud "$INV"
	assert_failure 77
	run --separate-stderr odoo-post "$INV"
	assert_failure 77
	[ "$(posts)" -eq 0 ]
}

@test "Odoo down: 69, back in Approved; posted once it is up again (odoo-post)" {
	draft
	approve "$INV" >/dev/null
	ODOO_URL="http://127.0.0.1:$(free_port)" run --separate-stderr vault-exec
	assert_failure 69
	f="$VAULT_DIR/Approved/finance/$INV.md"
	grep -q '^exec_error: .*login' "$f"
	run --separate-stderr odoo-post "$INV"
	assert_success
	[[ "$output" == "Done/finance/"*"odoo posted INV/"* ]]
	[ "$(posts)" -eq 1 ]
}

@test "odoo-post refuses what is not an approved post_invoice item" {
	draft
	run --separate-stderr odoo-post "$INV"
	assert_failure 1
	[[ "$stderr" == *"not in Approved/ (it is Pending_Approval/finance/"* ]]
	mkemail E1
	mkdraft DRAFT_E1 E1
	approve DRAFT_E1 >/dev/null
	run --separate-stderr odoo-post DRAFT_E1
	assert_failure 65
	[[ "$stderr" == *"not an Odoo action (its action is send_email)"* ]]
}

# ---- odoo-report -------------------------------------------------------------

# posted PARTNER DATE DUE AMOUNT: a posted customer invoice made in Odoo.
posted() {
	local id
	id=$(odoo_rpc 2 s3cret account.move create "[[{\"move_type\":\"out_invoice\",\"partner_id\":$1,\"invoice_date\":\"$2\",\"invoice_date_due\":\"$3\",\"invoice_line_ids\":[[0,0,{\"name\":\"Work\",\"quantity\":1,\"price_unit\":$4}]]}]]" | jq '.[0]')
	odoo_rpc 6 p0st account.move action_post "[[$id]]" >/dev/null
}

@test "odoo-report: revenue this week and month, unpaid and overdue with days late (both APIs)" {
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 5000
	posted 8 "$(date -d '-40 days' +%F)" "$(date -d '-10 days' +%F)" 100
	draft 'Globex <ap@globex.example> 777 "a draft: no revenue"'
	run --separate-stderr odoo-report -j
	assert_success
	echo "$output" | jq -e --arg today "$(date +%F)" '.today == $today and
	    .revenue.week == {"USD": 5000} and .revenue.month == {"USD": 5000} and
	    .owed == {"USD": 5100} and .overdue_count == 1 and .overdue == {"USD": 100} and
	    (.unpaid | length == 2) and
	    (.unpaid | map(select(.overdue)) | .[0].days_late == 10 and .[0].partner == "Globex")'
	run --separate-stderr odoo-report
	assert_success
	assert_line --index 0 "revenue week 5000.00 USD (since $(date -d "-$(( ($(date +%u) - 1) )) days" +%F))"
	assert_line --index 1 "revenue month 5000.00 USD (since $(date +%Y-%m-01))"
	assert_line --index 2 "owed 5100.00 USD"
	assert_line "overdue INV/$(date -d '-40 days' +%Y)/00001 Globex 100.00 USD due $(date -d '-10 days' +%F) 10 days late" ||
	    assert_line "overdue INV/$(date -d '-40 days' +%Y)/00002 Globex 100.00 USD due $(date -d '-10 days' +%F) 10 days late"
	json2
	run --separate-stderr odoo-report -j
	assert_success
	echo "$output" | jq -e '.overdue_count == 1 and .revenue.month == {"USD": 5000}'
}

# refund PARTNER DATE AMOUNT: a posted credit note (out_refund), not yet
# set against an invoice.
refund() {
	local id
	id=$(odoo_rpc 2 s3cret account.move create "[[{\"move_type\":\"out_refund\",\"partner_id\":$1,\"invoice_date\":\"$2\",\"invoice_line_ids\":[[0,0,{\"name\":\"Refund\",\"quantity\":1,\"price_unit\":$3}]]}]]" | jq '.[0]')
	odoo_rpc 6 p0st account.move action_post "[[$id]]" >/dev/null
}

@test "odoo-report: posted credit notes come off revenue and owed, not off the unpaid list (both APIs)" {
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 5000
	posted 7 "$(date -d '-40 days' +%F)" "$(date -d '-10 days' +%F)" 100
	refund 8 "$(date +%F)" 300
	# 40 days ago is never this month: off owed, not off its revenue
	refund 7 "$(date -d '-40 days' +%F)" 20
	odoo '[."account.move"[] | select(.move_type == "out_refund") | .name | test("^RINV/[0-9]{4}/0000[12]$")] == [true, true]' | grep -qx true
	for mode in rpc json2; do
		[ $mode = json2 ] && json2
		run --separate-stderr odoo-report -j
		assert_success
		echo "$output" | jq -e '
		    .revenue.week == {"USD": 4700} and .revenue.month == {"USD": 4700} and
		    .owed == {"USD": 4780} and .credit == {"USD": 320} and
		    .overdue == {"USD": 100} and .overdue_count == 1 and
		    (.unpaid | length == 2 and all(.name | startswith("INV/")))'
	done
	run --separate-stderr odoo-report
	assert_success
	assert_line --index 0 --partial "revenue week 4700.00 USD"
	assert_line --index 2 "owed 4780.00 USD"
	assert_line --index 3 "credit 320.00 USD (credit notes not yet applied, taken off owed)"
	[ "${#lines[@]}" -eq 6 ]
}

@test "odoo-report: nothing posted reports zeros; Odoo down exits 69" {
	run --separate-stderr odoo-report
	assert_success
	assert_line --index 0 --regexp '^revenue week 0\.00 \(since '
	ODOO_URL="http://127.0.0.1:$(free_port)" run --separate-stderr odoo-report -j
	assert_failure 69
}

# ---- odoo-payment, register_payment --------------------------------------------

@test "a partial payment is drafted, approved and registered; the invoice stays partial, then is paid" {
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 5000
	inv="INV/$(date +%Y)/00001"
	run --separate-stderr odoo-payment <<<"$inv 1000 2026-12-04"
	assert_success
	[[ "$output" =~ ^Pending_Approval/finance/(PAYMENT_[0-9T]+Z_[0-9a-f]+)\.md$ ]]
	id=${BASH_REMATCH[1]}
	f="$VAULT_DIR/$output"
	grep -qx 'action: register_payment' "$f"
	grep -qx "invoice: $inv" "$f"
	grep -qx 'amount: "1000.00"' "$f"
	grep -qx 'payment_date: "2026-12-04"' "$f"
	grep -Eq "^subject: \"?Payment of 1000\.00 USD on $inv \(Globex\), partial\"?$" "$f"
	grep -qx "| $inv | 5000.00 | 5000.00 | 1000.00 | 4000.00 |" "$f"
	[ "$(odoo '."account.payment" | length')" = 0 ]
	approve "$id" >/dev/null
	run --separate-stderr odoo-post "$id"
	assert_success
	d="$VAULT_DIR/Done/finance/$(date -u +%Y-%m)/$id.md"
	grep -qx 'odoo_payment_state: partial' "$d"
	grep -qx 'odoo_residual: "4000.00"' "$d"
	[ "$(odoo '."account.move"["41"].payment_state')" = partial ]
	[ "$(odoo '."account.move"["41"].amount_residual')" = 4000 ]
	[ "$(odoo '."account.payment"["1"].create_uid')" = 6 ]
	jq -s -e '[.[] | select(.body | test("\"account.payment.register\",\"create\""))][0].parsed.params.args[6].context ==
	    {"active_model": "account.move", "active_ids": [41]}' "$FAKE_LOG"
	run --separate-stderr odoo-payment <<<"$inv 4000"
	assert_success
	id=$(basename "$output" .md)
	approve "$id" >/dev/null
	run --separate-stderr vault-exec
	assert_success
	[ "$(odoo '."account.move"["41"].payment_state')" = paid ]
	run --separate-stderr odoo-payment <<<"$inv 1"
	assert_failure 65
	[[ "$stderr" == *"$inv is already paid"* ]]
}

@test "odoo-payment refuses more than is left, an unknown invoice, a bad line; nothing filed" {
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 100
	run --separate-stderr odoo-payment <<-EOF
	INV/$(date +%Y)/00001 150
	INV/2001/00042 10
	INV/$(date +%Y)/00001 ten
	EOF
	assert_failure 65
	[[ "$stderr" == *"line 1: INV/$(date +%Y)/00001 has 100.00 USD left to pay, less than 150.00"* ]]
	[[ "$stderr" == *"line 2: INV/2001/00042: no such customer invoice in Odoo"* ]]
	[[ "$stderr" == *"line 3: want: INVOICE AMOUNT [YYYY-MM-DD]"* ]]
	[ -z "$(ls "$VAULT_DIR/Pending_Approval/finance" 2>/dev/null)" ]
}

@test "paid in Odoo after approval: the approved payment is refused (65), not registered twice" {
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 500
	run --separate-stderr odoo-payment <<<"INV/$(date +%Y)/00001 500"
	id=$(basename "$output" .md)
	approve "$id" >/dev/null
	w=$(odoo_rpc 6 p0st account.payment.register create '[[{"amount": 500}]], {"context": {"active_model": "account.move", "active_ids": [41]}}' | jq '.[0]')
	odoo_rpc 6 p0st account.payment.register action_create_payments "[[$w]]" >/dev/null
	run --separate-stderr vault-exec
	assert_failure 65
	grep -q "^exec_error: .*has 0.00 USD left to pay (payment_state paid): less than the 500.00 approved" \
	    "$VAULT_DIR/Needs_Action/finance/$id.md"
	[ "$(odoo '."account.payment" | length')" = 1 ]
}

@test "--from a mail saying an invoice was paid, registered over JSON-2" {
	json2
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 2500
	mkemail P1
	sed -i "s|where is my order 1234?|we paid INV/$(date +%Y)/00001 today: \$1,000.00 by wire.|" \
	    "$VAULT_DIR/Needs_Action/email/P1.md"
	run --separate-stderr odoo-payment --from P1
	assert_success
	id=$(basename "$output" .md)
	grep -qx 'amount: "1000.00"' "$VAULT_DIR/$output"
	approve "$id" >/dev/null
	run --separate-stderr odoo-post "$id"
	assert_success
	[ "$(odoo '."account.move"["41"].amount_residual')" = 1500 ]
	jq -s -e '[.[] | select(.path == "/json/2/account.payment.register/action_create_payments")] |
	    length == 1 and .[0].auth == "bearer postkey0123456789" and
	    .[0].parsed.context.active_ids == [41]' "$FAKE_LOG"
}

@test "-j: one JSON object per item filed or posted; no ODOO_URL exits 78" {
	run --separate-stderr odoo-invoice -j <<<'Globex <ap@globex.example> 100 Hosting'
	assert_success
	echo "$output" | jq -e '.event == "invoice_draft" and (.path | startswith("Pending_Approval/finance/INVOICE_"))'
	id=$(echo "$output" | jq -r .id)
	approve "$id" >/dev/null
	run --separate-stderr odoo-post -j "$id"
	assert_success
	echo "$output" | jq -e --arg id "$id" '.id == $id and .verdict == "sent" and .odoo_id == "41" and
	    (.result | startswith("odoo posted INV/"))'
	unset ODOO_URL
	run --separate-stderr odoo-invoice <<<'Globex <ap@globex.example> 100 Hosting'
	assert_failure 78
	[[ "$stderr" == *"ODOO_URL is not set"* ]]
}

@test "odoo-report --notify tells the owner of each overdue invoice once, not of the others" {
	posted 8 "$(date +%F)" "$(date -d '+30 days' +%F)" 5000
	posted 7 "$(date -d '-40 days' +%F)" "$(date -d '-10 days' +%F)" 100
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
	run --separate-stderr odoo-report --notify
	assert_success
	[[ "$stderr" == *"the owner's messages are in the outbox"* ]]
	[ "$(grep -c 'Invoice overdue' "$log")" -eq 1 ]
	grep -q "| outbox | .*Invoice overdue: INV/$(date -d '-40 days' +%Y)/0000[12]\*<br>Acme Corp owes 100.00 USD, due $(date -d '-10 days' +%F) (10 days late)" "$log"
	run --separate-stderr odoo-report --notify
	assert_success
	[ "$(grep -c 'Invoice overdue' "$log")" -eq 1 ]
	# the daily job on an installation without Odoo: nothing to do (1);
	# by hand, the report is not configured (78)
	unset ODOO_URL
	run --separate-stderr odoo-report --notify
	assert_failure 1
	[[ "$stderr" == *"ODOO_URL is not set: no Odoo, nothing to tell"* ]]
	run --separate-stderr odoo-report
	assert_failure 78
}
