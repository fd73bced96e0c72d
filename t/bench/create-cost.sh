#!/bin/sh
# t/bench/create-cost.sh DIR - the microseconds a new, empty file costs in
# DIR (made here; 300 files created in it, left there: removing them would
# add to what the next look measures), with a warning on standard error
# over 50 us. Printed by the benchmarks beside
# their figures: on an ext4 without a journal (the VM disks here) the
# inode allocator passes over every inode freed in the last one to six
# minutes (recently_deleted in the kernel's ialloc.c), so just after a
# large rm -rf near DIR (a test run, the last benchmark's clean-up) a
# create costs 0.1-0.9 ms of CPU instead of some 0.02, and a tool that
# makes more files pays more: the git CLI's loose objects, the webhook's
# items.
set -eu
[ $# -eq 1 ] || { echo "usage: create-cost.sh DIR" >&2; exit 2; }
exec python3 - "$1" <<'PY'
import os, sys, time
os.mkdir(sys.argv[1])
t = time.perf_counter()
for i in range(300):
    os.close(os.open(os.path.join(sys.argv[1], "f%d" % i),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
us = (time.perf_counter() - t) / 300 * 1e6
print("%.0f" % us)
if us > 50:
    sys.stderr.write("create-cost.sh: warning: a new file costs %.0f us in %s "
                     "(a settled disk: about 20): many files were removed near "
                     "it in the last minutes, and the tool that makes more "
                     "files pays more for it\n" % (us, sys.argv[1]))
PY
