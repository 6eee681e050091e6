#!/bin/sh
# bootstrap.sh WHAT — make sure the Debian packages a make target needs are
# installed; installs the missing ones with apt-get and says which.
#   run:   QEMU
#   test:  QEMU, GRUB (BIOS+UEFI), OVMF, xorriso, mtools, cmocka, pytest, pexpect, clang
#   all:   everything above
set -eu
need=""
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || need="$need $1"; }
case "${1:-all}" in
run)  want qemu-system-x86 ;;
iso)  want grub-pc-bin; want grub-efi-amd64-bin; want grub-common; want xorriso; want mtools ;;
test|all|bench)
	want qemu-system-x86; want ovmf; want grub-pc-bin; want grub-efi-amd64-bin
	want grub-common; want xorriso; want mtools; want libcmocka-dev
	want python3-pytest; want python3-pexpect; want clang; want gcc; want make ;;
*) echo "bootstrap.sh: unknown target $1" >&2; exit 2 ;;
esac
[ -z "$need" ] && exit 0
echo "bootstrap: installing Debian packages:$need"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $need >/dev/null
echo "bootstrap: installed$need"
