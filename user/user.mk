# user/user.mk — the user programs of issue 7 (static musl, Linux x86_64
# ABI) and the initramfs that `make run` boots. Included from the Makefile.
#   make user              build/user/<program> for every program below
#   make initramfs         build/initramfs.cpio (cpio newc): /bin/<programs>,
#                          /bin/busybox (Debian's busybox-static, when
#                          installed) with applet links, /etc, /tmp, /dev, /proc
#   make test-user-host    systest, demo and a short fuzz on this host's Linux
#   make bench-user        bench on Debian's Linux and on RayOS under QEMU
# Programs are single C files user/NAME.c sharing user/ucommon.h, built with
# musl-gcc -static (Debian musl-tools): no home-made libc.

MUSL_CC ?= musl-gcc
USER_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror
USER_PROGS := systest fuzz bench demo hello exitcode segv spin forkbomb oom rtlat sleeplat
USER_BINS := $(addprefix $(BUILD)/user/,$(USER_PROGS))

.PHONY: user initramfs test-user-host bench-user

user: $(USER_BINS)

$(BUILD)/user/%: user/%.c user/ucommon.h user/user.mk
	@sh tools/bootstrap.sh user
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $<"
	@$(MUSL_CC) $(USER_CFLAGS) -o $@ $< -lpthread

# ---- initramfs ------------------------------------------------------------
# Rebuilt when a program, the script or Debian's busybox changes.
$(INITRAMFS): $(USER_BINS) tools/mkinitramfs.sh $(wildcard /bin/busybox)
	@sh tools/bootstrap.sh user busybox
	@sh tools/mkinitramfs.sh $@ $(USER_BINS)

initramfs: $(INITRAMFS)

# ---- bench-user -------------------------------------------------------------
# build/user/bench on Debian's Linux (linux-image-amd64, busybox-static
# initramfs) and on RayOS (the bench kernel, init=/bin/bench), same QEMU
# configuration (q35, TCG, 1 CPU, 256 MiB); table of medians and ratios.
BENCH_USER_BOOTS ?= 3
bench-user: bench-kernel $(BUILD)/user/bench $(INITRAMFS)
	@sh tools/bootstrap.sh run linux
	@$(PYTHON) -B tools/bench-user.py --boots $(BENCH_USER_BOOTS) \
		--bench $(BUILD)/user/bench --initramfs $(INITRAMFS) --rayos $(BENCH_KERNEL)

# ---- test-user-host ---------------------------------------------------------
# systest, demo and a 3000-call fuzz on this host's Linux, in a temporary
# directory (a few seconds; part of make test). FUZZ_SEED=N fixes the seed.
test-user-host: $(BUILD)/user/systest $(BUILD)/user/demo $(BUILD)/user/fuzz
	@sh tools/test-user-host.sh $(BUILD)/user

# tests/qemu/test_user.py boots RayOS with the initramfs
test-qemu: $(INITRAMFS)
test-qemu: export RAYOS_INITRAMFS = $(abspath $(INITRAMFS))
