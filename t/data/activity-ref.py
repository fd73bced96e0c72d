#!/usr/bin/env python3
"""The activity page's count and items by a plain reading of whole logs.

activity-ref.py LOGS QUERY: prints "<p>N event" and then one
'id=task_NNNNNN"' line per item the page QUERY of /activity shows, in
the page's order (see ai-employee-dashboard(1)): the lines of today's
log (range=7d: the 7 days', newest day first) that are JSON object
lines under 8191 bytes with their newline, newest first, matching the
agent and domain filters, 25 a page. The reference t/74 compares the
CGI's reading (count cache, reading back) with.
"""
import json
import sys
import time
import urllib.parse

logs, query = sys.argv[1], sys.argv[2]
q = dict(urllib.parse.parse_qsl(query))
days = 7 if q.get("range") == "7d" else 1
page = int(q.get("page", "0"))
domain, agent = q.get("domain"), q.get("agent")


def path_domain(rel):
    parts = (rel or "").split("/")
    return parts[1] if len(parts) > 2 and parts[0] != "In_Progress" else None


def matches(line):
    if not line.startswith(b"{") or b"\0" in line:
        return False
    if not domain and not agent:
        return True
    try:
        o = json.loads(line)
    except ValueError:
        return False
    if not isinstance(o, dict):
        return False
    if agent and o.get("agent") != agent:
        return False
    return not domain or domain in (path_domain(o.get("from")),
                                     path_domain(o.get("to")))


events = []
now = time.time()
for d in range(days):
    name = time.strftime("%Y-%m-%d", time.gmtime(now - d * 86400))
    try:
        with open("%s/%s.jsonl" % (logs, name), "rb") as f:
            data = f.read()
    except FileNotFoundError:
        continue
    lines = [l for l in data.split(b"\n")]
    if lines and lines[-1] == b"":
        lines.pop()
    day = [l for l in lines if len(l) <= 8190 and matches(l)]
    events.extend(reversed(day))
print("<p>%d event" % len(events))
for line in events[page * 25:page * 25 + 25]:
    try:
        print('id=%s"' % json.loads(line)["id"])
    except (ValueError, KeyError):
        pass
