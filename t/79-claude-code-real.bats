#!/usr/bin/env bats
# The real Claude Code (npm's @anthropic-ai/claude-code, print mode) in the
# project folder README's steps make: it starts the vault server of the
# project's .mcp.json and runs the Stop hook of its .claude/settings.json
# itself. Its model is t/fake/anthropic.py on 127.0.0.1 (ANTHROPIC_BASE_URL),
# answering from a script with tool_use blocks over the streaming Messages
# API; what the "model" asks for really happens in the vault.
load helper
load claude

setup() {
	common_setup
	unset PLAN_MAX_ITERATIONS AIE_PLAN LLM_MODEL ANTHROPIC_BASE_URL
	CLAUDE=$TOP/node_modules/.bin/claude
	[ -x "$CLAUDE" ] ||
	    skip "npm install first: @anthropic-ai/claude-code is not installed"
	# Claude Code hides how its server and hook exit: under SAN=1 the
	# sanitizers' reports go to files, each claude_p checks there are none
	if [ -n "${AIE_SAN:-}" ]; then
		export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$BATS_TEST_TMPDIR/san"
		export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$BATS_TEST_TMPDIR/san"
	fi
	demo
	ID=$(basename "$DEMO"/vault/Needs_Action/email/EMAIL_*.md .md)
	[ -n "$ID" ] && [ "$ID" != 'EMAIL_*' ] || fail "README's steps filed no mail"
}

teardown() {
	stop_fake
}

stop_fake() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
		FAKE_PID=
	fi
	rm -f "$BATS_TEST_TMPDIR/port"
}

# fake LINE...: the fake Messages API answering LINEs in order (see
# t/fake/anthropic.py; @ID@ is the mail's id), every request logged; the
# one before is stopped.
fake() {
	stop_fake
	FAKE_LOG=$BATS_TEST_TMPDIR/fake.log
	: >"$FAKE_LOG"
	printf '%s\n' "$@" | sed "s/@ID@/$ID/g" >"$BATS_TEST_TMPDIR/script"
	python3 "$T_DIR/fake/anthropic.py" --port-file "$BATS_TEST_TMPDIR/port" \
	    --log "$FAKE_LOG" --key test --script "$BATS_TEST_TMPDIR/script" 3>&- &
	FAKE_PID=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/port" ]
	FAKE_PORT=$(cat "$BATS_TEST_TMPDIR/port")
}

# claude_p PROMPT [FLAG...]: the real `claude -p PROMPT` in the project
# folder, the vault's tools allowed (print mode asks nobody; FLAGs instead
# when given), its model the fake, no traffic but to the fake, HOME the
# test's; killed if it hangs.
claude_p() {
	local prompt=$1
	shift
	[ $# -gt 0 ] || set -- --allowedTools 'mcp__vault__*'
	cd "$PROJECT" || fail "no project folder"
	run --separate-stderr env ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT" \
	    ANTHROPIC_API_KEY=test CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
	    DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 \
	    timeout 120 "$CLAUDE" -p "$prompt" "$@"
	cd "$TOP" || fail "no $TOP"
	! compgen -G "$BATS_TEST_TMPDIR/san.*" >/dev/null ||
	    fail "a sanitizer report: $(cat "$BATS_TEST_TMPDIR"/san.*)"
}

# msgs: the Messages API requests the fake received, as a JSON array.
msgs() {
	jq -s '[.[] | select(.method == "POST" and (.path | startswith("/v1/messages")))]' "$FAKE_LOG"
}

# shown: the requests in short, for a failure's message.
shown() {
	msgs | jq -c '.[] | {path, stream: .body.stream,
	    last: (.body.messages[-1].content | tostring | .[0:300])}'
}

# check JQ-EXPR...: each true over msgs.
check() {
	local e m
	m=$(msgs)
	for e; do
		jq -e "$e" <<<"$m" >/dev/null ||
		    fail "not true over the requests: $e
$(shown)"
	done
}

