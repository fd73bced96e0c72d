#!/usr/bin/env bats
# odoo-ping: JSON-RPC and JSON-2 against t/fake/api.py.
load helper
load fake/fake

setup_file() {
	export FAKE_ODOO_DB=acme FAKE_ODOO_USER=bot@acme.example \
	    FAKE_ODOO_PASSWORD=s3cret FAKE_ODOO_KEY=0123456789abcdef0123
	fake_start
}

teardown_file() {
	fake_stop
}

setup() {
	common_setup
	unset ODOO_URL ODOO_DB ODOO_USER ODOO_PASSWORD ODOO_API_KEY ODOO_API_MODE
	export ODOO_TIMEOUT=2
	fake_reset
	export ODOO_URL="$FAKE_URL" ODOO_DB=acme ODOO_USER=bot@acme.example \
	    ODOO_PASSWORD=s3cret
}

@test "json-rpc: version, uid and the user's name with each step's latency" {
	run --separate-stderr odoo-ping
	assert_success
	[ -z "$(fake_problems)" ]
	[[ "${lines[0]}" =~ ^version\ 17\.0\ [0-9]+\ ms$ ]]
	[[ "${lines[1]}" =~ ^login\ uid\ 2\ [0-9]+\ ms$ ]]
	[[ "${lines[2]}" =~ ^read\ Mitchell\ Admin\ [0-9]+\ ms$ ]]
	[ "$(fake_count '.path == "/jsonrpc"')" -eq 3 ]
	jq -s -e '.[1].parsed.params | .service == "common" and
	    .method == "authenticate" and .args == ["acme","bot@acme.example","s3cret",{}]' "$FAKE_LOG"
	jq -s -e '.[2].parsed.params | .service == "object" and .method == "execute_kw"
	    and .args[0:5] == ["acme",2,"s3cret","res.users","read"]
	    and .args[5] == [[2]] and .args[6] == {"fields":["name"]}' "$FAKE_LOG"
}

@test "json-rpc: -j prints one JSON object" {
	run odoo-ping -j
	assert_success
	echo "$output" | jq -e '.state == "up" and .version == "17.0" and .uid == 2 and
	    .name == "Mitchell Admin" and .mode == "jsonrpc" and
	    (.ms | has("version") and has("login") and has("read"))'
}

@test "json-rpc: an API key is used in place of the password" {
	unset ODOO_PASSWORD
	export ODOO_API_KEY=s3cret
	run odoo-ping
	assert_success
}

@test "json-rpc: wrong password (authenticate returns false) exits 1" {
	export ODOO_PASSWORD=wrong
	run --separate-stderr odoo-ping -j
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.state == "failing" and .failed_step == "login" and .version == "17.0"'
	[[ "$stderr" == *"login refused for bot@acme.example on database acme"* ]]
	[[ "$stderr" != *wrong* ]]
}

@test "json-rpc: an error object with HTTP 200 on the read exits 1 with Odoo's message" {
	fake_reply '{"match":"execute_kw","rpc_error":{"code":0,"message":"Odoo Server Error","data":{"name":"odoo.exceptions.AccessError","message":"You are not allowed to access User (res.users) records."}}}'
	run --separate-stderr odoo-ping
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"read"*"You are not allowed to access User"*"AccessError"* ]]
}

@test "json-rpc: the database does not exist (error on authenticate) exits 1" {
	fake_reply '{"match":"authenticate","rpc_error":{"code":200,"message":"Odoo Server Error","data":{"name":"psycopg2.OperationalError","message":"FATAL:  database \"acme\" does not exist"}}}'
	run --separate-stderr odoo-ping
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"does not exist"* ]]
}

@test "down: connection refused exits 69" {
	export ODOO_URL="http://127.0.0.1:$(free_port)"
	run --separate-stderr odoo-ping
	[ "$status" -eq 69 ]
	[[ "$stderr" == *version* ]]
}

@test "down: a 502 from a proxy exits 69" {
	fake_reply '{"match":"version","status":502,"raw":"<html>Bad Gateway</html>"}'
	run odoo-ping
	[ "$status" -eq 69 ]
}

@test "down: garbage instead of JSON exits 69" {
	fake_reply '{"match":"version","status":200,"raw":"<html>hello</html>"}'
	run --separate-stderr odoo-ping
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"not JSON"* ]]
}

@test "down: a reply with neither result nor error exits 69" {
	fake_reply '{"match":"version","status":200,"json":{"jsonrpc":"2.0","id":1}}'
	run odoo-ping
	[ "$status" -eq 69 ]
}

@test "down: a server slower than ODOO_TIMEOUT exits 69" {
	export ODOO_TIMEOUT=1
	fake_reply '{"match":"version","delay":3,"rpc_result":{"server_version":"17.0"}}'
	run --separate-stderr odoo-ping
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"imeout"* || "$stderr" == *"timed out"* ]]
}

@test "not configured: no ODOO_URL exits 78" {
	unset ODOO_URL
	run --separate-stderr odoo-ping
	[ "$status" -eq 78 ]
	[[ "$stderr" == *ODOO_URL* ]]
	[ "$(fake_count)" -eq 0 ]
}

@test "not configured: no password nor API key exits 78" {
	unset ODOO_PASSWORD
	run --separate-stderr odoo-ping
	[ "$status" -eq 78 ]
	[[ "$stderr" == *ODOO_PASSWORD* ]]
}

@test "json2: /web/version, context_get and a read with the bearer API key" {
	export ODOO_API_MODE=json2 ODOO_API_KEY=0123456789abcdef0123
	run --separate-stderr odoo-ping -j
	assert_success
	[ -z "$(fake_problems)" ]
	echo "$output" | jq -e '.state == "up" and .version == "19.0" and .uid == 2 and
	    .name == "Mitchell Admin" and .mode == "json2"'
	[ "$(fake_count '.path == "/json/2/res.users/context_get" and
	    .auth == "bearer 0123456789abcdef0123"')" -eq 1 ]
	[ "$(fake_count '.path == "/json/2/res.users/read"')" -eq 1 ]
	[ "$(fake_count '.path == "/jsonrpc"')" -eq 0 ]
}

@test "json2: a wrong API key (401) exits 1 with Odoo's message" {
	export ODOO_API_MODE=json2 ODOO_API_KEY=bad
	run --separate-stderr odoo-ping
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"login"*"401"*"Invalid apikey"* ]]
}

@test "json2: a 500 on the read exits 69" {
	export ODOO_API_MODE=json2 ODOO_API_KEY=0123456789abcdef0123
	fake_reply '{"match":"/json/2/res.users/read","status":500,"json2_error":"builtins.Exception","message":"boom"}'
	run odoo-ping
	[ "$status" -eq 69 ]
}

@test "json2: no API key exits 78" {
	export ODOO_API_MODE=json2
	run odoo-ping
	[ "$status" -eq 78 ]
}
