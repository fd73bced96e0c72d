#!/usr/bin/env bats
# The dashboard's cards and item pages of posts, WhatsApp replies,
# invoices and payments (see ai-employee-dashboard(1)): a post as its
# network shows it, a reply under the customer's thread with the 24-hour
# window, an invoice's total and lines, a payment's invoice and amount;
# every vault value escaped. End to end through nginx + fcgiwrap, one
# server for the file, a cleaned vault per test.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load wa
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

# A value a hostile sender or model could put in any field.
EVIL='x<script>alert(1)</script><b>&amp;'

setup() {
	dash_setup
}

# home / item ID: the page into $B, 200 expected.
home() {
	req "$URL/"
	[ "$code" = 200 ]
}
item() {
	req "$URL/item?id=$1"
	[ "$code" = 200 ]
}

# card ID: the card of ID on the home page in $B.
card() {
	sed -n "s/.*\(<article class=\"card\" id=\"c-$1\".*\)/\1/p" "$B" |
	    sed 's#</article>.*#</article>#'
}

# no_raw: nothing hostile got through as markup in $B; escaped it shows.
no_raw() {
	! grep -q '<script>alert' "$B" || false
	! grep -q '<b>&amp;' "$B" || false
	grep -q 'x&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;&amp;amp;' "$B"
}

# mkpost ID NETWORK TEXT [KEY=VALUE...]: a post draft as draft-post files it.
mkpost() {
	local id=$1 net=$2 text=$3
	shift 3
	mkdir -p "$VAULT_DIR/Pending_Approval/social"
	{
		printf -- '---\ntype: post_draft\nid: %s\ncreated: 2026-11-30T10:20:00Z\n' "$id"
		printf 'domain: social\nstatus: pending\naction: post\nnetwork: %s\n' "$net"
		for kv; do printf '%s: %s\n' "${kv%%=*}" "${kv#*=}"; done
		printf 'subject: Post %s\nexpires: 2099-01-01T00:00:00Z\n---\n%s\n' "$id" "$text"
	} >"$VAULT_DIR/Pending_Approval/social/$id.md"
}

# mkwadraft ID SOURCE TEXT [TEMPLATE]: a reply draft.
mkwadraft() {
	mkdir -p "$VAULT_DIR/Pending_Approval/whatsapp"
	{
		printf -- '---\ntype: whatsapp_draft\nid: %s\ncreated: 2026-11-30T10:20:00Z\n' "$1"
		printf 'domain: whatsapp\nstatus: pending\nsource: %s\naction: send_whatsapp\n' "$2"
		printf 'to: "15551234567"\nreply_to: wamid.IN_%s\n' "$2"
		[ -z "${4:-}" ] || printf 'template: %s\ntemplate_lang: en_US\n' "$4"
		printf 'subject: Reply to Alice\nexpires: 2099-01-01T00:00:00Z\n---\n%s\n' "$3"
	} >"$VAULT_DIR/Pending_Approval/whatsapp/$1.md"
}

# ago HOURS MINUTES: an RFC 3339 UTC time that long ago.
ago() {
	date -u -d "-$1 hours -$2 minutes" +%Y-%m-%dT%H:%M:%SZ
}

# mkinvoice ID PARTNER CURRENCY TOTAL DUE CELL: an invoice draft as
# odoo-invoice files it, CELL the first line's description.
mkinvoice() {
	mkdir -p "$VAULT_DIR/Pending_Approval/finance"
	cat >"$VAULT_DIR/Pending_Approval/finance/$1.md" <<EOT
---
type: invoice_draft
id: $1
created: 2026-11-30T10:20:00Z
domain: finance
status: pending
action: post_invoice
odoo_id: 42
partner: $2
currency: $3
amount_total: $4
invoice_date: 2026-11-30
invoice_date_due: $5
subject: Invoice to $2
expires: 2099-01-01T00:00:00Z
---
Invoice to $2, Odoo account.move 42 (draft).

| # | Description | Qty | Unit price | Amount |
|--:|---|--:|--:|--:|
| 1 | $6 | 2 | 1500.00 | 3000.00 |
| 2 | Pipe \\| fitting | 1 | 2000.00 | 2000.00 |
| | **Total** | | | **$4 $3** |

Invoice date 2026-11-30, due $5.
EOT
}

