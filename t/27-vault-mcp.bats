#!/usr/bin/env bats
# vault-mcp: the MCP server, driven by the official TypeScript SDK's Client
# over StdioClientTransport (t/mcp/client.mjs), and by raw lines where the
# SDK cannot send what is tested (malformed JSON, a call before initialize).
load helper
load fake/fake

setup() {
	common_setup
	mkvault
	unset LLM_MODEL DRAFT_EXPIRES_HOURS USAGE_BUDGET_WEEKLY USAGE_MAX_CALLS_DAY
	export AIE_PRICES_FILE="$TOP/share/prices.tsv"
	[ -d "$TOP/node_modules/@modelcontextprotocol/sdk" ] ||
	    skip "npm install first: @modelcontextprotocol/sdk is not installed"
}

teardown() {
	fake_stop
}

# mcp STEPS-JSON [vault-mcp ARGS...]: run the SDK client; its JSON in
# $output. The server must have exited 0 when its input ended (99 is a
# sanitizer's report).
mcp() {
	run --separate-stderr node "$T_DIR/mcp/client.mjs" "$@"
	[ "$status" -eq 0 ] || {
		echo "client failed ($status): $output $stderr" >&2
		return 1
	}
	assert_json '.server_exit == 0' || {
		echo "vault-mcp said: $stderr" >&2
		return 1
	}
}

# raw < LINES: vault-mcp's stdout for the lines given; it must exit 0.
raw() {
	run --separate-stderr vault-mcp
	[ "$status" -eq 0 ] || {
		echo "vault-mcp exited $status: $stderr" >&2
		return 1
	}
}

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'

@test "the SDK client connects and lists exactly the tools there are, with input schemas" {
	mcp '[{"list":"tools"}]'
	assert_json '.server.name == "vault-mcp"'
	assert_json '.capabilities.tools.listChanged == false'
	assert_json '[.steps[0].result.tools[].name] | sort ==
	    ["claim","create_item","draft_invoice","draft_post","draft_reply","list_items","plan_create","plan_update","read_item","release","search","vault_status"]'
	assert_json 'all(.steps[0].result.tools[]; .inputSchema.type == "object" and (.description | length > 0) and (.title | length > 0))'
	assert_json 'all(.steps[0].result.tools[]; .outputSchema.type == "object" and (.outputSchema.required | length > 0))'
	assert_json '.steps[0].result.tools[] | select(.name == "read_item") | .inputSchema.required == ["id"]'
	assert_json '.steps[0].result.tools[] | select(.name == "list_items") | .inputSchema.properties.limit.maximum == 1000'
}

