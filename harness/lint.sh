#!/usr/bin/env bash
# checkpatch.pl --strict, from build/tree, on every patch of the series.
# A patch may carry an exception only with a reason, below its "---" line
# (a git note of the commit, which format-patch writes there): a line
# "checkpatch: ignore TYPE[,TYPE] -- reason".  The changelog is no place
# for it: upstream would not take it there.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || "$TOP/harness/tree.sh" || exit 1
bad=0 n=0
for p in $(series_patches); do
	n=$((n + 1))
	ignore=$(patch_notes "$PATCHES/$p" | sed -n 's/^checkpatch: ignore \([A-Z_,]*\) -- .*/\1/p' | paste -sd, -)
	# checkpatch runs spdxcheck.py with python3: Debian's, which has ply.
	out=$(cd "$TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --terse --no-summary \
		--show-types ${ignore:+--ignore "$ignore"} "$PATCHES/$p" 2>&1)
	rc=$?
	if sed '/^---$/q' "$PATCHES/$p" | grep -q '^checkpatch: '; then
		out="${out:+$out$'\n'}a checkpatch exception in the commit message: it belongs below '---' (git notes add)"
		rc=1
	fi
	if [ $rc -ne 0 ]; then
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
