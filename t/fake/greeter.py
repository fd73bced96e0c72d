#!/usr/bin/env python3
"""t/fake/greeter.py - a server that only greets: binds a free port on
127.0.0.1, writes it to PORTFILE, and sends LINE + CRLF to each client
(an IMAP "* OK" greeting, or a bad one), then closes after the client does
or after 5 s.

usage: greeter.py PORTFILE LINE
"""
import os
import socket
import sys
import threading

portfile, line = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)


def serve(c):
    try:
        c.sendall(line.encode() + b"\r\n")
        c.settimeout(5)
        c.recv(1024)
    except OSError:
        pass
    finally:
        c.close()


while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
