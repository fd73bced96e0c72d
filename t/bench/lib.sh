# shellcheck shell=bash
# t/bench/lib.sh - what the dashboard's benchmarks share (sourced by
# dashboard.sh and pages.sh, after `set -eu`): a temporary home with a
# vault and a dashboard password, nginx + fcgiwrap started and always
# stopped, a logged-in session, a load generator and a no-op CGI.
#
# bench_init NAME: top, bin, cgi; tmp (removed on exit unless
# BENCH_DEBUG=1); HOME, VAULT_DIR, AI_EMPLOYEE_CONFIG exported; an empty
# vault made and the password PW set. Every server started under
# $tmp/web* is stopped on exit.
bench_init() {
	BENCH_NAME=$1
	top=$(cd "$(dirname "$0")/../.." && pwd)
	bin=${AIE_BIN:-$top/build/bin}
	cgi=${AIE_CGI:-$top/build/cgi}
	PW=bench-horse-battery
	tmp=$(mktemp -d "/tmp/aie-bench-$BENCH_NAME.XXXXXX")
	export HOME=$tmp/home VAULT_DIR=$tmp/vault AI_EMPLOYEE_CONFIG=$tmp/env TZ=UTC
	export FCGIWRAP_CHILDREN=2 AIE_CGI=$cgi AIE_BIN=$bin
	trap bench_cleanup EXIT
	mkdir -p "$HOME"
	: >"$AI_EMPLOYEE_CONFIG"
	chmod 600 "$AI_EMPLOYEE_CONFIG"
	"$bin/vault-init" -q "$VAULT_DIR" >/dev/null
	echo "$PW" | "$bin/dashboard-passwd" -q
}

# bench_fail MESSAGE: say it, prefixed with the script's name; exit 1.
bench_fail() {
	echo "$BENCH_NAME.sh: $*" >&2
	exit 1
}

# stop_servers: every nginx + fcgiwrap this script started.
stop_servers() {
	local d
	for d in "$tmp"/web "$tmp"/web-*; do
		[ ! -d "$d" ] || "$top/cgi/run-dashboard" stop "$d" || true
	done
}

bench_cleanup() {
	stop_servers
	if [ -n "${BENCH_DEBUG:-}" ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}

# free_port: a TCP port nothing listens on, on the loopback.
free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# bench_login URL: a session, as t/60-dashboard.bats logs in: sess (the
# cookie's value) and cookie (the request header).
bench_login() {
	local jar=$tmp/jar tok
	curl -s -c "$jar" -o "$tmp/login.html" "$1/login"
	tok=$(grep -o 'name="csrf" value="[^"]*"' "$tmp/login.html" | head -n 1 | sed 's/.*value="//; s/"$//')
	curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $1" \
	    --data-urlencode "csrf=$tok" --data-urlencode "password=$PW" "$1/login"
	sess=$(awk '$6 == "aie_session" {print $7}' "$jar")
	[ -n "$sess" ] || bench_fail "could not log in"
	cookie="Cookie: aie_session=$sess"
}

# bench_noop OUT: a static C program that only answers 204, at OUT: what
# any process costs here.
bench_noop() {
	local noop='#include <stdio.h>
int main(void) { fputs("Status: 204 No Content\r\n\r\n", stdout); return 0; }'
	printf '%s\n' "$noop" | cc -O2 -static -x c -o "$1" - 2>/dev/null ||
	    printf '%s\n' "$noop" | cc -O2 -x c -o "$1" -
}

# The load generator: wrk (-t2 -c10 --latency) if installed, else ab, else
# a sequential curl loop; load_tool says which (to the sourcing script).
# shellcheck disable=SC2034
if command -v wrk >/dev/null; then
	load_tool="wrk -t2 -c10 --latency"
elif command -v ab >/dev/null; then
	load_tool="ab -c10"
else
	load_tool="curl, one request at a time"
fi

# load URL SECONDS: load URL with the session's cookie; print "RPS P50_MS
# P99_MS ERRORS".
load() {
	local out=$tmp/load d=$2
	if command -v wrk >/dev/null; then
		wrk -t2 -c10 -d"${d}s" --latency -H "$cookie" "$1" >"$out"
		[ -z "${BENCH_DEBUG:-}" ] || cat "$out" >&2
		awk '
		function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s }
		/Requests\/sec/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
		/Non-2xx/ { err += $NF } /Socket errors/ { err += 1 }
		END { printf "%s %.1f %.1f %d\n", rps, p50, p99, err }' "$out"
	elif command -v ab >/dev/null; then
		ab -q -c10 -t"$d" -n 1000000 -H "$cookie" "$1" >"$out" 2>&1
		awk '/Requests per second/ { rps = $4 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		/Non-2xx/ { err += $NF } /Failed requests/ { err += $3 }
		END { printf "%s %s %s %d\n", rps, p50, p99, err }' "$out"
	else
		local end=$((SECONDS + d))
		while [ $SECONDS -lt "$end" ]; do
			curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "$cookie" "$1"
		done >"$out"
		awk '{ n++; if ($1 != 200) err++; print $2 * 1000 | "sort -n > '"$tmp"'/lat" }
		END { close("sort -n > '"$tmp"'/lat"); while ((getline l < "'"$tmp"'/lat") > 0) a[++k] = l
		printf "%.1f %.1f %.1f %d\n", n / '"$d"', a[int(k * 0.5) + 1], a[int(k * 0.99) + 1], err }' "$out"
	fi
}