@test "every tool called through the SDK does its work and is in the audit log as vault-mcp" {
	mkemail E1 email 2026-11-01T00:00:00Z
	mkemail E2 email 2026-11-02T00:00:00Z
	mkemail S1 sales 2026-11-03T00:00:00Z
	sed -i 's/where is my order 1234/the invoice for PROJECT-ZEBRA/' "$VAULT_DIR/Needs_Action/sales/S1.md"
	# tools/list first: the SDK client then checks every structuredContent
	# against its tool's outputSchema
	mcp '[{"list":"tools"},
	      {"tool":"vault_status"},
	      {"tool":"list_items","args":{"stage":"Needs_Action","domain":"email","limit":1}},
	      {"tool":"read_item","args":{"id":"E1"}},
	      {"tool":"search","args":{"query":"project-zebra"}},
	      {"tool":"search","args":{"query":"alice@EXAMPLE"}},
	      {"tool":"claim","args":{"id":"E1"}},
	      {"tool":"claim","args":{"domain":"email"}},
	      {"tool":"release","args":{"id":"E2"}},
	      {"tool":"create_item","args":{"domain":"ops","title":"Renew the domain","body":"Before the 20th."}},
	      {"tool":"draft_reply","args":{"id":"E1"}}]' -a cloud
	assert_json 'all(.steps[]; .result and (.result.isError | not))'
	assert_json '.steps[1].result.structuredContent.totals.Needs_Action == 3'
	assert_json '.steps[2].result.structuredContent | .total == 2 and .truncated and (.items | length == 1) and .items[0].domain == "email"'
	assert_json '.steps[3].result.structuredContent | .front_matter.subject == "Question about my order" and (.body | test("order 1234"))'
	assert_json '.steps[3].result.content[0].text | fromjson | .id == "E1"'
	assert_json '[.steps[4].result.structuredContent.items[] | [.id, .match]] == [["S1","body"]]'
	assert_json '[.steps[5].result.structuredContent.items[].match] | unique == ["front_matter"]'
	assert_json '.steps[5].result.structuredContent.total == 3'
	assert_json '.steps[6].result.structuredContent.results[0] | .event == "claim" and .path == "In_Progress/cloud/E1.md"'
	assert_json '.steps[7].result.structuredContent.results[0].id == "E2"'
	assert_json '.steps[8].result.structuredContent.results[0] | .event == "release" and .path == "Needs_Action/email/E2.md"'
	assert_json '.steps[10].result.structuredContent.results[0] | .id == "DRAFT_E1" and .model == "offline-template"'
	id=$(json_get '.steps[9].result.structuredContent.id')
	run cat "$VAULT_DIR/Needs_Action/ops/$id.md"
	assert_output --partial 'title: Renew the domain'
	assert_output --partial 'Before the 20th.'
	run cat "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	assert_output --partial 'type: email_draft'
	assert_output --partial 'drafted_by: cloud'
	[ -f "$VAULT_DIR/In_Progress/cloud/E1.md" ]
	[ -f "$VAULT_DIR/Needs_Action/email/E2.md" ]
	cat "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call")] | length == 10 and all(.tool == "vault-mcp" and .agent == "cloud" and .ok)' "$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call") | .name] | unique | length == 8' "$BATS_TEST_TMPDIR/log"
	# the work itself is logged by the tools that did it
	assert_json -s 'any(.event == "draft" and .tool == "draft-email" and .id == "DRAFT_E1")' "$BATS_TEST_TMPDIR/log"
	assert_json -s 'any(.event == "create" and .tool == "vault-mcp")' "$BATS_TEST_TMPDIR/log"
}

@test "draft_reply goes through draft-email's checks: not an email, already drafted" {
	mkemail E1
	mcp '[{"tool":"create_item","args":{"domain":"ops","title":"x"}},
	      {"tool":"draft_reply","args":{"id":"E1"}},
	      {"tool":"draft_reply","args":{"id":"E1"}}]'
	id=$(json_get '.steps[0].result.structuredContent.id')
	mcp "[{\"tool\":\"draft_reply\",\"args\":{\"id\":\"$id\"}}]"
	assert_json '.steps[0].result.isError == true and (.steps[0].result.content[0].text | test("not an email"))'
	mcp '[{"tool":"draft_reply","args":{"id":"E1"}}]'
	assert_json '.steps[0].result.isError == true and (.steps[0].result.content[0].text | test("already drafted"))'
}

@test "resources: items as vault://ID, listed and read, paged" {
	mkemail E1
	mcp '[{"list":"resources"},{"read":"vault://E1"},{"read":"vault://NOPE"}]'
	assert_json '.steps[0].result.resources == [{"uri":"vault://E1","name":"E1","description":"Needs_Action/email/E1.md","mimeType":"text/markdown"}]'
	assert_json '.steps[1].result.contents[0] | .uri == "vault://E1" and (.text | startswith("---\ntype: email\n"))'
	assert_json '.steps[2].error.code == -32002'
	for i in $(seq 1 105); do mkemail "P$i"; done
	mcp '[{"list":"resources"},{"list":"resources","params":{"cursor":"100"}}]'
	assert_json '(.steps[0].result.resources | length) == 100 and .steps[0].result.nextCursor == "100"'
	assert_json '(.steps[1].result.resources | length) == 6 and (.steps[1].result | has("nextCursor") | not)'
}

