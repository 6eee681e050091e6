#!/bin/sh
# test-user-host.sh BINDIR — runs the user programs on this host's Linux
# (they are static musl binaries with the Linux x86_64 ABI, so a pass here
# checks the programs themselves): systest (all tests must pass), demo
# ("demo: all ok") and a short fuzz run (its summary line), each in a fresh
# temporary directory, each bounded by a timeout. Exit status 0 when all
# three pass; prints one line per program.
set -u
bin=$(cd "${1:?usage: test-user-host.sh BINDIR}" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/rayos-user-host.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
failed=""

timeout 180 "$bin/systest" < /dev/null > systest.out 2>&1
rc=$?
grep '^not ok' systest.out
summary=$(grep '^systest:' systest.out | tail -1)
echo "test-user-host: ${summary:-systest: no summary} (exit $rc)"
case $summary in *" 0 failed") [ $rc -eq 0 ] || failed="$failed systest" ;; *) failed="$failed systest" ;; esac

timeout 60 "$bin/demo" < /dev/null > demo.out 2>&1
rc=$?
last=$(tail -1 demo.out)
echo "test-user-host: $last (exit $rc)"
[ $rc -eq 0 ] && [ "$last" = "demo: all ok" ] || { grep FAILED demo.out; failed="$failed demo"; }

seed=${FUZZ_SEED:-$(date +%s)}
timeout 120 "$bin/fuzz" "$seed" "${FUZZ_ITERS:-3000}" < /dev/null > fuzz.out 2>&1
rc=$?
line=$(grep '^fuzz: [0-9]* calls' fuzz.out)
echo "test-user-host: ${line:-fuzz: no summary} (exit $rc)"
[ $rc -eq 0 ] && [ -n "$line" ] || failed="$failed fuzz"

if [ -n "$failed" ]; then
	echo "test-user-host: FAILED:$failed"
	exit 1
fi
echo "test-user-host: all passed"
