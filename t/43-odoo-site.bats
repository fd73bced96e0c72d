#!/usr/bin/env bats
# The HTTPS site of the cloud's Odoo (share/deploy/nginx-odoo.conf, filled
# in by render-odoo-site.sh) served by a real nginx with a self-signed
# certificate in front of the fake Odoo of t/fake, and vault-health's
# certificate check against it and against loopback TLS servers
# (openssl s_server) with short- and long-lived certificates.
load helper
load fake/fake

D="$TOP/share/deploy"

setup() {
	common_setup
	W="$BATS_TEST_TMPDIR/web"
	mkdir -p "$W/conf" "$W/logs" "$W/tmp" "$W/cert"
	PIDS=()
}

teardown() {
	local p
	if [ -f "$W/nginx.pid" ]; then
		kill -TERM "$(cat "$W/nginx.pid")" 2>/dev/null || true
	fi
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${FAKE_PID:-}" ]; then fake_stop; fi
	return 0
}

# cert DIR DAYS: a self-signed certificate for odoo.example.com, localhost
# and 127.0.0.1, valid DAYS days, as certbot lays it out.
cert() {
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=odoo.example.com -days "$2" \
	    -addext 'subjectAltName=DNS:odoo.example.com,DNS:localhost,IP:127.0.0.1' \
	    -keyout "$1/privkey.pem" -out "$1/fullchain.pem" 2>/dev/null
}

# tls_server DIR: openssl s_server on a free loopback port with DIR's
# certificate; its port in PORT.
tls_server() {
	PORT=$(free_port)
	openssl s_server -accept "127.0.0.1:$PORT" -cert "$1/fullchain.pem" \
	    -key "$1/privkey.pem" -quiet </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for -t 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
}

# health_cert: vault-health's cert component as "state detail".
health_cert() {
	vault-health -j --no-notify | jq -r '.components.cert | .state + " " + .detail'
}

