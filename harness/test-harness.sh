#!/usr/bin/env bash
# The harness's own tests: bad input gets a clear error, a broken patch or a
# dying guest fails loudly, and nothing hangs.  Needs built x86_64 and arm
# kernels (make check builds them) for the guest cases.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0 failed=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# expect NAME RC PATTERNS CMD...: CMD exits with RC (any non-zero for
# "fail") and its output matches each extended regex of PATTERNS, which are
# separated by " && ".
expect() {
	local name=$1 want=$2 pats=$3 rc p ok=true
	shift 3
	"$@" >"$T/out" 2>&1
	rc=$?
	if { [ "$want" = fail ] && [ $rc -ne 0 ]; } || [ "$want" = "$rc" ]; then
		while [ -n "$pats" ]; do
			p=${pats%% && *}
			[ "$p" = "$pats" ] && pats= || pats=${pats#* && }
			grep -qE -- "$p" "$T/out" || ok=false
		done
		if $ok; then
			passed=$((passed + 1))
			say "ok - $name"
			return
		fi
	fi
	failed=$((failed + 1))
	say "not ok - $name (exit $rc, wanted $want and /$3/); output:"
	tail -n 15 "$T/out" | sed 's/^/    /'
}

cd "$TOP" || exit 1

expect "unknown ARCH lists the valid ones" fail "unknown ARCH 'vax'; valid: x86_64" \
	make -s check ARCH=vax
expect "unknown VARIANT lists the valid ones" fail "unknown VARIANT 'fast'; valid: default debug" \
	make -s run VARIANT=fast
expect "unknown SCOPE lists the valid ones" fail "unknown SCOPE 'some'; valid: all series" \
	make -s build ARCH=riscv64 SCOPE=some
expect "unknown mode is refused" fail "unknown mode" harness/run.sh frobnicate x86_64 default
expect "a build-only ARCH does not boot" fail "riscv64 is build-only" make -s run ARCH=riscv64
expect "an unknown benchmark lists the valid ones" fail "unknown benchmark 'nope'; valid: reads timers lifecycle memory settime faketime" \
	make -s bench BENCH=nope
expect "faketime is refused where the guest has no shared libraries" fail "faketime runs on the host-root guest only" \
	make -s bench ARCH=arm BENCH=faketime
expect "make fuzz refuses a seed that is no number" fail "SEED=abc: not a number" \
	make -s fuzz SEED=abc
expect "make fuzz refuses a build-only ARCH" fail "s390x is build-only" \
	make -s fuzz ARCH=s390x

# On an initramfs guest CMD's first word is a static program of the host,
# checked before anything is built.
expect "an initramfs CMD that is no file is named" fail "'/nonexistent/prog' is not a file on the host" \
	make -s run ARCH=arm CMD='/nonexistent/prog arg'
printf '#include <stdio.h>\nint main(void) { puts("hello from arm"); return 3; }\n' >"$T/prog.c"
arm-linux-gnueabihf-gcc -o "$T/dynamic" "$T/prog.c"
arm-linux-gnueabihf-gcc -static -o "$T/static" "$T/prog.c"
expect "an initramfs CMD that is dynamically linked is refused" fail "dynamically linked.*-static" \
	make -s run ARCH=arm CMD="$T/dynamic"

# A patch that cannot apply names itself and the base, and fails.
mkdir -p "$T/patches" "$T/build/logs"
ln -s "$BUILD/base" "$T/build/base"
cat >"$T/patches/0001-broken.patch" <<'PATCH'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Harness Test <harness@localhost>
Date: Thu, 1 Jan 2026 00:00:00 +0000
Subject: [PATCH] timens: Change a line that is not there

Signed-off-by: Harness Test <harness@localhost>
---
 kernel/time/namespace.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/kernel/time/namespace.c b/kernel/time/namespace.c
--- a/kernel/time/namespace.c
+++ b/kernel/time/namespace.c
@@ -1,3 +1,3 @@
-this line is not in the base
+neither is this one
 // SPDX-License-Identifier: GPL-2.0
 /*
PATCH
printf '# broken on purpose\n0001-broken.patch\n' >"$T/patches/series"
expect "a broken patch fails, naming the patch and the base" fail \
	"patch 0001-broken.patch does not apply to linux-source-6.12 [0-9]" \
	env HARNESS_PATCHES="$T/patches" HARNESS_BUILD="$T/build" harness/tree.sh

# The series round trip: export from an unchanged tree changes no byte.
expect "series-check passes" 0 "agree" harness/series-check.sh
expect "export of an unchanged tree leaves git status clean" 0 "^patches clean$" \
	bash -c 'harness/export.sh >/dev/null && git diff --quiet -- patches &&
		test -z "$(git status --porcelain -- patches)" && echo patches clean'

# A checkpatch exception is honoured below "---" only (a git note), never
# in the changelog.
mkdir -p "$T/lintp"
first=$(series_patches | head -n 1)
sed '0,/^Signed-off-by:/s//checkpatch: ignore FILE_PATH_CHANGES -- in the changelog\n&/' \
	"$PATCHES/$first" >"$T/lintp/$first"
printf '%s\n' "$first" >"$T/lintp/series"
expect "a checkpatch exception in the changelog is refused" fail "belongs below '---'" \
	env HARNESS_PATCHES="$T/lintp" harness/lint.sh

# make bench's report: a figure missing from a guest's output fails it, and
# its table says INCOMPLETE on the first line.
mkdir -p "$T/bench"
printf '%s\n' date=2026-01-01T00:00:00Z arch=x86_64 benchmarks=reads clocks=icount \
	base_variant=default >"$T/bench/conditions"
printf 'bench: reads root vdso-realtime 80.1 80.1 80.1 ns\nbench-done\n' >"$T/bench/series-icount.out"
printf 'bench-done\n' >"$T/bench/base-icount.out"
expect "a partial benchmark table fails and says INCOMPLETE" fail "figures missing && ^INCOMPLETE" \
	bash -c 'python3 harness/bench-report.py "$1"; rc=$?; head -n 1 "$1/table.md" | tr -d "*"; exit $rc' _ "$T/bench"

# The judge of a console log: a splat fails even when the tests passed.
cat >"$T/splat.log" <<'LOG'
harness: clocksource tsc
harness: vdso live
TAP version 13
1..1
ok 1 selftests: timens:timens
[   12.345678] ------------[ cut here ]------------
[   12.345679] WARNING: CPU: 0 PID: 1 at kernel/time/namespace.c:1 f+0x0/0x0
harness: clocksource-end tsc
harness: status 0
LOG
expect "a WARNING on the console fails the run" fail "kernel splat" \
	harness/ktap.sh "$T/splat.log" test --tests
sed -e '/cut here/d' -e '/WARNING/d' -e 's/clocksource-end tsc/clocksource-end hpet/' \
	"$T/splat.log" >"$T/cs.log"
expect "a clocksource change fails the run" fail "clocksource changed during the run: tsc -> hpet" \
	harness/ktap.sh "$T/cs.log" test --tests
sed -e '/cut here/d' -e '/WARNING/d' -e 's/^ok 1/not ok 1/' "$T/splat.log" >"$T/nok.log"
expect "a failing test is counted" fail "0 passed, 1 failed, 0 skipped" \
	harness/ktap.sh "$T/nok.log" test --tests
sed -e '/cut here/d' -e '/WARNING/d' "$T/splat.log" >"$T/good.log"
expect "a clean log passes" 0 "1 passed, 0 failed, 0 skipped" \
	harness/ktap.sh "$T/good.log" test --tests
cat >"$T/skip.log" <<'LOG'
harness: clocksource MIPS
harness: vdso live
TAP version 13
1..1
# selftests: timens:timens
# 1..0 # SKIP Time namespaces are not supported
ok 1 selftests: timens:timens # SKIP
harness: clocksource-end MIPS
harness: status 0
LOG
expect "a skip is counted, with its reason" 0 "skipped timens:timens: Time namespaces are not supported" \
	harness/ktap.sh "$T/skip.log" test --tests

# Guests: a command's status comes back; a panic or a hang ends the run.
# (make itself exits 2 on any failure; run.sh gives the exact status.)
expect "run CMD returns the command's status" 3 "^hello from the guest$" \
	env CMD='echo hello from the guest; exit 3' harness/run.sh run x86_64 default
expect "make run CMD fails when the command fails, naming its status" fail \
	"command exited with status 3" make -s run CMD='exit 3'
expect "a static program on an initramfs guest returns its status" 3 "^hello from arm$" \
	env CMD="$T/static" harness/run.sh run arm default
expect "a guest that panics fails with the console tail" 125 "guest ended without reporting a status && Kernel panic" \
	env CMD='echo c >/proc/sysrq-trigger' harness/run.sh run x86_64 default
expect "a guest that hangs is killed at TIMEOUT" 124 "timed out after 30 s" \
	env TIMEOUT=30 CMD='sleep 1000' harness/run.sh run x86_64 default

# A checkout under /tmp (or /root) stays visible in the host-root guest,
# whose init puts a tmpfs there.
mkdir -p "$T/keep"
cp "$BUILD/out/x86_64-default/kselftest/timens/vdso_seccomp" "$T/keep/"
printf 'cd\t%s\ntest\ttimens:vdso_seccomp\t90\t%s\n' "$T/keep" "$T/keep/vdso_seccomp" >"$T/keep/jobs"
expect "a checkout under the guest's tmpfs /tmp still runs" 0 "^ok 1 selftests: timens:vdso_seccomp$" \
	env TIMEOUT=120 harness/guest.sh x86_64 default "$T/keep/jobs" "$T/keep/console.log"

echo "test-harness: $passed passed, $failed failed"
[ $failed -eq 0 ]
