#!/usr/bin/env bash
# run.sh MODE ARCH VARIANT: the front door behind make run/shell/check.
#   run    the demo, or CMD when set; exits with its status
#   shell  an interactive guest
#   check  the kselftests (and the harness's own guest tests) as KTAP
# A ROOT_MODE=initramfs guest boots a fresh initramfs made for each run: the
# init, the job file and the static programs the jobs run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=$1
load_arch "$2"
VARIANT=${3:-default}
check_variant "$VARIANT"
is_booted "$HARCH" || die "$HARCH is build-only; booted ARCHes: $BOOTED_ARCHES"
case "$MODE:$ROOT_MODE" in
run:* | check:* | shell:hostroot) ;;
shell:*) die "$HARCH boots an initramfs, which has no shell; use make run ARCH=$HARCH CMD='/path/to/static-program args'" ;;
*) die "unknown mode '$MODE'; valid: run shell check" ;;
esac

# shellcheck disable=SC2086
need_pkgs $HOST_PKGS $PKGS ${CROSS:+gcc-${CROSS%-}}

# CMD on an initramfs guest is an argv, split as xargs splits (no shell runs
# it), whose first word is a static program of the host: it is copied into
# the initramfs as /bin/NAME.  Bad input stops here, before any build.
CMD_ARGV=()
check_cmd() {
	local words prog hdr what phdrs
	case "$CMD" in *$'\t'*) die "CMD: a TAB cannot reach the guest (the job file separates fields with TABs)" ;; esac
	words=$(xargs printf '%s\n' <<<"$CMD" 2>&1) || die "CMD: cannot split it into words: $words"
	mapfile -t CMD_ARGV <<<"$words"
	prog=${CMD_ARGV[0]}
	[ -n "$prog" ] || die "CMD is empty"
	case "$prog" in
	*/*) ;;
	*) prog=$(type -P "$prog") || die "CMD: '$prog' is not a file on the host, nor a program in PATH" ;;
	esac
	[ -f "$prog" ] || die "CMD: '$prog' is not a file on the host; on $HARCH, CMD's first word is a static $HARCH program to copy into the guest"
	[ -x "$prog" ] || die "CMD: '$prog' is not executable"
	hdr=$(LC_ALL=C readelf -h "$prog" 2>/dev/null) ||
		die "CMD: '$prog' is not an ELF program; $HARCH boots an initramfs without a shell, so CMD's first word must be a static $HARCH program"
	what="$(sed -n 's/^ *Machine: *//p' <<<"$hdr"), $(sed -n "s/^ *Data: *2's complement, //p" <<<"$hdr")"
	grep -qxE "$ELF_MACHINE" <<<"$what" || die "CMD: '$prog' is a program for $what, not for $HARCH"
	phdrs=$(LC_ALL=C readelf -l "$prog" 2>/dev/null || true)
	case "$phdrs" in
	*'program interpreter'*) die "CMD: '$prog' is dynamically linked; the $HARCH initramfs has no shared libraries: link it with -static" ;;
	esac
	CMD_ARGV[0]=$prog
}
if [ "$MODE" = run ] && [ -n "${CMD:-}" ] && [ "$ROOT_MODE" = initramfs ]; then
	check_cmd
fi

"$TOP/harness/tree.sh" >/dev/null
# make bench builds its kernels once and boots each several times.
[ "${NO_BUILD:-}" = 1 ] || "$TOP/harness/build.sh" "$HARCH" "$VARIANT"

O=$KROOT/out/$HARCH-$VARIANT
RUN=$KROOT/run/$HARCH-$VARIANT
rm -rf "$RUN"
mkdir -p "$RUN" "$BUILD/out/init"

# The static init, for this arch.
INIT=$BUILD/out/init/init-$HARCH
if [ ! -x "$INIT" ] || [ "$TOP/harness/init/init.c" -nt "$INIT" ] ||
	[ "$TOP/harness/init/clock-filter.h" -nt "$INIT" ]; then
	"${CROSS}gcc" -static -O2 -Wall -Wextra -Werror -o "$INIT" "$TOP/harness/init/init.c" ||
		die "cannot build the guest init"
fi

# timens_build OUT KARCH CROSS HEADERS LOG: the timens kselftests, static.
# lib.mk takes CC from CROSS_COMPILE: both are passed.
timens_build() {
	local out=$1 karch=$2 cross=$3 hdr=$4 log=$5
	mkdir -p "$out"
	make -C "$KTREE/tools/testing/selftests/timens" OUTPUT="$out" \
		ARCH="$karch" CROSS_COMPILE="$cross" CC="${cross}gcc" \
		USERLDFLAGS=-static KHDR_INCLUDES="-isystem $hdr" \
		-j"$(nproc)" >"$BUILD/logs/$log" 2>&1 || {
		grep -E 'error' "$BUILD/logs/$log" | head -n 20 >&2
		die "kselftests failed to build; see build/logs/$log"
	}
}

