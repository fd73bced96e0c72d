#!/usr/bin/env bats
# The vault's read-only pages (see ai-employee-dashboard(1), "Reading the
# vault"): pages.cgi beside dashboard.cgi behind the real nginx + fcgiwrap,
# the briefings, plans, handbook, goals and finished items rendered from
# their Markdown by md4c's parser with our own escaping renderer; the
# dashboard's session; hostile Markdown inert; only the vault's own
# folders, 404 otherwise; the home page's link to this week's briefing;
# axe, the HTML checker and Lighthouse on the new pages.
# $code and $B are set by req() and by tests alike, one test at a time:
# shellcheck disable=SC2030,SC2031
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup() {
	dash_setup
	# Chromium leaves an org.chromium.Chromium.* directory in TMPDIR
	export TMPDIR=$BATS_TEST_TMPDIR
	rm -rf "$VAULT_DIR/Briefings" "$VAULT_DIR"/Plans/*/*.md "$VAULT_DIR/Done/email"
	mkdir -p "$VAULT_DIR/Briefings"
}

# briefing DATE [BODY]: Briefings/DATE_Monday_Briefing.md with front matter.
briefing() {
	local f="$VAULT_DIR/Briefings/$1_Monday_Briefing.md"
	{
		printf -- '---\ntype: briefing\nperiod: week before %s\ngenerated: 2026-11-30T07:00:00Z\n---\n' "$1"
		printf '%s\n' "${2:-# Monday briefing $1

## Revenue

| week | target |
|------|--------|
| 4200 | 10000 |

- [x] invoices sent
- [ ] chase ACME}"
	} >"$f"
}

# plan ID [DOMAIN]: Plans/DOMAIN/PLAN_ID.md of item ID.
plan() {
	local d=${2:-email}
	mkdir -p "$VAULT_DIR/Plans/$d"
	cat >"$VAULT_DIR/Plans/$d/PLAN_$1.md" <<EOT
---
type: plan
id: PLAN_$1
source: $1
created: 2026-11-30T10:00:00Z
domain: $d
status: active
---
Objective: answer $1 <fast>

## Steps
- [x] read the mail
- [ ] send the reply (draft: DRAFT_$1)
EOT
}

# done_item ID: a finished email in Done/email/2026-11/.
done_item() {
	mkdir -p "$VAULT_DIR/Done/email/2026-11"
	cat >"$VAULT_DIR/Done/email/2026-11/$1.md" <<EOT
---
type: email
id: $1
created: 2026-11-30T10:15:00Z
domain: email
status: done
subject: "Order <b>1234</b> shipped"
---
**Sent** on Monday; see [the plan](../../../Plans/email/PLAN_$1.md).
EOT
}

@test "without a session every reading page sends the browser to /login; POST is 405" {
	local p
	briefing 2026-11-30
	for p in /briefings /briefings/2026-11-30_Monday_Briefing.md /plans /handbook /goals /done/EMAIL_1; do
		code=$(curl -s -o "$B" -D "$B.h" -w '%{http_code}' "$URL$p")
		[ "$code" = 303 ] || fail "$p: $code"
		grep -qi '^location: /login' "$B.h" || fail "$p: not sent to /login"
		run ! grep -q 'Monday briefing' "$B"
	done
	req -X POST -H "Origin: $URL" -d x=1 "$URL/briefings"
	[ "$code" = 405 ]
}

@test "the briefings are listed newest first, 25 a page, with Older and Newer" {
	local d
	for d in $(seq 1 30); do
		briefing "$(date -u -d "2026-01-05 + $((d * 7)) days" +%F)"
	done
	touch "$VAULT_DIR/Briefings/notes.md" "$VAULT_DIR/Briefings/2026-02-30_Monday_Briefing.md"
	req "$URL/briefings"
	[ "$code" = 200 ]
	grep -q 'Monday briefings (30)' "$B"
	[ "$(grep -o 'href="/briefings/[^"]*"' "$B" | wc -l)" = 25 ]
	# newest first: the first link is the last week made
	grep -o 'href="/briefings/[^"]*"' "$B" | head -n 1 | grep -q "$(date -u -d '2026-01-05 + 210 days' +%F)"
	grep -q 'href="/briefings?page=1">Older' "$B"
	run ! grep -q 'notes.md\|2026-02-30' "$B"
	req "$URL/briefings?page=1"
	[ "$(grep -o 'href="/briefings/[^"]*"' "$B" | wc -l)" = 5 ]
	grep -q 'href="/briefings?page=0">Newer' "$B"
	run ! grep -q 'Older' "$B"
	req "$URL/briefings?page=-1"
	[ "$code" = 400 ]
	req "$URL/briefings?page=x"
	[ "$code" = 400 ]
	# none yet: said, not an error
	rm -rf "$VAULT_DIR/Briefings"
	req "$URL/briefings"
	[ "$code" = 200 ]
	grep -q 'No briefing yet' "$B"
}

@test "a briefing is rendered: headings under the page's title, a table, task marks, its front matter as fields" {
	briefing 2026-11-30
	req "$URL/briefings/2026-11-30_Monday_Briefing.md"
	[ "$code" = 200 ]
	grep -q '<h2>Monday briefing, 2026-11-30</h2>' "$B"
	grep -q '<dt>period</dt><dd>week before 2026-11-30</dd>' "$B"
	grep -q '<h3>Monday briefing 2026-11-30</h3>' "$B"
	grep -q '<h4>Revenue</h4>' "$B"
	grep -q '<table class="lines"><thead><tr><th scope="col">week</th>' "$B"
	grep -q '<td>4200</td>' "$B"
	grep -q '<li>☑ invoices sent</li>' "$B"
	grep -q '<li>☐ chase ACME</li>' "$B"
	# the front matter is not drawn again as Markdown
	run ! grep -q '<hr>' "$B"
	# the same headers as the dashboard's pages
	grep -qi "^content-security-policy: default-src 'none'" "$B.h"
	grep -qi '^x-frame-options: DENY' "$B.h"
	grep -qi '^cache-control: no-store' "$B.h"
	# and its frame: logged in, the Log out form
	grep -q 'action="/logout"' "$B"
}

@test "hostile Markdown is inert: no raw HTML, no script, no javascript:, data: or vbscript: link, no image loaded" {
	briefing 2026-11-30 '# Hello <script>alert(1)</script>

<iframe src="https://evil.example/"></iframe>

<img src=x onerror=alert(2)>

[js](javascript:alert(3)) [js2](JaVaScRiPt:alert(4)) [tab](java	script:alert(5))
[ent](java&#115;cript:alert(6)) [named](javascript&colon;alert(7)) [data](data:text/html;base64,PHNjcmlwdD4=)
[vb](vbscript:msgbox) [proto](//evil.example/x) [abs](/logout) [ws](  javascript:alert(8))

![pic](https://evil.example/track.png "t") ![local](pic.png)

[ok](https://example.com/a?b=1&c="2") [mail](mailto:owner@example.com) [frag](#revenue)

`<b>code</b>` and **bold <i>x</i>** &lt;kept&gt; &#0; &#x202E;x'
	req "$URL/briefings/2026-11-30_Monday_Briefing.md"
	[ "$code" = 200 ]
	run ! grep -Eiq '<script>alert|<iframe|<img|<i>x|<b>code' "$B"
	run ! grep -Eiq '<a href="[[:space:]]*(javascript|vbscript|data|java)' "$B"
	run ! grep -q '<a href="//\|<a href="/logout"' "$B"
	# their text is shown, escaped
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$B"
	grep -q '&lt;iframe src=&quot;https://evil.example/&quot;&gt;' "$B"
	grep -q '<code>&lt;b&gt;code&lt;/b&gt;</code>' "$B"
	# the image is its alt text, a link at most (nothing loads)
	grep -q '<a href="https://evil.example/track.png" rel="noopener noreferrer"><span class="img">\[image: pic\]</span></a>' "$B"
	grep -q '<span class="img">\[image: local\]</span>' "$B"
	# safe links keep their target, escaped for the attribute
	grep -q '<a href="https://example.com/a?b=1&amp;c=&quot;2&quot;" rel="noopener noreferrer">ok</a>' "$B"
	grep -q '<a href="mailto:owner@example.com" rel="noopener noreferrer">mail</a>' "$B"
	grep -q '<a href="#revenue" rel="noopener noreferrer">frag</a>' "$B"
	# NUL as U+FFFD, a bidi override marked as on the item page
	grep -q '<span class="mk">⟦U+202E⟧</span>x' "$B"
	grep -q '&lt;kept&gt;' "$B"
}

@test "links between vault files become the pages' links; a path out of the vault or to another file is text" {
	plan EMAIL_2
	done_item EMAIL_2
	briefing 2026-11-30 '[plan](../Plans/email/PLAN_EMAIL_2.md) [done](../Done/email/2026-11/EMAIL_2.md#x)
[hb](../Company_Handbook.md) [goals](./../Business_Goals.md) [prev](2026-11-23_Monday_Briefing.md)
[out](../../etc/passwd) [log](../Logs/2026-11-30.jsonl) [key](../.state/local/dashboard.key)'
	req "$URL/briefings/2026-11-30_Monday_Briefing.md"
	grep -q '<a href="/plans/PLAN_EMAIL_2" rel="noopener noreferrer">plan</a>' "$B"
	grep -q '<a href="/done/EMAIL_2" rel="noopener noreferrer">done</a>' "$B"
	grep -q '<a href="/handbook" rel="noopener noreferrer">hb</a>' "$B"
	grep -q '<a href="/goals" rel="noopener noreferrer">goals</a>' "$B"
	grep -q '<a href="/briefings/2026-11-23_Monday_Briefing.md" rel="noopener noreferrer">prev</a>' "$B"
	run ! grep -q 'passwd"\|jsonl"\|dashboard.key"' "$B"
	grep -q 'out log key' "$B"
}

@test "[[wikilinks]] link the note's page when it is in the vault, by file name as Obsidian resolves them; else text" {
	plan EMAIL_2
	done_item EMAIL_2
	briefing 2026-11-23
	briefing 2026-11-30 '[[PLAN_EMAIL_2]] [[EMAIL_2|the order]] [[Company_Handbook]] [[Business_Goals.md|goals]]
[[2026-11-23_Monday_Briefing|last week]] [[DRAFT_EMAIL_1]] [[Plans/email/PLAN_EMAIL_2#Steps|by path]]
[[No_Such_Note]] [[../../etc/passwd|up]] [[/etc/passwd]] [[.state/local/dashboard|key]] [[Logs/x|log]]
[[<script>alert(1)</script>]] [[javascript:alert(2)|js]] [[a"b|q]]'
	req "$URL/briefings/2026-11-30_Monday_Briefing.md"
	[ "$code" = 200 ]
	grep -q '<a href="/plans/PLAN_EMAIL_2" rel="noopener noreferrer">PLAN_EMAIL_2</a>' "$B"
	grep -q '<a href="/done/EMAIL_2" rel="noopener noreferrer">the order</a>' "$B"
	grep -q '<a href="/handbook" rel="noopener noreferrer">Company_Handbook</a>' "$B"
	grep -q '<a href="/goals" rel="noopener noreferrer">goals</a>' "$B"
	grep -q '<a href="/briefings/2026-11-23_Monday_Briefing.md" rel="noopener noreferrer">last week</a>' "$B"
	# an item in another stage: the dashboard's item page
	grep -q '<a href="/item?id=DRAFT_EMAIL_1" rel="noopener noreferrer">DRAFT_EMAIL_1</a>' "$B"
	grep -q '<a href="/plans/PLAN_EMAIL_2" rel="noopener noreferrer">by path</a>' "$B"
	# not in the vault, out of it, or without a page: text, escaped
	grep -q 'No_Such_Note up /etc/passwd key log' "$B"
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt; js' "$B"
	run ! grep -q '<script>\|href="javascript\|passwd"\|dashboard.key\|a"b' "$B"
	# a note removed is text again (the page is not kept)
	rm "$VAULT_DIR/Briefings/2026-11-23_Monday_Briefing.md"
	req "$URL/briefings/2026-11-30_Monday_Briefing.md"
	run ! grep -q 'href="/briefings/2026-11-23' "$B"
	grep -q 'last week' "$B"
}

@test "plans: the list with status and objective, a plan rendered, only plans under /plans" {
	plan EMAIL_1
	plan WA_1 whatsapp
	req "$URL/plans"
	[ "$code" = 200 ]
	grep -q 'Plans (2)' "$B"
	grep -q '<a href="/plans/PLAN_EMAIL_1">PLAN_EMAIL_1</a><br><small>active: answer EMAIL_1 &lt;fast&gt;</small>' "$B"
	grep -q 'href="/plans/PLAN_WA_1"' "$B"
	req "$URL/plans/PLAN_EMAIL_1"
	[ "$code" = 200 ]
	grep -q '<h2>PLAN_EMAIL_1</h2>' "$B"
	grep -q '<li>☑ read the mail</li>' "$B"
	grep -q '<h3>Steps</h3>' "$B"
	# a real item that is not a plan, a plan that is not there, odd names
	for p in /plans/DRAFT_EMAIL_1 /plans/PLAN_NONE /plans/PLAN_EMAIL_1.md "/plans/PLAN_EMAIL_1/x" /plans/ /plansx; do
		req "$URL$p"
		[ "$code" = 404 ] || fail "$p: $code"
	done
}

@test "the handbook and the business goals vault-init wrote are rendered" {
	req "$URL/handbook"
	[ "$code" = 200 ]
	grep -q '<h2>Company handbook</h2>' "$B"
	grep -q '<h4>Urgent keywords</h4>\|<h3>Urgent keywords</h3>' "$B"
	req "$URL/goals"
	[ "$code" = 200 ]
	grep -q '<h2>Business goals</h2>' "$B"
	grep -q 'Monthly target' "$B"
	grep -q '<table class="lines">' "$B"
	rm "$VAULT_DIR/Business_Goals.md"
	req "$URL/goals"
	[ "$code" = 404 ]
	vault-init -q "$VAULT_DIR" >/dev/null
}

@test "a finished item is rendered read-only; items in other stages and bad IDs are 404" {
	done_item EMAIL_3
	req "$URL/done/EMAIL_3"
	[ "$code" = 200 ]
	grep -q '<h2>Order &lt;b&gt;1234&lt;/b&gt; shipped</h2>' "$B"
	grep -q '<strong>Sent</strong> on Monday' "$B"
	run ! grep -q '<form method="post" action="/approve"\|name="digest"' "$B"
	for p in /done/DRAFT_EMAIL_1 /done/EMAIL_1 /done/NOPE_1 "/done/a%20b" /done/EMAIL_3.md; do
		req "$URL$p"
		[ "$code" = 404 ] || fail "$p: $code"
	done
}

@test "paths are validated: no .., no other folder, no symlink, bad dates 404" {
	briefing 2026-11-30
	ln -s ../Company_Handbook.md "$VAULT_DIR/Briefings/2026-11-23_Monday_Briefing.md"
	req "$URL/briefings/2026-11-23_Monday_Briefing.md"
	[ "$code" != 200 ]
	run ! grep -q 'Urgent' "$B"
	local p
	for p in /briefings/../Company_Handbook.md /briefings/..%2fCompany_Handbook.md \
	    /briefings/2026-13-01_Monday_Briefing.md /briefings/2026-11-30_Monday_Briefing.md/x \
	    /briefings/2026-11-30_Monday_Briefing /briefings/x /handbook/x /goals/ /done/ /vault/Company_Handbook.md; do
		code=$(curl -s --path-as-is -o "$B" -w '%{http_code}' -b "$JAR" "$URL$p")
		[ "$code" = 404 ] || fail "$p: $code"
	done
}

@test "the home page links this week's Monday briefing once it exists, and the reading pages always" {
	req "$URL/"
	[ "$code" = 200 ]
	grep -q '<a class="btn" href="/briefings">Briefings, plans, handbook</a>' "$B"
	run ! grep -q "This week's briefing" "$B"
	local monday
	monday=$(date -u -d "today - $(( ($(date -u +%u) - 1) )) days" +%F)
	briefing "$monday"
	req "$URL/"
	grep -q "<a class=\"btn\" href=\"/briefings/${monday}_Monday_Briefing.md\">This week's briefing</a>" "$B"
	req "$URL/briefings/${monday}_Monday_Briefing.md"
	[ "$code" = 200 ]
}

# pages: the reading pages with content, for the browser checks.
pages_content() {
	briefing 2026-11-30
	plan EMAIL_1
	done_item EMAIL_3
}

@test "the Nu Html Checker finds no error in the reading pages" {
	command -v java >/dev/null && [ -f "$TOP/node_modules/vnu-jar/build/dist/vnu.jar" ] ||
	    skip "needs java and node_modules/vnu-jar (npm install)"
	pages_content
	local p i=0 files=()
	for p in /briefings /briefings/2026-11-30_Monday_Briefing.md /plans /plans/PLAN_EMAIL_1 \
	    /handbook /goals /done/EMAIL_3; do
		i=$((i + 1))
		curl -sf -b "$JAR" -o "$BATS_TEST_TMPDIR/p$i.html" "$URL$p"
		files+=("$BATS_TEST_TMPDIR/p$i.html")
	done
	run java -jar "$TOP/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only "${files[@]}"
	echo "$output"
	assert_success
	assert_output ""
}

@test "at 375 px, light and dark: axe finds nothing, nothing scrolls sideways, 44 px controls; screenshots t/out/pages-*.png" {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/playwright-core" ] &&
	    [ -d "$TOP/node_modules/axe-core" ] ||
	    skip "needs /usr/bin/chromium and node_modules/{playwright-core,axe-core} (npm install)"
	pages_content
	run node "$T_DIR/browser/cards.js" "$URL" "$PW" "$BATS_TEST_TMPDIR" /briefings \
	    /briefings/2026-11-30_Monday_Briefing.md /plans /plans/PLAN_EMAIL_1 /handbook /goals /done/EMAIL_3
	echo "$output"
	assert_success
	[ "$(grep -c '"violations":\[\]' <<<"$output")" = 14 ]
	[ "$(grep -c '"scroll":true' <<<"$output")" = 14 ]
	[ "$(grep -c '"small":\[\]' <<<"$output")" = 14 ]
	mkdir -p "$TOP/t/out"
	local f
	for f in "$BATS_TEST_TMPDIR"/cards-*.png; do
		cp "$f" "$TOP/t/out/pages-${f##*/cards-}"
	done
}

