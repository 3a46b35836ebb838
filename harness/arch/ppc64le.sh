# ppc64le: 64-bit little-endian powerpc, build only (no guest yet).
KARCH=powerpc
CROSS=powerpc64le-linux-gnu-
IMAGE=vmlinux
KASAN=no
PKGS="gcc-powerpc64le-linux-gnu"
