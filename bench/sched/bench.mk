# bench.mk — the hosted half of `make bench-rt`: bench/sched/bench_pick.c,
# the scheduler's cost per decision. Included from the top-level Makefile.
#
# The kernel's portable scheduler sources are compiled unchanged with the
# kernel's code-generation flags (freestanding, -O2, no sanitizers; minus
# -mcmodel=kernel and the SSE ban, which only matter in the kernel image),
# the driver as an ordinary host program. tools/bench-rt.py runs it (and
# valgrind on it for instruction counts).

BENCH_SCHED_CC ?= gcc
BENCH_SCHED_DIR := $(BUILD)/bench-sched
BENCH_PICK := $(BENCH_SCHED_DIR)/bench_pick
BENCH_SCHED_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude
BENCH_SCHED_KFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin-printf -fno-stack-protector \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude
BENCH_SCHED_KSRC := kernel/sched/core_rq.c kernel/sched/deadline.c kernel/sched/rt.c \
	kernel/sched/stride.c kernel/sched/fair.c kernel/sched/idle.c \
	lib/rbtree.c lib/string.c lib/random.c
# lib/string.c only for RayOS's own helpers (strlcpy ...): libc keeps mem*/str*
$(BENCH_SCHED_DIR)/obj/lib/string.o: BENCH_SCHED_KFLAGS += -DRAYOS_HOSTED
BENCH_SCHED_KOBJ := $(patsubst %.c,$(BENCH_SCHED_DIR)/obj/%.o,$(BENCH_SCHED_KSRC))

$(BENCH_SCHED_DIR)/obj/%.o: %.c bench/sched/bench.mk $(wildcard include/rayos/*.h) \
		$(wildcard kernel/sched/*.h)
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $<"
	@$(BENCH_SCHED_CC) $(BENCH_SCHED_KFLAGS) -c $< -o $@

$(BENCH_PICK): bench/sched/bench_pick.c $(BENCH_SCHED_KOBJ) bench/sched/bench.mk
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $@"
	@$(BENCH_SCHED_CC) $(BENCH_SCHED_CFLAGS) -o $@ bench/sched/bench_pick.c $(BENCH_SCHED_KOBJ)
