#!/usr/bin/env python3
"""t/fake/social.py - fake LinkedIn Posts and Images APIs, X API v2 (posts
and media upload), Facebook Graph API (Page feed and photos) and Instagram
content publishing on 127.0.0.1, for the tests of social-post and
vault-exec.

usage: social.py PORTFILE SCRIPT LOG

Binds a free port and writes it to PORTFILE. Each request is checked as the
real service checks it (bearer token, LinkedIn's version headers, body shape,
little-text escaping, X's 280 weighted characters); a request failing a check
gets the service's own 400 and a "problem" in LOG (one JSON line per request).
A post whose text the network already has gets its real duplicate error
(LinkedIn 422 DUPLICATE_POST, X 403, Graph 506), as the real ones do.

SCRIPT is read at each request: JSON lines, each used once, the first whose
"match" (a substring of "METHOD PATH BODY") fits. Keys of a line:
  error: NAME        a real error reply from ERRORS below
  status, json | raw a reply of its own
  headers            extra reply headers ({"x-rate-limit-reset": "..."})
  delay              seconds to wait first (a publish killed mid-way)
  ig_states          an Instagram container's status codes (see below)
  li_states          a LinkedIn image's statuses after its upload (below)
Tokens expected: FAKE_LI_TOKEN, FAKE_X_TOKEN, FAKE_FB_TOKEN, FAKE_IG_TOKEN;
LinkedIn's author FAKE_LI_AUTHOR, the Page FAKE_FB_PAGE, the Instagram
account FAKE_IG_USER.

Images: an upload is logged with its bytes' sha256 ("sha256") under the net
linkedin-upload or x-upload (a post with several images logs the list of
them, in its order); a post naming an image not uploaded is refused
as the service refuses it. Instagram fetches the image_url itself (as the
real one does), and serves FAKE_MEDIA_DIR at /media/ so that a test can
point SOCIAL_MEDIA_BASE_URL there; a container's status_code goes through
the "ig_states" of the script line matching its creation (comma-separated,
default FINISHED), one per poll, the last one staying; media_publish only
takes a FINISHED container, once. A LinkedIn image is WAITING_UPLOAD
until its bytes are PUT, then goes through the "li_states" of the script
line matching its initializeUpload (default AVAILABLE), one per GET of
/rest/images/{urn}, the last one staying; a post naming an image that is
not AVAILABLE is refused, as is an altText over 4,086 characters. X's
media metadata takes an uploaded media id's alt_text (1 to 1,000
characters); an Instagram container's alt_text may not be empty.
"""
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import scripted

PORTFILE, SCRIPT, LOG = sys.argv[1:4]
E = os.environ.get
LOCK = threading.RLock()
SEEN = {"linkedin": set(), "x": set(), "facebook": set(), "instagram": set()}
IMAGES = {}       # uploaded image URN or media id: sha256 of the bytes
UPLOADS = {}      # LinkedIn's pending upload URL path: image URN
CONTAINERS = {}   # Instagram container id: {"states": [...], "used": bool,
                  # "item": a carousel's item, "sha": its image's}
FB_PHOTOS = {}    # unpublished Page photo id: {"sha": ..., "used": bool}
LI_STATES = {}    # LinkedIn image URN: its statuses after the upload
# X's user tokens: the access token it takes now, and the one refresh token
# it will exchange once (FAKE_X_REFRESH; FAKE_X_CLIENT, FAKE_X_SECRET).
XTOK = {"access": E("FAKE_X_TOKEN", ""), "refresh": E("FAKE_X_REFRESH", "")}


def graph(status, code, msg, sub=None):
    e = {"message": msg, "type": "OAuthException", "code": code,
         "fbtrace_id": "AFakeTrace"}
    if sub:
        e["error_subcode"] = sub
    return status, {"error": e}


def xproblem(status, title, detail):
    return status, {"title": title, "detail": detail, "type": "about:blank",
                    "status": status}


# Error bodies as each service sends them.
ERRORS = {
    "li_duplicate": (422, {
        "errorDetailType": "com.linkedin.common.error.BadRequest",
        "message": "com.linkedin.content.common.exception."
                   "BadRequestResponseException: Content is a duplicate of "
                   "urn:li:share:7141138937766391808",
        "errorDetails": {"inputErrors": [{
            "description": "Duplicate post is detected", "input": {},
            "code": "DUPLICATE_POST"}]},
        "status": 422}),
    "li_expired": (401, {"serviceErrorCode": 65601, "code":
                         "REVOKED_ACCESS_TOKEN", "message": "The token used "
                         "in the request has expired", "status": 401}),
    "li_forbidden": (403, {"serviceErrorCode": 100, "code": "ACCESS_DENIED",
                           "message": "Not enough permissions to access: "
                           "partnerApiPostsExternal.CREATE.20251101",
                           "status": 403}),
    "li_429": (429, {"message": "Resource level throttle APPLICATION DAY "
                     "limit for calls to this resource is reached.",
                     "status": 429}),
    "li_500": (500, {"message": "Internal Server Error", "status": 500}),
    "x_duplicate": xproblem(403, "Forbidden", "You are not allowed to create "
                            "a Tweet with duplicate content."),
    "x_policy": xproblem(403, "Forbidden", "You are not permitted to perform "
                         "this action."),
    "x_expired": xproblem(401, "Unauthorized", "Unauthorized"),
    "x_429": xproblem(429, "Too Many Requests", "Too Many Requests"),
    "x_503": xproblem(503, "Service Unavailable", "Service Unavailable"),
    "fb_duplicate": graph(400, 506, "Duplicate status message", 1455006),
    "fb_policy": graph(400, 368, "The action attempted has been deemed "
                       "abusive or is otherwise disallowed", 1390008),
    "fb_expired": graph(400, 190, "Error validating access token: Session "
                        "has expired on Friday, 04-Dec-26 10:00:00 PST.", 463),
    "fb_throttled": graph(400, 4, "(#4) Application request limit reached"),
    "fb_unknown": graph(500, 1, "An unknown error has occurred."),
    "ig_not_ready": graph(400, 9007, "Media ID is not available", 2207027),
    "ig_expired": graph(400, 190, "Error validating access token: Session "
                        "has expired.", 463),
    # the insights edge (social-report)
    "fb_insights_permission": graph(400, 10, "(#10) This endpoint requires "
                                    "the 'read_insights' permission to "
                                    "manage the object"),
    "ig_few_viewers": graph(400, 10, "(#10) Not enough viewers for the "
                            "media to show insights"),
    "ig_too_old": (400, {"error": {
        "message": "Invalid parameter", "type": "OAuthException",
        "code": 100, "error_subcode": 2108006, "is_transient": False,
        "error_user_title": "Media Posted Before Business Account "
                            "Conversion",
        "error_user_msg": "The media was posted before the most recent time "
                          "that the user's account was converted to a "
                          "business account from a personal account.",
        "fbtrace_id": "AFakeTrace"}}),
}
# The insights metrics each Graph object takes today (metrics of another
# name, such as the impressions Meta replaced by views, are refused with
# Graph's invalid metric error).
INSIGHTS = {"facebook": ("post_media_view", "post_total_media_view_unique"),
            "instagram": ("views", "reach", "likes", "comments", "shares",
                          "saved", "total_interactions")}


