#!/usr/bin/env bats
# dashboard.cgi: end to end through nginx + fcgiwrap on a free loopback
# port (one server for the file, a cleaned vault per test), then the CGI
# binary alone with CGI variables set, as cgit tests its CGI.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	rm -f "$VAULT_DIR"/Logs/API_Usage/*.md
	D1=$(digest_of DRAFT_EMAIL_1)
}

# post PATH ARGS...: a same-origin form POST with our session.
post() {
	local path=$1
	shift
	req -H "Origin: $URL" -H 'Accept: application/json' "$@" "$URL$path"
}

# rejected ID: the draft's file in Rejected/ (kept as ID.<UTC time>.md).
rejected() {
	find "$VAULT_DIR/Rejected/email" -name "$1.*.md" | head -n 1
}

still_pending() {
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
	[ -z "$(find "$VAULT_DIR/Approved" "$VAULT_DIR/Rejected" -name '*.md')" ]
}

@test "login page is served without a session and sets a strict cookie" {
	run curl -s -D - -o /dev/null "$URL/login"
	assert_line --partial "HTTP/1.1 200"
	assert_output --regexp "Set-Cookie: aie_session=[A-Za-z0-9_-]+; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict"
	refute_output --partial "Secure"
}

@test "without a session: pages redirect to login, API and POSTs get 401, no data" {
	for p in / "/item?id=DRAFT_EMAIL_1"; do
		code=$(curl -s -o "$B" -w '%{http_code} %{redirect_url}' "$URL$p")
		[ "$code" = "303 $URL/login" ]
	done
	for p in /api/status "/api/usage?days=7"; do
		code=$(curl -s -o "$B" -w '%{http_code}' "$URL$p")
		[ "$code" = 401 ]
		grep -q '"error"' "$B"
		! grep -q 'DRAFT_EMAIL_1\|order' "$B" || false
	done
	for p in /approve /reject /revise /logout; do
		code=$(curl -s -o "$B" -w '%{http_code}' -H "Origin: $URL" \
		    --data "id=DRAFT_EMAIL_1&csrf=x&note=n" "$URL$p")
		[ "$code" = 401 ]
	done
	still_pending
}

@test "a wrong password is refused with 401 and gives no session" {
	local jar="$BATS_TEST_TMPDIR/jar" tok
	curl -s -c "$jar" -o "$B" "$URL/login"
	tok=$(csrf_of "$B")
	code=$(curl -s -b "$jar" -c "$jar" -o "$B" -w '%{http_code}' -H "Origin: $URL" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=wrong" "$URL/login")
	[ "$code" = 401 ]
	grep -q 'Wrong password' "$B"
	code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$URL/api/status")
	[ "$code" = 401 ]
}

@test "the right password gives a session that sees the pending card" {
	local jar="$BATS_TEST_TMPDIR/jar"
	login "$jar"
	grep -q 'aie_session' "$jar"
	code=$(curl -s -b "$jar" -o "$B" -w '%{http_code}' "$URL/")
	[ "$code" = 200 ]
	grep -q 'id="c-DRAFT_EMAIL_1"' "$B"
	grep -q 'Re: Question about my order' "$B"
	grep -q 'Reply to Alice Example <span class="addr">alice@example.com</span> ·' "$B"
}

@test "login needs the login form's CSRF token" {
	local jar="$BATS_TEST_TMPDIR/jar"
	curl -s -c "$jar" -o "$B" "$URL/login"
	code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' -H "Origin: $URL" \
	    --data-urlencode "password=$PW" "$URL/login")
	[ "$code" = 403 ]
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $URL" \
	    --data-urlencode "csrf=$CSRF" --data-urlencode "password=$PW" "$URL/login")
	[ "$code" = 403 ]
}

@test "forged cookies are refused: garbage, a flipped byte, another key" {
	local good forged
	good=$(awk '$6 == "aie_session" { print $7 }' "$JAR")
	[ -n "$good" ]
	for forged in garbage "AAAA" "$(printf '%s' "$good" | sed 's/^\(.\{20\}\)./\1A/; s/^\(.\{20\}\)AA/\1BA/')" \
	    "$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$(printf '%064d' 0)" 2 3600)"; do
		[ "$forged" != "$good" ]
		code=$(curl -s -o "$B" -w '%{http_code}' -H "Cookie: aie_session=$forged" "$URL/api/status")
		[ "$code" = 401 ]
	done
}

@test "a cookie signed with the real key works until it expires" {
	local key ok expired
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	ok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	expired=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 -10)
	code=$(curl -s -o "$B" -w '%{http_code}' -H "Cookie: aie_session=$ok" "$URL/api/status")
	[ "$code" = 200 ]
	code=$(curl -s -o "$B" -w '%{http_code}' -H "Cookie: aie_session=$expired" "$URL/api/status")
	[ "$code" = 401 ]
}

