# t/wa.bash - what the WhatsApp tests share (t/35, t/39; t/37, t/67 and
# t/69 for mkwa): the webhook's CGI run as fcgiwrap runs it, the items it
# files, the owner's WhatsApp on the fake Graph API, and the CGI behind a
# real nginx + fcgiwrap.
# shellcheck shell=bash
# P and R are for the tests that load this; lines and stderr are bats's.
# shellcheck disable=SC2034,SC2154,SC2094

META="$T_DIR/fake/meta.py"
SECRET=app-secret-0f1e2d

# wa_setup [AGENT]: a vault of AGENT (default local) and the webhook's keys.
wa_setup() {
	common_setup
	vault-init -q ${1:+-a "$1"} "$VAULT_DIR" >/dev/null
	[ -z "${1:-}" ] || export VAULT_AGENT=$1
	printf 'WA_APP_SECRET=%s\nWA_VERIFY_TOKEN=verify-me-42\n' "$SECRET" \
	    >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	P="$BATS_TEST_TMPDIR/payload.json"
}

# cgi_get QUERY: the handshake, the CGI's whole reply in $output.
cgi_get() {
	run --separate-stderr env REQUEST_METHOD=GET QUERY_STRING="$1" REMOTE_ADDR=127.0.0.1 \
	    "$AIE_CGI/wa-webhook.cgi"
}