@test "protocol errors through the SDK: unknown method -32601, bad params and unknown tool -32602" {
	mcp '[{"method":"nope/never"},
	      {"tool":"list_items","args":{"limit":0}},
	      {"tool":"list_items","args":{"limit":"5"}},
	      {"tool":"list_items","args":{"colour":"red"}},
	      {"tool":"read_item","args":{}},
	      {"tool":"list_items","args":{"stage":"Nowhere"}},
	      {"tool":"no_such_tool"},
	      {"method":"resources/read","params":{"uri":"file:///etc/passwd"}},
	      {"method":"ping"}]'
	assert_json '.steps[0].error.code == -32601'
	assert_json '[.steps[1:8][].error.code] | all(. == -32602)'
	assert_json '.steps[4].error.message | test("id is required")'
	assert_json '.steps[8].result == {}'
	# what approval would refuse later is refused now: a NUL, a control
	mcp '[{"tool":"create_item","args":{"domain":"ops","title":"a\u0000b"}},
	      {"tool":"create_item","args":{"domain":"ops","title":"bell\u0007"}},
	      {"tool":"create_item","args":{"domain":"ops","title":"t","body":"esc \u001b[31m"}},
	      {"tool":"read_item\u0000x","args":{"id":"E1"}}]'
	assert_json '[.steps[].error.code] == [-32602,-32602,-32602,-32602]'
	assert_json '.steps[1].error.message | test("U\\+0007")'
	[ ! -d "$VAULT_DIR/Needs_Action/ops" ] || [ -z "$(ls "$VAULT_DIR/Needs_Action/ops")" ]
}

@test "raw lines: malformed JSON -32700, a call before initialize, no answer to notifications, only JSON on stdout" {
	raw <<EOT
{"jsonrpc":"2.0","id":7,"method":"tools/list"}
{"jsonrpc":"2.0","id":8,"method":"ping"}
{not json
[{"jsonrpc":"2.0","id":9,"method":"ping"}]
{"jsonrpc":"1.0","id":10,"method":"ping"}
$INIT
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":11,"method":"tools/list","params":[1]}
{"jsonrpc":"2.0","id":12,"method":"tools/list"}
EOT
	assert_success
	assert_json -s 'length == 8'
	assert_json -s 'all(.jsonrpc == "2.0")'
	assert_json -s '.[0] | .id == 7 and .error.code == -32600 and (.error.message | test("not initialized"))'
	assert_json -s '.[1] | .id == 8 and .result == {}'
	assert_json -s '.[2] | .id == null and .error.code == -32700'
	assert_json -s '.[3].error.code == -32600 and .[4].error.code == -32600'
	assert_json -s '.[5] | .id == 1 and .result.protocolVersion == "2025-06-18"'
	# the instructions name the approval rule and the plan tools
	assert_json -s '.[5].result.instructions | test("alone approves") and test("plan_create") and test("plan_update")'
	assert_json -s '.[6] | .id == 11 and .error.code == -32602'
	assert_json -s '.[7] | .id == 12 and (.result.tools | length) == 12'
}

@test "a line that is not UTF-8 still gets its -32700 answer, as JSON" {
	printf '{"a":"\377\376"\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n' >"$BATS_TEST_TMPDIR/in"
	raw <"$BATS_TEST_TMPDIR/in"
	assert_json -s 'length == 2 and .[0].error.code == -32700 and .[0].id == null and .[1].result == {}'
}

@test "version negotiation: 2025-03-26 and 2024-11-05 are echoed (without structuredContent), others get 2025-06-18" {
	mkemail E1
	for v in 2025-03-26 2024-11-05; do
		raw <<EOT
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"$v","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_item","arguments":{"id":"E1"}}}
EOT
		assert_json -s ".[0].result.protocolVersion == \"$v\""
		assert_json -s '.[1].result | (has("structuredContent") | not) and (.content[0].text | fromjson | .id == "E1")'
	done
	raw <<EOT
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}
EOT
	assert_json -s '.[0].result.protocolVersion == "2025-06-18"'
	assert_json -s '.[1].error.code == -32602'
}

