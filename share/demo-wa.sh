# demo-wa.sh - sourced by demo.sh: the WhatsApp step of the demo. A
# customer's message arrives as Meta delivers it (t/fake/meta.py makes the
# payload and signs it with the app secret) and is handed to wa-webhook.cgi
# as the web server runs it (CGI variables, the body on standard input); the
# cloud claims it and drafts a reply (draft-email), the owner approves it
# with the rest, local's vault-exec sends it to the fake Graph API
# (demo-fakes.sh); wa_check wants exactly one message to the customer there.
#
# Uses from demo.sh: $top, $demo, $py, $cloud_dir, $cloud, $AIE_CGI, die,
# step, fake_seen.
# The variables it uses and sets are demo.sh's (SC2154, SC2034).
# shellcheck shell=sh disable=SC2154,SC2034

wa_customer=15551234567	# meta.py's sender, Alice Example

wa_arrive() {
	secret=demo-app-secret
	"$py" "$top/t/fake/meta.py" payload text "wamid.DEMO$$" \
	    "Hi, is my order 1234 ready to collect?" >"$demo/wa.json"
	sig=$("$py" "$top/t/fake/meta.py" sign "$secret" "$demo/wa.json")
	env REQUEST_METHOD=POST REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$(wc -c <"$demo/wa.json")" \
	    HTTP_X_HUB_SIGNATURE_256="$sig" WA_APP_SECRET="$secret" \
	    VAULT_DIR="$cloud_dir" VAULT_AGENT="$cloud" \
	    "$AIE_CGI/wa-webhook.cgi" <"$demo/wa.json" >"$demo/wa.reply" 2>"$demo/err" ||
	    die "wa-webhook.cgi failed: $(cat "$demo/err")"
	reply=$(head -n 1 "$demo/wa.reply" | tr -d '\r')
	[ "$reply" = "Status: 200 OK" ] || die "wa-webhook.cgi answered \"$reply\", not 200 OK: $(cat "$demo/err")"
	wa=$(cd "$cloud_dir" && find Needs_Action/whatsapp -name 'WA_*.md')
	[ "$(echo "$wa" | wc -w)" -eq 1 ] || die "wa-webhook.cgi filed \"$wa\", expected one item"
	step "$cloud" "a WhatsApp message from Alice: Meta's signed delivery, handed to wa-webhook.cgi as nginx runs it, 200 OK: $wa"
}

wa_draft() {
	wa_claimed=$(echo "$wa" | vault-claim -q -C "$cloud_dir" -a "$cloud" - 2>"$demo/err") ||
	    die "vault-claim failed: $(cat "$demo/err")"
	wa_reply=$(echo "$wa_claimed" | draft-email -q -C "$cloud_dir" -a "$cloud" - 2>"$demo/err") ||
	    die "draft-email (WhatsApp) failed: $(cat "$demo/err")"
	wa_id=$(basename "$wa" .md)
	wa_reply_id=$(basename "$wa_reply" .md)
	step "$cloud" "vault-claim, draft-email: a WhatsApp reply: $wa_reply"
}

wa_done() {
	f=$(find "$demo/local/Done" -name "$wa_reply_id.md")
	[ -n "$f" ] || die "the WhatsApp reply $wa_reply_id is not in Done/ after vault-exec"
	step local "vault-exec: WhatsApp reply sent to +$wa_customer (fake Graph API): $(sed -n 's/^exec_message_id: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f")"
}

wa_check() {
	n=$(fake_seen api parsed.to "$wa_customer")
	[ "$n" -eq 1 ] || die "the fake Graph API got $n message(s) to +$wa_customer, expected exactly 1"
	n=$(fake_seen api problem)
	[ "$n" -eq 0 ] || die "the fake Graph API and Odoo saw $n request(s) breaking their API (see $demo/fake/api/log)"
}