@test "the login form's pre-session is not a login" {
	local jar="$BATS_TEST_TMPDIR/jar"
	curl -s -c "$jar" -o /dev/null "$URL/login"
	code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$URL/api/status")
	[ "$code" = 401 ]
}

@test "approve without a CSRF token is refused and moves nothing" {
	post /approve --data "id=DRAFT_EMAIL_1"
	[ "$code" = 403 ]
	grep -q 'CSRF' "$B"
	still_pending
}

@test "approve with another session's CSRF token is refused" {
	local jar="$BATS_TEST_TMPDIR/jar" other
	login "$jar"
	curl -s -b "$jar" -o "$B" "$URL/"
	other=$(csrf_of "$B")
	[ -n "$other" ] && [ "$other" != "$CSRF" ]
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$other"
	[ "$code" = 403 ]
	post /approve --data "id=DRAFT_EMAIL_1&csrf=${CSRF%?}x"
	[ "$code" = 403 ]
	still_pending
}

@test "a POST from another origin, or with no Origin or Referer, is refused" {
	for o in "Origin: http://evil.example" "Origin: $URL.evil.example" \
	    "Origin: https://127.0.0.1:$PORT" "Origin: null"; do
		req -H "$o" --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1" "$URL/approve"
		[ "$code" = 403 ]
	done
	req -H "Referer: http://evil.example/" --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1" "$URL/approve"
	[ "$code" = 403 ]
	req --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1" "$URL/approve"
	[ "$code" = 403 ]
	still_pending
}

@test "approve moves the draft to Approved with decided_via dashboard" {
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1"
	[ "$code" = 200 ]
	grep -q '"ok":true' "$B"
	f="$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md"
	[ -f "$f" ]
	grep -q '^decided_via: dashboard$' "$f"
	grep -q '^decision: approved$' "$f"
	grep -q '^decision_sig: ' "$f"
}

@test "approve without JavaScript redirects back home" {
	req -H "Origin: $URL" --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1" "$URL/approve"
	[ "$code" = 303 ]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md" ]
}

@test "reject with a reason: draft to Rejected, source to Done" {
	post /reject --data-urlencode "csrf=$CSRF" --data "id=DRAFT_EMAIL_1&digest=$D1" \
	    --data-urlencode "reason=wrong tone: too <b>formal</b>"
	[ "$code" = 200 ]
	f=$(rejected DRAFT_EMAIL_1)
	[ -f "$f" ]
	grep -q '^decision: rejected' "$f"
	grep -q 'wrong tone' "$f"
	[ -n "$(find "$VAULT_DIR/Done" -name EMAIL_1.md)" ]
}

@test "revise needs a note, then sends the source back with it" {
	post /revise --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1"
	[ "$code" = 400 ]
	still_pending
	# the drafter holds the email while its draft waits
	mkdir -p "$VAULT_DIR/In_Progress/cloud"
	mv "$VAULT_DIR/Needs_Action/email/EMAIL_1.md" "$VAULT_DIR/In_Progress/cloud/"
	post /revise --data-urlencode "csrf=$CSRF" --data "id=DRAFT_EMAIL_1&digest=$D1" \
	    --data-urlencode "note=mention the refund"
	[ "$code" = 200 ]
	[ -f "$(rejected DRAFT_EMAIL_1)" ]
	grep -q 'mention the refund' "$VAULT_DIR/Needs_Action/email/EMAIL_1.md"
}

@test "an expired draft cannot be approved: 422 and it goes to Rejected" {
	mkdraft DRAFT_OLD EMAIL_1 2026-01-01T00:00:00Z
	post /approve --data "id=DRAFT_OLD&csrf=$CSRF&digest=$(digest_of DRAFT_OLD)"
	[ "$code" = 422 ]
	grep -q 'expired' "$B"
	[ ! -e "$VAULT_DIR/Approved/email/DRAFT_OLD.md" ]
	[ -f "$(rejected DRAFT_OLD)" ]
}

@test "approving twice: the second gets 409 and says where the item is" {
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1"
	[ "$code" = 200 ]
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1"
	[ "$code" = 409 ]
	grep -q 'Approved/email' "$B"
}

# hidden_draft: DRAFT_EMAIL_1 with a bidi override in its subject and to, a
# zero-width space, and a NUL in its body followed by more text.
hidden_draft() {
	local f="$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	sed -i 's/^subject: .*/subject: "Re: invoice \\u202egpj.exe"/; s/^to: .*/to: "alice@example.com\\u2066"/' "$f"
	printf 'P.S.\0Wire 5000 EUR to\xe2\x80\x8b IBAN X.\n' >>"$f"
}

