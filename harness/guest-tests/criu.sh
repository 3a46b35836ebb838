#!/usr/bin/env bash
# criu.sh check|restore|realtime: CRIU, Debian 12's 3.17, on the series.
#
#   check     `criu check` passes, and so do its checks of the features the
#             other two rely on: the kernel has what CRIU needs
#             (configs/criu.config).
#   restore   a process tree in a time namespace made by util-linux
#             `unshare --time --monotonic N --boottime M --fork`, recording
#             its clocks, is dumped, left dead for a few seconds and restored
#             detached: the tree runs on, its CLOCK_MONOTONIC and
#             CLOCK_BOOTTIME never went backwards and did not count more
#             than the wall time that passed, the restored namespace has the
#             offsets CRIU computed, and every read is still served by the
#             vDSO.
#   realtime  the same tree in a namespace that also has a realtime offset,
#             which CRIU 3.17 does not know about.  It must restore and run
#             on with the same monotonic and boottime guarantees; what
#             becomes of its realtime clock is reported (README, "Works
#             with").
#
# The tree is harness/guest-tests/clock-record.c: two processes under a
# seccomp filter that kills them on any clock syscall, so a reading written
# after the restore is a vDSO read through the restored namespace's page.
# Images and records live on the guest's tmpfs /tmp.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=${1:-}
case "$MODE" in
check | restore | realtime) ;;
*) fail "usage: criu.sh check|restore|realtime" ;;
esac
command -v criu >/dev/null ||
	fail "criu is not installed (harness/arch/x86_64.sh's PKGS has it)"
say "$(criu --version | tr '\n' ' ')"

if [ "$MODE" = check ]; then
	# Category 1 features: criu stops at the first one missing, with exit 1.
	# Its first run in a guest also probes the kernel (kerndat) and prints,
	# as errors that do not fail it, the probes of what this kernel leaves
	# out on purpose: iptables, tun, network namespaces.
	out=$(criu check 2>&1) && rc=0 || rc=$?
	say "$out" | sed 's/^/criu check: /'
	[ "$rc" -eq 0 ] || fail "criu check exited with status $rc"
	grep -qx 'Looks good.' <<<"$out" || fail "criu check did not say 'Looks good.'"
	# And the features the restore tests rely on.
	for f in timens seccomp_suspend seccomp_filters can_map_vdso clone3_set_tid; do
		out=$(criu check --feature "$f" 2>&1) ||
			fail "criu check --feature $f: $out"
		say "criu check --feature $f: $out"
	done
	exit 0
fi

need_timens

MONO=86400	 # CLOCK_MONOTONIC one day ahead
BOOT=31536000	 # CLOCK_BOOTTIME one year ahead
REAL=315360000	 # realtime mode: CLOCK_REALTIME ten years ahead
GAP=3		 # seconds the tree stays dumped
INTERVAL_MS=50	 # between two readings of a process
NEED=10		 # readings each process must write before and after

W=$(mktemp -d /tmp/criu-test.XXXXXX)
at_exit 'rm -rf "$W"'
mkdir "$W/img"
cp "$(need_bin clock-record)" "$W/"
cd "$W"

# criu_failed WHAT LOG: the end of CRIU's log, then fail.
criu_failed() {
	say "$1 failed; the end of its log ($2):"
	tail -n 40 "$2" 2>/dev/null | sed 's/^/  | /'
	fail "$1 failed"
}

# The tree.  Its processes make their own session, so the test's process
# group does not hold them: they are killed by PID, whatever happens.  It
# starts in a subshell, quiet about the SIGKILL the dump gives its child.
starter=
at_exit 'kill_tree $(cat "$W/pids" 2>/dev/null) $starter'
case "$MODE" in
restore)
	(unshare --time --monotonic "$MONO" --boottime "$BOOT" --fork \
		"$W/clock-record" "$W" "$INTERVAL_MS" </dev/null >"$W/tree.out" 2>&1 || true) 2>/dev/null &
	;;
realtime)
	(python3 "$HARNESS_DIR/timens-exec.py" --monotonic "$MONO" --boottime "$BOOT" \
		--realtime "$REAL" -- "$W/clock-record" "$W" "$INTERVAL_MS" \
		</dev/null >"$W/tree.out" 2>&1 || true) 2>/dev/null &
	;;
esac
starter=$!
wait_for 30 test -s "$W/pids" || fail "the tree did not start: $(cat "$W/tree.out" "$W/log" 2>&1)"
read -r P C <"$W/pids"
say "tree: $P (clock-record) and its child $C"

# readings N: each process wrote at least N lines.
readings() {
	local f
	for f in "$W/rec.$P" "$W/rec.$C"; do
		[ -f "$f" ] && [ "$(wc -l <"$f")" -ge "$1" ] || return 1
	done
}
wait_for 30 readings "$NEED" || fail "the tree wrote no readings: $(cat "$W/log")"

