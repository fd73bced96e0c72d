#!/usr/bin/env bats
# share/claude/ as Claude Code uses it, Claude Code itself not being here:
# README's steps for a demo vault are run as written; then the project
# folder they make is used as Claude Code uses one - the vault server of
# its .mcp.json started through the official SDK's StdioClientTransport
# (t/mcp/client.mjs --project), and the Stop hook of its
# .claude/settings.json run through sh -c with the JSON Claude Code sends
# a Stop hook, its answer read as Claude Code reads it.
load helper
load claude

setup() {
	common_setup
	unset PLAN_MAX_ITERATIONS AIE_PLAN
	[ -d "$TOP/node_modules/@modelcontextprotocol/sdk" ] ||
	    skip "npm install first: @modelcontextprotocol/sdk is not installed"
}

# session STEPS-JSON: one MCP session with the server "vault" of the
# project's .mcp.json, as Claude Code starts it; the server exits 0.
session() {
	run --separate-stderr node "$T_DIR/mcp/client.mjs" --project "$PROJECT" vault "$1"
	[ "$status" -eq 0 ] || fail "client failed ($status): $output $stderr"
	assert_json '.server_exit == 0'
	assert_json 'all(.steps[]; .result and (.result.isError | not))'
}

# stop SESSION ACTIVE: a Stop as Claude Code sends it to each command hook
# of the project's settings.json (run by sh -c in the project folder,
# CLAUDE_PROJECT_DIR set, killed after its timeout), its answer read as
# Claude Code reads it into $answer: "stop" (exit 0, nothing on stdout),
# "block" (exit 0, {"decision":"block","reason":...}; the reason in
# $reason) or "error" (any other status: a non-blocking error, the agent
# stops; exit 2 would block with stderr, which this hook never does).
stop() {
	local s=$PROJECT/.claude/settings.json input
	[ "$(jq '[.hooks.Stop[].hooks[]] | length' "$s")" -eq 1 ] ||
	    fail "$s: one Stop hook expected"
	jq -e '.hooks.Stop[0].hooks[0] | .type == "command" and (.timeout | type == "number")' "$s" >/dev/null ||
	    fail "$s: the Stop hook is not a command with a timeout"
	HOOK_CMD=$(jq -r '.hooks.Stop[0].hooks[0].command' "$s")
	HOOK_TIMEOUT=$(jq -r '.hooks.Stop[0].hooks[0].timeout' "$s")
	input=$(jq -nc --arg s "$1" --argjson a "$2" --arg cwd "$PROJECT" \
	    --arg t "$HOME/.claude/projects/demo/$1.jsonl" \
	    '{session_id: $s, transcript_path: $t, cwd: $cwd,
	      permission_mode: "default", hook_event_name: "Stop",
	      stop_hook_active: $a}')
	run --separate-stderr run_hook "$input"
	reason=
	if [ "$status" -ne 0 ]; then
		answer=error
	elif [ -z "$output" ]; then
		answer=stop
	else
		assert_json 'type == "object" and .decision == "block" and (.reason | type == "string" and length > 0)'
		answer=block
		reason=$(json_get '.reason')
	fi
}

run_hook() {
	cd "$PROJECT" && printf '%s' "$1" |
	    CLAUDE_PROJECT_DIR=$PROJECT timeout "$HOOK_TIMEOUT" sh -c "$HOOK_CMD"
}

