#!/usr/bin/env python3
"""t/fake/meta.py - the Meta side of the WhatsApp Cloud API webhook, for
t/35-wa-webhook.bats: payloads as Meta sends them, signed as Meta signs
them (X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>).

usage: meta.py payload TYPE WAMID [TEXT]    a delivery of one message
       meta.py status STATUS WAMID [CODE]   a delivery of one status
       meta.py sign SECRET FILE              the header value for FILE
       meta.py post URL SECRET FILE [--forge | --unsigned]
                                             POST FILE signed (or with a
                                             forged or no signature); prints
                                             the HTTP status, then the body

TYPE: text image audio video document sticker location interactive
list_reply button reaction unsupported. Messages come from wa_id
15551234567 ("Alice Example") to phone number id 1098765; TEXT is the text
or caption (default "Hello"). With a CONTEXT environment variable the
message answers that wamid; TS sets its timestamp (epoch seconds);
WA_FROM another sender's wa_id (the owner's, say); CAFILE the
certificate authority post trusts.
"""
import hashlib
import hmac
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

FROM = os.environ.get("WA_FROM") or "15551234567"
PHONE_ID = "1098765"


def message(kind, wamid, text):
    m = {"from": FROM, "id": wamid,
         "timestamp": os.environ.get("TS") or str(int(time.time())),
         "type": kind}
    if kind == "text":
        m["text"] = {"body": text}
    elif kind in ("image", "audio", "video", "document", "sticker"):
        mime = {"image": "image/jpeg", "audio": "audio/ogg; codecs=opus",
                "video": "video/mp4", "document": "application/pdf",
                "sticker": "image/webp"}[kind]
        media = {"id": "1037543291543636", "mime_type": mime,
                 "sha256": "RuKuf8QdjzHh8XI2LwgX2oVa+bRYY2KWY3qPLsL5zGw="}
        if kind in ("image", "video", "document"):
            media["caption"] = text
        if kind == "document":
            media["filename"] = "invoice-1234.pdf"
        if kind == "audio":
            media["voice"] = True
        m[kind] = media
    elif kind == "location":
        m["location"] = {"latitude": 52.520008, "longitude": 13.404954,
                         "name": "Shop", "address": "Main Street 1, Berlin"}
    elif kind == "interactive":
        m["interactive"] = {"type": "button_reply", "button_reply": {
            "id": "yes-ship", "title": text}}
    elif kind == "list_reply":
        m["type"] = "interactive"
        m["interactive"] = {"type": "list_reply", "list_reply": {
            "id": "opt-2", "title": text, "description": "the second"}}
    elif kind == "button":
        m["button"] = {"payload": "STOP_PROMOS", "text": text}
    elif kind == "reaction":
        m["reaction"] = {"message_id": "wamid.OURS1", "emoji": "\U0001f44d"}
    elif kind == "unsupported":
        m["errors"] = [{"code": 131051, "title": "Message type unknown",
                        "message": "Message type unknown",
                        "error_data": {"details": "Message type is currently not supported."}}]
    if os.environ.get("CONTEXT"):
        m["context"] = {"from": PHONE_ID, "id": os.environ["CONTEXT"]}
    return m


def envelope(value):
    value = dict({"messaging_product": "whatsapp", "metadata": {
        "display_phone_number": "15550001111", "phone_number_id": PHONE_ID}},
        **value)
    return {"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"value": value,
                                              "field": "messages"}]}]}


def status(st, wamid, code):
    s = {"id": wamid, "status": st, "timestamp": str(int(time.time())),
         "recipient_id": FROM, "pricing": {"billable": True,
                                           "pricing_model": "PMP",
                                           "category": "service"}}
    if code:
        s["errors"] = [{"code": int(code), "title": "Message failed",
                        "message": "Message failed",
                        "error_data": {"details": "failed (%s)" % code}}]
    return s


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body,
                                hashlib.sha256).hexdigest()


def main(argv):
    if argv[0] == "payload":
        text = argv[3] if len(argv) > 3 else "Hello"
        value = {"contacts": [{"profile": {"name": "Alice Example"},
                               "wa_id": FROM}],
                 "messages": [message(argv[1], argv[2], text)]}
        print(json.dumps(envelope(value)))
    elif argv[0] == "status":
        code = argv[3] if len(argv) > 3 else None
        print(json.dumps(envelope({"statuses": [status(argv[1], argv[2],
                                                       code)]})))
    elif argv[0] == "sign":
        with open(argv[2], "rb") as f:
            print(sign(argv[1], f.read()))
    elif argv[0] == "post":
        url, secret, path = argv[1:4]
        with open(path, "rb") as f:
            body = f.read()
        headers = {"Content-Type": "application/json",
                   "User-Agent": "facebookexternalua"}
        if "--forge" in argv:
            headers["X-Hub-Signature-256"] = sign(secret + "x", body)
        elif "--unsigned" not in argv:
            headers["X-Hub-Signature-256"] = sign(secret, body)
        req = urllib.request.Request(url, data=body, headers=headers,
                                     method="POST")
        try:
            # CAFILE: the test's own certificate authority (https)
            ctx = (ssl.create_default_context(cafile=os.environ["CAFILE"])
                   if os.environ.get("CAFILE") else None)
            with urllib.request.urlopen(req, timeout=20, context=ctx) as r:
                print(r.status)
                sys.stdout.write(r.read().decode(errors="replace"))
        except urllib.error.HTTPError as e:
            print(e.code)
            sys.stdout.write(e.read().decode(errors="replace"))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
