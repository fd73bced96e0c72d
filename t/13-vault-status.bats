#!/usr/bin/env bats
load helper

setup() { common_setup; mkvault; }

@test "vault-status counts items per stage and domain" {
	mkemail E1; mkemail E2; mkemail F1 finance
	vault-claim -q -a cloud E2 >/dev/null
	mkdraft DRAFT_E2 E2
	run vault-status
	assert_success
	assert_line --regexp '^Needs_Action +2 +(email 1  finance 1|finance 1  email 1)$'
	assert_line --regexp '^In_Progress +1 +cloud 1$'
	assert_line --regexp '^Pending_Approval +1 +email 1$'
	assert_line "waiting for approval: 1"
	assert_line --regexp $'^  DRAFT_E2\temail\t[0-9]+[smhd]\tRe: Question about my order$'
	assert_line "last sync: never"
}

@test "vault-status -j prints one JSON object with counts, pending, sync and health" {
	mkemail E1
	mkdraft DRAFT_E1 E1
	mkdir -p "$VAULT_DIR/.state/local"
	echo 2026-11-30T10:00:00Z >"$VAULT_DIR/.state/local/last_sync"
	printf -- '---\nupdated: 2026-11-30T10:00:00Z\nodoo: "up 17.0 uid 2 41 ms"\nsmtp: "down connection refused"\n---\n' \
	    >"$VAULT_DIR/Health/cloud.md"
	run vault-status -j
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_json '.totals.Needs_Action == 1'
	assert_json '.counts.Pending_Approval == {"email": 1}'
	assert_json '.pending[0] | .id == "DRAFT_E1" and .from == "Alice Example <alice@example.com>"'
	assert_json '.pending[0].preview | startswith("Hello Alice")'
	assert_json '.last_sync | .at == "2026-11-30T10:00:00Z" and (.age_s | numbers) > 0'
	assert_json '.health.cloud.components.odoo == {"state": "up", "detail": "17.0 uid 2 41 ms"}'
	assert_json '.health.cloud.components.smtp.state == "down"'
}

@test "vault-status shows the health reports" {
	printf -- '---\nupdated: 2026-11-30T10:00:00Z\nimap: "degraded slow greeting"\n---\n' \
	    >"$VAULT_DIR/Health/local.md"
	run vault-status
	assert_success
	assert_line --regexp '^  imap +degraded +slow greeting$'
}

@test "vault-status counts Done by domain across months" {
	mkdir -p "$VAULT_DIR/Done/email/2026-10" "$VAULT_DIR/Done/email/2026-11"
	touch "$VAULT_DIR/Done/email/2026-10/A.md" "$VAULT_DIR/Done/email/2026-11/B.md"
	run vault-status -j
	assert_json '.counts.Done == {"email": 2}'
}

@test "vault-status outside a vault exits 78" {
	run vault-status -C "$BATS_TEST_TMPDIR"
	assert_failure 78
	assert_output --partial "not a vault"
}

@test "vault-status takes no arguments" {
	run vault-status extra
	assert_failure 2
}

@test "--dashboard rewrites Dashboard.md with counts and pending, and folds Updates/" {
	mkemail E1
	mkdraft DRAFT_E1 E1
	printf -- '---\ncreated: 2026-11-30T10:00:00Z\ntitle: Drafted\n---\nreply to Alice | filed\n' \
	    >"$VAULT_DIR/Updates/U1.md"
	run --separate-stderr vault-status --dashboard
	assert_success
	assert_output "Dashboard.md"
	d="$VAULT_DIR/Dashboard.md"
	grep -q '^| Needs_Action | 1 | email 1 |$' "$d"
	grep -q '^- \[\[DRAFT_E1\]\] Re: Question about my order$' "$d"
	grep -q '^- 2026-11-30T10:00:00Z \*\*Drafted\*\* reply to Alice / filed' "$d"
	[ ! -e "$VAULT_DIR/Updates/U1.md" ]
	grep -q '"event":"fold-update"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "--dashboard keeps earlier updates and the owner's Notes section" {
	printf -- '---\ncreated: 2026-11-30T10:00:00Z\n---\nfirst\n' >"$VAULT_DIR/Updates/U1.md"
	vault-status -q --dashboard >/dev/null
	printf '\nbuy milk\n' >>"$VAULT_DIR/Dashboard.md"
	printf -- '---\ncreated: 2026-11-30T11:00:00Z\n---\nsecond\n' >"$VAULT_DIR/Updates/U2.md"
	vault-status -q --dashboard >/dev/null
	d="$VAULT_DIR/Dashboard.md"
	grep -q '^- 2026-11-30T10:00:00Z first' "$d"
	grep -q '^- 2026-11-30T11:00:00Z second' "$d"
	grep -qx 'buy milk' "$d"
	[ "$(grep -c '^- 2026-11-30T10:00:00Z first' "$d")" -eq 1 ]
}

