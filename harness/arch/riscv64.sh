# riscv64: build only (no guest yet).
KARCH=riscv
CROSS=riscv64-linux-gnu-
IMAGE=arch/riscv/boot/Image
KASAN=no
PKGS="gcc-riscv64-linux-gnu"
