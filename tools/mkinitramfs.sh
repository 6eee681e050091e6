#!/bin/sh
# mkinitramfs.sh OUT.cpio [--init FILE] [--no-busybox] PROGRAM...
# Builds a cpio "newc" initramfs (the format the Linux kernel and RayOS's
# initramfs unpacker read) with Debian's cpio:
#   /bin/PROGRAM         each PROGRAM given (static binaries)
#   /bin/busybox         Debian's busybox-static (/bin/busybox) when it is
#                        installed and is a static binary, plus a symlink
#                        /bin/APPLET -> busybox for the common applets it has
#   /etc/passwd, /etc/group, /etc/hostname   (root only; hostname "rayos")
#   /tmp, /dev, /proc, /root                 empty directories
#   /init                FILE, when --init is given (Linux runs /init)
# Reproducible: entries sorted (LC_ALL=C), owner 0:0, every mtime set to
# SOURCE_DATE_EPOCH (default 0), cpio --reproducible (no inode/dev numbers).
set -eu
[ $# -ge 1 ] || { echo "usage: mkinitramfs.sh OUT.cpio [--init FILE] [--no-busybox] PROGRAM..." >&2; exit 2; }
out=$1; shift
init=""
busybox=/bin/busybox
while [ $# -gt 0 ]; do
	case $1 in
	--init) init=$2; shift 2 ;;
	--no-busybox) busybox=""; shift ;;
	*) break ;;
	esac
done
root=$(mktemp -d "${TMPDIR:-/tmp}/rayos-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/dev" "$root/proc" "$root/root"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
for p in "$@"; do
	install -m 0755 "$p" "$root/bin/$(basename "$p")"
done
applets="sh ash ls cat echo ps mkdir rmdir rm mv cp ln pwd uname uptime free top kill sleep \
true false test [ [[ grep egrep sed awk head tail wc sort uniq cut tr env printenv mount umount \
df du stat touch chmod chown date dmesg find xargs vi printf id whoami hostname basename \
dirname readlink realpath tee yes seq expr which clear reset more less od hexdump md5sum \
sha256sum tar gzip gunzip zcat nproc time timeout watch pidof pgrep pkill nice renice \
chrt taskset poweroff reboot halt sync mknod ln"
# only a static busybox runs on RayOS (no dynamic loader there)
if [ -n "$busybox" ] && [ -x "$busybox" ] && "$busybox" true 2>/dev/null && \
   ! { command -v readelf >/dev/null 2>&1 && \
       readelf -l "$busybox" 2>/dev/null | grep -q "program interpreter"; }; then
	install -m 0755 "$busybox" "$root/bin/busybox"
	have=$("$busybox" --list)
	for a in $applets; do
		[ -e "$root/bin/$a" ] && continue
		if printf '%s\n' "$have" | grep -qxF -- "$a"; then
			ln -s busybox "$root/bin/$a"
		fi
	done
	echo "mkinitramfs: with $busybox ($(printf '%s\n' "$have" | wc -l) applets)" >&2
elif [ -n "$busybox" ]; then
	echo "mkinitramfs: no static $busybox (Debian: apt-get install busybox-static); initramfs without busybox" >&2
fi
if [ -n "$init" ]; then
	install -m 0755 "$init" "$root/init"
fi
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf 'rayos\n' > "$root/etc/hostname"
epoch=${SOURCE_DATE_EPOCH:-0}
find "$root" -exec touch -h -d "@$epoch" {} +
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | \
	cpio --quiet -o -H newc -R 0:0 --reproducible) > "$tmp"
mv "$tmp" "$out"
echo "mkinitramfs: $out ($(wc -c < "$out") bytes, $(cd "$root" && find . -mindepth 1 | wc -l) entries)" >&2
