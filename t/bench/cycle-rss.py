#!/usr/bin/env python3
"""t/bench/cycle-rss.py PID JSONLOG OUT - the memory of each cycle of one
vault-sync --watch daemon (issue 25).

Every 50 ms it reads /proc/PID/status; when the daemon's --json log gains a
line (a cycle ended) it writes one JSON line to OUT: the cycle's number,
its peak (VmHWM, which the kernel keeps between our reads), the largest
RssAnon and RssFile seen by the 50 ms reads, what is left after it, and
the cycle's own counts from its log line. Then it resets the peak (writes
5 to /proc/PID/clear_refs) so that the next line is the next cycle's
alone. The run's peak is the largest of the cycles' (VmHWM itself is
reset). Exits when the daemon does."""
import json
import sys
import time

FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
COUNTS = ("staged", "fetched", "fastforward", "merged", "pushed",
          "repacked", "scanned", "ms", "ok")


def status(pid):
    d = {}
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in FIELDS:
                d[k] = int(v.split()[0])
    return d


def reset_peak(pid):
    with open("/proc/%s/clear_refs" % pid, "w") as f:
        f.write("5")


def main():
    pid, log, out = sys.argv[1:4]
    seen = 0
    tail = b""
    high = {"RssAnon": 0, "RssFile": 0}
    with open(out, "w") as o, open(log, "rb") as lf:
        # what it reached before we looked: "cycle" 0
        try:
            now = status(pid)
        except OSError as e:
            print("cycle-rss.py: /proc/%s/status: %s" % (pid, e.strerror),
                  file=sys.stderr)
            return 1
        o.write(json.dumps({"cycle": 0, "hwm": now["VmHWM"],
                            "anon": now["RssAnon"],
                            "file": now["RssFile"]}) + "\n")
        try:
            reset_peak(pid)
        except OSError as e:
            print("cycle-rss.py: /proc/%s/clear_refs: %s" % (pid, e.strerror),
                  file=sys.stderr)
            return 1
        while True:
            try:
                now = status(pid)
            except OSError:
                return 0        # the daemon is gone
            for k in high:
                high[k] = max(high[k], now[k])
            tail += lf.read()
            while b"\n" in tail:
                line, tail = tail.split(b"\n", 1)
                seen += 1
                try:
                    j = json.loads(line)
                except ValueError:
                    j = {}
                rec = {"cycle": seen, "hwm": now["VmHWM"],
                       "anon": high["RssAnon"], "file": high["RssFile"],
                       "after_anon": now["RssAnon"],
                       "after_file": now["RssFile"]}
                rec.update({k: j.get(k) for k in COUNTS})
                o.write(json.dumps(rec) + "\n")
                o.flush()
                try:
                    reset_peak(pid)
                except OSError:
                    return 0
                high = {k: now[k] for k in high}
            time.sleep(0.05)


sys.exit(main())
