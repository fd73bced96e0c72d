#!/usr/bin/env bats
# The dashboard in a real browser: Debian's chromium, headless, driven by
# playwright-core as a 375x812 touch phone against nginx + fcgiwrap.
load helper
load dash
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

have_browser() {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/playwright-core" ]
}

setup_file() {
	have_browser || return 0
	dash_start
}

teardown_file() {
	dash_stop
}

setup() {
	have_browser || skip "needs /usr/bin/chromium and node_modules/playwright-core (npm install)"
	common_setup
	# Chromium leaves an org.chromium.Chromium.* directory in TMPDIR at
	# every start: in the test's own temp dir, bats removes it
	export TMPDIR=$BATS_TEST_TMPDIR
	srv_env
	dash_reset
	dash_grace ""
}

# dash_grace N: the dashboard's EXEC_GRACE, in its configuration file
# (read by each request); "" for the default.
dash_grace() {
	grep -v '^EXEC_GRACE=' "$AI_EMPLOYEE_CONFIG" >"$AI_EMPLOYEE_CONFIG.new" || true
	[ -z "$1" ] || echo "EXEC_GRACE=$1" >>"$AI_EMPLOYEE_CONFIG.new"
	chmod 600 "$AI_EMPLOYEE_CONFIG.new"
	mv "$AI_EMPLOYEE_CONFIG.new" "$AI_EMPLOYEE_CONFIG"
}

# browse MODE: run the driver; its JSON in $output.
browse() {
	run node "$T_DIR/browser/dashboard.js" "$1" "$URL" "$PW" "$VAULT_DIR" "$BATS_TEST_TMPDIR"
	echo "$output"
	assert_success
}

# js EXPR: evaluate EXPR on the driver's JSON (as o).
js() {
	node -e 'const o=JSON.parse(process.argv[1]); console.log(eval(process.argv[2]))' "$output" "$1"
}

