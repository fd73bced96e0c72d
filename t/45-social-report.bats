#!/usr/bin/env bats
# social-report: the metrics of a week's published posts, read from a fake
# LinkedIn, X, Facebook and Instagram (t/fake/social.py, their real reply
# shapes and errors, Graph's insights edge included), into
# Logs/Social/YYYY-Www.md and -j.
load helper
load fake/fake

export BATS_NO_PARALLELIZE_WITHIN_FILE=true

LI=urn:li:share:7100000000000000001
LI2=urn:li:share:7100000000000000002
XID=1800000000000000001
FB=4242_1000000000001
IG=17900000000000001

setup() {
	common_setup
	mkvault
	export FAKE_SERVER=social.py FAKE_LI_TOKEN=AQVlinkedin FAKE_X_TOKEN=xuser \
	    FAKE_FB_TOKEN=EAAGpage FAKE_LI_AUTHOR=urn:li:person:8675309 \
	    FAKE_FB_PAGE=4242 FAKE_X_REFRESH=xrefresh-0 FAKE_X_CLIENT=xclientid \
	    FAKE_IG_TOKEN=IGQinsta \
	    FAKE_SOCIAL_METRICS="$BATS_TEST_TMPDIR/metrics.json"
	fake_start
	export LINKEDIN_API_URL="$FAKE_URL" LINKEDIN_TOKEN=AQVlinkedin \
	    LINKEDIN_AUTHOR=urn:li:person:8675309 X_API_URL="$FAKE_URL" \
	    X_TOKEN=xuser X_TOKEN_URL="$FAKE_URL/2/oauth2/token" \
	    FACEBOOK_GRAPH_URL="$FAKE_URL" FACEBOOK_PAGE_ID=4242 \
	    FACEBOOK_PAGE_TOKEN=EAAGpage INSTAGRAM_TOKEN=IGQinsta
	cat >"$FAKE_SOCIAL_METRICS" <<-EOF
	{"$LI": {"likes": 12, "comments": 3, "shares": 1, "impressions": 500,
          "reach": 400},
	 "$LI2": {"likes": 1, "comments": 0, "shares": 0, "impressions": 0},
	 "$XID": {"likes": 40, "comments": 5, "shares": 7, "impressions": 2500},
	 "$FB": {"likes": 9, "comments": 2, "shares": 4, "impressions": 300,
          "reach": 210},
 "$IG": {"likes": 30, "comments": 4, "shares": 2, "impressions": 900,
         "reach": 700}}
	EOF
	R="$VAULT_DIR/Logs/Social/2026-W48.md"
}
teardown() { fake_stop; }

# refake: the fake started again (it reads its settings when it starts),
# on a new port the networks' URLs follow.
refake() {
	fake_stop
	rm "$FAKE_DIR/port"
	fake_start
	export LINKEDIN_API_URL="$FAKE_URL" X_API_URL="$FAKE_URL" \
	    X_TOKEN_URL="$FAKE_URL/2/oauth2/token" FACEBOOK_GRAPH_URL="$FAKE_URL"
}

# published ID NETWORK POST_ID EXEC_AT: a published post in Done/social/.
published() {
	local d="$VAULT_DIR/Done/social/${4:0:7}"
	mkdir -p "$d"
	printf -- '---\ntype: post_draft\nid: %s\ndomain: social\naction: post\nnetwork: %s\nexec_status: sent\nexec_at: %s\npost_id: %s\npost_url: https://example.com/%s\n---\nText.\n' \
	    "$1" "$2" "$4" "$3" "$1" >"$d/$1.md"
}

# the usual week: one post on each network in 2026-W48, and three that are
# not of it (the week before, the week after, a post whose ID is unknown)
week() {
	published P1 linkedin "$LI" 2026-11-23T09:00:00Z
	published P2 x "$XID" 2026-11-25T12:30:00Z
	published P3 facebook "$FB" 2026-11-29T23:59:59Z
	published P4 linkedin "$LI2" 2026-11-22T23:59:59Z
	published P5 linkedin "$LI2" 2026-11-30T00:00:00Z
	published P6 x unknown 2026-11-24T10:00:00Z
}

# fm KEY: the report's front matter value of KEY
fm() {
	sed -n '2,/^---$/p' "$R" | sed -n "s/^$1: //p"
}

# fm_is KEY=VALUE...: the report's front matter holds each (the first
# that does not is named).
fm_is() {
	local kv
	for kv; do
		[ "$(fm "${kv%%=*}")" = "${kv#*=}" ] ||
		    { echo "fm_is: $kv, not $(fm "${kv%%=*}")" >&2; return 1; }
	done
}

