# RayOS — top-level build.
#   make              build/rayos.elf (the kernel, with symbols)
#   make run          boot it in QEMU on this terminal (Ctrl-A X quits), with
#                     build/initramfs.cpio as -initrd; INIT=/bin/PROG boots
#                     with init=PROG (see user/user.mk for make user,
#                     initramfs, test-user-host, bench-user)
#   make test         every test: hosted unit tests, in-kernel ktest, a clang
#                     build, the user programs on the host (test-user-host),
#                     pytest on QEMU; fails if any fails
#   make iso          build/rayos.iso (GRUB, BIOS and UEFI, multiboot2)
#   make run-iso      boot the ISO under SeaBIOS; make run-uefi: under OVMF
#   make bench        benchmarks: boot time (BENCH_RUNS boots, default 11),
#                     scheduler and lock costs (bench-sched), real-time
#                     latency vs Linux and cost per scheduling decision
#                     (bench-rt), tracepoint cost (bench-trace); their kernel is
#                     build/bench/rayos.elf, built with LOCKDEP=0
#   make LOCKDEP=0    build without the lock checker (default LOCKDEP=1)
#   make CC=clang BUILD=build/clang   build with clang instead of gcc
#   CMDLINE="..."     kernel command line for run, run-iso, run-uefi and iso
# Missing Debian packages are installed by tools/bootstrap.sh (apt-get),
# which says what it installs. Python tools run with /usr/bin/python3.

CC := $(if $(filter default,$(origin CC)),gcc,$(CC))
NM ?= nm
BUILD ?= build
QEMU ?= qemu-system-x86_64
PYTHON ?= /usr/bin/python3

KDIRS := arch/x86_64 kernel lib obs shell drivers mm fs
KSRC := $(sort $(shell find $(KDIRS) -name '*.c' -o -name '*.S'))
KOBJ := $(patsubst %,$(BUILD)/k/%.o,$(KSRC))

KCFLAGS := -std=gnu11 -ffreestanding -fno-builtin-printf -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
	-mno-mmx -mno-sse -mno-sse2 -mno-avx \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-common -O2 -g -Wall -Wextra -Werror -Iinclude -MMD -MP
ifneq ($(findstring clang,$(CC)),)
KCFLAGS += -Wno-unused-command-line-argument
endif
# Lock checker (kernel/sync/lockdep.c): on by default, off with LOCKDEP=0
# (the benchmark kernel is built that way). $(BUILD)/kconfig records the
# setting so that changing it rebuilds everything.
LOCKDEP ?= 1
ifeq ($(LOCKDEP),1)
KCFLAGS += -DCONFIG_LOCKDEP
endif
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,arch/x86_64/linker.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments
ifneq ($(findstring clang,$(CC)),)
KLDFLAGS += -Wno-unused-command-line-argument
endif

.PHONY: all run run-iso run-uefi test test-host test-ktest test-qemu test-clang iso bench bench-boot bench-sched bench-rt bench-trace bench-kernel clean bootstrap FORCE
all: $(BUILD)/rayos.elf

$(BUILD)/k/%.c.o: %.c Makefile $(BUILD)/kconfig
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S Makefile $(BUILD)/kconfig
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# Two-pass link for the symbol table used by backtraces: pass 1 with an
# empty table, then the table generated from pass 1. .ksyms lies after
# .text, so no function moves between the passes (checked below).
$(BUILD)/ksyms0.S:
	@mkdir -p $(BUILD)
	printf '\t.section .ksyms, "a"\n\t.balign 8\n\t.globl ksyms_nr, ksyms_table, ksyms_names\nksyms_nr: .quad 0\nksyms_table:\nksyms_names: .byte 0\n' > $@

$(BUILD)/%.o: $(BUILD)/%.S
	$(CC) -c $< -o $@

$(BUILD)/rayos.pass1.elf: $(KOBJ) $(BUILD)/ksyms0.o arch/x86_64/linker.ld
	$(CC) $(KLDFLAGS) -o $@ $(KOBJ) $(BUILD)/ksyms0.o

$(BUILD)/ksyms.S: $(BUILD)/rayos.pass1.elf tools/gen-ksyms.sh
	NM=$(NM) sh tools/gen-ksyms.sh $< > $@

$(BUILD)/rayos.elf: $(BUILD)/rayos.pass1.elf $(BUILD)/ksyms.o
	$(CC) $(KLDFLAGS) -o $@ $(KOBJ) $(BUILD)/ksyms.o
	@$(NM) -n $< | grep -i ' t ' > $(BUILD)/syms.pass1
	@$(NM) -n $@ | grep -i ' t ' > $(BUILD)/syms.final
	@cmp -s $(BUILD)/syms.pass1 $(BUILD)/syms.final || \
		{ echo "ksyms: text moved between link passes"; rm -f $@; exit 1; }
	@echo "built $@"

