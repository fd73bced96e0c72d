#!/bin/bash
# t/bench/mcp.sh - issue 21's MCP benchmark: tools/call round trips per
# second over one stdio session of vault-mcp, for read_item on a vault of
# BENCH_MCP_ITEMS items (a fifth in Needs_Action/email/, the rest in
# Done/email/YYYY-MM/), each call a random item, the next sent when the
# answer came. Prints the rate beside the target (2,000/s), the latency's
# median and 99th percentile, and the load average (uptime) before and
# after, with the CPUs: a loaded machine gives a lower rate, so the
# server's own CPU time a call is printed too (from /proc/PID/stat). Then the same
# for list_items (limit 50) and vault_status, for scale. A benchmark, not
# a test: exits 0 unless it could not run.
#
#   BENCH_MCP_ITEMS   items in the vault (default 10000)
#   BENCH_MCP_CALLS   read_item calls timed (default 10000; a tenth of it
#                     for list_items, a hundredth for vault_status)
#   BENCH_MCP_RUNS    times the read_item pass is run; each is printed
#                     (default 3)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${AIE_BIN:-$top/build/bin}
ITEMS=${BENCH_MCP_ITEMS:-10000}
CALLS=${BENCH_MCP_CALLS:-10000}
RUNS=${BENCH_MCP_RUNS:-3}
[ -x "$bin/vault-mcp" ] || { echo "mcp.sh: $bin/vault-mcp: not built (run make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/aie-bench-mcp.XXXXXX)
# the client stops the server it starts (it closes its stdin and waits)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
export HOME=$tmp/home AI_EMPLOYEE_CONFIG=$tmp/env TZ=UTC
mkdir -p "$HOME"
: >"$AI_EMPLOYEE_CONFIG"
chmod 600 "$AI_EMPLOYEE_CONFIG"

"$bin/vault-init" -q "$tmp/vault" >/dev/null
python3 - "$tmp/vault" "$ITEMS" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
body = "Hello, where is my order? " * 40 + "\n"
for i in range(n):
    if i % 5 == 0:
        d = os.path.join(root, "Needs_Action", "email")
    else:
        d = os.path.join(root, "Done", "email", "2026-%02d" % (i % 12 + 1))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "EMAIL_%06d.md" % i), "w") as f:
        f.write("---\ntype: email\nid: EMAIL_%06d\ncreated: 2026-11-30T10:15:00Z\n"
                "domain: email\nstatus: new\nfrom: \"Alice <alice@example.com>\"\n"
                "subject: Order %d\n---\n%s" % (i, i, body))
EOF

echo "MCP bench: vault-mcp, one stdio session, $ITEMS items; $(nproc) CPUs"
echo "load before: $(uptime)"
python3 - "$bin/vault-mcp" "$tmp/vault" "$ITEMS" "$CALLS" "$RUNS" <<'EOF'
import json, os, random, subprocess, sys, time
exe, vault, items, calls, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
# buffered: an unbuffered pipe's readline() reads a byte a syscall, which
# timed the client, not the server
p = subprocess.Popen([exe, "-C", vault, "-a", "bench"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, bufsize=65536)
out = p.stdout
n = 0

def call(method, params):
    global n
    n += 1
    p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": n, "method": method,
                               "params": params}) + "\n").encode())
    p.stdin.flush()
    r = json.loads(out.readline())
    if "error" in r or r.get("result", {}).get("isError"):
        sys.exit("mcp.sh: %s failed: %s" % (method, json.dumps(r)[:300]))
    return r

call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "1"}})
p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
p.stdin.flush()
rnd = random.Random(21)

def cpu():
    """vault-mcp's CPU time so far (user + system), in seconds."""
    with open("/proc/%d/stat" % p.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def bench(label, count, args_of, target=None):
    lat = []
    c0 = cpu()
    t0 = time.perf_counter()
    for _ in range(count):
        a = time.perf_counter()
        call("tools/call", args_of())
        lat.append(time.perf_counter() - a)
    el = time.perf_counter() - t0
    used = cpu() - c0
    lat.sort()
    rate = count / el
    verdict = ""
    if target:
        verdict = "  target >= %d/s: %s" % (target, "met" if rate >= target else "NOT met")
    print("%-22s %6d calls %7.2f s %7.0f/s  p50 %.3f ms  p99 %.3f ms%s" % (
        label, count, el, rate, lat[len(lat) // 2] * 1e3,
        lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3, verdict))
    # the server's own work, apart from waiting for a CPU on a loaded
    # machine: what one idle core would give at most
    if used > 0:
        print("%-22s vault-mcp CPU %.0f us a call: at most %.0f/s on an idle core" % (
            "", used / count * 1e6, count / used))

read = lambda: {"name": "read_item", "arguments": {"id": "EMAIL_%06d" % rnd.randrange(items)}}
for r in range(runs):
    bench("read_item (run %d)" % (r + 1), calls, read, 2000)
bench("list_items limit 50", max(1, calls // 10),
      lambda: {"name": "list_items", "arguments": {"limit": 50}})
bench("vault_status", max(1, calls // 100),
      lambda: {"name": "vault_status", "arguments": {}})
p.stdin.close()
if p.wait() != 0:
    sys.exit("mcp.sh: vault-mcp exited %d" % p.returncode)
EOF
echo "load after:  $(uptime)"
