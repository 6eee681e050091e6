#!/bin/sh
# bootstrap.sh WHAT... — make sure the Debian packages that a make target
# needs are installed; installs the missing ones with apt-get (through sudo
# when not root) and says which. Does nothing when all are there.
#   build:  gcc, make, binutils (the kernel itself)
#   run:    QEMU                              (make run, make run-iso)
#   iso:    GRUB for BIOS and UEFI, xorriso, mtools (make iso)
#   uefi:   OVMF UEFI firmware                (make run-uefi)
#   clang:  clang                             (make CC=clang)
#   ktest:  QEMU                              (make test-ktest)
#   pytest: QEMU, GRUB, OVMF, cpio, python3-pytest, python3-pexpect, prometheus (promtool) (make test-qemu)
#   bench:  QEMU, python3-pexpect, jemalloc, mimalloc, valgrind (make bench)
#   test:   everything make test needs, incl. libcmocka-dev (tests/host)
#   all:    everything above
# Python tools run with /usr/bin/python3, the interpreter Debian's python3-*
# packages install for (another python3 earlier on PATH does not see them).
set -eu
need=""
want() {
	case " $need " in *" $1 "*) return ;; esac
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || need="$need $1"
}
group() {
	case $1 in
	build)  want gcc; want make; want binutils ;;
	run|qemu|ktest) want qemu-system-x86 ;;
	iso)    want grub-common; want grub-pc-bin; want grub-efi-amd64-bin; want xorriso; want mtools ;;
	uefi)   want ovmf ;;
	clang)  want clang ;;
	host)   want gcc; want libcmocka-dev ;;
	pytest) group run; group iso; group uefi; want cpio; want python3; want python3-pytest; want python3-pexpect; want prometheus ;;
	bench)  group run; want python3; want python3-pexpect; want libjemalloc-dev; want libmimalloc-dev; want valgrind ;;
	test|all) group build; group host; group clang; group ktest; group pytest; group bench ;;
	*) echo "bootstrap.sh: unknown group '$1' (build run iso uefi clang host ktest pytest bench test all)" >&2
	   exit 2 ;;
	esac
}
[ $# -gt 0 ] || set -- all
for g in "$@"; do group "$g"; done
[ -z "$need" ] && exit 0

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "bootstrap: not a Debian system; install the equivalents of:$need" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "bootstrap: need root or sudo to install:$need" >&2; exit 1; }
	SUDO="sudo -n"
fi
echo "bootstrap: installing Debian packages:$need"
log=$(mktemp "${TMPDIR:-/tmp}/rayos-bootstrap.XXXXXX")
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
if ! { $SUDO apt-get update -q && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "bootstrap: apt-get failed; install by hand:$need" >&2
	exit 1
fi
echo "bootstrap: installed$need"