_SCRIPT = scripted.JsonScript(SCRIPT)
next_id = _SCRIPT.next_id
take_script = _SCRIPT.take


def x_weight(text):
    """twitter-text 3 weighted length, as X counts it (URLs 23)."""
    n = 0
    text = re.sub(r"(?i)(?:(?<=^)|(?<=[\s(]))(https?://|www\.)\S+",
                  lambda m: "\x00" + re.search(r"[.,;:!?)'\"]*$",
                                               m.group(0)).group(0), text)
    i = 0
    while i < len(text):
        c = text[i]
        cp = ord(c)
        if c == "\x00":
            n += 23
        elif 0x1F1E6 <= cp <= 0x1F1FF:
            n += 2
            if i + 1 < len(text) and 0x1F1E6 <= ord(text[i + 1]) <= 0x1F1FF:
                i += 1
        elif 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF:
            n += 2
            while i + 1 < len(text):
                nx = ord(text[i + 1])
                if nx in (0xFE0F, 0x20E3) or 0x1F3FB <= nx <= 0x1F3FF:
                    i += 1
                elif nx == 0x200D and i + 2 < len(text):
                    i += 2
                else:
                    break
        elif cp <= 4351 or 8192 <= cp <= 8205 or 8208 <= cp <= 8223 or \
                8242 <= cp <= 8247:
            n += 1
        else:
            n += 2
        i += 1
    return n


def multipart(ctype, raw):
    """The parts of a multipart/form-data body: name -> (bytes, filename,
    content type); None when it is not one (as RFC 7578 has it: CRLF
    lines, the boundary of the Content-Type)."""
    m = re.match(r"^multipart/form-data; *boundary=([0-9A-Za-z'()+_,./:=?-]{1,70})$",
                 ctype or "")
    if not m:
        return None
    sep = b"--" + m.group(1).encode()
    chunks = raw.split(sep)
    if len(chunks) < 3 or chunks[-1] not in (b"--\r\n", b"--"):
        return None
    parts = {}
    for c in chunks[1:-1]:
        if not c.startswith(b"\r\n") or not c.endswith(b"\r\n"):
            return None
        head, _, data = c[2:-2].partition(b"\r\n\r\n")
        h = head.decode("utf-8", "replace")
        n = re.search(r'name="([^"]*)"', h)
        f = re.search(r'filename="([^"]*)"', h)
        t = re.search(r"(?im)^content-type: *(.+)$", h)
        if not n:
            return None
        parts[n.group(1)] = (data, f.group(1) if f else None,
                             t.group(1).strip() if t else None)
    return parts


def image_type(data):
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    return None


LITTLE = set("\\|{}@[]()<>#*_~")


def little_text_ok(s):
    """Every reserved character of LinkedIn's little text escaped."""
    i = 0
    while i < len(s):
        if s[i] == "\\":
            if i + 1 >= len(s) or s[i + 1] not in LITTLE:
                return False
            i += 2
            continue
        if s[i] in LITTLE:
            return False
        i += 1
    return True


