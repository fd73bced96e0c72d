#!/usr/bin/env bats
# wa-webhook.cgi: Meta's handshake and signed deliveries, run as a CGI with
# CGI variables set (as cgit tests its CGI) and end to end through nginx +
# fcgiwrap; payloads and signatures from t/fake/meta.py, as Meta makes them.
load helper
load fake/fake
load wa

setup() {
	wa_setup
}

teardown() {
	wa_teardown
}

@test "handshake: the right verify token is answered with the challenge" {
	cgi_get 'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me-42'
	assert_success
	status_is "200 OK"
	assert_line --partial "Content-Type: text/plain"
	[ "${lines[-1]}" = 1158201444 ]
}

@test "handshake: a wrong token, a wrong mode or no token is 403 without the challenge" {
	local q
	for q in 'hub.mode=subscribe&hub.challenge=9137264810&hub.verify_token=verify-me-4' \
	    'hub.mode=unsubscribe&hub.challenge=9137264810&hub.verify_token=verify-me-42' \
	    'hub.mode=subscribe&hub.challenge=9137264810'; do
		cgi_get "$q"
		status_is "403 Forbidden"
		refute_output --partial 9137264810
	done
}

@test "handshake: without WA_VERIFY_TOKEN nothing verifies (503)" {
	printf 'WA_APP_SECRET=%s\n' "$SECRET" >"$AI_EMPLOYEE_CONFIG"
	cgi_get 'hub.mode=subscribe&hub.challenge=9137264810&hub.verify_token='
	status_is "503 Service Unavailable"
	refute_output --partial 9137264810
}