@test "attack: the card and the item page of a NUL/bidi draft show every hidden character marked" {
	hidden_draft
	for p in / "/item?id=DRAFT_EMAIL_1"; do
		req "$URL$p"
		[ "$code" = 200 ]
		grep -q 'Re: invoice <span class="mk">⟦U+202E⟧</span>gpj.exe' "$B"
		grep -q 'alice@example.com<span class="mk">⟦U+2066⟧</span>' "$B"
		grep -q 'P.S.<span class="mk">⟦U+0000⟧</span>Wire 5000 EUR to<span class="mk">⟦U+200B⟧</span> IBAN X.' "$B"
		! grep -q $'\xe2\x80\xae\|\xe2\x81\xa6\|\xe2\x80\x8b' "$B" || false
	done
}

@test "a draft with a NUL cannot be approved from the dashboard either: 422, still pending" {
	hidden_draft
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$(digest_of DRAFT_EMAIL_1)"
	[ "$code" = 422 ]
	grep -q 'the body holds U+0000' "$B"
	still_pending
	run ! grep -q '^decision' "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
}

@test "the item page names the version its forms decide on; each form carries it" {
	req "$URL/item?id=DRAFT_EMAIL_1"
	[[ $D1 =~ ^[0-9a-f]{64}$ ]]
	grep -q "<dt>Version</dt><dd class=\"ver\">${D1:0:12}</dd>" "$B"
	# approve, reject or revise, and edit
	[ "$(grep -o "name=\"digest\" value=\"$D1\"" "$B" | wc -l)" -eq 3 ]
	req "$URL/"
	grep -q "data-digest=\"$D1\"" "$B"
	[ "$(grep -o "name=\"digest\" value=\"$D1\"" "$B" | wc -l)" -eq 2 ]
}

@test "attack: the draft changes after the page loads; POST /approve answers 409 with the new version, signs nothing" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	sed -i 's/ships tomorrow/ships never; pay to IBAN X/' "$f"
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1"
	[ "$code" = 409 ]
	new=$(digest_of DRAFT_EMAIL_1)
	[ "$new" != "$D1" ]
	run jq -r '[.changed, .id, .digest, .item] | join(" ")' "$B"
	assert_output "true DRAFT_EMAIL_1 $new /item?id=DRAFT_EMAIL_1&changed=1"
	still_pending
	run ! grep -q '^decision' "$f"
	# without the script: the page of the new version, with a 409
	req -H "Origin: $URL" --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1" "$URL/approve"
	[ "$code" = 409 ]
	grep -q 'This draft changed after you opened it' "$B"
	grep -q 'ships never; pay to IBAN X' "$B"
	grep -q "name=\"digest\" value=\"$new\"" "$B"
	still_pending
	# the version shown then is the one approved
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$new"
	[ "$code" = 200 ]
	grep -q 'ships never' "$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md"
}

@test "reject and revise of a changed draft answer 409 too" {
	sed -i 's/^to: .*/to: bob@example.com/' "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	post /reject --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1&note=no"
	[ "$code" = 409 ]
	post /revise --data "id=DRAFT_EMAIL_1&csrf=$CSRF&digest=$D1&note=shorter"
	[ "$code" = 409 ]
	still_pending
}

@test "attack: a decision without a digest, or a malformed one, is refused with 400" {
	for d in "" "&digest=" "&digest=${D1:0:12}" "&digest=${D1^^}" "&digest=${D1}00"; do
		for p in /approve /reject /revise; do
			post "$p" --data "id=DRAFT_EMAIL_1&csrf=$CSRF&note=n$d"
			[ "$code" = 400 ] || { echo "$p $d: $code"; false; }
			grep -q 'version' "$B"
		done
	done
	still_pending
}

@test "traversal and odd IDs are refused in every parameter" {
	local ids=( "../../etc/passwd" "..%2F..%2Fetc%2Fpasswd" "Pending_Approval%2Femail%2FDRAFT_EMAIL_1.md"
	    "%2Fetc%2Fpasswd" "DRAFT_EMAIL_1%00" "x%00y" ".hidden" "-rf" "a..b" "%2e%2e" "DRAFT%20EMAIL"
	    "$(printf 'A%.0s' {1..121})" "DRAFT_EMAIL_1%0a" "%C3%A9t%C3%A9" "" )
	for id in "${ids[@]}"; do
		req "$URL/item?id=$id"
		[ "$code" = 400 ] || [ "$code" = 404 ]
		for p in /approve /reject /revise; do
			post "$p" --data "id=$id&csrf=$CSRF&note=n&digest=$D1"
			[ "$code" = 400 ] || [ "$code" = 404 ] || { echo "$p $id: $code"; false; }
		done
	done
	req "$URL/item?id=DRAFT_EMAIL_1&id=DRAFT_EMAIL_1"
	[ "$code" = 400 ]
	for d in -1 0 91 abc 7x "" 99999999999999999999; do
		req "$URL/api/usage?days=$d"
		[ "$code" = 400 ]
	done
	still_pending
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_1.md" ]
}

