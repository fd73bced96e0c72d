#!/usr/bin/env bats
# The WhatsApp webhook as the cloud agent runs it: the keys it holds (the
# app secret, a media token, a token that only tells the owner; never the
# send token), statuses that arrive before their reply has synced, and the
# owner's own number asking for the state of things.
load helper
load fake/fake
load wa

setup() {
	wa_setup cloud
}

teardown() {
	wa_teardown
}

# cloud_keys: the cloud's WhatsApp keys as env.cloud.example lists them,
# against the fake Graph API: the notify number (owner_wa) and a token that
# reads the business number's media.
cloud_keys() {
	export FAKE_WA_MEDIA_TOKEN=EAAGmediatoken
	owner_wa
	printf 'WA_MEDIA_TOKEN=EAAGmediatoken\n' >>"$AI_EMPLOYEE_CONFIG"
}

@test "the cloud without the send key files a message, fetches its media and tells the owner at once" {
	cloud_keys
	"$META" payload image wamid.CL1 "urgent: the parcel came broken" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	[ -z "$stderr" ]
	[ "$(fm priority)" = high ]
	# told through the owner's number with its own token
	[ "$(fake_count '.path == "/v21.0/2098765/messages" and .auth == "Bearer EAAGownertoken" and .parsed.to == "+15550002222"')" -eq 1 ]
	run -0 --separate-stderr wa-media
	[ -z "$stderr" ]
	assert_output "Media/whatsapp/$(basename "$(items)" .md).jpg"
	[ "$(fake_count '.auth == "Bearer EAAGmediatoken"')" -eq 2 ]
	# nothing ever went out as the business
	[ "$(fake_count '.path == "/v21.0/1098765/messages"')" -eq 0 ]
	[ "$(fake_count '.auth == "Bearer EAAGbusinesstoken"')" -eq 0 ]
}

@test "the send key on the cloud is named in a warning, its value never" {
	cloud_keys
	printf 'WA_SEND_TOKEN=EAAGsecretsendvalue\n' >>"$AI_EMPLOYEE_CONFIG"
	run -1 --separate-stderr wa-media
	[[ $stderr == *"this machine is agent cloud"*WA_SEND_TOKEN* ]]
	[[ $stderr != *EAAGsecretsendvalue* ]]
	# and replies are refused on the cloud whatever it holds
	run --separate-stderr wa-send DRAFT_WA_NONE
	assert_failure
	[[ $stderr != *EAAGsecretsendvalue* ]]
}

# late FILE: the statuses kept for later on this agent.
LATE() {
	echo "$VAULT_DIR/.state/cloud/wa-late"
}

