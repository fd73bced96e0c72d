#!/usr/bin/env bats
# The dashboard in a real browser: Debian's chromium, headless, driven by
# playwright-core as a 375x812 touch phone against nginx + fcgiwrap.
load helper
export BATS_NO_PARALLELIZE_WITHIN_FILE=true

PW=correct-horse-battery

srv_env() {
	export HOME="$BATS_FILE_TMPDIR/home" VAULT_DIR="$BATS_FILE_TMPDIR/vault"
	export AI_EMPLOYEE_CONFIG="$BATS_FILE_TMPDIR/env" TZ=UTC
	PORT=$(cat "$BATS_FILE_TMPDIR/port" 2>/dev/null || true)
	URL="http://127.0.0.1:$PORT"
}

have_browser() {
	[ -x /usr/bin/chromium ] && [ -d "$TOP/node_modules/playwright-core" ]
}

setup_file() {
	have_browser || return 0
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' \
	    >"$BATS_FILE_TMPDIR/port"
	srv_env
	mkdir -p "$HOME"
	vault-init -q "$VAULT_DIR" >/dev/null
	echo "$PW" | dashboard-passwd -q
	"$TOP/cgi/run-dashboard" start "$BATS_FILE_TMPDIR/web" "$PORT"
}

teardown_file() {
	have_browser || return 0
	"$TOP/cgi/run-dashboard" stop "$BATS_FILE_TMPDIR/web"
}

setup() {
	have_browser || skip "needs /usr/bin/chromium and node_modules/playwright-core (npm install)"
	common_setup
	srv_env
	find "$VAULT_DIR"/Needs_Action "$VAULT_DIR"/Pending_Approval "$VAULT_DIR"/Approved \
	    "$VAULT_DIR"/Rejected "$VAULT_DIR"/Done "$VAULT_DIR"/In_Progress -name '*.md' -delete
	rm -f "$VAULT_DIR/.state/local/dashboard-login"
	mkemail EMAIL_1
	mkdraft DRAFT_EMAIL_1 EMAIL_1
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

@test "dark mode follows the system and the toggle is remembered" {
	browse theme
	[ "$(js 'o.dark_auto != o.light_auto')" = true ]
	[ "$(js 'o.toggled == o.dark_auto')" = true ]
	[ "$(js 'o.after_reload == o.dark_auto')" = true ]
	[ "$(js o.stored)" = dark ]
}
