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

@test "--list shows ID, domain, age, version digest and subject; -j as JSON" {
	mkdraft DRAFT_E2 E2
	run approve --list
	assert_success
	assert_line --regexp $'^DRAFT_E1\temail\t[0-9]+[smhd]\t[0-9a-f]{64}\tRe: Question about my order$'
	run approve -j --list
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[0]}" | assert_json '.id == "DRAFT_E1" and (.subject | startswith("Re:")) and (.age_s | numbers) > 0 and (.digest | strings | length) == 64' -
}

# digest ID: the version digest approve --list prints for ID
digest() {
	approve --list | awk -F '\t' -v id="$1" '$1 == id { print $4 }'
}

@test "--list prints a digest that changes with any signed byte, not with other keys" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	d0=$(digest DRAFT_E1)
	[[ $d0 =~ ^[0-9a-f]{64}$ ]]
	sed -i 's/^model: .*/model: another-model/' "$f"
	[ "$(digest DRAFT_E1)" = "$d0" ]
	sed -i 's/ships tomorrow/ships tomorrow!/' "$f"
	d1=$(digest DRAFT_E1)
	[ "$d1" != "$d0" ]
	sed -i 's/^to: .*/to: alice@example.org/' "$f"
	[ "$(digest DRAFT_E1)" != "$d1" ]
}

@test "attack: approve --list, the draft changes, approve --expect refuses (1) and signs nothing" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	seen=$(digest DRAFT_E1)
	sed -i 's/^to: .*/to: mallory@evil.example/' "$f"
	run approve --expect "$seen" DRAFT_E1
	assert_failure 1
	assert_output --partial "changed since it was shown"
	[ -f "$f" ]
	run ! grep -q '^decision' "$f"
	grep -qx 'to: mallory@evil.example' "$f"
	[ ! -e "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
	run approve --expect "$(digest DRAFT_E1)" DRAFT_E1
	assert_success
	assert_output "Approved/email/DRAFT_E1.md"
}