# The kselftests, and with COMPAT_CROSS the same as 32-bit programs, built
# against the UAPI headers of their own kernel ARCH.
build_kselftests() {
	local hdr=$O/usr/include
	make -s -C "$KTREE" O="$O" ARCH="$KARCH" CROSS_COMPILE="$CROSS" headers \
		>"$BUILD/logs/headers-$HARCH-$VARIANT$KNAME.log" 2>&1 ||
		die "make headers failed; see build/logs/headers-$HARCH-$VARIANT$KNAME.log"
	timens_build "$O/kselftest/timens" "$KARCH" "$CROSS" "$hdr" "kselftest-$HARCH-$VARIANT$KNAME.log"
	[ -n "${COMPAT_CROSS:-}" ] || return 0
	if [ "$COMPAT_KARCH" != "$KARCH" ]; then
		hdr=$KROOT/out/headers-$COMPAT_KARCH
		make -s -C "$KTREE" O="$hdr" ARCH="$COMPAT_KARCH" headers \
			>"$BUILD/logs/headers-$COMPAT_KARCH.log" 2>&1 ||
			die "make headers ARCH=$COMPAT_KARCH failed; see build/logs/headers-$COMPAT_KARCH.log"
		hdr=$hdr/usr/include
	fi
	timens_build "$O/kselftest/timens-compat32" "$COMPAT_KARCH" "$COMPAT_CROSS" "$hdr" \
		"kselftest-$HARCH-$VARIANT$KNAME-compat32.log"
}

# Each kselftest directory's own timeout ("settings"), else kselftest's 45 s,
# doubled: the guests run under emulation.
test_timeout() {
	local t
	t=$(sed -n 's/^timeout=//p' "$KTREE/tools/testing/selftests/$1/settings" 2>/dev/null)
	echo $((${t:-45} * 2))
}

# The static programs of the guest tests and the demo (harness/guest-tests/
# *.c), for a host-root guest, whose tests run the host's own criu,
# util-linux, coreutils and python3.  show-date is built a second time as a
# 32-bit program where the arch has COMPAT_CROSS.
GUEST_BIN=$BUILD/out/guest-bin/$HARCH
build_guest_programs() {
	local src=$TOP/harness/guest-tests prog cc out
	[ "$ROOT_MODE" = hostroot ] || return 0
	mkdir -p "$GUEST_BIN"
	for prog in clock-record show-date ${COMPAT_CROSS:+show-date32}; do
		cc=${CROSS}gcc out=$GUEST_BIN/$prog
		case "$prog" in *32) cc=${COMPAT_CROSS}gcc ;; esac
		[ -x "$out" ] && [ "$out" -nt "$src/${prog%32}.c" ] &&
			[ "$out" -nt "$TOP/harness/init/clock-filter.h" ] && continue
		"$cc" -static -O2 -Wall -Wextra -Werror -o "$out" "$src/${prog%32}.c" ||
			die "cannot build the guest program $prog"
	done
}

# The harness's own guest tests, on a host-root guest: "test" lines named
# guest:NAME, each a script of harness/guest-tests run by bash, with a
# time-out in seconds (they run under TCG, and the debug kernels are slow).
GUEST_TESTS="
criu-check	120	criu.sh check
criu-restore	300	criu.sh restore
criu-realtime	300	criu.sh realtime
unshare	120	util-linux.sh unshare
nsenter	120	util-linux.sh nsenter
container-2038	120	container-2038.sh
date-set	120	date-set.sh
"
guest_test_jobs() {
	local name secs script args
	[ "$ROOT_MODE" = hostroot ] || return 0
	# They drive the host's CRIU, util-linux and python3 over 9p: clients of
	# the kernel paths that the kselftests and make fuzz drive on the debug
	# kernel too, where under TCG they would cost minutes of CI's budget.
	# make coverage counts what the kselftests and the fuzzer reach.
	case $VARIANT in debug | kcsan | coverage) return 0 ;; esac
	printf 'env\tGUEST_BIN=%s\ncd\t/\n' "$GUEST_BIN"
	while IFS=$'\t' read -r name secs script; do
		[ -n "$name" ] || continue
		read -r script args <<<"$script"
		printf 'test\tguest:%s\t%s\t/bin/bash\t%s' "$name" "$secs" "$TOP/harness/guest-tests/$script"
		# shellcheck disable=SC2086 # the arguments are words
		[ -z "$args" ] || printf '\t%s' $args
		printf '\n'
	done <<<"$GUEST_TESTS"
}