@test "Lighthouse (mobile): performance (best of 3), accessibility and best practices >= 0.95 on a briefing and the plans" {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/lighthouse" ] ||
	    skip "needs /usr/bin/chromium and node_modules/lighthouse (npm install)"
	pages_content
	local cookie
	cookie=$(awk '$6 == "aie_session" { print $6 "=" $7 }' "$JAR")
	[ -n "$cookie" ]
	LH_RUNS=3 run node "$T_DIR/browser/lighthouse.mjs" "$URL" "$cookie" \
	    /briefings/2026-11-30_Monday_Briefing.md /plans
	echo "$output"
	assert_success
	node -e '
		const rows = process.argv[1].trim().split("\n").map((l) => JSON.parse(l));
		if (rows.length !== 2) throw new Error("want 2 pages, got " + rows.length);
		for (const r of rows) {
			if (r.error !== null) throw new Error(r.path + ": " + r.error);
			if (!r.url.endsWith(r.path)) throw new Error(r.path + " ended at " + r.url);
			for (const k of ["performance", "accessibility", "best_practices"])
				if (!(r[k] >= 0.95)) throw new Error(r.path + " " + k + " " + r[k] + " " + r.failing);
		}' "$output"
}

@test "pages.cgi is linked statically (but under the sanitizers) and needs libmd4c only to render" {
	[ -n "${AIE_SAN:-}" ] || { run -0 readelf -d "$AIE_CGI/pages.cgi"; refute_output --partial NEEDED; }
	# it loads the shared libmd4c when it renders, by its soname
	grep -qa 'libmd4c.so.0' "$AIE_CGI/pages.cgi"
}

@test "pages.cgi alone: outside a web server it says so and exits 2; HEAD sends the headers only; without a session key 503" {
	run -2 env -u REQUEST_METHOD "$AIE_CGI/pages.cgi"
	assert_output --partial 'run me as a CGI program'
	local cookie
	cookie=$(awk '$6 == "aie_session" { print $6 "=" $7 }' "$JAR")
	briefing 2026-11-30
	run -0 env REQUEST_METHOD=HEAD PATH_INFO=/briefings/2026-11-30_Monday_Briefing.md \
	    HTTP_COOKIE="$cookie" "$AIE_CGI/pages.cgi"
	assert_line --partial 'Status: 200'
	refute_output --partial '<html'
	run -0 env REQUEST_METHOD=GET PATH_INFO=/handbook HTTP_COOKIE="$cookie" \
	    DASHBOARD_SESSION_KEY_FILE="$BATS_TEST_TMPDIR/none" "$AIE_CGI/pages.cgi"
	assert_line --partial 'Status: 503'
}
