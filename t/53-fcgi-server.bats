#!/usr/bin/env bats
# wa-webhook.cgi -s: its own FastCGI server (lib/web fcgiserve.c, fcgi.c),
# spoken to on its Unix socket by a FastCGI client of the test's (python3,
# the records nginx's fastcgi_pass sends), with no nginx between: the
# answer's records, the request's parameters as the child's whole
# environment, FCGI_KEEP_CONN, the management records, protocol errors, a
# signed delivery over STDIN, and the server's life (stop, stale socket,
# options, workers). Through nginx: t/35.
load helper
load wa

setup_file() {
	# the client: records and name-value pairs; run as `fcgi <<'PY'`, the
	# test's python read from stdin, these in scope
	cat >"$BATS_FILE_TMPDIR/fcgic.py" <<'PY'
import os, signal, socket, struct, sys, time

SOCK = os.environ["SOCK"]
BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11


def fail(msg):
    sys.stderr.write("fcgi client: %s\n" % msg)
    sys.exit(1)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(SOCK)
    return s


def enc(x):
    return x if isinstance(x, bytes) else x.encode()


def record(kind, rid, body=b"", version=1):
    """One record, padded to 8 bytes as nginx pads them."""
    pad = -len(body) % 8
    return struct.pack(">BBHHBx", version, kind, rid, len(body), pad) + \
        body + b"\0" * pad


def stream(kind, rid, data, size=65535):
    """data in records of at most size bytes, then the stream's end."""
    return b"".join(record(kind, rid, data[i:i + size])
                    for i in range(0, len(data), size)) + record(kind, rid)


def nvlen(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pairs(items):
    out = b""
    for k, v in items:
        k, v = enc(k), enc(v)
        out += nvlen(len(k)) + nvlen(len(v)) + k + v
    return out


def unpairs(b):
    out, i = [], 0
    while i < len(b):
        ln = []
        for _ in range(2):
            if b[i] & 0x80:
                ln.append(struct.unpack(">I", b[i:i + 4])[0] & 0x7fffffff)
                i += 4
            else:
                ln.append(b[i])
                i += 1
        out.append((b[i:i + ln[0]].decode(),
                    b[i + ln[0]:i + ln[0] + ln[1]].decode()))
        i += ln[0] + ln[1]
    return out


def begin(rid, keep=False):
    return record(BEGIN, rid, struct.pack(">HB5x", 1, 1 if keep else 0))


def nginx(method="GET", query="", body=b"", env=None, drop=(), extra=()):
    """The parameters nginx sends: /etc/nginx/fastcgi_params, then what
    share/deploy/render-nginx.sh adds; env sets or adds some, drop leaves
    some out, extra appends raw pairs."""
    p = [("QUERY_STRING", query), ("REQUEST_METHOD", method),
         ("CONTENT_TYPE", "application/json" if body else ""),
         ("CONTENT_LENGTH", str(len(body)) if body else ""),
         ("SCRIPT_NAME", ""), ("REQUEST_URI", "/?" + query if query else "/"),
         ("DOCUMENT_URI", "/"), ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
         ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", "http"),
         ("GATEWAY_INTERFACE", "CGI/1.1"), ("SERVER_SOFTWARE", "nginx/1.22.1"),
         ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "41234"),
         ("REMOTE_USER", ""), ("SERVER_ADDR", "127.0.0.1"),
         ("SERVER_PORT", "8080"), ("SERVER_NAME", "_"),
         ("REDIRECT_STATUS", "200"), ("HTTP_HOST", "127.0.0.1"),
         ("HTTP_USER_AGENT", "facebookexternalua"),
         ("VAULT_DIR", os.environ["VAULT_DIR"]), ("HOME", os.environ["HOME"]),
         ("AI_EMPLOYEE_CONFIG", os.environ["AI_EMPLOYEE_CONFIG"]),
         ("SCRIPT_FILENAME", os.environ["AIE_CGI"] + "/wa-webhook.cgi"),
         ("PATH_INFO", "/")]
    env = dict(env or {})
    p = [(k, env.pop(k, v)) for k, v in p if k not in drop]
    return p + list(env.items()) + list(extra)


def hub(challenge, token="verify-me-42"):
    return "hub.mode=subscribe&hub.challenge=%s&hub.verify_token=%s" % (
        challenge, token)


def request(s, rid, params, body=b"", keep=False, size=65535):
    s.sendall(begin(rid, keep) + stream(PARAMS, rid, pairs(params)) +
              stream(STDIN, rid, body, size))


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            if b:
                fail("the connection closed inside a record")
            return None
        b += c
    return b


def read_record(s):
    h = recv_exact(s, 8)
    if h is None:
        return None
    version, kind, rid, n, pad = struct.unpack(">BBHHBx", h)
    if version != 1:
        fail("a record of version %d" % version)
    body = recv_exact(s, n + pad) if n + pad else b""
    if body is None:
        fail("the connection closed inside a record")
    return kind, rid, body[:n]


def answer(s, rid):
    """Request rid's STDOUT records (\\r\\n as \\n), checked to be nothing
    else and to end with an empty one, then "END appStatus protocolStatus"
    from its END_REQUEST."""
    out, ended = b"", False
    while True:
        r = read_record(s)
        if r is None:
            fail("the connection closed before END_REQUEST")
        kind, i, body = r
        if i != rid:
            fail("a record of type %d for request %d, not %d" % (kind, i, rid))
        if kind == STDOUT:
            if ended:
                fail("STDOUT after its end")
            ended = not body
            out += body
        elif kind == END:
            if not ended:
                fail("END_REQUEST before the end of STDOUT")
            if len(body) != 8:
                fail("an END_REQUEST body of %d bytes" % len(body))
            app, proto = struct.unpack(">IB3x", body)
            return out.decode().replace("\r\n", "\n") + \
                "END %d %d\n" % (app, proto)
        else:
            fail("a record of type %d in the answer" % kind)


def status(s, rid):
    """The answer's status line, and its last line before the END."""
    lines = answer(s, rid).split("\n")
    return "%s | %s" % (lines[0], lines[-3])


def closed(s, timeout=5):
    """"closed" when the server closes the connection within timeout
    (nothing more sent), else "open" or what it sent."""
    s.settimeout(timeout)
    try:
        d = s.recv(65536)
    except socket.timeout:
        return "open"
    except ConnectionResetError:
        return "closed"
    finally:
        s.settimeout(10)
    return "closed" if not d else "sent %r" % d[:60]


if __name__ == "__main__":
    exec(compile(sys.stdin.read(), "<test>", "exec"))
PY
}

