#!/usr/bin/env bash
# Write build/tree's commits after "base" back to patches/, reproducibly:
# an unchanged commit gives a byte-identical file.  patches/series keeps its
# "# section" comments: the k-th patch name is replaced by the k-th commit's
# file, new commits are appended at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || die "no build/tree; 'make tree' makes it"
[ -z "$(git -C "$TREE" status --porcelain)" ] ||
	die "build/tree has uncommitted changes: commit them first"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export_to "$tmp"
mkdir -p "$PATCHES"
mapfile -t new < <(cd "$tmp" && ls)

# Rewrite series: comments stay in place, patch lines take the new names.
k=0
{
	if [ -f "$PATCHES/series" ]; then
		while IFS= read -r line; do
			case "$line" in
			'' | '#'*) printf '%s\n' "$line" ;;
			*)
				if [ $k -lt ${#new[@]} ]; then
					printf '%s\n' "${new[$k]}"
					k=$((k + 1))
				fi
				;;
			esac
		done <"$PATCHES/series"
	fi
	while [ $k -lt ${#new[@]} ]; do
		printf '%s\n' "${new[$k]}"
		k=$((k + 1))
	done
} >"$tmp/series.new"

rm -f "$PATCHES"/*.patch
for p in "${new[@]}"; do
	cp "$tmp/$p" "$PATCHES/$p"
done
cmp -s "$tmp/series.new" "$PATCHES/series" 2>/dev/null || cp "$tmp/series.new" "$PATCHES/series"
git -C "$TREE" rev-parse HEAD >"$TREE/.git/harness-applied"
say "exported ${#new[@]} patches to patches/"
