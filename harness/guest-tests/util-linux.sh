#!/usr/bin/env bash
# util-linux.sh unshare|nsenter: Debian 12's util-linux 2.38 on the series,
# which must see time namespaces exactly as on upstream 6.12.
#
#   unshare   `unshare --time --monotonic N --boottime M`: the offsets in
#             /proc/self/timens_offsets (two records, no realtime one), the
#             clocks and /proc/uptime and /proc/stat's btime shifted, the
#             program entering the namespace at exec with and without
#             --fork, and ERANGE for an offset that takes a clock below 0.
#   nsenter   `nsenter --time --target PID` (and --time=FILE) joins PID's
#             namespace: the same namespace, offsets, clocks and uptime.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_timens

MONO=86400	# one day
BOOT=31536000	# one year

say "$(unshare --version)"

# clocks: "MONOTONIC BOOTTIME UPTIME BTIME" as the caller's namespace sees
# them: the clocks from a static program (the vDSO), uptime and btime from
# /proc, with no other program started (one takes seconds under TCG).
SHOW_DATE=$(need_bin show-date)
export SHOW_DATE
clocks() {
	local up _ k v btime=
	read -r up _ </proc/uptime
	while read -r k v; do
		[ "$k" = btime ] && btime=$v
	done </proc/stat
	echo "$("$SHOW_DATE" -c) $up $btime"
}
export -f clocks

# shifted WHAT "BEFORE" "INSIDE" "AFTER": each clock read inside, less its
# offset, lies between the readings of the host's namespace before and after
# (to a second: btime is in seconds, and rounded).
shifted() {
	awk -v what="$1" -v m="$MONO" -v b="$BOOT" -v before="$2" -v in_="$3" -v after="$4" 'BEGIN {
		split(before, lo); split(in_, i); split(after, hi)
		want[1] = m; want[2] = b; want[3] = b; want[4] = -b
		name[1] = "CLOCK_MONOTONIC"; name[2] = "CLOCK_BOOTTIME"
		name[3] = "/proc/uptime"; name[4] = "/proc/stat btime"
		bad = 0
		for (k = 1; k <= 4; k++) {
			v = i[k] - want[k]
			if (v < lo[k] - 1 || v > hi[k] + 1) {
				printf "FAIL: %s: %s is %s inside, between %s and %s outside: not shifted by %d\n", what, name[k], i[k], lo[k], hi[k], want[k]
				bad = 1
			}
		}
		if (!bad)
			printf "%s: CLOCK_MONOTONIC +%d s, CLOCK_BOOTTIME and /proc/uptime +%d s, btime -%d s\n", what, m, b, b
		exit bad
	}'
}

# offsets_are WHAT FILE: FILE holds exactly the two records of MONO and BOOT.
offsets_are() {
	local want
	want=$(printf 'monotonic %s 0\nboottime %s 0' "$MONO" "$BOOT")
	[ "$(awk '{ print $1, $2, $3 }' "$2")" = "$want" ] ||
		fail "$1: timens_offsets is '$(cat "$2")', wanted '$want'"
	say "$1: timens_offsets holds monotonic $MONO 0, boottime $BOOT 0, and nothing else"
}

T=$(mktemp -d /tmp/util-linux-test.XXXXXX)
at_exit 'rm -rf "$T"'

case "${1:-}" in
unshare)
	before=$(clocks)
	unshare --time --monotonic "$MONO" --boottime "$BOOT" --fork \
		bash -c 'cat /proc/self/timens_offsets >"$1/offsets"; clocks' sh "$T" >"$T/clocks" ||
		fail "unshare --time --fork failed"
	after=$(clocks)
	offsets_are "unshare --fork" "$T/offsets"
	shifted "unshare --fork" "$before" "$(cat "$T/clocks")" "$after"

	# Without --fork unshare execs the program, which enters the namespace
	# at that exec (and freezes its offsets).
	before=$(clocks)
	unshare --time --monotonic "$MONO" --boottime "$BOOT" \
		bash -c 'cat /proc/self/timens_offsets >"$1/offsets"; clocks' sh "$T" >"$T/clocks" ||
		fail "unshare --time (no --fork) failed"
	after=$(clocks)
	offsets_are "unshare, exec" "$T/offsets"
	shifted "unshare, exec" "$before" "$(cat "$T/clocks")" "$after"

	# A namespace's clock may not start below zero: ERANGE, as upstream.
	up=$(cut -d. -f1 /proc/uptime)
	if err=$(unshare --time --monotonic "-$((up + 1000))" --fork true 2>&1); then
		fail "unshare --monotonic -$((up + 1000)) succeeded; upstream refuses it (ERANGE)"
	fi
	grep -qi 'out of range' <<<"$err" || fail "unshare --monotonic -$((up + 1000)): '$err', wanted ERANGE"
	say "unshare --monotonic -$((up + 1000)): refused: $err"
	;;
nsenter)
	# A namespace that lives on in a sleep.
	unshare --time --monotonic "$MONO" --boottime "$BOOT" --fork \
		sh -c 'echo $$ >"$1/pid.tmp"; mv "$1/pid.tmp" "$1/pid"; exec sleep 120' sh "$T" &
	starter=$!
	at_exit "kill_tree \$(cat '$T/pid' 2>/dev/null) $starter"
	wait_for 30 test -s "$T/pid" || fail "unshare --time --fork sleep did not start"
	pid=$(cat "$T/pid")
	ns=$(readlink "/proc/$pid/ns/time")
	[ "$ns" != "$(readlink /proc/self/ns/time)" ] || fail "the sleep is in the host's time namespace"

	for how in "--time --target $pid" "--time=/proc/$pid/ns/time"; do
		before=$(clocks)
		# shellcheck disable=SC2086
		nsenter $how bash -c 'readlink /proc/self/ns/time >"$1/ns";
			cat /proc/self/timens_offsets >"$1/offsets"; clocks' sh "$T" >"$T/clocks" ||
			fail "nsenter $how failed"
		after=$(clocks)
		[ "$(cat "$T/ns")" = "$ns" ] ||
			fail "nsenter $how: the program is in $(cat "$T/ns"), not the sleep's $ns"
		say "nsenter $how: joined $ns"
		offsets_are "nsenter $how" "$T/offsets"
		shifted "nsenter $how" "$before" "$(cat "$T/clocks")" "$after"
	done
	;;
*) fail "usage: util-linux.sh unshare|nsenter" ;;
esac
