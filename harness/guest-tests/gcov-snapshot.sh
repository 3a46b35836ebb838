#!/bin/bash
# gcov-snapshot.sh NAME GCOVDIR OBJ...: in a make coverage guest, print the
# kernel's gcov counters of each OBJ (relative to the build's output
# directory GCOVDIR) on the console, for the host to decode: a header with
# the file's sha256, its bytes in base64, and an end line.
set -u
name=$1 dir=$2
shift 2
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug || exit 1
tmp=$(mktemp) || exit 1
status=0
for obj in "$@"; do
	f=/sys/kernel/debug/gcov$dir/${obj%.o}.gcda
	# One read: the counters go on counting.
	if ! cat "$f" >"$tmp" 2>/dev/null; then
		echo "no counters for $obj at $f" >&2
		status=1
		continue
	fi
	echo "harness-gcda $name $obj $(sha256sum <"$tmp" | cut -d' ' -f1)"
	base64 -w 76 "$tmp"
	echo "harness-gcda-end"
done
rm -f "$tmp"
exit $status
