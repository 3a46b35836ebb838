#!/usr/bin/env python3
"""timens-exec.py [--monotonic S] [--boottime S] [--realtime S] [--] CMD [ARG...]

Run CMD in a new time namespace with these offsets, in seconds (a fraction
is kept to the nanosecond; negative values allowed where the kernel allows
them).  What util-linux `unshare --time --monotonic S --boottime S` does,
plus the realtime offset of this series, which util-linux 2.38 cannot set.

unshare(CLONE_NEWTIME) puts only the caller's future children in the new
namespace; the offsets must be written to /proc/self/timens_offsets before
any task enters it, and the exec() below is what enters it (it also freezes
the offsets).  Used by make run's demo and by the guest tests.

Exit status: CMD's; 125 when the namespace cannot be made or an offset
cannot be written (the message says which and why).
"""
import argparse
import ctypes
import decimal
import errno
import os
import sys

CLONE_NEWTIME = 0x80


def record(clock, value):
    """The offsets file's record for VALUE seconds: "CLOCK SECS NSECS".
    Nanoseconds are never negative: -1.5 s is "-2 500000000"."""
    total = int((value * 1000000000).to_integral_value(decimal.ROUND_HALF_EVEN))
    secs, nsecs = divmod(total, 1000000000)
    return "%s %d %d" % (clock, secs, nsecs)


def seconds(text):
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise argparse.ArgumentTypeError("not a number of seconds: %r" % text)


def main():
    ap = argparse.ArgumentParser(
        description="Run CMD in a new time namespace with offsets.")
    for clock in ("monotonic", "boottime", "realtime"):
        ap.add_argument("--" + clock, type=seconds, metavar="SECS",
                        help="offset of CLOCK_%s" % clock.upper())
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd and args.cmd[0] == "--":
        args.cmd = args.cmd[1:]
    if not args.cmd:
        ap.error("no command given")

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWTIME):
        _fail("unshare(CLONE_NEWTIME)", ctypes.get_errno())
    # One record per write: an error names the clock it is about.
    for clock in ("monotonic", "boottime", "realtime"):
        value = getattr(args, clock)
        if value is None:
            continue
        try:
            with open("/proc/self/timens_offsets", "w") as f:
                f.write(record(clock, value))
        except OSError as e:
            hint = ""
            if clock == "realtime" and e.errno == errno.EINVAL:
                hint = " (this kernel has no per-namespace realtime)"
            _fail("writing %r to /proc/self/timens_offsets" %
                  record(clock, value), e.errno, hint)
    try:
        os.execvp(args.cmd[0], args.cmd)
    except OSError as e:
        _fail("cannot run %s" % args.cmd[0], e.errno)


def _fail(what, err, hint=""):
    sys.stderr.write("timens-exec: %s: %s%s\n" % (what, os.strerror(err), hint))
    sys.exit(125)


if __name__ == "__main__":
    main()