want="$MONO 0/$BOOT 0"
[ "$MODE" = realtime ] && want="$want/$REAL 0"
got="$(offset_of "$P" monotonic)/$(offset_of "$P" boottime)"
[ "$MODE" = realtime ] && got="$got/$(offset_of "$P" realtime)"
[ "$got" = "$want" ] || fail "offsets before the dump: '$got', wanted '$want'"
say "before the dump, /proc/$P/timens_offsets:"
sed 's/^/  /' "/proc/$P/timens_offsets"

# Dump: the tree is killed once its images are written.
t_dump=$(date +%s%N)
criu dump -t "$P" -D "$W/img" -o dump.log -v4 || criu_failed "criu dump" "$W/img/dump.log"
t_dumped=$(date +%s%N)
wait "$starter" || true
starter=
# Gone, and reaped (init reaps the orphaned child): the restore needs the PIDs.
gone() { [ ! -d "/proc/$P" ] && [ ! -d "/proc/$C" ]; }
wait_for 10 gone || fail "the tree is still there after the dump: $(cat "/proc/$P/stat" "/proc/$C/stat" 2>&1)"
n_before="$(wc -l <"$W/rec.$P") $(wc -l <"$W/rec.$C")"
say "dumped in $(((t_dumped - t_dump) / 1000000)) ms; readings before: $n_before"

sleep "$GAP"

t_restore=$(date +%s%N)
criu restore -d -D "$W/img" -o restore.log -v4 || criu_failed "criu restore" "$W/img/restore.log"
t_restored=$(date +%s%N)
say "restored in $(((t_restored - t_restore) / 1000000)) ms"
read -r nP nC <<<"$n_before"
grown() { [ "$(wc -l <"$W/rec.$P")" -ge $((nP + NEED)) ] && [ "$(wc -l <"$W/rec.$C")" -ge $((nC + NEED)) ]; }
wait_for 30 grown || fail "the restored tree wrote no new readings (its filter kills it on a clock" \
	"read that enters the kernel; alive: $(ls -d "/proc/$P" "/proc/$C" 2>/dev/null | tr '\n' ' ')):" \
	"$(tail -n 3 "$W/rec.$P" "$W/rec.$C" "$W/log")"
t_after=$(date +%s%N)

# The tree runs on, with its filter: "Seccomp: 2" is filter mode.  Without
# it, reads that entered the kernel would go unnoticed.
for p in "$P" "$C"; do
	[ -d "/proc/$p" ] || fail "restored process $p is gone"
	state=$(awk '/^State:/ { print $2 }' "/proc/$p/status")
	[ "$state" != Z ] || fail "restored process $p is a zombie"
	grep -qE '^Seccomp:[[:space:]]+2$' "/proc/$p/status" ||
		fail "restored process $p has lost its seccomp filter: $(grep Seccomp "/proc/$p/status")"
done
ns=$(readlink "/proc/$P/ns/time")
[ "$ns" = "$(readlink "/proc/$C/ns/time")" ] || fail "the restored processes are in different time namespaces"
[ "$ns" != "$(readlink /proc/self/ns/time)" ] || fail "the restored tree is in the host's time namespace"

# The offsets CRIU computed (its log, at -v4) are the restored namespace's.
say "after the restore, /proc/$P/timens_offsets:"
sed 's/^/  /' "/proc/$P/timens_offsets"
for clock in monotonic boottime; do
	logged=$(sed -n "s/.*timens: $clock \(-\?[0-9]\+\) \([0-9]\+\)\$/\1 \2/p" "$W/img/restore.log" | tail -n 1)
	[ -n "$logged" ] || criu_failed "finding CRIU's $clock offset in its log" "$W/img/restore.log"
	[ "$(offset_of "$P" "$clock")" = "$logged" ] ||
		fail "$clock offset of the restored namespace is '$(offset_of "$P" "$clock")', CRIU computed '$logged'"
done
say "CRIU computed monotonic $(offset_of "$P" monotonic), boottime $(offset_of "$P" boottime): the namespace has them"

# The readings, judged in python3: 64-bit nanoseconds do not fit awk's doubles.
python3 - "$MODE" "$MONO" "$BOOT" "$REAL" "$GAP" "$INTERVAL_MS" \
	"$t_dump" "$t_restore" "$t_restored" "$t_after" \
	"$(offset_of "$P" monotonic)" "$(offset_of "$P" boottime)" \
	"$W/rec.$P:$nP" "$W/rec.$C:$nC" <<'PY'
import sys

(mode, mono, boot, real, gap, interval_ms, t_dump, t_restore, t_restored,
 t_after, mo_off, bo_off) = sys.argv[1:13]
S = 1000000000
mono, boot, real, gap = (int(x) * S for x in (mono, boot, real, gap))
interval = int(interval_ms) * 1000000
t_dump, t_restore, t_restored, t_after = map(int, (t_dump, t_restore, t_restored, t_after))
off = {}
for name, rec in (("monotonic", mo_off), ("boottime", bo_off)):
    secs, nsecs = map(int, rec.split())
    off[name] = secs * S + nsecs