# mkpayment ID INVOICE AMOUNT CURRENCY: a payment draft as odoo-payment files it.
mkpayment() {
	mkdir -p "$VAULT_DIR/Pending_Approval/finance"
	cat >"$VAULT_DIR/Pending_Approval/finance/$1.md" <<EOT
---
type: payment_draft
id: $1
created: 2026-11-30T10:20:00Z
domain: finance
status: pending
action: register_payment
odoo_id: 42
invoice: $2
partner: Acme Ltd (id 7)
currency: $4
amount: $3
payment_date: 2026-12-01
left_to_pay: 5000.00
subject: Payment for $2
expires: 2099-01-01T00:00:00Z
---
| Invoice | Amount |
|---|---|
| $2 | $3 $4 |
EOT
}

LONG="Our new workshop opens in Leeds on Monday. We spent a year on the tools, the benches and the people, and we would love to show you around: come by for coffee, bring a project, and meet the team that builds your orders every day. FOLDEDTAIL is here."

@test "a LinkedIn post: the network, the text folded after ~210 characters with …see more, the link, the schedule" {
	mkpost POST_linkedin_1 linkedin "$LONG" link=https://example.com/leeds schedule_at=2026-12-07T09:00:00Z
	home
	card POST_linkedin_1 >"$BATS_TEST_TMPDIR/c"
	grep -q '<b>LinkedIn</b> preview' "$BATS_TEST_TMPDIR/c"
	grep -q '<span class="fold">…see more</span>' "$BATS_TEST_TMPDIR/c"
	grep -q 'Our new workshop opens in Leeds' "$BATS_TEST_TMPDIR/c"
	# the fold hides what comes after it: not on the card at all
	! grep -q 'FOLDEDTAIL' "$BATS_TEST_TMPDIR/c" || false
	grep -q 'Link: https://example.com/leeds' "$BATS_TEST_TMPDIR/c"
	grep -q 'Scheduled: not before 2026-12-07T09:00:00Z' "$BATS_TEST_TMPDIR/c"
	# what comes before the fold is 210 characters of the text
	head=$(sed -n 's/.*<p class="ptext">\(.*\)<span class="fold">.*/\1/p' "$BATS_TEST_TMPDIR/c")
	[ "${#head}" -eq 210 ]
	# the page: the same preview, the whole text in the body, the rule check
	item POST_linkedin_1
	grep -q '<span class="fold">…see more</span>' "$B"
	grep -q 'FOLDEDTAIL' "$B"
	grep -q 'Rule check: ok, within LinkedIn' "$B"
	# a short post is not folded
	mkpost POST_linkedin_2 linkedin "Short and sweet."
	home
	card POST_linkedin_2 >"$BATS_TEST_TMPDIR/c"
	grep -q 'Short and sweet.' "$BATS_TEST_TMPDIR/c"
	! grep -q 'see more' "$BATS_TEST_TMPDIR/c" || false
	grep -q 'Published once approved' "$BATS_TEST_TMPDIR/c"
}

@test "an X post: the weighted count N/280 as lib/social counts it (a URL 23, an emoji 2); over 280 the rule check says so" {
	# 12 + 2 (the blank line before the link) + 23 (the URL) = 37; 11 + 😀 2 + 25 = 38
	mkpost POST_x_1 x 'Hello world!' link=https://example.com/a-very-long-path/that/x/shortens
	mkpost POST_x_2 x 'Hello world😀' link=https://example.com/
	home
	card POST_x_1 | grep -q '<b>X</b> preview · <span class="xn">37/280</span>'
	card POST_x_2 | grep -q '<span class="xn">38/280</span>'
	long=$(printf 'a%.0s' $(seq 1 290))
	mkpost POST_x_3 x "$long"
	home
	card POST_x_3 | grep -q '<span class="xn err">290/280</span>'
	item POST_x_3
	grep -q '<p class="err">Rule check: POST_x_3: .*280.*approval refused</p>' "$B"
	! grep -q 'Rule check: ok' "$B" || false
	item POST_x_1
	grep -q 'Rule check: ok, within X' "$B"
}

@test "a Facebook post: folded with …see more after ~477 characters on its page; the card, cut before the fold, says only …" {
	long="$(printf 'a%.0s' $(seq 1 477))FBTAIL$(printf 'b%.0s' $(seq 1 100))"
	mkpost POST_facebook_1 facebook "$long"
	home
	card POST_facebook_1 >"$BATS_TEST_TMPDIR/c"
	grep -q '<b>Facebook</b> preview' "$BATS_TEST_TMPDIR/c"
	! grep -q 'see more' "$BATS_TEST_TMPDIR/c" || false
	grep -q 'aaaa…</p>' "$BATS_TEST_TMPDIR/c"
	item POST_facebook_1
	head=$(sed -n 's/.*<p class="ptext">\(.*\)<span class="fold">…see more<\/span>.*/\1/p' "$B")
	[ "${#head}" -eq 477 ]
	[[ "$head" != *FBTAIL* ]]
}

