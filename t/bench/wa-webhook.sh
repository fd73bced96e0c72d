#!/bin/bash
# t/bench/wa-webhook.sh - issue 18's benchmark: wa-webhook.cgi taking
# Meta's signed deliveries through nginx, as requests/s beside the ceiling
# of any CGI here: a static no-op CGI behind nginx + fcgiwrap -c 2, loaded
# with the same requests. The webhook is measured as deployed, behind its
# own FastCGI server (wa-webhook.cgi -s, 2 workers, a fork per request),
# and for reference as a CGI behind fcgiwrap -c 2 (an exec per request).
# Target: the deployed webhook at least 75 % of the no-op's requests/s.
#
# Each request is a different message from a different sender (one new
# item each, so no join rewrites a growing item), pre-signed with the app
# secret, posted by wrk from a Lua script; when they run out they come
# again and are dropped as Meta's retries are; each server's runs post
# from a slice of their own. The servers are loaded in turns (BENCH_WA_ROUNDS rounds of BENCH_WA_DURATION s each) and the
# medians compared, so that both see the same neighbours on a shared
# machine; the load average is printed before and after. Needs wrk. A
# benchmark, not a test: exits 0 unless it could not run.
#
#   BENCH_WA_MESSAGES  signed deliveries prepared (default 120000)
#   BENCH_WA_ROUNDS    rounds (default 3)
#   BENCH_WA_DURATION  seconds of load per run (default 10)
#   BENCH_WA_TMP       where the vault is made (default /tmp; /dev/shm
#                      leaves the disk's fsync out: the CGI's own cost)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${AIE_BIN:-$top/build/bin}
cgi=${AIE_CGI:-$top/build/cgi}
N=${BENCH_WA_MESSAGES:-120000}
ROUNDS=${BENCH_WA_ROUNDS:-3}
DUR=${BENCH_WA_DURATION:-10}
SECRET=bench-app-secret
[ -x "$cgi/wa-webhook.cgi" ] || { echo "wa-webhook.sh: $cgi/wa-webhook.cgi: not built (run make)" >&2; exit 1; }
for p in wrk /usr/sbin/nginx /usr/sbin/fcgiwrap; do
	command -v "$p" >/dev/null || { echo "wa-webhook.sh: $p is not installed; no webhook bench" >&2; exit 0; }
done

tmp=$(mktemp -d "${BENCH_WA_TMP:-/tmp}/aie-bench-wa.XXXXXX")
export HOME=$tmp/home VAULT_DIR=$tmp/vault VAULT_AGENT=cloud \
    AI_EMPLOYEE_CONFIG=$tmp/env TZ=UTC
pids=""
# every server this script starts, it stops; BENCH_DEBUG=1 keeps $tmp
cleanup() {
	local d
	for d in "$tmp"/web-*; do
		[ -f "$d/nginx.pid" ] && kill "$(cat "$d/nginx.pid")" 2>/dev/null
	done
	for p in $pids; do
		kill -- "-$p" 2>/dev/null || true
	done
	if [ -n "${BENCH_DEBUG:-}" ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
mkdir -p "$HOME"
printf 'WA_APP_SECRET=%s\nWA_VERIFY_TOKEN=bench\n' "$SECRET" >"$AI_EMPLOYEE_CONFIG"
chmod 600 "$AI_EMPLOYEE_CONFIG"
"$bin/vault-init" -q -a cloud "$VAULT_DIR" >/dev/null

# N deliveries, one line each: the signature, a tab, the body (as Meta
# sends them: t/fake/meta.py's shape, a sender of its own each).
python3 - "$N" "$SECRET" >"$tmp/deliveries" <<'PY'
import hashlib, hmac, json, sys, time
n, secret = int(sys.argv[1]), sys.argv[2].encode()
now = int(time.time())
for i in range(n):
    wa = "1555%07d" % i
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111",
                         "phone_number_id": "1098765"},
            "contacts": [{"profile": {"name": "Customer %d" % i}, "wa_id": wa}],
            "messages": [{"from": wa, "id": "wamid.BENCH%08d" % i,
                          "timestamp": str(now), "type": "text",
                          "text": {"body": "Hello, is order %d ready?" % i}}]}}]}]},
        separators=(",", ":"))
    sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    print("sha256=%s\t%s" % (sig, body))