@test "a signed text message becomes a whatsapp item with its sender, text and wamid" {
	"$META" payload text wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTk "Hi, is the shop open today?" >"$P"
	cgi_post "$P"
	assert_success
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	local f id
	f=$(items)
	id=$(basename "$f" .md)
	[[ $id =~ ^WA_[0-9]{8}T[0-9]{6}Z_[0-9a-f]{6}$ ]]
	[ "$(fm id)" = "$id" ]
	[ "$(fm type)" = whatsapp ]
	[ "$(fm domain)" = whatsapp ]
	[ "$(fm status)" = new ]
	[ "$(fm wa_id)" = 15551234567 ]
	[ "$(fm profile_name)" = "Alice Example" ]
	[ "$(fm from)" = "Alice Example (+15551234567)" ]
	[ "$(fm wamid)" = wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTk ]
	[ "$(fm message_type)" = text ]
	[ "$(fm phone_number_id)" = 1098765 ]
	[ "$(fm priority)" = normal ]
	[[ $(fm received) =~ ^20[0-9-]{8}T[0-9:]{8}Z$ ]]
	[ "$(sed '1,/^---$/d' "$f")" = "Hi, is the shop open today?" ]
	grep -q "\"event\":\"whatsapp_new\",\"id\":\"$id\"" "$VAULT_DIR"/Logs/*.jsonl
	# the wamid recorded with the item it went to
	cat "$VAULT_DIR"/.state/local/wa-ids.d/* | grep -qx "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTk $id"
}

@test "every message type becomes an item with what it carries" {
	local t n=0
	for t in text image audio video document sticker location interactive \
	    list_reply button reaction unsupported; do
		n=$((n + 1))
		"$META" payload "$t" "wamid.T$n" "caption $t" >"$P"
		cgi_post "$P"
		status_is "200 OK" || fail "$t: $stderr"
	done
	[ "$(items | wc -l)" -eq "$n" ]
	by() { grep -l "^wamid: wamid.T$1\$" "$VAULT_DIR"/Needs_Action/whatsapp/*.md; }
	f=$(by 2); [ "$(fm message_type "$f")" = image ]
	[ "$(fm media_id "$f")" = 1037543291543636 ]
	[ "$(fm media_type "$f")" = image/jpeg ]
	grep -q '^caption image$' "$f"
	f=$(by 3); [ "$(fm media_type "$f")" = "audio/ogg; codecs=opus" ]
	f=$(by 5); [ "$(fm filename "$f")" = invoice-1234.pdf ]
	grep -q 'application/pdf, invoice-1234.pdf, media id 1037543291543636' "$f"
	f=$(by 7); [ "$(fm latitude "$f")" = 52.520008 ]
	[ "$(fm longitude "$f")" = 13.404954 ]
	grep -q 'Shop, Main Street 1, Berlin' "$f"
	f=$(by 8); [ "$(fm reply_id "$f")" = yes-ship ]
	grep -q '^caption interactive$' "$f"
	f=$(by 9); [ "$(fm message_type "$f")" = interactive ]
	[ "$(fm reply_id "$f")" = opt-2 ]
	f=$(by 10); [ "$(fm reply_id "$f")" = STOP_PROMOS ]
	grep -q '^caption button$' "$f"
	f=$(by 11); [ "$(fm context_id "$f")" = wamid.OURS1 ]
	grep -q '👍' "$f"
	f=$(by 12); [ "$(fm message_type "$f")" = unsupported ]
	grep -q 'not read by ai-employee' "$f"
}

@test "a reply keeps the wamid it answers as context_id" {
	"$META" payload text wamid.R1 "yes please" >"$P"
	CONTEXT=wamid.OURREPLY9 "$META" payload text wamid.R1 "yes please" >"$P"
	cgi_post "$P"
	[ "$(fm context_id)" = wamid.OURREPLY9 ]
}

@test "a replayed delivery (Meta's retry) is answered 200 and makes no second item" {
	"$META" payload text wamid.DUP1 "once only" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	# and not after the owner deleted the item either
	rm "$(items)"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 0 ]
}

@test "a forged or missing signature is 401, nothing is written, one log line" {
	"$META" payload text wamid.F1 "forged" >"$P"
	local before
	before=$(tree_sum "$VAULT_DIR")
	cgi_post "$P" "sha256=$(printf '%064d' 0)"
	status_is "401 Unauthorized"
	[ "$stderr" = "wa-webhook: wrong signature, payload dropped (from 127.0.0.1)" ]
	cgi_post "$P" ""
	status_is "401 Unauthorized"
	[ "$stderr" = "wa-webhook: missing signature, payload dropped (from 127.0.0.1)" ]
	# signed under another secret, and a body changed after signing
	cgi_post "$P" "$(printf %s "$SECRET" | "$META" sign other "$P")"
	status_is "401 Unauthorized"
	local sig
	sig=$("$META" sign "$SECRET" "$P")
	sed -i 's/forged/Forged/' "$P"
	cgi_post "$P" "$sig"
	status_is "401 Unauthorized"
	[ "$(tree_sum "$VAULT_DIR")" = "$before" ]
	[ ! -e "$VAULT_DIR/.state/local/wa-ids.d" ]
}

@test "without WA_APP_SECRET every delivery is refused (503), nothing written" {
	printf 'WA_VERIFY_TOKEN=verify-me-42\n' >"$AI_EMPLOYEE_CONFIG"
	"$META" payload text wamid.S1 "hi" >"$P"
	cgi_post "$P" "$("$META" sign "" "$P")"
	status_is "503 Service Unavailable"
	[ "$(items | wc -l)" -eq 0 ]
}

@test "a body over 3 MB is refused with 413 before its signature is checked" {
	/usr/bin/python3 -c 'import sys; sys.stdout.write("{\"object\":\"" + "x" * (3 * 1024 * 1024) + "\"}")' >"$P"
	cgi_post "$P"
	status_is "413 Payload Too Large"
	[ "$(items | wc -l)" -eq 0 ]
}

@test "a signed payload that is not Meta's shape is 400 and writes nothing" {
	local bad
	for bad in 'not json' '{"object":"page","entry":[]}' \
	    '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"15551234567","id":"wamid.B1","timestamp":"1","type":"text","text":{}}]}}]}]}' \
	    '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"../../x","id":"wamid.B2","timestamp":"1","type":"text","text":{"body":"x"}}]}}]}]}' \
	    '{"object":"whatsapp_business_account","object":"whatsapp_business_account","entry":[]}'; do
		printf %s "$bad" >"$P"
		cgi_post "$P"
		status_is "400 Bad Request" || fail "$bad"
	done
	[ "$(items | wc -l)" -eq 0 ]
}

@test "a status update alone is answered 200 and makes no item" {
	"$META" status delivered wamid.OURS1 >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 0 ]
}

@test "statuses of a reply update its item, only forward; each is audited" {
	mkreply DRAFT_WA_1 wamid.SENT1
	"$META" status delivered wamid.SENT1 >"$P"
	cgi_post "$P"
	status_is "200 OK"
	grep -qx 'wa_status: delivered' "$R"
	grep -Eqx 'wa_status_at: 20[0-9-]{8}T[0-9:]{8}Z' "$R"
	"$META" status sent wamid.SENT1 >"$P"
	cgi_post "$P"
	grep -qx 'wa_status: delivered' "$R"
	"$META" status read wamid.SENT1 >"$P"
	cgi_post "$P"
	grep -qx 'wa_status: read' "$R"
	[ "$(grep -c '"event":"whatsapp_status","id":"DRAFT_WA_1"' "$VAULT_DIR"/Logs/*.jsonl)" -eq 3 ]
	# a status of a message the vault does not hold: audited, kept for later (t/39)
	"$META" status delivered wamid.ELSEWHERE >"$P"
	cgi_post "$P"
	status_is "200 OK"
	grep -q '"event":"whatsapp_status","from":"wa-webhook","note":"delivered wamid.ELSEWHERE"' \
	    "$VAULT_DIR"/Logs/*.jsonl
}

@test "a reply that failed after its 200 (131047) is marked failed and told to the owner once" {
	mkreply DRAFT_WA_2 wamid.SENT2
	"$META" status failed wamid.SENT2 131047 >"$P"
	cgi_post "$P"
	status_is "200 OK"
	grep -qx 'wa_status: failed' "$R"
	grep -qx 'wa_error: "131047"' "$R"
	n="$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
	[ "$(grep -c 'WhatsApp reply not delivered: DRAFT_WA_2' "$n")" -eq 1 ]
	grep 'WhatsApp reply not delivered: DRAFT_WA_2' "$n" | grep -q 'error 131047'
	cgi_post "$P"
	[ "$(grep -c 'WhatsApp reply not delivered: DRAFT_WA_2' "$n")" -eq 1 ]
}

@test "texts from one sender within WA_JOIN_WINDOW join one item; the reply threads under the last" {
	local t0
	t0=$(date +%s)
	TS=$t0 "$META" payload text wamid.J1 "Hello" >"$P"
	cgi_post "$P"
	TS=$((t0 + 30)) "$META" payload text wamid.J2 "I have a question about my order" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	# one paragraph a message
	[ "$(sed '1,/^---$/d' "$(items)")" = "Hello

I have a question about my order" ]
	[ "$(fm wamid)" = wamid.J2 ]
	[ "$(fm messages)" = 2 ]
	[ "$(fm received)" = "$(date -u -d "@$((t0 + 30))" +%Y-%m-%dT%H:%M:%SZ)" ]
	grep -q '"event":"whatsapp_joined"' "$VAULT_DIR"/Logs/*.jsonl
	# a retry of the second is still dropped
	cgi_post "$P"
	[ "$(fm messages)" = 2 ]
	# past the window, a new item
	TS=$((t0 + 30 + 121)) "$META" payload text wamid.J3 "Anyone there?" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 2 ]
}

@test "an earlier version's single wa-ids and wa-last are split into their files: retries dropped, texts joined" {
	local st=$VAULT_DIR/.state/local t0
	mkdir -p "$st"
	printf 'wamid.OLD0\nwamid.OLD1\n' >"$st/wa-ids"
	"$META" payload text wamid.OLD1 "sent before the upgrade" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 0 ]
	[ ! -e "$st/wa-ids" ]
	[ "$(cat "$st"/wa-ids.d/* | sort | tr '\n' ' ')" = "wamid.OLD0 wamid.OLD1 " ]
	# the sender's last text as the single file recorded it
	t0=$(date +%s)
	TS=$t0 "$META" payload text wamid.L1 "Hello" >"$P"
	cgi_post "$P"
	cat "$st"/wa-last.d/* >"$st/wa-last"
	rm -r "$st/wa-last.d"
	TS=$((t0 + 10)) "$META" payload text wamid.L2 "are you open?" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(fm messages)" = 2 ]
	[ ! -e "$st/wa-last" ]
}

@test "a file of wa-ids.d past 4 KB keeps its newer half, with the new wamid" {
	local st=$VAULT_DIR/.state/local f i
	# the file wamid.NEW1 hashes to (FNV-1a, 256 files; see wa-webhook(1))
	f=$st/wa-ids.d/$(python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print("%02x" % (h % 256))' wamid.NEW1)
	mkdir -p "$st/wa-ids.d"
	for i in $(seq 1000 1299); do printf 'wamid.FILL%06d\n' "$i"; done >"$f"
	[ "$(stat -c %s "$f")" -gt 4096 ]
	"$META" payload text wamid.NEW1 "new" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(stat -c %s "$f")" -le 4096 ]
	[ "$(tail -n 1 "$f")" = "wamid.NEW1 $(basename "$(items)" .md)" ]
	grep -qx wamid.FILL001299 "$f"
	run ! grep -qx wamid.FILL001000 "$f"
	# a retry of one kept is still dropped
	"$META" payload text wamid.FILL001299 "again" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
}

@test "no join into a claimed item, with media, or with WA_JOIN_WINDOW=0" {
	local t0
	t0=$(date +%s)
	TS=$t0 "$META" payload text wamid.K1 "first" >"$P"
	cgi_post "$P"
	TS=$((t0 + 5)) "$META" payload image wamid.K2 "a photo" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 2 ]
	vault-claim -q -a cloud "$(basename "$(grep -l '^wamid: wamid.K1$' "$VAULT_DIR"/Needs_Action/whatsapp/*.md)" .md)" >/dev/null
	TS=$((t0 + 10)) "$META" payload text wamid.K3 "second" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 2 ]
	echo WA_JOIN_WINDOW=0 >>"$AI_EMPLOYEE_CONFIG"
	TS=$((t0 + 15)) "$META" payload text wamid.K4 "third" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 3 ]
}

@test "a join a crash interrupted is put back at the next delivery" {
	"$META" payload text wamid.C1 "before the crash" >"$P"
	cgi_post "$P"
	local f
	f=$(items)
	# what a crash mid-join leaves: the item hidden, and named in wa-joining
	mv "$f" "$(dirname "$f")/.$(basename "$f").join"
	printf '.%s.join' "$(basename "$f")" >"$VAULT_DIR/.state/local/wa-joining"
	[ "$(items | wc -l)" -eq 0 ]
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	[ -f "$f" ]
	grep -q '^before the crash$' "$f"
	[ ! -e "$VAULT_DIR/.state/local/wa-joining" ]
}

# tmps: the temporary files in Needs_Action/whatsapp/.
tmps() {
	find "$VAULT_DIR/Needs_Action/whatsapp" -maxdepth 1 -name '.tmp.*' | wc -l
}

# post_bg FILE: the delivery of FILE started in the background (its reply
# in $BATS_TEST_TMPDIR/out, its pid in $pid).
post_bg() {
	local sig
	sig=$("$META" sign "$SECRET" "$1")
	env REQUEST_METHOD=POST REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$(stat -c %s "$1")" \
	    HTTP_X_HUB_SIGNATURE_256="$sig" "$AIE_CGI/wa-webhook.cgi" \
	    <"$1" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
}

# pending: the records of the write-ahead log not done.
pending() {
	local f n=0
	for f in "$VAULT_DIR"/.state/local/wa-wal/*; do
		[ "$(head -c 12 "$f" | tr -d "\\0")" = AIE-WAL1TODO ] && n=$((n + 1))
	done
	echo "$n"
}

@test "a delivery killed after its answer, before filing, is filed by the next delivery; the retry makes no second" {
	local dir=$VAULT_DIR/Needs_Action/whatsapp lock=$VAULT_DIR/.state/local/wa.lock
	local pid fd
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ -e "$lock" ]
	"$META" payload text wamid.KILL1 "written ahead" >"$P"
	# wa.lock held, as by another delivery at work: this one answers,
	# writes its item aside, waits for the lock and is killed there
	exec {fd}<>"$lock"
	flock "$fd"
	post_bg "$P"
	wait_for eval '[ -n "$(find "$dir" -name ".tmp.WA_*.md.$pid.*")" ]'
	kill -9 "$pid"
	wait "$pid" || true
	exec {fd}<&-
	grep -q '^Status: 200' "$BATS_TEST_TMPDIR/out"     # durable: answered
	[ "$(items | wc -l)" -eq 0 ]
	[ "$(pending)" -eq 1 ]
	[ "$(tmps)" -eq 1 ]
	# the next delivery, of anything, files it first
	"$META" status delivered wamid.NONE >"$P.2"
	cgi_post "$P.2"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	grep -q '^written ahead$' "$(items)"
	[ "$(pending)" -eq 0 ]
	# Meta's retry (it had its 200: only in a race) is dropped
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(tmps)" -eq 1 ]   # young: kept
	# past WA_TMP_AGE (an hour) the next delivery sweeps it, not a young one
	touch -d '2 hours ago' "$dir"/.tmp.WA_* "$VAULT_DIR/.state/local/wa-swept"
	: >"$dir/.tmp.WA_20991231T000000Z_abcdef.md.1.0a0b0c0d"
	cgi_post "$P.2"
	status_is "200 OK"
	wait_for eval '[ "$(tmps)" -eq 1 ]'
	[ -e "$dir/.tmp.WA_20991231T000000Z_abcdef.md.1.0a0b0c0d" ]
	[ "$(items | wc -l)" -eq 1 ]
	run ! grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
}

# hold_slots FIRST: the webhook's write-ahead slots FIRST to 15 flocked,
# as by deliveries at work (their descriptors in $slots); release_slots
# lets them go.
hold_slots() {
	local i fd
	slots=()
	for i in $(seq "$1" 15); do
		exec {fd}<>"$VAULT_DIR/.state/local/wa-wal/$i"
		flock "$fd"
		slots+=("$fd")
	done
}

release_slots() {
	local fd
	for fd in "${slots[@]}"; do exec {fd}<&-; done
}

@test "a delivery killed before its record is durable is not answered; the retry files it once" {
	local wal=$VAULT_DIR/.state/local/wa-wal pid
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	[ -d "$wal" ]
	# every slot held, as by deliveries at work: this one waits for one
	hold_slots 0
	"$META" payload text wamid.KILL2 "not yet durable" >"$P"
	post_bg "$P"
	sleep 0.3
	kill -9 "$pid"
	wait "$pid" || true
	release_slots
	[ ! -s "$BATS_TEST_TMPDIR/out" ]       # no answer: Meta retries
	[ "$(items | wc -l)" -eq 0 ]
	[ "$(pending)" -eq 0 ]
	cgi_post "$P"
	status_is "200 OK"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(pending)" -eq 0 ]
}

@test "a delivery killed while filing a record left undone is not answered; nothing is lost or doubled" {
	local lock=$VAULT_DIR/.state/local/wa.lock pid fd
	"$META" status delivered wamid.NONE >"$P.0"
	cgi_post "$P.0"
	"$META" payload text wamid.KILL3 "the first" >"$P"
	exec {fd}<>"$lock"
	flock "$fd"
	post_bg "$P"
	wait_for grep -q '^Status: 200' "$BATS_TEST_TMPDIR/out"
	sleep 0.2
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(pending)" -eq 1 ]
	# the other slots held, as by deliveries at work: the next delivery
	# takes that one and files its record first, under the lock still
	# held: killed there, before its own record and answer
	hold_slots 1
	"$META" payload text wamid.KILL4 "the second" >"$P.2"
	post_bg "$P.2"
	sleep 0.5
	kill -9 "$pid"
	wait "$pid" || true
	exec {fd}<&-
	release_slots
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	[ "$(items | wc -l)" -eq 0 ]
	[ "$(pending)" -eq 1 ]
	# Meta's retry of the second: both filed, once each
	cgi_post "$P.2"
	status_is "200 OK"
	cgi_post "$P"
	cgi_post "$P.2"
	[ "$(pending)" -eq 0 ]
	# each text filed once (the first, filed after the second, joins
	# nothing: a join never goes back in time)
	[ "$(cat "$VAULT_DIR"/Needs_Action/whatsapp/*.md | grep -c '^the first$')" -eq 1 ]
	[ "$(cat "$VAULT_DIR"/Needs_Action/whatsapp/*.md | grep -c '^the second$')" -eq 1 ]
}

# wal_record SLOT FILE [torn]: FILE written as slot SLOT's record, not
# done, and the slot marked in wa-wal/left, as a delivery answered 200
# leaves them (torn: its hash wrong).
wal_record() {
	mkdir -p "$VAULT_DIR/.state/local/wa-wal"
	python3 - "$VAULT_DIR/.state/local/wa-wal" "$1" "$2" "${3:-}" <<'PY'
import hashlib, os, struct, sys
d, slot = sys.argv[1], int(sys.argv[2])
body = open(sys.argv[3], "rb").read()
n = struct.pack("<I", len(body))
h = hashlib.blake2b(n + body, digest_size=32).digest()
if sys.argv[4]:
    h = bytes([h[0] ^ 1]) + h[1:]
rec = (b"AIE-WAL1TODO" + n + h).ljust(64, b"\0") + body
open("%s/%d" % (d, slot), "wb").write(rec.ljust(65536, b"\0"))
left = "%s/left" % d
if os.path.exists(left):
    with open(left, "r+b") as f:
        f.seek(slot)
        f.write(b"T")
PY
}

@test "a record left undone is filed by the next delivery; a torn one is passed over" {
	echo WA_JOIN_WINDOW=0 >>"$AI_EMPLOYEE_CONFIG"
	"$META" payload text wamid.W1 "left in slot 3" >"$P.1"
	"$META" payload text wamid.W2 "torn in slot 5" >"$P.2"
	wal_record 3 "$P.1"
	wal_record 5 "$P.2" torn
	[ "$(pending)" -eq 2 ]
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	grep -q '^left in slot 3$' "$(items)"
	[ "$(head -c 12 "$VAULT_DIR/.state/local/wa-wal/3" | tr -d "\\0")" = AIE-WAL1DONE ]
	# the torn one marked done, not read again
	[ "$(head -c 12 "$VAULT_DIR/.state/local/wa-wal/5" | tr -d "\\0")" = AIE-WAL1DONE ]
	# the torn one was never answered: Meta delivers it again
	cgi_post "$P.2"
	[ "$(items | wc -l)" -eq 2 ]
	run ! grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "a record whose mark a crash of the machine lost is filed by the first delivery of the new boot" {
	local wal=$VAULT_DIR/.state/local/wa-wal
	echo WA_JOIN_WINDOW=0 >>"$AI_EMPLOYEE_CONFIG"
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	[ -s "$wal/left" ]
	# the record durable in slot 4, its mark 'D' as the disk kept it, and
	# the boot time an older boot's
	"$META" payload text wamid.BOOT1 "the mark was lost" >"$P.1"
	wal_record 4 "$P.1"
	python3 - "$wal/left" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4); f.write(b"D")
    f.seek(16); f.write((1000).to_bytes(8, "little"))
PY
	cgi_post "$P"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	grep -q '^the mark was lost$' "$(items)"
	[ "$(pending)" -eq 0 ]
	# the boot time written back: the next deliveries trust the marks
	[ "$(python3 -c 'import sys; print(int.from_bytes(open(sys.argv[1], "rb").read()[16:24], "little") > 1000)' "$wal/left")" = True ]
}

# synced: the folder syncs the deliveries' group has finished (wa-sync's
# second counter).
synced() {
	python3 -c 'import sys; print(int.from_bytes(open(sys.argv[1], "rb").read()[8:16], "little"))' \
	    "$VAULT_DIR/.state/local/wa-sync"
}

# hold_sync: wa-sync's flock held, as by a delivery syncing the folder,
# by a process of its own (the deliveries must not inherit it), until
# release_sync.
hold_sync() {
	flock "$VAULT_DIR/.state/local/wa-sync" sh -c 'touch "$1.held"; while [ ! -e "$1.go" ]; do sleep 0.05; done' \
	    sh "$BATS_TEST_TMPDIR/lock" &
	holder=$!
	wait_for test -e "$BATS_TEST_TMPDIR/lock.held"
}

release_sync() {
	touch "$BATS_TEST_TMPDIR/lock.go"
	wait "$holder"
}

@test "deliveries at once share one sync of the folder, and are all filed" {
	local i n0 holder pids=()
	echo WA_JOIN_WINDOW=0 >>"$AI_EMPLOYEE_CONFIG"
	"$META" payload text wamid.G0 "the first" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
	n0=$(synced)
	# one delivery is syncing the folder: eight more come meanwhile
	hold_sync
	for i in 1 2 3 4 5 6 7 8; do
		WA_FROM=1555000000$i "$META" payload text "wamid.G$i" "group $i" >"$P.$i"
		post_bg "$P.$i"
		pids+=("$pid")
	done
	# each has its item in place (written and fsynced before its rename)
	# and waits for the sync before its record is done
	wait_for eval '[ "$(items | wc -l)" -eq 9 ]'
	[ "$(pending)" -eq 8 ]
	sleep 0.5
	release_sync
	for pid in "${pids[@]}"; do wait "$pid"; done
	for i in 1 2 3 4 5 6 7 8; do
		grep -qx "group $i" "$VAULT_DIR"/Needs_Action/whatsapp/*.md
	done
	[ "$(tmps)" -eq 0 ]
	[ "$(pending)" -eq 0 ]
	# one fsync of the folder made the eight renames durable, not eight
	[ $(($(synced) - n0)) -le 2 ]
	run ! grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "a delivery killed before the folder's sync is filed again by the next: its item whole and once" {
	local f holder
	echo WA_JOIN_WINDOW=0 >>"$AI_EMPLOYEE_CONFIG"
	WA_FROM=15550000099 "$META" payload text wamid.GK0 "before" >"$P.1"
	cgi_post "$P.1"
	[ -e "$VAULT_DIR/.state/local/wa-sync" ]
	rm "$(items)"
	"$META" status delivered wamid.NONE >"$P.0"
	"$META" payload text wamid.GKILL "killed before its sync" >"$P"
	hold_sync
	post_bg "$P"
	wait_for eval '[ "$(items | wc -l)" -eq 1 ]'
	kill -9 "$pid"
	wait "$pid" || true
	release_sync
	grep -q '^Status: 200' "$BATS_TEST_TMPDIR/out"
	[ "$(pending)" -eq 1 ]
	f=$(items)
	# whole: fsynced before its rename
	[ "$(grep -c '^---$' "$f")" -eq 2 ]
	grep -qx 'killed before its sync' "$f"
	# the next delivery files the record again: its item is there, so
	# none is added, and the record is done
	cgi_post "$P.0"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(fm wamid "$f")" = wamid.GKILL ]
	[ "$(pending)" -eq 0 ]
	# Meta's retry is dropped
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
}

@test "filing a record again trusts a wamid seen only with its item there" {
	local st=$VAULT_DIR/.state/local b
	b=$(python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print("%02x" % (h % 256))' wamid.R1)
	mkdir -p "$st/wa-ids.d"
	# what a crash leaves: the wamid recorded, its item's rename lost
	echo "wamid.R1 WA_20250101T000000Z_abcdef" >"$st/wa-ids.d/$b"
	"$META" payload text wamid.R1 "its rename was lost" >"$P.1"
	# Meta's retry alone trusts the record (the owner may have deleted it)
	cgi_post "$P.1"
	status_is "200 OK"
	[ "$(items | wc -l)" -eq 0 ]
	# the record of the answered delivery is filed again
	wal_record 0 "$P.1"
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
	grep -q '^its rename was lost$' "$(items)"
	# and once there, it is not filed a third time
	wal_record 0 "$P.1"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
}

@test "deliveries of one payload at once, and of payloads sharing a message, make one item per wamid" {
	local i sig sig2
	"$META" payload text wamid.SAME1 "once only" >"$P"
	sig=$("$META" sign "$SECRET" "$P")
	"$META" payload image wamid.SAME1 "once only" >"$P.2"
	sig2=$("$META" sign "$SECRET" "$P.2")
	for i in 1 2 3 4 5 6; do
		env REQUEST_METHOD=POST REMOTE_ADDR=127.0.0.1 \
		    CONTENT_TYPE=application/json CONTENT_LENGTH="$(stat -c %s "$P")" \
		    HTTP_X_HUB_SIGNATURE_256="$sig" "$AIE_CGI/wa-webhook.cgi" \
		    <"$P" >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		env REQUEST_METHOD=POST REMOTE_ADDR=127.0.0.1 \
		    CONTENT_TYPE=application/json CONTENT_LENGTH="$(stat -c %s "$P.2")" \
		    HTTP_X_HUB_SIGNATURE_256="$sig2" "$AIE_CGI/wa-webhook.cgi" \
		    <"$P.2" >"$BATS_TEST_TMPDIR/out2.$i" 2>&1 &
	done
	wait
	for i in 1 2 3 4 5 6; do
		grep -q '^Status: 200' "$BATS_TEST_TMPDIR/out.$i" || fail "$(cat "$BATS_TEST_TMPDIR/out.$i")"
		grep -q '^Status: 200' "$BATS_TEST_TMPDIR/out2.$i" || fail "$(cat "$BATS_TEST_TMPDIR/out2.$i")"
	done
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(cat "$VAULT_DIR"/.state/local/wa-ids.d/* | grep -c '^wamid.SAME1 ')" -eq 1 ]
	[ "$(grep -c '"event":"whatsapp_new"' "$VAULT_DIR"/Logs/*.jsonl)" -eq 1 ]
	# the losers' temporary files are gone
	[ "$(tmps)" -eq 0 ]
}

@test "a message with an urgent word of the handbook is priority high" {
	sed -i 's/^- asap$/- asap\n- refund/' "$VAULT_DIR/Company_Handbook.md"
	"$META" payload text wamid.U1 "I want a REFUND now" >"$P"
	cgi_post "$P"
	[ "$(fm priority)" = high ]
	grep -q '"event":"whatsapp_new".*"note":"urgent"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "an urgent message is told to the owner at once, once, with the sender and the item" {
	owner_wa
	"$META" payload text wamid.URG1 "URGENT: the machine you sold me is on fire" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ "$(fm priority)" = high ]
	[ "$(fake_count '.parsed.to == "+15550002222"')" -eq 1 ]
	run ! grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
	jq -e --arg id "$(basename "$(items)" .md)" '.parsed.text.body |
	    contains("Urgent: a WhatsApp message from Alice Example (+15551234567)") and
	    contains("the machine you sold me is on fire") and contains($id)' "$FAKE_LOG"
	# Meta's retry, and a later text joining the item, tell nobody again
	cgi_post "$P"
	TS=$(($(date +%s) + 5)) "$META" payload text wamid.URG2 "urgent, please call" >"$P"
	cgi_post "$P"
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(fake_count '.parsed.to == "+15550002222"')" -eq 1 ]
	# a message without an urgent word tells nobody
	"$META" payload image wamid.CALM1 "a photo" >"$P"
	cgi_post "$P"
	[ "$(fake_count)" -eq 1 ]
}

@test "after the answer, notify-wa failing is a whatsapp_error line of the agent's log" {
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	printf '#!/bin/sh\ncat >/dev/null\necho "notify-wa: WA_TO: not a phone number" >&2\nexit 78\n' >"$bin/notify-wa"
	chmod +x "$bin/notify-wa"
	"$META" payload text wamid.ERR1 "urgent: call me" >"$P"
	PATH=$bin:$PATH cgi_post "$P"
	status_is "200 OK"
	[ -z "$stderr" ]
	# written after the answer, by the CGI going on alone
	wait_for grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
	grep '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl >"$BATS_TEST_TMPDIR/err"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" -eq 1 ]
	grep -q '"note":"notify-wa --kind urgent --key wa-urgent-WA_[^ ]*: notify-wa: WA_TO: not a phone number"' "$BATS_TEST_TMPDIR/err"
}

# Meta has its 200 before the owner is told, who is told within 5 s,
# through nginx and serve's $1
answered_first() {
	owner_wa
	# the owner's message takes 3 s to be accepted
	fake_reply '{"match":"/messages","delay":3,"json":{"messaging_product":"whatsapp","messages":[{"id":"wamid.OWNER1"}]}}'
	printf 'WA_PROVIDER=cloud\nWA_GRAPH_URL=%s\nWA_PHONE_NUMBER_ID=2098765\nWA_TOKEN=EAAGownertoken\nWA_TO=+15550002222\nWA_ATTEMPTS=1\n' \
	    "$FAKE_URL" >>"$AI_EMPLOYEE_CONFIG"
	serve "$@"
	"$META" payload text wamid.NGXU "urgent: call me back" >"$P"
	local t0 t1
	t0=${EPOCHREALTIME/[.,]/}
	run "$META" post "$URL/" "$SECRET" "$P"
	t1=${EPOCHREALTIME/[.,]/}
	assert_line --index 0 200
	[ $(((t1 - t0) / 1000)) -lt 2000 ] || fail "answered after $(((t1 - t0) / 1000)) ms"
	wait_for -t 5 eval '[ "$(fake_count '"'"'.parsed.to == "+15550002222"'"'"')" -eq 1 ]'
	wait_for -t 5 grep -q '| urgent | cloud | sent |' "$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
}

@test "through nginx: Meta has its 200 before the owner is told, who is told within 5 s" {
	command -v /usr/sbin/nginx >/dev/null && command -v /usr/sbin/fcgiwrap >/dev/null ||
	    skip "nginx or fcgiwrap is not installed"
	answered_first
}

@test "through nginx and the FastCGI server: Meta has its 200 before the owner is told" {
	command -v /usr/sbin/nginx >/dev/null || skip "nginx is not installed"
	answered_first fastcgi
}

@test "GET and POST only: another method is 405" {
	run env REQUEST_METHOD=PUT "$AIE_CGI/wa-webhook.cgi"
	status_is "405 Method Not Allowed"
}

# the handshake, a good, a replayed and a forged delivery through nginx
nginx_round() {
	run curl -s "$URL/?hub.mode=subscribe&hub.challenge=987654&hub.verify_token=verify-me-42"
	assert_output 987654
	run curl -s -o /dev/null -w '%{http_code}' "$URL/?hub.mode=subscribe&hub.challenge=9&hub.verify_token=no"
	assert_output 403
	"$META" payload text wamid.NGX1 "through nginx" >"$P"
	run "$META" post "$URL/" "$SECRET" "$P"
	assert_output "200
ok"
	run "$META" post "$URL/" "$SECRET" "$P"
	assert_line --index 0 200
	[ "$(items | wc -l)" -eq 1 ]
	grep -q '^through nginx$' "$(items)"
	"$META" payload text wamid.NGX2 "forged" >"$P"
	run "$META" post "$URL/" "$SECRET" "$P" --forge
	assert_line --index 0 401
	run "$META" post "$URL/" "$SECRET" "$P" --unsigned
	assert_line --index 0 401
	[ "$(items | wc -l)" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/web/logs/*.log | grep -c 'wrong signature, payload dropped (from 127.0.0.1)')" -eq 1 ]
}

@test "through nginx and fcgiwrap: handshake, a good, a replayed and a forged delivery" {
	command -v /usr/sbin/nginx >/dev/null && command -v /usr/sbin/fcgiwrap >/dev/null ||
	    skip "nginx or fcgiwrap is not installed"
	serve
	nginx_round
}

@test "through nginx and its own FastCGI server (-s): handshake, a good, a replayed and a forged delivery" {
	command -v /usr/sbin/nginx >/dev/null || skip "nginx is not installed"
	serve fastcgi
	nginx_round
	# each request a child of a worker, gone once filed: the server and
	# its two workers are what stays
	wait_for eval '[ "$(pgrep -g "$(cat "$BATS_TEST_TMPDIR/web/fcgiwrap.pid")" | wc -l)" -eq 3 ]'
}
