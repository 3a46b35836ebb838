#!/usr/bin/env bash
# Fail when build/tree and patches/ disagree, or when the series does not
# apply to the base.  Fast: one format-patch and one index-only apply, no
# build.  --quiet: exit status only (tree.sh uses it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quiet=false
[ "${1:-}" = --quiet ] && quiet=true
fail() { $quiet || printf 'series-check: %s\n' "$*" >&2; exit 1; }

if [ ! -d "$TREE/.git" ]; then
	$quiet && exit 1
	"$TOP/harness/tree.sh"
fi

[ -z "$(git -C "$TREE" status --porcelain)" ] ||
	fail "build/tree has uncommitted changes: commit them, then 'make export'"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/export"
export_to "$tmp/export"

want=$(series_patches)
have=$(cd "$tmp/export" && ls)
if [ "$want" != "$have" ]; then
	$quiet && exit 1
	diff <(echo "$want") <(echo "$have") | sed -n 's/^</  patches\/series:/p; s/^>/  build\/tree:    /p' >&2
	fail "the tree's commits and patches/series differ; 'make export' after editing the tree, 'make tree' after changing patches/"
fi
for p in $want; do
	cmp -s "$PATCHES/$p" "$tmp/export/$p" ||
		fail "$p differs between build/tree and patches/; 'make export' after editing the tree, 'make tree' after changing patches/"
done
stray=$(cd "$PATCHES" 2>/dev/null && ls -- *.patch 2>/dev/null | grep -vxF -f <(echo "$want") || true)
[ -z "$stray" ] || fail "patches/ holds files that patches/series does not list: $stray"

# Each patch applies, in order, to the base commit (index only).
export GIT_INDEX_FILE=$tmp/index
git -C "$TREE" read-tree base
for p in $want; do
	git -C "$TREE" apply --cached "$PATCHES/$p" 2>"$tmp/apply.log" ||
		fail "patch $p does not apply to linux-source-6.12 $(tree_base_version): $(head -n 3 "$tmp/apply.log")"
done
$quiet || say "series-check: build/tree and patches/ agree ($(echo "$want" | grep -c . || true) patches on linux-source-6.12 $(tree_base_version))"
