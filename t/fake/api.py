#!/usr/bin/env python3
"""t/fake/api.py - fake WhatsApp Cloud (Graph) API, Twilio and Odoo servers
on 127.0.0.1, for the tests of notify-wa, odoo-ping and vault-health.

usage: api.py PORTFILE SCRIPT LOG

Binds a free port and writes it to PORTFILE. Every request is checked as the
real service would (auth header, body shape, form fields); a request that
fails a check gets a 400 and a "problem" in LOG, one JSON line per request.

SCRIPT is read at each request: JSON lines, each used once, the first whose
"match" (a substring of "METHOD PATH BODY") fits. Keys of a line:
  status, json | raw        the reply (raw: bytes as given, e.g. garbage)
  delay                     seconds to wait first (time-outs)
  pass: true                then answer as without the line (a slow call)
  graph_error: CODE         a real Graph API error body (131047, 190, ...)
  twilio_error: CODE        a real Twilio error body
  rpc_result | rpc_error    a JSON-RPC reply (HTTP 200) with the request id
  json2_error: NAME         an Odoo JSON-2 error body (status from "status")
With no line matching, each path answers as the real service does when all
is well. Expected credentials come from FAKE_* environment variables.
Odoo's bus (its gevent port, behind a proxy): GET /websocket answers a
WebSocket handshake (101 with Sec-WebSocket-Accept, RFC 6455) and closes;
/longpolling/poll (Odoo 15 and before) answers []. Each request's
X-Forwarded-* and Upgrade headers are in LOG ("fwd").
Odoo's models (partners, invoices, ...) hold state in SCRIPT.odoo.json:
see odoo_model.py.
"""
import base64
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import odoo_model
import scripted

PORTFILE, SCRIPT, LOG = sys.argv[1:4]
E = os.environ.get
ODOO = odoo_model.Model(SCRIPT + ".odoo.json")
LOCK = threading.Lock()

# Media the fake Graph API holds: id -> (type, bytes).
MEDIA = {
    "1037543291543636": ("image/jpeg", b"\xff\xd8\xff\xe0" + b"fake jpeg " * 100),
    "2048": ("application/x-msdownload", b"MZ" + b"\0" * 64),
}

GRAPH_ERRORS = {
    131047: (400, "(#131047) Re-engagement message",
             "Message failed to send because more than 24 hours have passed "
             "since the customer last replied to this number."),
    131026: (400, "(#131026) Message undeliverable",
             "Unable to deliver message."),
    190: (401, "Error validating access token: Session has expired on "
          "Tuesday, 01-Dec-26 02:00:00 PST.", None),
    130429: (429, "(#130429) Rate limit hit",
             "Cloud API message throughput has been reached."),
    131056: (400, "(#131056) (Business Account, Consumer Account) pair rate "
             "limit hit", "Too many messages sent to this phone number."),
    100: (400, "(#100) Invalid parameter", "Parameter is invalid."),
    1: (500, "An unknown error has occurred.", None),
}
TWILIO_ERRORS = {
    21211: (400, "The 'To' number whatsapp:+000 is not a valid phone number."),
    20003: (401, "Authenticate"),
    63016: (400, "Failed to send freeform message because you are outside "
            "the allowed window. Please use a Template."),
    20429: (429, "Too Many Requests"),
}


