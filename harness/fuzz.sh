#!/usr/bin/env bash
# fuzz.sh ARCH VARIANT: fuzz/timens-fuzz.c in a guest of the VARIANT kernel
# (debug by default: lockdep, KASAN, UBSAN, debug objects), then judge the
# console: any kernel report fails the run, as does any failure the fuzzer
# reports.  Prints what was tried and "fuzz ARCH (VARIANT): N passed,
# N failed, N skipped", one result per kind of operation.
#   SEED         the fuzzer's seed (default: the time); printed, so that a
#                failure replays with make fuzz SEED=...
#   ITERATIONS   scenarios one after the other (default 300)
#   SECONDS      then a stress run of that many seconds, two processes per
#                guest CPU (default 60; 0: none)
#   JOBS         the stress run's processes instead
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_arch "${1:-x86_64}"
VARIANT=${2:-debug}
check_variant "$VARIANT"
is_booted "$HARCH" || die "$HARCH is build-only; booted ARCHes: $BOOTED_ARCHES"

SEED=${SEED:-$(date +%s)}
ITERATIONS=${ITERATIONS:-300}
# Not bash's SECONDS, which counts the script's own time.
STRESS=${FUZZ_SECONDS:-60}
check_number SEED "$SEED"
check_number ITERATIONS "$ITERATIONS"
check_number SECONDS "$STRESS"
[ -z "${JOBS:-}" ] || check_number JOBS "$JOBS"

# shellcheck disable=SC2086
need_pkgs $HOST_PKGS $PKGS ${CROSS:+gcc-${CROSS%-}}

OUT=$BUILD/fuzz/$HARCH
build_fuzzer "$OUT"

ARGS="--seed=$SEED --iterations=$ITERATIONS --seconds=$STRESS${JOBS:+ --jobs=$JOBS}"
step "fuzzing $HARCH ($VARIANT): timens-fuzz $ARGS"
# The scenarios run at most 30 s each; the guest boots in a few minutes.
t0=$(date +%s)
set +e
CMD="$PROG $ARGS" TIMEOUT=$((ITERATIONS + STRESS + 900)) \
	"$TOP/harness/run.sh" run "$HARCH" "$VARIANT" | grep -E '^# (FAIL|timens-fuzz)'
rc=${PIPESTATUS[0]}
set -e
LOG=$KROOT/run/$HARCH-$VARIANT/console.log
cp "$LOG" "$OUT/console.log"
say "console: ${OUT#"$TOP"/}/console.log; $(($(date +%s) - t0)) s with the boot"
[ "$rc" -eq 0 ] || say "the fuzzer exited with status $rc (replay: make fuzz ARCH=$HARCH VARIANT=$VARIANT SEED=$SEED ITERATIONS=$ITERATIONS SECONDS=$STRESS)"
# One result per kind of operation, and a kernel report fails the run.
set +e
"$TOP/harness/ktap.sh" "$OUT/console.log" "fuzz $HARCH ($VARIANT)" --tests | tee "$OUT/verdict"
krc=${PIPESTATUS[0]}
set -e
# The sum, as make check ends, for CI's accounts.
sed -n 's/^fuzz [^:]*: \([0-9]* passed, .*\)$/\1/p' "$OUT/verdict" | tail -n 1
[ "$krc" -eq 0 ] && [ "$rc" -eq 0 ]