@test "an unknown item ID gets 404" {
	req "$URL/item?id=NOPE_1"
	[ "$code" = 404 ]
}

@test "huge POST bodies get 413 and move nothing" {
	head -c 70000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&note=" --data-binary "@$BATS_TEST_TMPDIR/big"
	[ "$code" = 413 ]
	head -c 2000000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	post /approve --data "id=DRAFT_EMAIL_1&csrf=$CSRF&note=" --data-binary "@$BATS_TEST_TMPDIR/big"
	[ "$code" = 413 ]
	still_pending
}

@test "malformed POST bodies get 400 or 415 and move nothing" {
	for body in "id=DRAFT_EMAIL_1&csrf=$CSRF&note=%zz" "id=DRAFT_EMAIL_1&csrf=$CSRF&note=%4" \
	    "id=DRAFT_EMAIL_1&id=DRAFT_EMAIL_1&csrf=$CSRF" "id=DRAFT_EMAIL_1&csrf=$CSRF&note=a%00b" \
	    "id=DRAFT_EMAIL_1&csrf=$CSRF&note=%ff%fe" "id=DRAFT_EMAIL_1&csrf=$CSRF&note=%1b[31m"; do
		post /reject --data "$body&digest=$D1"
		[ "$code" = 400 ] || { echo "$body: $code"; false; }
	done
	post /approve -H 'Content-Type: application/json' --data "{\"id\":\"DRAFT_EMAIL_1\",\"csrf\":\"$CSRF\"}"
	[ "$code" = 415 ]
	post /approve -H 'Content-Type: multipart/form-data; boundary=x' --data "id=DRAFT_EMAIL_1"
	[ "$code" = 415 ]
	still_pending
}

@test "GET on a POST-only page is 405; unknown pages are 404" {
	req "$URL/approve"
	[ "$code" = 405 ]
	req "$URL/nope"
	[ "$code" = 404 ]
	req -X PUT "$URL/"
	[ "$code" = 405 ]
}

