#!/usr/bin/env bash
# bench.sh ARCH: make bench.  Builds the series and the unpatched base with
# the same config fragments, boots each one after the other under the same
# harness, runs bench/clockbench.c in every guest, and writes to
# build/bench/ARCH/: results.json and results.csv (raw figures and run
# conditions), table.md (the ratios and the targets), reads.png (a plot).
#
#   BENCH         benchmarks to run, comma or space separated, or "all"
#                 (default): reads timers lifecycle memory settime faketime
#   BENCH_CLOCKS  "icount tcg" (default): the instruction clock (QEMU
#                 -icount shift=0,sleep=off, one vCPU; the primary figures)
#                 and plain TCG wall time (ratios only)
#   BENCH_LOOPS, BENCH_REPEATS   clockbench's --loops and --repeats
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ALL_BENCH="reads timers lifecycle memory settime faketime"
ALL_CLOCKS="icount tcg"

# Bad input stops here, before anything is built or installed.
words() { tr ',' ' ' <<<"$1" | xargs -n1 2>/dev/null || true; }
pick() { # pick WHAT VALUE VALID: the words of VALUE, each one of VALID
	local what=$1 valid=$3 w out=()
	for w in $(words "$2"); do
		[ "$w" = all ] && { echo "$valid"; return; }
		case " $valid " in
		*" $w "*) out+=("$w") ;;
		*) die "unknown $what '$w'; valid: $valid (or all)" ;;
		esac
	done
	[ ${#out[@]} -gt 0 ] || die "no $what given; valid: $valid (or all)"
	echo "${out[*]}"
}
SEL=$(pick benchmark "${BENCH:-all}" "$ALL_BENCH")
CLOCKS=$(pick "clock (BENCH_CLOCKS)" "${BENCH_CLOCKS:-all}" "$ALL_CLOCKS")
case "${VARIANT:-default}" in
default) ;;
*) die "make bench builds the default config of the series and the base; VARIANT=$VARIANT does not apply" ;;
esac
case "${BENCH_LOOPS:-1}${BENCH_REPEATS:-1}" in
*[!0-9]*) die "BENCH_LOOPS and BENCH_REPEATS must be numbers" ;;
esac

load_arch "${1:-x86_64}"
is_booted "$HARCH" || die "$HARCH is build-only; make bench boots: $BOOTED_ARCHES"
# libfaketime is an LD_PRELOAD library: it needs the dynamically linked
# program, which only the host-root guest (x86_64) can run.
if [ "$ROOT_MODE" != hostroot ]; then
	case " ${BENCH:-all} " in
	*faketime*) [ "$(words "${BENCH:-all}")" = all ] ||
		die "faketime runs on the host-root guest only (ARCH=x86_64): the $HARCH guest has no shared libraries" ;;
	esac
	SEL=$(words "$SEL" | grep -vx faketime | xargs)
fi
# What the arch file says is too slow here goes only when BENCH names it.
SKIPPED=
if [ "$(words "${BENCH:-all}")" = all ]; then
	for b in ${BENCH_SKIP:-}; do
		case " $SEL " in
		*" $b "*)
			SEL=$(words "$SEL" | grep -vx "$b" | xargs)
			SKIPPED="$SKIPPED $b"
			say "note: $b is left out on $HARCH (BENCH_SKIP in harness/arch/$HARCH.sh); BENCH=$b runs it"
			;;
		esac
	done
fi
GROUPS_C=$(words "$SEL" | grep -vx faketime | xargs)

FT_PKGS=
[ "$ROOT_MODE" = hostroot ] && FT_PKGS=libfaketime
# shellcheck disable=SC2086
need_pkgs $HOST_PKGS $PKGS ${CROSS:+gcc-${CROSS%-}} gnuplot-nox $FT_PKGS

# The base cannot have what only the series adds: on arm and mips upstream
# 6.12 has no time namespaces at all, so the base there is TIME_NS=n and its
# namespace figures are n/a (BENCH_BASE_VARIANT in the arch file).
SERIES_VARIANT=default
BASE_VARIANT=${BENCH_BASE_VARIANT:-default}

OUT=$BUILD/bench/$HARCH
rm -rf "$OUT"
mkdir -p "$OUT"
t_start=$(date +%s)

step "make bench ARCH=$HARCH: $SEL; clocks: $CLOCKS"
"$TOP/harness/tree.sh" >/dev/null
HARNESS_KERNEL=series "$TOP/harness/build.sh" "$HARCH" "$SERIES_VARIANT"
HARNESS_KERNEL=base "$TOP/harness/build.sh" "$HARCH" "$BASE_VARIANT"

# The benchmark: static for the initramfs guests (and to show libfaketime's
# blind spot); dynamically linked, as most programs are, on the host-root
# guest, where it is the one measured.
CFLAGS="-O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086
"${CROSS}gcc" $CFLAGS -static -o "$OUT/clockbench-static" "$TOP/bench/clockbench.c" ||
	die "cannot build bench/clockbench.c for $HARCH"
PROG=$OUT/clockbench-static
if [ "$ROOT_MODE" = hostroot ]; then
	# shellcheck disable=SC2086
	gcc $CFLAGS -o "$OUT/clockbench-dynamic" "$TOP/bench/clockbench.c" ||
		die "cannot build bench/clockbench.c"
	PROG=$OUT/clockbench-dynamic
	FT_LIB=$(dpkg -L libfaketime | grep -m1 '/libfaketime\.so\.1$') ||
		die "libfaketime is installed but has no libfaketime.so.1"
