#!/usr/bin/env bats
# usage-log: the usage table, prices, reports and the weekly budget.
load helper

setup() {
	common_setup
	mkvault
	unset USAGE_BUDGET_WEEKLY USAGE_MAX_CALLS_DAY USAGE_PRICES_FILE
	export AIE_PRICES_FILE="$TOP/share/prices.tsv"
	U="$VAULT_DIR/Logs/API_Usage"
}

@test "add writes the header once, then one row per call" {
	run -0 usage-log add -m claude-haiku-4-5 -i 10 -o 5 --time 2026-11-30T10:00:00Z
	assert_output Logs/API_Usage/2026-11-30.md
	usage-log add -m claude-haiku-4-5 -i 20 -o 5 --time 2026-11-30T11:00:00Z
	f=$U/2026-11-30.md
	[ "$(grep -c '^| time | agent | task | item | model | input_tokens | output_tokens | cache_read_tokens | cache_write_tokens | cost_usd |$' "$f")" -eq 1 ]
	[ "$(grep -c '^|---|' "$f")" -eq 1 ]
	[ "$(grep -c '^| 2026-11-30T' "$f")" -eq 2 ]
	# a table renders in Obsidian only after a blank line
	[ -z "$(grep -B1 '^| time' "$f" | head -1)" ]
}

@test "concurrent adds never repeat the header nor lose a row" {
	for i in $(seq 20); do
		usage-log add -q -m claude-haiku-4-5 -i "$i" -o 1 --time 2026-11-30T10:00:00Z &
	done
	wait
	f=$U/2026-11-30.md
	[ "$(grep -c '^| time |' "$f")" -eq 1 ]
	[ "$(grep -c '^| 2026-11-30T' "$f")" -eq 20 ]
	[ -z "$(find "$U" -mindepth 1 -name '.tmp*')" ]
}

@test "cost to the cent from the prices file, cache tokens included" {
	usage-log add -m claude-sonnet-4-5 -i 1000000 -o 100000 --time 2026-11-30T10:00:00Z
	usage-log add -m claude-haiku-4-5-20251001 -i 0 -o 0 --cache-read 1000000 \
	    --cache-write 1000000 --time 2026-11-30T10:00:01Z
	usage-log add -m claude-opus-4-1 -i 1000 -o 1000 --time 2026-11-30T10:00:02Z
	grep -qF '| claude-sonnet-4-5 | 1000000 | 100000 | 0 | 0 | 4.500000 |' "$U/2026-11-30.md"
	grep -qF '| claude-haiku-4-5-20251001 | 0 | 0 | 1000000 | 1000000 | 1.350000 |' "$U/2026-11-30.md"
	grep -qF '| claude-opus-4-1 | 1000 | 1000 | 0 | 0 | 0.090000 |' "$U/2026-11-30.md"
}

@test "an unknown model's cost is unknown, never 0" {
	usage-log add -m gpt-oss-120b -i 1000 -o 1000 --time 2026-11-30T10:00:00Z
	grep -qF '| gpt-oss-120b | 1000 | 1000 | 0 | 0 | unknown |' "$U/2026-11-30.md"
	run -0 usage-log report --since 2026-11-30 --until 2026-11-30
	assert_line --partial "+unknown"
	run -0 usage-log -j report --since 2026-11-30 --until 2026-11-30
	echo "${lines[0]}" | assert_json '.unknown_cost_calls == 1' -
}

@test "offline-template is free, a known price" {
	usage-log add -m offline-template --time 2026-11-30T10:00:00Z
	grep -qF '| offline-template | 0 | 0 | 0 | 0 | 0.000000 |' "$U/2026-11-30.md"
}

@test "a PRICE_ setting in the config overrides the prices file" {
	printf 'PRICE_CLAUDE_SONNET_4_5=1,2,0,0\n' >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	usage-log add -m claude-sonnet-4-5 -i 1000000 -o 1000000 --time 2026-11-30T10:00:00Z
	grep -qF '| 3.000000 |' "$U/2026-11-30.md"
}

@test "USAGE_PRICES_FILE adds and overrides models" {
	printf '# mine\nmy-model\t2\t4\t0\t0\n' >"$BATS_TEST_TMPDIR/p.tsv"
	export USAGE_PRICES_FILE=$BATS_TEST_TMPDIR/p.tsv
	usage-log add -m my-model -i 500000 -o 500000 --time 2026-11-30T10:00:00Z
	grep -qF '| my-model | 500000 | 500000 | 0 | 0 | 3.000000 |' "$U/2026-11-30.md"
}

@test "a malformed prices file is a configuration error (78)" {
	printf 'broken line\n' >"$BATS_TEST_TMPDIR/p.tsv"
	export AIE_PRICES_FILE=$BATS_TEST_TMPDIR/p.tsv
	run -78 usage-log add -m claude-sonnet-4-5 -i 1 -o 1
}

@test "add without -m is a usage error" {
	run -2 usage-log add -i 5
}

