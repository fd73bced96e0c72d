#!/usr/bin/env bats
# The rough edges of a new user's first hour (issue 23): the vault found
# from the working directory, an item's ID said once in an error, -j
# answered in JSON or refused.
load helper

setup() { common_setup; mkvault; }

# a `make run` a failed test left serving is stopped all the same
teardown() {
	[ -f "$BATS_TEST_TMPDIR/run.pid" ] || return 0
	stop_make_run || true
}

@test "no -C and no VAULT_DIR: the vault is found walking up from the working directory" {
	mkemail E1
	V=$VAULT_DIR
	unset VAULT_DIR
	cd "$V/Needs_Action/email"
	run -0 --separate-stderr vault-claim E1
	assert_output "In_Progress/local/E1.md"
	[ -f "$V/In_Progress/local/E1.md" ]
	# from the vault's own root too, and -C still wins over the walk
	mkdir -p "$BATS_TEST_TMPDIR/other"
	mkvault "$BATS_TEST_TMPDIR/other"
	VAULT_DIR="$BATS_TEST_TMPDIR/other" mkemail E2
	cd "$V"
	run -0 --separate-stderr vault-claim -C "$BATS_TEST_TMPDIR/other" E2
	[ -f "$BATS_TEST_TMPDIR/other/In_Progress/local/E2.md" ]
}

@test "no -C, no VAULT_DIR and no vault above the working directory: the old error, 78" {
	unset VAULT_DIR
	mkdir -p "$BATS_TEST_TMPDIR/plain/sub"
	cd "$BATS_TEST_TMPDIR/plain/sub"
	run -78 --separate-stderr vault-claim E1
	[[ "$stderr" == *"no vault given: use -C DIR or set VAULT_DIR"* ]]
}

@test "a directory with only some stage folders is not taken for a vault" {
	unset VAULT_DIR
	mkdir -p "$BATS_TEST_TMPDIR/fake/Needs_Action/email" "$BATS_TEST_TMPDIR/fake/Approved"
	cd "$BATS_TEST_TMPDIR/fake/Needs_Action/email"
	run -78 --separate-stderr vault-claim E1
	[[ "$stderr" == *"no vault given"* ]]
}

@test "an item's ID is said once in an error, whichever tool says it" {
	for tool in draft-email vault-exec mail-send vault-claim approve; do
		run -65 --separate-stderr "$tool" NOPE
		[ "$stderr" = "$tool: NOPE: no such item in the vault" ]
	done
	run -65 --separate-stderr mail-send - <<<NOPE
	[ "$stderr" = "mail-send: NOPE: no such item in the vault" ]
}

@test "a lib error that does not name the item still gets it from the tool" {
	mkemail E1
	export USAGE_MAX_CALLS_DAY=0
	run -75 --separate-stderr draft-email E1
	[[ "$stderr" == "draft-email: E1: daily call cap reached"* ]]
}

@test "-j: odoo-ping unconfigured says so as a JSON line, exit 78" {
	unset ODOO_URL
	run -78 --separate-stderr odoo-ping -j
	assert_json '.state == "unconfigured" and .url == null and .error == "ODOO_URL is not set"'
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"ODOO_URL is not set"* ]]
}

@test "-j: mail-send -n -j and dashboard-passwd -j are refused with exit 2, nothing done" {
	mkemail E1
	run -2 --separate-stderr mail-send -n -j E1
	assert_output ""
	[[ "$stderr" == *"-n with -j refused"* ]]
	run -2 --separate-stderr dashboard-passwd -j <<<"a-long-password"
	assert_output ""
	[[ "$stderr" == *"-j refused"* ]]
	[ -z "$(find "$HOME" -name '*passw*' 2>/dev/null)" ]
}

@test "-j: vault-init prints one JSON object: created, then reused" {
	run -0 --separate-stderr vault-init -j --no-key "$BATS_TEST_TMPDIR/v2"
	assert_json ".vault == \"$BATS_TEST_TMPDIR/v2\" and .result == \"created\" and .files_added > 0"
	[ "${#lines[@]}" -eq 1 ]
	run -0 --separate-stderr vault-init -j --no-key "$BATS_TEST_TMPDIR/v2"
	assert_json '.result == "reused" and .files_added == 0'
}