@test "a tool call that would leave the vault is refused and changes nothing" {
	mkemail E1
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	echo secret >"$BATS_TEST_TMPDIR/outside/X.md"
	before=$(cd "$VAULT_DIR" && tree_sum . | grep -v ' ./Logs/')
	mcp '[{"tool":"read_item","args":{"id":"../outside/X"}},
	      {"tool":"read_item","args":{"id":"../../etc/passwd"}},
	      {"tool":"claim","args":{"id":"../Needs_Action/email/E1"}},
	      {"tool":"release","args":{"id":".."}},
	      {"tool":"draft_reply","args":{"id":"/etc/passwd"}},
	      {"tool":"create_item","args":{"domain":"../x","title":"t"}},
	      {"tool":"list_items","args":{"domain":"../../outside"}},
	      {"read":"vault://../outside/X"}]'
	assert_json 'all(.steps[]; .error.code == -32602)'
	refute_output --partial secret
	# refused, and still in the audit log
	cat "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call")] | length == 7 and all(.ok == false and .code == -32602 and .tool == "vault-mcp")' "$BATS_TEST_TMPDIR/log"
	assert_json -s 'any(.event == "mcp_call" and .name == "read_item" and .id == "../outside/X")' "$BATS_TEST_TMPDIR/log"
	after=$(cd "$VAULT_DIR" && tree_sum . | grep -v ' ./Logs/')
	[ "$before" = "$after" ]
}

@test "as the cloud agent nothing offered approves, rejects, executes or writes Dashboard.md" {
	mkemail E1
	before=$(sha256sum "$VAULT_DIR/Dashboard.md")
	mcp '[{"list":"tools"},
	      {"tool":"approve","args":{"id":"DRAFT_E1"}},
	      {"tool":"claim","args":{"id":"E1"}},
	      {"tool":"draft_reply","args":{"id":"E1"}},
	      {"tool":"vault_status"},
	      {"tool":"create_item","args":{"domain":"ops","title":"t"}},
	      {"method":"tools/call","params":{"name":"dashboard"}}]' -a cloud
	assert_json '[.steps[0].result.tools[].name | select(test("approv|reject|exec|send|dashboard"; "i"))] == []'
	assert_json '.steps[1].error.code == -32602 and .steps[6].error.code == -32602'
	assert_json '[.steps[2:6][] | .result.isError] | all(. != true)'
	[ "$before" = "$(sha256sum "$VAULT_DIR/Dashboard.md")" ]
	run ls "$VAULT_DIR/Approved" "$VAULT_DIR/Done"
	refute_output --partial DRAFT_E1
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "--help says how to connect Claude Code, as README and share/claude/.mcp.json do" {
	run vault-mcp --help
	assert_success
	assert_output --partial 'claude mcp add vault -- vault-mcp -C /path/to/vault -a cloud'
	grep -qF 'claude mcp add vault -- vault-mcp -C /path/to/vault -a cloud' "$TOP/README.md"
	assert_json '.mcpServers.vault | .command == "vault-mcp" and .args == ["-C","/path/to/vault","-a","cloud"]' "$TOP/share/claude/.mcp.json"
	run vault-mcp extra
	assert_failure 2
	run vault-mcp </dev/null
	assert_success
	assert_output ''
}