# What an initramfs carries besides the init and the job file, as
# gen_init_cpio lines.
CPIO=()
cpio_dir() {
	case " ${CPIO[*]-} " in *" dir $1 "*) return 0 ;; esac
	CPIO+=("dir $1 0755 0 0")
}
cpio_file() { CPIO+=("file $1 $2 0755 0 0"); }

# The timens kselftests that change the host's clock, which their Makefile
# keeps out of emit_tests (DESTRUCTIVE_TESTS, run by run_destructive_tests):
# a guest's clock is there to be changed.
timens_destructive() {
	make -s -C "$KTREE/tools/testing/selftests/timens" OUTPUT="$1" -f Makefile \
		-f <(printf 'harness-print-destructive:\n\t@echo $(DESTRUCTIVE_TESTS)\n') \
		harness-print-destructive 2>/dev/null | tr ' ' '\n' | sed '/^$/d'
}

# timens_jobs NAME DIR [TEST...]: "cd" and "test" lines for the timens
# kselftests built in DIR (all, then the destructive ones, or the TESTs),
# named NAME:TEST.  The guest finds them at their host path, or in the
# initramfs under /kselftest/NAME.
timens_jobs() {
	local coll=$1 dir=$2 gdir=$2 t name
	shift 2
	local tests=("$@")
	t=$(test_timeout timens)
	if [ ${#tests[@]} -eq 0 ]; then
		mapfile -t tests < <(make -s -C "$KTREE/tools/testing/selftests/timens" \
			OUTPUT="$dir" emit_tests 2>/dev/null | sed 's/^.*://'
			timens_destructive "$dir")
	fi
	[ ${#tests[@]} -gt 0 ] || die "the timens kselftests list no tests"
	if [ "$ROOT_MODE" = initramfs ]; then
		gdir=/kselftest/$coll
		cpio_dir /kselftest
		cpio_dir "$gdir"
	fi
	printf 'cd\t%s\n' "$gdir"
	for name in "${tests[@]}"; do
		[ -x "$dir/$name" ] || die "kselftest $dir/$name was not built"
		if [ "$ROOT_MODE" = initramfs ]; then
			cpio_file "$gdir/$name" "$dir/$name"
		fi
		printf 'test\t%s:%s\t%s\t%s\n' "$coll" "$name" "$t" "$gdir/$name"
	done
}

# write_jobs: the job file's preamble; the caller appends the jobs.
write_jobs() {
	local jobs=$RUN/jobs
	: >"$jobs"
	if [ "$ROOT_MODE" = hostroot ]; then
		printf 'tmpfs\t%s\n' /var/tmp /root /var/lib/criu /var/log /mnt >>"$jobs"
	fi
	printf 'tty\t/dev/%s\n' "$CONSOLE" >>"$jobs"
}

# pack: set GUEST_JOBS to what guest.sh boots with: the job file on the host
# root; else a gzipped newc initramfs of the init, the job file at
# /harness/jobs and CPIO, made with the kernel's own usr/gen_init_cpio.
GEN_INIT_CPIO=$BUILD/out/gen_init_cpio
pack() {
	local d
	GUEST_JOBS=$RUN/jobs
	[ "$ROOT_MODE" = initramfs ] || return 0
	if [ ! -x "$GEN_INIT_CPIO" ] || [ "$TREE/usr/gen_init_cpio.c" -nt "$GEN_INIT_CPIO" ]; then
		gcc -O2 -o "$GEN_INIT_CPIO" "$TREE/usr/gen_init_cpio.c" ||
			die "cannot build usr/gen_init_cpio"
	fi
	{
		for d in /proc /sys /dev /tmp /run /root /bin /harness; do
			printf 'dir %s 0755 0 0\n' "$d"
		done
		# The kernel opens it for init before init mounts devtmpfs.
		printf 'nod /dev/console 0600 0 0 c 5 1\n'
		printf 'file /init %s 0755 0 0\n' "$INIT"
		printf 'file /harness/jobs %s 0644 0 0\n' "$RUN/jobs"
		[ ${#CPIO[@]} -eq 0 ] || printf '%s\n' "${CPIO[@]}"
	} >"$RUN/initramfs.list"
	"$GEN_INIT_CPIO" "$RUN/initramfs.list" 2>"$RUN/initramfs.log" | gzip -n >"$RUN/initramfs.cpio.gz" ||
		die "cannot make the initramfs: $(head -n 3 "$RUN/initramfs.log")"
	GUEST_JOBS=$RUN/initramfs.cpio.gz
}

# The demo of an initramfs guest, which has no shell: two kselftests.
DEMO_TESTS="vdso_seccomp timens"

case "$MODE" in
run)
	# Show what the command prints, nothing of the boot.
	FILTER="sed -n -u '/^harness: begin\$/,/^harness: end\$/{/^harness: \\(begin\\|end\\)\$/d;p}'"
	demo=
	write_jobs
	if [ -n "${CMD:-}" ] && [ "$ROOT_MODE" = hostroot ]; then
		printf '%s\n' "$CMD" >"$RUN/cmd.sh"
		printf 'cd\t%s\nrun\t/bin/sh\t%s\n' "$PWD" "$RUN/cmd.sh" >>"$RUN/jobs"
	elif [ -n "${CMD:-}" ]; then
		prog=/bin/$(basename "${CMD_ARGV[0]}")
		cpio_file "$prog" "${CMD_ARGV[0]}"
		{
			printf 'cd\t/root\nrun\t%s' "$prog"
			for a in "${CMD_ARGV[@]:1}"; do printf '\t%s' "$a"; done
			printf '\n'
		} >>"$RUN/jobs"
	elif [ "$ROOT_MODE" = hostroot ]; then
		build_guest_programs
		printf 'env\tGUEST_BIN=%s\nrun\t/bin/bash\t%s\n' "$GUEST_BIN" "$TOP/harness/demo.sh" >>"$RUN/jobs"
	else
		demo=kselftests
		build_kselftests
		# shellcheck disable=SC2086
		timens_jobs timens "$O/kselftest/timens" $DEMO_TESTS >>"$RUN/jobs"
		step "$HARCH has no shell in its guest: the demo is the kselftests ${DEMO_TESTS// / and }"
		say "(make run ARCH=$HARCH CMD='/path/to/static-program args' runs a program of yours)"
		FILTER="grep --line-buffered -E '^(TAP version|1\\.\\.|# |(not )?ok [0-9]+ )'"
	fi
	pack
	export FILTER
	set +e
	TIMEOUT=${TIMEOUT:-600} "$TOP/harness/guest.sh" "$HARCH" "$VARIANT" "$GUEST_JOBS" "$RUN/console.log"
	rc=$?
	set -e
	if [ -n "$demo" ]; then
		"$TOP/harness/ktap.sh" "$RUN/console.log" "$HARCH ($VARIANT)" --tests || [ "$rc" -ne 0 ] || rc=1
	elif ! "$TOP/harness/ktap.sh" "$RUN/console.log" "$HARCH ($VARIANT)" >"$RUN/verdict" 2>&1; then
		grep -v ' passed, ' "$RUN/verdict" >&2
	fi
	# make can only exit 0 or 2: say the status for those who run make.
	[ $rc -eq 0 ] || say "command exited with status $rc" >&2
	exit $rc
	;;
shell)
	write_jobs
	printf 'shell\t/bin/bash\t-l\n' >>"$RUN/jobs"
	"$TOP/harness/guest.sh" "$HARCH" "$VARIANT" "$RUN/jobs" "$RUN/console.log" interactive
	;;
check)
	build_kselftests
	build_guest_programs
	write_jobs
	{
		timens_jobs timens "$O/kselftest/timens"
		if [ -n "${COMPAT_CROSS:-}" ]; then
			timens_jobs timens-compat32 "$O/kselftest/timens-compat32"
		fi
		guest_test_jobs
		# make coverage's snapshots and fuzzer, after the kselftests
		[ -z "${EXTRA_JOBS:-}" ] || cat "$EXTRA_JOBS"
	} >>"$RUN/jobs"
	pack
	step "booting $HARCH ($VARIANT) for the tests; console: ${RUN#"$TOP"/}/console.log"
	t0=$(date +%s)
	set +e
	TIMEOUT=${TIMEOUT:-1500} FILTER="grep --line-buffered -E '^(not )?ok [0-9]+ |^harness: '" \
		"$TOP/harness/guest.sh" "$HARCH" "$VARIANT" "$GUEST_JOBS" "$RUN/console.log"
	set -e
	say "$HARCH ($VARIANT): boot to result in $(($(date +%s) - t0)) s"
	longest=$(tr -d '\r' <"$RUN/console.log" |
		sed -n 's/^# selftests: \(.*\): \([0-9]*\) ms$/\2 \1/p' | sort -rn | head -n 3 |
		awk '{ printf "%s%s %.0f s", sep, $2, $1 / 1000; sep = ", " }')
	[ -z "$longest" ] || say "$HARCH ($VARIANT): longest tests: $longest"
	"$TOP/harness/ktap.sh" "$RUN/console.log" "$HARCH ($VARIANT)" --tests
	;;
esac
