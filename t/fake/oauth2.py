#!/usr/bin/env python3
"""t/fake/oauth2.py - a fake OAuth 2.0 token introspection endpoint
(RFC 7662) on 127.0.0.1, for dovecot's oauth2 passdb in the XOAUTH2 tests
of mail-fetch.

usage: oauth2.py PORTFILE TOKEN USER LOG

Binds a free port and writes it to PORTFILE. POST /introspect with a form
body token=T (dovecot's introspection_mode = post) answers 200
{"active": true, "username": USER, ...} when T is TOKEN, else
{"active": false} as a real authorization server does for an unknown or
expired token. A request of another shape gets a 400 and a "problem" in
LOG (one JSON line per request; the token itself is never logged, only
whether it matched).
"""
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, TOKEN, USER, LOG = sys.argv[1:5]
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, rec):
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def do_GET(self):
        self.record({"method": "GET", "path": self.path,
                     "problem": "introspection wants POST"})
        self.reply(405, {"error": "invalid_request"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        rec = {"method": "POST", "path": self.path, "problem": None}
        ctype = self.headers.get("Content-Type", "")
        form = urllib.parse.parse_qs(raw)
        if self.path != "/introspect":
            rec["problem"] = "path is not /introspect"
        elif not ctype.startswith("application/x-www-form-urlencoded"):
            rec["problem"] = "content-type %r" % ctype
        elif len(form.get("token", [])) != 1:
            rec["problem"] = "no token= in the form body"
        if rec["problem"]:
            self.record(rec)
            return self.reply(400, {"error": "invalid_request"})
        good = form["token"][0] == TOKEN
        rec["token_ok"] = good
        self.record(rec)
        if not good:
            return self.reply(200, {"active": False})
        now = int(time.time())
        self.reply(200, {"active": True, "username": USER, "scope": "mail",
                         "token_type": "Bearer", "exp": now + 3600,
                         "iat": now})


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
