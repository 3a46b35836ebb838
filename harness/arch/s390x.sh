# s390x: build only (no guest yet).
KARCH=s390
CROSS=s390x-linux-gnu-
IMAGE=arch/s390/boot/bzImage
KASAN=no
PKGS="gcc-s390x-linux-gnu"