@test "log in, see the card, tap Approve: card gone and file in Approved within 2 s" {
	browse approve
	[ "$(js o.card)" = true ]
	[ "$(js o.approved)" = true ]
	[ "$(js 'o.within_ms <= 2000')" = true ]
	[ "$(js o.pending_count)" = 0 ]
	[ "$(js o.errors.length)" = 0 ]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md" ]
	[ ! -f "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
}

@test "at 375x812 nothing scrolls sideways and every control is 44 px high" {
	browse layout
	[ "$(js 'o.scrollWidth <= o.innerWidth')" = true ]
	[ "$(js 'o.itemScrollWidth <= o.innerWidth')" = true ]
	[ "$(js 'o.controls > 4')" = true ]
	[ "$(js 'o.small.join(",")')" = "" ]
	[ "$(js 'o.fontSize >= 16')" = true ]
	[ -s "$BATS_TEST_TMPDIR/dashboard-375.png" ]
	mkdir -p "$TOP/t/out"
	cp "$BATS_TEST_TMPDIR/dashboard-375.png" "$BATS_TEST_TMPDIR/item-375.png" "$TOP/t/out/"
}

@test "a new draft appears by polling, without a reload" {
	browse poll
	[ "$(js o.appeared)" = true ]
	[ "$(js o.same_page)" = true ]
	[ "$(js o.pending_count)" = 2 ]
	[[ "$(js o.title)" == *"Brand new draft"* ]]
	[ "$(js o.errors.length)" = 0 ]
}

@test "with more waiting than the page shows, deciding a card brings up the next" {
	local i
	for i in $(seq 2 12); do mkdraft "DRAFT_EMAIL_$i" EMAIL_1; done
	browse more
	[ "$(js o.cards_before)" = 10 ]
	[ "$(js o.pending_before)" = 12 ]
	[ "$(js o.pending_after_tap)" = 11 ]
	[ "$(js o.cards_after)" = 10 ]
	[ "$(js o.pending_count)" = 11 ]
	[[ "$(js o.more)" == "1 more waiting"* ]]
	[ "$(js o.errors.length)" = 0 ]
}

@test "attack: a draft changed under an open page: the poll replaces its card, a stale tap gets the new version" {
	browse changed
	[[ "$(js o.card_title)" == *"Changed while you looked"* ]]
	[[ "$(js o.notice)" == *"changed after you opened it"* ]]
	[ "$(js o.shows_new)" = true ]
	[ "$(js o.still_pending)" = true ]
	[ "$(js o.approved)" = false ]
	# the browser logs the 409 itself; nothing else may fail
	[ "$(js 'o.errors.filter(e => !/status of 409/.test(e)).length')" = 0 ]
	run ! grep -q '^decision' "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
}

@test "dark mode follows the system and the toggle is remembered" {
	browse theme
	[ "$(js 'o.dark_auto != o.light_auto')" = true ]
	[ "$(js 'o.toggled == o.dark_auto')" = true ]
	[ "$(js 'o.after_reload == o.dark_auto')" = true ]
	[ "$(js o.stored)" = dark ]
}

@test "edit a draft on the phone, then approve: the signed draft is the edited one, the timeline shows both" {
	browse edit
	[[ "$(js o.notice)" == *"Saved."* ]]
	[ "$(js o.shows_edit)" = true ]
	[ "$(js o.approved)" = true ]
	[[ "$(js o.approved_text)" == *"EDITED ON THE PHONE."* ]]
	grep -q '^decision_sig: ' "$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md"
	[[ "$(js o.timeline)" == *edited* ]]
	[[ "$(js o.timeline)" == *approved* ]]
	[ "$(js o.errors.length)" = 0 ]
	run --separate-stderr vault-exec
	assert_success
	grep -q 'EDITED ON THE PHONE.' "$VAULT_DIR/Logs/Outbox/DRAFT_EMAIL_1.eml"
}

@test "the New forms, Activity, edit and Settings pages at 375x812, light and dark: nothing scrolls sideways, 44 px controls" {
	browse cockpit
	for p in new activity edit new-post new-whatsapp new-invoice settings; do
		for s in light dark; do
			[ "$(js "o.pages['$p-$s'].scrollWidth <= o.innerWidth")" = true ]
			[ "$(js "o.pages['$p-$s'].small.join(',')")" = "" ]
			[ "$(js "o.pages['$p-$s'].controls > 3")" = true ]
			[ -s "$BATS_TEST_TMPDIR/$p-375-$s.png" ]
		done
		[ "$(js "o.pages['$p-light'].bg != o.pages['$p-dark'].bg")" = true ]
	done
	[ "$(js o.errors.length)" = 0 ]
	mkdir -p "$TOP/t/out"
	cp "$BATS_TEST_TMPDIR"/{new,activity,edit,new-post,new-whatsapp,new-invoice,settings}-375-*.png "$TOP/t/out/"
}

@test "after Approve the card becomes a confirmation in words with Undo; Undo brings the draft back (375 px, light and dark)" {
	dash_grace 60
	browse undo
	[ "$(js o.card_gone)" = true ]
	[ "$(js o.role)" = status ]
	[[ "$(js o.confirm)" == *'Approved “Re: Question about my order”'* ]]
	[[ "$(js o.confirm)" != *DRAFT_EMAIL_1* ]]
	for s in light dark; do
		[ "$(js "o.shots['$s'].scrollWidth <= o.innerWidth")" = true ]
		[ "$(js "o.shots['$s'].small.join(',')")" = "" ]
		[ -s "$BATS_TEST_TMPDIR/undo-375-$s.png" ]
	done
	[ "$(js "o.shots.light.bg != o.shots.dark.bg")" = true ]
	[[ "$(js o.msg)" == *"approval undone"* ]]
	[ "$(js o.pending)" = true ]
	[ "$(js o.card_back)" = true ]
	[ "$(js o.errors.length)" = 0 ]
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md" ]
	[ ! -e "$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md" ]
	grep -q '"event":"undo","id":"DRAFT_EMAIL_1"' "$VAULT_DIR"/Logs/*.jsonl
	mkdir -p "$TOP/t/out"
	cp "$BATS_TEST_TMPDIR"/undo-375-*.png "$TOP/t/out/"
}

@test "when the Undo time is over the button goes and the approval stands" {
	dash_grace 2
	browse undo-late
	[[ "$(js o.confirm)" == *'Approved “Re: Question about my order”'* ]]
	[ "$(js o.errors.length)" = 0 ]
	[ -f "$VAULT_DIR/Approved/email/DRAFT_EMAIL_1.md" ]
}

@test "on the phone: times read '2 h ago' with the exact time as title, a 44 px header link, no gap under it, paths folded away (375 px, light and dark)" {
	sed -i "s/^created: .*/created: $(date -u -d '-2 hours -5 minutes' +%Y-%m-%dT%H:%M:%SZ)/" \
	    "$VAULT_DIR/Pending_Approval/email/DRAFT_EMAIL_1.md"
	browse phone
	[ "$(js o.time_text)" = "2 h ago" ]
	[[ "$(js o.time_title)" =~ ^20[0-9-]{8}\ [0-9]{2}:[0-9]{2}\ UTC$ ]]
	[[ "$(js o.time_datetime)" =~ ^20[0-9-]{8}T ]]
	[[ "$(js o.card_text)" == *"Reply to Alice Example"* ]]
	[[ "$(js o.card_text)" == *"where is my order 1234?"* ]]
	[ "$(js 'o.header_link_h >= 44')" = true ]
	[ "$(js 'o.gap <= 16')" = true ]
	[ "$(js o.where_open)" = false ]
	[[ "$(js o.where_text)" == *Pending_Approval/email/DRAFT_EMAIL_1.md* ]]
	[[ "$(js o.visible_text)" != *Pending_Approval/* ]]
	for p in home item; do
		for s in light dark; do
			[ "$(js "o.shots['$p-$s'].scrollWidth <= o.innerWidth")" = true ]
			[ "$(js "o.shots['$p-$s'].small.join(',')")" = "" ]
			[ -s "$BATS_TEST_TMPDIR/card-$p-375-$s.png" ]
		done
		[ "$(js "o.shots['$p-light'].bg != o.shots['$p-dark'].bg")" = true ]
	done
	[ "$(js o.errors.length)" = 0 ]
	mkdir -p "$TOP/t/out"
	cp "$BATS_TEST_TMPDIR"/card-*-375-*.png "$TOP/t/out/"
}
