# Shared by the guest tests (harness/guest-tests/*.sh) and make run's demo:
# they run inside the x86_64 guest, on the host's root file system, as the
# "test" jobs of harness/init/init.c: exit 0 passes, 4 skips, anything else
# fails; what they print is the KTAP diagnostics of their result.
# shellcheck shell=bash

GT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HARNESS_DIR=$(dirname "$GT_DIR")
# The tests' static programs, built by run.sh (GUEST_BIN is in the job file).
GUEST_BIN=${GUEST_BIN:-}

say()  { printf '%s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 4; }

# need_timens: skip on a kernel without time namespaces (VARIANT=notimens).
need_timens() {
	[ -e /proc/self/ns/time ] || skip "Time namespaces are not supported"
}

# need_bin NAME: the path of a static program run.sh built for the tests.
need_bin() {
	if [ -z "$GUEST_BIN" ] || [ ! -x "$GUEST_BIN/$1" ]; then
		# To stderr: the caller is a command substitution.
		fail "no $1 in GUEST_BIN='$GUEST_BIN' (run.sh builds it)" >&2
	fi
	printf '%s\n' "$GUEST_BIN/$1"
}

# at_exit CMD: run CMD (a shell command line) when the test ends, however it
# ends (a failed check, an error under set -e); last registered, first run.
# A test's processes must never outlive it: the next test, or make run's
# command, would see them.
AT_EXIT=()
# host_clock_mark, then host_clock_kept: whether the host's clock advanced
# as the boot clock did (/proc/uptime, which no clock set moves), within
# 2 s, however slow the guest.  Both read with builtins, no process between.
host_clock_mark() {
	printf -v HOST_REAL0 '%(%s)T' -1
	read -r HOST_BOOT0 _ </proc/uptime
}
host_clock_kept() {
	local real boot
	printf -v real '%(%s)T' -1
	read -r boot _ </proc/uptime
	HOST_DRIFT=$(((real - HOST_REAL0) - (${boot%.*} - ${HOST_BOOT0%.*})))
	[ "${HOST_DRIFT#-}" -le 2 ]
}

at_exit() { AT_EXIT=("$1" "${AT_EXIT[@]}"); }
run_at_exit() {
	local c
	for c in "${AT_EXIT[@]}"; do eval "$c" || true; done
	AT_EXIT=()
}
trap run_at_exit EXIT
trap 'exit 130' INT TERM

# wait_for SECS CMD...: until CMD succeeds, polling every 0.1 s; fails
# (returns 1) after SECS seconds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# kill_tree PID...: SIGKILL each PID that still runs, and reap it if it is
# a child of this shell.
kill_tree() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "$@"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
}

# offset_of PID CLOCK: the "SECS NSECS" record of CLOCK in PID's
# timens_offsets (the namespace PID's children get), or nothing.
offset_of() {
	awk -v c="$2" '$1 == c { print $2, $3 }' "/proc/$1/timens_offsets"
}

# container_at DATE CMD...: run CMD as user nobody in a new user namespace
# and a new time namespace whose CLOCK_REALTIME reads DATE (UTC) now; the
# host keeps its own time.  User nobody holds CAP_SYS_TIME only in its own
# user namespace, which owns the time namespace: that is what lets it write
# the offset.  util-linux 2.38's unshare has no --realtime: timens-exec.py
# writes it between unshare(CLONE_NEWTIME) and the exec that enters.
container_at() {
	local when=$1 off
	shift
	off=$(($(date -u -d "$when" +%s) - $(date -u +%s)))
	setpriv --reuid nobody --regid nogroup --clear-groups \
		unshare --user --map-root-user \
		python3 "$HARNESS_DIR/timens-exec.py" --realtime "$off" -- "$@"
}
