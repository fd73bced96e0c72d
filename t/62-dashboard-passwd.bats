#!/usr/bin/env bats
# dashboard-passwd: the argon2id password file and the session key.
load helper

setup() { common_setup; mkvault; }

PWF() { echo "$HOME/.config/ai-employee/dashboard.passwd"; }
KEYF() { echo "$HOME/.config/ai-employee/dashboard.key"; }

@test "stores an argon2id hash and a session key, both 0600" {
	run dashboard-passwd <<<"s3cret-enough"
	assert_success
	assert_output --partial "password hash stored in $(PWF)"
	run stat -c %a "$(PWF)" "$(KEYF)"
	assert_output $'600\n600'
	run cat "$(PWF)"
	assert_output --regexp '^[$]argon2id[$]'
	refute_output --partial "s3cret-enough"
	[ "$(tr -d '\n' <"$(KEYF)" | wc -c)" -eq 64 ]
}

@test "--check tells a matching password from a wrong one" {
	dashboard-passwd -q <<<"s3cret-enough"
	run -0 dashboard-passwd -c <<<"s3cret-enough"
	run -1 dashboard-passwd -c <<<"s3cret-enougH"
	assert_output --partial "does not match"
}

@test "a short or missing password is refused with 65" {
	run -65 dashboard-passwd <<<"short"
	assert_output --partial "shorter than 8"
	run -65 dashboard-passwd </dev/null
	[ ! -e "$(PWF)" ]
}

@test "-g prints a generated password that checks" {
	run -0 dashboard-passwd -q -g
	[ "${#output}" -ge 16 ]
	pw=$output
	run -0 dashboard-passwd -q -c <<<"$pw"
}

@test "-k replaces the key and keeps the password" {
	dashboard-passwd -q <<<"s3cret-enough"
	old=$(cat "$(KEYF)")
	run -0 dashboard-passwd -k
	assert_output --partial "every session ended"
	[ "$(cat "$(KEYF)")" != "$old" ]
	run -0 dashboard-passwd -q -c <<<"s3cret-enough"
}

@test "a password change replaces the key: every session ends" {
	dashboard-passwd -q <<<"s3cret-enough"
	old=$(cat "$(KEYF)")
	run -0 dashboard-passwd <<<"another-one"
	assert_output --partial "every session ended"
	[ "$(cat "$(KEYF)")" != "$old" ]
	run -0 dashboard-passwd -q -c <<<"another-one"
	old=$(cat "$(KEYF)")
	run -0 dashboard-passwd -q -g
	[ "$(cat "$(KEYF)")" != "$old" ]
}

@test "--check and a refused password leave the key alone" {
	dashboard-passwd -q <<<"s3cret-enough"
	old=$(cat "$(KEYF)")
	run -0 dashboard-passwd -q -c <<<"s3cret-enough"
	run -65 dashboard-passwd -q <<<"short"
	[ "$(cat "$(KEYF)")" = "$old" ]
	[ "$(stat -c %a "$(KEYF)")" = 600 ]
}

@test "a password file others can read is refused with 78" {
	dashboard-passwd -q <<<"s3cret-enough"
	chmod 644 "$(PWF)"
	run -78 dashboard-passwd -c <<<"s3cret-enough"
	assert_output --partial "readable by group, readable by others (mode 0644); run: chmod 600"
}

@test "DASHBOARD_PASSWD_FILE and DASHBOARD_SESSION_KEY_FILE choose the files" {
	export DASHBOARD_PASSWD_FILE="$BATS_TEST_TMPDIR/sub/pw" DASHBOARD_SESSION_KEY_FILE="$BATS_TEST_TMPDIR/sub/key"
	run -0 dashboard-passwd -q <<<"s3cret-enough"
	[ -f "$BATS_TEST_TMPDIR/sub/pw" ] && [ -f "$BATS_TEST_TMPDIR/sub/key" ]
	[ ! -e "$(PWF)" ]
}

@test "bad usage exits 2" {
	run -2 dashboard-passwd -g -c
	run -2 dashboard-passwd extra
}
