#!/usr/bin/env python3
"""t/fake/oauth2.py - a fake OAuth 2.0 authorization server on 127.0.0.1:
the authorization endpoint (RFC 6749 4.1 with PKCE, RFC 7636), the token
endpoint (authorization_code, refresh_token, device_code grants), the
device authorization endpoint (RFC 8628), token introspection (RFC 7662,
for dovecot's oauth2 passdb in the XOAUTH2 tests), and LinkedIn's
/v2/userinfo, speaking their real wire formats and real error bodies.

usage: oauth2.py PORTFILE TOKEN USER LOG

Binds a free port and writes it to PORTFILE. TOKEN is an access token that
introspection always calls active (besides the ones this server issued and
has not expired); USER the username it reports. LOG gets one JSON line per
request with a "problem" (null when the request was well formed); tokens,
codes and verifiers are never logged, only whether they matched.

Settings from the environment:
  FAKE_OAUTH_CLIENT   the client ID expected (default aie-client)
  FAKE_OAUTH_SECRET   a client secret required (in the body, or HTTP Basic)
  FAKE_OAUTH_EXPIRES  expires_in of issued access tokens (default 3599)
  FAKE_OAUTH_ROTATE   1: a refresh returns a new refresh token, and the
                      old one is spent (as X and Microsoft do)
  FAKE_OAUTH_DELAY    seconds each token request waits before it is read
                      (requests overlap, as two tools' refreshes may)
  FAKE_OAUTH_GRAPH    1: Graph's ways (Facebook): errors in its envelope,
                      the code exchanged by GET, no refresh tokens, the
                      fb_exchange_token grant (a long-lived EAAG-long-N),
                      and GET /v21.0/me/accounts listing the Pages
  FAKE_OAUTH_PAGES    those Pages, "ID:Name,ID:Name" (default
                      4242:Acme Example); each Page token is EAAGpage-ID

Issued tokens are numbered in order: access tokens ya29.fake-access-N,
refresh tokens 1//fake-refresh-N, so a test can tell which one a client
used. A test plays the owner and the provider's operators through
POST /control: action=revoke (every refresh token dies, as when the owner
removes the app's access), action=expire (every issued access token is
inactive), action=fail&n=N (the next N token requests get 503),
action=approve&user_code=U or action=deny&user_code=U (the owner at the
device page), action=deny_next (the next authorization is declined).
"""
import base64
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, TOKEN, USER, LOG = sys.argv[1:5]
CLIENT = os.environ.get("FAKE_OAUTH_CLIENT", "aie-client")
SECRET = os.environ.get("FAKE_OAUTH_SECRET")
EXPIRES = int(os.environ.get("FAKE_OAUTH_EXPIRES", "3599"))
ROTATE = os.environ.get("FAKE_OAUTH_ROTATE") == "1"
GRAPH = os.environ.get("FAKE_OAUTH_GRAPH") == "1"
DELAY = float(os.environ.get("FAKE_OAUTH_DELAY", "0"))
PAGES = [p.split(":", 1) for p in
         os.environ.get("FAKE_OAUTH_PAGES", "4242:Acme Example").split(",")
         if p]
LOCK = threading.Lock()