@test "api/status answers 304 to its ETag until the vault changes" {
	local etag
	etag=$(curl -s -D - -o "$B" -b "$JAR" "$URL/api/status" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
	[ -n "$etag" ]
	grep -q '"DRAFT_EMAIL_1"' "$B"
	req -H "If-None-Match: $etag" "$URL/api/status"
	[ "$code" = 304 ]
	[ ! -s "$B" ]
	mkdraft DRAFT_EMAIL_2 EMAIL_1
	req -H "If-None-Match: $etag" "$URL/api/status"
	[ "$code" = 200 ]
	grep -q '"DRAFT_EMAIL_2"' "$B"
}

@test "nginx gzips / and /api/status, and the gzipped ETag still gets 304" {
	local h=$BATS_TEST_TMPDIR/h etag p
	for p in / /api/status; do
		req --compressed -H 'Accept-Encoding: gzip' -D "$h" "$URL$p"
		[ "$code" = 200 ]
		grep -qi '^Content-Encoding: gzip' "$h"
		grep -q 'DRAFT_EMAIL_1' "$B"      # curl inflated it
	done
	# nginx weakens the ETag of a compressed reply (W/"..."); the CGI
	# still recognises it
	etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' "$h")
	[ -n "$etag" ]
	req --compressed -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag" "$URL/api/status"
	[ "$code" = 304 ]
	mkdraft DRAFT_EMAIL_2 EMAIL_1
	req --compressed -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag" "$URL/api/status"
	[ "$code" = 200 ]
	grep -q '"DRAFT_EMAIL_2"' "$B"
	# without Accept-Encoding: plain
	req -D "$h" "$URL/api/status"
	! grep -qi '^Content-Encoding' "$h" || false
}

@test "api/usage sums the cost_usd column found by its header and skips unknown" {
	local today
	today=$(date -u +%Y-%m-%d)
	cat >"$VAULT_DIR/Logs/API_Usage/$today.md" <<'EOF'
# API usage

| time | model | cost_usd | input_tokens |
|------|-------|---------:|-------------:|
| 10:00 | claude-sonnet-4-5 | 0.0125 | 1000 |
| 10:05 | mystery-model | unknown | 2000 |
| 10:06 | claude-haiku-4-5 | 0.5 | 100 |
EOF
	req "$URL/api/usage?days=2"
	[ "$code" = 200 ]
	assert_json '.days == 2 and .any == true' "$B"
	assert_json '.per_day[-1] | (.cost_usd * 10000 | round) == 5125 and .calls == 3 and .unknown == 1' "$B"
	req "$URL/"
	grep -q 'Total [$]0.51 (1 call of unknown cost)' "$B"
	grep -q '<svg' "$B"
}

@test "with no usage files the chart says no usage yet" {
	req "$URL/"
	[ "$code" = 200 ]
	grep -q '<svg[^>]*role="img"' "$B"
	grep -q 'no usage yet' "$B"
}

@test "untrusted text is escaped everywhere on the pages" {
	cat >"$VAULT_DIR/Pending_Approval/email/DRAFT_X.md" <<'EOF'
---
type: email_draft
id: DRAFT_X
created: 2026-11-30T10:20:00Z
domain: email
to: "\"><script>alert(1)</script>"
subject: "<img src=x onerror=alert(2)>"
expires: 2099-01-01T00:00:00Z
---
</pre><script>alert(3)</script>&amp;
EOF
	for p in / "/item?id=DRAFT_X"; do
		req "$URL$p"
		[ "$code" = 200 ]
		! grep -q '<script>alert\|<img src=x\|"><script' "$B" || false
		grep -q '&lt;img src=x onerror=alert(2)&gt;' "$B"
	done
	grep -q '&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;&amp;amp;' "$B"
}

@test "the item page shows the draft beside its source" {
	req "$URL/item?id=DRAFT_EMAIL_1"
	[ "$code" = 200 ]
	grep -q 'your order ships tomorrow' "$B"
	grep -q 'where is my order 1234' "$B"
	grep -q 'action="/approve"' "$B"
}

@test "the home page stays under 30 KB with ten cards" {
	for i in 2 3 4 5 6 7 8 9 10; do mkdraft "DRAFT_EMAIL_$i" EMAIL_1; done
	req "$URL/"
	[ "$code" = 200 ]
	[ "$(grep -c 'class="card"' "$B")" -ge 1 ]
	[ "$(grep -o 'class="card"' "$B" | wc -l)" -eq 10 ]
	[ "$(wc -c <"$B")" -lt 30720 ]
	! grep -qi 'src="http\|href="http\|@import\|url(' "$B" || false
}

@test "with more than ten waiting the page shows ten cards, the full count and how many more" {
	local i
	for i in $(seq 2 25); do mkdraft "DRAFT_EMAIL_$i" EMAIL_1; done
	req "$URL/"
	[ "$code" = 200 ]
	[ "$(grep -o 'class="card"' "$B" | wc -l)" -eq 10 ]
	grep -q '<span id="npend">25</span>' "$B"
	grep -q 'data-more="15"' "$B"
	grep -q '<p id="more">15 more waiting' "$B"
	[ "$(wc -c <"$B")" -lt 30720 ]
}

@test "approve from the dashboard racing a CLI reject: exactly one wins" {
	local i web cli n
	for i in 1 2 3 4 5 6; do
		mkemail "EMAIL_R$i"
		mkdraft "DRAFT_R$i" "EMAIL_R$i"
	done
	local pids=()
	local dg=()
	for i in 1 2 3 4 5 6; do dg[i]=$(digest_of "DRAFT_R$i"); done
	for i in 1 2 3 4 5 6; do
		( post /approve --data "id=DRAFT_R$i&csrf=$CSRF&digest=${dg[i]}"; echo "$code" >"$BATS_TEST_TMPDIR/web$i" ) &
		pids+=($!)
		( rc=0; approve -q --reject -r "race" "DRAFT_R$i" >/dev/null 2>&1 || rc=$?
		  echo "$rc" >"$BATS_TEST_TMPDIR/cli$i" ) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		while kill -0 "$i" 2>/dev/null; do wait "$i" || true; done
	done
	for i in 1 2 3 4 5 6; do
		web=$(cat "$BATS_TEST_TMPDIR/web$i")
		cli=$(cat "$BATS_TEST_TMPDIR/cli$i")
		n=$(find "$VAULT_DIR" -name "DRAFT_R$i.md" -o -name "DRAFT_R$i.*.md" | wc -l)
		[ "$n" -eq 1 ] || { echo "DRAFT_R$i: $n copies"; false; }
		echo "DRAFT_R$i: web $web, cli $cli" >>"$BATS_TEST_TMPDIR/outcomes"
		if [ "$web" = 200 ]; then
			[ "$cli" = 1 ]
			[ -f "$VAULT_DIR/Approved/email/DRAFT_R$i.md" ]
		else
			[ "$web" = 409 ] && [ "$cli" = 0 ]
			[ -f "$(rejected "DRAFT_R$i")" ]
		fi
	done
}

@test "the page carries a CSP nonce and no inline handlers" {
	run curl -s -D - -b "$JAR" "$URL/"
	assert_output --regexp "Content-Security-Policy: default-src 'none'; script-src 'nonce-[A-Za-z0-9+/]+'"
	refute_output --regexp ' on[a-z]+="'
	assert_output --partial "X-Content-Type-Options: nosniff"
}

@test "logout ends the session in the browser" {
	local jar="$BATS_TEST_TMPDIR/jar" tok
	login "$jar"
	curl -s -b "$jar" -o "$B" "$URL/"
	tok=$(csrf_of "$B")
	code=$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' -H "Origin: $URL" \
	    --data "csrf=$tok" "$URL/logout")
	[ "$code" = 303 ]
	code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$URL/api/status")
	[ "$code" = 401 ]
	# a logout ends every session, the file's shared one too
	file_session_again
}

@test "failed logins through nginx are throttled per address" {
	local jar="$BATS_TEST_TMPDIR/jar" tok i
	curl -s -c "$jar" -o "$B" "$URL/login"
	tok=$(csrf_of "$B")
	for i in 1 2 3 4 5; do
		curl -s -b "$jar" -o /dev/null -H "Origin: $URL" \
		    --data "csrf=$tok&password=wrong$i" "$URL/login"
	done
	code=$(curl -s -b "$jar" -o "$B" -w '%{http_code}' -H "Origin: $URL" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=$PW" "$URL/login")
	[ "$code" = 429 ]
	grep -q 'Too many failed logins' "$B"
	rm -f "$VAULT_DIR/.state/local/dashboard-login"
}

@test "the nginx template is a valid nginx configuration" {
	command -v nginx >/dev/null && command -v openssl >/dev/null || skip "needs nginx and openssl"
	d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/k.pem" -out "$d/c.pem" -days 1 -subj /CN=x 2>/dev/null
	sed -e "s|@SERVER_NAME@|dash.example.org|g; s|@CGI@|/x/dashboard.cgi|g; s|@PAGES_CGI@|/x/pages.cgi|g; s|@SOCKET@|$d/s.sock|g" \
	    -e "s|@VAULT_DIR@|/v|g; s|@HOME@|/h|g" \
	    -e "s|/etc/letsencrypt/live/dash.example.org/fullchain.pem|$d/c.pem|" \
	    -e "s|/etc/letsencrypt/live/dash.example.org/privkey.pem|$d/k.pem|" \
	    "$TOP/cgi/nginx.conf.template" >"$d/site.conf"
	! grep -v '^ *#' "$d/site.conf" | grep -q '@[A-Z_]*@' || false
	cat >"$d/nginx.conf" <<EOT
pid $d/n.pid; error_log $d/e.log;
events {}
http { access_log off; client_body_temp_path $d/t1; proxy_temp_path $d/t2;
  fastcgi_temp_path $d/t3; uwsgi_temp_path $d/t4; scgi_temp_path $d/t5;
  include $d/site.conf; }
EOT
	run nginx -t -p "$d/" -c "$d/nginx.conf" -e "$d/e.log"
	assert_success
	assert_output --partial "test is successful"
}

# --- the CGI binary alone ------------------------------------------------

# cgi [VAR=VALUE...]: run dashboard.cgi with a fresh CGI environment.
cgi() {
	env -i PATH="$PATH" HOME="$HOME" VAULT_DIR="$VAULT_DIR" \
	    AI_EMPLOYEE_CONFIG="$AI_EMPLOYEE_CONFIG" TZ=UTC \
	    ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
	    ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS} \
	    SERVER_PORT=80 HTTP_HOST=dash.example REMOTE_ADDR=192.0.2.7 "$@" \
	    "$AIE_CGI/dashboard.cgi"
}

@test "cgi: outside a web server it says so and exits 2" {
	run -2 env -i "$AIE_CGI/dashboard.cgi"
	assert_output --partial "run me as a CGI program"
}

@test "cgi: HEAD sends the headers only" {
	run cgi REQUEST_METHOD=HEAD PATH_INFO=/login
	assert_line --index 0 --partial "Status: 200 OK"
	refute_output --partial "<html"
}

@test "cgi: HTTPS=on makes the cookie Secure and needs an https Origin" {
	run cgi REQUEST_METHOD=GET PATH_INFO=/login HTTPS=on SERVER_PORT=443
	assert_output --regexp "Set-Cookie: aie_session=.*; Secure"
}

@test "cgi: a POST without Content-Length gets 411" {
	local key tok
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	tok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	run cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=http://dash.example CONTENT_TYPE=application/x-www-form-urlencoded </dev/null
	assert_line --index 0 --partial "Status: 411"
	run cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=http://dash.example CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=-5 </dev/null
	assert_line --index 0 --partial "Status: 400"
	run cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=http://dash.example CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=100 <<<"id=short"
	assert_line --index 0 --partial "Status: 400"
}

@test "cgi: throttling counts per address and lets other addresses in" {
	local jar tok cookie i
	run cgi REQUEST_METHOD=GET PATH_INFO=/login
	cookie=$(printf '%s\n' "$output" | sed -n 's/^Set-Cookie: aie_session=\([^;]*\);.*/\1/p')
	tok=$(printf '%s\n' "$output" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
	login_as() {
		local addr=$1 body="csrf=$tok&password=$2"
		cgi REQUEST_METHOD=POST PATH_INFO=/login HTTP_COOKIE="aie_session=$cookie" \
		    HTTP_ORIGIN=http://dash.example REMOTE_ADDR="$addr" \
		    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
		    DASHBOARD_LOGIN_MAX=2 <<<"$body" | head -n 1
	}
	run login_as 198.51.100.1 wrong1
	assert_output --partial "401"
	run login_as 198.51.100.1 wrong2
	assert_output --partial "401"
	run login_as 198.51.100.1 "$PW"
	assert_output --partial "429"
	run login_as 198.51.100.2 "$PW"
	assert_output --partial "303"
	rm -f "$VAULT_DIR/.state/local/dashboard-login"
}

@test "cgi: without a session key the dashboard says it is not set up" {
	run --separate-stderr cgi REQUEST_METHOD=GET PATH_INFO=/login DASHBOARD_SESSION_KEY_FILE="$BATS_TEST_TMPDIR/none"
	assert_line --index 0 --partial "Status: 503"
	assert_output --partial "dashboard-passwd"
}

@test "cgi: a session key readable by others is refused" {
	cp "$HOME/.config/ai-employee/dashboard.key" "$BATS_TEST_TMPDIR/k"
	chmod 644 "$BATS_TEST_TMPDIR/k"
	run --separate-stderr cgi REQUEST_METHOD=GET PATH_INFO=/login DASHBOARD_SESSION_KEY_FILE="$BATS_TEST_TMPDIR/k"
	assert_line --index 0 --partial "Status: 503"
	# shellcheck disable=SC2154
	[[ $stderr == *"readable by group, readable by others (mode 0644)"* ]]
}

@test "cgi: as agent cloud every decision is refused with 403" {
	local key tok body="id=DRAFT_EMAIL_1&csrf="
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	tok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	csrf=$(cgi REQUEST_METHOD=GET PATH_INFO=/ HTTP_COOKIE="aie_session=$tok" VAULT_AGENT=cloud | csrf_of /dev/stdin)
	[ -n "$csrf" ]
	body="$body$csrf&digest=$D1"
	run --separate-stderr cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=http://dash.example VAULT_AGENT=cloud HTTP_ACCEPT=application/json \
	    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} <<<"$body"
	assert_line --index 0 --partial "Status: 403"
	still_pending
}

@test "cgi: DASHBOARD_ORIGIN overrides the origin derived from the request" {
	local key tok body="id=NOPE_1&csrf=x"
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	tok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	run cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=https://phone.example.org DASHBOARD_ORIGIN=https://phone.example.org \
	    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} <<<"$body"
	assert_line --index 0 --partial "Status: 403"
	assert_output --partial "CSRF"
	run cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=http://dash.example DASHBOARD_ORIGIN=https://phone.example.org \
	    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} <<<"$body"
	assert_output --partial "cross-origin"
}

