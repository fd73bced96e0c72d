#!/usr/bin/env bats
# vault-sync over HTTP(S): git-http-backend behind nginx + fcgiwrap on
# free loopback ports, with basic auth (http://), and with a certificate
# signed by a test CA (https://, the CA given by VAULT_SYNC_CA_FILE). One
# server for the file; each test has its own bare repository on it.
load helper
load sync

USER_=agent
TOKEN_=tok-correct-horse-42

free_port() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

setup_file() {
	local d=$BATS_FILE_TMPDIR/srv
	mkdir -p "$d/repos"
	free_port >"$d/http_port"
	free_port >"$d/https_port"
	# a test CA and a certificate for localhost signed by it
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.crt" -days 2 -subj /CN=aie-test-ca 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=localhost 2>/dev/null
	printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
	    -CAcreateserial -out "$d/srv.crt" -days 2 -extfile "$d/ext" 2>/dev/null
	# fcgiwrap's socket in a short directory of its own: a unix socket's
	# path must fit in 108 bytes, and bats' private one may be longer
	local pub
	pub=$(mktemp -d /tmp/aie-git-http.XXXXXX)
	echo "$pub" >"$d/pub"
	echo "$USER_:{PLAIN}$TOKEN_" >"$d/htpasswd"
	nginx_around "$d" "$d/conf/site.conf"
	cat >"$d/conf/site.conf" <<EOF
client_max_body_size 0;
server {
	listen 127.0.0.1:$(cat "$d/http_port");
	listen 127.0.0.1:$(cat "$d/https_port") ssl;
	ssl_certificate $d/srv.crt;
	ssl_certificate_key $d/srv.key;
	location ~ ^/git(/.*)\$ {
		auth_basic "git";
		auth_basic_user_file $d/htpasswd;
		include /etc/nginx/fastcgi_params;
		fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
		fastcgi_param GIT_PROJECT_ROOT $d/repos;
		fastcgi_param GIT_HTTP_EXPORT_ALL "";
		fastcgi_param PATH_INFO \$1;
		fastcgi_param REMOTE_USER \$remote_user;
		fastcgi_pass unix:$pub/fcgiwrap.sock;
	}
}
EOF
	(umask 007; setsid fcgiwrap -f -c 4 -s "unix:$pub/fcgiwrap.sock" \
	    </dev/null 2>>"$d/logs/fcgiwrap.log" & echo $! >"$d/fcgiwrap.pid")
	wait_for -t 5 [ -S "$pub/fcgiwrap.sock" ]
	nginx -p "$d/" -c conf/nginx.conf -e logs/error.log
	wait_for -t 5 [ -s "$d/nginx.pid" ]
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR/srv
	[ -s "$d/nginx.pid" ] && kill "$(cat "$d/nginx.pid")" 2>/dev/null
	[ -s "$d/fcgiwrap.pid" ] && kill -- -"$(cat "$d/fcgiwrap.pid")" 2>/dev/null
	[ -s "$d/pub" ] && rm -rf "$(cat "$d/pub")"
	true
}

setup() {
	common_setup
	mkvault
	sync_setup
	SRV=$BATS_FILE_TMPDIR/srv
	NAME=vault$BATS_TEST_NUMBER.git
	git init -q --bare "$SRV/repos/$NAME"
	git -C "$SRV/repos/$NAME" config http.receivepack true
	HTTP_URL=http://127.0.0.1:$(cat "$SRV/http_port")/git/$NAME
	HTTPS_URL=https://localhost:$(cat "$SRV/https_port")/git/$NAME
	REMOTE=$SRV/repos/$NAME          # remote_has and friends look here
	export VAULT_SYNC_USER=$USER_ VAULT_SYNC_TOKEN=$TOKEN_
}

# agents URL: the local vault pushes to URL, the cloud clones it.
agents() {
	vault-init -q --remote "$1" "$VAULT_DIR" >/dev/null
	vault-init -q -a cloud --no-key --clone "$1" "$CLOUD" >/dev/null
}

