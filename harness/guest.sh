#!/usr/bin/env bash
# guest.sh ARCH VARIANT JOBS LOG [interactive]: boot build/out/ARCH-VARIANT
# under QEMU with the harness init running the job file JOBS (for ROOT_MODE
# initramfs, JOBS is the initramfs, which holds it as /harness/jobs), console
# to LOG and to stdout.  Never hangs: TIMEOUT (seconds) kills QEMU.  Exit
# status: the guest's status line, or 124 on time-out, or 125 when the guest
# died.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_arch "$1"
VARIANT=$2
JOBS=$3
LOG=$4
INTERACTIVE=${5:-}
O=$KROOT/out/$HARCH-$VARIANT
INIT=$BUILD/out/init/init-$HARCH
TIMEOUT=${TIMEOUT:-900}
[ -n "${QEMU:-}" ] || die "$HARCH is build-only: no QEMU machine for it"
[ -f "$O/$IMAGE" ] || die "no kernel at $O/$IMAGE; build it first"

accel() {
	local tcg="-accel tcg"
	# One thread per vCPU; not every target has it, and one vCPU needs none.
	[ "$SMP" -gt 1 ] && tcg="-accel tcg,thread=multi"
	case "${KVM:-auto}" in
	1 | yes) echo "-accel kvm" ;;
	0 | no) echo "$tcg" ;;
	auto) if kvm_works; then echo "-accel kvm"; else echo "$tcg"; fi ;;
	*) die "KVM=${KVM} is not one of: auto 1 0" ;;
	esac
}

# Nested KVM can hang before the guest prints anything: believe KVM only
# after it booted this kernel once.  The answer holds until the host reboots.
kvm_works() {
	local stamp=$BUILD/.kvm-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	[ "$KARCH" = x86 ] && [ -w /dev/kvm ] || return 1
	if [ ! -f "$stamp" ]; then
		if timeout -k 2 20 $QEMU $QEMU_ARGS -accel kvm -m 256 -display none \
			-serial stdio -monitor none -no-reboot -kernel "$O/$IMAGE" \
			-append "console=$CONSOLE panic=-1" </dev/null 2>/dev/null |
			grep -q -m1 'Linux version'; then
			echo yes >"$stamp"
		else
			echo no >"$stamp"
		fi
	fi
	[ "$(cat "$stamp")" = yes ]
}

# Kernel messages of level warning and above reach the console, timestamped.
APPEND="console=$CONSOLE loglevel=5 panic=-1 oops=panic ${KERNEL_ARGS:-}"
FS_ARGS=()
case "$ROOT_MODE" in
hostroot)
	# The host's / read-only over virtio-9p, as virtme-ng does; init puts
	# tmpfs wherever the guest writes.
	APPEND="$APPEND root=hostroot rootfstype=9p ro rootflags=trans=virtio,version=9p2000.L,msize=262144"
	APPEND="$APPEND init=$INIT -- $JOBS"
	FS_ARGS=(-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on"
		-device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot")
	;;
initramfs)
	APPEND="$APPEND rdinit=/init -- /harness/jobs"
	FS_ARGS=(-initrd "$JOBS")
	;;
esac

MEM=${MEM:-${QEMU_MEM:-2G}}
SMP=${SMP:-${QEMU_SMP:-2}}
ICOUNT=()
if [ -n "${ICOUNT_SHIFT:-}" ]; then
	# The instruction clock: one vCPU, guest time = executed instructions.
	# The RTC must run on that clock too: malta calibrates its CPU counter
	# against it, and a host-time RTC makes guest time run 40 times slow.
	SMP=1
	ICOUNT=(-icount "shift=$ICOUNT_SHIFT,sleep=off" -rtc clock=vm)
fi

# shellcheck disable=SC2046,SC2086
cmd=($QEMU $QEMU_ARGS $(accel) -m "$MEM" -smp "$SMP" "${ICOUNT[@]}" -no-reboot
	-kernel "$O/$IMAGE" -append "$APPEND" "${FS_ARGS[@]}")

if [ -n "$INTERACTIVE" ]; then
	exec "${cmd[@]}" -nographic -serial mon:stdio
fi

set +e
timeout -k 10 "$TIMEOUT" "${cmd[@]}" -display none -serial stdio -monitor none \
	</dev/null 2>"$LOG.qemu" | tr -d '\r' | tee "$LOG" | bash -c "${FILTER:-cat}"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	say "guest timed out after $TIMEOUT s; last console lines:" >&2
	tail -n 25 "$LOG" | sed 's/^/  | /' >&2
	exit 124
fi
status=$(sed -n 's/^harness: status \([0-9]*\)$/\1/p' "$LOG" | tail -n 1)
if [ -z "$status" ]; then
	say "guest ended without reporting a status (qemu exit $rc); last console lines:" >&2
	tail -n 25 "$LOG" | sed 's/^/  | /' >&2
	[ -s "$LOG.qemu" ] && sed 's/^/  qemu: /' "$LOG.qemu" >&2
	exit 125
fi
exit "$status"