# --- issue 15: logout and a password change end every session ------------

# cookie_of JAR: the session cookie's value in a curl cookie jar.
cookie_of() {
	awk '$6 == "aie_session" { print $7 }' "$1"
}

# status_with COOKIE: the status code of /api/status sent with that cookie.
status_with() {
	curl -s -o /dev/null -w '%{http_code}' -H "Cookie: aie_session=$1" "$URL/api/status"
}

# file_session_again: the file's shared session ($JAR, its CSRF token)
# logged in anew, for the tests after these.
file_session_again() {
	login "$JAR"
	curl -s -b "$JAR" -o "$BATS_FILE_TMPDIR/home.html" "$URL/"
	csrf_of "$BATS_FILE_TMPDIR/home.html" >"$BATS_FILE_TMPDIR/csrf"
}

@test "logout: a cookie captured before it is refused after, on every device" {
	local phone="$BATS_TEST_TMPDIR/phone" laptop="$BATS_TEST_TMPDIR/laptop"
	local stolen other tok
	login "$phone"
	login "$laptop"
	stolen=$(cookie_of "$phone")
	other=$(cookie_of "$laptop")
	[ -n "$stolen" ] && [ -n "$other" ]
	[ "$(status_with "$stolen")" = 200 ] && [ "$(status_with "$other")" = 200 ]
	curl -s -b "$phone" -o "$B" "$URL/"
	tok=$(csrf_of "$B")
	code=$(curl -s -b "$phone" -c "$phone" -o /dev/null -w '%{http_code}' -H "Origin: $URL" \
	    --data "csrf=$tok" "$URL/logout")
	[ "$code" = 303 ]
	[ "$(status_with "$stolen")" = 401 ]
	[ "$(status_with "$other")" = 401 ]
	# the captured cookie cannot post either
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: aie_session=$stolen" \
	    -H "Origin: $URL" --data "id=DRAFT_EMAIL_1&csrf=$tok" "$URL/approve")
	[ "$code" = 401 ]
	still_pending
	# a new login works
	login "$phone"
	[ "$(status_with "$(cookie_of "$phone")")" = 200 ]
	file_session_again
}