-include $(KOBJ:.o=.d)

# Rewritten only when the kernel configuration changes (like iso-cmdline).
$(BUILD)/kconfig: FORCE
	@mkdir -p $(BUILD)
	@printf 'LOCKDEP=%s\n' "$(LOCKDEP)" | cmp -s - $@ 2>/dev/null || printf 'LOCKDEP=%s\n' "$(LOCKDEP)" > $@

# ---- running --------------------------------------------------------------
# TCG (no KVM), q35, 2 CPUs, 512 MiB; serial and QEMU monitor multiplexed on
# this terminal: Ctrl-A X quits, Ctrl-A C toggles the monitor, Ctrl-A Ctrl-A
# sends Ctrl-A (the shell's Home key) to the guest.
CMDLINE ?=
OVMF ?= /usr/share/ovmf/OVMF.fd
ISO := $(BUILD)/rayos.iso
QEMU_RUN_FLAGS := -machine q35 -accel tcg -smp 2 -m 512 -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
RUN_HELP := @echo "RayOS on QEMU (q35, TCG, 2 CPUs, 512 MiB), serial on this terminal." \
	"To quit QEMU: Ctrl-A then X. (Ctrl-A Ctrl-A sends Ctrl-A to the shell.)"

# make run boots with the initramfs (user/user.mk): /bin/<user programs>,
# Debian's busybox-static when installed. INIT=/bin/PROG adds init=PROG to
# the kernel command line (run PROG as PID 1 instead of the kernel shell).
INITRAMFS := $(BUILD)/initramfs.cpio
INIT ?=
RUN_APPEND := $(strip $(CMDLINE) $(if $(INIT),init=$(INIT)))

run: $(BUILD)/rayos.elf $(INITRAMFS)
	@sh tools/bootstrap.sh run
	$(RUN_HELP)
	$(QEMU) $(QEMU_RUN_FLAGS) -kernel $(BUILD)/rayos.elf -initrd $(INITRAMFS) -append "$(RUN_APPEND)"

run-iso: $(ISO)
	@sh tools/bootstrap.sh run
	$(RUN_HELP)
	$(QEMU) $(QEMU_RUN_FLAGS) -cdrom $(ISO) -boot d

run-uefi: $(ISO)
	@sh tools/bootstrap.sh run uefi
	$(RUN_HELP)
	$(QEMU) $(QEMU_RUN_FLAGS) -bios $(OVMF) -cdrom $(ISO) -boot d

# ---- ISO: GRUB (i386-pc + x86_64-efi), multiboot2 ---------------------------
iso: $(ISO)

$(ISO): $(BUILD)/rayos.elf tools/mkiso.sh $(BUILD)/iso-cmdline
	@sh tools/bootstrap.sh iso
	@sh tools/mkiso.sh $(BUILD)/rayos.elf $@ "$(CMDLINE)"

# Rewritten only when CMDLINE changes, so the ISO is rebuilt exactly then.
$(BUILD)/iso-cmdline: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' "$(CMDLINE)" | cmp -s - $@ 2>/dev/null || printf '%s\n' "$(CMDLINE)" > $@

FORCE:

# ---- tests ----------------------------------------------------------------
# make test runs test-host, test-ktest, test-clang, test-qemu in this order,
# each to its end, then fails if any failed. Every QEMU a test starts runs
# under TCG with a timeout and is killed when its test ends.
KTEST_MACHINES ?= q35:4 microvm:2
CLANG_BUILD ?= build/clang
TEST_LOGS := $(BUILD)/test-logs
# Backstop for the whole pytest run, in seconds (each wait has its own timeout).
TEST_TIMEOUT ?= 900
PYTEST_ARGS ?=