@test "a post with an image: named on the card; the page shows the signed bytes and its rule check says whether they are still the ones drafted" {
	mkdir -p "$VAULT_DIR/Media"
	printf '\211PNG\r\n\032\n\0\0\0\rIHDRchart' >"$VAULT_DIR/Media/chart.png"
	sum=$(sha256sum "$VAULT_DIR/Media/chart.png" | cut -d' ' -f1)
	mkpost POST_linkedin_i linkedin "With a chart" media=Media/chart.png "media_sha256=$sum" "media_alt=Orders <by> week"
	home
	card POST_linkedin_i | grep -q 'Image: Media/chart.png'
	# its description, signed with it, escaped
	card POST_linkedin_i | grep -qF 'Image description: Orders &lt;by&gt; week'
	item POST_linkedin_i
	grep -q 'Rule check: ok, within LinkedIn' "$B"
	# the image shown is the bytes checked against the signed digest
	grep -qF "<img class=\"pimg\" alt=\"The post's image, as signed\" src=\"data:image/png;base64,$(base64 -w0 "$VAULT_DIR/Media/chart.png")\">" "$B"
	printf 'swapped' >>"$VAULT_DIR/Media/chart.png"
	item POST_linkedin_i
	grep -q 'Rule check: POST_linkedin_i: media Media/chart.png: the image changed since it was drafted' "$B"
	! grep -q 'Rule check: ok' "$B" || false
	! grep -q '<img' "$B" || false
	rm -r "$VAULT_DIR/Media/chart.png"
}

@test "a post with several images: each named in order with its description; the page shows each signed image, and refuses one changed" {
	mkdir -p "$VAULT_DIR/Media"
	printf '\211PNG\r\n\032\n\0\0\0\rIHDRone' >"$VAULT_DIR/Media/one.png"
	printf '\211PNG\r\n\032\n\0\0\0\rIHDRtwo' >"$VAULT_DIR/Media/two.png"
	s1=$(sha256sum "$VAULT_DIR/Media/one.png" | cut -d' ' -f1)
	s2=$(sha256sum "$VAULT_DIR/Media/two.png" | cut -d' ' -f1)
	mkpost POST_x_m x "Two charts" "media=Media/one.png Media/two.png" "media_sha256=$s1 $s2" \
	    "media_alt=First <one> | "
	home
	card POST_x_m | grep -q 'Image 1 of 2: Media/one.png'
	card POST_x_m | grep -q 'Image 2 of 2: Media/two.png'
	card POST_x_m | grep -qF 'Image description: First &lt;one&gt;'
	[ "$(card POST_x_m | grep -c 'Image description')" -eq 1 ]
	item POST_x_m
	grep -q 'Rule check: ok, within X' "$B"
	[ "$(grep -o '<img class="pimg"' "$B" | wc -l)" -eq 2 ]
	grep -qF "base64,$(base64 -w0 "$VAULT_DIR/Media/two.png")\">" "$B"
	printf 'swapped' >>"$VAULT_DIR/Media/two.png"
	item POST_x_m
	grep -q 'Rule check: POST_x_m: media Media/two.png: the image changed since it was drafted' "$B"
	[ "$(grep -o '<img class="pimg"' "$B" | wc -l)" -eq 1 ]
	rm "$VAULT_DIR/Media/one.png" "$VAULT_DIR/Media/two.png"
}

@test "a post: every new field escaped on the card and the page (text, link, schedule, network)" {
	mkpost POST_linkedin_e linkedin "$EVIL" "link=$EVIL" "schedule_at=$EVIL"
	mkpost POST_e2 "$EVIL" "hello"
	home
	no_raw
	grep -q 'Unreadable schedule_at: x&lt;script' "$B"
	grep -q 'Unknown network: x&lt;script' "$B"
	item POST_linkedin_e
	no_raw
	item POST_e2
	no_raw
}