@test "http:// with basic auth: both agents sync through git-http-backend" {
	agents "$HTTP_URL"
	mkemail EMAIL_H1
	run lsync
	assert_success
	remote_has Needs_Action/email/EMAIL_H1.md
	run csync
	assert_success
	[ -f "$CLOUD/Needs_Action/email/EMAIL_H1.md" ]
	claim "$CLOUD" cloud EMAIL_H1
	run csync
	assert_success
	run lsync -j
	assert_success
	assert_output --partial '"fastforward":true'
	[ -f "$VAULT_DIR/In_Progress/cloud/EMAIL_H1.md" ]
	run same_trees
	assert_success
	# the token went as basic auth, never into the repository config
	run grep -r "$TOKEN_" "$VAULT_DIR/.git/config" "$CLOUD/.git/config"
	assert_failure
}

@test "http:// on a terminal: the summary lines say the real bytes pushed and received" {
	command -v script >/dev/null || skip "script(1) is not installed"
	agents "$HTTP_URL"
	mkdir -p "$VAULT_DIR/Notes/many"
	# small: libgit2 sends a larger push chunked, and git-http-backend behind
	# fcgiwrap gets no length for it (500; this test server's limit)
	for i in $(seq 10); do
		for _ in $(seq 80); do printf 'n%d ' "$RANDOM"; done >"$VAULT_DIR/Notes/many/n$i.md"
	done
	script -qec "vault-sync -C '$VAULT_DIR' -a local" /dev/null >"$BATS_TEST_TMPDIR/tty" ||
	    { cat "$BATS_TEST_TMPDIR/tty"; false; }
	remote_has Notes/many/n10.md
	# 10 notes of 80 random numbers each do not compress below 2 KiB
	line=$(grep -Eo 'pushed [0-9]+/[0-9]+ objects, [0-9.]+ (KiB|MiB)' "$BATS_TEST_TMPDIR/tty")
	kib=$(echo "$line" | awk '{ print ($5 == "MiB") ? $4 * 1024 : $4 }')
	echo "$line"
	awk -v k="$kib" 'BEGIN { exit !(k >= 2 && k < 64) }'
	script -qec "vault-sync -C '$CLOUD' -a cloud" /dev/null >"$BATS_TEST_TMPDIR/tty"
	grep -Eq 'received [0-9]+/[0-9]+ objects, [0-9.]+ (KiB|MiB) in [0-9.]+ s' "$BATS_TEST_TMPDIR/tty"
}

@test "http:// with a wrong token: exit 78, the token is not printed, the commit is kept" {
	agents "$HTTP_URL"
	mkemail EMAIL_H2
	VAULT_SYNC_TOKEN=wrong-token-77 run lsync
	assert_failure 78
	refute_output --partial wrong-token-77
	assert_output --partial "authentication"
	run git -C "$VAULT_DIR" log -1 --format=%s
	assert_output "local: new EMAIL_H2"
	run lsync
	assert_success
	remote_has Needs_Action/email/EMAIL_H2.md
}

@test "http:// with no credentials configured: exit 78 naming the settings" {
	agents "$HTTP_URL"
	mkemail EMAIL_H3
	unset VAULT_SYNC_TOKEN
	run lsync
	assert_failure 78
	assert_output --partial "VAULT_SYNC_TOKEN"
}

@test "https:// with the server's CA in VAULT_SYNC_CA_FILE: both agents sync" {
	export VAULT_SYNC_CA_FILE=$SRV/ca.crt
	agents "$HTTPS_URL"
	VAULT_DIR=$CLOUD mkemail EMAIL_S1
	run csync
	assert_success
	run lsync
	assert_success
	[ -f "$VAULT_DIR/Needs_Action/email/EMAIL_S1.md" ]
	remote_has Needs_Action/email/EMAIL_S1.md
	run vault-claim -C "$VAULT_DIR" -a local --push EMAIL_S1
	assert_success
	run git -C "$REMOTE" log -1 --format=%s
	assert_output "local: claim EMAIL_S1"
}

@test "https:// without the CA: the certificate is refused (exit 78), nothing is sent" {
	VAULT_SYNC_CA_FILE=$SRV/ca.crt agents "$HTTPS_URL"
	mkemail EMAIL_S2
	run lsync
	assert_failure 78
	assert_output --partial "certificate"
	run ! remote_has Needs_Action/email/EMAIL_S2.md
	VAULT_SYNC_CA_FILE=$BATS_TEST_TMPDIR/none.crt run lsync
	assert_failure 78
	assert_output --partial "none.crt"
}
