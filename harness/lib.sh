# Shared by every harness script: paths, messages, arch and variant lookup,
# package checks.  Source it; it defines functions only.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HARNESS_BUILD:-$TOP/build}
TREE=$BUILD/tree
PATCHES=${HARNESS_PATCHES:-$TOP/patches}
VARIANTS="default debug notimens norealtime coverage kcsan"
BOOTED_ARCHES="x86_64 arm64 arm mips"
BUILD_ONLY_ARCHES="riscv64 ppc64le s390x"

# A top-level "make ARCH=..." must never reach a kernel make through the
# environment: every kernel make gets ARCH and CROSS_COMPILE explicitly.
unset MAKEFLAGS MAKEOVERRIDES MFLAGS MAKELEVEL ARCH CROSS_COMPILE KBUILD_OUTPUT

say()  { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

all_arches() { echo $BOOTED_ARCHES $BUILD_ONLY_ARCHES; }

# load_arch NAME: read harness/arch/NAME.sh.  An arch file sets
#   KARCH CROSS IMAGE KASAN PKGS       the kernel build, its Debian packages
#   KMAKE_ARGS                         extra arguments of every kernel make
#   FRAGMENTS                          more configs/NAME.config fragments,
#                                      after the arch's own (every variant)
#   PENDING_CONFIG                     fragment options the series is to make
#                                      possible here: missing is a note, not
#                                      a stop
# and, for a booted arch,
#   ROOT_MODE                          hostroot (virtio-9p) or initramfs
#   QEMU QEMU_ARGS QEMU_MEM QEMU_SMP   the machine (MEM and SMP override)
#   CONSOLE KERNEL_ARGS                the kernel command line
#   ELF_MACHINE                        what readelf says of CMD's programs
#   COMPAT_KARCH COMPAT_CROSS          the kselftests again as 32-bit programs
#   BENCH_BASE_VARIANT                 the VARIANT make bench builds the
#                                      unpatched base as (default: default)
#   BENCH_SKIP                         benchmarks make bench leaves out here
#                                      unless BENCH names them
load_arch() {
	local name=$1 f=$TOP/harness/arch/$1.sh
	[ -n "$name" ] || die "no ARCH given; valid: $(all_arches)"
	[ -f "$f" ] || die "unknown ARCH '$name'; valid: $(all_arches)"
	unset KARCH CROSS IMAGE KASAN PKGS KMAKE_ARGS FRAGMENTS PENDING_CONFIG ROOT_MODE \
		QEMU QEMU_ARGS QEMU_MEM QEMU_SMP CONSOLE KERNEL_ARGS ELF_MACHINE \
		COMPAT_KARCH COMPAT_CROSS BENCH_BASE_VARIANT BENCH_SKIP
	# shellcheck source=/dev/null
	. "$f"
	HARCH=$name
}

check_variant() {
	case " $VARIANTS " in
	*" $1 "*) ;;
	*) die "unknown VARIANT '$1'; valid: $VARIANTS" ;;
	esac
}

is_booted() { case " $BOOTED_ARCHES " in *" $1 "*) return 0 ;; esac; return 1; }

# missing_pkgs PKG...: those of PKG not installed.
missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			echo "$p"
	done
}

# need_pkgs PKG...: install missing Debian packages when root, otherwise
# print the exact command and stop.  Builds running side by side (CI) may
# both find packages missing: one installs, the other waits, then finds them.
need_pkgs() {
	local missing lock
	missing=$(missing_pkgs "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		# shellcheck disable=SC2086 # a list of words
		die "missing packages; install them with:
  sudo apt-get update && sudo apt-get install -y --no-install-recommends" $missing
	fi
	exec {lock}>"$BUILD/.pkgs.lock"
	flock "$lock"
	# shellcheck disable=SC2086 # a list of words
	missing=$(missing_pkgs $missing)
	if [ -n "$missing" ]; then
		step "installing" $missing
		apt_update_once
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			$missing >"$BUILD/logs/apt-install.log" 2>&1 ||
			die "apt-get install failed; see $BUILD/logs/apt-install.log"
	fi
	exec {lock}>&-
}

# A fresh machine has no package lists; refresh them once per build/ dir.
apt_update_once() {
	local stamp=$BUILD/.apt-updated
	[ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -720 2>/dev/null)" ] && return 0
	[ "$(id -u)" -eq 0 ] || return 0
	step "apt-get update"
	apt-get update >"$BUILD/logs/apt-update.log" 2>&1 ||
		die "apt-get update failed; see $BUILD/logs/apt-update.log"
	touch "$stamp"
}

# Host tools every command needs.
HOST_PKGS="git make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio xz-utils ccache perl python3 qemu-system-x86 python3-ply python3-git"

mkdir -p "$BUILD/logs"

# --- which kernel -----------------------------------------------------------

# HARNESS_KERNEL picks the kernel source that build.sh, run.sh and guest.sh
# use.  "series" (the default) is build/tree.  "base" is the unpatched base,
# the tag "base" of build/tree checked out as a git worktree in
# build/unpatched/tree, with its outputs in build/unpatched/out and /run:
# the reference of make bench.  It mirrors build/'s layout so that, with
# CCACHE_BASEDIR (build.sh), a file the series does not touch compiles from
# the same relative paths, and so from the same ccache entry, in both.
# KROOT is where a kernel's tree, out/ and run/ live; KTREE its source;
# KNAME the suffix of its logs.
case "${HARNESS_KERNEL:=series}" in
series) KROOT=$BUILD KNAME= ;;
base) KROOT=$BUILD/unpatched KNAME=-base ;;
*) die "unknown HARNESS_KERNEL '$HARNESS_KERNEL'; valid: series base" ;;
esac
KTREE=$KROOT/tree