@test "plan_create and plan_update through the SDK: plan(1)'s plan, ticked, checked against their outputSchemas" {
	mkemail E1
	mcp '[{"list":"tools"},
	      {"tool":"plan_create","args":{"id":"E1","steps":"read the order\n\nreply (draft: DRAFT_E1)\r\nfile it"}},
	      {"tool":"plan_update","args":{"id":"E1","done":1}},
	      {"tool":"plan_update","args":{"id":"PLAN_E1","done":1}},
	      {"tool":"plan_update","args":{"id":"E1","done":2}},
	      {"tool":"plan_update","args":{"id":"E1","done":3,"reflection":"filed; nothing left but the reply"}}]' -a cloud
	assert_json '.steps[0].result.tools[] | select(.name == "plan_create") | .inputSchema.required == ["id","steps"]'
	assert_json '.steps[0].result.tools[] | select(.name == "plan_update") | .inputSchema.properties.reflection.maxLength == 500'
	assert_json '.steps[0].result.tools[] | select(.name == "plan_update") | .inputSchema.properties.done.minimum == 1'
	assert_json '.steps[1].result.structuredContent | .id == "PLAN_E1" and .path == "Plans/email/PLAN_E1.md"
	    and .source == "E1" and .status == "active" and .objective == "Question about my order"
	    and ([.steps[].text] == ["read the order", "reply (draft: DRAFT_E1)", "file it"])
	    and .steps[1].draft == "DRAFT_E1" and .next == 1'
	assert_json '.steps[2].result.structuredContent | .ticked and .next == 2 and .steps[0].done'
	assert_json '.steps[3].result.structuredContent | (.ticked | not) and .next == 2'
	# the step that waits for a draft is the draft's to tick
	assert_json '.steps[4].result.isError and (.steps[4].result.content[0].text | test("waits for draft DRAFT_E1"))'
	assert_json '.steps[5].result.structuredContent | .ticked and .next == 2 and .status == "active"'
	# the same file plan(1) reads
	run --separate-stderr plan -j --next E1
	assert_json '.next == 2 and .draft == "DRAFT_E1"'
	grep -qx -- '- \[x\] file it' "$VAULT_DIR/Plans/email/PLAN_E1.md"
	grep -Eqx -- '- step 3, [0-9TZ:-]+, cloud: filed; nothing left but the reply' "$VAULT_DIR/Plans/email/PLAN_E1.md"
	cat "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call" and (.name | startswith("plan_")))] | length == 5 and all(.tool == "vault-mcp" and .agent == "cloud")' "$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "plan_step") | .tool] == ["vault-mcp", "vault-mcp"]' "$BATS_TEST_TMPDIR/log"
}

@test "the plan tools refuse what plan(1) refuses, and paths as IDs, changing nothing" {
	mkemail E1
	mcp '[{"tool":"plan_create","args":{"id":"../E1","steps":"a"}},
	      {"tool":"plan_update","args":{"id":"E1","done":0}},
	      {"tool":"plan_update","args":{"id":"E1","done":"1"}},
	      {"tool":"plan_create","args":{"id":"E1"}},
	      {"tool":"plan_create","args":{"id":"NOPE","steps":"a"}},
	      {"tool":"plan_create","args":{"id":"E1","steps":"a\u001b[2Jb"}},
	      {"tool":"plan_create","args":{"id":"E1","steps":"\n\n"}},
	      {"tool":"plan_update","args":{"id":"E1","done":1}}]'
	assert_json '[.steps[0:4][] | .error.code] == [-32602, -32602, -32602, -32602]'
	assert_json 'all(.steps[4:][]; .result.isError)'
	assert_json '.steps[4].result.content[0].text | test("NOPE: no such item")'
	assert_json '.steps[5].result.content[0].text | test("not allowed")'
	assert_json '.steps[6].result.content[0].text | test("at least one step")'
	assert_json '.steps[7].result.content[0].text | test("no plan")'
	[ ! -e "$VAULT_DIR/Plans/email/PLAN_E1.md" ]
}

# ---- draft_post and draft_invoice: draft-post(1) and odoo-invoice(1) ----