@test "the week's posts and their numbers from each network; the totals; nothing else read" {
	week
	run --separate-stderr social-report --week 2026-W48
	assert_success
	assert_output Logs/Social/2026-W48.md
	fm_is type=social_report period_start=2026-11-23 \
	    period_end=2026-11-29 posts=3 read=3 reactions=61 comments=10 \
	    shares=12 impressions=3300 reach=610
	# each network's, for the briefing
	fm_is linkedin_posts=1 linkedin_impressions=500 linkedin_reach=400 \
	    x_impressions=2500 facebook_reach=210
	[ -z "$(fm x_reach)" ] && [ -z "$(fm instagram_posts)" ]
	grep -qxF "| [P1](https://example.com/P1) | linkedin | 2026-11-23 09:00 | 12 | 3 | 1 | 500 | 400 |" "$R"
	grep -qxF "| [P2](https://example.com/P2) | x | 2026-11-25 12:30 | 40 | 5 | 7 | 2500 | - |" "$R"
	grep -qxF "| [P3](https://example.com/P3) | facebook | 2026-11-29 23:59 | 9 | 2 | 4 | 300 | 210 |" "$R"
	grep -qxF "| x | 1 | 1 | 40 | 5 | 7 | 2500 | - |" "$R"
	run ! grep -q 'P4\|P5\|P6\|Not read' "$R"
	# one request a post, each with its token, and the Page post's
	# insights (views and reach, not the impressions Meta retired); none
	# of the other posts
	[ "$(fake_count '.net == "linkedin-metrics"')" -eq 1 ]
	# a member's post: its impressions, members reached and reshares
	for q in IMPRESSION MEMBERS_REACHED RESHARE; do
		[ "$(fake_count '.net == "linkedin-stats" and .path == "/rest/memberCreatorPostAnalytics?q=entity&entity=(share:urn%3Ali%3Ashare%3A7100000000000000001)&queryType='$q'&aggregation=TOTAL"')" -eq 1 ]
	done
	[ "$(fake_count '.net == "linkedin-stats"')" -eq 3 ]
	[ "$(fake_count '.net == "x-metrics"')" -eq 1 ]
	[ "$(fake_count '.net == "facebook-metrics"')" -eq 1 ]
	[ "$(fake_count '.net == "facebook-insights" and (.path | endswith("/v21.0/'"$FB"'/insights?metric=post_media_view,post_total_media_view_unique"))')" -eq 1 ]
	[ -z "$(fake_problems)" ]
	jq -e -s 'all(.[]; .method == "GET")' "$FAKE_LOG"
}

@test "-j: the same numbers as JSON, a number not given is null" {
	week
	run --separate-stderr social-report -j --week 2026-W48
	assert_success
	echo "$output" | jq -e '
	    .week == "2026-W48" and .path == "Logs/Social/2026-W48.md" and
	    .totals == {"posts":3,"read":3,"reactions":61,"comments":10,
	                "shares":12,"impressions":3300,"reach":610} and
	    ([.posts[].id] == ["P1","P2","P3"]) and
	    .posts[0].shares == 1 and .posts[0].reactions == 12 and
	    .posts[0].reach == 400 and
	    .posts[1].reach == null and .posts[2].reach == 210 and
	    .posts[1].post_id == "1800000000000000001" and
	    .posts[2].published == "2026-11-29T23:59:59Z" and .errors == [] and .written'
}

@test "a rerun rewrites the one report: the same but generated" {
	week
	social-report --week 2026-W48 >/dev/null
	grep -v '^generated:' "$R" >"$BATS_TEST_TMPDIR/first"
	sleep 1
	social-report --week 2026-W48 >/dev/null
	grep -v '^generated:' "$R" | diff "$BATS_TEST_TMPDIR/first" -
	[ "$(ls "$VAULT_DIR/Logs/Social")" = 2026-W48.md ]
}

@test "posts the networks no longer have are said, not counted as 0" {
	week
	echo '{}' >"$FAKE_SOCIAL_METRICS"
	run --separate-stderr social-report --week 2026-W48
	assert_success
	[ "$(fm posts)" = 3 ]
	[ "$(fm read)" = 0 ]
	[ -z "$(fm reactions)" ]
	grep -qxF "| [P2](https://example.com/P2) | x | 2026-11-25 12:30 | - | - | - | - | - |" "$R"
	grep -qx '## Not read' "$R"
	grep -qxF -- '- P1 (linkedin): no longer on LinkedIn' "$R"
	grep -qxF -- '- P2 (x): not found on X: Could not find tweet with ids: [1800000000000000001].' "$R"
	grep -qxF -- '- P3 (facebook): no longer on Facebook' "$R"
}

