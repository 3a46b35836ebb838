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