fi
ARGS=()
[ -n "${BENCH_LOOPS:-}" ] && ARGS+=("--loops=$BENCH_LOOPS")
[ -n "${BENCH_REPEATS:-}" ] && ARGS+=("--repeats=$BENCH_REPEATS")

# guest_cmd: CMD for run.sh.  The host-root guest runs a shell line: the
# benchmark, then the reads under libfaketime, dynamic and static.  An
# initramfs guest runs the static program as an argv.
guest_cmd() {
	local groups=$GROUPS_C
	if [ "$ROOT_MODE" != hostroot ]; then
		echo "$PROG ${ARGS[*]} $groups"
		return
	fi
	local ft="LD_PRELOAD=$FT_LIB FAKETIME=+1d"
	local cmd=
	[ -n "$groups" ] && cmd="$PROG ${ARGS[*]} $groups || exit \$?;"
	case " $SEL " in
	*" faketime "*)
		cmd="$cmd $ft $OUT/clockbench-dynamic ${ARGS[*]} --faketime=faketime || exit \$?;"
		cmd="$cmd $ft $OUT/clockbench-static ${ARGS[*]} --faketime=faketime-static || exit \$?;"
		;;
	esac
	echo "$cmd exit 0"
}

# boot KERNEL VARIANT CLOCK: one guest, its output in OUT/KERNEL-CLOCK.out.
# Always TCG: -icount needs it, and the second clock is named for it.
boot() {
	local k=$1 v=$2 clock=$3 rc t0 name=$1-$3 kroot=$BUILD
	[ "$k" = base ] && kroot=$BUILD/unpatched
	local icount=
	[ "$clock" = icount ] && icount=0
	step "booting the $k kernel ($HARCH, $v) on the $clock clock"
	t0=$(date +%s)
	set +e
	HARNESS_KERNEL=$k NO_BUILD=1 KVM=0 ICOUNT_SHIFT=$icount CMD=$(guest_cmd) \
		TIMEOUT=${TIMEOUT:-3600} "$TOP/harness/run.sh" run "$HARCH" "$v" \
		>"$OUT/$name.out" 2>"$OUT/$name.err"
	rc=$?
	set -e
	cp "$kroot/run/$HARCH-$v/console.log" "$OUT/$name.console.log" 2>/dev/null || true
	echo "$(($(date +%s) - t0))" >"$OUT/$name.seconds"
	if [ $rc -ne 0 ]; then
		sed 's/^/  | /' "$OUT/$name.err" >&2
		{ grep -E '^bench-error' "$OUT/$name.out" || true; } | sed 's/^/  | /' >&2
		die "the $k kernel's guest failed on the $clock clock (exit $rc); output: ${OUT#"$TOP"/}/$name.out, console: ${OUT#"$TOP"/}/$name.console.log"
	fi
	# A splat, a clocksource change or a vDSO that does not serve reads
	# makes the figures meaningless.
	"$TOP/harness/ktap.sh" "$OUT/$name.console.log" "$k $clock" >"$OUT/$name.verdict" 2>&1 || {
		sed 's/^/  | /' "$OUT/$name.verdict" >&2
		die "the $k kernel's guest on the $clock clock is not fit to measure (see above)"
	}
	say "  done in $(($(date +%s) - t0)) s"
}

for clock in $CLOCKS; do
	boot series "$SERIES_VARIANT" "$clock"
	boot base "$BASE_VARIANT" "$clock"
done

# Run conditions, for results.json.
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "arch=$HARCH"
	echo "benchmarks=$SEL"
	echo "skipped=${SKIPPED# }"
	echo "clocks=$CLOCKS"
	echo "host=$(uname -srm)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "cores=$(nproc)"
	echo "memory_kib=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
	echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "qemu=$($QEMU --version | head -n 1)"
	echo "qemu_machine=$QEMU_ARGS"
	echo "qemu_mem=${MEM:-${QEMU_MEM:-2G}}"
	echo "qemu_smp_tcg=${SMP:-${QEMU_SMP:-2}}"
	echo "icount=-icount shift=0,sleep=off -rtc clock=vm, 1 vCPU"
	echo "base_version=$(tree_base_version)"
	echo "series_commit=$(git -C "$TREE" rev-parse HEAD)"
	echo "base_commit=$(git -C "$TREE" rev-parse 'base^{commit}')"
	echo "series_variant=$SERIES_VARIANT"
	echo "base_variant=$BASE_VARIANT"
	echo "root_mode=$ROOT_MODE"
	echo "program=$(basename "$PROG")"
	echo "faketime_lib=${FT_LIB:-}"
	echo "faketime_version=$(dpkg-query -W -f='${Version}' libfaketime 2>/dev/null || true)"
	echo "gcc=$("${CROSS}gcc" --version | head -n 1)"
	echo "seconds=$(($(date +%s) - t_start))"
} >"$OUT/conditions"

step "report"
set +e
python3 "$TOP/harness/bench-report.py" "$OUT"
complete=$?
set -e
[ -f "$OUT/table.md" ] || die "bench-report.py wrote no table"
gnuplot "$OUT/reads.gp" >"$OUT/gnuplot.log" 2>&1 ||
	die "gnuplot failed; see ${OUT#"$TOP"/}/gnuplot.log"
cat "$OUT/table.md"
say
say "results: ${OUT#"$TOP"/}/{results.json,results.csv,table.md,reads.png}; $(($(date +%s) - t_start)) s in all"
# A partial table must never pass as complete.
[ $complete -eq 0 ] || die "the results are INCOMPLETE (see above)"
