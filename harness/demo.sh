#!/bin/bash
# make run's demo, run inside the guest: time namespaces with util-linux.
set -e

clocks() {
	python3 - <<'PY'
import time
print("  CLOCK_MONOTONIC %14.3f s" % time.clock_gettime(time.CLOCK_MONOTONIC))
print("  CLOCK_BOOTTIME  %14.3f s" % time.clock_gettime(time.CLOCK_BOOTTIME))
print("  CLOCK_REALTIME  %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
PY
	echo "  /proc/uptime    $(cat /proc/uptime)"
}
export -f clocks

echo "Kernel $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo
echo "Outside: the root time namespace"
clocks
echo
echo "\$ unshare --time --monotonic 86400 --boottime 31536000 --fork ..."
echo "Inside: monotonic one day ahead, boottime one year ahead"
unshare --time --monotonic 86400 --boottime 31536000 --fork bash -c '
	clocks
	echo "  /proc/self/timens_offsets:"
	sed "s/^/    /" /proc/self/timens_offsets
	sleep 30 & echo $! >/tmp/demo.pid
	wait' &
while [ ! -s /tmp/demo.pid ]; do sleep 0.1; done
echo
echo "\$ nsenter --time --target \$(pidof sleep) ...   (joins that namespace)"
nsenter --time --target "$(cat /tmp/demo.pid)" bash -c clocks
kill "$(cat /tmp/demo.pid)" 2>/dev/null || true
wait 2>/dev/null || true
echo
echo "Outside again: the host's clocks are untouched"
clocks

# A namespace with its own date, made by an unprivileged user.  The offsets
# have to be written after unshare(CLONE_NEWTIME) and before the exec or fork
# that enters the namespace; util-linux 2.38 has options for monotonic and
# boottime only, so a few lines of python3 do it for realtime.
echo
echo "A container living in 2038, made by user nobody: its CLOCK_REALTIME is its own"
off=$(($(date -u -d '2038-01-19 03:00:00' +%s) - $(date -u +%s)))
echo "\$ setpriv --reuid nobody ... unshare --user --map-root-user python3 -c 'unshare(CLONE_NEWTIME);"
echo "    write \"realtime $off 0\" to /proc/self/timens_offsets; exec sh'"
setpriv --reuid nobody --regid nogroup --clear-groups \
	unshare --user --map-root-user python3 -c '
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).unshare(0x80):	# CLONE_NEWTIME
	sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
try:
	with open("/proc/self/timens_offsets", "w") as f:
		f.write("realtime %s 0" % sys.argv[1])
except OSError as e:
	sys.exit("  (no per-namespace realtime in this kernel: %s)" % e.strerror)
os.execvp("sh", ["sh", "-c", sys.argv[2]])
' "$off" '
	echo "  id:       $(id -un) in a user namespace, $(cat /proc/self/uid_map | tr -s " ")"
	echo "  date:     $(date -u "+%Y-%m-%d %H:%M:%S %Z")"
	echo "  python3:  $(python3 -c "import time; print(time.strftime(\"%Y-%m-%d %H:%M:%S UTC\", time.gmtime(time.time())))")"
	echo "  offsets:  $(grep realtime /proc/self/timens_offsets)"
' || true
echo "Outside, the host keeps its date: $(date -u "+%Y-%m-%d %H:%M:%S %Z")"
