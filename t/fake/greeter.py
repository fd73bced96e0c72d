#!/usr/bin/env python3
"""t/fake/greeter.py - a server that only greets: binds a free port on
127.0.0.1, writes it to PORTFILE, and sends LINE + CRLF to each client
(an IMAP "* OK" greeting, or a bad one), then closes after the client does
or after 5 s. An empty LINE sends nothing at all (a server that never
greets) and waits 60 s.

With CERT and KEY (PEM files) it speaks implicit TLS, as an smtps:// or
imaps:// server does: the TLS handshake first, then LINE inside it.

usage: greeter.py PORTFILE LINE [CERT KEY]
"""
import os
import socket
import ssl
import sys
import threading

portfile, line = sys.argv[1], sys.argv[2]
ctx = None
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)


def serve(c):
    try:
        c.settimeout(5)
        if ctx:
            c = ctx.wrap_socket(c, server_side=True)
        if line:
            c.sendall(line.encode() + b"\r\n")
        else:
            c.settimeout(60)
        c.recv(1024)
    except OSError:
        pass
    finally:
        c.close()


while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
