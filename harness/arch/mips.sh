# mips: 32-bit big-endian malta (24Kf) under qemu-system-mips, root = an
# initramfs.
KARCH=mips
CROSS=mips-linux-gnu-
IMAGE=vmlinux
ROOT_MODE=initramfs
KASAN=no
PKGS="qemu-system-mips gcc-mips-linux-gnu libc6-dev-mips-cross"
QEMU=qemu-system-mips
QEMU_ARGS="-M malta -cpu 24Kf"
# Malta's lowmem is 256 MiB; its 24Kf is one core, and mips has no MTTCG.
QEMU_MEM=256M
QEMU_SMP=1
CONSOLE=ttyS0
ELF_MACHINE="MIPS R3000, big endian"
# Upstream 6.12 has no time namespaces here (the series adds them): make
# bench compares with a base without CONFIG_TIME_NS, which configs/ would
# otherwise ask for and the build would refuse to drop.
BENCH_BASE_VARIANT=notimens
# Under -icount a malta guest takes about half a second of host time to wake
# from idle: the timer benchmarks, thousands of expiries, would run for
# hours.  make bench leaves them out here unless BENCH names them.
BENCH_SKIP=timers