@test "a WhatsApp reply: the customer's last messages oldest first above the reply, escaped; the page shows more of them" {
	mkwa WA_1 "$(ago 30 0)" 'first message' Done
	mkwa WA_2 "$(ago 3 0)" 'second message'
	mkwa WA_3 "$(ago 2 0)" "$EVIL"
	mkwa WA_4 "$(ago 1 0)" 'is my order ready?'
	mkwadraft DRAFT_WA_4 WA_4 'Hello Alice, it ships tomorrow.'
	home
	card DRAFT_WA_4 >"$BATS_TEST_TMPDIR/c"
	# the card: the last 3, oldest first, then the reply
	! grep -q 'first message' "$BATS_TEST_TMPDIR/c" || false
	[ "$(grep -o 'second message\|x&lt;script\|is my order ready\|Reply:' "$BATS_TEST_TMPDIR/c" |
	    paste -sd, -)" = "second message,x&lt;script,is my order ready,Reply:" ]
	grep -q 'Hello Alice, it ships tomorrow.' "$BATS_TEST_TMPDIR/c"
	no_raw
	# the page: the older one from Done too, above the reply (its body, the
	# edit form), then the source
	item DRAFT_WA_4
	no_raw
	[ "$(grep -o 'first message\|second message\|is my order ready\|Hello Alice, it ships' "$B" |
	    paste -sd, -)" = "first message,second message,is my order ready,Hello Alice, it ships,Hello Alice, it ships,is my order ready" ]
}

@test "a WhatsApp reply: the window's time left from the latest received, closed after 24 h: a template is needed" {
	mkwa WA_1 "$(ago 19 30)" 'hello'
	mkwa WA_2 "$(ago 30 0)" 'older'
	mkwadraft DRAFT_WA_1 WA_1 'Hi!'
	home
	card DRAFT_WA_1 | grep -q '<p class="good">Window closes in 4 h</p>'
	item DRAFT_WA_1
	grep -q 'Window closes in 4 h' "$B"
	# 19 h 30 min ago: 4 h 30 min left; a later one 18 h 30 min ago: 5 h 30
	mkwa WA_3 "$(ago 18 30)" 'later'
	home
	card DRAFT_WA_1 | grep -q 'Window closes in 5 h'
	# the customer's latest message 25 h ago: closed
	rm "$VAULT_DIR"/Needs_Action/whatsapp/WA_{1,3}.md
	mkwa WA_1 "$(ago 25 0)" 'hello'
	home
	card DRAFT_WA_1 | grep -q '<p class="err">Window closed: a template is needed</p>'
	item DRAFT_WA_1
	grep -q 'Window closed: a template is needed' "$B"
	# a template draft goes out anyway, and says so (its name escaped)
	mkwadraft DRAFT_WA_1 WA_1 'Alice' "$EVIL"
	home
	card DRAFT_WA_1 | grep -q 'Window closed: sent as the template x&lt;script'
	no_raw
	# the approval agrees: free text is refused now
	mkwadraft DRAFT_WA_1 WA_1 'Hi!'
	run approve DRAFT_WA_1
	assert_failure
	assert_output --partial 'window closed'
}

@test "an invoice: partner, total with currency and due date on the card; its lines as a table on the page, escaped" {
	mkinvoice INVOICE_1 'Acme Ltd (id 7)' EUR 5000.00 2026-12-30 'Boiler service'
	home
	card INVOICE_1 >"$BATS_TEST_TMPDIR/c"
	grep -q 'Invoice to Acme Ltd (id 7)' "$BATS_TEST_TMPDIR/c"
	grep -q '<b>5000.00 EUR</b> · due 2026-12-30' "$BATS_TEST_TMPDIR/c"
	item INVOICE_1
	grep -q '<table class="lines"><caption>Lines</caption><tr><th scope="col">#</th><th scope="col">Description</th>' "$B"
	grep -q '<tr><td>1</td><td>Boiler service</td><td>2</td><td>1500.00</td><td>3000.00</td></tr>' "$B"
	# an escaped | stays in its cell; the bold marks go
	grep -q '<td>Pipe | fitting</td>' "$B"
	grep -q '<td>Total</td><td></td><td></td><td>5000.00 EUR</td>' "$B"
	# hostile values in every field and cell
	mkinvoice INVOICE_2 "$EVIL" "$EVIL" "$EVIL" "$EVIL" "$EVIL"
	home
	no_raw
	item INVOICE_2
	no_raw
	grep -q '<td>x&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;&amp;amp;</td>' "$B"
}