# run_make_run: `make run` in the background with this test's environment;
# its output in $BATS_TEST_TMPDIR/run.out, its script's PID in run.pid.
run_make_run() {
	command -v nginx >/dev/null && command -v fcgiwrap >/dev/null ||
	    skip "nginx or fcgiwrap is not installed"
	PORT=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	(cd "$TOP" && exec setsid make -s run SAN="${AIE_SAN:-}" PORT="$PORT" "$@" \
	    >"$BATS_TEST_TMPDIR/run.out" 2>"$BATS_TEST_TMPDIR/run.err") &
	local i=0
	until grep -q '^Press Ctrl-C' "$BATS_TEST_TMPDIR/run.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat "$BATS_TEST_TMPDIR/run.err" >&2; return 1; }
		sleep 0.1
	done
	pgrep -f "^[^ ]*sh cgi/run-dashboard (serve|demo) $PORT$" >"$BATS_TEST_TMPDIR/run.pid"
}

# stop_make_run: TERM to the script (what Ctrl-C is to it), then wait for
# nginx to be gone.
stop_make_run() {
	local pid i=0
	pid=$(cat "$BATS_TEST_TMPDIR/run.pid")
	kill -TERM "$pid"
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || return 1
		sleep 0.1
	done
}

@test "make run with VAULT_DIR serves that vault on PORT, with a new password when none is set" {
	mkemail E1
	run_make_run
	run -0 cat "$BATS_TEST_TMPDIR/run.out"
	assert_line "Dashboard: http://127.0.0.1:$PORT/"
	assert_line "Vault: $VAULT_DIR"
	assert_line --partial "Password (new, stored; change it with dashboard-passwd): "
	pw=$(sed -n 's/^Password (new, stored[^:]*: //p' "$BATS_TEST_TMPDIR/run.out")
	echo "$pw" | dashboard-passwd -q -c
	log=$(sed -n 's/^Error log: //p' "$BATS_TEST_TMPDIR/run.out")
	[ -f "$log" ]
	run -0 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/login"
	assert_output 200
	stop_make_run
	run -7 curl -s -o /dev/null "http://127.0.0.1:$PORT/login"
	[ ! -e "$log" ]
	# a second run keeps the stored password and says so
	run_make_run
	run -0 grep '^Password' "$BATS_TEST_TMPDIR/run.out"
	assert_output "Password: your dashboard password (dashboard-passwd sets it)"
	echo "$pw" | dashboard-passwd -q -c
	stop_make_run
}

@test "make run: a LISTEN that is not loopback is warned about; a bad PORT or LISTEN is refused" {
	run_make_run LISTEN=0.0.0.0
	run -0 cat "$BATS_TEST_TMPDIR/run.err"
	assert_output --partial "warning: LISTEN=0.0.0.0 is not loopback"
	grep -qx "Dashboard: http://0.0.0.0:$PORT/" "$BATS_TEST_TMPDIR/run.out"
	run -0 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/login"
	assert_output 200
	stop_make_run
	cd "$TOP"
	run -2 --separate-stderr make -s run SAN="${AIE_SAN:-}" PORT=80x
	[[ "$stderr" == *"PORT=80x: not a port number"* ]]
	run -2 --separate-stderr make -s run SAN="${AIE_SAN:-}" PORT=8 'LISTEN=1.2.3.4;x'
	[[ "$stderr" == *"not an address"* ]]
}

@test "make run with a VAULT_DIR that is not a vault says so and serves nothing" {
	cd "$TOP"
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run -2 --separate-stderr make -s run SAN="${AIE_SAN:-}" VAULT_DIR="$BATS_TEST_TMPDIR/empty" PORT=8
	[[ "$stderr" == *"$BATS_TEST_TMPDIR/empty: not a vault (make one with vault-init)"* ]]
}

@test "make run keeps nginx's error log when it holds anything, and says where" {
	run_make_run
	log=$(sed -n 's/^Error log: //p' "$BATS_TEST_TMPDIR/run.out")
	echo "2026/12/05 10:00:00 [error] 1#1: a test line" >>"$log"
	stop_make_run
	kept=$(sed -n "s/^run-dashboard: nginx's error log kept in //p" "$BATS_TEST_TMPDIR/run.err")
	[ -n "$kept" ]
	grep -q 'a test line' "$kept"
	rm -f "$kept"
}