@test "linkedin: a token that may not read reactions (403) is a note, not a failure" {
	week
	fake_reply '{"match": "GET /rest/socialActions/", "error": "li_forbidden"}'
	run --separate-stderr social-report --week 2026-W48
	assert_success
	grep -qF -- '- P1 (linkedin): the token may not read its reactions (it needs r_member_social' "$R"
	# its statistics are another permission's: still read
	[ "$(fm read)" = 3 ]
	grep -qxF "| [P1](https://example.com/P1) | linkedin | 2026-11-23 09:00 | - | - | 1 | 500 | 400 |" "$R"
}

@test "linkedin: a token without r_member_postAnalytics (403) is a note on the post; its reactions still read" {
	week
	export FAKE_LI_STATS_DENIED=1
	refake
	run --separate-stderr social-report -j --week 2026-W48
	assert_success
	echo "$output" | jq -e '.posts[0].read and .posts[0].reactions == 12 and
	    .posts[0].impressions == null and .posts[0].reach == null and
	    (.posts[0].note | contains("r_member_postAnalytics")) and .errors == []'
	grep -qxF -- '- P1 (linkedin): impressions and reach need the r_member_postAnalytics permission' "$R"
	grep -qxF "| [P1](https://example.com/P1) | linkedin | 2026-11-23 09:00 | 12 | 3 | - | - | - |" "$R"
	# the first refusal says it for the post: no second or third request
	[ "$(fake_count '.net == "linkedin-stats"')" -eq 1 ]
	[ "$(fm read)" = 3 ]
}

@test "linkedin: an organization's post reads organizationalEntityShareStatistics with shares=List(URN); 403 says rw_organization_admin" {
	export LINKEDIN_AUTHOR=urn:li:organization:2414183 FAKE_LI_AUTHOR=urn:li:organization:2414183
	refake
	published P1 linkedin "$LI" 2026-11-23T09:00:00Z
	published P9 linkedin urn:li:ugcPost:7100000000000000009 2026-11-24T09:00:00Z
	jq '."urn:li:ugcPost:7100000000000000009" = {"likes": 2, "comments": 0, "shares": 0, "impressions": 80, "reach": 60}' "$FAKE_SOCIAL_METRICS" >"$BATS_TEST_TMPDIR/m" && mv "$BATS_TEST_TMPDIR/m" "$FAKE_SOCIAL_METRICS"
	run --separate-stderr social-report --week 2026-W48
	assert_success
	grep -qxF "| [P1](https://example.com/P1) | linkedin | 2026-11-23 09:00 | 12 | 3 | 1 | 500 | 400 |" "$R"
	[ "$(fake_count '.net == "linkedin-stats" and .path == "/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=urn%3Ali%3Aorganization%3A2414183&shares=List(urn%3Ali%3Ashare%3A7100000000000000001)"')" -eq 1 ]
	# a ugcPost URN goes as ugcPosts=List(...)
	[ "$(fake_count '.net == "linkedin-stats" and (.path | endswith("&ugcPosts=List(urn%3Ali%3AugcPost%3A7100000000000000009)"))')" -eq 1 ]
	grep -qxF "| [P9](https://example.com/P9) | linkedin | 2026-11-24 09:00 | 2 | 0 | 0 | 80 | 60 |" "$R"
	[ -z "$(fake_problems)" ]
	export FAKE_LI_STATS_DENIED=1
	refake
	run --separate-stderr social-report --week 2026-W48
	assert_success
	grep -qF -- '- P1 (linkedin): impressions and reach need the rw_organization_admin permission' "$R"
}

@test "x rate limited: 75 with the reset time; the other networks still reported" {
	week
	fake_reply '{"match": "GET /2/tweets", "error": "x_429", "headers": {"x-rate-limit-reset": "1796000000"}}'
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 75 ]
	[[ "$stderr" == *"x: rate limited (HTTP 429"*"try again after 2026-11-30T"* ]]
	grep -q '^- x: rate limited (HTTP 429.*try again after 2026-11-30T' "$R"
	[ "$(fm read)" = 2 ]
	grep -qxF "| [P1](https://example.com/P1) | linkedin | 2026-11-23 09:00 | 12 | 3 | 1 | 500 | 400 |" "$R"
}