@test "dashboard-passwd: a cookie captured before a password change is refused after" {
	local jar="$BATS_TEST_TMPDIR/jar" stolen
	login "$jar"
	stolen=$(cookie_of "$jar")
	[ "$(status_with "$stolen")" = 200 ]
	echo "a-new-password" | dashboard-passwd -q
	[ "$(status_with "$stolen")" = 401 ]
	# the new password logs in, the old one no longer does
	PW=a-new-password login "$jar"
	[ "$(status_with "$(cookie_of "$jar")")" = 200 ]
	login "$jar"
	[ "$(status_with "$(cookie_of "$jar")")" = 401 ]
	echo "$PW" | dashboard-passwd -q
	file_session_again
}

@test "dashboard-passwd -k: a cookie captured before is refused after" {
	local jar="$BATS_TEST_TMPDIR/jar" stolen
	login "$jar"
	stolen=$(cookie_of "$jar")
	[ "$(status_with "$stolen")" = 200 ]
	dashboard-passwd -q -k
	[ "$(status_with "$stolen")" = 401 ]
	login "$jar"
	[ "$(status_with "$(cookie_of "$jar")")" = 200 ]
	file_session_again
}

@test "cgi: an item that is not there gets one reply, for a page and a decision" {
	local key tok csrf body
	key=$(cat "$HOME/.config/ai-employee/dashboard.key")
	tok=$(/usr/bin/python3 "$T_DIR/data/dash-cookie.py" "$key" 2 3600)
	run cgi REQUEST_METHOD=GET PATH_INFO=/item QUERY_STRING=id=NOPE_1 HTTP_COOKIE="aie_session=$tok"
	assert_line --index 0 --partial "Status: 404"
	[ "$(grep -c '^Status:' <<<"$output")" = 1 ]
	run cgi REQUEST_METHOD=GET PATH_INFO=/item QUERY_STRING=id=../x HTTP_COOKIE="aie_session=$tok"
	assert_line --index 0 --partial "Status: 400"
	[ "$(grep -c '^Status:' <<<"$output")" = 1 ]
	cgi REQUEST_METHOD=GET PATH_INFO=/ HTTP_COOKIE="aie_session=$tok" >"$B"
	csrf=$(csrf_of "$B")
	[ -n "$csrf" ]
	body="id=NOPE_1&digest=$D1&csrf=$csrf"
	run cgi REQUEST_METHOD=POST PATH_INFO=/approve HTTP_COOKIE="aie_session=$tok" \
	    HTTP_ORIGIN=http://dash.example HTTP_ACCEPT=application/json \
	    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} <<<"$body"
	assert_line --index 0 --partial "Status: 404"
	[ "$(grep -c '^Status:' <<<"$output")" = 1 ]
	still_pending
}

