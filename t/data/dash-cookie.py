# dash-cookie.py KEYHEX KIND TTL: a dashboard session cookie made outside
# the CGI (HMAC-SHA-512-256 = libsodium crypto_auth), for the tests of
# expired and forged cookies. TTL may be negative.
import base64, hashlib, hmac, os, struct, sys, time

key = bytes.fromhex(sys.argv[1].strip())
raw = bytes([int(sys.argv[2])]) + struct.pack(">Q", int(time.time()) + int(sys.argv[3])) + os.urandom(16)
tag = hmac.new(key, raw, hashlib.sha512).digest()[:32]
print(base64.urlsafe_b64encode(raw + tag).decode().rstrip("="))