@test "the real Claude Code lists, claims and reads the mail, plans and drafts the reply through the project's vault server" {
	fake '200 tool id=toolu_list mcp__vault__list_items {"stage":"Needs_Action","domain":"email"}' \
	     '200 tool id=toolu_claim mcp__vault__claim {"domain":"email"}' \
	     '200 tool id=toolu_read mcp__vault__read_item {"id":"@ID@"}' \
	     '200 tool id=toolu_plan mcp__vault__plan_create {"id":"@ID@","steps":"look up order 1234\nreply (draft: DRAFT_@ID@)"}' \
	     '200 tool id=toolu_draft mcp__vault__draft_reply {"id":"@ID@"}' \
	     '200 ok Hello Alice,\n\norder 1234 ships on Monday.\n\nThe Owner' \
	     '200 ok Drafted the reply; it waits for your approval.'
	claude_p "Claim the next email, plan the reply and draft it"
	[ "$status" -eq 0 ] || fail "claude failed ($status): $output $stderr
$(shown)"
	assert_output "Drafted the reply; it waits for your approval."
	# Claude Code's requests: streamed, the key sent, the vault's tools given
	check 'length == 7' \
	    '[.[] | select(.body.tools)] | length == 6 and all(.[]; .body.stream == true and ."x-api-key" == "test")' \
	    '.[0].body.tools | map(.name) | index("mcp__vault__draft_reply") and index("mcp__vault__plan_create")'
	# what the tools answered came back to the model: the mail's text among it
	check '[.[].body.messages[] | select(.role == "user" and (.content | type) == "array") | .content[]
	        | select(.type == "tool_result")] | map({(.tool_use_id): (.content | tostring)}) | add
	       | (.toolu_list | contains("'"$ID"'")) and (.toolu_claim | contains("In_Progress/cloud/'"$ID"'.md"))
	         and (.toolu_read | contains("Hello, where is order 1234?"))
	         and (.toolu_plan | contains("Plans/email/PLAN_'"$ID"'.md"))
	         and (.toolu_draft | contains("DRAFT_'"$ID"'"))'
	# draft_reply drafted through the same API, not streamed (draft-email's way)
	check '[.[] | select(.body.tools | not)] | length == 1 and (.[0].body.messages[0].content | tostring | contains("where is order 1234"))'
	# in the vault: the draft waits for the owner, the plan, the audit
	d=$DEMO/vault/Pending_Approval/email/DRAFT_$ID.md
	grep -qx 'drafted_by: cloud' "$d"
	grep -q 'order 1234 ships on Monday' "$d"
	grep -q 'look up order 1234' "$DEMO/vault/Plans/email/PLAN_$ID.md"
	[ -f "$DEMO/vault/In_Progress/cloud/$ID.md" ]
	for t in list_items claim read_item plan_create draft_reply; do
		grep -q '"event":"mcp_call","name":"'$t'","ok":true.*"tool":"vault-mcp"' "$DEMO"/vault/Logs/*.jsonl ||
		    fail "no audit line of $t by vault-mcp"
	done
	run approve -C "$DEMO/vault" --list
	assert_output --partial "DRAFT_$ID"
}

@test "the real Claude Code on a plan: settings.json's Stop hook sends it back with the next step until the bound, then until the owner's approval" {
	vault-claim -q -C "$DEMO/vault" -a cloud -n 1 >/dev/null
	draft-email -q -C "$DEMO/vault" -a cloud "$ID" >/dev/null
	plan -q -C "$DEMO/vault" -a cloud "$ID" -s "look up order 1234" -s "reply (draft: DRAFT_$ID)" >/dev/null
	export AIE_PLAN=$ID PLAN_MAX_ITERATIONS=2
	# the model stops without working the step: sent back twice, then let go
	fake '200 ok Looking at the plan.' '200 ok Still looking.' '200 ok Giving up for now.'
	claude_p "Work the plan PLAN_$ID"
	[ "$status" -eq 0 ] || fail "claude failed ($status): $output $stderr
$(shown)"
	assert_output "Giving up for now."
	check 'length == 3' \
	    '[.[].body.messages | tostring] | (.[0] | contains("Next: step") | not)
	     and (.[1] | contains("Next: step 1 of 2, \\\"look up order 1234\\\"") and contains("Continuation 1 of 2."))
	     and (.[2] | contains("Continuation 2 of 2."))'
	# a new session: sent back once, the model ticks the step through the
	# vault server; the next step waits for the owner, so it may stop
	fake '200 ok Looking at the plan.' \
	     '200 tool id=toolu_tick mcp__vault__plan_update {"id":"@ID@","done":1,"reflection":"order 1234 shipped Monday"}' \
	     '200 ok Step 1 done; the reply waits for your approval.'
	claude_p "Work the plan PLAN_$ID"
	[ "$status" -eq 0 ] || fail "claude failed ($status): $output $stderr
$(shown)"
	assert_output "Step 1 done; the reply waits for your approval."
	check 'length == 3' \
	    '.[1].body.messages | tostring | contains("Continuation 1 of 2.")' \
	    '.[2].body.messages[-1].content[] | select(.type == "tool_result") | .tool_use_id == "toolu_tick"'
	run plan -C "$DEMO/vault" --next "$ID"
	assert_output --partial "DRAFT_$ID"
	grep -q '^- \[x\] look up order 1234' "$DEMO/vault/Plans/email/PLAN_$ID.md"
	grep -q 'order 1234 shipped Monday' "$DEMO/vault/Plans/email/PLAN_$ID.md"
}

@test "the real Claude Code without the vault's tools allowed: print mode runs none, the vault is untouched" {
	fake '200 tool id=toolu_claim mcp__vault__claim {"domain":"email"}' \
	     '200 ok I may not claim it.'
	claude_p "Claim the next email" --permission-mode default
	[ "$status" -eq 0 ] || fail "claude failed ($status): $output $stderr
$(shown)"
	check 'length == 2' \
	    '.[1].body.messages[-1].content[] | select(.type == "tool_result")
	     | .tool_use_id == "toolu_claim" and .is_error == true
	       and (.content | tostring | contains("requested permissions to use mcp__vault__claim"))'
	[ -f "$DEMO/vault/Needs_Action/email/$ID.md" ]
	ls "$DEMO"/vault/Logs/*.jsonl >/dev/null
	run grep -l '"event":"mcp_call"' "$DEMO"/vault/Logs/*.jsonl
	assert_failure
}
