#!/usr/bin/env bash
# bisect-check.sh [ARCH]: build every commit of build/tree after "base", in
# order, for ARCH (x86_64 by default), so that the series stays bisectable.
# Each commit is checked out in its own worktree (build/bisect/tree) and
# built incrementally in build/bisect/out-ARCH, through ccache, with
# warnings as errors; the config is that of the default variant, with
# options a commit does not know yet dropped by olddefconfig, as a bisect
# would do.  Exits non-zero at the first commit that does not build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_arch "${1:-x86_64}"
# shellcheck disable=SC2086
need_pkgs $HOST_PKGS $PKGS ${CROSS:+gcc-${CROSS%-}}
need_ktree

# The reference config: the default variant's, made by build.sh.
"$TOP/harness/build.sh" "$HARCH" default olddefconfig >/dev/null
CONFIG=$BUILD/out/$HARCH-default/.config

WT=$BUILD/bisect/tree
O=$BUILD/bisect/out-$HARCH
mkdir -p "$BUILD/bisect" "$O"
if [ ! -d "$WT" ]; then
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$WT" base >"$BUILD/logs/worktree-bisect.log" 2>&1 ||
		die "cannot make build/bisect/tree; see build/logs/worktree-bisect.log"
fi

export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
kmake() {
	# shellcheck disable=SC2086
	make -C "$WT" O="$O" ARCH="$KARCH" CROSS_COMPILE="$CROSS" ${KMAKE_ARGS:-} \
		CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" KCFLAGS=-Werror -j"$(nproc)" "$@"
}

commits=$(git -C "$TREE" rev-list --reverse base..HEAD)
total=$(echo "$commits" | grep -c .)
k=0 t0=$(date +%s)
for c in $commits; do
	k=$((k + 1))
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	git -C "$WT" checkout -q --detach "$c"
	cp "$CONFIG" "$O/.config"
	log=$BUILD/logs/bisect-$HARCH-$k.log
	start=$(date +%s)
	if ! { kmake olddefconfig && kmake; } >"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -n 20 >&2
		die "commit $k of $total does not build for $HARCH: $subject (log: ${log#"$TOP"/})"
	fi
	say "ok $k/$total $(($(date +%s) - start)) s  $subject"
done
say "bisect-check: all $total commits build for $HARCH, warnings as errors ($(($(date +%s) - t0)) s)"