PY
cat >"$tmp/post.lua" <<'LUA'
-- each wrk thread posts its own share of the deliveries, in turn, from
-- the run's own slice of them (a new message each, not Meta's retries)
local threads = 0
function setup(thread)
	thread:set("tid", threads)
	threads = threads + 1
end
local reqs, i = {}, 0
function init(args)
	local n, tid, every, from = 0, tid or 0, tonumber(args[2]), tonumber(args[3])
	for line in io.lines(args[1]) do
		if n >= from and n % every == tid then
			local sig, body = line:match("^([^\t]+)\t(.*)$")
			reqs[#reqs + 1] = wrk.format("POST", nil, {
				["Content-Type"] = "application/json",
				["X-Hub-Signature-256"] = sig }, body)
		end
		n = n + 1
	end
end
function request()
	i = i % #reqs + 1
	return reqs[i]
end
LUA

# The ceiling: a CGI that reads the request's body and answers what the
# webhook answers, nothing else.
cat >"$tmp/noop.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	char b[65536];
	while (read(0, b, sizeof b) > 0)
		;
	fputs("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nok\n", stdout);
	return 0;
}
C
cc -O2 -static -o "$tmp/noop.cgi" "$tmp/noop.c" 2>/dev/null || cc -O2 -o "$tmp/noop.cgi" "$tmp/noop.c"

free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
# serve NAME CGI [fastcgi]: nginx + fcgiwrap -c 2 in front of CGI (with
# fastcgi: CGI's own FastCGI server, -s -c 2), as t/35 sets the webhook up
# (render-nginx.sh, the body cap of nginx-wa-webhook.conf); its URL on
# stdout.
serve() {
	local d=$tmp/web-$1 port user=""
	port=$(free_port)
	mkdir -p "$d"
	[ "$(id -u)" -ne 0 ] || user="root root"
	"$top/share/deploy/render-nginx.sh" ${user:+-u "$user"} -o "$d/nginx.conf" \
	    "$d" "127.0.0.1:$port" "$d/s.sock" "$2" 2>/dev/null
	sed -i 's/client_max_body_size 1m;/client_max_body_size 4m;/' "$d/nginx.conf"
	if [ "${3:-}" = fastcgi ]; then
		setsid "$2" -s "unix:$d/s.sock" -c 2 </dev/null >>"$d/logs/fcgi.log" 2>&1 &
	else
		setsid /usr/sbin/fcgiwrap -c 2 -s "unix:$d/s.sock" </dev/null >>"$d/logs/fcgiwrap.log" 2>&1 &
	fi
	echo $! >"$d/fcgiwrap.pid"
	for _ in $(seq 100); do [ -S "$d/s.sock" ] && break; sleep 0.05; done
	/usr/sbin/nginx -p "$d/" -c "$d/nginx.conf" -e "$d/logs/error.log"
	echo "http://127.0.0.1:$port/"
}
hook=$(serve hook "$cgi/wa-webhook.cgi" fastcgi)
pids="$pids $(cat "$tmp/web-hook/fcgiwrap.pid")"
exec_hook=$(serve exec "$cgi/wa-webhook.cgi")
pids="$pids $(cat "$tmp/web-exec/fcgiwrap.pid")"
noop=$(serve noop "$tmp/noop.cgi")
pids="$pids $(cat "$tmp/web-noop/fcgiwrap.pid")"

