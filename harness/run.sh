#!/usr/bin/env bash
# run.sh MODE ARCH VARIANT: the front door behind make run/shell/check.
#   run    the demo, or CMD when set; exits with its status
#   shell  an interactive guest
#   check  the kselftests (and the harness's own guest tests) as KTAP
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=$1
load_arch "$2"
VARIANT=${3:-default}
check_variant "$VARIANT"
is_booted "$HARCH" || die "$HARCH is build-only; booted ARCHes: $BOOTED_ARCHES"

# shellcheck disable=SC2086
need_pkgs $HOST_PKGS $PKGS ${CROSS:+gcc-${CROSS%-}}
"$TOP/harness/tree.sh" >/dev/null
"$TOP/harness/build.sh" "$HARCH" "$VARIANT"

O=$BUILD/out/$HARCH-$VARIANT
RUN=$BUILD/run/$HARCH-$VARIANT
rm -rf "$RUN"
mkdir -p "$RUN" "$BUILD/out/init"

# The static init, for this arch.
INIT=$BUILD/out/init/init-$HARCH
if [ ! -x "$INIT" ] || [ "$TOP/harness/init/init.c" -nt "$INIT" ]; then
	"${CROSS}gcc" -static -O2 -Wall -Wextra -Werror -o "$INIT" "$TOP/harness/init/init.c" ||
		die "cannot build the guest init"
fi

build_kselftests() {
	local kst=$O/kselftest
	mkdir -p "$kst/timens"
	make -s -C "$TREE" O="$O" ARCH="$KARCH" CROSS_COMPILE="$CROSS" headers \
		>"$BUILD/logs/headers-$HARCH-$VARIANT.log" 2>&1 ||
		die "make headers failed; see build/logs/headers-$HARCH-$VARIANT.log"
	make -C "$TREE/tools/testing/selftests/timens" OUTPUT="$kst/timens" \
		ARCH="$KARCH" CROSS_COMPILE="$CROSS" CC="${CROSS}gcc" \
		USERLDFLAGS=-static KHDR_INCLUDES="-isystem $O/usr/include" \
		-j"$(nproc)" >"$BUILD/logs/kselftest-$HARCH-$VARIANT.log" 2>&1 || {
		grep -E 'error' "$BUILD/logs/kselftest-$HARCH-$VARIANT.log" | head -n 20 >&2
		die "kselftests failed to build; see build/logs/kselftest-$HARCH-$VARIANT.log"
	}
}

# Each kselftest directory's own timeout ("settings"), else kselftest's 45 s,
# doubled: the guests run under emulation.
test_timeout() {
	local t
	t=$(sed -n 's/^timeout=//p' "$TREE/tools/testing/selftests/$1/settings" 2>/dev/null)
	echo $((${t:-45} * 2))
}

write_jobs() {
	local jobs=$RUN/jobs
	: >"$jobs"
	if [ "$ROOT_MODE" = hostroot ]; then
		printf 'tmpfs\t%s\n' /var/tmp /root /var/lib/criu /var/log /mnt >>"$jobs"
	fi
	printf 'tty\t/dev/%s\n' "$CONSOLE" >>"$jobs"
	cat >>"$jobs"
}

case "$MODE" in
run)
	if [ -n "${CMD:-}" ]; then
		if [ "$ROOT_MODE" = hostroot ]; then
			printf '%s\n' "$CMD" >"$RUN/cmd.sh"
			printf 'cd\t%s\nrun\t/bin/sh\t%s\n' "$PWD" "$RUN/cmd.sh" | write_jobs
		fi
	else
		printf 'run\t/bin/bash\t%s\n' "$TOP/harness/demo.sh" | write_jobs
	fi
	# Show what the command prints, nothing of the boot.
	export FILTER="sed -n -u '/^harness: begin\$/,/^harness: end\$/{/^harness: \\(begin\\|end\\)\$/d;p}'"
	set +e
	TIMEOUT=${TIMEOUT:-600} "$TOP/harness/guest.sh" "$HARCH" "$VARIANT" "$RUN/jobs" "$RUN/console.log"
	rc=$?
	set -e
	if ! "$TOP/harness/ktap.sh" "$RUN/console.log" "$HARCH ($VARIANT)" >"$RUN/verdict" 2>&1; then
		grep -v ' passed, ' "$RUN/verdict" >&2
	fi
	# make can only exit 0 or 2: say the status for those who run make.
	[ $rc -eq 0 ] || say "command exited with status $rc" >&2
	exit $rc
	;;
shell)
	printf 'shell\t/bin/bash\t-l\n' | write_jobs
	"$TOP/harness/guest.sh" "$HARCH" "$VARIANT" "$RUN/jobs" "$RUN/console.log" interactive
	;;
check)
	build_kselftests
	kst=$O/kselftest/timens
	t=$(test_timeout timens)
	{
		printf 'cd\t%s\n' "$kst"
		make -s -C "$TREE/tools/testing/selftests/timens" OUTPUT="$kst" emit_tests 2>/dev/null |
			while IFS=: read -r coll name; do
				printf 'test\t%s:%s\t%s\t%s\n' "${coll:-timens}" "$name" "$t" "$kst/$name"
			done
	} | write_jobs
	step "booting $HARCH ($VARIANT) for the tests; console: build/run/$HARCH-$VARIANT/console.log"
	set +e
	TIMEOUT=${TIMEOUT:-1500} FILTER="grep --line-buffered -E '^(not )?ok [0-9]+ |^harness: '" \
		"$TOP/harness/guest.sh" "$HARCH" "$VARIANT" "$RUN/jobs" "$RUN/console.log"
	set -e
	"$TOP/harness/ktap.sh" "$RUN/console.log" "$HARCH ($VARIANT)" --tests
	;;
*) die "unknown mode '$MODE'; valid: run shell check" ;;
esac