@test "render-odoo-site.sh fills every word and refuses what nginx could not take as it is" {
	run --separate-stderr "$D/render-odoo-site.sh" odoo.example.com
	assert_success
	refute_output --regexp '@[A-Z_]+@'
	assert_line '    listen 443 ssl http2;'
	assert_line '    listen [::]:443 ssl http2;'
	assert_line '    listen [::]:80;'
	assert_line '    server_name odoo.example.com;'
	assert_line '    ssl_certificate     /etc/letsencrypt/live/odoo.example.com/fullchain.pem;'
	assert_line '    server 127.0.0.1:8069;'
	assert_line '    server 127.0.0.1:8072;'
	assert_line '    access_log /var/log/nginx/odoo.access.log;'
	"$D/render-odoo-site.sh" -o "$W/conf/odoo" -s 127.0.0.1:8443 -u 10.0.0.5:8069 odoo.example.com
	grep -qx '    listen 127.0.0.1:8443 ssl http2;' "$W/conf/odoo"
	grep -qx '    server 10.0.0.5:8069;' "$W/conf/odoo"
	[ "$(stat -c %a "$W/conf/odoo")" = 644 ]
	for bad in 'odoo example.com' '-x' 'a/b' '' '.odoo' 'x..y'; do
		run --separate-stderr "$D/render-odoo-site.sh" "$bad"
		[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
	done
	run --separate-stderr "$D/render-odoo-site.sh" -c relative/dir odoo.example.com
	assert_failure 1
	[[ "$stderr" == *"not an absolute path"* ]]
	run --separate-stderr "$D/render-odoo-site.sh" -c '/etc/le live' odoo.example.com
	assert_failure 1
	run --separate-stderr "$D/render-odoo-site.sh" -u '127.0.0.1:8069;evil' odoo.example.com
	assert_failure 1
	[[ "$stderr" == *"bad address"* ]]
	run --separate-stderr "$D/render-odoo-site.sh"
	assert_failure 2
	[ ! -e "$W/conf/odoo.tmp" ]
}

@test "the Odoo site through a real nginx: HTTPS to Odoo with the forwarded headers, the bus upgraded, HTTP redirected, no database manager" {
	command -v nginx >/dev/null || skip "nginx not installed"
	command -v openssl >/dev/null || skip "openssl not installed"
	local port http
	fake_start
	port=$(free_port)
	http=$(free_port)
	cert "$W/cert" 1
	"$D/render-odoo-site.sh" -o "$W/conf/odoo.conf" -c "$W/cert" -l "$W/logs" \
	    -s "127.0.0.1:$port" -p "127.0.0.1:$http" -u "${FAKE_URL#http://}" \
	    -b "${FAKE_URL#http://}" odoo.example.com
	nginx_around "$W" "$W/conf/odoo.conf"
	run nginx -t -p "$W/" -c conf/nginx.conf -e "$W/logs/error.log"
	assert_success
	nginx -p "$W/" -c conf/nginx.conf -e "$W/logs/error.log"
	local c=(curl -s --cacert "$W/cert/fullchain.pem" --resolve "odoo.example.com:$port:127.0.0.1"
	    --retry 20 --retry-connrefused --retry-delay 0 --max-time 10)
	# JSON-RPC through the proxy, as the laptop's agent speaks it
	run "${c[@]}" -D - -H 'Content-Type: application/json' \
	    -d '{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"common","method":"version","args":[]}}' \
	    "https://odoo.example.com:$port/jsonrpc"
	assert_success
	assert_output --partial 'HTTP/2 200'
	assert_output --regexp 'strict-transport-security: max-age=[0-9]{8,}; includeSubDomains'
	assert_output --partial '"server_version": "17.0"'
	refute_output --partial 'nginx/1'
	jq -s -e --arg h "odoo.example.com:$port" '[.[] | select(.path == "/jsonrpc")][0].fwd |
	    ."X-Forwarded-Proto" == "https" and ."X-Forwarded-Host" == $h and .Host == $h and
	    ."X-Real-IP" == "127.0.0.1" and ."X-Forwarded-For" == "127.0.0.1"' "$FAKE_LOG"
	# the bus: the WebSocket handshake reaches Odoo's gevent port, upgraded
	run "${c[@]}" --http1.1 -i -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	    "https://odoo.example.com:$port/websocket"
	assert_output --partial 'HTTP/1.1 101 Switching Protocols'
	assert_output --regexp '[Ss]ec-[Ww]eb[Ss]ocket-[Aa]ccept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo='
	jq -s -e '[.[] | select(.path == "/websocket")][0].fwd.Upgrade == "websocket"' "$FAKE_LOG"
	# Odoo 15's long polling goes to the bus too
	run "${c[@]}" -d '{}' -H 'Content-Type: application/json' "https://odoo.example.com:$port/longpolling/poll"
	assert_success
	assert_output --partial '"result": []'
	# the database manager is refused at the proxy: Odoo never sees it
	run "${c[@]}" -o /dev/null -w '%{http_code}' "https://odoo.example.com:$port/web/database/manager"
	assert_output 403
	[ "$(fake_count '(.path | startswith("/web/database"))')" -eq 0 ]
	# plain HTTP answers nothing but the way to HTTPS
	run curl -s -D - -o /dev/null --resolve "odoo.example.com:$http:127.0.0.1" \
	    "http://odoo.example.com:$http/web/login?db=x"
	assert_output --partial 'HTTP/1.1 301'
	assert_output --partial 'Location: https://odoo.example.com/web/login?db=x'
	[ "$(fake_count '(.path | startswith("/web/login"))')" -eq 0 ]
	# vault-health reads the site's certificate: a day left, so it warns
	mkvault
	export HEALTH_CERT_URLS="https://127.0.0.1:$port/" HEALTH_CA_FILE="$W/cert/fullchain.pem"
	run health_cert
	assert_output --regexp "^degraded 127.0.0.1:$port: the certificate expires in (less than a day|1 day) \($(date -u -d '+1 day' +%F) [0-9]{2}:[0-9]{2} UTC\): renew it$"
}

@test "vault-health cert: long-lived up, under 14 days degraded naming host and days, untrusted or closed down" {
	command -v openssl >/dev/null || skip "openssl not installed"
	local long short closed
	mkvault
	cert "$W/long" 60
	cert "$W/short" 10
	cat "$W/long/fullchain.pem" "$W/short/fullchain.pem" >"$W/ca.pem"
	tls_server "$W/long"
	long=$PORT
	tls_server "$W/short"
	short=$PORT
	closed=$(free_port)
	export HEALTH_CA_FILE="$W/ca.pem"
	# nothing named: unconfigured, and vault-health stays content
	run vault-health -j --no-notify
	assert_success
	echo "$output" | jq -e '.components.cert == {"state": "unconfigured", "detail": "HEALTH_CERT_URLS not set"}'
	HEALTH_CERT_URLS="127.0.0.1:$long" run health_cert
	assert_output --regexp "^up 127.0.0.1:$long: (59|60) days left \($(date -u -d '+60 days' +%F)\)$"
	HEALTH_CERT_URLS="127.0.0.1:$long" run vault-health -q --no-notify
	assert_success
	# the short one first, though named last; exit 1 as for any degraded part
	HEALTH_CERT_URLS="https://127.0.0.1:$long/, 127.0.0.1:$short" run health_cert
	assert_output --regexp "^degraded 127.0.0.1:$short: the certificate expires in (9|10) days \\($(date -u -d '+10 days' +%F) [0-9:]{5} UTC\\): renew it; 127.0.0.1:$long: (59|60) days left"
	HEALTH_CERT_URLS="127.0.0.1:$short" run vault-health -q --no-notify
	assert_failure 1
	grep -q "^cert: \"degraded 127.0.0.1:$short: the certificate expires in \(9\|10\) days" "$VAULT_DIR/Health/local.md"
	# the owner is warned once a day while it lasts (the outbox here)
	log="$VAULT_DIR/Logs/Notifications/$(date -u +%F).md"
	[ ! -e "$log" ] || [ "$(grep -c 'a certificate ends soon' "$log")" -eq 0 ]
	HEALTH_CERT_URLS="127.0.0.1:$short" run vault-health -q
	assert_failure 1
	HEALTH_CERT_URLS="127.0.0.1:$short" run vault-health -q
	[ "$(grep -c 'a certificate ends soon' "$log")" -eq 1 ]
	grep -q "a certificate ends soon\*<br>127.0.0.1:$short: the certificate expires in \(9\|10\) days" "$log"
	# not trusted (the CA file not given), nothing listening, not https
	unset HEALTH_CA_FILE
	HEALTH_CERT_URLS="127.0.0.1:$long" run health_cert
	assert_output "down 127.0.0.1:$long: SSL certificate problem: self-signed certificate"
	HEALTH_CERT_URLS="127.0.0.1:$closed" run health_cert
	assert_output --partial "down 127.0.0.1:$closed: Failed to connect"
	HEALTH_CERT_URLS="http://127.0.0.1:$long/" run health_cert
	assert_output "down http://127.0.0.1:$long/: want https://HOST[:PORT]"
}
