#!/usr/bin/env bash
# container-2038.sh: a container living in 2038.  User nobody makes a user
# namespace and a time namespace, and sets the namespace's realtime offset
# (container_at in lib.sh, which make run's demo uses too).  Inside, coreutils
# date, python3's time.time() and a statically linked program (64-bit, and
# 32-bit with its 32-bit time_t, 14 minutes before that overflows) all read
# 2038-01-19, through the vDSO and through the clock_gettime syscall; the
# host keeps its own date.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_timens

WHEN="2038-01-19 03:00:00"
DAY=${WHEN%% *}
static=$(need_bin show-date)
static32=$(need_bin show-date32)

host_clock_mark
out=$(container_at "$WHEN" sh -c '
	echo "uid_map $(cat /proc/self/uid_map)"
	echo "offsets $(grep realtime /proc/self/timens_offsets)"
	echo "date $(date -u "+%F %T")"
	echo "python3 $(python3 -c "import time; print(time.strftime(\"%F %T\", time.gmtime(time.time())))")"
	"$1" | sed "s/^/static /"
	"$2" | sed "s/^/static32 /"
' sh "$static" "$static32" 2>&1) || {
	say "$out"
	fail "the container did not run"
}
say "$out" | sed 's/^/container: /'

# Made by nobody: uid 0 inside is 65534 outside.
awk '$1 == "uid_map" && $2 == 0 && $3 == 65534 { f = 1 } END { exit !f }' <<<"$out" ||
	fail "the container is not user nobody's user namespace"
grep -qE '^offsets realtime +[0-9]+ +0$' <<<"$out" || fail "no realtime record in the container's timens_offsets"

# Every reader sees the namespace's day: each reading ends with "YYYY-MM-DD
# HH:MM:SS".  03:00 leaves a slow guest 14 minutes before 03:14:07, when a
# 32-bit time_t runs out.
awk -v day="$DAY" '$1 ~ /^(date|python3|static|static32)$/ {
	n++
	if ($(NF - 1) != day) { print "FAIL: " $0 ": not " day; bad = 1 }
} END { if (n != 10) { print "FAIL: " n " readings, wanted 10"; bad = 1 }; exit bad }' <<<"$out" ||
	fail "the container does not read $DAY everywhere"
say "date, python3 and 8 static-program reads (64- and 32-bit, vDSO and syscall) all read $DAY"

# The host's clock did not move with the container's.
case "$(date -u +%F)" in "$DAY") fail "the host reads $DAY too" ;; esac
host_clock_kept ||
	fail "the host's clock moved ${HOST_DRIFT} s against the boot clock"
say "the host keeps its date: $(date -u "+%F %T")"
