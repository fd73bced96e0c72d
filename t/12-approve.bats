#!/usr/bin/env bats
load helper

# rejected ID: the path of the rejected copy of draft ID (kept as ID.<UTC>)
rejected() {
	local f
	f=$(ls "$VAULT_DIR"/Rejected/email/"$1".*.md)
	[ -f "$f" ] && echo "$f"
}

setup() {
	common_setup
	mkvault
	mkemail E1
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
}

@test "approve moves the draft to Approved with decision keys and a signature" {
	run --separate-stderr approve DRAFT_E1
	assert_success
	assert_output "Approved/email/DRAFT_E1.md"
	f="$VAULT_DIR/Approved/email/DRAFT_E1.md"
	grep -qx 'decision: approved' "$f"
	grep -qx 'decided_by: local' "$f"
	grep -qx 'decided_via: cli' "$f"
	grep -q '^decided_at: 20' "$f"
	grep -Eq '^decision_sig: [0-9a-f]{64}$' "$f"
	grep -q '"event":"approved","id":"DRAFT_E1"' "$VAULT_DIR"/Logs/*.jsonl
	run approve --verify DRAFT_E1
	assert_success
}

@test "the body and unknown keys are kept byte for byte by approve" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	sed -i '2i # owner comment: keep' "$f"
	sed -n '/^---$/,$p' "$f" | sed '1,/^---$/d' >"$BATS_TEST_TMPDIR/body.before"
	approve DRAFT_E1 >/dev/null
	g="$VAULT_DIR/Approved/email/DRAFT_E1.md"
	grep -qx '# owner comment: keep' "$g"
	sed -n '/^---$/,$p' "$g" | sed '1,/^---$/d' >"$BATS_TEST_TMPDIR/body.after"
	cmp "$BATS_TEST_TMPDIR/body.before" "$BATS_TEST_TMPDIR/body.after"
}

@test "the signature breaks when the body changes" {
	approve DRAFT_E1 >/dev/null
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/Approved/email/DRAFT_E1.md"
	run approve --verify DRAFT_E1
	assert_failure 77
	assert_output --partial "does not verify"
}

@test "the signature breaks when any signed field changes" {
	approve DRAFT_E1 >/dev/null
	f="$VAULT_DIR/Approved/email/DRAFT_E1.md"
	cp "$f" "$BATS_TEST_TMPDIR/good"
	for edit in 's/^to: .*/to: mallory@evil.example/' \
	    's/^subject: .*/subject: "Re: changed"/' \
	    's/^action: .*/action: pay_invoice/' \
	    's/^in_reply_to: .*/in_reply_to: "<other@x>"/' \
	    's/^references: .*/references: "<other@x>"/' \
	    's/^expires: .*/expires: 2199-01-01T00:00:00Z/' \
	    's/^decided_at: .*/decided_at: 2026-01-01T00:00:00Z/' \
	    '/^decision_sig/i cc: boss@example.com' \
	    's/^decision: .*/decision: approved/; /^to:/d'; do
		cp "$BATS_TEST_TMPDIR/good" "$f"
		sed -i "$edit" "$f"
		run approve --verify DRAFT_E1
		assert_failure 77
	done
	cp "$BATS_TEST_TMPDIR/good" "$f"
	run approve --verify DRAFT_E1
	assert_success
}

@test "a signature copied to another item does not verify" {
	approve DRAFT_E1 >/dev/null
	cp "$VAULT_DIR/Approved/email/DRAFT_E1.md" "$VAULT_DIR/Approved/email/DRAFT_COPY.md"
	run approve --verify DRAFT_COPY
	assert_failure 77
}

@test "an unsigned item in Approved does not verify" {
	mkdraft DRAFT_X E1
	mkdir -p "$VAULT_DIR/Approved/email"
	mv "$VAULT_DIR/Pending_Approval/email/DRAFT_X.md" "$VAULT_DIR/Approved/email/"
	sed -i 's/^status: .*/decision: approved/' "$VAULT_DIR/Approved/email/DRAFT_X.md"
	run approve --verify DRAFT_X
	assert_failure 77
	assert_output --partial "not signed"
}

