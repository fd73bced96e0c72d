# t/claude.bash - README's demo vault for Claude Code, shared by
# t/78-claude-code.bats (the folder used as Claude Code uses it) and
# t/79-claude-code-real.bats (the real Claude Code in it).

# readme_steps: the shell block README marks as run by t/78.
readme_steps() {
	awk '/<!-- t\/78-claude-code.bats runs the next block -->/ { f = 1; next }
	    f && /^```/ { if (in_block) exit; in_block = 1; next }
	    in_block' "$TOP/README.md"
}

# demo: README's steps, run as written from the source folder, make
# $HOME/aie-claude-demo ($DEMO) with its project folder ($PROJECT); the
# configuration must then carry the vault, so VAULT_DIR goes.
demo() {
	local steps
	DEMO=$HOME/aie-claude-demo
	# shellcheck disable=SC2034 # read by the tests that load this
	PROJECT=$DEMO/project
	steps=$(readme_steps)
	[ -n "$steps" ] || fail "README has no block marked for t/78"
	(cd "$TOP" && sh -e -c "$steps") || fail "README's steps failed"
	unset VAULT_DIR
}
