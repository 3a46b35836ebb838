#!/usr/bin/env bash
# date-set.sh: `date -s` in a container moves the container's clock, and
# nothing else.  User nobody makes a user namespace and a time namespace
# that owns its realtime (container_at in lib.sh, at the host's own time);
# inside, root of that user namespace sets the clock with coreutils
# `date -s`, then python3's time.clock_settime(), then a statically linked
# program's clock_settime(), and reads each date back.  The host's clock,
# and a sibling container started before, keep their time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_timens

static=$(need_bin show-date)
now=$(date -u "+%F %T")

# A sibling, started first: it must read the host's time all along.
sibling=$(mktemp)
at_exit "rm -f '$sibling'"
container_at "$now" sh -c 'sleep 4; date -u +%s' >"$sibling" 2>&1 &
sib_pid=$!
at_exit "kill $sib_pid 2>/dev/null"

host_before=$(date -u +%s)
host_clock_mark
out=$(container_at "$now" sh -c '
	echo "id $(id -u) $(cat /proc/self/uid_map | tr -s " ")"
	date -u -s "2038-01-19 03:00:00" >/dev/null && echo "date-s $(date -u "+%F %T")"
	python3 -c "
import time
time.clock_settime(time.CLOCK_REALTIME, 2147483647 - 3600)
print(\"python3\", time.strftime(\"%F %T\", time.gmtime(time.time())))"
	"$1" -s 1000000000 | sed -n "s/^clock_gettime /static /p"
	echo "offsets $(grep realtime /proc/self/timens_offsets)"
' sh "$static" 2>&1) || {
	say "$out"
	fail "the container could not set its clock"
}
host_after=$(date -u +%s)
say "$out" | sed 's/^/container: /'

awk '$1 == "id" && $2 == 0 && $4 == 65534 { f = 1 } END { exit !f }' <<<"$out" ||
	fail "the container is not root of user nobody's user namespace"
grep -q '^date-s 2038-01-19 03:00:0[0-9]$' <<<"$out" || fail "date -s did not set the container's clock"
grep -q '^python3 2038-01-19 02:14:0[0-9]$' <<<"$out" ||
	fail "time.clock_settime() did not set the container's clock"
grep -qE '^static +2001-09-09 01:46:4[0-9]$' <<<"$out" ||
	fail "a static program's clock_settime() did not set the container's clock"
say "date -s, python3 and a static program each set the container's clock"

host_clock_kept ||
	fail "the host's clock moved ${HOST_DRIFT} s against the boot clock"
wait "$sib_pid" || true
sib=$(cat "$sibling")
[ "$sib" -ge "$host_before" ] 2>/dev/null && [ "$sib" -le $((host_after + 10)) ] ||
	fail "the sibling container's clock moved: '$sib', host $host_before .. $host_after"
say "the host and a sibling container keep their time: $(date -u "+%F %T")"