state = {
    "n": 0,
    "codes": {},       # code -> {redirect_uri, challenge, used}
    "access": {},      # token -> expiry (epoch)
    "refresh": set(),  # live refresh tokens
    "devices": {},     # device_code -> {user_code, status}
    "fail": 0,
    "deny_next": False,
}


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def next_n():
    state["n"] += 1
    return state["n"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def record(self, rec):
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def oauth_error(self, status, error, desc):
        if GRAPH:
            return self.reply(status, {"error": {
                "message": desc, "type": "OAuthException", "code": 100,
                "fbtrace_id": "Afake"}})
        return self.reply(status, {"error": error,
                                   "error_description": desc})

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        return raw, urllib.parse.parse_qs(raw, keep_blank_values=True)

    def one(self, form, key):
        v = form.get(key, [])
        return v[0] if len(v) == 1 else None

    # ---- the browser's side -------------------------------------------
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        with LOCK:
            if u.path == "/authorize":
                return self.authorize(q)
            if u.path == "/token" and GRAPH:
                return self.token("GET", q)
            if u.path == "/v2/userinfo":
                return self.userinfo()
            if u.path == "/v21.0/me/accounts":
                return self.accounts()
            self.record({"method": "GET", "path": u.path,
                         "problem": "no such endpoint"})
            return self.reply(404, {"error": "not_found"})

    def authorize(self, q):
        rec = {"method": "GET", "path": "/authorize", "problem": None,
               "scope": self.one(q, "scope")}
        redirect = self.one(q, "redirect_uri") or ""
        if self.one(q, "response_type") != "code":
            rec["problem"] = "response_type is not code"
        elif self.one(q, "client_id") != CLIENT:
            rec["problem"] = "unknown client_id"
        elif not redirect.startswith("http://127.0.0.1:"):
            rec["problem"] = "redirect_uri is not a loopback one"
        elif self.one(q, "code_challenge_method") != "S256":
            rec["problem"] = "code_challenge_method is not S256"
        elif len(self.one(q, "code_challenge") or "") != 43:
            rec["problem"] = "code_challenge is not 43 characters"
        elif not self.one(q, "state"):
            rec["problem"] = "no state"
        self.record(rec)
        if rec["problem"]:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": rec["problem"]})
        st = urllib.parse.quote(self.one(q, "state"), safe="")
        if state["deny_next"]:
            state["deny_next"] = False
            return self.redirect("%s?error=access_denied&state=%s"
                                 % (redirect, st))
        code = "4/fake-code-%d" % next_n()
        state["codes"][code] = {"redirect_uri": redirect, "used": False,
                                "challenge": self.one(q, "code_challenge")}
        return self.redirect("%s?code=%s&state=%s" % (
            redirect, urllib.parse.quote(code, safe=""), st))

    def userinfo(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else None
        ok = tok in state["access"] and state["access"][tok] > time.time()
        self.record({"method": "GET", "path": "/v2/userinfo",
                     "problem": None if ok else "token not active"})
        if not ok:
            return self.reply(401, {"serviceErrorCode": 65600,
                                    "message": "Invalid access token",
                                    "status": 401})
        return self.reply(200, {"sub": "782bbtaQ", "name": "Alice Example",
                                "email_verified": True})

    def accounts(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else ""
        ok = state["access"].get(tok, 0) > time.time()
        self.record({"method": "GET", "path": "/v21.0/me/accounts",
                     "problem": None if ok else "token not active",
                     "long_lived": tok.startswith("EAAG-long-")})
        if not ok:
            return self.oauth_error(400, "invalid_token",
                                    "Error validating access token")
        return self.reply(200, {"data": [
            {"access_token": "EAAGpage-" + i, "category": "Company",
             "name": n, "id": i, "tasks": ["CREATE_CONTENT", "MANAGE"]}
            for i, n in PAGES], "paging": {"cursors": {}}})

    # ---- the client's side --------------------------------------------
    def do_POST(self):
        raw, form = self.form()
        path = urllib.parse.urlsplit(self.path).path
        if path == "/token":
            time.sleep(DELAY)
        with LOCK:
            if path == "/token":
                return self.token("POST", form)
            if path == "/device":
                return self.device(form)
            if path == "/control":
                return self.control(form)
            if path == "/introspect":
                return self.introspect(form)
            self.record({"method": "POST", "path": path,
                         "problem": "no such endpoint"})
            return self.reply(404, {"error": "not_found"})

    def client_ok(self, form):
        """The client's ID and secret: in the body or as HTTP Basic."""
        auth = self.headers.get("Authorization", "")
        cid, secret = self.one(form, "client_id"), \
            self.one(form, "client_secret")
        if auth.startswith("Basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode() \
                    .partition(":")
            except ValueError:
                return False
        return cid == CLIENT and (SECRET is None or secret == SECRET)

    def issue(self, with_refresh, long_lived=False):
        n = next_n()
        access = ("EAAG-long-%d" if long_lived else "ya29.fake-access-%d") % n
        with_refresh = with_refresh and not GRAPH
        state["access"][access] = time.time() + EXPIRES
        out = {"access_token": access, "expires_in": EXPIRES,
               "token_type": "Bearer", "scope": "fake.scope"}
        if with_refresh:
            refresh = "1//fake-refresh-%d" % n
            state["refresh"].add(refresh)
            out["refresh_token"] = refresh
        return out

    def token(self, method, form):
        grant = self.one(form, "grant_type")
        rec = {"method": method, "path": "/token", "grant_type": grant,
               "problem": None, "client_ok": self.client_ok(form)}
        ctype = self.headers.get("Content-Type", "")
        if method == "POST" and \
                not ctype.startswith("application/x-www-form-urlencoded"):
            rec["problem"] = "content-type %r" % ctype
            self.record(rec)
            return self.oauth_error(400, "invalid_request", "not a form")
        if state["fail"] > 0:
            state["fail"] -= 1
            rec["answer"] = 503
            self.record(rec)
            return self.reply(503, {"error": "temporarily_unavailable"})
        if not rec["client_ok"]:
            rec["answer"] = "invalid_client"
            self.record(rec)
            return self.oauth_error(401, "invalid_client",
                                    "The OAuth client was not found.")
        if grant == "authorization_code":
            return self.code_grant(form, rec)
        if grant == "refresh_token":
            rec["scope"] = self.one(form, "scope")
            tok = self.one(form, "refresh_token")
            rec["refresh_ok"] = tok in state["refresh"]
            if not rec["refresh_ok"]:
                rec["answer"] = "invalid_grant"
                self.record(rec)
                return self.oauth_error(400, "invalid_grant",
                                        "Token has been expired or revoked.")
            if ROTATE:
                state["refresh"].discard(tok)
            out = self.issue(ROTATE)
            rec["answer"] = "issued"
            self.record(rec)
            return self.reply(200, out)
        if grant == "fb_exchange_token" and GRAPH:
            tok = self.one(form, "fb_exchange_token")
            rec["user_token_ok"] = state["access"].get(tok, 0) > time.time()
            rec["answer"] = "issued" if rec["user_token_ok"] else "invalid"
            self.record(rec)
            if not rec["user_token_ok"]:
                return self.oauth_error(400, "invalid_request",
                                        "Error validating access token")
            out = self.issue(False, long_lived=True)
            out["expires_in"] = 5183944
            state["access"][out["access_token"]] = time.time() + 5183944
            return self.reply(200, out)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            d = state["devices"].get(self.one(form, "device_code"))
            answer = "invalid_grant" if d is None else d["status"]
            rec["answer"] = answer
            self.record(rec)
            if answer == "approved":
                d["status"] = "used"
                return self.reply(200, self.issue(True))
            if answer == "used":
                answer = "invalid_grant"
            return self.oauth_error(400, answer, "device flow: " + answer)
        rec["problem"] = "grant_type %r" % grant
        self.record(rec)
        return self.oauth_error(400, "unsupported_grant_type",
                                "unknown grant_type")

    def code_grant(self, form, rec):
        c = state["codes"].get(self.one(form, "code"))
        verifier = self.one(form, "code_verifier") or ""
        rec["code_ok"] = c is not None and not c["used"]
        rec["redirect_ok"] = c is not None and \
            self.one(form, "redirect_uri") == c["redirect_uri"]
        rec["verifier_ok"] = c is not None and 43 <= len(verifier) <= 128 \
            and b64url(hashlib.sha256(verifier.encode()).digest()) \
            == c["challenge"]
        if c is not None:
            c["used"] = True
        if not (rec["code_ok"] and rec["redirect_ok"] and rec["verifier_ok"]):
            rec["answer"] = "invalid_grant"
            self.record(rec)
            return self.oauth_error(400, "invalid_grant",
                                    "Malformed auth code.")
        rec["answer"] = "issued"
        self.record(rec)
        return self.reply(200, self.issue(True))

    def device(self, form):
        rec = {"method": "POST", "path": "/device", "problem": None,
               "scope": self.one(form, "scope"),
               "client_ok": self.client_ok(form)}
        self.record(rec)
        if not rec["client_ok"]:
            return self.oauth_error(401, "invalid_client", "unknown client")
        n = next_n()
        dc, uc = "fake-device-%d" % n, "FAKE-%04d" % n
        state["devices"][dc] = {"user_code": uc, "status":
                                "authorization_pending"}
        port = self.server.server_address[1]
        return self.reply(200, {
            "device_code": dc, "user_code": uc,
            "verification_uri": "http://127.0.0.1:%d/devicelogin" % port,
            "expires_in": 900, "interval": 1,
            "message": "To sign in, use a web browser to open the page "
                       "and enter the code %s to authenticate." % uc})

    def control(self, form):
        action = self.one(form, "action")
        if action == "revoke":
            state["refresh"].clear()
        elif action == "expire":
            for k in state["access"]:
                state["access"][k] = 0
        elif action == "fail":
            state["fail"] = int(self.one(form, "n") or "1")
        elif action == "deny_next":
            state["deny_next"] = True
        elif action in ("approve", "deny"):
            uc = self.one(form, "user_code")
            for d in state["devices"].values():
                if d["user_code"] == uc:
                    d["status"] = "approved" if action == "approve" \
                        else "access_denied"
        else:
            return self.reply(400, {"error": "unknown action"})
        return self.reply(200, {"ok": True})

    def introspect(self, form):
        rec = {"method": "POST", "path": "/introspect", "problem": None}
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            rec["problem"] = "content-type %r" % ctype
        elif len(form.get("token", [])) != 1:
            rec["problem"] = "no token= in the form body"
        if rec["problem"]:
            self.record(rec)
            return self.reply(400, {"error": "invalid_request"})
        tok = form["token"][0]
        good = tok == TOKEN or state["access"].get(tok, 0) > time.time()
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