# cgi_post FILE [SIGNATURE]: a delivery of FILE, signed with $SECRET unless
# SIGNATURE is given ("" for none); the CGI's reply in $output, its log in
# $stderr.
cgi_post() {
	local sig
	if [ $# -ge 2 ]; then sig=$2; else sig=$("$META" sign "$SECRET" "$1"); fi
	run --separate-stderr env REQUEST_METHOD=POST REMOTE_ADDR=127.0.0.1 \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$(stat -c %s "$1")" \
	    HTTP_X_HUB_SIGNATURE_256="$sig" "$AIE_CGI/wa-webhook.cgi" <"$1"
}

# status_is "200 OK": the status line of the reply in $output.
status_is() {
	local got=${lines[0]%$'\r'}
	[ "$got" = "Status: $1" ] || { echo "status: $got, want $1" >&2; return 1; }
}

# items: the whatsapp items, one path a line.
items() {
	find "$VAULT_DIR/Needs_Action/whatsapp" -name 'WA_*.md' | sort
}

# fm KEY [FILE]: a front-matter value of FILE (default: the only item).
fm() {
	local f=${2:-$(items)}
	sed -n "/^---\$/,/^---\$/{s/^$1: //p}" "$f" | sed 's/^"\(.*\)"$/\1/'
}

# mkwa ID RECEIVED [TEXT] [STAGE]: a customer's message as wa-webhook.cgi
# files it (see vault(5)), in Needs_Action, or with STAGE Done in Done of
# its month; TEXT by default "Is my order ready?".
mkwa() {
	local d="$VAULT_DIR/Needs_Action/whatsapp"
	[ "${4:-}" != Done ] || d="$VAULT_DIR/Done/whatsapp/${2:0:7}"
	mkdir -p "$d"
	cat >"$d/$1.md" <<EOT
---
type: whatsapp
id: $1
created: $2
domain: whatsapp
status: new
from: Alice Example (+15551234567)
wa_id: "15551234567"
profile_name: Alice Example
subject: WhatsApp from Alice Example (+15551234567)
message_type: text
wamid: wamid.IN_$1
received: $2
priority: normal
---
${3:-Is my order ready?}
EOT
}

# mkreply ID WAMID: a reply sent to the customer, as vault-exec leaves it.
mkreply() {
	local m
	m=$(date -u +%Y-%m)
	mkdir -p "$VAULT_DIR/Done/whatsapp/$m"
	cat >"$VAULT_DIR/Done/whatsapp/$m/$1.md" <<EOT
---
type: whatsapp_draft
id: $1
domain: whatsapp
status: done
action: send_whatsapp
to: "15551234567"
exec_status: sent
exec_message_id: $2
---
Your order ships tomorrow.
EOT
	R="$VAULT_DIR/Done/whatsapp/$m/$1.md"
}

# owner_wa: the owner's WhatsApp through the fake Graph API (t/fake/api.py),
# as the cloud has it: a second number that only tells the owner, with its
# own token; the business number's token (FAKE_WA_TOKEN) is not here.
owner_wa() {
	export FAKE_WA_TOKEN=EAAGbusinesstoken FAKE_WA_PHONE_ID=1098765 \
	    FAKE_WA_NOTIFY_TOKEN=EAAGownertoken FAKE_WA_NOTIFY_PHONE_ID=2098765
	fake_start
	export WA_PROVIDER=cloud WA_GRAPH_URL="$FAKE_URL" WA_API_VERSION=v21.0 \
	    WA_PHONE_NUMBER_ID=2098765 WA_TOKEN=EAAGownertoken WA_TO=+15550002222 \
	    WA_ATTEMPTS=1 AIE_HTTP_BACKOFF=0.01
}

# serve [fastcgi]: wa-webhook.cgi behind nginx + fcgiwrap on a free
# loopback port (with fastcgi: its own FastCGI server, -s, instead of
# fcgiwrap), configured as share/deploy/render-nginx.sh configures the
# dashboard (the body cap raised to 4 MB as for the webhook's location);
# $URL set.
serve() {
	local dir="$BATS_TEST_TMPDIR/web" port user=""
	port=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	SOCKDIR=$(mktemp -d /tmp/aie-wa.XXXXXX)
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		user="nobody nogroup"
		chgrp nogroup "$SOCKDIR"
		chmod 0750 "$SOCKDIR"
	fi
	"$TOP/share/deploy/render-nginx.sh" ${user:+-u "$user"} -o "$dir/nginx.conf" \
	    "$dir" "127.0.0.1:$port" "$SOCKDIR/s.sock" "$AIE_CGI/wa-webhook.cgi"
	sed -i 's/client_max_body_size 1m;/client_max_body_size 4m;/' "$dir/nginx.conf"
	if [ "${1:-}" = fastcgi ]; then
		(umask 007; setsid "$AIE_CGI/wa-webhook.cgi" -s "unix:$SOCKDIR/s.sock" -c 2 \
		    </dev/null >>"$dir/logs/fcgi.log" 2>&1 & echo $! >"$dir/fcgiwrap.pid")
	else
		(umask 007; setsid /usr/sbin/fcgiwrap -c 2 -s "unix:$SOCKDIR/s.sock" \
		    </dev/null >>"$dir/logs/fcgiwrap.log" 2>&1 & echo $! >"$dir/fcgiwrap.pid")
	fi
	wait_for test -S "$SOCKDIR/s.sock"
	[ -z "$user" ] || chgrp nogroup "$SOCKDIR/s.sock"
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
	URL="http://127.0.0.1:$port"
	wait_for curl -s -o /dev/null "$URL/"
}

wa_teardown() {
	local dir="$BATS_TEST_TMPDIR/web"
	fake_stop
	# the TLS site's (t/39)
	[ -f "$BATS_TEST_TMPDIR/web-nginx.pidfile" ] &&
	    kill "$(cat "$(cat "$BATS_TEST_TMPDIR/web-nginx.pidfile")")" 2>/dev/null
	[ -f "$BATS_TEST_TMPDIR/web-fcgiwrap.pid" ] &&
	    kill -- "-$(cat "$BATS_TEST_TMPDIR/web-fcgiwrap.pid")" 2>/dev/null
	[ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null
	[ -f "$dir/fcgiwrap.pid" ] && kill -- "-$(cat "$dir/fcgiwrap.pid")" 2>/dev/null
	[ -z "${SOCKDIR:-}" ] || rm -rf "$SOCKDIR"
	return 0
}

