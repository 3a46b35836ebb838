#!/usr/bin/env bash
# build.sh ARCH VARIANT [TARGET...]: configure and build the kernel of
# build/tree out of tree in build/out/ARCH-VARIANT, through ccache.
# The config is tinyconfig plus configs/ fragments; it is regenerated on
# every call and replaces .config only when it changed, so that an
# unchanged config costs no rebuild.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_arch "${1:-}"
VARIANT=${2:-default}
check_variant "$VARIANT"
shift 2 || true

# shellcheck disable=SC2086
need_pkgs $HOST_PKGS ${CROSS:+gcc-${CROSS%-}}
[ -d "$TREE/.git" ] || "$TOP/harness/tree.sh"

O=$BUILD/out/$HARCH-$VARIANT
mkdir -p "$O"
export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
kmake() {
	make -C "$TREE" O="$O" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" -j"$(nproc)" "$@"
}

fragments() {
	echo "$TREE/kernel/configs/tiny.config"
	echo "$TOP/configs/common.config"
	echo "$TOP/configs/$HARCH.config"
	if [ "$VARIANT" = debug ]; then
		echo "$TOP/configs/debug.config"
		[ "$KASAN" = yes ] && echo "$TOP/configs/kasan.config"
	fi
	return 0
}

configure() {
	local frag=$O/harness.fragment f
	# shellcheck disable=SC2046
	cat $(fragments) >"$frag"
	KCONFIG_ALLCONFIG=$frag KCONFIG_CONFIG=.config.next \
		kmake -s allnoconfig >"$BUILD/logs/kconfig-$HARCH-$VARIANT.log" 2>&1 ||
		{ cat "$BUILD/logs/kconfig-$HARCH-$VARIANT.log" >&2; die "kconfig failed"; }
	# Every option a fragment asks for must be what it got: a silently
	# dropped option is a test that silently stops testing.
	local bad=0 line sym val got
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*} val=${line#*=} ;;
		'# CONFIG_'*' is not set') sym=${line#\# } sym=${sym%% *} val=n ;;
		*) continue ;;
		esac
		got=$(grep -E "^$sym=|^# $sym is not set" "$O/.config.next" || true)
		case "$val:$got" in
		n:"# $sym is not set" | n:) ;;
		n:*) warn "config: $sym=n requested, got '$got'"; bad=1 ;;
		*) [ "$got" = "$sym=$val" ] || { warn "config: $sym=$val requested, got '${got:-unset}'"; bad=1; } ;;
		esac
	done < <(cat $(fragments | grep -v /kernel/configs/))
	[ $bad -eq 0 ] || die "configs/ asks for options $HARCH cannot have (see above)"
	if ! cmp -s "$O/.config.next" "$O/.config"; then
		cp "$O/.config.next" "$O/.config"
	fi
}

step "building $HARCH ($VARIANT) in build/out/$HARCH-$VARIANT"
configure
start=$(date +%s)
if ! kmake ${@:-all} >"$BUILD/logs/build-$HARCH-$VARIANT.log" 2>&1; then
	grep -E 'error|Error' "$BUILD/logs/build-$HARCH-$VARIANT.log" | head -n 20 >&2
	die "kernel build failed for $HARCH ($VARIANT); full log: build/logs/build-$HARCH-$VARIANT.log"
fi
say "built $HARCH ($VARIANT) in $(($(date +%s) - start)) s: build/out/$HARCH-$VARIANT/$IMAGE"
