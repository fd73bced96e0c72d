#!/usr/bin/env python3
"""t/fake/smtpauth.py - an aiosmtpd server (Debian's python3-aiosmtpd; run
it with /usr/bin/python3) on 127.0.0.1 that requires AUTH XOAUTH2 before
MAIL and delivers into a Maildir, for the SMTP_BEARER tests of mail-send.

usage: smtpauth.py PORT MAILDIR USER TOKEN LOG

Only XOAUTH2 is offered (PLAIN and LOGIN are left out), and over plain
SMTP too (auth_require_tls off: the tests run on loopback without TLS, as
the password tests do). The client's response, with or without an initial
response on the AUTH line, must be base64 of
"user=USER^Aauth=Bearer TOKEN^A^A" (SASL XOAUTH2 as Gmail and Outlook
define it); anything else is 535. LOG gets one line per AUTH: "XOAUTH2 ok
USER" or "XOAUTH2 refused <why>" (never the token).
"""
import base64
import binascii
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult

PORT, MAILDIR, USER, TOKEN, LOG = sys.argv[1:6]


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


class Handler(Mailbox):
    async def auth_XOAUTH2(self, server, args):
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                log("XOAUTH2 refused: initial response is not base64")
                return AuthResult(success=False, handled=False)
        else:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                log("XOAUTH2 refused: aborted")
                return AuthResult(success=False, handled=True)
        parts = blob.split(b"\x01")
        fields = dict(p.split(b"=", 1) for p in parts if b"=" in p)
        if len(parts) != 4 or parts[2:] != [b"", b""]:
            log("XOAUTH2 refused: not user=...^Aauth=...^A^A")
            return AuthResult(success=False, handled=False)
        if fields.get(b"user", b"").decode() != USER:
            log("XOAUTH2 refused: wrong user")
            return AuthResult(success=False, handled=False)
        if fields.get(b"auth", b"") != b"Bearer " + TOKEN.encode():
            log("XOAUTH2 refused: wrong token")
            return AuthResult(success=False, handled=False)
        log("XOAUTH2 ok " + USER)
        return AuthResult(success=True, auth_data=USER)


ctl = Controller(Handler(MAILDIR), hostname="127.0.0.1", port=int(PORT),
                 auth_required=True, auth_require_tls=False,
                 auth_exclude_mechanism=["LOGIN", "PLAIN"])
ctl.start()
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
try:
    signal.pause()
finally:
    ctl.stop()
