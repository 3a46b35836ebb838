#!/usr/bin/env bash
# build.sh ARCH VARIANT [TARGET...]: configure and build the kernel of
# build/tree out of tree in build/out/ARCH-VARIANT, through ccache.
# SCOPE=series compiles only what the series changes that this config
# builds, and the ARCH's own kernel directory with its vDSO: CI's check of
# the build-only ARCHes, in a tenth of a whole kernel's time.
# The config is tinyconfig plus configs/ fragments; it is regenerated on
# every call and replaces .config only when it changed, so that an
# unchanged config costs no rebuild.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_arch "${1:-}"
VARIANT=${2:-default}
check_variant "$VARIANT"
if [ "$VARIANT" = kcsan ] && [ "$HARCH" != x86_64 ] && [ "$HARCH" != arm64 ]; then
	die "VARIANT=kcsan: KCSAN exists on x86_64 and arm64 only"
fi
case ${SCOPE:-all} in
all | series) ;;
*) die "unknown SCOPE '$SCOPE'; valid: all series" ;;
esac
shift 2 || true

# shellcheck disable=SC2086
need_pkgs $HOST_PKGS $PKGS ${CROSS:+gcc-${CROSS%-}}
need_ktree

O=$KROOT/out/$HARCH-$VARIANT
LOG=$HARCH-$VARIANT$KNAME
mkdir -p "$O"
export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache}
# Hash paths relative to the build directory: the series and the base
# (build/unpatched, same layout) then share entries for untouched files, and
# so do two checkouts of this repository.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
kmake() {
	# shellcheck disable=SC2086
	make -C "$KTREE" O="$O" ARCH="$KARCH" CROSS_COMPILE="$CROSS" ${KMAKE_ARGS:-} \
		"${GCOV_ARGS[@]}" CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" -j"$(nproc)" "$@"
}

fragments() {
	local f
	echo "$KTREE/kernel/configs/tiny.config"
	echo "$TOP/configs/common.config"
	echo "$TOP/configs/$HARCH.config"
	for f in ${FRAGMENTS:-}; do
		echo "$TOP/configs/$f.config"
	done
	[ -n "$KNAME" ] || echo "$TOP/configs/series.config"
	case "$VARIANT" in
	debug)
		echo "$TOP/configs/debug.config"
		[ "$KASAN" = yes ] && echo "$TOP/configs/kasan.config"
		;;
	kcsan)
		echo "$TOP/configs/debug.config"
		echo "$TOP/configs/kcsan.config"
		;;
	coverage) echo "$TOP/configs/coverage.config" ;;
	notimens) echo "$TOP/configs/notimens.config" ;;
	norealtime) echo "$TOP/configs/norealtime.config" ;;
	esac
	return 0
}

# The options the fragments ask for, "CONFIG_X VALUE" (n for "is not set"),
# the last request of each, as Kconfig takes it.
requests() {
	# shellcheck disable=SC2046
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' \
		$(fragments | grep -v /kernel/configs/) | tac | awk '!seen[$1]++' | tac
}