# One delivery by hand first: 200 and an item (filed after the answer,
# so within 5 s), or no bench.
IFS=$'\t' read -r sig body < <(tail -n 1 "$tmp/deliveries")
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "X-Hub-Signature-256: $sig" --data-binary "$body" "$hook")
for _ in $(seq 50); do
	[ -z "$(ls "$VAULT_DIR/Needs_Action/whatsapp")" ] || break
	sleep 0.1
done
if [ "$code" != 200 ] || [ -z "$(ls "$VAULT_DIR/Needs_Action/whatsapp")" ]; then
	echo "wa-webhook.sh: a signed delivery got HTTP $code, or no item" >&2
	exit 1
fi
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary x "$noop")
[ "$code" = 200 ] || { echo "wa-webhook.sh: the no-op CGI: HTTP $code" >&2; exit 1; }

# What a new file costs beside the vault (create-cost.sh, which warns
# when it is high): the webhook makes one for each message, the no-op
# none, so a high cost understates the webhook.
create_us=$("$top/t/bench/create-cost.sh" "$tmp/probe")
echo "webhook bench: $N signed deliveries, nginx + (wa-webhook.cgi -s -c 2 | fcgiwrap -c 2), wrk -t2 -c10, $ROUNDS rounds of ${DUR}s in turns"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "a new file beside the vault: $create_us us"
# load URL SLICE: "RPS P99_MS NON2XX", posting from the SLICE-th of
# 2 * ROUNDS slices of the deliveries
load() {
	wrk -t2 -c10 -d"${DUR}s" --latency -s "$tmp/post.lua" "$1" -- "$tmp/deliveries" 2 \
	    $(($2 * N / (2 * ROUNDS))) >"$tmp/load"
	[ -z "${BENCH_DEBUG:-}" ] || cat "$tmp/load" >&2
	awk '
	function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s }
	/Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = ms($2) }
	/Non-2xx/ { err += $NF } /Socket errors/ { err += 1 }
	END { printf "%s %.1f %d\n", rps, p99, err }' "$tmp/load"
}
for r in $(seq 0 $((ROUNDS - 1))); do
	load "$noop" 0 | awk -v u="$noop" '{ print u, $0 }'
	load "$hook" $((2 * r)) | awk -v u="$hook" '{ print u, $0 }'
	load "$exec_hook" $((2 * r + 1)) | awk -v u="$exec_hook" '{ print u, $0 }'
done >"$tmp/runs"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 2   # the deliveries answered and still filing
items=$(find "$VAULT_DIR/Needs_Action/whatsapp" -name 'WA_*.md' | wc -l)
awk -v hook="$hook" -v exec_hook="$exec_hook" -v items="$items" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$1 == hook { h[++nh] = $2; hp[nh] = $3; he += $4; next }
$1 == exec_hook { x[++nx] = $2; xp[nx] = $3; xe += $4; next }
{ c[++nc] = $2; cp[nc] = $3; ce += $4 }
END {
	if (!nh || !nc || !nx) { print "webhook bench: the load gave no result"; exit }
	mh = median(h, nh); mc = median(c, nc); mx = median(x, nx)
	printf "no-op CGI (the ceiling):      %.0f req/s, p99 %.1f ms (median of %d runs), %d errors\n", mc, median(cp, nc), nc, ce
	printf "wa-webhook.cgi -s (deployed): %.0f req/s, p99 %.1f ms (median of %d runs), %d errors\n", mh, median(hp, nh), nh, he
	printf "wa-webhook.cgi by fcgiwrap:   %.0f req/s, p99 %.1f ms (median of %d runs), %d errors; %d items filed in all\n", mx, median(xp, nx), nx, xe, items
	printf "by fcgiwrap (an exec each) at %.0f %% of the ceiling\n", 100 * mx / mc
	printf "wa-webhook.cgi -s at %.0f %% of the ceiling (target >= 75 %%): %s\n", 100 * mh / mc, (mh >= 0.75 * mc) ? "meets" : "misses"
}' "$tmp/runs"