@test "a status before its reply synced is kept, then applied when the reply is there" {
	"$META" status sent wamid.LATE1 >"$P"
	cgi_post "$P"
	status_is "200 OK"
	grep -q '"id":"wamid.LATE1","status":"sent"' "$(LATE)"
	"$META" status delivered wamid.LATE1 >"$P"
	cgi_post "$P"
	[ "$(wc -l <"$(LATE)")" -eq 2 ]
	# the sync brings the reply; the minute timer's wa-media applies both
	mkreply DRAFT_WA_7 wamid.LATE1
	run -0 --separate-stderr wa-media
	[ -z "$stderr" ]
	grep -qx 'wa_status: delivered' "$R"
	[ ! -e "$(LATE)" ]
	[ "$(grep -c '"event":"whatsapp_status","id":"DRAFT_WA_7".*"note":"late: ' "$VAULT_DIR"/Logs/*.jsonl)" -eq 2 ]
	# nothing left: nothing to do
	run -1 wa-media
}

@test "a late failed status is applied at the next delivery and tells the owner once" {
	owner_wa
	"$META" status failed wamid.LATE2 131026 >"$P"
	cgi_post "$P"
	[ "$(fake_count)" -eq 0 ]
	mkreply DRAFT_WA_8 wamid.LATE2
	"$META" payload text wamid.IN8 "thanks" >"$P"
	cgi_post "$P"
	status_is "200 OK"
	grep -qx 'wa_status: failed' "$R"
	grep -qx 'wa_error: "131026"' "$R" || grep -qx 'wa_error: 131026' "$R"
	[ "$(fake_count '.parsed.to == "+15550002222" and (.parsed.text.body | contains("DRAFT_WA_8"))')" -eq 1 ]
	cgi_post "$P"
	run -1 wa-media
	[ "$(fake_count '.parsed.to == "+15550002222"')" -eq 1 ]
}

@test "statuses of the owner's own notifications are rows of the notification log, late ones too" {
	owner_wa
	local log id
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
	id=$(notify-wa -q "the weekly numbers are in")
	[[ $id == wamid.* ]]
	"$META" status delivered "$id" >"$P"
	cgi_post "$P"
	grep -q "| status | cloud | delivered | $id |" "$log"
	[ ! -e "$(LATE)" ]
	# one the local agent sent, whose log row has not synced yet
	"$META" status read wamid.LOCALNOTE1 >"$P"
	cgi_post "$P"
	grep -q wamid.LOCALNOTE1 "$(LATE)"
	printf '| 2026-12-05T10:00:00Z | local | error | cloud | sent | wamid.LOCALNOTE1 | smtp down |\n' >>"$log"
	run -0 wa-media
	grep -q "| status | cloud | read | wamid.LOCALNOTE1 |" "$log"
	[ ! -e "$(LATE)" ]
}

@test "an owner's notification failed outside the 24-hour window (131047) is sent again as the template, once" {
	owner_wa
	export WA_TEMPLATE=owner_alert WA_TEMPLATE_LANG=en_US
	local log id
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
	id=$(notify-wa -q --kind urgent "the cold room | is at 12 C")
	[ "$(fake_count '.parsed.type == "text"')" -eq 1 ]
	"$META" status failed "$id" 131047 >"$P"
	cgi_post "$P"
	status_is "200 OK"
	grep -q "| status | cloud | failed | $id error 131047 |" "$log"
	# sent by the CGI going on alone after the answer
	wait_for eval '[ "$(fake_count '"'"'.parsed.type == "template"'"'"')" -eq 1 ]'
	wait_for grep -q "| urgent | cloud | sent (template) | " "$log"
	jq -s -e '[.[] | select(.parsed.type == "template")][0].parsed |
	    .to == "+15550002222" and .template.name == "owner_alert" and
	    (.template.components[0].parameters[0].text | contains("the cold room | is at 12 C"))' "$FAKE_LOG"
	grep -q "| urgent | cloud | sent (template) | " "$log"
	# Meta's retry, another failure code, a template's failure: no more
	cgi_post "$P"
	"$META" status failed "$id" 131026 >"$P"
	cgi_post "$P"
	local tid
	tid=$(grep "sent (template)" "$log" | tail -n 1 | awk -F' [|] ' '{print $6}')
	"$META" status failed "$tid" 131047 >"$P"
	cgi_post "$P"
	[ "$(fake_count '.parsed.type == "template"')" -eq 1 ]
	run ! grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "a 131047 kept until its notification's row synced is sent again as the template, once, by a delivery or by wa-media" {
	owner_wa
	export WA_TEMPLATE=owner_alert WA_TEMPLATE_LANG=en_US
	local log w
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%Y-%m-%d).md"
	# the local agent's notifications, failed outside the window before
	# their log rows synced: kept
	for w in 1 2; do
		"$META" status failed "wamid.LOCALOUT$w" 131047 >"$P"
		cgi_post "$P"
		status_is "200 OK"
		grep -q "wamid.LOCALOUT$w" "$(LATE)"
	done
	[ "$(fake_count)" -eq 0 ]
	notify-wa -q "the log exists" >/dev/null
	printf '| 2026-12-05T10:00:00Z | local | urgent | cloud | sent | wamid.LOCALOUT1 | the freezer | is off |\n' >>"$log"
	# the next delivery settles it and sends the template after its answer
	"$META" status delivered wamid.NONE >"$P"
	cgi_post "$P"
	status_is "200 OK"
	wait_for eval '[ "$(fake_count '"'"'.parsed.type == "template"'"'"')" -eq 1 ]'
	jq -s -e '[.[] | select(.parsed.type == "template")][0].parsed |
	    .to == "+15550002222" and .template.name == "owner_alert" and
	    (.template.components[0].parameters[0].text | contains("the freezer"))' "$FAKE_LOG"
	wait_for grep -q "| urgent | cloud | sent (template) | " "$log"
	grep -q "| status | cloud | failed | wamid.LOCALOUT1 error 131047 |" "$log"
	# the minute timer's wa-media settles the other
	printf '| 2026-12-05T10:01:00Z | local | error | cloud | sent | wamid.LOCALOUT2 | the backup failed |\n' >>"$log"
	run -0 --separate-stderr wa-media
	[ "$(fake_count '.parsed.type == "template"')" -eq 2 ]
	jq -s -e '[.[] | select(.parsed.type == "template")][1].parsed.template.components[0].parameters[0].text |
	    contains("the backup failed")' "$FAKE_LOG"
	run ! grep -q LOCALOUT "$(LATE)"
	# Meta's retries of both: applied at once now, no third template
	for w in 1 2; do
		"$META" status failed "wamid.LOCALOUT$w" 131047 >"$P"
		cgi_post "$P"
	done
	sleep 1
	run -1 wa-media
	[ "$(fake_count '.parsed.type == "template"')" -eq 2 ]
	run ! grep -q '"event":"whatsapp_error"' "$VAULT_DIR"/Logs/*.jsonl
}

@test "kept statuses past WA_LATE_DAYS are dropped, unreadable lines too" {
	mkdir -p "$(dirname "$(LATE)")"
	{
		printf '{"id":"wamid.OLD","status":"sent","timestamp":1,"error_code":0,"kept":%d}\n' $(($(date +%s) - 8 * 86400))
		printf 'not json\n'
		printf '{"id":"wamid.NEW","status":"sent","timestamp":1,"error_code":0,"kept":%d}\n' "$(date +%s)"
	} >"$(LATE)"
	run -1 wa-media
	run cat "$(LATE)"
	assert_output --partial wamid.NEW
	refute_output --partial wamid.OLD
	refute_output --partial 'not json'
}

# owner_asks TEXT WAMID: the owner's own number (WA_TO) texts TEXT.
owner_asks() {
	WA_FROM=15550002222 "$META" payload text "$2" "$1" >"$P"
	cgi_post "$P"
	status_is "200 OK"
}

@test "the owner texting status gets the counts and the dashboard link; nothing is filed" {
	owner_wa
	export DASHBOARD_URL=https://dash.example.com/
	mkreply DRAFT_WA_9 wamid.X9
	"$META" payload text wamid.C1 "is the shop open?" >"$P"
	cgi_post "$P"
	owner_asks " Status? " wamid.OWN1
	[ "$(items | wc -l)" -eq 1 ]
	jq -e 'select(.parsed.to == "+15550002222") | .parsed.text.body |
	    contains("*ai-employee status*") and contains("New, to look at: 1") and
	    contains("Waiting for your approval: 0") and
	    contains("https://dash.example.com/")' "$FAKE_LOG"
	grep -q '"event":"whatsapp_owner_asked"' "$VAULT_DIR"/Logs/*.jsonl
	# Meta's retry is not answered twice
	cgi_post "$P"
	[ "$(fake_count '.parsed.to == "+15550002222"')" -eq 1 ]
}

@test "the owner texting pending gets what waits; anything else from the owner is an item, never a decision" {
	owner_wa
	mkdir -p "$VAULT_DIR/Pending_Approval/whatsapp"
	printf -- '---\ntype: whatsapp_draft\nid: DRAFT_WA_P1\nstatus: pending\naction: send_whatsapp\nto: "15551234567"\nsubject: Your order ships tomorrow\n---\nHello\n' \
	    >"$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_P1.md"
	owner_asks PENDING wamid.OWN2
	jq -e 'select(.parsed.to == "+15550002222") | .parsed.text.body |
	    contains("1 draft waits for your approval") and contains("Your order ships tomorrow")' "$FAKE_LOG"
	[ "$(items | wc -l)" -eq 0 ]
	owner_asks "approve DRAFT_WA_P1" wamid.OWN3
	[ -f "$VAULT_DIR/Pending_Approval/whatsapp/DRAFT_WA_P1.md" ]
	[ "$(items | wc -l)" -eq 1 ]
	grep -q '^approve DRAFT_WA_P1$' "$(items)"
	# "status" from a customer is a customer's message
	"$META" payload text wamid.C2 "status" >"$P"
	cgi_post "$P"
	[ "$(fake_count '.parsed.to == "+15550002222"')" -eq 1 ]
}

@test "the TLS site as setup-vm.sh renders it: HTTPS on loopback, a self-signed certificate, real nginx" {
	command -v /usr/sbin/nginx >/dev/null && command -v openssl >/dev/null ||
	    skip "nginx or openssl is not installed"
	local w="$BATS_TEST_TMPDIR/tls" port
	mkdir -p "$w/conf" "$w/logs" "$w/tmp" "$HOME/.config/ai-employee"
	port=$(free_port)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=wa.example.com -addext "subjectAltName=DNS:wa.example.com,IP:127.0.0.1" \
	    -days 1 -keyout "$w/key.pem" -out "$w/cert.pem" 2>/dev/null
	# the request's parameters are the CGI's whole environment: its
	# config is HOME's
	install -m 600 "$AI_EMPLOYEE_CONFIG" "$HOME/.config/ai-employee/env"
	SOCKDIR=$(mktemp -d /tmp/aie-wa.XXXXXX)
	SERVER_NAME=wa.example.com LISTEN="127.0.0.1:$port" CERT="$w/cert.pem" \
	    KEY="$w/key.pem" CGI="$AIE_CGI/wa-webhook.cgi" SOCKET="$SOCKDIR/s.sock" \
	    VAULT_DIR="$VAULT_DIR" HOME="$HOME" LOG_DIR="$w/logs" \
	    "$TOP/share/deploy/render-nginx.sh" -s "$TOP/share/deploy/nginx-wa-webhook.conf" \
	    -o "$w/conf/site.conf"
	run grep -n '@[A-Z_]*@' "$w/conf/site.conf"
	refute_output --regexp '^[0-9]+:[^#]*@'
	# Debian's nginx.conf around it: sites-enabled/ inside http { }
	nginx_around "$w" "$w/conf/site.conf"
	/usr/sbin/nginx -t -q -p "$w/" -c "$w/conf/nginx.conf" -e "$w/logs/error.log"
	# the server as the unit setup-vm.sh writes starts it
	(umask 007; setsid "$AIE_CGI/wa-webhook.cgi" -s "unix:$SOCKDIR/s.sock" -c 4 \
	    </dev/null >>"$w/logs/fcgi.log" 2>&1 & echo $! >"$BATS_TEST_TMPDIR/web-fcgiwrap.pid")
	wait_for test -S "$SOCKDIR/s.sock"
	/usr/sbin/nginx -p "$w/" -c "$w/conf/nginx.conf" -e "$w/logs/error.log"
	echo "$w/nginx.pid" >"$BATS_TEST_TMPDIR/web-nginx.pidfile"
	URL="https://127.0.0.1:$port/webhook/whatsapp"
	run curl -s --cacert "$w/cert.pem" --retry 20 --retry-connrefused --retry-delay 0 \
	    -D "$w/head" "$URL?hub.mode=subscribe&hub.challenge=4711&hub.verify_token=verify-me-42"
	assert_output 4711
	grep -Eqi '^strict-transport-security: max-age=[0-9]{8,}' "$w/head"
	"$META" payload text wamid.TLS1 "over TLS" >"$P"
	CAFILE="$w/cert.pem" run "$META" post "$URL" "$SECRET" "$P"
	assert_output "200
ok"
	grep -q '^over TLS$' "$(items)"
	CAFILE="$w/cert.pem" run "$META" post "$URL" "$SECRET" "$P" --forge
	assert_line --index 0 401
	# only the callback URL; no plain HTTP
	run curl -s -o /dev/null -w '%{http_code}' --cacert "$w/cert.pem" "https://127.0.0.1:$port/"
	assert_output 404
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/webhook/whatsapp"
	refute_output 200
	[ "$(items | wc -l)" -eq 1 ]
}

@test "setup-vm.sh --host installs the webhook's TLS site on the cloud (dry run), and only there" {
	local user="aietest$RANDOM"
	run -0 "$TOP/share/deploy/setup-vm.sh" --dry-run --user "$user" \
	    --remote git@example.com:me/vault.git --host wa.example.com
	assert_output --partial " nginx-light certbot"
	refute_output --partial "fcgiwrap"
	assert_output --partial "== 8. webhook https://wa.example.com/webhook/whatsapp"
	assert_output --partial "wa-webhook.cgi -s as $user on /run/ai-employee/wa-webhook.sock"
	assert_output --partial "systemctl enable --now ai-employee-wa-webhook"
	assert_output --regexp "certbot certonly --webroot -w /var/www/html -d wa.example.com"
	assert_output --regexp "LISTEN=443 CERT=/etc/letsencrypt/live/wa.example.com/fullchain.pem"
	assert_output --regexp "render-nginx.sh -s [^ ]*/nginx-wa-webhook.conf -o /etc/nginx/sites-available/ai-employee-wa-webhook"
	assert_output --partial "+ nginx -t -q"
	run ! id "$user"
	run -0 "$TOP/share/deploy/setup-vm.sh" --dry-run --user "$user" \
	    --remote git@example.com:me/vault.git
	assert_output --partial "not installed: --host NAME"
	run -1 "$TOP/share/deploy/setup-vm.sh" --dry-run --agent local --host wa.example.com
	assert_output --partial "--host is the cloud's"
	run -1 "$TOP/share/deploy/setup-vm.sh" --dry-run --host 'wa.example.com;x' \
	    --remote git@example.com:me/vault.git
	assert_output --partial "bad host name"
}