configure() {
	local frag=$O/harness.fragment f
	# shellcheck disable=SC2046
	cat $(fragments) >"$frag"
	KCONFIG_ALLCONFIG=$frag KCONFIG_CONFIG=.config.next \
		kmake -s allnoconfig >"$BUILD/logs/kconfig-$LOG.log" 2>&1 ||
		{ cat "$BUILD/logs/kconfig-$LOG.log" >&2; die "kconfig failed"; }
	# Every option a fragment asks for must be what it got: a silently
	# dropped option is a test that silently stops testing.  Options of
	# PENDING_CONFIG are the exception the series is to remove: until it
	# does, their absence is noted, loudly, and the tests needing them skip.
	local bad=0 sym val got ok pending=()
	while read -r sym val; do
		got=$(grep -E "^$sym=|^# $sym is not set" "$O/.config.next" || true)
		case "$val:$got" in
		n:"# $sym is not set" | n: | "$val:$sym=$val") ok=yes ;;
		*) ok=no ;;
		esac
		case " ${PENDING_CONFIG:-} :$ok" in
		*" $sym "*:no) pending+=("$sym=$val") ;;
		*" $sym "*:yes) say "note: $sym=$val is available on $HARCH now: drop it from PENDING_CONFIG in harness/arch/$HARCH.sh" ;;
		*:no) warn "config: $sym=$val requested, got '${got:-unset}'"; bad=1 ;;
		esac
	done < <(requests)
	[ $bad -eq 0 ] || die "configs/ asks for options $HARCH cannot have (see above)${KNAME:+; the unpatched base lacks what the series adds: make bench builds it as BENCH_BASE_VARIANT of harness/arch/$HARCH.sh}"
	[ ${#pending[@]} -eq 0 ] ||
		say "NOTE: $HARCH lacks ${pending[*]} until the series provides it (PENDING_CONFIG in harness/arch/$HARCH.sh); tests that need it will skip"
	if ! cmp -s "$O/.config.next" "$O/.config"; then
		cp "$O/.config.next" "$O/.config"
	fi
}

# kbuild_wants PATH: the configured kernel builds PATH (dir/ or dir/x.o).
# Follows the obj-y and obj-$(CONFIG_X) lines up to the top Kbuild, and a
# composite object's parts (name-y, name-objs) to the object they make.
kbuild_wants() {
	local path=$1 leaf parent mk lhs cfg
	path=${path%/}
	case $path in
	*/*) parent=${path%/*} leaf=${1#"$parent"/} ;;
	*) parent="" leaf=$1 ;;
	esac
	mk=$KTREE/${parent:+$parent/}Kbuild
	[ -f "$mk" ] || mk=$KTREE/$parent/Makefile
	[ -f "$mk" ] || return 1
	lhs=$(sed -e ':a' -e '/\\$/{N;s/\\\n/ /;ba' -e '}' "$mk" |
		awk -v leaf="$leaf" '$2 ~ /^[:+]?=$/ {
			for (i = 3; i <= NF; i++) if ($i == leaf) { print $1; exit } }')
	[ -n "$lhs" ] || return 1
	cfg=$(sed -n 's/.*-\$(\(CONFIG_[A-Za-z0-9_]*\))$/\1/p' <<<"$lhs")
	[ -z "$cfg" ] || grep -qx "$cfg=y" "$O/.config" || return 1
	case $lhs in
	obj-*) [ -z "$parent" ] || kbuild_wants "$parent/" ;;
	*-y | *-objs | *-"\$(CONFIG_"*) kbuild_wants "${parent:+$parent/}${lhs%-*}.o" ;;
	*) return 1 ;;
	esac
}

# The coverage variant counts in the series' objects only: the rest of the
# kernel runs at full speed, and the counts say what the tests reach.  Kbuild
# takes GCOV_PROFILE_<name>.o per object name, in whatever directory.
GCOV_ARGS=()
if [ "$VARIANT" = coverage ]; then
	# (lib/vdso is built into the vDSO, user code that gcov cannot count.)
	while read -r f; do
		f=${f##*/}
		GCOV_ARGS+=("GCOV_PROFILE_${f%.c}.o=y")
	done < <(series_sources | grep -v '^lib/vdso/')
fi

# series_targets: the objects the series changes that this config builds,
# and the ARCH's kernel directory, whose vDSO takes lib/vdso.
series_targets() {
	local f
	echo "arch/$KARCH/kernel/"
	series_sources | while read -r f; do
		kbuild_wants "${f%.c}.o" && echo "${f%.c}.o"
	done
	return 0
}

# One build per output directory at a time: CI builds the next kernels in
# the background while a guest runs, and make check then finds them built.
exec {lock}>"$O.lock"
if ! flock -n "$lock"; then
	say "waiting for another build of $HARCH ($VARIANT${KNAME:+, unpatched base}) to finish"
	flock "$lock"
fi
# A variant that only turns an option of the default off starts, on its
# first build, from the default's objects: Kbuild then recompiles only what
# reads the options that differ (arm64 norealtime: a few dozen objects
# instead of the whole kernel).
seed_from_default() {
	local from=$KROOT/out/$HARCH-default seed
	case $VARIANT in norealtime | notimens) ;; *) return 0 ;; esac
	[ ! -e "$O/.config" ] && [ -e "$from/$IMAGE" ] || return 0
	exec {seed}>"$from.lock"
	flock -s "$seed"
	say "seeding from ${from#"$TOP"/}: only what the variant's options reach is rebuilt"
	cp -a "$from/." "$O/"
	exec {seed}>&-
}

step "building $HARCH ($VARIANT${KNAME:+, unpatched base}) in ${O#"$TOP"/}"
seed_from_default
configure
start=$(date +%s)
if [ "${SCOPE:-all}" = series ]; then
	mapfile -t targets < <(series_targets)
	set -- "${targets[@]}"
	say "SCOPE=series: ${targets[*]}"
fi
if ! kmake ${@:-all} >"$BUILD/logs/build-$LOG.log" 2>&1; then
	grep -E 'error|Error' "$BUILD/logs/build-$LOG.log" | head -n 20 >&2
	die "kernel build failed for $HARCH ($VARIANT); full log: build/logs/build-$LOG.log"
fi
if [ "${SCOPE:-all}" = series ]; then
	say "compiled the series' objects for $HARCH ($VARIANT) in $(($(date +%s) - start)) s (SCOPE=series: no image)"
else
	say "built $HARCH ($VARIANT${KNAME:+, unpatched base}) in $(($(date +%s) - start)) s: ${O#"$TOP"/}/$IMAGE"
fi
