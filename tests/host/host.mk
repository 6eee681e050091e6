# host.mk — builds and runs the hosted unit tests (`make test-host`).
#
# Every tests/host/test_NAME.c is a cmocka program. Its sibling
# tests/host/test_NAME.srcs lists, one per line, the kernel source files
# (repo-root paths) it is compiled with; blank lines and text after '#' are
# ignored. tests/host/shim.c, the host stand-in for arch code and the console,
# is linked into every test. New tests are picked up automatically.
#
# Tests are built with the host compiler (HOSTCC, default gcc; never the
# kernel's $(CC)) with AddressSanitizer and UBSan, and everything goes under
# $(BUILD)/host/. Each test runs as its own make target (so `make -j` runs
# them in parallel) and leaves NAME.log and NAME.result; a test that does not
# build gets no .result and counts as failed. tests/host/run-tests.sh runs one
# test and prints the summary.

HOSTCC ?= gcc
HOST_BUILD := $(BUILD)/host
HOST_CFLAGS := -std=gnu11 -g -O1 -DRAYOS_HOSTED -Iinclude -Itests/host \
	-Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -MMD -MP
HOST_LDFLAGS := -fsanitize=address,undefined
HOST_LDLIBS := -lcmocka

HOST_TESTS := $(patsubst tests/host/%.c,%,$(sort $(wildcard tests/host/test_*.c)))
HOST_TEST_BINS := $(addprefix $(HOST_BUILD)/,$(HOST_TESTS))

# Kernel sources named in a .srcs file (comments and blank lines dropped).
host_srcs_of = $(shell sed -e 's/\#.*//' $(1) 2>/dev/null)
host_objs_of = $(patsubst %,$(HOST_BUILD)/obj/%.o,tests/host/$(1).c tests/host/shim.c \
	$(call host_srcs_of,tests/host/$(1).srcs))

$(HOST_BUILD)/obj/%.c.o: %.c tests/host/host.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

# One link rule per test: its own object, the shim, and its .srcs objects.
# A missing .srcs file makes that test fail to build.
define host_test_rule
$(HOST_BUILD)/$(1): $(call host_objs_of,$(1)) tests/host/$(1).srcs
	@echo "  HOSTLD  $$@"
	@$(HOSTCC) $(HOST_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(HOST_LDLIBS)
HOST_OBJS += $(call host_objs_of,$(1))
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

$(HOST_BUILD)/%.result: $(HOST_BUILD)/% tests/host/run-tests.sh
	@sh tests/host/run-tests.sh run $< $@

.PHONY: test-host host-build host-run
host-build: $(HOST_TEST_BINS)
host-run: $(HOST_TEST_BINS:=.result)

# Bootstrap (gcc, libcmocka-dev), then build and run everything that builds
# (-k), then the summary, which fails if any test failed or did not build.
test-host:
	@sh tools/bootstrap.sh host
	@start=$$(date +%s.%N); mkdir -p $(HOST_BUILD); rm -f $(HOST_BUILD)/*.result; \
	$(MAKE) -k --no-print-directory host-run; \
	sh tests/host/run-tests.sh summary $(HOST_BUILD) "$$start" $(HOST_TESTS)

-include $(sort $(HOST_OBJS:.o=.d))
