# x86_64: q35 under qemu-system-x86_64, root = the host's / over virtio-9p.
KARCH=x86
CROSS=
IMAGE=arch/x86/boot/bzImage
ROOT_MODE=hostroot
KASAN=yes
# criu: the guest tests checkpoint and restore a tree in a time namespace
# with the host's CRIU (the guest runs the host's root file system).
PKGS="qemu-system-x86 gcc-i686-linux-gnu libc6-dev-i386-cross criu"
# What CRIU needs of the kernel (criu check, dump and restore).
FRAGMENTS="criu"
QEMU=qemu-system-x86_64
QEMU_ARGS="-M q35 -cpu max"
CONSOLE=ttyS0
# Calibrated TSC; the watchdog must not swap it for HPET mid-run under load.
KERNEL_ARGS="tsc=reliable"
# The timens kselftests again as static i686 programs: the compat vDSO.
COMPAT_KARCH=x86
COMPAT_CROSS=i686-linux-gnu-