def unescape_little(s):
    return re.sub(r"\\(.)", r"\1", s)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj=None, raw=None, headers=None):
        if raw is not None:
            data = raw.encode()
        elif obj is None:
            data = b""
        else:
            data = json.dumps(obj).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log(self, rec):
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def authed(self, tok):
        return self.headers.get("Authorization") == "Bearer " + tok

    def do_GET(self):
        if self.path.startswith("/media/"):
            return self.serve_media()
        if self.path.startswith("/rest/images/"):
            return self.li_image()
        if metrics_get(self):
            return
        m = re.match(r"^/v\d+\.\d+/(\d+)\?fields=(status_code|permalink)$",
                     self.path)
        if not m:
            return self.reply(404, {"message": "not found"})
        rec = {"method": "GET", "path": self.path, "net": "instagram-" +
               ("status" if m.group(2) == "status_code" else "permalink"),
               "problem": None}
        self.log(rec)
        if not self.authed(E("FAKE_IG_TOKEN", "")):
            return self.reply(*ERRORS["ig_expired"])
        s = take_script("GET %s" % self.path)
        if s and ("json" in s or "error" in s):
            if "error" in s:
                return self.reply(*ERRORS[s["error"]])
            return self.reply(s.get("status", 200), s.get("json"))
        oid = m.group(1)
        with LOCK:
            c = CONTAINERS.get(oid)
            if m.group(2) == "status_code" and c:
                st = c["states"][0]
                if len(c["states"]) > 1:
                    c["states"].pop(0)
                return self.reply(200, {"status_code": st, "id": oid})
            if m.group(2) == "permalink" and oid in SEEN["instagram"]:
                return self.reply(200, {"permalink": "https://www.instagram."
                                        "com/p/Fake%s/" % oid, "id": oid})
        return self.reply(*graph(400, 100, "Unsupported get request. Object "
                                 "with ID '%s' does not exist" % oid, 33))

    def li_image(self):
        """LinkedIn's image: its status, WAITING_UPLOAD before the PUT."""
        urn = urllib.parse.unquote(self.path[len("/rest/images/"):])
        rec = {"method": "GET", "path": self.path, "net": "linkedin-image",
               "problem": None}
        if not self.authed(E("FAKE_LI_TOKEN", "")):
            rec["problem"] = "auth"
        elif not re.match(r"^\d{6}$", self.headers.get("LinkedIn-Version")
                          or "") or self.headers.get(
                              "X-Restli-Protocol-Version") != "2.0.0":
            rec["problem"] = "LinkedIn-Version or X-Restli-Protocol-Version"
        elif "%3A" not in self.path:
            rec["problem"] = "the URN is not percent-encoded"
        self.log(rec)
        if rec["problem"]:
            return self.refuse("linkedin", rec["problem"])
        if self.scripted_error(take_script("GET %s" % self.path)):
            return None
        with LOCK:
            states = LI_STATES.get(urn)
            if states is None:
                return self.reply(404, {"message": "Not Found", "status": 404,
                                        "serviceErrorCode": 0})
            if urn not in IMAGES:
                st = "WAITING_UPLOAD"
            else:
                st = states[0]
                if len(states) > 1:
                    states.pop(0)
        obj = {"owner": E("FAKE_LI_AUTHOR"), "status": st, "id": urn}
        if st == "AVAILABLE":
            obj["downloadUrl"] = "https://media.licdn.com/dms/image/fake"
            obj["downloadUrlExpiresAt"] = int(time.time() * 1000) + 86400000
        return self.reply(200, obj)

    def serve_media(self):
        """FAKE_MEDIA_DIR at /media/: where Instagram fetches image_url."""
        rel = urllib.parse.unquote(self.path[len("/media/"):])
        root = os.path.realpath(E("FAKE_MEDIA_DIR", "/nonexistent"))
        f = os.path.realpath(os.path.join(root, rel))
        if not f.startswith(root + "/") or not os.path.isfile(f):
            return self.reply(404, {"message": "not found"})
        with open(f, "rb") as fh:
            data = fh.read()
        self.send_response(200)
        self.send_header("Content-Type", image_type(data) or
                         "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        """LinkedIn's upload URL: the image's bytes, the same bearer."""
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        rec = {"method": "PUT", "path": self.path, "net": "linkedin-put",
               "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw),
               "problem": None}
        with LOCK:
            urn = UPLOADS.get(self.path)
        if not self.authed(E("FAKE_LI_TOKEN", "")):
            rec["problem"] = "auth"
        elif not urn:
            rec["problem"] = "no such upload"
        elif not image_type(raw):
            rec["problem"] = "not an image"
        self.log(rec)
        if rec["problem"]:
            return self.refuse("linkedin", rec["problem"])
        s = take_script("PUT %s" % self.path)
        if s:
            time.sleep(s.get("delay", 0))
        if self.scripted_error(s):
            return None
        with LOCK:
            IMAGES[urn] = rec["sha256"]
            del UPLOADS[self.path]
        return self.reply(201)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(n)
        self.sha = None
        body = self.raw.decode("utf-8", "replace")
        if self.path == "/2/oauth2/token":
            return self.x_token(body)
        net = self.network()
        rec = {"method": self.command, "path": self.path, "body": body
               if not net or "upload" not in net and "photo" not in net
               else "(%d bytes)" % len(self.raw),
               "net": net, "auth": self.headers.get("Authorization"),
               "ctype": self.headers.get("Content-Type"),
               "li_version": self.headers.get("LinkedIn-Version"),
               "restli": self.headers.get("X-Restli-Protocol-Version")}
        err, parsed = self.check(net, body)
        rec["problem"] = err if isinstance(err, str) else None
        rec["parsed"] = parsed
        rec["sha256"] = self.sha
        self.log(rec)
        if err:
            return self.refuse(net, err)
        s = take_script("%s %s %s" % (self.command, self.path, body))
        self.states = None
        if s:
            time.sleep(s.get("delay", 0))
            if self.scripted_error(s):
                return None
            if "raw" in s or "json" in s:
                return self.reply(s.get("status", 200), s.get("json"),
                                  s.get("raw"), s.get("headers"))
            self.states = s.get("ig_states") or s.get("li_states")
        return self.publish(net, parsed)

    def network(self):
        if self.path == "/rest/posts":
            return "linkedin"
        if self.path == "/rest/images?action=initializeUpload":
            return "linkedin-upload"
        if self.path == "/2/tweets":
            return "x"
        if self.path == "/2/media/upload":
            return "x-upload"
        if self.path == "/2/media/metadata":
            return "x-metadata"
        if re.match(r"^/v\d+\.\d+/[^/]+/feed$", self.path):
            return "facebook"
        if re.match(r"^/v\d+\.\d+/[^/]+/photos$", self.path):
            return "facebook-photo"
        if re.match(r"^/v\d+\.\d+/[^/]+/media$", self.path):
            return "instagram-container"
        if re.match(r"^/v\d+\.\d+/[^/]+/media_publish$", self.path):
            return "instagram"
        return None

    def scripted_error(self, s):
        """The scripted reply s's error (ERRORS) answered: True, else False
        (no script, or one with no error)."""
        if not s or "error" not in s:
            return False
        st, obj = ERRORS[s["error"]]
        self.reply(st, obj, headers=s.get("headers"))
        return True

    def refuse(self, net, err):
        """A failed check: the service's own answer."""
        if net:
            net = {"linkedin-upload": "linkedin", "x-upload": "x",
                   "x-metadata": "x",
                   "facebook-photo": "facebook",
                   "linkedin-stats": "linkedin"}.get(net, net)
            if net.startswith("instagram"):
                net = "instagram"
        if isinstance(err, tuple):
            return self.reply(*err)
        if err == "auth":
            st, obj = ERRORS[{"linkedin": "li_expired", "x": "x_expired",
                              "facebook": "fb_expired",
                              "instagram": "ig_expired"}[net]]
            return self.reply(st, obj)
        if net == "linkedin":
            return self.reply(400, {"message": "fake: " + err, "status": 400})
        if net == "x":
            return self.reply(*xproblem(400, "Invalid Request", "fake: " + err))
        if net in ("facebook", "instagram"):
            return self.reply(*graph(400, 100, "(#100) fake: " + err))
        return self.reply(404, {"message": "no such endpoint " + self.path})

    def x_token(self, body):
        """X's OAuth 2.0 token endpoint, grant_type=refresh_token: a new
        pair for a refresh token good once; invalid_grant otherwise."""
        f = {k: v[0] for k, v in urllib.parse.parse_qs(
            body, keep_blank_values=True).items()}
        rec = {"method": "POST", "path": self.path, "net": "x-token",
               "form": {k: v for k, v in f.items() if k != "refresh_token"},
               "auth": self.headers.get("Authorization"),
               "ctype": self.headers.get("Content-Type")}
        problem = None
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            problem = "content-type"
        elif f.get("grant_type") != "refresh_token" or \
                f.get("client_id") != E("FAKE_X_CLIENT"):
            problem = "grant_type/client_id"
        elif E("FAKE_X_SECRET"):
            import base64
            want = "Basic " + base64.b64encode(("%s:%s" % (
                E("FAKE_X_CLIENT"), E("FAKE_X_SECRET"))).encode()).decode()
            if self.headers.get("Authorization") != want:
                problem = "client authentication"
        rec["problem"] = problem
        with LOCK, open(LOG, "a") as fl:
            fl.write(json.dumps(rec) + "\n")
        if problem:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": problem})
        with LOCK:
            if not XTOK["refresh"] or f.get("refresh_token") != XTOK["refresh"]:
                ok = False
            else:
                n = next_id()
                XTOK["access"] = "xaccess-%d" % n
                XTOK["refresh"] = "xrefresh-%d" % n
                ok = True
        if not ok:
            return self.reply(400, {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid."})
        return self.reply(200, {"token_type": "bearer", "expires_in": 7200,
                                "access_token": XTOK["access"],
                                "scope": "tweet.write tweet.read users.read "
                                         "offline.access",
                                "refresh_token": XTOK["refresh"]})

    # --- checks: what the real services insist on ---------------------
    def check(self, net, body):
        if net is None:
            return "no such endpoint " + self.path, None
        tok = {"linkedin": E("FAKE_LI_TOKEN", ""), "x": XTOK["access"],
               "facebook": E("FAKE_FB_TOKEN", ""),
               "instagram": E("FAKE_IG_TOKEN", "")}[
                   re.sub(r"-.*", "", net)]
        if self.headers.get("Authorization") != "Bearer " + tok:
            return "auth", None
        return getattr(self, "check_" + net.replace("-", "_"))(body)

    def li_headers(self):
        if not re.match(r"^\d{6}$", self.headers.get("LinkedIn-Version") or ""):
            return "LinkedIn-Version is not YYYYMM"
        if self.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return "X-Restli-Protocol-Version"
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/json"):
            return "content-type"
        return None

    def li_json(self, body):
        """LinkedIn's headers checked and its JSON body read: (problem,
        None), or (None, the body)."""
        e = self.li_headers()
        if e:
            return e, None
        try:
            return None, json.loads(body)
        except ValueError:
            return "body is not JSON", None

    def check_linkedin_upload(self, body):
        e, d = self.li_json(body)
        if e:
            return e, None
        if d != {"initializeUploadRequest": {"owner": E("FAKE_LI_AUTHOR")}}:
            return "initializeUploadRequest", d
        return None, d

    def check_x_upload(self, body):
        parts = multipart(self.headers.get("Content-Type"), self.raw)
        if parts is None:
            return "not multipart/form-data", None
        if parts.get("media_category", (b"",))[0] != b"tweet_image":
            return "media_category", None
        media = parts.get("media")
        if not media or not image_type(media[0]):
            return "media: not an image", None
        if len(media[0]) > 5 << 20:
            return xproblem(400, "Invalid Request", "File size exceeds 5242880 "
                            "bytes."), None
        self.sha = hashlib.sha256(media[0]).hexdigest()
        return None, {"size": len(media[0]), "type": image_type(media[0])}

    def json_body(self, body):
        """A JSON body with its content type: (problem, None), or (None,
        the body)."""
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/json"):
            return "content-type", None
        try:
            return None, json.loads(body)
        except ValueError:
            return "body is not JSON", None

    def check_x_metadata(self, body):
        """X's media metadata: an uploaded media id and its alt_text, at
        most 1,000 characters (other metadata is not sent here)."""
        err, d = self.json_body(body)
        if err:
            return err, None
        with LOCK:
            known = d.get("id") in IMAGES
        if not known:
            return "id: not uploaded media", d
        md = d.get("metadata")
        alt = md.get("alt_text", {}).get("text") if isinstance(md, dict) \
            and isinstance(md.get("alt_text"), dict) else None
        if set(md or {}) != {"alt_text"} or not isinstance(alt, str) or \
                not alt or len(alt) > 1000:
            return xproblem(400, "Invalid Request", "metadata.alt_text.text "
                            "must be 1 to 1000 characters"), d
        return None, d

    def check_facebook_photo(self, body):
        if self.path.split("/")[2] != E("FAKE_FB_PAGE", ""):
            return "wrong page id", None
        parts = multipart(self.headers.get("Content-Type"), self.raw)
        if parts is None:
            return "not multipart/form-data", None
        src = parts.get("source")
        if not src or not image_type(src[0]):
            return "source: not an image", None
        self.sha = hashlib.sha256(src[0]).hexdigest()
        msg = parts.get("message", (b"",))[0].decode()
        pub = parts.get("published", (b"",))[0].decode()
        # unpublished: a photo to attach to a feed post later, no message
        if pub == "false":
            return None, {"message": msg, "published": pub}
        if not msg:
            return "message", None
        return None, {"message": msg, "published": pub}

    def ig_form(self, body):
        if self.path.split("/")[2] != E("FAKE_IG_USER", ""):
            return "wrong instagram user id", None
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            return "content-type", None
        return None, {k: v[0] for k, v in urllib.parse.parse_qs(
            body, keep_blank_values=True, strict_parsing=True).items()}

    def check_instagram_container(self, body):
        err, f = self.ig_form(body)
        if err:
            return err, f
        cap = f.get("caption", "")
        if "alt_text" in f and not f["alt_text"]:
            return "alt_text: empty", f
        if f.get("media_type") == "CAROUSEL":
            kids = f.get("children", "").split(",")
            if "image_url" in f or not 2 <= len(kids) <= 10:
                return "children: 2 to 10 carousel items", f
            with LOCK:
                ok = all(k in CONTAINERS and CONTAINERS[k].get("item") and
                         CONTAINERS[k]["states"][0] == "FINISHED"
                         for k in kids)
                shas = [CONTAINERS[k].get("sha") for k in kids] if ok else []
            if not ok:
                return graph(400, 100, "(#100) children: not finished "
                             "carousel items"), f
            self.sha = shas
            return None, f
        if f.get("is_carousel_item") not in (None, "true") or \
                (f.get("is_carousel_item") and "caption" in f):
            return "is_carousel_item", f
        if len(cap) > 2200 or len(re.findall(r"(?:^|\s)#\w", cap)) > 30:
            return "caption", f
        # Instagram fetches the image itself, from its public URL
        try:
            with urllib.request.urlopen(f.get("image_url", ""), timeout=5) as r:
                data = r.read()
        except (ValueError, OSError):
            data = b""
        if image_type(data) != "image/jpeg":
            return graph(400, 9004, "The media could not be fetched from "
                         "this uri: " + f.get("image_url", ""), 2207052), f
        self.sha = hashlib.sha256(data).hexdigest()
        return None, f

    def check_instagram(self, body):
        err, f = self.ig_form(body)
        if err:
            return err, f
        if not re.match(r"^\d+$", f.get("creation_id", "")):
            return "creation_id", f
        return None, f

    def check_linkedin(self, body):
        e, d = self.li_json(body)
        if e:
            return e, None
        if d.get("author") != E("FAKE_LI_AUTHOR"):
            return "author", d
        c = d.get("commentary")
        if not isinstance(c, str) or not c or len(c) > 3000:
            return "commentary", d
        if not little_text_ok(c):
            return "commentary: reserved character not escaped", d
        dist = d.get("distribution", {})
        if d.get("visibility") != "PUBLIC" or \
                dist.get("feedDistribution") != "MAIN_FEED" or \
                dist.get("targetEntities") != [] or \
                dist.get("thirdPartyDistributionChannels") != [] or \
                d.get("lifecycleState") != "PUBLISHED" or \
                d.get("isReshareDisabledByAuthor") is not False:
            return "post fields", d
        if "content" in d:
            c = d["content"]
            if "multiImage" in c:
                imgs = c["multiImage"].get("images")
                if set(c) != {"multiImage"} or not isinstance(imgs, list) \
                        or not 2 <= len(imgs) <= 20:
                    return "content.multiImage.images: 2 to 20", d
            else:
                imgs = [c.get("media", {})]
            shas = []
            for media in imgs:
                img = media.get("id")
                with LOCK:
                    sha = IMAGES.get(img)
                    ready = (LI_STATES.get(img) or [""])[0] == "AVAILABLE"
                if not sha:
                    return "content.media.id: no such uploaded image", d
                if not ready:
                    return "content.media.id: the image is not AVAILABLE", d
                alt = media.get("altText")
                if "altText" in media and (not isinstance(alt, str) or
                                           not alt or len(alt) > 4086):
                    return "content.media.altText", d
                shas.append(sha)
            self.sha = shas[0] if len(shas) == 1 else shas
        return None, d

    def check_x(self, body):
        err, d = self.json_body(body)
        if err:
            return err, None
        t = d.get("text")
        if not isinstance(t, str) or not t:
            return "text", d
        if x_weight(t) > 280:
            return "text over 280 weighted characters", d
        if "media" in d:
            ids = d["media"].get("media_ids")
            with LOCK:
                if not isinstance(ids, list) or not 1 <= len(ids) <= 4 or \
                        not all(i in IMAGES for i in ids):
                    return "media.media_ids: not uploaded media", d
                self.sha = IMAGES[ids[0]] if len(ids) == 1 else \
                    [IMAGES[i] for i in ids]
        return None, d

    def check_facebook(self, body):
        if self.path.split("/")[2] != E("FAKE_FB_PAGE", ""):
            return "wrong page id", None
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            return "content-type", None
        f = {k: v[0] for k, v in urllib.parse.parse_qs(
            body, keep_blank_values=True, strict_parsing=True).items()}
        if not f.get("message"):
            return "message", f
        if "link" in f and not re.match(r"^https?://", f["link"]):
            return "link", f
        att = []
        for k in sorted((k for k in f if k.startswith("attached_media")),
                        key=lambda k: int(re.sub(r"\D", "", k) or -1)):
            if not re.match(r"^attached_media\[\d+\]$", k):
                return "attached_media: " + k, f
            try:
                fbid = json.loads(f[k]).get("media_fbid")
            except (ValueError, AttributeError):
                return "attached_media: not JSON", f
            with LOCK:
                ph = FB_PHOTOS.get(fbid)
                if not ph or ph["used"]:
                    return graph(400, 100, "(#100) attached_media: no such "
                                 "unpublished photo " + str(fbid)), f
                ph["used"] = True
            att.append(ph["sha"])
        if att:
            f["attached_shas"] = att
        return None, f

    # --- success: a new post, or the network's duplicate error --------
    def publish(self, net, d):
        n = next_id()
        if net == "linkedin-upload":
            urn = "urn:li:image:C4D%017d" % n
            with LOCK:
                UPLOADS["/dms-uploads/%d" % n] = urn
                LI_STATES[urn] = (self.states or "AVAILABLE").split(",")
            return self.reply(200, {"value": {
                "uploadUrlExpiresAt": int(time.time() * 1000) + 86400000,
                "uploadUrl": "%s/dms-uploads/%d" % (self.base(), n),
                "image": urn}})
        if net == "x-upload":
            mid = "19%017d" % n
            with LOCK:
                IMAGES[mid] = self.sha
            return self.reply(200, {"data": {
                "id": mid, "media_key": "3_" + mid, "size": d["size"],
                "expires_after_secs": 86400,
                "image": {"image_type": d["type"], "w": 1, "h": 1}}})
        if net == "x-metadata":
            return self.reply(200, {"data": {
                "id": d["id"], "associated_metadata": d["metadata"]}})
        if net == "instagram-container":
            cid = "17%015d" % n
            states = (self.states or "FINISHED").split(",")
            with LOCK:
                CONTAINERS[cid] = {"states": states, "used": False,
                                   "item": d.get("is_carousel_item") ==
                                   "true", "sha": self.sha}
            return self.reply(200, {"id": cid})
        if net == "instagram":
            with LOCK:
                c = CONTAINERS.get(d["creation_id"])
                ok = c and c["states"][0] == "FINISHED" and not c["used"] \
                    and not c["item"]
                if ok:
                    c["used"] = True
                    SEEN["instagram"].add("179%014d" % n)
            if not ok:
                return self.reply(*ERRORS["ig_not_ready"])
            return self.reply(200, {"id": "179%014d" % n})
        if net == "facebook-photo" and d["published"] == "false":
            pid = "56%013d" % n
            with LOCK:
                FB_PHOTOS[pid] = {"sha": self.sha, "used": False}
            return self.reply(200, {"id": pid})
        if net == "facebook-photo":
            with LOCK:
                dup = d["message"] + self.sha in SEEN["facebook"]
                SEEN["facebook"].add(d["message"] + self.sha)
            if dup:
                return self.reply(*ERRORS["fb_duplicate"])
            return self.reply(200, {"id": "55%013d" % n, "post_id": "%s_10%013d"
                                    % (E("FAKE_FB_PAGE"), n)})
        key = {"linkedin": lambda: unescape_little(d["commentary"]),
               "x": lambda: d["text"],
               "facebook": lambda: d["message"] + d.get("link", "")}[net]()
        with LOCK:
            dup = key in SEEN[net]
            SEEN[net].add(key)
        if dup:
            st, obj = ERRORS[{"linkedin": "li_duplicate", "x": "x_duplicate",
                              "facebook": "fb_duplicate"}[net]]
            return self.reply(st, obj)
        if net == "linkedin":
            return self.reply(201, None, headers={
                "x-restli-id": "urn:li:share:71%017d" % n,
                "x-linkedin-id": "urn:li:share:71%017d" % n})
        if net == "x":
            return self.reply(201, {"data": {
                "id": "18%017d" % n, "text": d["text"],
                "edit_history_tweet_ids": ["18%017d" % n]}})
        return self.reply(200, {"id": "%s_10%013d" % (E("FAKE_FB_PAGE"), n)})


# --- metrics (social-report) and debug_token (vault-health): GETs only --
# The numbers of each post come from the JSON file FAKE_SOCIAL_METRICS:
# {"<post id>": {"likes": N, "comments": N, "shares": N, "impressions": N,
# "reach": N}}; a post not in it is one the network no longer has (its real
# not-found reply). The insights edge (a Page post's views and reach, an
# Instagram media's views, reach, likes, comments and shares) leaves out a
# metric whose value is missing or null, as Graph does for one it has no
# data for yet. LinkedIn's post statistics (a member's
# memberCreatorPostAnalytics, an organization's
# organizationalEntityShareStatistics, by FAKE_LI_AUTHOR) give the same
# impressions, reach and shares, or 403 ACCESS_DENIED for every post when
# FAKE_LI_STATS_DENIED=1 (a token without the permission). Script lines match "GET PATH " (errors: li_429, x_429 with
# x-rate-limit-reset, li_expired, x_expired, fb_expired, fb_throttled...).
def metrics_of(post_id):
    try:
        with open(E("FAKE_SOCIAL_METRICS", "/nonexistent")) as f:
            return json.load(f).get(post_id)
    except FileNotFoundError:
        return None


def debug_token(h, u, q):
    """Graph's debug_token, asked with the token itself (vault-health's
    token expiry): FAKE_TOKEN_EXPIRES is {"<token>": EPOCH (0: never) or
    "expired"}; a token not in it, or expired, is refused with 190."""
    tok = q.get("input_token", [""])[0]
    exp = json.loads(E("FAKE_TOKEN_EXPIRES", "{}")).get(tok)
    rec = {"method": "GET", "path": u.path, "net": "debug_token",
           "problem": None if h.headers.get("Authorization") ==
           "Bearer " + tok else "auth"}
    with LOCK, open(LOG, "a") as f:
        f.write(json.dumps(rec) + "\n")
    if rec["problem"] or exp is None or exp == "expired":
        return h.reply(*ERRORS["fb_expired"])
    h.reply(200, {"data": {
        "app_id": "1234567890", "type": "PAGE", "application": "ai-employee",
        "data_access_expires_at": 0, "expires_at": exp, "is_valid": True,
        "issued_at": 1790000000, "profile_id": E("FAKE_FB_PAGE", ""),
        "scopes": ["pages_manage_posts", "pages_read_engagement"],
        "user_id": "10215241773831025"}})


LI_URN = r"urn%3Ali%3A(share|ugcPost)%3A\d+"
LI_METRIC = {"IMPRESSION": "impressions", "MEMBERS_REACHED": "reach",
             "RESHARE": "shares"}


def raw_query(u):
    """The query's fields as sent (still percent-encoded)."""
    return dict(p.partition("=")[::2] for p in u.query.split("&"))


def li_stats_problem(u):
    """What is wrong with a request for LinkedIn's post statistics: a
    member's memberCreatorPostAnalytics (q=entity, entity=(share:URN) or
    (ugcPost:URN), queryType, aggregation=TOTAL) for FAKE_LI_AUTHOR a
    person; an organization's organizationalEntityShareStatistics
    (q=organizationalEntity, the author, shares=List(URN,...) or
    ugcPosts=List(...)) for an organization. None when nothing."""
    f, author = raw_query(u), E("FAKE_LI_AUTHOR", "")
    if u.path == "/rest/memberCreatorPostAnalytics":
        m = re.fullmatch(r"\((share|ugcPost):" + LI_URN + r"\)",
                         f.get("entity", ""))
        if f.get("q") != "entity" or not m or m.group(1) != m.group(2):
            return "q or entity"
        if f.get("queryType") not in LI_METRIC or \
                f.get("aggregation") != "TOTAL":
            return "queryType or aggregation"
        if not author.startswith("urn:li:person:"):
            return "a member's analytics of an organization's post"
        return None
    lists = [k for k in ("shares", "ugcPosts") if k in f]
    if f.get("q") != "organizationalEntity" or \
            f.get("organizationalEntity") != urllib.parse.quote(author, "") \
            or not author.startswith("urn:li:organization:"):
        return "q or organizationalEntity"
    if len(lists) != 1 or not re.fullmatch(
            r"List\(%s(,%s)*\)" % (LI_URN, LI_URN), f[lists[0]]):
        return "shares or ugcPosts"
    return None


def li_stats(h, u):
    """LinkedIn's statistics of posts from FAKE_SOCIAL_METRICS; all 403
    when FAKE_LI_STATS_DENIED=1 (a token without the permission)."""
    if E("FAKE_LI_STATS_DENIED") == "1":
        return h.reply(403, {
            "status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED",
            "message": "Not enough permissions to access: %s.GET.20251101"
            % u.path.rsplit("/", 1)[1]})
    f = raw_query(u)
    page = {"start": 0, "count": 10, "links": []}
    if u.path == "/rest/memberCreatorPostAnalytics":
        urn = urllib.parse.unquote(f["entity"].split(":", 1)[1][:-1])
        m = metrics_of(urn)
        if m is None:
            return h.reply(404, {"status": 404, "serviceErrorCode": 0,
                                 "message": "Not Found"})
        key = LI_METRIC[f["queryType"]]
        els = [] if key not in m else [{"count": m[key], "metricType": {
            "com.linkedin.adsexternalapi.memberanalytics.v1."
            "CreatorPostAnalyticsMetricTypeV1": f["queryType"]}}]
        return h.reply(200, {"paging": page, "elements": els})
    kind = "shares" if "shares" in f else "ugcPosts"
    els = []
    for urn in urllib.parse.unquote(f[kind][5:-1]).split(","):
        m = metrics_of(urn)
        if m is None:
            continue
        els.append({"organizationalEntity": E("FAKE_LI_AUTHOR"),
                    kind[:-1]: urn, "totalShareStatistics": {
                        "uniqueImpressionsCount": m.get("reach", 0),
                        "shareCount": m["shares"], "engagement": 0.04,
                        "clickCount": 0, "likeCount": m["likes"],
                        "impressionCount": m["impressions"],
                        "commentCount": m["comments"]}})
    h.reply(200, {"paging": page, "elements": els})


def metrics_get(h):
    """Answer a metrics GET; False when the path is none of them."""
    u = urllib.parse.urlsplit(h.path)
    q = urllib.parse.parse_qs(u.query)
    if re.match(r"^/v\d+\.\d+/debug_token$", u.path):
        debug_token(h, u, q)
        return True
    path = urllib.parse.unquote(u.path)
    if re.match(r"^/v\d+\.\d+/\d+_\d+/insights$", u.path):
        net, tok = "facebook-insights", E("FAKE_FB_TOKEN")
    elif re.match(r"^/v\d+\.\d+/\d+/insights$", u.path):
        net, tok = "instagram-insights", E("FAKE_IG_TOKEN")
    elif path.startswith("/rest/socialActions/"):
        net, tok = "linkedin", E("FAKE_LI_TOKEN")
    elif u.path in ("/rest/memberCreatorPostAnalytics",
                    "/rest/organizationalEntityShareStatistics"):
        net, tok = "linkedin-stats", E("FAKE_LI_TOKEN")
    elif u.path == "/2/tweets":
        net, tok = "x", XTOK["access"]
    elif re.match(r"^/v\d+\.\d+/\d+_\d+$", u.path):
        net, tok = "facebook", E("FAKE_FB_TOKEN")
    else:
        return False
    rec = {"method": "GET", "path": h.path, "net": net if
           net.endswith(("-insights", "-stats")) else net + "-metrics",
           "auth": h.headers.get("Authorization"),
           "li_version": h.headers.get("LinkedIn-Version"),
           "restli": h.headers.get("X-Restli-Protocol-Version"),
           "problem": None}
    if h.headers.get("Authorization") != "Bearer " + (tok or ""):
        rec["problem"] = "auth"
    elif net.startswith("linkedin") and (not re.match(r"^\d{6}$", rec["li_version"]
                                or "") or rec["restli"] != "2.0.0"):
        rec["problem"] = "LinkedIn-Version or X-Restli-Protocol-Version"
    elif net == "linkedin" and "%3A" not in u.path:
        rec["problem"] = "the URN is not percent-encoded"
    elif net == "linkedin-stats":
        rec["problem"] = li_stats_problem(u)
    elif net == "x" and (q.get("tweet.fields") != ["public_metrics"] or
                         len(q.get("ids", [""])[0].split(",")) > 100):
        rec["problem"] = "tweet.fields or ids"
    elif net == "facebook" and not all(
            k in q.get("fields", [""])[0] for k in
            ("reactions.limit(0).summary(total_count)",
             "comments.limit(0).summary(total_count)", "shares")):
        rec["problem"] = "fields"
    elif net.endswith("-insights") and not all(
            k in INSIGHTS[net[:-9]] for k in
            q.get("metric", [""])[0].split(",")):
        rec["problem"] = "metric"
    with LOCK, open(LOG, "a") as f:
        f.write(json.dumps(rec) + "\n")
    if rec["problem"] == "auth":
        h.refuse(net.replace("-insights", ""), "auth")
        return True
    if rec["problem"] == "metric":
        h.reply(*graph(400, 100, "(#100) The value must be a valid insights "
                       "metric"))
        return True
    if rec["problem"]:
        h.refuse(net, rec["problem"])
        return True
    s = take_script("GET %s " % h.path)
    if s:
        if not h.scripted_error(s):
            h.reply(s.get("status", 200), s.get("json"), s.get("raw"),
                    s.get("headers"))
        return True
    if net.endswith("-insights"):
        insights(h, net, u.path.split("/")[2], q["metric"][0].split(","))
    elif net == "linkedin-stats":
        li_stats(h, u)
    elif net == "linkedin":
        urn = path[len("/rest/socialActions/"):]
        m = metrics_of(urn)
        if m is None:
            h.reply(404, {"message": "Not Found", "status": 404,
                          "serviceErrorCode": 0})
        else:
            h.reply(200, {
                "likesSummary": {"selectedLikes": [], "likedByCurrentUser":
                                 False, "totalLikes": m["likes"],
                                 "aggregatedTotalLikes": m["likes"]},
                "commentsSummary": {"selectedComments": [],
                                    "totalFirstLevelComments": m["comments"],
                                    "aggregatedTotalComments": m["comments"]},
                "target": urn, "$URN": "urn:li:socialActions:" + urn})
    elif net == "x":
        data, errors = [], []
        for i in q["ids"][0].split(","):
            m = metrics_of(i)
            if m is None:
                errors.append({
                    "value": i, "detail": "Could not find tweet with ids: "
                    "[%s]." % i, "title": "Not Found Error",
                    "resource_type": "tweet", "parameter": "ids",
                    "resource_id": i, "type": "https://api.twitter.com/2/"
                    "problems/resource-not-found"})
            else:
                data.append({"id": i, "text": "...",
                             "edit_history_tweet_ids": [i],
                             "public_metrics": {
                                 "retweet_count": m["shares"],
                                 "reply_count": m["comments"],
                                 "like_count": m["likes"],
                                 "quote_count": 0, "bookmark_count": 0,
                                 "impression_count": m["impressions"]}})
        obj = {"data": data} if data else {}
        if errors:
            obj["errors"] = errors
        h.reply(200, obj)
    else:
        pid = u.path.split("/")[2]
        m = metrics_of(pid)
        if m is None:
            h.reply(400, {"error": {
                "message": "Unsupported get request. Object with ID '%s' "
                "does not exist, cannot be loaded due to missing permissions, "
                "or does not support this operation." % pid,
                "type": "GraphMethodException", "code": 100,
                "error_subcode": 33, "fbtrace_id": "AFakeTrace"}})
        else:
            obj = {"id": pid,
                   "reactions": {"data": [], "summary": {
                       "total_count": m["likes"], "viewer_reaction": "NONE"}},
                   "comments": {"data": [], "summary": {
                       "order": "ranked", "total_count": m["comments"],
                       "can_comment": True}}}
            if m["shares"]:
                obj["shares"] = {"count": m["shares"]}
            h.reply(200, obj)
    return True


def insights(h, net, oid, names):
    """The insights edge of a Page post or an Instagram media: each metric
    asked with a value, in Graph's shape (lifetime)."""
    m = metrics_of(oid)
    if m is None:
        return h.reply(400, {"error": {
            "message": "Unsupported get request. Object with ID '%s' does "
            "not exist, cannot be loaded due to missing permissions, or does "
            "not support this operation." % oid, "type": "GraphMethodException",
            "code": 100, "error_subcode": 33, "fbtrace_id": "AFakeTrace"}})
    src = {"post_media_view": "impressions", "views": "impressions",
           "post_total_media_view_unique": "reach", "reach": "reach",
           "likes": "likes", "comments": "comments", "shares": "shares"}
    data = []
    for name in names:
        v = m.get(src.get(name, name))
        if v is not None:
            data.append({"name": name, "period": "lifetime",
                         "values": [{"value": v}], "title": name.title(),
                         "description": "Lifetime: " + name,
                         "id": "%s/insights/%s/lifetime" % (oid, name)})
    h.reply(200, {"data": data, "paging": {
        "previous": "https://graph.facebook.com/v21.0/%s/insights?since=1"
                    % oid,
        "next": "https://graph.facebook.com/v21.0/%s/insights?until=2" % oid}})
# --- end of metrics ----------------------------------------------------


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
