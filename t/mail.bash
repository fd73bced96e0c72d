# t/mail.bash - real mail servers on loopback for the mail tests:
# aiosmtpd (Debian's python3-aiosmtpd, run by /usr/bin/python3) and an
# unprivileged dovecot with its config in the test directory. Each test
# that starts one stops it in teardown (mail_teardown).

free_port() {
	/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# port_open PORT: whether something listens there.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_port PORT: until something listens there (at most 10 s).
wait_port() {
	wait_for port_open "$1"
}

# smtp_shared_start (in setup_file): one aiosmtpd for the tests of a file,
# which then find it through smtp_start with an empty Maildir; tests of a
# file run in order. smtp_shared_stop in teardown_file.
smtp_shared_start() {
	SMTP_SHARED_PORT=$(free_port)
	/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_SHARED_PORT" \
	    -c aiosmtpd.handlers.Mailbox "$BATS_FILE_TMPDIR/smtp" \
	    >>"$BATS_FILE_TMPDIR/smtp.log" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/smtp.pid"
	export SMTP_SHARED_PORT
	wait_port "$SMTP_SHARED_PORT"
}

smtp_shared_stop() {
	if [ -f "$BATS_FILE_TMPDIR/smtp.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/smtp.pid")" 2>/dev/null || true
	fi
}

# smtp_start: aiosmtpd into the Maildir $SMTP_DIR (the shared one, emptied,
# when the file started one); exports SMTP_URL etc.
smtp_start() {
	export SMTP_STARTTLS=no SMTP_FROM="The Owner <owner@example.com>"
	if [ -n "${SMTP_SHARED_PORT:-}" ]; then
		SMTP_DIR="$BATS_FILE_TMPDIR/smtp"
		rm -f "$SMTP_DIR"/new/* "$SMTP_DIR"/cur/* "$SMTP_DIR"/tmp/*
		export SMTP_URL="smtp://127.0.0.1:$SMTP_SHARED_PORT"
		return 0
	fi
	SMTP_DIR="$BATS_TEST_TMPDIR/smtp"
	SMTP_PORT=$(free_port)
	/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
	    -c aiosmtpd.handlers.Mailbox "$SMTP_DIR" \
	    >>"$BATS_TEST_TMPDIR/smtp.log" 2>&1 &
	SMTP_PID=$!
	wait_port "$SMTP_PORT"
	export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" SMTP_STARTTLS=no
	export SMTP_FROM="The Owner <owner@example.com>"
}

# make_cert: a self-signed certificate for 127.0.0.1 in $BATS_TEST_TMPDIR
# (cert.pem, key.pem); the client trusts it through MAIL_CA_FILE.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$BATS_TEST_TMPDIR/key.pem" \
	    -out "$BATS_TEST_TMPDIR/cert.pem" -days 2 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
}

# smtp_start_tls starttls|smtps: aiosmtpd with TLS; exports SMTP_URL.
smtp_start_tls() {
	local opt=tls
	make_cert
	[ "$1" = smtps ] && opt=smtps
	SMTP_DIR="$BATS_TEST_TMPDIR/smtp"
	SMTP_PORT=$(free_port)
	/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
	    -c aiosmtpd.handlers.Mailbox "$SMTP_DIR" \
	    "--${opt}cert" "$BATS_TEST_TMPDIR/cert.pem" \
	    "--${opt}key" "$BATS_TEST_TMPDIR/key.pem" \
	    >>"$BATS_TEST_TMPDIR/smtp.log" 2>&1 &
	SMTP_PID=$!
	wait_port "$SMTP_PORT"
	if [ "$1" = smtps ]; then
		export SMTP_URL="smtps://127.0.0.1:$SMTP_PORT"
	else
		export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
	fi
	unset SMTP_STARTTLS
	export SMTP_FROM="The Owner <owner@example.com>"
	export MAIL_CA_FILE="$BATS_TEST_TMPDIR/cert.pem"
}

# smtp_start_xoauth2 USER TOKEN: an aiosmtpd (t/fake/smtpauth.py) that
# requires AUTH XOAUTH2 as USER with bearer TOKEN, on plain SMTP; exports
# SMTP_URL, SMTP_USER and SMTP_BEARER=TOKEN. Its AUTH verdicts are in
# $SMTP_AUTH_LOG.
smtp_start_xoauth2() {
	SMTP_DIR="$BATS_TEST_TMPDIR/smtp"
	SMTP_AUTH_LOG="$BATS_TEST_TMPDIR/smtp-auth.log"
	: >"$SMTP_AUTH_LOG"
	SMTP_PORT=$(free_port)
	/usr/bin/python3 "$T_DIR/fake/smtpauth.py" "$SMTP_PORT" "$SMTP_DIR" \
	    "$1" "$2" "$SMTP_AUTH_LOG" >>"$BATS_TEST_TMPDIR/smtp.log" 2>&1 &
	SMTP_PID=$!
	wait_port "$SMTP_PORT"
	export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" SMTP_STARTTLS=no
	export SMTP_FROM="The Owner <owner@example.com>" SMTP_USER="$1"
	export SMTP_BEARER="$2"
	unset SMTP_PASSWORD
}

smtp_stop() {
	if [ -n "${SMTP_PID:-}" ]; then
		kill "$SMTP_PID" 2>/dev/null || true
		wait "$SMTP_PID" 2>/dev/null || true
		SMTP_PID=
	fi
}

# smtp_count: messages received so far.
smtp_count() {
	find "$SMTP_DIR/new" -type f 2>/dev/null | wc -l
}

# smtp_last: the (only) received message.
smtp_last() {
	cat "$SMTP_DIR"/new/*
}

# dovecot_start [tls | imaps | oauth2 TOKEN]: an IMAP server for user alice
# (password secret) with Maildir $MAILDIR; exports IMAP_URL, IMAP_USER,
# IMAP_PASSWORD. With tls, STARTTLS is required and MAIL_CA_FILE trusts its
# certificate; with imaps, it listens for implicit TLS only (imaps://).
# With oauth2, alice logs in only by AUTHENTICATE XOAUTH2 with bearer
# TOKEN: dovecot's oauth2 passdb asks t/fake/oauth2.py (token
# introspection, RFC 7662; its requests in $OAUTH_LOG) whether the token
# is active; IMAP_BEARER=TOKEN is exported instead of IMAP_PASSWORD.
dovecot_start() {
	local d login internal uid gid ssl="ssl = no" mechs="plain" passdb
	local _ plainport imapsport=0
	# not under $BATS_TEST_TMPDIR: bats makes its run directory 0700, and
	# dovecot's unprivileged processes must reach their files
	d=$(mktemp -d /tmp/aie-dovecot.XXXXXX)
	chmod 755 "$d"
	DOVECOT_DIR=$d
	IMAP_PORT=$(free_port)
	plainport=$IMAP_PORT
	mkdir -p "$d/run" "$d/state" "$d/mail/alice/new" "$d/mail/alice/cur" \
	    "$d/mail/alice/tmp"
	MAILDIR="$d/mail/alice"
	if [ "$(id -u)" -eq 0 ]; then
		# dovecot refuses root for login and mail processes
		login=dovenull internal=dovecot uid=65534 gid=65534
	else
		login=$(id -un) internal=$(id -un) uid=$(id -u) gid=$(id -g)
	fi
	if [ "${1:-}" = tls ] || [ "${1:-}" = imaps ]; then
		make_cert
		cp "$BATS_TEST_TMPDIR/cert.pem" "$BATS_TEST_TMPDIR/key.pem" "$d/"
		ssl="ssl = required
ssl_cert = <$d/cert.pem
ssl_key = <$d/key.pem"
	fi
	if [ "${1:-}" = imaps ]; then
		plainport=0 imapsport=$IMAP_PORT
	fi
	echo "alice:{PLAIN}secret" >"$d/passwd"
	passdb="driver = passwd-file
  args = $d/passwd"
	if [ "${1:-}" = oauth2 ]; then
		OAUTH_LOG="$d/oauth2.log"
		/usr/bin/python3 "$T_DIR/fake/oauth2.py" "$d/oauth2.port" "$2" alice \
		    "$OAUTH_LOG" >>"$d/oauth2.err" 2>&1 &
		OAUTH_PID=$!
		wait_for -t 5 [ -s "$d/oauth2.port" ]
		cat >"$d/oauth2.conf.ext" <<EOT
introspection_mode = post
introspection_url = http://127.0.0.1:$(cat "$d/oauth2.port")/introspect
username_attribute = username
active_attribute = active
active_value = true
EOT
		mechs=xoauth2
		passdb="driver = oauth2
  mechanisms = xoauth2
  args = $d/oauth2.conf.ext"
	fi
	cat >"$d/dovecot.conf" <<EOT
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
listen = 127.0.0.1
$ssl
disable_plaintext_auth = no
auth_mechanisms = $mechs
auth_failure_delay = 0
protocols = imap
first_valid_uid = 1
default_login_user = $login
default_internal_user = $internal
mail_location = maildir:$d/mail/%u
passdb {
  $passdb
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$d/mail/%u
}
service imap-login {
  inet_listener imap {
    port = $plainport
  }
  inet_listener imaps {
    port = $imapsport
  }
}
EOT
	DOVECOT_UID=$uid
	chown -R "$uid:$gid" "$d/mail"
	dovecot -c "$d/dovecot.conf"
	wait_port "$IMAP_PORT"
	export IMAP_URL="imap://127.0.0.1:$IMAP_PORT/INBOX" IMAP_USER=alice
	export IMAP_PASSWORD=secret IMAP_STARTTLS=no
	if [ "${1:-}" = tls ] || [ "${1:-}" = imaps ]; then
		unset IMAP_STARTTLS
		export MAIL_CA_FILE="$d/cert.pem"
	fi
	if [ "${1:-}" = imaps ]; then
		export IMAP_URL="imaps://127.0.0.1:$IMAP_PORT/INBOX"
	fi
	if [ "${1:-}" = oauth2 ]; then
		unset IMAP_PASSWORD
		export IMAP_BEARER="$2"
	fi
}

dovecot_stop() {
	if [ -n "${DOVECOT_DIR:-}" ]; then
		dovecot -c "$DOVECOT_DIR/dovecot.conf" stop 2>/dev/null || true
		if [ -n "${OAUTH_PID:-}" ]; then
			kill "$OAUTH_PID" 2>/dev/null || true
			wait "$OAUTH_PID" 2>/dev/null || true
			OAUTH_PID=
		fi
		rm -rf "$DOVECOT_DIR"
		DOVECOT_DIR=
	fi
}

# deliver FILE [seen]: put a message into the mailbox (unseen unless seen).
deliver() {
	local name
	name="$(date +%s).$RANDOM$RANDOM.test"
	if [ "${2:-}" = seen ]; then
		cp "$1" "$MAILDIR/cur/$name:2,S"
	else
		cp "$1" "$MAILDIR/new/$name"
	fi
	chown -R "$DOVECOT_UID" "$MAILDIR"
}

# imap_search CRITERIA: the server's "* SEARCH" line, via curl(1).
imap_search() {
	curl -s --url "$IMAP_URL" -u "alice:secret" -X "SEARCH $1"
}

mail_teardown() {
	smtp_stop
	dovecot_stop
}