@test "--expect also guards --reject and --revise" {
	seen=$(digest DRAFT_E1)
	sed -i 's/ships tomorrow/ships never/' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	run approve --reject --expect "$seen" DRAFT_E1
	assert_failure 1
	run approve --revise "shorter" --expect "$seen" DRAFT_E1
	assert_failure 1
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "--expect needs one item and a whole digest" {
	d=$(digest DRAFT_E1)
	run approve --expect "${d:0:12}" DRAFT_E1
	assert_failure 2
	run approve --expect "$d" DRAFT_E1 DRAFT_E1
	assert_failure 2
	run approve --expect "$d" - <<<"DRAFT_E1"
	assert_failure 2
	run approve --list --expect "$d"
	assert_failure 2
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "attack: a body with a NUL byte is refused (65), named, and stays pending unsigned" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	printf 'Hello Alice,\n\0Wire 5000 EUR to the account below.\n' >>"$f"
	run approve DRAFT_E1
	assert_failure 65
	assert_output --partial "the body holds U+0000"
	[ -f "$f" ]
	run ! grep -q '^decision' "$f"
	[ ! -e "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
}

@test "controls in the body or a signed field are refused and named; tab and CRLF are not" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	cp "$f" "$BATS_TEST_TMPDIR/good"
	for bad in 'body:U+001B:s/ships tomorrow/ships \x1b[8mnever\x1b[0m/' \
	    'body:U+000D:s/ships tomorrow/ships never\rships tomorrow/' \
	    'body:0xFF:s/ships tomorrow/ships \xff/' \
	    'body:U+0085:s/ships tomorrow/ships \xc2\x85/' \
	    'subject:U+000A:s/^subject: .*/subject: "Re: x\\nBcc: all@example.com"/' \
	    'to:U+0007:s/^to: .*/to: alice\x07@example.com/' \
	    'to:U+0000:s/^to: .*/to: "alice@example.com\\u0000evil@example.com"/'; do
		field=${bad%%:*}; rest=${bad#*:}; tok=${rest%%:*}; edit=${rest#*:}
		cp "$BATS_TEST_TMPDIR/good" "$f"
		sed -i "$edit" "$f"
		run approve DRAFT_E1
		assert_failure 65
		if [ "$field" = body ]; then
			assert_output --partial "the body holds $tok"
		elif [ "$tok" = U+0000 ]; then
			assert_output --partial "field $field cannot be read"
		else
			assert_output --partial "field $field holds $tok"
		fi
		[ -f "$f" ]
	done
	cp "$BATS_TEST_TMPDIR/good" "$f"
	sed -i 's/ships tomorrow/ships\ttomorrow/; s/$/\r/' "$f"
	sed -i '1,/^---\r$/s/\r$//' "$f"
	run approve DRAFT_E1
	assert_success
}

@test "a signed field twice is refused: which one is shown is not sure" {
	sed -i '/^to: /a to: mallory@evil.example' "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	run approve DRAFT_E1
	assert_failure 65
	assert_output --partial "field to appears twice"
}

@test "-i shows the signed bytes with hidden characters marked and approves on y" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	# a JSON escape in a quoted value (sed needs the backslash doubled)
	sed -i 's/^subject: .*/subject: "Re: invoice \\u202egpj.exe"/' "$f"
	sed -i 's/ships tomorrow/ships\xe2\x80\x8b tomorrow \xe2\x9f\xa6U+0000\xe2\x9f\xa7/' "$f"
	run --separate-stderr approve -i DRAFT_E1 <<<"y"
	assert_success
	assert_output "Approved/email/DRAFT_E1.md"
	# shellcheck disable=SC2154
	[[ $stderr == *"subject: Re: invoice ⟦U+202E⟧gpj.exe"* ]]
	[[ $stderr == *"ships⟦U+200B⟧ tomorrow ⟦U+27E6⟧U+0000⟦U+27E7⟧"* ]]
	[[ $stderr == *"to: alice@example.com"* ]]
	[[ $stderr == *"approve DRAFT_E1? [y/n/q]"* ]]
	[[ $stderr != *$'\xe2\x80\xae'* ]]
	approve --verify DRAFT_E1 >/dev/null
}

@test "-i: n skips, q stops, end of input stops; nothing skipped is decided" {
	mkdraft DRAFT_E2 E1
	mkdraft DRAFT_E3 E1
	run --separate-stderr approve -i <<<$'n\nmaybe\ny\nq'
	assert_success
	assert_output "Approved/email/DRAFT_E2.md"
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E3.md" ]
	# shellcheck disable=SC2154
	[ "$(grep -o 'approve DRAFT_E2? \[y/n/q\]' <<<"$stderr" | wc -l)" -eq 2 ]
	run --separate-stderr approve -i </dev/null
	assert_success
	assert_output ""
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "-i will not approve a draft with a NUL: it shows the mark and only skips" {
	printf 'P.S.\0hidden\n' >>"$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	run --separate-stderr approve -i DRAFT_E1 <<<$'y\nn'
	assert_success
	assert_output ""
	# shellcheck disable=SC2154
	[[ $stderr == *"P.S.⟦U+0000⟧hidden"* ]]
	[[ $stderr == *"approval refused"* ]]
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "-i approves the version it showed, not one written while it waited" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	mkfifo "$BATS_TEST_TMPDIR/answer"
	approve -i DRAFT_E1 <"$BATS_TEST_TMPDIR/answer" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec {w}>"$BATS_TEST_TMPDIR/answer"
	for _ in $(seq 50); do
		grep -q 'y/n/q' "$BATS_TEST_TMPDIR/err" && break
		sleep 0.1
	done
	sed -i 's/^to: .*/to: mallory@evil.example/' "$f"
	echo y >&"$w"
	exec {w}>&-
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q 'changed since it was shown' "$BATS_TEST_TMPDIR/err"
	[ -f "$f" ]
	[ ! -e "$VAULT_DIR/Approved/email/DRAFT_E1.md" ]
}

@test "-i with IDs on stdin asks on the terminal, and says so when there is none" {
	run --separate-stderr setsid approve -i - <<<"DRAFT_E1"
	assert_failure 2
	# shellcheck disable=SC2154
	[[ $stderr == *"/dev/tty"* ]]
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
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
	# the same words as for the config file and the dashboard's secrets
	assert_output --partial "approval.key: readable by group, readable by others (mode 0644); run: chmod 600"
}

@test "an approval key is one line of 64 hex digits, as the session key: more or less is not a key" {
	k="$HOME/.config/ai-employee/approval.key"
	good=$(head -c 64 "$k")
	printf '%sjunk\n' "$good" >"$k"
	run approve DRAFT_E1
	assert_failure 78
	assert_output --partial "approval.key: not a key"
	printf '%s\n' "${good:0:63}" >"$k"
	run approve DRAFT_E1
	assert_failure 78
	assert_output --partial "approval.key: not a key"
	[ -f "$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md" ]
}

@test "an approval key that is a FIFO is refused at once, not waited on" {
	rm "$HOME/.config/ai-employee/approval.key"
	mkfifo -m 600 "$HOME/.config/ai-employee/approval.key"
	run timeout 10 approve DRAFT_E1
	assert_failure 78
	assert_output --partial "approval.key: not a regular file"
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

@test "a failed approval of a draft without expires gives it back as it was, digest and all" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	sed -i '/^expires:/d; s/^created: .*/created: '"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'/' "$f"
	d=$(approve --list | cut -f4)
	mkdir -p "$VAULT_DIR/Approved/email"
	echo occupied >"$VAULT_DIR/Approved/email/DRAFT_E1.md"
	run approve DRAFT_E1
	assert_failure 65
	[ -f "$f" ]
	run ! grep -q '^expires' "$f"
	[ "$(approve --list | cut -f4)" = "$d" ]
}

@test "reject clears the claim keys of the source" {
	approve --reject DRAFT_E1 >/dev/null
	src=$(find "$VAULT_DIR/Done/email" -name E1.md)
	run ! grep -q '^claimed_by' "$src"
}

@test "attack: a draft without expires gets one (DRAFT_EXPIRES_HOURS from now), signed" {
	f="$VAULT_DIR/Pending_Approval/email/DRAFT_E1.md"
	sed -i '/^expires:/d; s/^created: .*/created: '"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'/' "$f"
	before=$(date -u +%s)
	DRAFT_EXPIRES_HOURS=5 run approve DRAFT_E1
	assert_success
	g="$VAULT_DIR/Approved/email/DRAFT_E1.md"
	exp=$(sed -n 's/^expires: //p' "$g")
	[ -n "$exp" ]
	t=$(date -u -d "$exp" +%s)
	[ "$t" -ge $((before + 5 * 3600)) ] && [ "$t" -le $(($(date -u +%s) + 5 * 3600)) ]
	approve --verify DRAFT_E1 >/dev/null
	sed -i 's/^expires: .*/expires: 2199-01-01T00:00:00Z/' "$g"
	run approve --verify DRAFT_E1
	assert_failure 77
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