_SCRIPT = scripted.JsonScript(SCRIPT)
next_id = _SCRIPT.next_id
take_script = _SCRIPT.take


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj=None, raw=None):
        data = (raw if isinstance(raw, bytes) else raw.encode()) if raw is not None \
            else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        if self.path.split("?")[0] == "/websocket":
            return self.websocket()
        self.handle_any(b"")

    def websocket(self):
        """Odoo's /websocket: a handshake that is not one is a 400, as
        werkzeug answers; else 101, the accept key of RFC 6455, and the
        connection closed (the fake has nothing to push)."""
        self.log_rec(b"")
        key = self.headers.get("Sec-WebSocket-Key") or ""
        if (self.headers.get("Upgrade") or "").lower() != "websocket" or \
                "upgrade" not in (self.headers.get("Connection") or "").lower() \
                or not key:
            return self.reply(400, {"error": "not a websocket handshake"})
        acc = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", acc.decode())
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

    def log_rec(self, raw, **more):
        rec = {"method": self.command, "path": self.path,
               "body": raw.decode("utf-8", "replace"),
               "auth": self.headers.get("Authorization"),
               "ctype": self.headers.get("Content-Type"),
               "fwd": {k: self.headers.get(k) for k in (
                   "X-Forwarded-Proto", "X-Forwarded-Host",
                   "X-Forwarded-For", "X-Real-IP", "Upgrade", "Host")
                   if self.headers.get(k) is not None}}
        rec.update(more)
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.handle_any(self.rfile.read(n))

    def handle_any(self, raw):
        body = raw.decode("utf-8", "replace")
        problem, parsed = self.check(body)
        self.log_rec(raw, problem=problem, parsed=parsed)
        if problem:
            return self.reply(400, {"error": {"message": "fake: " + problem,
                                              "code": 100}})
        if isinstance(parsed, dict) and parsed.get("auth_error"):
            return self.default(parsed)
        s = take_script("%s %s %s" % (self.command, self.path, body))
        if s:
            time.sleep(s.get("delay", 0))
            if s.get("pass"):
                return self.default(parsed)
            return self.scripted(s, parsed)
        return self.default(parsed)

    # --- checks: what the real services insist on ---------------------
    def check(self, body):
        p = self.path
        if self.command == "GET" and (re.match(r"^/v\d+\.\d+/\d+$", p) or
                                      p.startswith("/media/")):
            # media reads: the business's token, or a token for them alone
            ok = {E("FAKE_WA_TOKEN", ""), E("FAKE_WA_MEDIA_TOKEN", "") or
                  E("FAKE_WA_TOKEN", "")}
            if self.headers.get("Authorization") not in {"Bearer " + t
                                                         for t in ok}:
                return None, {"auth_error": True}
            return None, {}
        if re.match(r"^/v\d+\.\d+/[^/]+/messages$", p):
            return self.check_graph(body)
        if re.match(r"^/2010-04-01/Accounts/[^/]+/Messages\.json$", p):
            return self.check_twilio(body)
        if p == "/jsonrpc":
            return self.check_jsonrpc(body)
        if p.startswith("/json/2/"):
            return self.check_json2(body)
        if p == "/web/version" and self.command == "GET":
            return None, None
        if p == "/longpolling/poll" and self.command == "POST":
            return None, None
        return "no such endpoint " + p, None

    def check_graph(self, body):
        if self.command != "POST":
            return "method " + self.command, None
        # each number has its own token: a second number that only tells
        # the owner (FAKE_WA_NOTIFY_*) cannot write as the business
        tokens = {E("FAKE_WA_PHONE_ID", "1234567890"): E("FAKE_WA_TOKEN", "")}
        if E("FAKE_WA_NOTIFY_PHONE_ID", ""):
            tokens[E("FAKE_WA_NOTIFY_PHONE_ID")] = E("FAKE_WA_NOTIFY_TOKEN", "")
        phone = self.path.split("/")[2]
        if phone not in tokens:
            return "wrong phone number id", None
        if self.headers.get("Authorization") != "Bearer " + tokens[phone]:
            return None, {"auth_error": True}
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return "content-type", None
        try:
            d = json.loads(body)
        except ValueError:
            return "body is not JSON", None
        if d.get("messaging_product") != "whatsapp":
            return "messaging_product", d
        if not re.match(r"^\+?\d{6,15}$", d.get("to", "")):
            return "to is not E.164", d
        ctx = d.get("context")
        if ctx is not None and (not isinstance(ctx, dict) or list(ctx) !=
                                ["message_id"] or not str(
                                    ctx["message_id"]).startswith("wamid.")):
            return "context is not {message_id: wamid...}", d
        t = d.get("type")
        if t == "text":
            b = d.get("text", {}).get("body")
            if not isinstance(b, str) or not b:
                return "text.body missing", d
            if len(b) > 4096:
                return "text.body over 4096 characters", d
            try:
                b.encode("utf-8")
            except UnicodeError:
                return "text.body is not UTF-8", d
            if "\ufffd" in b:
                return "text.body has a broken UTF-8 sequence", d
        elif t == "template":
            tp = d.get("template", {})
            if not tp.get("name") or not tp.get("language", {}).get("code"):
                return "template name/language", d
            for c in tp.get("components", []):
                for prm in c.get("parameters", []):
                    tx = prm.get("text", "")
                    if prm.get("type") != "text" or "\n" in tx or len(tx) > 1024:
                        return "template parameter", d
        else:
            return "type " + str(t), d
        return None, d

    def check_twilio(self, body):
        sid = self.path.split("/")[3]
        if sid != E("FAKE_TWILIO_SID", ""):
            return None, {"auth_error": True}
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (E("FAKE_TWILIO_SID", ""), E("FAKE_TWILIO_TOKEN", "")))
            .encode()).decode()
        if self.headers.get("Authorization") != want:
            return None, {"auth_error": True}
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            return "content-type", None
        f = {k: v[0] for k, v in urllib.parse.parse_qs(
            body, keep_blank_values=True, strict_parsing=True).items()}
        for k in ("To", "From"):
            if not re.match(r"^whatsapp:\+\d{6,15}$", f.get(k, "")):
                return k + " is not whatsapp:+E164", f
        if "Body" in f:
            if not f["Body"] or len(f["Body"]) > 4096:
                return "Body", f
        elif "ContentSid" in f:
            if not f["ContentSid"].startswith("HX"):
                return "ContentSid", f
            try:
                json.loads(f.get("ContentVariables", ""))
            except ValueError:
                return "ContentVariables is not JSON", f
        else:
            return "neither Body nor ContentSid", f
        return None, f

    def check_jsonrpc(self, body):
        try:
            d = json.loads(body)
        except ValueError:
            return "body is not JSON", None
        if d.get("jsonrpc") != "2.0" or d.get("method") != "call" or "id" not in d:
            return "JSON-RPC envelope", d
        prm = d.get("params", {})
        if prm.get("service") not in ("common", "object") or \
                not isinstance(prm.get("args"), list):
            return "params service/args", d
        return None, d

    def check_json2(self, body):
        if self.command != "POST":
            return "method " + self.command, None
        try:
            d = json.loads(body or "{}")
        except ValueError:
            return "body is not JSON", None
        if not isinstance(d, dict):
            return "body is not an object", None
        db = self.headers.get("X-Odoo-Database")
        if db is not None and db != E("FAKE_ODOO_DB", "odoo"):
            return "X-Odoo-Database", d
        return None, d

    # --- answers ------------------------------------------------------
    def rpc(self, d, result=None, error=None):
        o = {"jsonrpc": "2.0", "id": (d or {}).get("id")}
        if error is not None:
            o["error"] = error
        else:
            o["result"] = result
        return self.reply(200, o)

    # --- media: GET /{version}/{media-id}, then the URL it gives -------
    def media(self, d):
        if d.get("auth_error"):
            return self.scripted({"graph_error": 190}, d)
        mid = self.path.rsplit("/", 1)[1].split("?")[0]
        if mid not in MEDIA:
            return self.reply(404, {"error": {
                "message": "Unsupported get request. Object with ID '%s' "
                "does not exist" % mid, "type": "GraphMethodException",
                "code": 100, "error_subcode": 33, "fbtrace_id": "AbC"}})
        mime, data = MEDIA[mid]
        if self.path.startswith("/media/"):
            return self.reply(200, raw=data)
        port = self.server.server_address[1]
        return self.reply(200, {
            "messaging_product": "whatsapp",
            "url": "http://127.0.0.1:%d/media/%s?ext=1&hash=x" % (port, mid),
            "mime_type": mime,
            "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
            "file_size": len(data), "id": mid})

    def scripted(self, s, d):
        st = s.get("status", 200)
        if "raw" in s:
            return self.reply(st, raw=s["raw"])
        if "graph_error" in s:
            code = s["graph_error"]
            st2, msg, details = GRAPH_ERRORS[code]
            e = {"message": msg, "type": "OAuthException", "code": code,
                 "fbtrace_id": "AbCdEf%d" % next_id()}
            if details:
                e["error_data"] = {"messaging_product": "whatsapp",
                                   "details": details}
            if code == 190:
                e["error_subcode"] = 463
            return self.reply(s.get("status", st2), {"error": e})
        if "twilio_error" in s:
            code = s["twilio_error"]
            st2, msg = TWILIO_ERRORS[code]
            return self.reply(s.get("status", st2), {
                "code": code, "message": msg,
                "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                "status": s.get("status", st2)})
        if "rpc_result" in s:
            return self.rpc(d, result=s["rpc_result"])
        if "rpc_error" in s:
            return self.rpc(d, error=s["rpc_error"])
        if "json2_error" in s:
            return self.reply(st, {"name": s["json2_error"],
                                   "message": s.get("message", "error"),
                                   "arguments": [s.get("message", "error")],
                                   "context": {}, "debug": "Traceback ..."})
        return self.reply(st, s.get("json"))

    def default(self, d):
        p = self.path
        if self.command == "GET" and (re.match(r"^/v\d+\.\d+/\d+$", p) or
                                      p.startswith("/media/")):
            return self.media(d)
        if re.match(r"^/v\d+\.\d+/", p):
            if d.get("auth_error"):
                return self.scripted({"graph_error": 190}, d)
            return self.reply(200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": d["to"], "wa_id": d["to"].lstrip("+")}],
                "messages": [{"id": "wamid.HBgLFAKE%04d" % next_id()}]})
        if p.startswith("/2010-04-01/"):
            if d.get("auth_error"):
                return self.scripted({"twilio_error": 20003}, d)
            sid = "SM%032x" % next_id()
            return self.reply(201, {
                "sid": sid, "status": "queued", "to": d["To"],
                "from": d["From"], "body": d.get("Body", ""),
                "account_sid": E("FAKE_TWILIO_SID"), "error_code": None,
                "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" %
                (E("FAKE_TWILIO_SID"), sid)})
        if p == "/longpolling/poll":
            return self.reply(200, {"jsonrpc": "2.0", "id": None,
                                    "result": []})
        if p == "/web/version":
            return self.reply(200, {"version_info": [19, 0, 0, "final", 0, ""],
                                    "version": "19.0"})
        if p == "/jsonrpc":
            return self.odoo_rpc(d)
        if p.startswith("/json/2/"):
            return self.odoo_json2(d)
        return self.reply(404, {"error": "not found"})

    def access_denied(self, d):
        return self.rpc(d, error={
            "code": 200, "message": "Odoo Server Error",
            "data": {"name": "odoo.exceptions.AccessDenied",
                     "debug": "Traceback ...", "message": "Access Denied",
                     "arguments": ["Access Denied"], "context": {}}})

    def odoo_rpc(self, d):
        prm = d["params"]
        svc, meth, args = prm["service"], prm.get("method"), prm["args"]
        db, user = E("FAKE_ODOO_DB", "odoo"), E("FAKE_ODOO_USER", "admin")
        pw = E("FAKE_ODOO_PASSWORD", "admin")
        if svc == "common" and meth == "version":
            v = E("FAKE_ODOO_VERSION", "17.0")
            return self.rpc(d, result={
                "server_version": v,
                "server_version_info": [int(v.split(".")[0]), 0, 0, "final", 0, ""],
                "server_serie": v, "protocol_version": 1})
        if svc == "common" and meth in ("login", "authenticate"):
            n = 3 if meth == "login" else 4
            if len(args) != n or (n == 4 and not isinstance(args[3], dict)):
                return self.rpc(d, error={"code": 200, "message": "Odoo Server Error",
                                          "data": {"name": "builtins.TypeError",
                                                   "message": "bad args"}})
            uid = 2 if args[:3] == [db, user, pw] else False
            if E("FAKE_ODOO_POST_USER") and args[:3] == [
                    db, E("FAKE_ODOO_POST_USER"), E("FAKE_ODOO_POST_PASSWORD")]:
                uid = 6
            return self.rpc(d, result=uid)
        if svc == "object" and meth == "execute_kw":
            users = {2: pw}
            if E("FAKE_ODOO_POST_USER"):
                users[6] = E("FAKE_ODOO_POST_PASSWORD", "")
            if len(args) < 6 or args[0] != db or args[1] not in users or \
                    args[2] != users[args[1]]:
                return self.access_denied(d)
            model, method = args[3], args[4]
            if model == "res.users" and method == "read":
                return self.rpc(d, result=[{"id": 2, "name": "Mitchell Admin"}])
            if model == "res.users" and method == "search_count":
                return self.rpc(d, result=7)
            pos = args[5]
            kw = args[6] if len(args) > 6 else {}
            if not isinstance(pos, list) or not isinstance(kw, dict):
                return self.rpc(d, error=self.odoo_error(
                    "builtins.TypeError", "args must be a list, kwargs a dict"))
            ids = None
            if method in ("read", "write", "action_post",
                          "action_create_payments", "button_cancel",
                          "action_send_and_print") and pos:
                ids, pos = pos[0], pos[1:]
            names = {"search_read": ["domain", "fields"], "create": ["vals_list"],
                     "read": ["fields"], "write": ["vals"],
                     "search_count": ["domain"]}.get(method, [])
            kw = dict(kw)
            for name, v in zip(names, pos):
                kw[name] = v
            try:
                return self.rpc(d, result=ODOO.call(
                    args[1], model, method, ids, kw,
                    int(E("FAKE_ODOO_VERSION", "17.0").split(".")[0])))
            except odoo_model.OdooError as e:
                return self.rpc(d, error=self.odoo_error(e.name, e.message))
            except TypeError as e:
                return self.rpc(d, error=self.odoo_error("builtins.TypeError",
                                                         str(e)))
        return self.rpc(d, error={"code": 200, "message": "Odoo Server Error",
                                  "data": {"name": "KeyError",
                                           "message": "no such method"}})

    def odoo_error(self, name, message):
        return {"code": 200, "message": "Odoo Server Error",
                "data": {"name": name, "debug": "Traceback (most recent call "
                         "last):\n  File \"odoo/http.py\"\n" + name + ": " +
                         message, "message": message, "arguments": [message],
                         "context": {}}}

    def odoo_json2(self, d):
        auth = self.headers.get("Authorization") or ""
        keys = {E("FAKE_ODOO_KEY", ""): 2}
        if E("FAKE_ODOO_POST_KEY"):
            keys[E("FAKE_ODOO_POST_KEY")] = 6
        if not auth.lower().startswith("bearer ") or auth[7:] not in keys:
            return self.scripted({"status": 401, "json2_error":
                                  "werkzeug.exceptions.Unauthorized",
                                  "message": "Invalid apikey"}, d)
        uid = keys[auth[7:]]
        model, method = self.path.split("/")[3:5]
        if model == "res.users" and method == "context_get":
            return self.reply(200, {"lang": "en_US", "tz": "UTC", "uid": uid})
        if model == "res.users" and method == "read":
            if d.get("ids") != [2] or d.get("fields") != ["name"]:
                return self.scripted({"status": 422, "json2_error":
                                      "builtins.TypeError",
                                      "message": "bad ids/fields"}, d)
            return self.reply(200, [{"id": 2, "name": "Mitchell Admin"}])
        if model == "res.users" and method == "search_read":
            return self.reply(200, [{"id": 2, "name": "Mitchell Admin"}])
        if model == "res.users" and method == "search_count":
            return self.reply(200, 7)
        kw = dict(d)
        ids = kw.pop("ids", None)
        try:
            return self.reply(200, ODOO.call(uid, model, method, ids, kw, 19))
        except odoo_model.OdooError as e:
            st = 404 if e.status == 500 and "AttributeError" in e.name \
                else e.status
            return self.scripted({"status": st, "json2_error": e.name,
                                  "message": e.message}, d)
        except TypeError as e:
            return self.scripted({"status": 422, "json2_error":
                                  "builtins.TypeError", "message": str(e)}, d)


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
