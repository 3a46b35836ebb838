#!/usr/bin/env bash
# coverage.sh [ARCH]: what the tests reach of the code the series changes.
# Builds the coverage variant (gcov counters in the series' objects), boots
# it, runs the timens kselftests (native and compat32), snapshots the
# counters, runs the fuzzer, snapshots them again, and reports the line
# coverage of every changed file and function, from the kselftests alone
# and with the fuzzer, in build/coverage/ARCH/report.md.  Needs a guest with
# a shell (x86_64), which prints the counters on its console.
#   SEED ITERATIONS SECONDS   the fuzzer's, as make fuzz takes them
#                             (default: CI's seed, 300 scenarios, 60 s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_arch "${1:-x86_64}"
is_booted "$HARCH" || die "$HARCH is build-only; booted ARCHes: $BOOTED_ARCHES"
[ "$ROOT_MODE" = hostroot ] ||
	die "make coverage needs a guest with a shell to read the counters (x86_64); $HARCH boots an initramfs"
VARIANT=coverage
SEED=${SEED:-20261202}
ITERATIONS=${ITERATIONS:-300}
STRESS=${FUZZ_SECONDS:-60}
check_number SEED "$SEED"
check_number ITERATIONS "$ITERATIONS"
check_number SECONDS "$STRESS"

"$TOP/harness/tree.sh" >/dev/null
"$TOP/harness/build.sh" "$HARCH" "$VARIANT"
O=$KROOT/out/$HARCH-$VARIANT
OUT=$BUILD/coverage/$HARCH
rm -rf "$OUT"
build_fuzzer "$OUT"

# The objects that were built with counters: gcc left a .gcno beside each.
objs=()
while read -r f; do
	[ -f "$O/${f%.c}.gcno" ] && objs+=("${f%.c}.o")
done < <(series_sources)
[ ${#objs[@]} -gt 0 ] || die "no object of the series was built with gcov counters in ${O#"$TOP"/}"

snapshot() {
	printf 'test\tcoverage:%s\t300\t/bin/bash\t%s\t%s\t%s' "$1" \
		"$TOP/harness/guest-tests/gcov-snapshot.sh" "$1" "$O"
	printf '\t%s' "${objs[@]}"
	printf '\n'
}
{
	snapshot kselftests
	printf 'test\tfuzz\t%s\t%s\t--seed=%s\t--iterations=%s\t--seconds=%s\n' \
		$((ITERATIONS + STRESS + 600)) "$PROG" "$SEED" "$ITERATIONS" "$STRESS"
	snapshot fuzz
} >"$OUT/jobs"

step "coverage of the series on $HARCH: ${#objs[@]} objects with counters, fuzzer seed $SEED"
set +e
NO_BUILD=1 EXTRA_JOBS=$OUT/jobs TIMEOUT=$((1800 + ITERATIONS + STRESS)) \
	"$TOP/harness/run.sh" check "$HARCH" "$VARIANT"
rc=$?
set -e
cp "$KROOT/run/$HARCH-$VARIANT/console.log" "$OUT/console.log"
python3 "$TOP/harness/coverage-report.py" "$OUT/console.log" "$O" "$KTREE" "$OUT" ||
	die "no coverage report; console: ${OUT#"$TOP"/}/console.log"
say "report: ${OUT#"$TOP"/}/report.md"
[ "$rc" -eq 0 ] || die "a test failed in the coverage guest (see above): the figures stand, the run does not"
