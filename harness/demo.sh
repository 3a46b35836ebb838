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

# A namespace with its own date, made by an unprivileged user: container_at
# (harness/guest-tests/lib.sh, shared with the container-2038 test).  The
# offsets have to be written after unshare(CLONE_NEWTIME) and before the exec
# or fork that enters the namespace; util-linux 2.38 has options for
# monotonic and boottime only, so harness/timens-exec.py does it for realtime.
. "$(dirname "$0")/guest-tests/lib.sh"
when="2038-01-19 03:00:00"
echo
echo "A container living in 2038, made by user nobody: its CLOCK_REALTIME is its own"
echo "\$ setpriv --reuid nobody ... unshare --user --map-root-user \\"
echo "    timens-exec.py --realtime $(($(date -u -d "$when" +%s) - $(date -u +%s))) -- sh"
container_at "$when" sh -c '
	echo "  id:       $(id -un) in a user namespace, $(cat /proc/self/uid_map | tr -s " ")"
	echo "  date:     $(date -u "+%Y-%m-%d %H:%M:%S %Z")"
	echo "  python3:  $(python3 -c "import time; print(time.strftime(\"%Y-%m-%d %H:%M:%S UTC\", time.gmtime(time.time())))")"
	[ ! -x "$1" ] || echo "  static:   $("$1" | head -n 1 | sed "s/^clock_gettime *//") UTC (a static program)"
	echo "  offsets:  $(grep realtime /proc/self/timens_offsets)"
	echo "\$ date -u -s \"2040-02-29 12:00:00\"   # inside, as root of nobody'"'"'s user namespace"
	date -u -s "2040-02-29 12:00:00" >/dev/null &&
		echo "  date:     $(date -u "+%Y-%m-%d %H:%M:%S %Z"): the container set its own clock"
	echo "  offsets:  $(grep realtime /proc/self/timens_offsets)"
' sh "${GUEST_BIN:-/nonexistent}/show-date" || true
echo "Outside, the host keeps its date: $(date -u "+%Y-%m-%d %H:%M:%S %Z")"
