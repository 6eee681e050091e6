#!/bin/sh
# run-tests.sh — runs the hosted unit tests for tests/host/host.mk.
#   run-tests.sh run BIN RESULT    run one cmocka program; its output goes to
#                                  BIN.log, "STATUS TESTS FAILED" to RESULT
#   run-tests.sh summary DIR START TEST...
#                                  one line per test (the log of each failed
#                                  one), a total, exit 1 if any failed or has
#                                  no RESULT (did not build)
set -u

case "$1" in
run)
	bin=$2 result=$3 log=$2.log
	# a hang (say, a deadlocked spinlock) fails the test instead of the run
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		timeout -k 5 "${HOST_TEST_TIMEOUT:-300}" "$bin" >"$log" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] && echo "run-tests.sh: timed out after ${HOST_TEST_TIMEOUT:-300}s" >>"$log"
	# cmocka: "[==========] N test(s) run." and "[  FAILED  ] N test(s), listed below:"
	n=$(sed -n 's/^\[==========\] \([0-9][0-9]*\) test(s) run\.$/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:$/\1/p' "$log" | tail -n 1)
	echo "$rc ${n:-0} ${f:-0}" >"$result"
	[ "$rc" -eq 0 ] && [ "${f:-0}" -eq 0 ] && [ "${n:-0}" -gt 0 ] && echo "  PASS    ${bin##*/}" \
		|| echo "  FAIL    ${bin##*/}"
	exit 0
	;;
summary)
	dir=$2 start=$3
	shift 3
	progs=0 failed="" cases=0 failed_cases=0
	echo "---- hosted unit tests"
	for t in "$@"; do
		progs=$((progs + 1))
		if [ ! -f "$dir/$t.result" ]; then
			failed="$failed $t"
			printf '  FAIL    %-18s did not build\n' "$t"
			continue
		fi
		read -r rc n f <"$dir/$t.result"
		cases=$((cases + n))
		failed_cases=$((failed_cases + f))
		if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$n" -gt 0 ]; then
			printf '  PASS    %-18s %3d tests\n' "$t" "$n"
		else
			failed="$failed $t"
			printf '  FAIL    %-18s %3d tests, %d failed, exit status %d; log %s:\n' \
				"$t" "$n" "$f" "$rc" "$dir/$t.log"
			grep -v '^\[       OK \]\|^\[ RUN      \]' "$dir/$t.log" | tail -n 60 | sed 's/^/    | /'
		fi
	done
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	if [ -z "$failed" ]; then
		echo "test-host: all $progs programs passed, $cases tests (${secs}s)"
		exit 0
	fi
	echo "test-host: FAILED:$failed ($failed_cases of $cases tests failed; $progs programs; ${secs}s)"
	exit 1
	;;
*)
	echo "usage: run-tests.sh run BIN RESULT | summary DIR START TEST..." >&2
	exit 2
	;;
esac