@test "a payment: the invoice it settles and the amount, escaped" {
	mkpayment PAYMENT_1 INV/2026/00042 1200.00 EUR
	home
	card PAYMENT_1 >"$BATS_TEST_TMPDIR/c"
	grep -q 'Payment of <b>1200.00 EUR</b> settles INV/2026/00042 of Acme Ltd (id 7)' "$BATS_TEST_TMPDIR/c"
	grep -q 'Left to pay before it: 5000.00' "$BATS_TEST_TMPDIR/c"
	item PAYMENT_1
	grep -q 'settles INV/2026/00042' "$B"
	mkpayment PAYMENT_2 "$EVIL" "$EVIL" "$EVIL"
	home
	no_raw
	item PAYMENT_2
	no_raw
}

@test "an email draft's card is as before: no kind view" {
	home
	card DRAFT_EMAIL_1 >"$BATS_TEST_TMPDIR/c"
	grep -q '<p class="preview">' "$BATS_TEST_TMPDIR/c"
	! grep -q 'class="kind' "$BATS_TEST_TMPDIR/c" || false
}

# every kind waiting at once, as the quality checks see them
mkall() {
	mkpost POST_linkedin_1 linkedin "$LONG" link=https://example.com/leeds
	mkpost POST_x_1 x 'Hello world!' link=https://example.com/
	mkwa WA_1 "$(ago 3 0)" 'Is my order ready?'
	mkwadraft DRAFT_WA_1 WA_1 'Hello Alice, it ships tomorrow.'
	mkinvoice INVOICE_1 'Acme Ltd (id 7)' EUR 5000.00 2026-12-30 'Boiler service'
	mkpayment PAYMENT_1 INV/2026/00042 1200.00 EUR
}

@test "the pages of every kind stay under 30 KB" {
	mkall
	for p in / /item?id=POST_linkedin_1 /item?id=POST_x_1 /item?id=DRAFT_WA_1 \
	    /item?id=INVOICE_1 /item?id=PAYMENT_1; do
		req "$URL$p"
		[ "$code" = 200 ]
		[ "$(wc -c <"$B")" -lt 30720 ]
	done
	home
	[ "$(grep -o 'class="kind' "$B" | wc -l)" = 5 ]
}

@test "the Nu Html Checker finds no error in the home and item pages of every kind" {
	command -v java >/dev/null && [ -f "$TOP/node_modules/vnu-jar/build/dist/vnu.jar" ] ||
	    skip "needs java and node_modules/vnu-jar (npm install)"
	mkall
	mkpost POST_x_3 x "$(printf 'a%.0s' $(seq 1 290))"
	d=$BATS_TEST_TMPDIR
	curl -sf -b "$JAR" -o "$d/home.html" "$URL/"
	for id in POST_linkedin_1 POST_x_3 DRAFT_WA_1 INVOICE_1 PAYMENT_1; do
		curl -sf -b "$JAR" -o "$d/$id.html" "$URL/item?id=$id"
	done
	run java -jar "$TOP/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only \
	    "$d"/home.html "$d"/POST_linkedin_1.html "$d"/POST_x_3.html "$d"/DRAFT_WA_1.html \
	    "$d"/INVOICE_1.html "$d"/PAYMENT_1.html
	echo "$output"
	assert_success
	assert_output ""
}

@test "at 375 px, light and dark: axe finds nothing, nothing scrolls sideways, 44 px controls; screenshots in t/out" {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/playwright-core" ] &&
	    [ -d "$TOP/node_modules/axe-core" ] ||
	    skip "needs /usr/bin/chromium and node_modules/{playwright-core,axe-core} (npm install)"
	mkall
	export TMPDIR=$BATS_TEST_TMPDIR
	run node "$T_DIR/browser/cards.js" "$URL" "$PW" "$BATS_TEST_TMPDIR" / \
	    /item?id=POST_linkedin_1 /item?id=DRAFT_WA_1 /item?id=INVOICE_1
	echo "$output"
	assert_success
	# 4 pages x 2 schemes, each clean
	[ "$(grep -c '"page":' <<<"$output")" = 8 ]
	[ "$(grep -c '"violations":\[\],"scroll":true,"small":\[\]' <<<"$output")" = 8 ]
	mkdir -p "$TOP/t/out"
	cp "$BATS_TEST_TMPDIR"/cards-*.png "$TOP/t/out/"
	[ "$(find "$BATS_TEST_TMPDIR" -name 'cards-*-dark.png' | wc -l)" = 4 ]
}