@test "linkedin rate limited with Retry-After: 75; facebook throttled: 75" {
	published P1 linkedin "$LI" 2026-11-23T09:00:00Z
	fake_reply '{"match": "GET /rest/socialActions/", "error": "li_429", "headers": {"Retry-After": "120"}}'
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 75 ]
	[[ "$stderr" == *"linkedin: rate limited"*"try again after "* ]]
	rm -r "$VAULT_DIR/Done/social"
	published P3 facebook "$FB" 2026-11-29T10:00:00Z
	fake_reply '{"match": "GET /v21.0/", "error": "fb_throttled"}'
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 75 ]
	[[ "$stderr" == *"facebook: rate limited"* ]]
}

@test "a refused token is 78 naming the network and how to authorise again" {
	week
	fake_reply '{"match": "GET /rest/socialActions/", "error": "li_expired"}'
	fake_reply '{"match": "GET /2/tweets", "error": "x_429"}'
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"linkedin: the access token expired or was revoked"*"LINKEDIN_TOKEN"* ]]
	grep -q '^- linkedin: the access token expired' "$R"
	fake_reset
	fake_reply '{"match": "GET /v21.0/", "error": "fb_expired"}'
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"facebook: the access token expired"*"FACEBOOK_PAGE_TOKEN"* ]]
}

@test "x: a 401 is refreshed once with the refresh token, then read" {
	week
	export X_TOKEN=stale X_REFRESH_TOKEN=xrefresh-0 X_CLIENT_ID=xclientid \
	    X_TOKEN_FILE="$BATS_TEST_TMPDIR/x.tokens"
	run --separate-stderr social-report --week 2026-W48
	assert_success
	grep -qF "| 40 | 5 | 7 | 2500 |" "$R"
	[ "$(fake_count '.net == "x-token"')" -eq 1 ]
	[ "$(fake_count '.net == "x-metrics"')" -eq 2 ]
}

@test "a network not configured here is 78; the rest is reported" {
	week
	unset FACEBOOK_PAGE_TOKEN
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"facebook: not configured here"* ]]
	[ "$(fm read)" = 2 ]
	[ "$(fake_count '.net == "facebook-metrics"')" -eq 0 ]
}

@test "a week without posts: a report saying so, no request" {
	run --separate-stderr social-report --week 2026-W48
	assert_success
	[ "$(fm posts)" = 0 ]
	grep -qx 'No posts were published this week.' "$R"
	[ "$(fake_count)" -eq 0 ]
}

@test "by default the week before this one; a bad week is 2" {
	run --separate-stderr social-report
	assert_success
	assert_output "Logs/Social/$(date -u -d '7 days ago' +%G-W%V).md"
	run --separate-stderr social-report --week 2026-W54
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"2026-W54: not an ISO week"* ]]
	run --separate-stderr social-report extra
	[ "$status" -eq 2 ]
}

@test "many X posts go in batches of 100 IDs" {
	local i json='{'
	for i in $(seq 101 250); do
		published "X$i" x "18000000000000$i" 2026-11-24T10:00:00Z
		json+="\"18000000000000$i\": {\"likes\": 1, \"comments\": 0, \"shares\": 0, \"impressions\": 2},"
	done
	echo "${json%,}}" >"$FAKE_SOCIAL_METRICS"
	run --separate-stderr social-report --week 2026-W48
	assert_success
	fm_is posts=150 reactions=150 impressions=300
	[ "$(fake_count '.net == "x-metrics"')" -eq 2 ]
	[ -z "$(fake_problems)" ]
}

@test "the Monday briefing of the week reads this report" {
	week
	social-report --week 2026-W48 >/dev/null
	unset ODOO_URL LLM_PROVIDER ANTHROPIC_API_KEY OPENAI_API_KEY
	run --separate-stderr briefing -j --week 2026-W48
	assert_success
	echo "$output" | jq -e '.social.configured and .social.posts == 3 and
	    .social.read == 3 and .social.reactions == 61 and .social.comments == 10 and
	    .social.shares == 12 and .social.impressions == 3300 and
	    .social.reach == 610 and
	    ([.social.networks[].network] == ["linkedin", "x", "facebook"]) and
	    .social.networks[0] == {"network": "linkedin", "posts": 1, "read": 1,
	        "reactions": 12, "comments": 3, "shares": 1, "impressions": 500,
	        "reach": 400} and .social.networks[1].reach == null'
}

