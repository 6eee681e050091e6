# RayOS — top-level build.
#   make            build/rayos.elf (the kernel, with symbols)
#   make run        boot it in QEMU on this terminal (Ctrl-A X quits)
#   make test       every test: hosted unit tests, in-kernel ktest, pytest
#   make iso        build/rayos.iso (GRUB, BIOS and UEFI)
#   make bench      benchmarks (boot time, ...)
#   make CC=clang   build with clang instead of gcc
# Missing Debian packages are installed by tools/bootstrap.sh (apt-get),
# which says what it installs.

CC := $(if $(filter default,$(origin CC)),gcc,$(CC))
NM ?= nm
BUILD ?= build
QEMU ?= qemu-system-x86_64
PYTHON ?= /usr/bin/python3

KDIRS := arch/x86_64 kernel lib obs shell drivers mm
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
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,arch/x86_64/linker.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

.PHONY: all run test test-host test-ktest test-qemu iso bench clean bootstrap
all: $(BUILD)/rayos.elf

$(BUILD)/k/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S Makefile
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

QEMU_RUN_FLAGS := -machine q35 -smp 2 -m 512 -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

run: $(BUILD)/rayos.elf
	@sh tools/bootstrap.sh run
	$(QEMU) $(QEMU_RUN_FLAGS) -kernel $(BUILD)/rayos.elf

bootstrap:
	sh tools/bootstrap.sh all

clean:
	rm -rf $(BUILD)

# Hosted unit tests (tests/host/host.mk defines test-host).
-include tests/host/host.mk