@test "draft_post files what draft-post files, one draft per network, audited by both" {
	mkemail S1 sales
	mcp '[{"list":"tools"},
	      {"tool":"draft_post","args":{"network":"x,linkedin","topic":"Our Leeds shop opens on Monday."}},
	      {"tool":"draft_post","args":{"network":"linkedin","from":"S1"}},
	      {"tool":"draft_post","args":{"network":"x","topic":"-v --help"}}]' -a cloud
	assert_json 'all(.steps[1:][]; .result.isError | not)'
	assert_json '[.steps[1].result.structuredContent.results[].network] | sort == ["linkedin","x"]'
	assert_json '.steps[2].result.structuredContent.results[0] | .network == "linkedin" and (.path | startswith("Pending_Approval/social/POST_linkedin_"))'
	f=$VAULT_DIR/$(json_get '.steps[2].result.structuredContent.results[0].path')
	g=$VAULT_DIR/$(json_get '.steps[3].result.structuredContent.results[0].path')
	for p in $(json_get '.steps[1:][].result.structuredContent.results[].path'); do
		grep -q '^type: post_draft$' "$VAULT_DIR/$p"
		grep -q '^action: post$' "$VAULT_DIR/$p"
		grep -q '^drafted_by: cloud$' "$VAULT_DIR/$p"
	done
	grep -q '^source: S1$' "$f"
	grep -q 'where is my order 1234' "$f"
	# a topic that looks like options is a topic (it goes on stdin)
	grep -qx -- '-v --help' "$g"
	[ "$(ls "$VAULT_DIR/Pending_Approval/social" | wc -l)" -eq 4 ]
	cat "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "draft" and .tool == "draft-post" and .agent == "cloud")] | length == 4' "$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call" and .name == "draft_post" and .ok)] | length == 3' "$BATS_TEST_TMPDIR/log"
}

@test "draft_post: a post that breaks its network's rule is a tool error naming the rule; the others are filed and named" {
	long=$(printf 'w%.0s' $(seq 1 3001))
	mcp "[{\"tool\":\"draft_post\",\"args\":{\"network\":\"linkedin\",\"topic\":\"$long\"}},
	      {\"tool\":\"draft_post\",\"args\":{\"network\":\"instagram\",\"topic\":\"A caption\"}},
	      {\"tool\":\"draft_post\",\"args\":{\"network\":\"x,linkedin\",\"topic\":\"$(printf 'y%.0s' $(seq 1 300))\"}}]"
	assert_json '.steps[0].result.isError and (.steps[0].result.content[0].text | test("linkedin: 3001 characters, over the 3000 a post may have"))'
	assert_json '.steps[1].result.isError and (.steps[1].result.content[0].text | test("instagram: a post needs an image"))'
	assert_json '.steps[2].result.isError and (.steps[2].result.content[0].text | test("x: .*280"))'
	assert_json '.steps[2].result.content[0].text | test("filed: Pending_Approval/social/POST_linkedin_")'
	run ls "$VAULT_DIR/Pending_Approval/social"
	[ "${#lines[@]}" -eq 1 ] && [[ "${lines[0]}" == POST_linkedin_* ]]
	cat "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call" and .name == "draft_post")] | length == 3 and all(.ok == false)' "$BATS_TEST_TMPDIR/log"
}

@test "draft_post and draft_invoice refuse bad arguments (-32602) and change nothing" {
	mkemail E1
	before=$(cd "$VAULT_DIR" && tree_sum . | grep -v ' ./Logs/')
	mcp '[{"tool":"draft_post","args":{}},
	      {"tool":"draft_post","args":{"topic":"t","from":"E1"}},
	      {"tool":"draft_post","args":{"topic":"t","network":"x;touch /tmp/x"}},
	      {"tool":"draft_post","args":{"topic":"t","network":"--from"}},
	      {"tool":"draft_post","args":{"from":"../Needs_Action/email/E1"}},
	      {"tool":"draft_invoice","args":{}},
	      {"tool":"draft_invoice","args":{"lines":"x","from":"E1"}},
	      {"tool":"draft_invoice","args":{"from":"/etc/passwd"}}]'
	assert_json 'all(.steps[]; .error.code == -32602)'
	assert_json '.steps[0].error.message | test("topic or from")'
	after=$(cd "$VAULT_DIR" && tree_sum . | grep -v ' ./Logs/')
	[ "$before" = "$after" ]
}

