#!/bin/bash
# t/bench/pages.sh - what the read-only pages cost (see
# ai-employee-dashboard(1), "Reading the vault"). pages.cgi is linked
# dynamically (libmd4c is shared-only on Debian) and dashboard.cgi
# statically, so first the cold start alone, without nginx: the median
# wall time of one exec of each answering a 404 before the vault is
# opened (web_init, the configuration, the reply: the same work in both,
# so the difference is the dynamic loader's), of pages.cgi rendering a
# briefing and listing BENCH_PLANS plans, and of dashboard.cgi serving its
# cached /api/status, beside a static no-op program, spawned in turns
# BENCH_SPAWNS times each. Then through nginx + fcgiwrap -c 2 under load:
# /briefings, a briefing and /plans beside /api/status with its cache
# warm (issue 22: the list pages within 25 % of its rate). uptime is
# printed before and after: the machine is shared. A benchmark, not a
# test: exits 0 unless it could not run.
#
#   BENCH_PLANS      plans in the vault (default 1000)
#   BENCH_BRIEFINGS  briefings (default 200, four years of Mondays)
#   BENCH_SPAWNS     execs of each program alone (default 500)
#   BENCH_DURATION   seconds of load per URL (default 10)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${AIE_BIN:-$top/build/bin}
cgi=${AIE_CGI:-$top/build/cgi}
PLANS=${BENCH_PLANS:-1000}
BRIEFINGS=${BENCH_BRIEFINGS:-200}
SPAWNS=${BENCH_SPAWNS:-500}
DUR=${BENCH_DURATION:-10}
PW=bench-horse-battery
for p in dashboard.cgi pages.cgi; do
	[ -x "$cgi/$p" ] || { echo "pages.sh: $cgi/$p: not built (run make)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/aie-bench-pages.XXXXXX)
export HOME=$tmp/home VAULT_DIR=$tmp/vault AI_EMPLOYEE_CONFIG=$tmp/env TZ=UTC
export FCGIWRAP_CHILDREN=2 AIE_CGI=$cgi AIE_BIN=$bin
cleanup() {
	"$top/cgi/run-dashboard" stop "$tmp/web" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$HOME"
: >"$AI_EMPLOYEE_CONFIG"
chmod 600 "$AI_EMPLOYEE_CONFIG"
"$bin/vault-init" -q "$VAULT_DIR" >/dev/null
echo "$PW" | "$bin/dashboard-passwd" -q

# PLANS plans over five domains, BRIEFINGS Mondays back from 2026-11-30,
# each briefing a page of the shape briefing(1) writes.
python3 - "$VAULT_DIR" "$PLANS" "$BRIEFINGS" <<'EOF'
import datetime, os, sys
root, plans, briefings = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(plans):
    d = ("email", "whatsapp", "social", "finance", "general")[i % 5]
    iid = "EMAIL_20261130T1015%02dZ_%06x" % (i % 60, i)
    os.makedirs(os.path.join(root, "Plans", d), exist_ok=True)
    with open(os.path.join(root, "Plans", d, "PLAN_%s.md" % iid), "w") as f:
        f.write("---\ntype: plan\nid: PLAN_%s\nsource: %s\ncreated: 2026-11-30T10:00:00Z\n"
                "domain: %s\nstatus: active\n---\nObjective: answer mail %d\n\n## Steps\n"
                "- [x] read it\n- [ ] reply (draft: DRAFT_%s)\n" % (iid, iid, d, i, iid))
os.makedirs(os.path.join(root, "Briefings"), exist_ok=True)
monday = datetime.date(2026, 11, 30)
for w in range(briefings):
    day = monday - datetime.timedelta(weeks=w)
    rows = "".join("| INV/2026/%05d | %d.00 | 2026-11-%02d |\n" % (k, 100 * k, k % 28 + 1)
                   for k in range(1, 21))
    with open(os.path.join(root, "Briefings", "%s_Monday_Briefing.md" % day), "w") as f:
        f.write("---\ntype: briefing\nperiod: week before %s\ngenerated: %sT07:00:00Z\n---\n"
                "# Monday Briefing, %s\n\n## Executive summary\n\nRevenue this week was "
                "4200.00 USD; **2 invoices** are overdue. See [the goals](../Business_Goals.md).\n\n"
                "## Revenue\n\n| invoice | amount | due |\n|---|---|---|\n%s\n"
                "## Work done\n\n- email 12\n- whatsapp 4\n- [ ] chase ACME\n" % (day, day, day, rows))
EOF
brief=Briefings/2026-11-30_Monday_Briefing.md

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
url=http://127.0.0.1:$port
"$top/cgi/run-dashboard" start "$tmp/web" "$port"
jar=$tmp/jar
curl -s -c "$jar" -o "$tmp/login.html" "$url/login"
tok=$(grep -o 'name="csrf" value="[^"]*"' "$tmp/login.html" | head -n 1 | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $url" \
    --data-urlencode "csrf=$tok" --data-urlencode "password=$PW" "$url/login"
sess=$(awk '$6 == "aie_session" {print $7}' "$jar")
[ -n "$sess" ] || { echo "pages.sh: could not log in" >&2; exit 1; }
cookie="Cookie: aie_session=$sess"
for p in /api/status /briefings "/${brief/Briefings/briefings}" /plans; do
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "$cookie" "$url$p")
	[ "$code" = 200 ] || { echo "pages.sh: GET $p: HTTP $code" >&2; exit 1; }
	echo "GET $p: $(wc -c <"$tmp/body") bytes"
done
sleep 3          # the status cache is written once the vault rested 2 s
curl -s -o /dev/null -H "$cookie" "$url/api/status"

echo "load before: $(uptime)"
noop='#include <stdio.h>
int main(void) { fputs("Status: 204 No Content\r\n\r\n", stdout); return 0; }'
printf '%s\n' "$noop" | cc -O2 -static -x c -o "$tmp/noop.cgi" - 2>/dev/null ||
    printf '%s\n' "$noop" | cc -O2 -x c -o "$tmp/noop.cgi" -
python3 - "$cgi" "$tmp/noop.cgi" "$SPAWNS" "$sess" "$port" "/${brief/Briefings/briefings}" <<'EOF'
import os, statistics, sys, time
cgi, noop, n, sess, port, brief = sys.argv[1:7]
n = int(n)
base = {k: os.environ[k] for k in ("PATH", "HOME", "VAULT_DIR", "AI_EMPLOYEE_CONFIG", "TZ")}
base.update(REQUEST_METHOD="GET", SERVER_PORT="80", HTTP_HOST="127.0.0.1:" + port,
            REMOTE_ADDR="127.0.0.1", HTTP_COOKIE="aie_session=" + sess)
runs = [  # label, program, path, the status it must answer
    ("dashboard.cgi (static), a 404", cgi + "/dashboard.cgi", "/nosuch", "404"),
    ("pages.cgi (dynamic), a 404", cgi + "/pages.cgi", "/nosuch", "404"),
    ("pages.cgi, a briefing", cgi + "/pages.cgi", brief, "200"),
    ("pages.cgi, /plans", cgi + "/pages.cgi", "/plans", "200"),
    ("dashboard.cgi, cached /api/status", cgi + "/dashboard.cgi", "/api/status", "200"),
    ("a static no-op program", noop, "/", "204"),
]
null = os.open(os.devnull, os.O_WRONLY)
for label, prog, path, want in runs:     # each answers as it should
    r, w = os.pipe()
    pid = os.posix_spawn(prog, [prog], dict(base, PATH_INFO=path),
                         file_actions=[(os.POSIX_SPAWN_DUP2, w, 1)])
    os.close(w)
    out = b""
    while chunk := os.read(r, 65536):
        out += chunk
    os.close(r)
    os.waitpid(pid, 0)
    if ("Status: " + want).encode() not in out.split(b"\r\n\r\n")[0]:
        sys.exit("pages.sh: %s: not %s: %r" % (label, want, out[:80]))
t = {label: [] for label, *_ in runs}
for _ in range(n):
    for label, prog, path, _ in runs:
        env = dict(base, PATH_INFO=path)
        t0 = time.perf_counter()
        pid = os.posix_spawn(prog, [prog], env, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
        os.waitpid(pid, 0)
        t[label].append(time.perf_counter() - t0)
med = {k: statistics.median(v) * 1e3 for k, v in t.items()}
print("one exec, alone (median of %d, in turns):" % n)
for label, *_ in runs:
    print("  %-36s %6.2f ms" % (label, med[label]))
s, d = med["dashboard.cgi (static), a 404"], med["pages.cgi (dynamic), a 404"]
print("  the dynamic link costs pages.cgi %.2f ms a request (%.0f %% of the static"
      " dashboard's cold start)" % (d - s, 100 * (d - s) / s))
EOF

if command -v wrk >/dev/null; then
	echo "through nginx + fcgiwrap -c 2, wrk -t2 -c10 ${DUR}s each:"
	for p in /api/status /briefings "/${brief/Briefings/briefings}" /plans; do
		wrk -t2 -c10 -d"${DUR}s" -H "$cookie" "$url$p" >"$tmp/wrk"
		rps=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk")
		errs=$(awk '/Non-2xx/ { e += $NF } END { print e + 0 }' "$tmp/wrk")
		echo "$p $rps" >>"$tmp/rates"
		printf '  %-44s %8.1f req/s  %d errors\n' "$p" "$rps" "$errs"
	done
	awk 'NR == 1 { base = $2; next }
	{ printf "  %-44s %5.0f %% of /api/status (issue 22: >= 75 %%)\n", $1, 100 * $2 / base }' "$tmp/rates"
else
	echo "no wrk (apt-get install wrk): the load through nginx is left out"
fi
echo "load after: $(uptime)"
