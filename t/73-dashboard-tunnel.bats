#!/usr/bin/env bats
# The phone reaches the laptop's dashboard through the VM over HTTPS: the
# laptop's real dashboard (nginx + fcgiwrap, t/dash.bash), a real sshd on
# loopback standing for the VM with the tunnel key restricted as INSTALL
# says, the VM's TLS site rendered from share/deploy/nginx-dashboard-tunnel.conf
# by a real nginx, and the real ssh that the PM2 app aie-local-tunnel
# (pm2/ecosystem.config.local.js) runs. Tunnel up, down, and back up after
# ssh is killed (a loop standing for PM2's restart, and PM2 itself).
load helper
load dash

D="$TOP/share/deploy"
PM2="$TOP/node_modules/.bin/pm2"
NAME=dash.example.com

free_port() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

setup_file() {
	local f=$BATS_FILE_TMPDIR s w
	command -v nginx >/dev/null || skip "nginx not installed"
	[ -x /usr/sbin/sshd ] || skip "sshd not installed"
	command -v openssl >/dev/null || skip "openssl not installed"
	free_port >"$f/sshport"
	free_port >"$f/tport"
	free_port >"$f/nport"
	# the laptop: its dashboard behind the VM's TLS site, so the
	# origin is the public one and the session cookie Secure
	mkdir -p "$f/home"
	echo "DASHBOARD_ORIGIN=https://$NAME:$(cat "$f/nport")" >"$f/env"
	chmod 600 "$f/env"
	DASHBOARD_HTTPS=on dash_start
	# the VM: sshd with the tunnel's key allowed one listen, nothing else
	s=$f/ssh
	mkdir -p "$s"
	ssh-keygen -q -t ed25519 -N '' -C aie-test-host -f "$s/host_key"
	ssh-keygen -q -t ed25519 -N '' -C aie-tunnel -f "$s/tunnel_key"
	printf 'restrict,port-forwarding,permitlisten="127.0.0.1:%s",command="/bin/false" %s\n' \
	    "$(cat "$f/tport")" "$(cat "$s/tunnel_key.pub")" >"$s/authorized_keys"
	echo "[127.0.0.1]:$(cat "$f/sshport") $(cut -d' ' -f1,2 "$s/host_key.pub")" >"$s/known_hosts"
	cat >"$s/sshd_config" <<-CONF
	Port $(cat "$f/sshport")
	ListenAddress 127.0.0.1
	HostKey $s/host_key
	PidFile $s/sshd.pid
	AuthorizedKeysFile $s/authorized_keys
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	AllowUsers $(id -un)
	ClientAliveInterval 2
	ClientAliveCountMax 2
	CONF
	[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
	/usr/sbin/sshd -f "$s/sshd_config" -E "$s/sshd.log"
	wait_for -t 5 [ -s "$s/sshd.pid" ]
	# the VM's nginx: the TLS site as shipped, rendered for this test
	w=$f/vm
	mkdir -p "$w/conf" "$w/logs" "$w/tmp"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj "/CN=$NAME" -days 1 -keyout "$w/privkey.pem" -out "$w/fullchain.pem" 2>/dev/null
	SERVER_NAME=$NAME LISTEN=127.0.0.1:$(cat "$f/nport") CERT=$w/fullchain.pem \
	    KEY=$w/privkey.pem TUNNEL=127.0.0.1:$(cat "$f/tport") LOG_DIR=$w/logs \
	    "$D/render-nginx.sh" -s "$D/nginx-dashboard-tunnel.conf" -o "$w/conf/site.conf"
	nginx_around "$w" "$w/conf/site.conf"
	nginx -p "$w/" -c conf/nginx.conf -e "$w/logs/error.log"
	wait_for -t 5 [ -s "$w/nginx.pid" ]
}

teardown_file() {
	local f=$BATS_FILE_TMPDIR
	[ ! -s "$f/vm/nginx.pid" ] || kill "$(cat "$f/vm/nginx.pid")" 2>/dev/null
	[ ! -s "$f/ssh/sshd.pid" ] || kill "$(cat "$f/ssh/sshd.pid")" 2>/dev/null
	dash_stop
	true
}

setup() {
	srv_env
	SSHPORT=$(cat "$BATS_FILE_TMPDIR/sshport")
	TPORT=$(cat "$BATS_FILE_TMPDIR/tport")
	NPORT=$(cat "$BATS_FILE_TMPDIR/nport")
	S=$BATS_FILE_TMPDIR/ssh
	PUB="https://$NAME:$NPORT"
	# the laptop's config, as INSTALL says, read by the ecosystem file
	# (the CGI reads the file's first line, DASHBOARD_ORIGIN, too)
	cat >"$AI_EMPLOYEE_CONFIG" <<-CONF
	DASHBOARD_ORIGIN=$PUB
	DASHBOARD_LISTEN=127.0.0.1:$PORT
	DASHBOARD_TUNNEL=ssh://$(id -un)@127.0.0.1:$SSHPORT
	DASHBOARD_TUNNEL_PORT=$TPORT
	DASHBOARD_TUNNEL_KEY=$S/tunnel_key
	DASHBOARD_TUNNEL_KNOWN_HOSTS=$S/known_hosts
	ENABLE_DASHBOARD=false
	CONF
	export PM2_HOME="$BATS_TEST_TMPDIR/pm2" AIE_STATE_DIR="$BATS_TEST_TMPDIR/state"
	SSH_PID="" LOOP_PID=""
	unset SSH_AUTH_SOCK
}

teardown() {
	[ -z "$SSH_PID" ] || kill "$SSH_PID" 2>/dev/null || true
	if [ -n "$LOOP_PID" ]; then
		# the loop first (its ssh would come back), then its ssh
		local ssh
		ssh=$(pgrep -P "$LOOP_PID" || true)
		kill "$LOOP_PID" 2>/dev/null || true
		# shellcheck disable=SC2086 # pids, one a word
		[ -z "$ssh" ] || kill $ssh 2>/dev/null || true
	fi
	if [ -x "$PM2" ] && [ -d "$PM2_HOME" ]; then
		"$PM2" kill >/dev/null 2>&1 || true
	fi
	# no tunnel left for the next test
	wait_for -t 10 tunnel_closed || true
}

# tunnel_args: the program and arguments of aie-local-tunnel, one a line.
tunnel_args() {
	node -e 'const a = require(process.argv[1]).apps.find(x => x.name === "aie-local-tunnel");
	    if (!a) process.exit(1); console.log(a.script); for (const s of a.args) console.log(s)' \
	    "$TOP/pm2/ecosystem.config.local.js"
}

# nginx_https: DASHBOARD_HTTPS of the PM2 nginx app.
nginx_https() {
	ENABLE_DASHBOARD=true node -e 'const a = require(process.argv[1]).apps.find(x => x.name === "aie-local-nginx");
	    console.log(a.env.DASHBOARD_HTTPS)' "$TOP/pm2/ecosystem.config.local.js"
}

# tunnel_open / tunnel_closed: whether the VM's end listens.
tunnel_open() { (exec 3<>"/dev/tcp/127.0.0.1/$TPORT") 2>/dev/null; }
tunnel_closed() { ! tunnel_open; }

# get PATH [CURL ARGS]: the status and Location of PATH on the VM's site
# (the body and headers in files).
get() {
	local p=$1
	shift
	curl -sk --resolve "$NAME:$NPORT:127.0.0.1" -o "$BATS_TEST_TMPDIR/body" \
	    -D "$BATS_TEST_TMPDIR/head" -w '%{http_code} %{redirect_url}' "$@" "$PUB$p"
}

# through: the dashboard answers through the tunnel (its login redirect).
through() { [ "$(get /)" = "303 $PUB/login" ]; }

@test "the tunnel app is there only with DASHBOARD_TUNNEL and keeps the forward honest" {
	command -v node >/dev/null || skip "node not installed"
	run tunnel_args
	assert_success
	assert_line -n 0 --regexp '/ssh$'
	assert_line "127.0.0.1:$TPORT:127.0.0.1:$PORT"
	assert_line ExitOnForwardFailure=yes
	assert_line ServerAliveInterval=15
	assert_line BatchMode=yes
	assert_line "UserKnownHostsFile=$S/known_hosts"
	assert_line "ssh://$(id -un)@127.0.0.1:$SSHPORT"
	# a laptop offline for hours: PM2 never gives up on it
	run node -e 'const a = require(process.argv[1]).apps.find(x => x.name === "aie-local-tunnel");
	    console.log(a.max_restarts >= 1e6, a.exp_backoff_restart_delay > 0, a.autorestart)' \
	    "$TOP/pm2/ecosystem.config.local.js"
	assert_output "true true true"
	# a bare port is nginx's every address: reached on the loopback
	DASHBOARD_LISTEN=8080 run tunnel_args
	assert_line "127.0.0.1:$TPORT:127.0.0.1:8080"
	# the PM2 nginx marks the session Secure behind the tunnel, not without
	run nginx_https
	assert_output on
	sed -i '/^DASHBOARD_TUNNEL=/d' "$AI_EMPLOYEE_CONFIG"
	run nginx_https
	assert_output off
	run tunnel_args
	assert_failure
}

@test "render-nginx.sh: DASHBOARD_HTTPS=on passes HTTPS to the CGI, a bad value is refused" {
	local cgi=$AIE_CGI/dashboard.cgi
	DASHBOARD_HTTPS=on run "$D/render-nginx.sh" "$BATS_TEST_TMPDIR/n" 127.0.0.1:8080 /tmp/s.sock "$cgi"
	assert_success
	assert_line --partial 'fastcgi_param HTTPS on;'
	run "$D/render-nginx.sh" "$BATS_TEST_TMPDIR/n" 127.0.0.1:8080 /tmp/s.sock "$cgi"
	refute_line --partial 'fastcgi_param HTTPS on;'
	DASHBOARD_HTTPS=yes run -1 "$D/render-nginx.sh" -o "$BATS_TEST_TMPDIR/n.conf" \
	    "$BATS_TEST_TMPDIR/n" 127.0.0.1:8080 /tmp/s.sock "$cgi"
	assert_output --partial "DASHBOARD_HTTPS: on or off, not 'yes'"
	[ ! -e "$BATS_TEST_TMPDIR/n.conf" ]
}

@test "tunnel up: the phone's HTTPS request reaches the laptop's dashboard, whose login still applies" {
	command -v node >/dev/null || skip "node not installed"
	local -a cmd
	mapfile -t cmd < <(tunnel_args)
	"${cmd[0]}" -F /dev/null "${cmd[@]:1}" </dev/null 2>>"$BATS_TEST_TMPDIR/ssh.err" &
	SSH_PID=$!
	wait_for tunnel_open || fail "no tunnel: $(cat "$BATS_TEST_TMPDIR/ssh.err")"
	# no session: the dashboard's own redirect to its login, HTTPS, HSTS
	run get /
	assert_output "303 $PUB/login"
	run grep -i '^strict-transport-security: max-age=63072000' "$BATS_TEST_TMPDIR/head"
	assert_success
	run get /api/status
	assert_output --regexp '^401 '
	# log in through the tunnel: the cookie is Secure, then the page shows
	local jar=$BATS_TEST_TMPDIR/jar tok
	get /login -c "$jar" >/dev/null
	tok=$(csrf_of "$BATS_TEST_TMPDIR/body")
	[ -n "$tok" ]
	run get /login -b "$jar" -c "$jar" -H "Origin: $PUB" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=$PW"
	assert_output --regexp '^303 '
	run grep -i '^set-cookie: .*; Secure' "$BATS_TEST_TMPDIR/head"
	assert_success
	run get /api/status -b "$jar"
	assert_output '200 '
	# a wrong password through the tunnel is refused as on the laptop
	get /login -c "$jar.2" >/dev/null
	tok=$(csrf_of "$BATS_TEST_TMPDIR/body")
	run get /login -b "$jar.2" -c "$jar.2" -H "Origin: $PUB" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=wrong"
	refute_output --regexp '^303 '
}

@test "tunnel down: the VM's site answers 503 with a sentence that says so" {
	tunnel_closed
	run get /
	assert_output '503 '
	run cat "$BATS_TEST_TMPDIR/body"
	assert_output --partial "The laptop's dashboard is not reachable: its tunnel to this server is down"
	run grep -i '^retry-after: 60' "$BATS_TEST_TMPDIR/head"
	assert_success
	run grep -i '^strict-transport-security:' "$BATS_TEST_TMPDIR/head"
	assert_success
}

@test "the tunnel key forwards its one port and nothing else" {
	command -v node >/dev/null || skip "node not installed"
	local -a cmd
	mapfile -t cmd < <(tunnel_args)
	# another listen port: the VM refuses, ssh exits (ExitOnForwardFailure)
	cmd=("${cmd[@]/#127.0.0.1:$TPORT:/127.0.0.1:$((TPORT + 1)):}")
	run timeout 20 "${cmd[0]}" -F /dev/null "${cmd[@]:1}"
	assert_failure
	assert_output --partial "remote port forwarding failed"
	# a command: never run (command="/bin/false")
	run timeout 20 ssh -F /dev/null -T -i "$S/tunnel_key" -o IdentitiesOnly=yes -o BatchMode=yes \
	    -o "UserKnownHostsFile=$S/known_hosts" -p "$SSHPORT" "$(id -un)@127.0.0.1" \
	    echo shell-reached
	assert_failure
	refute_output --partial shell-reached
}

@test "reconnect: ssh killed, a restart loop brings the tunnel back" {
	command -v node >/dev/null || skip "node not installed"
	local -a cmd
	mapfile -t cmd < <(tunnel_args)
	# PM2's policy in a line: run it again whenever it exits
	(while :; do "${cmd[0]}" -F /dev/null "${cmd[@]:1}" </dev/null 2>>"$BATS_TEST_TMPDIR/ssh.err" || true; sleep 0.2; done) &
	LOOP_PID=$!
	wait_for through || fail "no tunnel: $(cat "$BATS_TEST_TMPDIR/ssh.err")"
	pkill -KILL -P "$LOOP_PID" -x ssh
	# the VM notices the dead session (ClientAlive*), the new ssh gets the
	# port once it is free
	wait_for -t 30 through || fail "not back: $(tail -n 5 "$BATS_TEST_TMPDIR/ssh.err")"
}

@test "reconnect under PM2: the aie-local-tunnel app comes back after SIGKILL" {
	[ -x "$PM2" ] || skip "pm2 not installed: run npm install in $TOP"
	command -v node >/dev/null || skip "node not installed"
	local eco=$BATS_TEST_TMPDIR/tunnel.config.js pid
	cat >"$eco" <<-JS
	const t = require('$TOP/pm2/ecosystem.config.local.js').apps.find(a => a.name === 'aie-local-tunnel');
	module.exports = { apps: [Object.assign({}, t, { args: ['-F', '/dev/null'].concat(t.args) })] };
	JS
	run "$PM2" start "$eco"
	assert_success
	wait_for -t 15 through || fail "no tunnel: $(tail -n 20 "$AIE_STATE_DIR"/pm2/*.log)"
	pid=$("$PM2" pid aie-local-tunnel)
	[ "$pid" -gt 0 ]
	kill -KILL "$pid"
	wait_for -t 30 eval '[ "$("$PM2" pid aie-local-tunnel)" -gt 0 ] && [ "$("$PM2" pid aie-local-tunnel)" != '"$pid"' ]' ||
	    fail "pm2 did not restart ssh"
	wait_for -t 30 through || fail "not back: $(tail -n 20 "$AIE_STATE_DIR"/pm2/*.log)"
	run "$PM2" stop aie-local-tunnel
	assert_success
}

@test "the VM unreachable for a while: PM2 keeps trying, the tunnel is back when the VM is" {
	[ -x "$PM2" ] || skip "pm2 not installed: run npm install in $TOP"
	command -v node >/dev/null || skip "node not installed"
	local eco=$BATS_TEST_TMPDIR/tunnel.config.js restarts
	cat >"$eco" <<-JS
	const t = require('$TOP/pm2/ecosystem.config.local.js').apps.find(a => a.name === 'aie-local-tunnel');
	module.exports = { apps: [Object.assign({}, t, { args: ['-F', '/dev/null'].concat(t.args) })] };
	JS
	# the VM's sshd down: every attempt fails at once
	kill "$(cat "$S/sshd.pid")"
	wait_for tunnel_closed
	wait_for eval '! (exec 3<>"/dev/tcp/127.0.0.1/$SSHPORT") 2>/dev/null'
	run "$PM2" start "$eco"
	assert_success
	run get /
	assert_output '503 '
	wait_for -t 20 eval '[ "$("$PM2" jlist | jq ".[0].pm2_env.restart_time")" -ge 3 ]' ||
	    fail "pm2 did not retry: $("$PM2" jlist | jq '.[0].pm2_env.status')"
	restarts=$("$PM2" jlist | jq '.[0].pm2_env.restart_time')
	[ "$("$PM2" jlist | jq -r '.[0].pm2_env.status')" != errored ]
	# the VM back: the next attempt brings the tunnel up
	rm -f "$S/sshd.pid"
	/usr/sbin/sshd -f "$S/sshd_config" -E "$S/sshd.log"
	wait_for -t 5 [ -s "$S/sshd.pid" ]
	wait_for -t 30 through || fail "not back: $(tail -n 20 "$AIE_STATE_DIR"/pm2/*.log)"
	[ "$("$PM2" jlist | jq '.[0].pm2_env.restart_time')" -ge "$restarts" ]
}