# --- the assets ------------------------------------------------------------

# inlined FILE OPEN CLOSE [last]: the text between OPEN and CLOSE in the
# page FILE (the first such element, or the last) into $BATS_TEST_TMPDIR/got.
inlined() {
	local page rest
	page=$(cat "$1")
	if [ "${4:-}" = last ]; then rest=${page##*"$2"}; else rest=${page#*"$2"}; fi
	[ "$rest" != "$page" ] || { echo "no $2 in $1" >&2; return 1; }
	printf '%s' "${rest%%"$3"*}" >"$BATS_TEST_TMPDIR/got"
}

@test "the pages inline the files of cgi/dash/assets/ byte for byte, under the CSP's nonce" {
	local a="$TOP/cgi/dash/assets" hdr="$BATS_TEST_TMPDIR/hdr" n
	curl -s -D "$hdr" -b "$JAR" -o "$B" "$URL/"
	n=$(grep -o "script-src 'nonce-[A-Za-z0-9+/=]*'" "$hdr" | sed "s/.*'nonce-//; s/'$//")
	[ -n "$n" ]
	inlined "$B" "<style nonce=\"$n\">" "</style>"
	cmp "$BATS_TEST_TMPDIR/got" "$a/dash.css"
	inlined "$B" "<script nonce=\"$n\">" "</script>"
	cmp "$BATS_TEST_TMPDIR/got" "$a/theme.js"
	inlined "$B" "<script nonce=\"$n\">" "</script>" last
	cmp "$BATS_TEST_TMPDIR/got" "$a/dash.js"
	# the login page: the style and the theme, not the logged-in script
	curl -s -D "$hdr" -o "$B" "$URL/login"
	n=$(grep -o "style-src 'nonce-[A-Za-z0-9+/=]*'" "$hdr" | sed "s/.*'nonce-//; s/'$//")
	[ -n "$n" ]
	inlined "$B" "<style nonce=\"$n\">" "</style>"
	cmp "$BATS_TEST_TMPDIR/got" "$a/dash.css"
	inlined "$B" "<script nonce=\"$n\">" "</script>" last
	cmp "$BATS_TEST_TMPDIR/got" "$a/theme.js"
}
