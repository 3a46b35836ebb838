# x86_64: q35 under qemu-system-x86_64, root = the host's / over virtio-9p.
KARCH=x86
CROSS=
IMAGE=arch/x86/boot/bzImage
ROOT_MODE=hostroot
KASAN=yes
PKGS="qemu-system-x86 gcc-i686-linux-gnu libc6-dev-i386-cross"
QEMU=qemu-system-x86_64
QEMU_ARGS="-M q35 -cpu max"
CONSOLE=ttyS0
# Calibrated TSC; the watchdog must not swap it for HPET mid-run under load.
KERNEL_ARGS="tsc=reliable"
# The timens kselftests again as static i686 programs: the compat vDSO.
COMPAT_KARCH=x86
COMPAT_CROSS=i686-linux-gnu-
