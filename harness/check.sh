#!/usr/bin/env bash
# check.sh VARIANT [ARCH...]: make check.  Every booted ARCH when none is
# given; one closing line "N passed, N failed, N skipped" over all of them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

VARIANT=$1
shift
check_variant "$VARIANT"
arches=${*:-$BOOTED_ARCHES}
total_p=0 total_f=0 total_s=0
for a in $arches; do
	load_arch "$a"
	counts=$BUILD/run/$a-$VARIANT/console.log.counts
	rm -f "$counts"
	"$TOP/harness/run.sh" check "$a" "$VARIANT"
	rc=$?
	if [ -s "$counts" ]; then
		read -r p f s <"$counts"
	else
		# It never got as far as the tests (build failure, bad input).
		p=0 f=1 s=0
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