# odoo_env: the fake Odoo, and only the cloud's drafting user: vault-mcp
# and the tools it runs get no credential that posts.
odoo_env() {
	export FAKE_ODOO_DB=acme FAKE_ODOO_USER=bot@acme.example \
	    FAKE_ODOO_PASSWORD=s3cret FAKE_ODOO_POST_USER=poster@acme.example \
	    FAKE_ODOO_POST_PASSWORD=p0st
	fake_start
	unset ODOO_API_MODE ODOO_API_KEY ODOO_POST_API_KEY ODOO_POST_USER ODOO_POST_PASSWORD
	export ODOO_URL="$FAKE_URL" ODOO_DB=acme ODOO_USER=bot@acme.example \
	    ODOO_PASSWORD=s3cret ODOO_TIMEOUT=3
}

@test "draft_invoice drafts in Odoo as the drafting user and files what odoo-invoice files; nothing posted" {
	odoo_env
	mkemail E1
	sed -i 's/^from: .*/from: "Acme Corp <billing@acme.example>"/; s/where is my order 1234/Please invoice EUR 1200.00 for the workshop./' \
	    "$VAULT_DIR/Needs_Action/email/E1.md"
	mcp '[{"list":"tools"},
	      {"tool":"draft_invoice","args":{"lines":"Acme Corp <billing@acme.example> 5000 \"Consulting, November\"\nAcme Corp <billing@acme.example> 250.50 Hosting"}},
	      {"tool":"draft_invoice","args":{"from":"E1"}}]' -a cloud
	assert_json 'all(.steps[1:][]; .result.isError | not)'
	assert_json '.steps[1].result.structuredContent.results | length == 1 and .[0].event == "invoice_draft"'
	f=$VAULT_DIR/$(json_get '.steps[1].result.structuredContent.results[0].path')
	[[ "$f" == */Pending_Approval/finance/INVOICE_* ]]
	grep -q '^action: post_invoice$' "$f"
	grep -q '^amount_total: "\?5250.50"\?$' "$f"
	grep -q '^drafted_by: cloud$' "$f"
	g=$VAULT_DIR/$(json_get '.steps[2].result.structuredContent.results[0].path')
	grep -Eq '^source: "?E1"?$' "$g"
	grep -q '1200.00' "$g"
	# two drafts in Odoo, none posted, and no login but the drafting user's
	[ "$(jq '[."account.move"[] | select(.state == "draft")] | length' "$FAKE_ODOO_STATE")" -eq 2 ]
	[ "$(fake_count '(.body | test("action_post"))')" -eq 0 ]
	[ "$(fake_count '(.body | test("poster@"))')" -eq 0 ]
	cat "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "invoice_draft" and .tool == "odoo-invoice")] | length == 2' "$BATS_TEST_TMPDIR/log"
	assert_json -s '[.[] | select(.event == "mcp_call" and .name == "draft_invoice" and .ok)] | length == 2' "$BATS_TEST_TMPDIR/log"
}

@test "draft_invoice: a client Odoo does not know goes to the owner, and the call is an error saying so; Odoo down is an error" {
	odoo_env
	mcp '[{"tool":"draft_invoice","args":{"lines":"Nobody <who@nowhere.example> 10 \"Nothing\""}},
	      {"tool":"draft_invoice","args":{"lines":"Acme Corp billing 10 x"}}]'
	assert_json '.steps[0].result.isError and (.steps[0].result.content[0].text | test("no such partner in Odoo; the owner is asked"))'
	assert_json '.steps[0].result.content[0].text | test("filed: Needs_Action/finance/INVOICE_")'
	assert_json '.steps[1].result.isError and (.steps[1].result.content[0].text | test("line 1: no <email>"))'
	run ls "$VAULT_DIR/Needs_Action/finance"
	[ "${#lines[@]}" -eq 1 ]
	[ ! -d "$VAULT_DIR/Pending_Approval/finance" ] || [ -z "$(ls "$VAULT_DIR/Pending_Approval/finance")" ]
	ODOO_URL="http://127.0.0.1:$(free_port)" mcp '[{"tool":"draft_invoice","args":{"lines":"Acme Corp <billing@acme.example> 1 x"}}]'
	assert_json '.steps[0].result.isError'
	[ "$(jq '."account.move" | length' "$FAKE_ODOO_STATE" 2>/dev/null || echo 0)" -eq 0 ]
}
