#!/usr/bin/env bats
# plan: Plans/<domain>/PLAN_<ID>.md, its steps ticked by hand and, for a
# step that links a draft, by vault-exec executing that draft.
load helper

setup() { common_setup; mkvault; mkemail E1; }

P=Plans/email/PLAN_E1.md

@test "plan ID makes the plan: front matter, objective, one checkbox a step" {
	run --separate-stderr plan E1 --step "read the order" \
	    --step "reply (draft: DRAFT_E1)"
	assert_success
	[ "${lines[0]}" = "$P" ]
	f="$VAULT_DIR/$P"
	grep -qx 'type: plan' "$f"
	grep -qx 'id: PLAN_E1' "$f"
	# quoted: E1 would read as a number in YAML
	grep -qx 'source: "E1"' "$f"
	grep -qx 'domain: email' "$f"
	grep -qx 'status: active' "$f"
	grep -Eq '^created: 20[0-9-]{8}T' "$f"
	grep -qx 'Objective: Question about my order' "$f"
	grep -qx -- '- \[ \] read the order' "$f"
	grep -qx -- '- \[ \] reply (draft: DRAFT_E1)' "$f"
	grep -q '"event":"plan","id":"PLAN_E1"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "steps from stdin, blank lines skipped; --objective; -j gives the plan" {
	run --separate-stderr plan -j -o "Answer Alice" E1 < <(printf 'one\n\ntwo\n')
	assert_success
	assert_json '.id == "PLAN_E1" and .source == "E1" and .status == "active"
	    and .objective == "Answer Alice" and .next == 1
	    and ([.steps[].text] == ["one", "two"])
	    and ([.steps[].done] == [false, false])'
}

