#!/usr/bin/env bats
# plan-run: any agent command kept on an item's plan, in the bounded loop
# of plan --stop-hook. The "agent" is a small shell script that ticks and
# reflects through plan(1), as the prompt tells it.
load helper

setup() {
	common_setup
	mkvault
	unset PLAN_MAX_ITERATIONS AIE_PLAN
	mkemail E1
	AGENT=$BATS_TEST_TMPDIR/agent
	PIDS=$BATS_TEST_TMPDIR/pids
	mkdir -p "$PIDS"
}

teardown() {
	local f
	for f in "$PIDS"/*; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
	done
	if [ -n "${RUN_PID:-}" ]; then kill -9 "$RUN_PID" 2>/dev/null || true; fi
}

# agent BODY: the agent script; it logs its stdin and environment to
# $BATS_TEST_TMPDIR/seen, then runs BODY.
agent() {
	cat >"$AGENT" <<-EOF
	#!/bin/sh
	{ echo "run \$AIE_PLAN_ITERATION step \$AIE_PLAN_STEP plan \$AIE_PLAN"
	  echo "stdin: \$(cat)"
	  echo "env: \$AIE_PLAN_PROMPT"; } >>"$BATS_TEST_TMPDIR/seen"
	$1
	EOF
	chmod +x "$AGENT"
}

# alive PID: the process is there and not a zombie; dead PID: not.
alive() {
	[ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

dead() {
	if alive "$1"; then
		echo "process $1 is still there" >&2
		return 1
	fi
}

@test "plan-run drives the agent step by step until the plan is done; prompt on stdin and in the environment" {
	plan -q -s "read the order" -s "look it up" -s "answer" E1
	agent 'plan -q --done "$AIE_PLAN" "$AIE_PLAN_STEP" >/dev/null &&
	    plan -q --reflect "$AIE_PLAN" "$AIE_PLAN_STEP" "did $AIE_PLAN_STEP, it worked"'
	run --separate-stderr plan-run -j E1 -- "$AGENT"
	assert_success
	assert_json '. == {"plan":"PLAN_E1","stop":"done","runs":3,"next":0,"status":0,"unreflected":[]}'
	[[ "$stderr" == *"PLAN_E1: every step is done"* ]]
	run cat "$BATS_TEST_TMPDIR/seen"
	assert_line 'run 1 step 1 plan PLAN_E1'
	assert_line 'run 3 step 3 plan PLAN_E1'
	assert_line --partial 'stdin: PLAN_E1 is not done. Next: step 2 of 3, "look it up".'
	assert_line --partial 'env: PLAN_E1 is not done. Next: step 3 of 3, "answer".'
	assert_line --partial '(plan --reflect PLAN_E1 3 TEXT'
	grep -q '^status: done$' "$VAULT_DIR/Plans/email/PLAN_E1.md"
	[ "$(grep -c '^- step [123], .*: did [123], it worked$' "$VAULT_DIR/Plans/email/PLAN_E1.md")" -eq 3 ]
	[ "$(cat "$VAULT_DIR"/Logs/*.jsonl | jq -s '[.[] | select(.event == "plan_run" and .tool == "plan-run" and .id == "PLAN_E1")] | length')" -eq 3 ]
	grep -q '"note":"step 2, run 2: [^"]*agent exited 0"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "a step ticked with no reflection is said, and the next prompt asks for it first" {
	plan -q -s one -s two E1
	agent 'plan -q --done "$AIE_PLAN" "$AIE_PLAN_STEP" >/dev/null'
	run --separate-stderr plan-run -j E1 -- "$AGENT"
	assert_success
	assert_json '.stop == "done" and .unreflected == [1,2]'
	[[ "$stderr" == *"PLAN_E1: step 1 was ticked with no reflection"* ]]
	grep -q '^stdin: Step 1 was ticked with no reflection: first write it (plan --reflect PLAN_E1 1 TEXT). PLAN_E1 is not done. Next: step 2' "$BATS_TEST_TMPDIR/seen"
	run --separate-stderr plan-run -v E1 -- "$AGENT"
	assert_success
	# done already: the agent is not run
	[ "$(grep -c '^run ' "$BATS_TEST_TMPDIR/seen")" -eq 2 ]
}

@test "plan-run stops when the next step waits for the owner's approval of its draft" {
	plan -q -s "read" -s "reply (draft: DRAFT_E1)" -s "file it" E1
	agent 'plan -q --done "$AIE_PLAN" "$AIE_PLAN_STEP" >/dev/null; plan -q --reflect "$AIE_PLAN" "$AIE_PLAN_STEP" ok'
	run --separate-stderr plan-run -j E1 -- "$AGENT"
	assert_success
	assert_json '.stop == "waits" and .runs == 1 and .next == 2'
	[[ "$stderr" == *"PLAN_E1: step 2 waits for the owner's approval of DRAFT_E1"* ]]
	[ "$(grep -c '^run ' "$BATS_TEST_TMPDIR/seen")" -eq 1 ]
}

@test "the loop is bounded by PLAN_MAX_ITERATIONS runs (75), 10 when unset; 0 runs nothing" {
	plan -q -s "never done" E1
	agent ':'
	run --separate-stderr plan-run -j E1 -- "$AGENT"
	assert_failure 75
	assert_json '.stop == "limit" and .runs == 10'
	[ "$(grep -c '^run ' "$BATS_TEST_TMPDIR/seen")" -eq 10 ]
	: >"$BATS_TEST_TMPDIR/seen"
	PLAN_MAX_ITERATIONS=3 run --separate-stderr plan-run -j E1 -- "$AGENT"
	assert_failure 75
	assert_json '.stop == "limit" and .runs == 3 and .next == 1 and .status == 75'
	[[ "$stderr" == *"PLAN_E1: step 1 of 1 is not done after 3 continuations (PLAN_MAX_ITERATIONS)"* ]]
	[ "$(grep -c '^run ' "$BATS_TEST_TMPDIR/seen")" -eq 3 ]
	grep -q '"event":"plan_loop_limit","id":"PLAN_E1"' "$VAULT_DIR"/Logs/*.jsonl
	# a new run is a new session: counted afresh
	PLAN_MAX_ITERATIONS=1 run --separate-stderr plan-run E1 -- "$AGENT"
	assert_failure 75
	[ "$(grep -c '^run ' "$BATS_TEST_TMPDIR/seen")" -eq 4 ]
	PLAN_MAX_ITERATIONS=0 run --separate-stderr plan-run E1 -- "$AGENT"
	assert_failure 75
	[ "$(grep -c '^run ' "$BATS_TEST_TMPDIR/seen")" -eq 4 ]
	PLAN_MAX_ITERATIONS=x run --separate-stderr plan-run E1 -- "$AGENT"
	assert_failure 78
}

@test "the command's failure stops the loop with its exit status, said; killed, 128+N; not there, 127" {
	plan -q -s one -s two -s three E1
	agent '[ "$AIE_PLAN_STEP" = 2 ] && exit 3; plan -q --done "$AIE_PLAN" "$AIE_PLAN_STEP" >/dev/null'
	run --separate-stderr plan-run -j E1 -- "$AGENT"
	assert_failure 3
	assert_json '.stop == "failed" and .runs == 2 and .next == 2 and .status == 3'
	[[ "$stderr" == *"PLAN_E1: step 2, run 2: $AGENT exited 3; stopped"* ]]
	agent 'kill -KILL $$'
	run --separate-stderr plan-run E1 -- "$AGENT"
	assert_failure 137
	[[ "$stderr" == *"killed by signal 9; stopped"* ]]
	run -127 --separate-stderr plan-run E1 -- "$BATS_TEST_TMPDIR/no-such-agent"
	assert_failure 127
	[[ "$stderr" == *"no-such-agent: No such file or directory"* ]]
	# the command's own arguments are its own, options included
	agent 'echo "args: $*" >>"$BATS_TEST_TMPDIR/seen"; exit 4'
	run --separate-stderr plan-run E1 -- "$AGENT" -j --done x
	assert_failure 4
	grep -qx 'args: -j --done x' "$BATS_TEST_TMPDIR/seen"
}

@test "SIGTERM and SIGINT stop the loop and the command with all it started; a second signal kills at once" {
	plan -q -s one -s two E1
	agent 'sleep 300 & echo $! >"'"$PIDS"'/sleep"; echo $$ >"'"$PIDS"'/agent"; wait'
	plan-run E1 -- "$AGENT" 3>&- 2>"$BATS_TEST_TMPDIR/err" &
	RUN_PID=$!
	wait_for [ -s "$PIDS/sleep" ]
	kill -TERM "$RUN_PID"
	st=0; wait "$RUN_PID" || st=$?
	[ "$st" -eq 143 ]
	grep -q 'PLAN_E1: stopped by Terminated; step 1, run 1: .* killed by signal 15' "$BATS_TEST_TMPDIR/err"
	wait_for -t 3 dead "$(cat "$PIDS/sleep")"
	dead "$(cat "$PIDS/agent")"
	grep -q '^- \[ \] one$' "$VAULT_DIR/Plans/email/PLAN_E1.md"
	# SIGINT (a shell's background job ignores it: given back here)
	rm -f "$PIDS"/*
	env --default-signal=INT plan-run E1 -- "$AGENT" 3>&- 2>"$BATS_TEST_TMPDIR/err" &
	RUN_PID=$!
	wait_for [ -s "$PIDS/sleep" ]
	kill -INT "$RUN_PID"
	st=0; wait "$RUN_PID" || st=$?
	[ "$st" -eq 130 ]
	wait_for -t 3 dead "$(cat "$PIDS/sleep")"
	# an agent that ignores SIGTERM is killed at the second
	rm -f "$PIDS"/*
	agent 'trap "" TERM; echo $$ >"'"$PIDS"'/agent"; while :; do sleep 1; done'
	plan-run E1 -- "$AGENT" 3>&- 2>"$BATS_TEST_TMPDIR/err" &
	RUN_PID=$!
	wait_for [ -s "$PIDS/agent" ]
	kill -TERM "$RUN_PID"
	sleep 0.5
	alive "$(cat "$PIDS/agent")"
	kill -TERM "$RUN_PID"
	st=0; wait "$RUN_PID" || st=$?
	[ "$st" -eq 143 ]
	dead "$(cat "$PIDS/agent")"
	grep -q 'killed by signal 9' "$BATS_TEST_TMPDIR/err"
}

@test "plan-run refuses bad usage (2) and a plan that is not there (65), running nothing" {
	agent ':'
	run --separate-stderr plan-run E1 "$AGENT"
	assert_failure 2
	run --separate-stderr plan-run E1 --
	assert_failure 2
	run --separate-stderr plan-run -- "$AGENT"
	assert_failure 2
	run --separate-stderr plan-run NOPE -- "$AGENT"
	assert_failure 65
	[[ "$stderr" == *NOPE* ]]
	run --separate-stderr plan-run ../E1 -- "$AGENT"
	assert_failure 65
	[ ! -e "$BATS_TEST_TMPDIR/seen" ]
	run plan-run --help
	assert_success
	assert_output --partial 'ID -- COMMAND'
}