fill() {
	usage-log add -q -m claude-sonnet-4-5 -i 1000000 -o 0 -t draft-email -I E1 --time 2026-11-28T10:00:00Z
	usage-log add -q -m claude-haiku-4-5 -i 1000000 -o 0 -t draft-email -I E2 --time 2026-11-29T10:00:00Z
	usage-log add -q -a cloud -m claude-haiku-4-5 -i 0 -o 1000000 -t summary --time 2026-11-29T11:00:00Z
	usage-log add -q -m mystery -i 1 -o 1 -t summary --time 2026-11-30T11:00:00Z
}

@test "report --by day sums calls, tokens and cost per day" {
	fill
	run -0 usage-log report --since 2026-11-28 --until 2026-11-30
	assert_line --regexp '^2026-11-28 +1 +1000000 +0 +0 +0 +3\.0000$'
	assert_line --regexp '^2026-11-29 +2 +1000000 +1000000 +0 +0 +6\.0000$'
	assert_line --regexp '^2026-11-30 +1 +1 +1 +0 +0 +0\.0000 \+unknown$'
	assert_line --regexp '^total +4 +2000001 +1000001 +0 +0 +9\.0000 \+unknown$'
}

@test "report --by model, task and agent" {
	fill
	run -0 usage-log report --since 2026-11-28 --until 2026-11-30 --by model
	assert_line --regexp '^claude-haiku-4-5 +2 .* 6\.0000$'
	assert_line --regexp '^claude-sonnet-4-5 +1 .* 3\.0000$'
	run -0 usage-log report --since 2026-11-28 --until 2026-11-30 --by task
	assert_line --regexp '^draft-email +2 .* 4\.0000$'
	assert_line --regexp '^summary +2 .* 5\.0000 \+unknown$'
	run -0 usage-log report --since 2026-11-28 --until 2026-11-30 --by agent
	assert_line --regexp '^cloud +1 .* 5\.0000$'
	assert_line --regexp '^local +3 .* 4\.0000 \+unknown$'
}

@test "report --json prints one object per group and a total" {
	fill
	run -0 usage-log -j report --since 2026-11-28 --until 2026-11-30 --by model
	[ "${#lines[@]}" -eq 4 ]
	assert_json -s 'map(.key) == ["claude-haiku-4-5", "claude-sonnet-4-5", "mystery", "total"]'
	assert_json -s '.[0] | .by == "model" and .calls == 2 and (.cost_usd - 6 | fabs) < 1e-9'
	assert_json -s '.[3] | .by == "total" and .calls == 4 and .unknown_cost_calls == 1'
	assert_json -s '(.[3].cost_usd - 9 | fabs) < 1e-9'
}

@test "report --since and --until bound the days" {
	fill
	run -0 usage-log report --since 2026-11-29 --until 2026-11-29
	assert_line --regexp '^total +2 '
	refute_line --partial 2026-11-28
}

@test "report --by with a bad key is a usage error" {
	run -2 usage-log report --by colour
}

@test "reading tolerates repeated headers from a union merge" {
	usage-log add -q -m claude-haiku-4-5 -i 1000000 -o 0 --time 2026-11-30T10:00:00Z
	f=$U/2026-11-30.md
	cp "$f" "$BATS_TEST_TMPDIR/other"
	sed -i 's/T10:00:00Z/T12:00:00Z/' "$BATS_TEST_TMPDIR/other"
	cat "$BATS_TEST_TMPDIR/other" >>"$f"
	[ "$(grep -c '^| time |' "$f")" -eq 2 ]
	run -0 --separate-stderr usage-log report --since 2026-11-30 --until 2026-11-30
	assert_line --regexp '^total +2 +2000000 .* 2\.0000$'
	[ -z "$stderr" ]
}

@test "a header with columns in another order is read by name" {
	mkdir -p "$U"
	cat >"$U/2026-11-30.md" <<'EOT'
| model | time | cost_usd | agent | task | item | input_tokens | output_tokens | cache_read_tokens | cache_write_tokens | note |
|---|---|---|---|---|---|---|---|---|---|---|
| claude-haiku-4-5 | 2026-11-30T09:00:00Z | 1.25 | local | x | - | 5 | 6 | 0 | 0 | hi |
EOT
	run -0 usage-log report --since 2026-11-30 --until 2026-11-30 --by model
	assert_line --regexp '^claude-haiku-4-5 +1 +5 +6 +0 +0 +1\.2500$'
}

@test "malformed rows are skipped with a warning" {
	usage-log add -q -m claude-haiku-4-5 -i 1 -o 1 --time 2026-11-30T10:00:00Z
	echo '| 2026-11-30T11:00:00Z | local | x | - | m | many | 1 | 0 | 0 | 0.1 |' >>"$U/2026-11-30.md"
	run -0 --separate-stderr usage-log report --since 2026-11-30 --until 2026-11-30
	assert_line --regexp '^total +1 '
	[[ "$stderr" == *"1 malformed rows skipped"* ]]
}