# need_ktree: the source of HARNESS_KERNEL exists and is what it should be.
# The base worktree is (re)made whenever it is missing or does not sit on
# the tag, as after tree.sh re-made build/tree.
need_ktree() {
	[ -d "$TREE/.git" ] || "$TOP/harness/tree.sh"
	[ "$HARNESS_KERNEL" = base ] || return 0
	local want
	want=$(git -C "$TREE" rev-parse 'base^{commit}') || die "build/tree has no tag 'base'"
	if [ "$(git -C "$KTREE" rev-parse HEAD 2>/dev/null)" != "$want" ]; then
		step "checking out the unpatched base (tag base of build/tree) in build/unpatched/tree"
		rm -rf "$KTREE"
		git -C "$TREE" worktree prune
		mkdir -p "$KROOT"
		git -C "$TREE" worktree add -q --detach "$KTREE" base >"$BUILD/logs/worktree.log" 2>&1 ||
			die "cannot check out the base; see build/logs/worktree.log"
	fi
	# A kernel called "base" must be the base: refuse an edited checkout.
	[ -z "$(git -C "$KTREE" status --porcelain --untracked-files=no)" ] ||
		die "build/unpatched/tree has local changes; it must be the base as tagged (rm -rf build/unpatched/tree to re-make it)"
}

# --- the series -------------------------------------------------------------

# Patch names in series order.
series_patches() {
	[ -f "$PATCHES/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PATCHES/series"
}

# Options that make an unchanged commit export to an unchanged file.
FORMAT_PATCH="format-patch --zero-commit --no-signature --full-index --no-numbered
	--subject-prefix=PATCH --no-cover-letter --no-thread --no-base --stat=72
	--notes --no-renames --diff-algorithm=myers --no-relative"
GIT_PIN="-c core.abbrev=12 -c diff.noprefix=false -c diff.mnemonicPrefix=false
	-c format.signOff=false -c format.headers=
	-c format.useAutoBase=false -c core.quotePath=true"

# export_to DIR: write the tree's commits after "base" to DIR.
export_to() {
	# shellcheck disable=SC2086
	git -C "$TREE" $GIT_PIN $FORMAT_PATCH -q -o "$1" base..HEAD >/dev/null
}

# patch_notes FILE: the git notes of a patch, which format-patch writes
# below its "---" line ("Notes:", then lines indented by four spaces): what
# a reviewer should know that is not part of the commit message, such as
# the checkpatch exceptions that lint.sh honours.
patch_notes() {
	awk '/^---$/ { below = 1; next }
		below && /^Notes:$/ { notes = 1; next }
		notes && /^    / { print substr($0, 5); next }
		notes { exit }
		/^diff --git / { exit }' "$1"
}

tree_base_version() { git -C "$TREE" config --get harness.base 2>/dev/null; }

# build_fuzzer DIR: fuzz/timens-fuzz.c, static, for the loaded arch, as
# DIR/timens-fuzz, whose path it leaves in PROG.
build_fuzzer() {
	mkdir -p "$1"
	PROG=$1/timens-fuzz
	"${CROSS}gcc" -O2 -Wall -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -static -o "$PROG" \
		"$TOP/fuzz/timens-fuzz.c" -lpthread -lrt ||
		die "cannot build fuzz/timens-fuzz.c for $HARCH"
}

# series_sources: the kernel's C files the series changes, outside tools/
# and arch/ (the vDSO's lib/vdso is among them).
series_sources() {
	git -C "$KTREE" diff --name-only base HEAD -- '*.c' ':!tools/' ':!arch/'
}

# check_number NAME VALUE: VALUE is a decimal number, or NAME is refused.
check_number() {
	case "$2" in
	'' | *[!0-9]*) die "$1=$2: not a number" ;;
	esac
}
