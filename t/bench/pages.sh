#!/bin/bash
# t/bench/pages.sh - what the read-only pages cost (see
# ai-employee-dashboard(1), "Reading the vault"). Both CGIs are linked
# statically; pages.cgi loads the shared libmd4c (shared-only on Debian)
# when it renders a page. So first the cold start alone, without nginx:
# the median wall time of one exec of each answering a 404 before the
# vault is opened (web_init, the configuration, the reply: the same work
# in both, so a difference is the loader's, were pages.cgi linked
# dynamically), of pages.cgi rendering a
# briefing and listing BENCH_PLANS plans, and of dashboard.cgi serving its
# cached /api/status, beside a static no-op program, spawned in turns
# BENCH_SPAWNS times each. Then through nginx + fcgiwrap -c 2 under load:
# /briefings, a briefing and /plans beside /api/status, all four with
# their caches warm (the briefing's rendered HTML too), loaded in turns (BENCH_PAGES_ROUNDS rounds, the load
# average printed before each) so that they share the machine's moods;
# their medians are compared (issue 22: the list pages within 25 % of
# /api/status's rate). A benchmark, not a test: exits 0 unless it could
# not run.
#
#   BENCH_PLANS      plans in the vault (default 10000)
#   BENCH_BRIEFINGS  briefings (default 200, four years of Mondays)
#   BENCH_SPAWNS     execs of each program alone (default 500)
#   BENCH_DURATION   seconds of load per URL and round (default 10)
#   BENCH_PAGES_ROUNDS     rounds of the four URLs in turns (default 3)
set -eu

# shellcheck source=t/bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init pages
PLANS=${BENCH_PLANS:-10000}
BRIEFINGS=${BENCH_BRIEFINGS:-200}
SPAWNS=${BENCH_SPAWNS:-500}
DUR=${BENCH_DURATION:-10}
ROUNDS=${BENCH_PAGES_ROUNDS:-3}
for p in dashboard.cgi pages.cgi; do
	[ -x "$cgi/$p" ] || bench_fail "$cgi/$p: not built (run make)"
done

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

port=$(free_port)
url=http://127.0.0.1:$port
"$top/cgi/run-dashboard" start "$tmp/web" "$port"
bench_login "$url"
for p in /api/status /briefings "/${brief/Briefings/briefings}" /plans; do
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "$cookie" "$url$p")
	[ "$code" = 200 ] || bench_fail "GET $p: HTTP $code"
	echo "GET $p: $(wc -c <"$tmp/body") bytes"
done
sleep 3          # the caches are written once the vault rested 2 s
for p in /api/status /briefings "/${brief/Briefings/briefings}" /plans; do
	curl -s -o /dev/null -H "$cookie" "$url$p"
	curl -s -o /dev/null -D "$tmp/hdr" -H "$cookie" "$url$p"
	grep -qi '^X-Status-Cache: hit' "$tmp/hdr" || bench_fail "GET $p: the cache does not hit"
done

echo "load before: $(uptime)"
bench_noop "$tmp/noop.cgi"
python3 - "$cgi" "$tmp/noop.cgi" "$SPAWNS" "$sess" "$port" "/${brief/Briefings/briefings}" <<'EOF'
import os, statistics, sys, time
cgi, noop, n, sess, port, brief = sys.argv[1:7]
n = int(n)
base = {k: os.environ[k] for k in ("PATH", "HOME", "VAULT_DIR", "AI_EMPLOYEE_CONFIG", "TZ")}
base.update(REQUEST_METHOD="GET", SERVER_PORT="80", HTTP_HOST="127.0.0.1:" + port,
            REMOTE_ADDR="127.0.0.1", HTTP_COOKIE="aie_session=" + sess)
runs = [  # label, program, path, the status it must answer
    ("dashboard.cgi (static), a 404", cgi + "/dashboard.cgi", "/nosuch", "404"),
    ("pages.cgi, a 404", cgi + "/pages.cgi", "/nosuch", "404"),
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
s, d = med["dashboard.cgi (static), a 404"], med["pages.cgi, a 404"]
print("  pages.cgi's 404 costs %.2f ms more than the dashboard's (%.0f %% of its"
      " cold start)" % (d - s, 100 * (d - s) / s))
EOF

echo "through nginx + fcgiwrap -c 2, load by $load_tool, ${DUR}s each, $ROUNDS rounds in turns:"
urls="/api/status /briefings /${brief/Briefings/briefings} /plans"
for r in $(seq "$ROUNDS"); do
	echo "  round $r, load: $(cut -d' ' -f1-3 /proc/loadavg)"
	for p in $urls; do
		read -r rps _ p99 err < <(load "$url$p" "$DUR")
		echo "$p $rps" >>"$tmp/rates"
		printf '    %-44s %8.1f req/s  p99 %6.1f ms  %d errors\n' "$p" "$rps" "$p99" "$err"
	done
done
awk -v urls="$urls" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; v[$1, n[$1]] = $2 }
END {
	k = split(urls, u, " ")
	for (i = 1; i <= k; i++) {
		for (j = 1; j <= n[u[i]]; j++) a[j] = v[u[i], j]
		m[u[i]] = median(a, n[u[i]])
	}
	printf "medians of %d rounds:\n", n[u[1]]
	for (i = 1; i <= k; i++) {
		printf "  %-44s %8.1f req/s", u[i], m[u[i]]
		if (i > 1 && m[u[1]] > 0)
			printf "  %3.0f %% of /api/status (issue 22: >= 75 %%): %s",
			    100 * m[u[i]] / m[u[1]], (m[u[i]] >= 0.75 * m[u[1]] ? "meets" : "misses")
		printf "\n"
	}
}' "$tmp/rates"
echo "load after: $(uptime)"
