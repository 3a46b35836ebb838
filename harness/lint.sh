#!/usr/bin/env bash
# checkpatch.pl --strict, from build/tree, on every patch of the series.
# A patch may carry an exception only with a reason in its commit message:
# a line "checkpatch: ignore TYPE[,TYPE] -- reason".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || "$TOP/harness/tree.sh" || exit 1
bad=0 n=0
for p in $(series_patches); do
	n=$((n + 1))
	ignore=$(sed -n 's/^checkpatch: ignore \([A-Z_,]*\) -- .*/\1/p' "$PATCHES/$p" | paste -sd, -)
	# checkpatch runs spdxcheck.py with python3: Debian's, which has ply.
	if ! out=$(cd "$TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --terse --no-summary \
		--show-types ${ignore:+--ignore "$ignore"} "$PATCHES/$p" 2>&1); then
		bad=$((bad + 1))
		say "$p:"
		printf '%s\n' "$out" | sed 's/^/  /'
	fi
done
if [ $bad -ne 0 ]; then
	say "lint: $bad of $n patches have checkpatch findings"
	exit 1
fi
say "lint: $n patches, checkpatch --strict clean"
