# bench.mk — `make bench-mm`: the heap and page-allocator microbenchmark
# (bench/mm/bench_mm.c) for RayOS's mm/ code against glibc malloc, jemalloc
# and mimalloc. Not a test. Included from the top-level Makefile.
#
# One program per allocator, so the malloc libraries never meet in one
# process: bench-mm-rayos compiles the kernel's mm/slab.c, mm/pool.c,
# mm/page_alloc.c, mm/buddy.c, mm/bootmem.c and obs/metrics.c unchanged,
# with -O2 and no sanitizers, against bench/mm/rayos_host.c; the others
# link the same driver with glibc, -ljemalloc or -lmimalloc (Debian
# libjemalloc-dev, libmimalloc-dev). The kernel sources are compiled with
# the kernel's code-generation flags (freestanding), the driver and the
# host glue as ordinary programs. bench/mm/run.sh runs them and prints
# the table. BENCH_MM_ROUNDS (default 9): rounds in which every allocator
# runs every scenario once, interleaved; the median over rounds is
# reported. BENCH_MM_ARGS restricts the scenarios (e.g. "cache64 remote").
# Then, when valgrind is installed and BENCH_MM_INSNS is not 0, a second
# table of instructions per pair (bench/mm/insns.sh): repeatable where the
# timings are noisy.

BENCH_MM_CC ?= gcc
BENCH_MM_ROUNDS ?= 9
BENCH_MM_ARGS ?=
BENCH_MM_INSNS ?= 1
BENCH_MM_DIR := $(BUILD)/bench-mm
BENCH_MM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Ibench/mm -pthread
# the kernel sources get the kernel's code generation (see KCFLAGS), minus
# what only makes sense in the kernel image (-mcmodel=kernel, no SSE)
BENCH_MM_KFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin-printf -fno-stack-protector \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude
BENCH_MM_KSRC := mm/slab.c mm/pool.c mm/page_alloc.c mm/buddy.c mm/bootmem.c obs/metrics.c \
	obs/histogram.c obs/trace.c kernel/time.c lib/string.c
# lib/string.c only for RayOS's own helpers (strlcpy ...): libc keeps mem*/str*
$(BENCH_MM_DIR)/obj/lib/string.o: BENCH_MM_KFLAGS += -DRAYOS_HOSTED
BENCH_MM_KOBJ := $(patsubst %.c,$(BENCH_MM_DIR)/obj/%.o,$(BENCH_MM_KSRC))

$(BENCH_MM_DIR)/obj/%.o: %.c bench/mm/bench.mk $(wildcard include/rayos/*.h)
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $<"
	@$(BENCH_MM_CC) $(BENCH_MM_KFLAGS) -c $< -o $@
BENCH_MM_LIBS_glibc :=
BENCH_MM_LIBS_jemalloc := -ljemalloc
BENCH_MM_LIBS_mimalloc := -lmimalloc

$(BENCH_MM_DIR)/bench-mm-rayos: bench/mm/bench_mm.c bench/mm/rayos_host.c bench/mm/rayos_host.h \
		$(BENCH_MM_KOBJ) bench/mm/bench.mk
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $@"
	@$(BENCH_MM_CC) $(BENCH_MM_CFLAGS) -DALLOC_RAYOS -o $@ bench/mm/bench_mm.c bench/mm/rayos_host.c \
		$(BENCH_MM_KOBJ)

$(BENCH_MM_DIR)/bench-mm-%: bench/mm/bench_mm.c bench/mm/bench.mk
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $@"
	@$(BENCH_MM_CC) $(BENCH_MM_CFLAGS) -DALLOC_NAME='"$*"' -o $@ bench/mm/bench_mm.c \
		$(BENCH_MM_LIBS_$*) -ldl

BENCH_MM_BINS := $(addprefix $(BENCH_MM_DIR)/bench-mm-,rayos glibc jemalloc mimalloc)

.PHONY: bench-mm
bench-mm:
	@sh tools/bootstrap.sh bench
	@$(MAKE) --no-print-directory $(BENCH_MM_BINS)
	@sh bench/mm/run.sh $(BENCH_MM_DIR) $(BENCH_MM_ROUNDS) $(BENCH_MM_ARGS)
	@if [ "$(BENCH_MM_INSNS)" != 0 ]; then echo; sh bench/mm/insns.sh $(BENCH_MM_DIR) $(BENCH_MM_ARGS); fi