@test "--next says the first step not done; --done ticks it in place" {
	plan E1 -s one -s two -s three >/dev/null
	run --separate-stderr plan --next E1
	assert_success
	assert_output "$(printf '1\tone')"
	run --separate-stderr plan --done E1 2
	assert_success
	grep -qx -- '- \[x\] two' "$VAULT_DIR/$P"
	grep -qx -- '- \[ \] one' "$VAULT_DIR/$P"
	grep -q '"event":"plan_step","id":"PLAN_E1".*"note":"step 2: two"' \
	    "$VAULT_DIR"/Logs/*.jsonl
	run --separate-stderr plan -j --next PLAN_E1
	assert_json '.next == 1 and .text == "one"'
}

@test "the last tick makes the plan done; --next then says so (1)" {
	plan E1 -s one -s two >/dev/null
	plan --done E1 1 >/dev/null
	grep -qx 'status: active' "$VAULT_DIR/$P"
	plan --done E1 2 >/dev/null
	grep -qx 'status: done' "$VAULT_DIR/$P"
	run --separate-stderr plan --next E1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"every step is done"* ]]
}

@test "ticking a step twice writes nothing (1); a step that is not there is 65" {
	plan E1 -s one >/dev/null
	plan --done E1 1 >/dev/null
	sum=$(md5sum <"$VAULT_DIR/$P")
	run --separate-stderr plan --done E1 1
	[ "$status" -eq 1 ]
	[[ $stderr == *"already done"* ]]
	[ "$(md5sum <"$VAULT_DIR/$P")" = "$sum" ]
	run --separate-stderr plan --done E1 5
	[ "$status" -eq 65 ]
	[[ $stderr == *"no step 5 (it has 1)"* ]]
	run --separate-stderr plan --done E1 x
	[ "$status" -eq 2 ]
}

@test "an edited plan keeps its edits: a tick changes only its checkbox" {
	plan E1 -s one -s two >/dev/null
	printf '\n## Notes\n\n- [ ] not a step\n' >>"$VAULT_DIR/$P"
	cp "$VAULT_DIR/$P" "$BATS_TEST_TMPDIR/before"
	plan --done E1 2 >/dev/null
	run diff "$BATS_TEST_TMPDIR/before" "$VAULT_DIR/$P"
	[ "$status" -eq 1 ]
	[ "$(grep -c '^[<>]' <<<"$output")" -eq 2 ]
	grep -qx -- '- \[ \] not a step' "$VAULT_DIR/$P"
	run plan -j --list
	assert_json '.next == 1 and (.steps | length) == 2'
}

@test "refused: no such item, a second plan, no steps, a bad draft link, control characters" {
	run --separate-stderr plan NOPE -s one
	[ "$status" -eq 65 ]
	[[ $stderr == *"NOPE: no such item"* ]]
	plan E1 -s one >/dev/null
	run --separate-stderr plan E1 -s two
	[ "$status" -eq 65 ]
	[[ $stderr == *"already has a plan ($P)"* ]]
	mkemail E2
	run --separate-stderr plan E2 </dev/null
	[ "$status" -eq 65 ]
	[[ $stderr == *"at least one step"* ]]
	run --separate-stderr plan E2 -s "send (draft: ../../x)"
	[ "$status" -eq 65 ]
	[ ! -e "$VAULT_DIR/Plans/email/PLAN_E2.md" ]
	run --separate-stderr plan E2 -s "$(printf 'a\033[2Jb')"
	[ "$status" -eq 65 ]
	[[ $stderr == *"not allowed"* ]]
	run --separate-stderr plan --next ../E1
	[ "$status" -eq 65 ]
	[ ! -e "$VAULT_DIR/Plans/email/PLAN_E2.md" ]
}

@test "--list: every plan with its count of steps done" {
	mkemail E2
	plan E1 -s one -s two >/dev/null
	plan E2 -s one >/dev/null
	plan --done E1 1 >/dev/null
	run --separate-stderr plan --list
	assert_success
	[[ $output == *"$(printf 'PLAN_E1\t1/2\tactive\t%s' "$P")"* ]]
	[[ $output == *"$(printf 'PLAN_E2\t0/1\tactive')"* ]]
	run --separate-stderr plan -j --list
	assert_json -s 'length == 2 and ([.[].id] | sort) == ["PLAN_E1", "PLAN_E2"]'
}

@test "a step that links a draft ticks itself when approve + vault-exec execute that draft" {
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
	plan E1 -s "read the order" -s "reply (draft: DRAFT_E1)" \
	    -s "file the order" >/dev/null
	plan --done E1 1 >/dev/null
	# not yet: a draft waiting for approval leaves its step open
	run plan -j --next E1
	assert_json '.next == 2 and .draft == "DRAFT_E1"'
	approve DRAFT_E1 >/dev/null
	run --separate-stderr vault-exec
	assert_success
	grep -qx -- '- \[x\] reply (draft: DRAFT_E1)' "$VAULT_DIR/$P"
	grep -qx -- '- \[ \] file the order' "$VAULT_DIR/$P"
	grep -q '"event":"plan_step","id":"PLAN_E1".*"note":"step 2: reply (draft: DRAFT_E1); draft DRAFT_E1 executed"' \
	    "$VAULT_DIR"/Logs/*.jsonl
	run plan -j --next E1
	assert_json '.next == 3 and .text == "file the order"'
}

@test "a draft that is not executed ticks nothing" {
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
	plan E1 -s "reply (draft: DRAFT_E1)" >/dev/null
	approve DRAFT_E1 >/dev/null
	# changed after approval: vault-exec refuses it
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/Approved/email/DRAFT_E1.md"
	run vault-exec
	[ "$status" -ne 0 ]
	grep -qx -- '- \[ \] reply (draft: DRAFT_E1)' "$VAULT_DIR/$P"
	! grep -q '"event":"plan_step"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "a step that links a draft is not ticked by hand (77)" {
	plan E1 -s "reply (draft: DRAFT_E1)" >/dev/null
	sum=$(md5sum <"$VAULT_DIR/$P")
	run --separate-stderr plan --done E1 1
	[ "$status" -eq 77 ]
	[[ $stderr == *"step 1 waits for draft DRAFT_E1"* ]]
	[ "$(md5sum <"$VAULT_DIR/$P")" = "$sum" ]
}

# ---- the loop: reflections and the Stop hook ------------------------------

@test "--reflect appends a line to the plan's Reflections, made once, the rest kept" {
	plan E1 -s one -s two >/dev/null
	echo "owner's note" >>"$VAULT_DIR/$P"
	plan --reflect E1 1 "looked it up; the order shipped; ask earlier next time"
	echo "second thought" | plan --reflect E1 0
	f="$VAULT_DIR/$P"
	[ "$(grep -c '^## Reflections$' "$f")" -eq 1 ]
	grep -Eqx -- "- step 1, 20[0-9-]{8}T[0-9:]{8}Z, local: looked it up; the order shipped; ask earlier next time" "$f"
	grep -Eqx -- "- 20[0-9-]{8}T[0-9:]{8}Z, local: second thought" "$f"
	grep -qx "owner's note" "$f"
	# in order, the second after the first
	[ "$(grep -n 'local:' "$f" | cut -d: -f1 | sort -n | head -1)" -eq "$(grep -n 'looked it up' "$f" | cut -d: -f1)" ]
	grep -q '"event":"plan_reflect","id":"PLAN_E1"' "$VAULT_DIR"/Logs/*.jsonl
	# a second plan read still parses its steps
	run plan --next E1
	assert_output "$(printf '1\tone')"
}

@test "--reflect refuses a step that is not there, two lines, and control characters" {
	plan E1 -s one >/dev/null
	cp "$VAULT_DIR/$P" "$BATS_TEST_TMPDIR/before"
	run plan --reflect E1 5 "text"
	assert_failure 65
	run plan --reflect E1 1 "$(printf 'a\033[2Jb')"
	assert_failure 65
	run plan --reflect E1 1 "$(printf 'two\nlines')"
	assert_failure 65
	run plan --reflect E1 x "text"
	assert_failure 2
	cmp "$VAULT_DIR/$P" "$BATS_TEST_TMPDIR/before"
}

# hook SESSION [ID]: what plan --stop-hook answers Claude Code's Stop hook
hook() {
	printf '{"session_id":"%s","transcript_path":"/dev/null","hook_event_name":"Stop","stop_hook_active":false}' "$1" |
	    plan --stop-hook ${2:+"$2"}
}

@test "--stop-hook sends the agent back to the next step, bounded by PLAN_MAX_ITERATIONS per session" {
	plan E1 -s "read the order" -s "file it" >/dev/null
	export PLAN_MAX_ITERATIONS=2
	run --separate-stderr hook s1 E1
	assert_success
	assert_json '.decision == "block" and (.reason | test("step 1 of 2, \"read the order\"")) and (.reason | test("plan --done PLAN_E1 1")) and (.reason | test("--reflect"))'
	plan --done E1 1 >/dev/null
	run --separate-stderr hook s1 E1
	assert_json '.decision == "block" and (.reason | test("step 2 of 2")) and (.reason | test("Continuation 2 of 2"))'
	# the bound: the agent may stop, told why, and the log says so
	run --separate-stderr hook s1 E1
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"not done after 2 continuations (PLAN_MAX_ITERATIONS)"* ]]
	grep -q '"event":"plan_loop_limit","id":"PLAN_E1"' "$VAULT_DIR"/Logs/*.jsonl
	# a new session counts from one again; $AIE_PLAN names the plan
	AIE_PLAN=E1 run --separate-stderr hook s2
	assert_json '.decision == "block" and (.reason | test("Continuation 1 of 2"))'
	# done: the agent stops
	plan --done E1 2 >/dev/null
	run --separate-stderr hook s2 E1
	assert_success
	[ -z "$output" ]
}

@test "--stop-hook lets the agent stop when the next step waits for the owner, or no plan is named" {
	plan E1 -s "reply (draft: DRAFT_E1)" -s "file it" >/dev/null
	run --separate-stderr hook s1 E1
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"waits for the owner's approval of DRAFT_E1"* ]]
	run --separate-stderr hook s1
	assert_success
	[ -z "$output" ]
	run --separate-stderr hook s1 NOPE
	assert_failure 65
	[ -z "$output" ]
}

@test "share/claude: the Stop hook runs plan --stop-hook and .mcp.json vault-mcp, on the same vault as the same agent" {
	d=$BATS_TEST_DIRNAME/../share/claude
	run jq -r '.hooks.Stop[0].hooks[0] | .type + " " + .command' "$d/settings.json"
	assert_output "command plan -C /path/to/vault -a cloud --stop-hook"
	run jq -r '.mcpServers.vault | [.command] + .args | join(" ")' "$d/.mcp.json"
	assert_output "vault-mcp -C /path/to/vault -a cloud"
	# one MCP file, the name Claude Code reads in a project
	run ls -A "$d"
	assert_output "$(printf '.mcp.json\nsettings.json')"
}
