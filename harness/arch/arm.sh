# arm: virt + cortex-a15 under qemu-system-arm, root = an initramfs.
KARCH=arm
CROSS=arm-linux-gnueabihf-
IMAGE=arch/arm/boot/zImage
ROOT_MODE=initramfs
KASAN=yes
PKGS="qemu-system-arm gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"
QEMU=qemu-system-arm
QEMU_ARGS="-M virt -cpu cortex-a15"
# Plenty for the tests; a 32-bit kernel without HIGHMEM cannot use 2G anyway.
QEMU_MEM=512M
CONSOLE=ttyAMA0
ELF_MACHINE="ARM, little endian"
# Upstream 6.12 has no time namespaces here (the series adds them): make
# bench compares with a base without CONFIG_TIME_NS, which configs/ would
# otherwise ask for and the build would refuse to drop.
BENCH_BASE_VARIANT=notimens
