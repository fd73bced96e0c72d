#!/usr/bin/env bats
# The dashboard as the owner's cockpit (see ai-employee-dashboard(1)):
# edit a draft then approve it, file new work, the activity timeline;
# end to end through nginx + fcgiwrap, one server for the file, a cleaned
# vault per test.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	rm -f "$VAULT_DIR"/Logs/*.jsonl
	D1=$(digest_of DRAFT_EMAIL_1)
	P="$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
}

# post PATH ARGS...: a same-origin form POST with our session.
post() {
	local path=$1
	shift
	req -H "Origin: $URL" "$@" "$URL$path"
}

# edit ARGS...: POST /edit of DRAFT_EMAIL_1 made on version $D1.
edit() {
	post /edit --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 \
	    -d "digest=$D1" "$@"
}

@test "the item page of a pending draft has an edit form naming its version" {
	req "$URL/item?id=DRAFT_EMAIL_1"
	[ "$code" = 200 ]
	grep -q '<form method="post" action="/edit">' "$B"
	grep -q "name=\"digest\" value=\"$D1\"" "$B"
	grep -q 'name="to" autocomplete="off" value="alice@example.com"' "$B"
	grep -q 'name="subject" autocomplete="off" value="Re: Question about my order"' "$B"
	grep -q '<textarea name="body" rows="12">' "$B"
	! grep -q 'name="action"\|name="source"' "$B" || false
}

# fm: the front matter of DRAFT_EMAIL_1 but the subject; body: its body.
fm() { awk '/^---$/ { if (++n == 2) exit } !/^subject:/' "$P"; }
body() { awk 'n >= 2; /^---$/ { n++ }' "$P"; }