setup() {
	wa_setup
	SOCKDIR=$(mktemp -d /tmp/aie-fcgi.XXXXXX)
	export SOCK=$SOCKDIR/s.sock AIE_CGI
	LOG=$BATS_TEST_TMPDIR/server.log
	PID=
}

teardown() {
	if [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; then
		wait_for -t 10 gone "$PID" || kill -KILL -- "-$PID" 2>/dev/null
		wait "$PID" 2>/dev/null || true
	fi
	no_leftovers "$SOCK"
	local r=$?
	rm -rf "$SOCKDIR"
	return "$r"
}

# handshake_ok N: a GET handshake with the challenge N, on a connection of
# its own, is answered 200 with N
handshake_ok() {
	run fcgi <<PY
s = connect()
request(s, 1, nginx(query=hub($1)))
print(status(s, 1))
PY
	assert_output "Status: 200 OK | $1"
}

# fcgi: the python on stdin run by the client above
fcgi() {
	/usr/bin/python3 "$BATS_FILE_TMPDIR/fcgic.py"
}

# start [OPTION...]: the server on unix:$SOCK in a session of its own,
# its output in $LOG; $PID the master's (its session and group too).
start() {
	setsid "$AIE_CGI/wa-webhook.cgi" -s "unix:$SOCK" "$@" </dev/null >>"$LOG" 2>&1 3>&- &
	PID=$!
	export PID
	wait_for test -S "$SOCK"
	[ "$(ps -o pgid= -p "$PID" | tr -d ' ')" = "$PID" ] ||
	    fail "the server ($PID) does not lead its process group"
}

# gone PID: PID has ended (a zombie counts: not waited for yet).
gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# group: the processes of the server's group, one a line.
group() {
	pgrep -g "$PID"
}

@test "a GET handshake as nginx sends it: STDOUT records with the challenge, then END_REQUEST" {
	start
	run fcgi <<'PY'
s = connect()
request(s, 1, nginx(query=hub(123)))
print(answer(s, 1), end="")
PY
	assert_success
	assert_line --index 0 "Status: 200 OK"
	assert_line "Content-Type: text/plain; charset=utf-8"
	assert_line "Content-Length: 4"
	[ "${lines[-2]}" = 123 ]
	[ "${lines[-1]}" = "END 0 0" ]
	# the wrong token: 403, the challenge not echoed, one line of the log
	run fcgi <<'PY'
s = connect()
request(s, 1, nginx(query=hub(9137264810, "verify-me-4")))
print(answer(s, 1), end="")
PY
	assert_success
	assert_line --index 0 "Status: 403 Forbidden"
	refute_output --partial 9137264810
	[ "${lines[-1]}" = "END 0 0" ]
	[ "$(cat "$LOG")" = "wa-webhook: verification refused (from 127.0.0.1)" ]
}

@test "a child that writes nothing is answered 500 by the server; its stderr is the server's" {
	start
	# no REQUEST_METHOD: the CGI refuses to run, on stderr only
	run fcgi <<'PY'
s = connect()
request(s, 1, nginx(query=hub(123), drop=("REQUEST_METHOD",)))
print(answer(s, 1), end="")
PY
	assert_success
	assert_line --index 0 "Status: 500 Internal Server Error"
	[ "${lines[-2]}" = "no answer" ]
	[ "${lines[-1]}" = "END 0 0" ]
	grep -q '^wa-webhook.cgi: run me as a CGI program (REQUEST_METHOD is not set)' "$LOG"
}

@test "the child's environment is the request's parameters only; a name with '=' or a value with NUL is left out" {
	printf 'WA_APP_SECRET=%s\n' "$SECRET" >"$BATS_TEST_TMPDIR/env-notoken"
	chmod 600 "$BATS_TEST_TMPDIR/env-notoken"
	# the server's own environment has the token and the configuration
	# that holds it: a request that does not carry them must not see them
	WA_VERIFY_TOKEN=verify-me-42 start
	run fcgi <<'PY'
notoken = {"AI_EMPLOYEE_CONFIG": os.environ["BATS_TEST_TMPDIR"] + "/env-notoken"}
for params, query in [
        (nginx(query=hub(1), env=notoken), hub(1)),
        (nginx(query=hub(2), drop=("AI_EMPLOYEE_CONFIG", "HOME")), hub(2)),
        (nginx(query=hub(3, "sneaky%3Dx"), env=notoken,
               extra=[("WA_VERIFY_TOKEN=sneaky", "x")]), None),
        (nginx(query=hub(4, "tok"), env=notoken,
               extra=[("WA_VERIFY_TOKEN", "tok\0en")]), None),
        (nginx(query=hub(5, "from-param"), env=notoken,
               extra=[("WA_VERIFY_TOKEN", "from-param")]), None)]:
    s = connect()
    request(s, 1, params)
    print(status(s, 1))
PY
	assert_success
	assert_output "Status: 503 Service Unavailable | the webhook is not set up
Status: 503 Service Unavailable | the webhook is not set up
Status: 503 Service Unavailable | the webhook is not set up
Status: 503 Service Unavailable | the webhook is not set up
Status: 200 OK | 5"
	[ "$(grep -c '^wa-webhook: WA_VERIFY_TOKEN is not set$' "$LOG")" -eq 4 ]
}

@test "FCGI_KEEP_CONN: requests in turn on one connection are all answered; without it the connection ends with the answer" {
	start
	run fcgi <<'PY'
s = connect()
request(s, 1, nginx(query=hub(111)), keep=True)
print(status(s, 1))
request(s, 0x1234, nginx(query=hub(222)), keep=True)
print(status(s, 0x1234))
print(closed(s, 0.5))
request(s, 3, nginx(query=hub(333)))
print(status(s, 3))
print(closed(s))
# two requests sent at once (one write: the server may close before a
# second one) without the flag: the first answered only
s = connect()
s.sendall(b"".join(begin(i) + stream(PARAMS, i, pairs(nginx(query=hub(q)))) +
                   stream(STDIN, i, b"") for i, q in ((1, 444), (2, 555))))
print(status(s, 1))
print(closed(s))
PY
	assert_success
	assert_output "Status: 200 OK | 111
Status: 200 OK | 222
open
Status: 200 OK | 333
closed
Status: 200 OK | 444
closed"
	[ ! -s "$LOG" ]
}

@test "FCGI_GET_VALUES is answered with the three values; another management type is UNKNOWN_TYPE" {
	start
	run fcgi <<'PY'
s = connect()
s.sendall(record(GET_VALUES, 0, pairs([("FCGI_MAX_CONNS", ""),
    ("FCGI_NOT_A_VALUE", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", "")])))
kind, rid, body = read_record(s)
print(kind, rid)
for k, v in unpairs(body):
    print("%s=%s" % (k, v))
s.sendall(record(20, 0, bytes(8)))
kind, rid, body = read_record(s)
print(kind, rid, body.hex())
# still open: a request on it is answered
request(s, 1, nginx(query=hub(777)))
print(status(s, 1))
PY
	assert_success
	assert_output "10 0
FCGI_MAX_CONNS=1
FCGI_MAX_REQS=1
FCGI_MPXS_CONNS=0
11 0 1400000000000000
Status: 200 OK | 777"
}

@test "protocol errors close the connection with one line of the log each; the server answers the next" {
	start
	local workers
	workers=$(pgrep -P "$PID" | sort)
	run fcgi <<'PY'
good = begin(1) + stream(PARAMS, 1, pairs(nginx(query=hub(1)))) + stream(STDIN, 1, b"")
cases = [
    ("version", record(BEGIN, 1, struct.pack(">HB5x", 1, 0), version=2)),
    ("never began", record(PARAMS, 7, pairs([("A", "b")]))),
    ("another id", begin(1) + record(PARAMS, 2, pairs([("A", "b")]))),
    ("abort", begin(1) + record(PARAMS, 1, pairs([("A", "b")])) + record(ABORT, 1)),
    ("second begin", begin(1) + begin(2)),
    ("params over 64 KiB", begin(1) + record(PARAMS, 1, bytes(40000)) +
        record(PARAMS, 1, bytes(30000))),
    ("after the answer", None),
    ("cut short", good[:-13]),
]
for name, data in cases:
    s = connect()
    if data is None:
        # garbage after a request without FCGI_KEEP_CONN is never read
        s.sendall(good + b"\xff" * 16)
        answer(s, 1)
    else:
        s.sendall(data)
        if name == "cut short":
            s.shutdown(socket.SHUT_WR)
    print(name, closed(s))
s = connect()
request(s, 1, nginx(query=hub(888)))
print(status(s, 1))
PY
	assert_success
	assert_output "version closed
never began closed
another id closed
abort closed
second begin closed
params over 64 KiB closed
after the answer closed
cut short closed
Status: 200 OK | 888"
	run cat "$LOG"
	assert_output "wa-webhook: FastCGI: FastCGI version 2, not 1
wa-webhook: FastCGI: a record of type 4 for request 7, which did not begin
wa-webhook: FastCGI: a record of type 4 for request 2, which did not begin
wa-webhook: FastCGI: request 1 aborted
wa-webhook: FastCGI: a second request on the connection while 1 runs (no multiplexing)
wa-webhook: FastCGI: parameters over 65536 bytes"
	# no worker died on the way (one would have been started again)
	[ "$(pgrep -P "$PID" | sort)" = "$workers" ]
}

@test "a signed delivery over STDIN files its item; a body short of CONTENT_LENGTH is 400, one past it is not filed" {
	start
	"$META" payload text wamid.FCGI1 "Hello over FastCGI" >"$P"
	P=$P SIG=$("$META" sign "$SECRET" "$P") run fcgi <<'PY'
body = open(os.environ["P"], "rb").read()
sig = {"HTTP_X_HUB_SIGNATURE_256": os.environ["SIG"]}
# the body in STDIN records of 100 bytes
s = connect()
request(s, 1, nginx("POST", body=body, env=sig), body, size=100)
print(status(s, 1))
# CONTENT_LENGTH promises 10 bytes more than STDIN brings
s = connect()
request(s, 1, nginx("POST", body=body + bytes(10), env=sig), body)
print(status(s, 1))
# STDIN brings 10 bytes more than CONTENT_LENGTH: the CGI reads what was
# promised, which is not what was signed
s = connect()
request(s, 1, nginx("POST", body=body[:-10], env=sig), body)
print(status(s, 1))
PY
	assert_success
	assert_output "Status: 200 OK | ok
Status: 400 Bad Request | bad request body
Status: 401 Unauthorized | bad signature"
	wait_for -t 5 eval '[ "$(items | wc -l)" -eq 1 ]'
	[ "$(fm wamid)" = wamid.FCGI1 ]
	[ "$(sed '1,/^---$/d' "$(items)")" = "Hello over FastCGI" ]
	grep -q '^wa-webhook: wrong signature, payload dropped (from 127.0.0.1)$' "$LOG"
}

@test "SIGTERM: the connection in hand is answered, the socket removed, exit 0, nothing left; SIGINT too" {
	start
	run fcgi <<'PY'
s = connect()
req = begin(1) + stream(PARAMS, 1, pairs(nginx(query=hub(999)))) + stream(STDIN, 1, b"")
s.sendall(req[:40])
time.sleep(0.3)
os.kill(int(os.environ["PID"]), signal.SIGTERM)
for _ in range(100):
    if not os.path.exists(SOCK):
        break
    time.sleep(0.05)
print("socket", "removed" if not os.path.exists(SOCK) else "still there")
s.sendall(req[40:])
print(status(s, 1))
PY
	assert_success
	assert_output "socket removed
Status: 200 OK | 999"
	wait_for -t 5 gone "$PID"
	local rc=0
	wait "$PID" || rc=$?
	PID=
	[ "$rc" -eq 0 ]
	[ ! -e "$SOCK" ]
	run pgrep -f -- "$SOCK"
	assert_failure
	start
	kill -INT "$PID"
	wait_for -t 5 gone "$PID"
	rc=0
	wait "$PID" || rc=$?
	PID=
	[ "$rc" -eq 0 ]
	[ ! -e "$SOCK" ]
	run pgrep -f -- "$SOCK"
	assert_failure
}

@test "a stale socket at the path is replaced and served; a file or a directory there is refused and left" {
	/usr/bin/python3 -c 'import os, socket; socket.socket(socket.AF_UNIX).bind(os.environ["SOCK"])'
	[ -S "$SOCK" ]
	start
	run fcgi <<'PY'
s = connect()
request(s, 1, nginx(query=hub(4242)))
print(status(s, 1))
PY
	assert_success
	assert_output "Status: 200 OK | 4242"
	kill -TERM "$PID"
	wait_for -t 5 gone "$PID"
	wait "$PID" || true
	PID=
	printf 'not a socket\n' >"$SOCK"
	run -2 --separate-stderr timeout 5 "$AIE_CGI/wa-webhook.cgi" -s "unix:$SOCK"
	[ "$stderr" = "wa-webhook: $SOCK: there, and not a socket" ]
	[ "$(cat "$SOCK")" = "not a socket" ]
	rm "$SOCK"
	mkdir "$SOCK"
	run -2 --separate-stderr timeout 5 "$AIE_CGI/wa-webhook.cgi" -s "$SOCK"
	[ "$stderr" = "wa-webhook: $SOCK: there, and not a socket" ]
	[ -d "$SOCK" ]
}

@test "bad options: -c 0, -c x, -c 65, no -s, an empty socket, extra arguments exit 2 with a usage line" {
	local args
	for args in "-s unix:$SOCK -c 0" "-s unix:$SOCK -c x" "-s unix:$SOCK -c 65" \
	    "-s unix:$SOCK -c 2x"; do
		# shellcheck disable=SC2086 # the words of args
		run -2 --separate-stderr timeout 5 "$AIE_CGI/wa-webhook.cgi" $args
		[ "$stderr" = "wa-webhook: -c ${args##* }: a number of workers from 1 to 64" ] ||
		    fail "$args: $stderr"
	done
	for args in "-c 2" "-s unix:" "-s unix:$SOCK extra" "-s unix:$SOCK -x" "-s"; do
		# shellcheck disable=SC2086 # the words of args
		run -2 --separate-stderr timeout 5 "$AIE_CGI/wa-webhook.cgi" $args
		[[ ${stderr_lines[-2]} == "usage: wa-webhook.cgi (as a CGI program)" ]] ||
		    fail "$args: $stderr"
		[[ ${stderr_lines[-1]} == *"wa-webhook.cgi -s [unix:]SOCKET [-c WORKERS]" ]] ||
		    fail "$args: $stderr"
	done
	[ ! -e "$SOCK" ]
}

@test "-c 3: three workers take connections at once; one killed is started again" {
	start -c 3
	wait_for eval '[ "$(group | wc -l)" -eq 4 ]'
	[ "$(pgrep -P "$PID" | wc -l)" -eq 3 ]
	# three requests held begun: a fourth waits for a worker
	run fcgi <<'PY'
held = []
for i in range(3):
    s = connect()
    s.sendall(begin(1) + stream(PARAMS, 1, pairs(nginx(query=hub(i)))))
    held.append(s)
time.sleep(0.2)
fourth = connect()
request(fourth, 1, nginx(query=hub(3)))
print("fourth", closed(fourth, 0.5))
for s in held:
    s.sendall(stream(STDIN, 1, b""))
    print(status(s, 1))
print(status(fourth, 1))
PY
	assert_success
	assert_output "fourth open
Status: 200 OK | 0
Status: 200 OK | 1
Status: 200 OK | 2
Status: 200 OK | 3"
	local victim
	victim=$(pgrep -P "$PID" | head -1)
	kill -KILL "$victim"
	wait_for -t 5 grep -q "^fcgi: worker $victim ended (status 9); started again\$" "$LOG"
	wait_for eval '[ "$(pgrep -P "$PID" | wc -l)" -eq 3 ]'
	run pgrep -P "$PID"
	refute_line "$victim"
	handshake_ok 31337
}

@test "a server listening at the path is not displaced by a second one" {
	start
	run -75 --separate-stderr timeout 5 "$AIE_CGI/wa-webhook.cgi" -s "unix:$SOCK"
	[ "$stderr" = "wa-webhook: $SOCK: a server is listening there" ]
	[ -S "$SOCK" ]
	handshake_ok 606
}

@test "a connection idle between requests does not hold the stop" {
	start
	run fcgi <<'PY'
s = connect()
request(s, 1, nginx(query=hub(707)), keep=True)
print(status(s, 1))
idle = connect()
time.sleep(0.2)
os.kill(int(os.environ["PID"]), signal.SIGTERM)
print(closed(s, 3), closed(idle, 3))
PY
	assert_output "Status: 200 OK | 707
closed closed"
	wait_for -t 3 gone "$PID"
}

@test "a request's child is reaped when it ends, not left a zombie" {
	start
	"$META" payload text wamid.Z1 "zombie?" >"$P"
	P=$P SIG=$("$META" sign "$SECRET" "$P") run fcgi <<'PY'
body = open(os.environ["P"], "rb").read()
s = connect()
request(s, 1, nginx("POST", body=body, env={"HTTP_X_HUB_SIGNATURE_256": os.environ["SIG"]}), body)
print(status(s, 1))
PY
	assert_output "Status: 200 OK | ok"
	wait_for -t 5 eval '[ "$(items | wc -l)" -eq 1 ]'
	wait_for -t 3 eval '[ "$(group | wc -l)" -eq 3 ]'
}
