"""scripted.py - what the fake API servers in t/fake/ share.

A fake binds 127.0.0.1 on a free port and writes the port to --port-file,
logs every request as one JSON line to --log, and answers from --script: a
file with one answer per line, given in order, as

    STATUS KIND [key=value ...] [text]

(text: the rest of the line, with \\n for a newline). With no script, every
request gets the default answer; when the script is used up, the answer is
HTTP 418, which no client retries, so a test sees an unexpected extra call.
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_line(line):
    parts = line.split(" ")
    status, kind, opts, i = int(parts[0]), parts[1], {}, 2
    while i < len(parts) and "=" in parts[i] and not parts[i].startswith("="):
        k, v = parts[i].split("=", 1)
        if not k.replace("-", "").replace("_", "").isalnum():
            break
        opts[k] = v
        i += 1
    text = " ".join(parts[i:]).replace("\\n", "\n")
    return status, kind, opts, text


class Script:
    def __init__(self, path, default):
        self.lock = threading.Lock()
        self.default = default
        self.lines = None
        if path:
            with open(path) as f:
                self.lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]

    def next(self):
        with self.lock:
            if self.lines is None:
                return parse_line(self.default)
            if not self.lines:
                return 418, "exhausted", {}, ""
            return parse_line(self.lines.pop(0))


class JsonScript:
    """The script of t/fake/api.py and social.py: JSON lines, each used
    once, the first whose "match" is part of the request line; a line used
    is kept, marked "#USED ". Also the numbers those fakes hand out as IDs."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.count = 0

    def next_id(self):
        with self.lock:
            self.count += 1
            return self.count

    def take(self, line):
        """The first unused entry matching line, marked used, or None."""
        with self.lock:
            try:
                with open(self.path) as f:
                    entries = f.read().splitlines()
            except FileNotFoundError:
                return None
            for i, e in enumerate(entries):
                if not e.strip() or e.startswith("#USED "):
                    continue
                d = json.loads(e)
                if d.get("match", "") in line:
                    entries[i] = "#USED " + e
                    with open(self.path, "w") as f:
                        f.write("\n".join(entries) + "\n")
                    return d
        return None


def serve(handler_cls, default):
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script")
    ap.add_argument("--key")
    a = ap.parse_args()
    handler_cls.script = Script(a.script, default)
    handler_cls.key = a.key
    handler_cls.logpath = a.log
    handler_cls.loglock = threading.Lock()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def read_json(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n)
        try:
            return json.loads(raw), raw
        except ValueError:
            return None, raw

    def log(self, entry):
        with self.loglock:
            with open(self.logpath, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
