#!/usr/bin/env bash
# Make build/tree: the base as one commit (tagged "base"), then one commit per
# patch of patches/series.  Edit there, commit, then "make export".
#
# An existing tree is kept when it already matches patches/, re-made when
# only patches/ changed (say, after a pull), and never touched when it holds
# work that was not exported.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/harness/base.sh"
{ read -r VER; read -r DEB; } <"$BUILD/base/current"

apply_series() {
	local dir=$1 p n=0
	for p in $(series_patches); do
		[ -f "$PATCHES/$p" ] || die "patches/series names $p, which does not exist"
		if ! git -C "$dir" am -q --keep-cr "$PATCHES/$p" >"$BUILD/logs/git-am.log" 2>&1; then
			git -C "$dir" am --abort >/dev/null 2>&1 || true
			sed 's/^/    /' "$BUILD/logs/git-am.log" >&2
			[ "$dir" = "$TREE.tmp" ] && rm -rf "$dir"
			die "patch $p does not apply to linux-source-6.12 $VER"
		fi
		# git am drops what is below "---"; the notes carry it back.
		notes=$(patch_notes "$PATCHES/$p")
		[ -z "$notes" ] || git -C "$dir" notes add -f -m "$notes" HEAD
		n=$((n + 1))
	done
	git -C "$dir" rev-parse HEAD >"$dir/.git/harness-applied"
	step "applied $n patches on linux-source-6.12 $VER"
}

make_tree() {
	local tmp=$TREE.tmp
	step "making build/tree from linux-source-6.12 $VER"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$tmp" --strip-components=1
	# Debian's tarball ignores everything at its top level (its packaging
	# keeps the source elsewhere); here new files must show up in git.
	sed -i -e '/^\/\*$/d' -e '/^!\/debian\/$/d' "$tmp/.gitignore"
	git -C "$tmp" init -q -b series
	git -C "$tmp" config harness.base "$VER"
	# No background gc in a tree that may be deleted at any moment.
	git -C "$tmp" config gc.auto 0
	# git rebase and commit --amend carry a commit's notes along.
	git -C "$tmp" config notes.rewriteRef refs/notes/commits
	git -C "$tmp" config user.name >/dev/null 2>&1 ||
		git -C "$tmp" config user.name "timens series"
	git -C "$tmp" config user.email >/dev/null 2>&1 ||
		git -C "$tmp" config user.email "timens-series@localhost"
	git -C "$tmp" add -A -f .
	git -C "$tmp" -c user.name=base -c user.email=base@localhost \
		commit -q -m "base: Debian linux-source-6.12 $VER"
	git -C "$tmp" tag base
	apply_series "$tmp"
	rm -rf "$TREE"
	mv "$tmp" "$TREE"
}

if [ ! -d "$TREE/.git" ]; then
	make_tree
	exit 0
fi

# DIRTY=1: try the tree as it stands, before committing and exporting.
if [ "${DIRTY:-}" = 1 ]; then
	say "DIRTY=1: using build/tree as it stands, uncommitted changes included"
	exit 0
fi

if "$TOP/harness/series-check.sh" --quiet; then
	say "build/tree matches patches/ on linux-source-6.12 $(tree_base_version)"
	exit 0
fi

# The tree disagrees with patches/.  Re-make it only if nothing would be lost.
[ -z "$(git -C "$TREE" status --porcelain)" ] ||
	die "build/tree has uncommitted changes; commit them and run 'make export', or discard them"
applied=$(cat "$TREE/.git/harness-applied" 2>/dev/null || true)
[ "$(git -C "$TREE" rev-parse HEAD)" = "$applied" ] ||
	die "build/tree has commits that are not in patches/ ('make export' saves them), and patches/ changed too; resolve by hand"
if [ "$(tree_base_version)" != "$VER" ]; then
	make_tree
else
	step "patches/ changed: re-applying the series on base"
	git -C "$TREE" checkout -q -f -B series base
	git -C "$TREE" clean -qfdx
	apply_series "$TREE"
fi