test:
	@sh tools/bootstrap.sh test
	@start=$$(date +%s); failed=""; \
	for t in test-host test-ktest test-clang test-user-host test-qemu; do \
		echo "==== make $$t"; \
		$(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
	done; \
	secs=$$(( $$(date +%s) - start )); \
	if [ -n "$$failed" ]; then echo "==== make test: FAILED:$$failed ($${secs}s)"; exit 1; fi; \
	echo "==== make test: all passed ($${secs}s)"

# In-kernel tests: boot with ktest=all on each machine, parse the KTAP.
test-ktest: $(BUILD)/rayos.elf
	@sh tools/bootstrap.sh ktest
	@$(PYTHON) -B tools/ktest.py --kernel $(BUILD)/rayos.elf \
		$(addprefix --machine ,$(KTEST_MACHINES)) --log-dir $(TEST_LOGS)

# The kernel must build with clang too; its ktests must pass on q35.
test-clang:
	@sh tools/bootstrap.sh clang ktest
	@$(MAKE) --no-print-directory CC=clang BUILD=$(CLANG_BUILD) all
	@$(PYTHON) -B tools/ktest.py --kernel $(CLANG_BUILD)/rayos.elf --machine q35 \
		--log-dir $(CLANG_BUILD)/test-logs

# Integration tests over the serial console (tests/qemu, pytest + pexpect).
test-qemu: $(BUILD)/rayos.elf $(ISO)
	@sh tools/bootstrap.sh pytest
	@RAYOS_KERNEL=$(abspath $(BUILD)/rayos.elf) RAYOS_ISO=$(abspath $(ISO)) \
	RAYOS_LOG_DIR=$(abspath $(TEST_LOGS)) QEMU=$(QEMU) \
		timeout --kill-after=30 $(TEST_TIMEOUT) $(PYTHON) -B -m pytest tests/qemu $(PYTEST_ARGS)

# ---- benchmarks (not part of make test) ------------------------------------
# `make bench` runs every bench-* target listed as its prerequisite; add
# more with `bench: bench-NAME`.
# Benchmarks run a kernel of their own, built without the lock checker in
# $(BENCH_BUILD) (so the normal build is left alone).
BENCH_RUNS ?= 11
BENCH_BUILD ?= build/bench
BENCH_KERNEL := $(BENCH_BUILD)/rayos.elf
BENCH_SCHED_BOOTS ?= 3

bench: bench-boot bench-sched bench-rt bench-trace bench-mm bench-user

bench-kernel:
	@$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) LOCKDEP=0 all

# Boot time: BENCH_RUNS boots on q35 (TCG); median/min/max of
# rayos_boot_seconds and of host wall time from QEMU start to the prompt.
bench-boot: bench-kernel
	@sh tools/bootstrap.sh bench
	@$(PYTHON) -B tools/bench-boot.py --kernel $(BENCH_KERNEL) --runs $(BENCH_RUNS)

# Tracepoint cost: BENCH_TRACE_BOOTS boots (q35, TCG, -smp 2), the in-kernel
# `trace bench` in each; ns per call disabled and enabled, as medians.
BENCH_TRACE_BOOTS ?= 3
bench-trace: bench-kernel
	@sh tools/bootstrap.sh bench
	@$(PYTHON) -B tools/bench-trace.py --kernel $(BENCH_KERNEL) --boots $(BENCH_TRACE_BOOTS)

# Scheduler and lock costs: BENCH_SCHED_BOOTS boots each with -smp 2 and
# -smp 1 (q35, TCG), the in-kernel `bench sched` in each; a table of medians.
bench-sched: bench-kernel
	@sh tools/bootstrap.sh bench
	@$(PYTHON) -B tools/bench-sched.py --kernel $(BENCH_KERNEL) --boots $(BENCH_SCHED_BOOTS)

# Real-time figures (issue 6): wake-up latency (min/avg/max, idle and with a
# busy thread per CPU) on RayOS (`rt latency`) and on Debian's Linux
# (user/rtlat.c), BENCH_RT_BOOTS alternate boots each (q35, TCG, -smp 2,
# 256 MiB), medians and ratios; then the scheduler's cost per decision
# (bench/sched/bench_pick.c, hosted; BENCH_RT_ROUNDS rounds, instructions
# per decision when valgrind is installed).
BENCH_RT_BOOTS ?= 3
BENCH_RT_SECONDS ?= 5
BENCH_RT_ROUNDS ?= 9
bench-rt: bench-kernel $(BUILD)/user/rtlat $(BENCH_PICK)
	@sh tools/bootstrap.sh bench linux
	@$(PYTHON) -B tools/bench-rt.py --boots $(BENCH_RT_BOOTS) --seconds $(BENCH_RT_SECONDS) \
		--rounds $(BENCH_RT_ROUNDS) --rayos $(BENCH_KERNEL) --rtlat $(BUILD)/user/rtlat \
		--pick $(BENCH_PICK)

bootstrap:
	sh tools/bootstrap.sh all

clean:
	rm -rf $(BUILD)

# Hosted unit tests (tests/host/host.mk defines test-host).
-include tests/host/host.mk
ifeq ($(wildcard tests/host/host.mk),)
test-host:
	@echo "test-host: no hosted unit tests (tests/host/host.mk does not exist)"
endif

# Hosted allocator benchmarks against glibc, jemalloc and mimalloc.
include bench/mm/bench.mk

# Hosted scheduler decision cost (bench-rt's second half).
include bench/sched/bench.mk

# User programs (musl-gcc -static), the initramfs, their host tests and bench.
include user/user.mk
