#!/usr/bin/env bash
# Fetch the pinned base .deb into build/base and verify it.  Writes the
# version in use and the .deb's path to build/base/current for tree.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base_field() { sed -n "s/^$1=//p" "$TOP/BASE"; }
PKG=$(base_field package)
PIN=$(base_field version)
SHA=$(base_field sha256)
DIR=$BUILD/base
mkdir -p "$DIR"

deb_of() { echo "$DIR/${PKG}_$(echo "$1" | sed 's/:/%3a/')_all.deb"; }

fetch() {
	local ver=$1
	(cd "$DIR" && apt-get download "$PKG=$ver") >"$BUILD/logs/apt-download.log" 2>&1
}

newest_available() {
	apt-cache madison "$PKG" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
		sort -V | tail -n 1
}

need_pkgs apt dpkg xz-utils
ver=$PIN
deb=$(deb_of "$ver")
if [ ! -f "$deb" ]; then
	step "fetching $PKG $ver"
	if ! fetch "$ver"; then
		apt_update_once
		if ! fetch "$ver"; then
			ver=$(newest_available)
			[ -n "$ver" ] || die "$PKG is not in the package lists (apt-get update?); see $BUILD/logs/apt-download.log"
			warn "pinned $PKG $PIN has left the archive; falling back to $ver"
			warn "the series must still apply there; pin it in BASE once it does"
			deb=$(deb_of "$ver")
			[ -f "$deb" ] || fetch "$ver" || die "apt-get download $PKG=$ver failed; see $BUILD/logs/apt-download.log"
		fi
	fi
fi
if [ "$ver" = "$PIN" ]; then
	echo "$SHA  $deb" | sha256sum -c --quiet - >/dev/null 2>&1 ||
		die "sha256 of $deb does not match BASE ($SHA); delete it to fetch again"
else
	warn "using unpinned base $ver: no sha256 in BASE for it (apt verified its signature)"
fi

printf '%s\n%s\n' "$ver" "$deb" >"$DIR/current"