@test "an approval signed with another key does not verify" {
	approve DRAFT_E1 >/dev/null
	APPROVAL_KEY_FILE="$BATS_TEST_TMPDIR/other.key" vault-init -q "$BATS_TEST_TMPDIR/v2" >/dev/null
	APPROVAL_KEY_FILE="$BATS_TEST_TMPDIR/other.key" run approve --verify DRAFT_E1
	assert_failure 77
}

@test "an expired draft cannot be approved: it goes to Rejected with decision_note expired" {
	mkdraft DRAFT_OLD E1 2020-01-01T00:00:00Z
	run approve DRAFT_OLD
	assert_failure 65
	assert_output --partial "expired"
	grep -qx 'decision_note: expired' "$(rejected DRAFT_OLD)"
	run ! grep -q '^decision_sig' "$(rejected DRAFT_OLD)"
}

@test "--reject with a reason: draft to Rejected, its source to Done with status rejected" {
	run approve --reject -r "not our tone" DRAFT_E1
	assert_success
	assert_output --regexp '^Rejected/email/DRAFT_E1\.[0-9]{8}T[0-9]{6}Z\.md$'
	grep -qx 'decision: rejected' "$(rejected DRAFT_E1)"
	grep -qx 'decision_note: not our tone' "$(rejected DRAFT_E1)"
	src=$(find "$VAULT_DIR/Done/email" -name E1.md)
	[ -n "$src" ]
	[[ "$src" == */Done/email/[0-9][0-9][0-9][0-9]-[0-9][0-9]/E1.md ]]
	grep -qx 'status: rejected' "$src"
}

@test "--revise: draft to Rejected, its source back to Needs_Action with revise_note" {
	run approve --revise "mention the 10% discount: only for orders over 100" DRAFT_E1
	assert_success
	f="$VAULT_DIR/Needs_Action/email/E1.md"
	[ -f "$f" ]
	grep -qx 'revise_note: "mention the 10% discount: only for orders over 100"' "$f"
	run ! grep -q '^claimed_by' "$f"
	grep -qx 'decision: revise' "$(rejected DRAFT_E1)"
}

@test "--revise needs a note" {
	run approve --revise "" DRAFT_E1
	assert_failure 2
}

@test "--list shows ID, domain, age and subject; -j as JSON" {
	mkdraft DRAFT_E2 E2
	run approve --list
	assert_success
	assert_line --regexp $'^DRAFT_E1\temail\t[0-9]+[smhd]\tRe: Question about my order$'
	run approve -j --list
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[0]}" | assert_json '.id == "DRAFT_E1" and (.subject | startswith("Re:")) and (.age_s | numbers) > 0' -
}

@test "--list with nothing waiting exits 1" {
	approve DRAFT_E1 >/dev/null
	run approve --list
	assert_failure 1
}

@test "approve refuses agent cloud with 77 and touches nothing" {
	before=$(tree_sum "$VAULT_DIR")
	run approve -a cloud DRAFT_E1
	assert_failure 77
	VAULT_AGENT=cloud run approve --reject DRAFT_E1
	assert_failure 77
	[ "$(tree_sum "$VAULT_DIR")" = "$before" ]
}

@test "approving an item that is not pending exits 1 and says where it is" {
	approve DRAFT_E1 >/dev/null
	run approve DRAFT_E1
	assert_failure 1
	assert_output --partial "Approved/email/DRAFT_E1.md"
}

@test "approve without the approval key fails 78 and the draft stays pending" {
	rm "$HOME/.config/ai-employee/approval.key"
	run approve DRAFT_E1
	assert_failure 78
	assert_output --partial "approval key"
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
	run ! grep -q '^decision' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
}