@test "edit: the new version is written with an audit line, the page shows its digest, nothing else changes" {
	before=$(fm)
	edit --data-urlencode "subject=Re: Your order 1234" \
	    --data-urlencode $'body=Hello Alice,\r\n\r\nyour order ships today.\r\n' -D "$BATS_TEST_TMPDIR/h"
	[ "$code" = 303 ]
	grep -qi '^location: /item?id=DRAFT_EMAIL_1&edited=1' "$BATS_TEST_TMPDIR/h"
	grep -qx 'subject: "Re: Your order 1234"' "$P"
	[ "$(body)" = $'Hello Alice,\n\nyour order ships today.' ]
	[ "$(tail -c 1 "$P" | od -An -c | tr -d ' ')" = '\n' ]
	[ "$before" = "$(fm)" ]
	D2=$(digest_of DRAFT_EMAIL_1)
	[ -n "$D2" ] && [ "$D2" != "$D1" ]
	grep -q "\"event\":\"edited\",\"id\":\"DRAFT_EMAIL_1\".*\"note\":\"$D2\"" "$VAULT_DIR"/Logs/*.jsonl
	req "$URL/item?id=DRAFT_EMAIL_1&edited=1"
	# news, not a warning
	grep -q '<p id="msg" role="status" aria-live="polite">Saved. The version below is the one Approve signs.' "$B"
	grep -q "<dd class=\"ver\">${D2:0:12}</dd>" "$B"
	# no temporary file is left beside it
	[ "$(find "$VAULT_DIR/Pending_Approval" -name '.tmp*' | wc -l)" -eq 0 ]
}

@test "edit then approve: the signed and sent body is the edited one" {
	edit --data-urlencode "subject=Re: Your order" \
	    --data-urlencode $'body=Hello Alice,\n\nEDITED: it ships today.\n'
	[ "$code" = 303 ]
	D2=$(digest_of DRAFT_EMAIL_1)
	# the old version is refused: the form must name what was shown
	post /approve --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d "digest=$D1"
	[ "$code" = 409 ]
	post /approve --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d "digest=$D2"
	[ "$code" = 303 ]
	run --separate-stderr vault-exec
	assert_success
	grep -q 'EDITED: it ships today.' "$VAULT_DIR/Logs/Outbox/DRAFT_EMAIL_1.eml"
	grep -q '^Subject: Re: Your order' "$VAULT_DIR/Logs/Outbox/DRAFT_EMAIL_1.eml"
	! grep -q 'your order ships tomorrow' "$VAULT_DIR/Logs/Outbox/DRAFT_EMAIL_1.eml" || false
}

@test "edit: a form naming action, source, id twice or an exec/decision key is refused 400, nothing written" {
	sum=$(sha256sum "$P")
	for kv in action=none source=EMAIL_9 decision=approved exec_status=sent \
	    decision_sig=x type=email id2=X created=2020-01-01T00:00:00Z; do
		edit -d "$kv" --data-urlencode "body=changed"
		[ "$code" = 400 ]
		grep -q "${kv%%=*} cannot be edited" "$B"
	done
	edit -d id=OTHER --data-urlencode "body=changed"
	[ "$code" = 400 ]
	[ "$sum" = "$(sha256sum "$P")" ]
	! grep -q edited "$VAULT_DIR"/Logs/*.jsonl 2>/dev/null || false
}

@test "edit: a header field with a line break, a body that is not text, a bad digest: 400, nothing written" {
	sum=$(sha256sum "$P")
	edit --data-urlencode $'to=alice@example.com\r\nBcc: eve@example.com'
	[ "$code" = 400 ]
	edit -d to= -d body=x
	[ "$code" = 400 ]
	edit --data-urlencode $'body=a\001b'
	[ "$code" = 400 ]
	post /edit --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d digest=abc -d body=x
	[ "$code" = 400 ]
	post /edit --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d body=x
	[ "$code" = 400 ]
	[ "$sum" = "$(sha256sum "$P")" ]
}

@test "edit: a draft that cannot be signed after the edit is refused 422, nothing written" {
	sum=$(sha256sum "$P")
	edit --data-urlencode $'body=a lone\rCR\n'
	[ "$code" = 422 ] || { cat "$B"; false; }
	[ "$sum" = "$(sha256sum "$P")" ]
	# the reason, and the owner's text shown back (as text: no form holds it)
	grep -q 'Not saved: ' "$B"
	grep -q '<pre>a lone' "$B"
}

@test "edit racing a sync: the draft changed since the form was drawn is 409 with both versions" {
	sed -i 's/ships tomorrow/ships on Monday (from sync)/' "$P"
	edit --data-urlencode $'body=Hello Alice,\n\nmy edit\n'
	[ "$code" = 409 ]
	grep -q 'your edit was not saved' "$B"
	grep -q 'my edit' "$B"
	grep -q 'ships on Monday (from sync)' "$B"
	grep -q 'ships on Monday (from sync)' "$P"
	! grep -q 'my edit' "$P" || false
	# the page offers an edit of the version now
	D2=$(digest_of DRAFT_EMAIL_1)
	grep -q "name=\"digest\" value=\"$D2\"" "$B"
	# JSON clients get the version found
	edit -H 'Accept: application/json' --data-urlencode 'body=x'
	[ "$code" = 409 ]
	grep -q "\"changed\":true" "$B"
	grep -q "\"digest\":\"$D2\"" "$B"
}

@test "edit while vault-sync holds its lock: 503, nothing written" {
	sum=$(sha256sum "$P")
	mkdir -p "$VAULT_DIR/.state/local"
	flock "$VAULT_DIR/.state/local/sync.lock" sleep 3 &
	sleep 0.5
	edit --data-urlencode 'body=x'
	wait
	[ "$code" = 503 ]
	grep -q 'a sync is running' "$B"
	[ "$sum" = "$(sha256sum "$P")" ]
}

@test "edit of a draft decided meanwhile: 409, the draft is not brought back" {
	post /reject --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d "digest=$D1"
	[ "$code" = 303 ]
	edit --data-urlencode 'body=x'
	[ "$code" = 404 ] || [ "$code" = 409 ]
	[ ! -f "$P" ]
}

@test "edit: an edit that changes nothing writes nothing" {
	sum=$(sha256sum "$P")
	edit --data-urlencode "body=$(body)"$'\n' -H 'Accept: application/json'
	[ "$code" = 200 ]
	grep -q '"written":false' "$B"
	[ "$sum" = "$(sha256sum "$P")" ]
}

@test "edit: CSRF, Origin and a session are required" {
	sum=$(sha256sum "$P")
	req -H "Origin: $URL" -d csrf=wrong -d id=DRAFT_EMAIL_1 -d "digest=$D1" -d body=x "$URL/edit"
	[ "$code" = 403 ]
	req -H "Origin: http://evil.example" --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 \
	    -d "digest=$D1" -d body=x "$URL/edit"
	[ "$code" = 403 ]
	req --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d "digest=$D1" -d body=x "$URL/edit"
	[ "$code" = 403 ]
	code=$(curl -s -o "$B" -w '%{http_code}' -H "Origin: $URL" --data-urlencode "csrf=$CSRF" \
	    -d id=DRAFT_EMAIL_1 -d "digest=$D1" -d body=x "$URL/edit")
	[ "$code" = 401 ]
	code=$(curl -s -o "$B" -w '%{http_code}' -b "$JAR" "$URL/edit")
	[ "$code" = 405 ]
	[ "$sum" = "$(sha256sum "$P")" ]
}

@test "edit: odd IDs are 400 or 404, never a file outside the vault" {
	for id in ../../etc/passwd '' 'DRAFT EMAIL' "$(printf 'a%.0s' {1..200})" .hidden; do
		post /edit --data-urlencode "csrf=$CSRF" --data-urlencode "id=$id" -d "digest=$D1" -d body=x
		[ "$code" = 400 ] || { echo "$id: $code"; false; }
	done
	post /edit --data-urlencode "csrf=$CSRF" -d id=EMAIL_404 -d "digest=$D1" -d body=x
	[ "$code" = 404 ]
	# an item that is not a pending draft
	post /edit --data-urlencode "csrf=$CSRF" -d id=EMAIL_1 -d "digest=$D1" -d body=x
	[ "$code" = 409 ]
}

# new ARGS...: POST /new with our session and CSRF token.
new() {
	post /new --data-urlencode "csrf=$CSRF" "$@"
}

@test "new: the form is served to a session only; every page links it" {
	req "$URL/new"
	[ "$code" = 200 ]
	grep -q '<form class="card" method="post" action="/new">' "$B"
	grep -q '<input type="hidden" name="kind" value="task">' "$B"
	grep -q 'href="/new"' "$B"
	code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/new")
	[ "$code" = "303 $URL/login" ]
	req "$URL/new?x=1"
	[ "$code" = 200 ]
}

@test "new: a task is filed into Needs_Action/<domain>/ exactly as vault-mcp's create_item files it" {
	new -d kind=task --data-urlencode 'title=Call the accountant' -d domain=finance \
	    --data-urlencode $'body=About the Q4 numbers.\r\nBefore Friday.\r\n' -D "$BATS_TEST_TMPDIR/h"
	[ "$code" = 303 ]
	filed Needs_Action/finance task
	# the same keys in the same order as create_item writes them
	[ "$(keys_of "$f")" = \
	    "type id created domain status title created_by via " ]
	grep -qx 'type: task' "$f"
	grep -qx "id: $id" "$f"
	grep -qx 'domain: finance' "$f"
	grep -qx 'status: new' "$f"
	grep -qx 'title: Call the accountant' "$f"
	grep -qx 'created_by: local' "$f"
	grep -qx 'via: dashboard' "$f"
	[ "$(awk 'n >= 2; /^---$/ { n++ }' "$f")" = $'About the Q4 numbers.\nBefore Friday.' ]
	grep -q "\"event\":\"create\",\"id\":\"$id\",\"to\":\"Needs_Action/finance/$id.md\".*\"agent\":\"local\"" \
	    "$VAULT_DIR"/Logs/*.jsonl
	req "$URL/item?id=$id&filed=1"
	[ "$code" = 200 ]
	grep -q 'Filed. The cloud picks it up' "$B"
	grep -q '<h2>Call the accountant</h2>' "$B"
	# the tools see it as new work
	run vault-status -j
	assert_success
	[[ "$output" == *'"Needs_Action":2'* ]]
}

@test "new: an email to write carries to and subject; the default domain is general for a task, email for an email" {
	new -d kind=email --data-urlencode 'to=bob@example.com' --data-urlencode 'subject=Invoice 7' \
	    -H 'Accept: application/json'
	[ "$code" = 201 ]
	id=$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$B")
	f="$VAULT_DIR/Needs_Action/email/$id.md"
	[[ $id == email_request_* ]]
	grep -qx 'type: email_request' "$f"
	grep -qx 'to: bob@example.com' "$f"
	grep -qx 'subject: Invoice 7' "$f"
	grep -qx 'title: "Email to bob@example.com: Invoice 7"' "$f" || grep -qx 'title: Email to bob@example.com: Invoice 7' "$f"
	new -d kind=task -d title=Plain
	[ "$code" = 303 ]
	[ -n "$(find "$VAULT_DIR/Needs_Action/general" -name 'task_*.md')" ]
}

@test "new: refused forms come back with what was typed and the reason, nothing filed" {
	before=$(find "$VAULT_DIR/Needs_Action" -name '*.md' | wc -l)
	new -d kind=task -d title= --data-urlencode 'body=keep this text'
	[ "$code" = 400 ]
	grep -q 'A title is needed' "$B"
	grep -q 'keep this text' "$B"
	new -d kind=email -d to=bob@example.com
	[ "$code" = 400 ]
	grep -q 'needs To and Subject' "$B"
	new -d kind=task -d title=x -d domain=../etc
	[ "$code" = 400 ]
	grep -q 'domain: not a valid name' "$B"
	new -d kind=task --data-urlencode $'title=two\nlines'
	[ "$code" = 400 ]
	new -d kind=task -d title=x --data-urlencode $'body=a\001b'
	[ "$code" = 400 ]
	new -d kind=post -d title=x
	[ "$code" = 400 ]
	new -d kind=task --data-urlencode "title=$(printf 'x%.0s' {1..201})"
	[ "$code" = 400 ]
	new -d kind=task -d title=x -d action=send_email
	[ "$code" = 303 ] || [ "$code" = 400 ]
	[ "$(find "$VAULT_DIR/Needs_Action" -name '*.md' | wc -l)" -le $((before + 1)) ]
	! grep -rq '^action:' "$VAULT_DIR/Needs_Action" || false
}

@test "new: CSRF, Origin and a session are required" {
	before=$(find "$VAULT_DIR/Needs_Action" -name '*.md' | wc -l)
	req -H "Origin: $URL" -d csrf=wrong -d title=x "$URL/new"
	[ "$code" = 403 ]
	req -H "Origin: http://evil.example" --data-urlencode "csrf=$CSRF" -d title=x "$URL/new"
	[ "$code" = 403 ]
	req --data-urlencode "csrf=$CSRF" -d title=x "$URL/new"
	[ "$code" = 403 ]
	code=$(curl -s -o "$B" -w '%{http_code}' -H "Origin: $URL" --data-urlencode "csrf=$CSRF" \
	    -d title=x "$URL/new")
	[ "$code" = 401 ]
	[ "$(find "$VAULT_DIR/Needs_Action" -name '*.md' | wc -l)" -eq "$before" ]
}

# logline DAYS_AGO JSON: one audit line in that UTC day's file.
logline() {
	local f
	f="$VAULT_DIR/Logs/$(date -u -d "@$(($(date +%s) - $1 * 86400))" +%F).jsonl"
	mkdir -p "$VAULT_DIR/Logs"
	printf '%s\n' "$2" >>"$f"
}

@test "activity: today's audit log, newest first, each line linking to its item wherever it is now" {
	edit --data-urlencode 'body=edited text'
	post /approve --data-urlencode "csrf=$CSRF" -d id=DRAFT_EMAIL_1 -d "digest=$(digest_of DRAFT_EMAIL_1)"
	[ "$code" = 303 ]
	req "$URL/activity"
	[ "$code" = 200 ]
	grep -q '<ol class="tl">' "$B"
	grep -q '<b>edited</b> <a href="/item?id=DRAFT_EMAIL_1">DRAFT_EMAIL_1</a>' "$B"
	grep -q '<b>approved</b> <a href="/item?id=DRAFT_EMAIL_1">' "$B"
	# newest first: the approval above the edit
	approve_at=$(grep -o '<b>[a-z_]*</b>' "$B" | grep -n 'approved' | head -n 1 | cut -d: -f1)
	edited_at=$(grep -o '<b>[a-z_]*</b>' "$B" | grep -n 'edited' | head -n 1 | cut -d: -f1)
	[ "$approve_at" -lt "$edited_at" ]
	# the link finds the draft where it is now (Approved/)
	req "$URL/item?id=DRAFT_EMAIL_1"
	[ "$code" = 200 ]
	grep -q 'Approved/email/DRAFT_EMAIL_1.md' "$B"
}

@test "activity: 7 days, filters by domain and agent, older days excluded from today" {
	logline 3 '{"event":"create","id":"task_old","to":"Needs_Action/finance/task_old.md","ts":"2026-01-01T10:00:00Z","agent":"cloud"}'
	logline 0 '{"event":"claim","id":"EMAIL_9","from":"Needs_Action/email/EMAIL_9.md","to":"In_Progress/cloud/EMAIL_9.md","ts":"2026-01-01T10:00:00Z","agent":"cloud"}'
	logline 0 '{"event":"create","id":"task_fin","to":"Needs_Action/finance/task_fin.md","ts":"2026-01-01T11:00:00Z","agent":"local"}'
	logline 9 '{"event":"create","id":"task_ancient","to":"Needs_Action/finance/x.md","ts":"2026-01-01T10:00:00Z","agent":"local"}'
	req "$URL/activity"
	! grep -q task_old "$B" || false
	grep -q task_fin "$B"
	req "$URL/activity?range=7d"
	grep -q task_old "$B"
	! grep -q task_ancient "$B" || false
	req "$URL/activity?range=7d&domain=finance"
	grep -q task_old "$B"
	grep -q task_fin "$B"
	! grep -q EMAIL_9 "$B" || false
	req "$URL/activity?range=7d&agent=cloud"
	grep -q task_old "$B"
	grep -q EMAIL_9 "$B"
	! grep -q task_fin "$B" || false
	req "$URL/activity?range=7d&agent=cloud&domain=email"
	grep -q EMAIL_9 "$B"
	! grep -q task_old "$B" || false
}

@test "activity: paged by 25, Older and Newer links, a big log read in bounded memory" {
	f="$VAULT_DIR/Logs/$(date -u +%F).jsonl"
	mkdir -p "$VAULT_DIR/Logs"
	/usr/bin/python3 - "$f" <<'PY'
import json, sys
with open(sys.argv[1], "a") as f:
    for i in range(200000):
        f.write(json.dumps({"event": "create", "id": "task_%06d" % i,
            "to": "Needs_Action/general/task_%06d.md" % i,
            "ts": "2026-01-01T10:00:00Z", "agent": "local"}) + "\n")
    f.write("x" * 100000 + "\n")        # a line too long: skipped
    f.write("not json\n")
PY
	req "$URL/activity"
	[ "$code" = 200 ]
	[ "$(grep -o '<li>' "$B" | wc -l)" -eq 25 ]
	grep -q 'task_199999' "$B"
	grep -q 'task_199975' "$B"
	! grep -q 'task_199974' "$B" || false
	grep -q 'page=1">Older</a>' "$B"
	! grep -q 'Newer' "$B" || false
	[ "$(wc -c <"$B")" -lt 30000 ]
	req "$URL/activity?page=1"
	grep -q 'task_199974' "$B"
	grep -q 'task_199950' "$B"
	! grep -q 'task_199949' "$B" || false
	grep -q 'page=0">Newer</a>' "$B"
	req "$URL/activity?page=7999"
	[ "$(grep -o '<li>' "$B" | wc -l)" -eq 25 ]
	grep -q 'task_000000' "$B"
	! grep -q 'Older' "$B" || false
	req "$URL/activity?page=8000"
	[ "$code" = 200 ]
	[ "$(grep -o '<li>' "$B" | wc -l)" -eq 0 ]
	# the CGI alone on the big log, its peak memory under 16 MB
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	tok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	/usr/bin/time -o "$BATS_TEST_TMPDIR/rss" -f '%M' env -i PATH="$PATH" HOME="$HOME" \
	    VAULT_DIR="$VAULT_DIR" AI_EMPLOYEE_CONFIG="$AI_EMPLOYEE_CONFIG" TZ=UTC \
	    REQUEST_METHOD=GET PATH_INFO=/activity QUERY_STRING=page=4000 \
	    HTTP_COOKIE="aie_session=$tok" "$AIE_CGI/dashboard.cgi" >"$B"
	grep -q 'task_099999' "$B"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 16384 ] || [ -n "${AIE_SAN:-}" ]
}

@test "activity: odd queries are 400, a session is needed, the text is escaped" {
	for q in 'range=month' 'domain=../x' 'agent=a%20b' 'page=-1' 'page=x' 'page=999999999999' 'range=today&range=7d'; do
		req "$URL/activity?$q"
		[ "$code" = 400 ] || { echo "$q: $code"; false; }
	done
	code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/activity")
	[ "$code" = "303 $URL/login" ]
	logline 0 '{"event":"<script>alert(1)</script>","id":"../../etc/passwd","note":"<img src=x onerror=alert(1)>","ts":"2026-01-01T10:00:00Z","agent":"local"}'
	req "$URL/activity"
	[ "$code" = 200 ]
	! grep -q '<script>alert\|<img src=x' "$B" || false
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$B"
	! grep -q 'href="/item?id=../' "$B" || false
}

@test "the new pages stay under 30 KB with no external asset, a full timeline of long lines included" {
	local id
	id="DRAFT_$(printf 'A%.0s' {1..60})"
	for _ in $(seq 1 60); do
		logline 0 "{\"event\":\"approved\",\"id\":\"$id\",\"from\":\"In_Progress/local/$id.md\",\"to\":\"Approved/email/$id.md\",\"note\":\"$(printf 'n%.0s' {1..400})\",\"ts\":\"2026-12-01T10:00:00Z\",\"agent\":\"local\"}"
	done
	for p in /new /activity "/activity?range=7d" "/item?id=DRAFT_EMAIL_1"; do
		req "$URL$p"
		[ "$code" = 200 ]
		[ "$(wc -c <"$B")" -lt 30720 ] || { echo "$p: $(wc -c <"$B") bytes"; false; }
		! grep -qi 'src="http\|href="http\|@import\|url(' "$B" || false
	done
}

@test "edit racing an approval of the same version: each draft ends in exactly one place, never brought back" {
	local i pids=() dg=()
	for i in 1 2 3 4 5 6 7 8; do
		mkemail "EMAIL_R$i"
		mkdraft "DRAFT_R$i" "EMAIL_R$i"
	done
	for i in 1 2 3 4 5 6 7 8; do dg[i]=$(digest_of "DRAFT_R$i"); done
	for i in 1 2 3 4 5 6 7 8; do
		curl -s -o /dev/null -b "$JAR" -H "Origin: $URL" --data-urlencode "csrf=$CSRF" \
		    -d "id=DRAFT_R$i" -d "digest=${dg[i]}" -d "body=edited $i" "$URL/edit" &
		pids+=($!)
		curl -s -o /dev/null -b "$JAR" -H "Origin: $URL" --data-urlencode "csrf=$CSRF" \
		    -d "id=DRAFT_R$i" -d "digest=${dg[i]}" "$URL/approve" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3 4 5 6 7 8; do
		n=$(find "$VAULT_DIR" -path "$VAULT_DIR/.git" -prune -o -name "DRAFT_R$i.md" -print | wc -l)
		[ "$n" -eq 1 ] || { find "$VAULT_DIR" -name "DRAFT_R$i*"; false; }
		# approved: the version signed is the one approved, never the edit
		a="$VAULT_DIR/Approved/email/DRAFT_R$i.md"
		if [ -f "$a" ]; then ! grep -q "^edited $i" "$a" || false; fi
	done
	[ "$(find "$VAULT_DIR" -name '.tmp.*' | wc -l)" -eq 0 ]
}

@test "activity: no Logs/ at all is an empty timeline; a Logs/ that is a symlink is refused" {
	rm -rf "$VAULT_DIR/Logs"
	req "$URL/activity?range=7d"
	[ "$code" = 200 ]
	grep -q '0 events in the last 7 days' "$B"
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	printf '%s\n' '{"event":"secret","id":"task_x","ts":"2026-01-01T10:00:00Z","agent":"local"}' \
	    >"$BATS_TEST_TMPDIR/elsewhere/$(date -u +%F).jsonl"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$VAULT_DIR/Logs"
	req "$URL/activity"
	rm "$VAULT_DIR/Logs"
	mkdir -p "$VAULT_DIR/Logs"
	[ "$code" = 500 ]
	! grep -q 'secret' "$B" || false
}
