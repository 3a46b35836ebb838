#!/usr/bin/env bash
# ktap.sh LOG LABEL [--tests]: judge a guest's console log.
# Fails on any kernel splat, a clocksource change, a vDSO that is not live,
# and (with --tests) any KTAP "not ok" or missing result.  Prints one line
# "LABEL: N passed, N failed, N skipped" and appends "P F S" to LOG.counts.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

LOG=$1
LABEL=$2
TESTS=${3:-}
passed=0 failed=0 skipped=0
problems=()

# Kernel lines carry a printk timestamp; program output does not.
splat='^\[ *[0-9]+\.[0-9]+\] (.*(WARNING:|BUG:|Oops|Kernel panic|UBSAN:|KASAN:|ODEBUG:|\[ cut here \]|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|INFO: task .* blocked|soft lockup|hard LOCKUP|list_add corruption|list_del corruption|general protection fault|Unable to handle kernel|stack-protector|DEBUG_LOCKS_WARN_ON|lockdep))'
if grep -qE "$splat" "$LOG"; then
	problems+=("kernel splat on the console:")
	while IFS= read -r l; do problems+=("  $l"); done < <(grep -E -A12 "$splat" "$LOG" | head -n 40)
fi

cs=$(sed -n 's/^harness: clocksource \(.*\)$/\1/p' "$LOG" | head -n 1)
cs_end=$(sed -n 's/^harness: clocksource-end \(.*\)$/\1/p' "$LOG" | tail -n 1)
[ -n "$cs" ] && say "$LABEL: clocksource $cs"
if [ -n "$cs_end" ] && [ "$cs" != "$cs_end" ]; then
	problems+=("clocksource changed during the run: $cs -> $cs_end (vDSO reads may have become syscalls)")
fi
vdso=$(sed -n 's/^harness: vdso \(.*\)$/\1/p' "$LOG" | head -n 1)
case "$vdso" in
live) ;;
*) problems+=("vDSO check: ${vdso:-no result}") ;;
esac

if [ "$TESTS" = --tests ]; then
	plan=$(grep -m1 -E '^1\.\.[0-9]+$' "$LOG" | cut -d. -f3)
	while IFS= read -r l; do
		case "$l" in
		'not ok '*) failed=$((failed + 1)); problems+=("$l") ;;
		ok\ *'# SKIP'*)
			skipped=$((skipped + 1))
			name=$(echo "$l" | sed 's/^ok [0-9]* selftests: \([^ ]*\).*/\1/')
			# The reason: the last SKIP the test printed before its result.
			why=$(awk -v n="# selftests: $name" '$0==n{f=1;next} f&&/^(not )?ok [0-9]+ /{f=0}
				f&&/SKIP/{l=$0; sub(/.*SKIP:? */,"",l)} END{print l}' "$LOG")
			say "$LABEL: skipped $name: ${why:-no reason given}"
			;;
		'ok '*) passed=$((passed + 1)) ;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ ' "$LOG")
	ran=$((passed + failed + skipped))
	if [ -z "$plan" ]; then
		problems+=("no KTAP plan on the console: the tests never started")
		failed=$((failed + 1))
	elif [ "$ran" -lt "$plan" ]; then
		problems+=("only $ran of $plan tests reported a result")
		failed=$((failed + plan - ran))
	fi
fi

if [ ${#problems[@]} -gt 0 ]; then
	for p in "${problems[@]}"; do say "$LABEL: $p"; done
	# A splat or a clock problem fails the run even when every test passed.
	[ "$failed" -gt 0 ] || failed=1
fi
echo "$passed $failed $skipped" >>"$LOG.counts"
say "$LABEL: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