@test "an approval key readable by others is refused" {
	chmod 644 "$HOME/.config/ai-employee/approval.key"
	run approve DRAFT_E1
	assert_failure 78
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "bad IDs are refused with 65 and nothing changes" {
	before=$(tree_sum "$VAULT_DIR")
	for bad in ../../etc/passwd 'x/../../y' 'NOPE' '..' "$(printf 'A%.0s' $(seq 121))"; do
		run approve -- "$bad"
		assert_failure 65
	done
	[ "$(tree_sum "$VAULT_DIR")" = "$before" ]
}

@test "usage errors exit 2" {
	run approve
	assert_failure 2
	run approve --list DRAFT_E1
	assert_failure 2
	run approve --reject --revise x DRAFT_E1
	assert_failure 2
	run approve -r reason DRAFT_E1
	assert_failure 2
}

@test "race: approve against reject of one draft, exactly one wins" {
	for i in $(seq 10); do
		mkdraft "D$i" E1
		(rc=0; approve "D$i" >/dev/null 2>&1 || rc=$?; echo "$rc" >"$BATS_TEST_TMPDIR/a.$i") &
		(rc=0; approve --reject -r no "D$i" >/dev/null 2>&1 || rc=$?; echo "$rc" >"$BATS_TEST_TMPDIR/r.$i") &
	done
	wait
	for i in $(seq 10); do
		a=$(cat "$BATS_TEST_TMPDIR/a.$i"); r=$(cat "$BATS_TEST_TMPDIR/r.$i")
		[ "$a$r" = 01 ] || [ "$a$r" = 10 ] || { echo "D$i: approve $a reject $r" >&3; false; }
		[ "$(find "$VAULT_DIR" -name "D$i.md" -o -name "D$i.*.md" | wc -l)" -eq 1 ]
		if [ "$a" = 0 ]; then
			[ -f "$VAULT_DIR/Approved/email/D$i.md" ]
			approve --verify "D$i" >/dev/null
		else
			rejected "D$i" >/dev/null
		fi
	done
}

@test "a revised draft leaves its ID free: the redraft can be decided again" {
	approve --revise "shorter please" DRAFT_E1 >/dev/null
	find "$VAULT_DIR/Rejected/email/" -name 'DRAFT_E1.*.md' -printf '%f\n' |
	    grep -q '^DRAFT_E1\.[0-9]\{8\}T[0-9]\{6\}Z\.md$'
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
	run approve --reject -r "still too long" DRAFT_E1
	assert_success
	run approve --list
	assert_failure 1
}

@test "a failed final move gives the draft back without any decision key" {
	mkdir -p "$VAULT_DIR/Approved/email"
	echo occupied >"$VAULT_DIR/Approved/email/DRAFT_E1.md"
	run approve DRAFT_E1
	assert_failure 65
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	[ -f "$f" ]
	run ! grep -q '^decision' "$f"
	run ! grep -q '^decided_' "$f"
	grep -qx 'status: pending' "$f"
}

@test "reject clears the claim keys of the source" {
	approve --reject DRAFT_E1 >/dev/null
	src=$(find "$VAULT_DIR/Done/email" -name E1.md)
	run ! grep -q '^claimed_by' "$src"
}

@test "a draft without expires expires DRAFT_EXPIRES_HOURS after created" {
	mkdraft DRAFT_NOEXP E1
	sed -i '/^expires:/d' "$VAULT_DIR/Pending_Approval/email/DRAFT_NOEXP.md"
	DRAFT_EXPIRES_HOURS=1 run approve DRAFT_NOEXP
	assert_failure 65
	assert_output --partial expired
	mkdraft DRAFT_FRESH E1
	sed -i '/^expires:/d' "$VAULT_DIR/Pending_Approval/email/DRAFT_FRESH.md"
	DRAFT_EXPIRES_HOURS=1000000 run approve DRAFT_FRESH
	assert_success
}

@test "--revise writes the note even when the source is already in Needs_Action" {
	vault-claim -q -a cloud --release E1 >/dev/null
	run approve --revise "add the tracking number" DRAFT_E1
	assert_success
	grep -qx 'revise_note: add the tracking number' "$VAULT_DIR/Needs_Action/email/E1.md"
}

@test "two decisions on one ID within a second keep both rejected copies" {
	approve --revise "first" DRAFT_E1 >/dev/null
	vault-claim -q -a cloud E1 >/dev/null
	mkdraft DRAFT_E1 E1
	approve --reject DRAFT_E1 >/dev/null
	mkdraft DRAFT_E1 E1
	run approve --reject DRAFT_E1
	assert_success
	[ "$(ls "$VAULT_DIR"/Rejected/email/DRAFT_E1.*.md | wc -l)" -eq 3 ]
}
