#!/usr/bin/env bats
# t/90-hardening.bats - the quick part of issue 9 for every make check: each
# fuzz harness for a few seconds on its corpus (FUZZ_SMOKE_SECONDS, 2 by
# default, 20 in make ci), the valgrind subset,
# cppcheck and shellcheck. make fuzz (60 s a harness) and make lint (with
# gcc -fanalyzer) are the long runs.
load helper

setup() { common_setup; mkvault; }

# make TARGET in the source tree, not as part of the outer make.
submake() {
	(unset MAKEFLAGS MAKELEVEL MFLAGS; make -s -C "$TOP" "$@")
}

@test "every fuzz harness has a seed corpus of its own" {
	local h name n=0
	for h in "$TOP"/t/fuzz/*.c; do
		name=$(basename "$h" .c)
		[ -d "$TOP/t/fuzz/corpus/$name" ] || fail "no t/fuzz/corpus/$name/"
		[ -n "$(ls -A "$TOP/t/fuzz/corpus/$name")" ] ||
		    fail "t/fuzz/corpus/$name/ is empty"
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "every fuzz harness builds and runs on its corpus without a finding" {
	command -v clang >/dev/null || skip "clang is not installed (CI installs it)"
	[ -z "${AIE_SAN:-}" ] || skip "SAN=1: the fuzz build has its own sanitizers"
	run submake fuzz-build
	assert_success
	local bins=() h
	for h in "$TOP"/t/fuzz/*.c; do
		bins+=("$TOP/build-fuzz/$(basename "$h" .c)")
	done
	# 2 s each; make ci asks 20 (FUZZ_SMOKE_SECONDS)
	run "$TOP/t/fuzz/run" "${FUZZ_SMOKE_SECONDS:-2}" "${bins[@]}"
	assert_success
	[ "$(grep -c '^fuzz .*: ok' <<<"$output")" -eq "${#bins[@]}" ]
}

@test "the valgrind subset of tool invocations has zero errors" {
	command -v valgrind >/dev/null || skip "valgrind is not installed (CI installs it)"
	[ -z "${AIE_SAN:-}" ] || skip "SAN=1: ASan binaries cannot run under valgrind"
	run "$TOP/t/valgrind" "$AIE_BIN"
	assert_success
	assert_output --partial " 0 failed"
	refute_output --partial "FAIL"
}

@test "cppcheck finds nothing in cmd/, lib/ and cgi/" {
	command -v cppcheck >/dev/null || skip "cppcheck is not installed (CI installs it)"
	run submake lint-cppcheck
	assert_success
}

@test "every shell script and bats file passes shellcheck" {
	command -v shellcheck >/dev/null || skip "shellcheck is not installed"
	run submake lint-shell
	assert_success
}

@test "a pending draft dated after year 9999 shows no time in vault-status -j" {
	mkdraft D9 E9 "9999-12-31T23:59:59-23:59"
	run --separate-stderr vault-status -j
	assert_success
	assert_json '.pending[0] | .id == "D9" and has("expires") and .expires == null'
}

@test "times before year 1000 come out with four-digit years" {
	mkdraft D8 E8 "0999-01-02T03:04:05Z"
	run --separate-stderr vault-status -j
	assert_success
	assert_output --partial '"expires":"0999-01-02T03:04:05Z"'
}
