#!/usr/bin/python3
# statcache-seal.py FILE: write FILE's first line again with the checksum
# of the rest (seal_sum, cgi/dash/sealed.c, written again), so
# that a test can change a cache file's content and have it believed.
import sys

M = (1 << 64) - 1


def fmix(h):
    h ^= h >> 33
    h = h * 0xff51afd7ed558ccd & M
    h ^= h >> 33
    h = h * 0xc4ceb9fe1a85ec53 & M
    return h ^ (h >> 33)


def seal_sum(d):
    a, b, n = 0x243f6a8885a308d3, 0x13198a2e03707344, len(d)
    d += bytes(16 - n % 16)
    for i in range(0, len(d), 16):
        a = (a ^ int.from_bytes(d[i:i + 8], "little")) * 0x9e3779b97f4a7c15 & M
        a ^= a >> 29
        b = (b ^ int.from_bytes(d[i + 8:i + 16], "little")) * 0xc2b2ae3d27d4eb4f & M
        b ^= b >> 31
    a = fmix(a ^ n)
    b = fmix(b ^ n ^ a)
    return (a.to_bytes(8, "little") + b.to_bytes(8, "little")).hex().encode()


path = sys.argv[1]
head, body = open(path, "rb").read().split(b"\n", 1)
magic = head[:-32]
with open(path, "wb") as f:
    f.write(magic + seal_sum(body) + b"\n" + body)