@test "budget under 80 % exits 0 quietly" {
	export USAGE_BUDGET_WEEKLY=10
	usage-log add -q -m x --cost 1.5
	run -0 --separate-stderr usage-log budget
	assert_output --partial "1.50 of 10.00 USD spent (15.0 %)"
	[ -z "$stderr" ]
}

@test "budget says so when 80 % is crossed" {
	export USAGE_BUDGET_WEEKLY=10
	usage-log add -q -m x --cost 8.5
	run -0 --separate-stderr usage-log budget
	[[ "$stderr" == *"80 %"* ]]
}

@test "budget over exits 1" {
	export USAGE_BUDGET_WEEKLY=10
	usage-log add -q -m x --cost 6
	usage-log add -q -m x --cost 4.5
	run -1 --separate-stderr usage-log budget
	[[ "$stderr" == *"over the weekly budget"* ]]
}

@test "budget counts only this ISO week" {
	export USAGE_BUDGET_WEEKLY=10
	usage-log add -q -m x --cost 50 --time 2020-01-01T00:00:00Z
	run -0 usage-log budget
}

@test "budget -j gives the numbers" {
	export USAGE_BUDGET_WEEKLY=20 USAGE_MAX_CALLS_DAY=7
	usage-log add -q -m x --cost 5
	usage-log add -q -m unknown-model -i 1 -o 1
	run -0 usage-log -j budget
	assert_json '.spent_usd == 5 and .budget_usd == 20 and .percent == 25'
	assert_json '.unknown_cost_calls == 1 and .calls == 2 and .calls_today == 2'
	assert_json '.max_calls_day == 7 and .over == false and .warn == false'
}

@test "a bar chart per day only when stdout is a terminal" {
	command -v script >/dev/null || skip "no script(1)"
	usage-log add -q -m claude-sonnet-4-5 -i 1000000 -o 0 --time 2026-11-29T10:00:00Z
	usage-log add -q -m claude-sonnet-4-5 -i 2000000 -o 0 --time 2026-11-30T10:00:00Z
	run -0 usage-log report --since 2026-11-29 --until 2026-11-30
	refute_output --partial '#'
	run -0 script -qec "usage-log report --since 2026-11-29 --until 2026-11-30" /dev/null
	assert_output --regexp '2026-11-29 #{20} +\$3\.00'
	assert_output --regexp '2026-11-30 #{40} \$6\.00'
}

@test "with no prices file installed or named, the built-in table prices a call" {
	unset AIE_PRICES_FILE
	usage-log add -m claude-sonnet-4-5 -i 1000000 -o 100000 --time 2026-11-30T10:00:00Z
	grep -qF '| claude-sonnet-4-5 | 1000000 | 100000 | 0 | 0 | 4.500000 |' "$U/2026-11-30.md"
	# a named file still overrides the built-in table
	printf 'claude-sonnet-4-5\t1\t1\t0\t0\n' >"$BATS_TEST_TMPDIR/p.tsv"
	AIE_PRICES_FILE="$BATS_TEST_TMPDIR/p.tsv" usage-log add -m claude-sonnet-4-5 \
	    -i 1000000 -o 0 --time 2026-11-30T10:00:01Z
	grep -qF '| claude-sonnet-4-5 | 1000000 | 0 | 0 | 0 | 1.000000 |' "$U/2026-11-30.md"
}

@test "budget says on stderr, once and on every run, that unknown costs are not counted" {
	usage-log add -q -m unknown-model -i 1 -o 1
	usage-log add -q -m unknown-model -i 1 -o 1
	for _ in 1 2; do
		run -0 --separate-stderr usage-log budget
		[ "$(grep -c 'unknown cost' <<<"$stderr")" -eq 1 ]
		[[ "$stderr" == *"2 calls this week have an unknown cost and are not counted in the weekly budget"* ]]
	done
}

@test "draft-email's budget check says once per run that unknown costs are not counted" {
	unset LLM_PROVIDER ANTHROPIC_API_KEY OPENAI_API_KEY OPENAI_BASE_URL
	usage-log add -q -m unknown-model -i 1 -o 1
	mkemail EMAIL_1
	mkemail EMAIL_2
	run -0 --separate-stderr draft-email EMAIL_1 EMAIL_2
	[ "$(grep -c 'unknown cost' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"1 calls this week have an unknown cost"* ]]
}

@test "draft-post's budget check says it too, once for all its networks" {
	unset LLM_PROVIDER ANTHROPIC_API_KEY OPENAI_API_KEY OPENAI_BASE_URL
	usage-log add -q -m unknown-model -i 1 -o 1
	run -0 --separate-stderr draft-post --network linkedin,x "We open in Leeds"
	[ "$(grep -c 'unknown cost' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"1 calls this week have an unknown cost"* ]]
	# both drafts' calls logged under the tool's name
	[ "$(grep -c '| draft-post | POST_' "$U"/*.md)" -eq 2 ]
}