# Reading jitter: three clock reads in a row, under TCG on a shared host.
SLACK = 50 * 1000000
bad = []


def fmt(ns):
    return "%.3f s" % (ns / S)


# CRIU's offsets: the clock value it dumped minus the host's when it
# restored, so the namespace's clocks stand still while the tree is dumped.
# The host-time it spent dumped is at least GAP and at most restore's end
# minus dump's start.
for name, asked in (("monotonic", mono), ("boottime", boot)):
    lo = asked - (t_restored - t_dump) - SLACK
    hi = asked - gap + SLACK
    if not lo <= off[name] <= hi:
        bad.append("%s offset %s not in [%s, %s]" % (name, fmt(off[name]), fmt(lo), fmt(hi)))

for arg in sys.argv[13:]:
    path, n_before = arg.rsplit(":", 1)
    n_before = int(n_before)
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) != 3:
            bad.append("%s: %s" % (path, line.strip()))
            continue
        rows.append(tuple(map(int, f)))
    pre, post = rows[:n_before], rows[n_before:]
    who = path.rsplit(".", 1)[1]
    # 1. Never backwards, across the restore included.
    for i in range(1, len(rows)):
        for c, name in ((0, "CLOCK_MONOTONIC"), (1, "CLOCK_BOOTTIME")):
            if rows[i][c] < rows[i - 1][c]:
                bad.append("%s: %s went back by %s at reading %d%s" % (
                    who, name, fmt(rows[i - 1][c] - rows[i][c]), i,
                    " (the restore)" if i == n_before else ""))
    # 2. Between restores, the clocks keep the host's pace.
    for seg, what in ((pre, "before the dump"), (post, "after the restore")):
        d_real = seg[-1][2] - seg[0][2]
        for c, name in ((0, "CLOCK_MONOTONIC"), (1, "CLOCK_BOOTTIME")):
            d = seg[-1][c] - seg[0][c]
            if abs(d - d_real) > SLACK:
                bad.append("%s: %s advanced %s while CLOCK_REALTIME advanced %s, %s" % (
                    who, name, fmt(d), fmt(d_real), what))
    # 3. Across the restore: no more than the wall time that passed, less
    # the GAP seconds the tree was dumped, during which CRIU stops the
    # namespace's clocks.  The last reading before the dump came at most one
    # period (the longest seen: TCG on a shared host is late) before t_dump.
    period = max(max(b[0] - a[0] for a, b in zip(pre, pre[1:])), interval)
    wall = t_after - t_dump + period
    for c, name in ((0, "CLOCK_MONOTONIC"), (1, "CLOCK_BOOTTIME")):
        d = post[0][c] - pre[-1][c]
        if d > wall - gap + SLACK:
            bad.append("%s: %s advanced %s across the restore: more than the %s that "
                       "passed, less the %s the tree spent dumped" % (who, name, fmt(d), fmt(wall), fmt(gap)))
        print("%s: across the restore CLOCK_%s advanced %s, within %s of wall time (%s of it dumped)" % (
            who, name[6:], fmt(d), fmt(wall), fmt(gap)))
    # 4. boottime - monotonic is the two offsets' difference, before and after.
    for seg, what in ((pre, "before the dump"), (post, "after the restore")):
        diff = seg[-1][1] - seg[-1][0]
        if abs(diff - (boot - mono)) > SLACK:
            bad.append("%s: boottime - monotonic is %s %s, wanted %s" % (
                who, fmt(diff), what, fmt(boot - mono)))
    # 5. Realtime: the host's, or the namespace's offset ahead of it.
    host_pre, host_post = pre[-1][2] - (real if mode == "realtime" else 0), post[0][2]
    if not t_dump - 60 * S <= host_pre <= t_dump + 60 * S:
        bad.append("%s: CLOCK_REALTIME before the dump is off by %s" % (who, fmt(host_pre - t_dump)))
    jump = post[0][2] - t_after
    if abs(jump) < 60 * S:
        kept = "the host's time"
    elif abs(jump - real) < 60 * S:
        kept = "the host's time plus the namespace's realtime offset"
    else:
        kept = None
        bad.append("%s: CLOCK_REALTIME after the restore is the host's %+.3f s" % (who, jump / S))
    print("%s: %d readings before the dump, %d after; CLOCK_REALTIME after the restore: %s" % (
        who, len(pre), len(post), kept))

for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY

if [ "$MODE" = realtime ]; then
	# CRIU 3.17 dumps CLOCK_MONOTONIC and CLOCK_BOOTTIME only, and makes
	# the new namespace with those two offsets.
	rt=$(offset_of "$P" realtime)
	if [ -z "$rt" ]; then
		say "CRIU 3.17 dropped the realtime offset ($REAL s): the restored tree reads the host's CLOCK_REALTIME"
	else
		say "the restored namespace has a realtime offset: $rt"
	fi
fi
say "the restored tree runs on, its clocks served by the vDSO"