@test "README's steps make a project whose .mcp.json server lists the tools, reads the mail, plans and drafts a reply" {
	demo
	[ -f "$PROJECT/.mcp.json" ] && [ -f "$PROJECT/.claude/settings.json" ]
	run grep -l /path/to/vault "$PROJECT/.mcp.json" "$PROJECT/.claude/settings.json"
	assert_failure
	session '[{"list":"tools"},
	          {"tool":"list_items","args":{"stage":"Needs_Action","domain":"email"}},
	          {"tool":"claim","args":{"domain":"email"}}]'
	assert_json '[.steps[0].result.tools[].name] | index("draft_reply") and index("read_item") and index("plan_create")'
	assert_json '.steps[1].result.structuredContent | .total == 1 and (.items[0].id | startswith("EMAIL_"))'
	id=$(json_get '.steps[2].result.structuredContent.results[0].id')
	assert_json '.steps[2].result.structuredContent.results[0].path == "In_Progress/cloud/'"$id"'.md"'
	session '[{"tool":"read_item","args":{"id":"'"$id"'"}},
	          {"read":"vault://'"$id"'"},
	          {"tool":"plan_create","args":{"id":"'"$id"'","steps":"look up order 1234\nreply (draft: DRAFT_'"$id"')"}},
	          {"tool":"draft_reply","args":{"id":"'"$id"'"}}]'
	assert_json '.steps[0].result.structuredContent | .front_matter.subject == "Where is my order?" and (.body | test("order 1234"))'
	assert_json '.steps[1].result.contents[0].text | test("Where is my order")'
	assert_json '.steps[2].result.structuredContent.path == "Plans/email/PLAN_'"$id"'.md"'
	assert_json '.steps[3].result.structuredContent.results[0].id == "DRAFT_'"$id"'"'
	grep -qx 'drafted_by: cloud' "$DEMO/vault/Pending_Approval/email/DRAFT_$id.md"
	grep -q '"event":"mcp_call","name":"draft_reply","ok":true,"id":"'"$id"'".*"tool":"vault-mcp"' "$DEMO"/vault/Logs/*.jsonl
	# nothing but drafts: the owner approves
	run approve -C "$DEMO/vault" --list
	assert_output --partial "DRAFT_$id"
}

@test "settings.json's Stop hook, run as Claude Code runs it: back to the plan, 10 continuations by default, stop while the owner approves, stop when done" {
	demo
	session '[{"tool":"claim","args":{"domain":"email"}}]'
	id=$(json_get '.steps[0].result.structuredContent.results[0].id')
	session '[{"tool":"plan_create","args":{"id":"'"$id"'","steps":"look up order 1234\nreply (draft: DRAFT_'"$id"')"}},
	          {"tool":"draft_reply","args":{"id":"'"$id"'"}}]'
	# Claude Code started on the plan: AIE_PLAN=ID claude -p ...
	export AIE_PLAN=$id
	stop s1 false
	[ "$answer" = block ]
	[[ $reason == *"Next: step 1 of 2, \"look up order 1234\""* ]]
	[[ $reason == *"plan --done PLAN_$id 1"* && $reason == *"Continuation 1 of 10."* ]]
	# stop_hook_active on each stop after a block: still sent back, counted
	for k in 2 3 4 5 6 7 8 9 10; do
		stop s1 true
		[ "$answer" = block ] || fail "stop $k: $answer"
		[[ $reason == *"Continuation $k of 10."* ]] || fail "stop $k: $reason"
	done
	stop s1 true
	[ "$answer" = stop ]
	[[ $stderr == *"step 1 of 2 is not done after 10 continuations (PLAN_MAX_ITERATIONS)"* ]]
	# the agent ticks the step and reflects through the MCP tool; the next
	# step waits for the owner, so the agent may stop
	session '[{"tool":"plan_update","args":{"id":"'"$id"'","done":1,"reflection":"order 1234 shipped Monday"}}]'
	stop s2 false
	[ "$answer" = stop ]
	[[ $stderr == *"step 2 waits for the owner's approval of DRAFT_$id"* ]]
	# approved and executed, the step ticks itself: the plan is done
	approve -C "$DEMO/vault" "DRAFT_$id" >/dev/null
	run --separate-stderr vault-exec -C "$DEMO/vault"
	assert_success
	stop s3 false
	[ "$answer" = stop ]
	[ -z "$stderr" ]
	run plan -C "$DEMO/vault" --next "$id"
	assert_failure 1
}

@test "the Stop hook with no plan named lets Claude Code stop; a plan not there is a non-blocking error" {
	demo
	stop s1 false
	[ "$answer" = stop ]
	AIE_PLAN=EMAIL_NOPE stop s1 false
	[ "$answer" = error ]
	[ "$status" -eq 65 ]
	[ -z "$output" ]
}

@test "make install puts share/claude/ where vault-mcp --help says, .mcp.json with its dot" {
	[ -z "${AIE_SAN:-}" ] || skip "SAN=1: make install installs the plain build"
	run vault-mcp --help
	dir=$(sed -n 's/.*(installed in \(.*\)\/claude\/).*/\1/p' <<<"$output")
	[ -n "$dir" ] || fail "vault-mcp --help names no installed share/claude/"
	(unset MAKEFLAGS MAKELEVEL MFLAGS
	 make -s -C "$TOP" install DESTDIR="$BATS_TEST_TMPDIR/root" >/dev/null) ||
	    fail "make install failed"
	run ls -A "$BATS_TEST_TMPDIR/root$dir/claude"
	assert_output "$(printf '.mcp.json\nsettings.json')"
	cmp "$TOP/share/claude/.mcp.json" "$BATS_TEST_TMPDIR/root$dir/claude/.mcp.json"
}