@test "--dashboard keeps the Notes section by the vault(5) rule: any case, CRLF, its own headings" {
	vault-status -q --dashboard >/dev/null
	d="$VAULT_DIR/Dashboard.md"
	sed -i 's/^## Notes$/## notes  \r/' "$d"
	printf '\n# Shopping\nbuy milk\n### Later\npaint the door\n' >>"$d"
	vault-status -q --dashboard >/dev/null
	grep -qx 'buy milk' "$d"
	grep -qx '# Shopping' "$d"
	grep -qx 'paint the door' "$d"
	[ "$(grep -c 'buy milk' "$d")" -eq 1 ]
}

@test "--dashboard is refused for the cloud agent" {
	before=$(cat "$VAULT_DIR/Dashboard.md")
	run vault-status -a cloud --dashboard
	assert_failure 77
	[ "$(cat "$VAULT_DIR/Dashboard.md")" = "$before" ]
}

# golden_vault: one item per stage used, one health file (a component
# given twice), a last sync: nothing whose order depends on readdir.
golden_vault() {
	mkemail E1
	mkdraft DRAFT_E1 E1
	mkdir -p "$VAULT_DIR/Done/email/2026-10" "$VAULT_DIR/.state/local"
	touch "$VAULT_DIR/Done/email/2026-10/A.md"
	echo 2026-11-30T10:00:00Z >"$VAULT_DIR/.state/local/last_sync"
	printf -- '---\nupdated: 2026-11-30T10:00:00Z\nodoo: "up 17.0 | uid 2"\nsmtp: "down connection refused"\nodoo: "degraded slow"\n---\n' \
	    >"$VAULT_DIR/Health/cloud.md"
}

@test "vault-status -j, text and --dashboard write the very bytes they always did (t/data/status-golden*)" {
	golden_vault
	vault-status -j | sed "s|$VAULT_DIR|VAULT|; s/\"age_s\":[0-9]*/\"age_s\":N/g" \
	    >"$BATS_TEST_TMPDIR/j"
	cmp "$T_DIR/data/status-golden.json" "$BATS_TEST_TMPDIR/j"
	vault-status | sed "s|$VAULT_DIR|VAULT|; s/\t[0-9]*[smhd]\t/\tAGE\t/; s/([0-9]*[smhd] ago)/(AGE ago)/" \
	    >"$BATS_TEST_TMPDIR/t"
	cmp "$T_DIR/data/status-golden.txt" "$BATS_TEST_TMPDIR/t"
	vault-status -q --dashboard >/dev/null
	sed 's/20[0-9-]*T[0-9:]*Z/TIME/g' "$VAULT_DIR/Dashboard.md" >"$BATS_TEST_TMPDIR/d"
	cmp "$T_DIR/data/status-golden-dashboard.md" "$BATS_TEST_TMPDIR/d"
}

@test "a health component that is not UTF-8 is left out of text and JSON alike" {
	mkemail E1
	mkdraft DRAFT_E1 E1
	printf -- '---\nupdated: 2026-11-30T10:00:00Z\nimap: "bad \xff value"\nwa: up\n---\n' \
	    >"$VAULT_DIR/Health/cloud.md"
	printf -- '---\nupdated: "\xff"\nx: up\n---\n' >"$VAULT_DIR/Health/odd.md"
	run vault-status -j
	assert_success
	assert_json '.health.cloud.components == {"wa": {"state": "up", "detail": ""}}'
	run vault-status
	assert_success
	refute_line --partial imap
	assert_line --regexp '^  wa +up +$'
}