@test "instagram: each media's views, reach, likes, comments and shares from its insights" {
	week
	published P7 instagram "$IG" 2026-11-26T08:00:00Z
	run --separate-stderr social-report --week 2026-W48
	assert_success
	fm_is posts=4 read=4 reactions=91 impressions=4200 reach=1310
	grep -qxF "| [P7](https://example.com/P7) | instagram | 2026-11-26 08:00 | 30 | 4 | 2 | 900 | 700 |" "$R"
	grep -qxF "| instagram | 1 | 1 | 30 | 4 | 2 | 900 | 700 |" "$R"
	# one request, with the Instagram token (the fake checks it), for the
	# metrics Graph takes for a media today
	[ "$(fake_count '.net == "instagram-insights" and (.path | endswith("/v21.0/'"$IG"'/insights?metric=views,reach,likes,comments,shares"))')" -eq 1 ]
	[ -z "$(fake_problems)" ]
}

@test "a Page token without read_insights still reads reactions; its views and reach stay -" {
	week
	fake_reply '{"match": "GET /v21.0/'"$FB"'/insights", "error": "fb_insights_permission"}'
	run --separate-stderr social-report --week 2026-W48
	assert_success
	[ "$(fm read)" = 3 ]
	[ "$(fm reach)" = 400 ]
	grep -qxF "| [P3](https://example.com/P3) | facebook | 2026-11-29 23:59 | 9 | 2 | 4 | - | - |" "$R"
}

@test "instagram: a media too old for insights, too few viewers, none yet: notes, not failures" {
	published P7 instagram 17900000000000007 2026-11-26T08:00:00Z
	published P8 instagram 17900000000000008 2026-11-26T09:00:00Z
	published P9 instagram 17900000000000009 2026-11-26T10:00:00Z
	cat >"$FAKE_SOCIAL_METRICS" <<-EOF
	{"17900000000000007": {"likes": 1}, "17900000000000008": {"likes": 1},
	 "17900000000000009": {"likes": null}}
	EOF
	fake_reply '{"match": "GET /v21.0/17900000000000007/insights", "error": "ig_too_old"}'
	fake_reply '{"match": "GET /v21.0/17900000000000008/insights", "error": "ig_few_viewers"}'
	run --separate-stderr social-report --week 2026-W48
	assert_success
	[ "$(fm posts)" = 3 ]
	[ "$(fm read)" = 0 ]
	[ -z "$(fm reactions)" ]
	grep -qxF -- '- P7 (instagram): posted before the account became a business account: Instagram keeps no insights of it' "$R"
	grep -qF -- '- P8 (instagram): the token may not read it (it needs instagram_manage_insights): (#10) Not enough viewers' "$R"
	grep -qxF -- '- P9 (instagram): no insights yet (Graph gives them up to 48 hours late, none for a media in an album)' "$R"
	grep -qxF "| [P9](https://example.com/P9) | instagram | 2026-11-26 10:00 | - | - | - | - | - |" "$R"
}

@test "instagram: an expired token is 78 naming INSTAGRAM_TOKEN, no token 78 too; the rest reported" {
	week
	published P7 instagram "$IG" 2026-11-26T08:00:00Z
	fake_reply '{"match": "/insights?metric=views", "error": "ig_expired"}'
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"instagram: the access token expired or was revoked"*"INSTAGRAM_TOKEN"* ]]
	grep -q '^- instagram: the access token expired' "$R"
	[ "$(fm read)" = 3 ]
	unset INSTAGRAM_TOKEN
	run --separate-stderr social-report --week 2026-W48
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"INSTAGRAM_TOKEN is not set"* ]]
	[ "$(fm read)" = 3 ]
}

@test "a rerun that fails keeps the report that has more numbers; a complete one replaces it" {
	week
	social-report --week 2026-W48 >/dev/null
	cp "$R" "$BATS_TEST_TMPDIR/first"
	fake_reply '{"match": "GET /2/tweets", "error": "x_429", "headers": {"x-rate-limit-reset": "1796000000"}}'
	run --separate-stderr social-report -j --week 2026-W48
	[ "$status" -eq 75 ]
	[[ "$stderr" == *"Logs/Social/2026-W48.md: kept: it has the numbers of 3 posts, this run only of 2"* ]]
	echo "$output" | jq -e '.written == false and .totals.read == 2 and .errors[0].network == "x"'
	cmp "$R" "$BATS_TEST_TMPDIR/first"
	# the rate limit over, the rerun replaces it
	run --separate-stderr social-report -j --week 2026-W48
	assert_success
	echo "$output" | jq -e '.written and .totals.read == 3'
	[ "$(fm read)" = 3 ]
}
