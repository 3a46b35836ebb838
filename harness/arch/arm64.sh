# arm64: virt + cortex-a57 under qemu-system-aarch64, root = an initramfs.
KARCH=arm64
CROSS=aarch64-linux-gnu-
# The compat vDSO is built only with a 32-bit arm compiler; without it every
# clock read of a 32-bit program silently becomes a syscall.
KMAKE_ARGS="CROSS_COMPILE_COMPAT=arm-linux-gnueabihf-"
IMAGE=arch/arm64/boot/Image
ROOT_MODE=initramfs
KASAN=yes
PKGS="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"
QEMU=qemu-system-aarch64
QEMU_ARGS="-M virt -cpu cortex-a57"
QEMU_MEM=1G
CONSOLE=ttyAMA0
# Programs for CMD: arm64, or 32-bit arm through the compat syscalls.
ELF_MACHINE="(AArch64|ARM), little endian"
# The timens kselftests again as 32-bit arm programs: the compat vDSO.
COMPAT_KARCH=arm
COMPAT_CROSS=arm-linux-gnueabihf-
