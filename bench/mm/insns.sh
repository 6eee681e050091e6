#!/bin/sh
# insns.sh DIR [SCENARIO...] — instructions executed per alloc+free pair,
# for each bench-mm program in DIR and each scenario, counted by valgrind
# (callgrind, collection switched on only inside the scenario's function:
# --toggle-collect=run_SCENARIO). Unlike wall-clock time this count is
# repeatable on a busy shared machine; it does not see cache misses or
# lock contention, so it complements the timing table, it does not replace
# it. The remote-free scenario is left out: valgrind runs threads one at a
# time, so its count would be mostly the threads waiting for each other.
set -eu
dir=$1
shift
command -v valgrind >/dev/null 2>&1 || { echo "(valgrind not installed: no instruction counts)"; exit 0; }
scen=${*:-cache64 kmalloc64 kmalloc1k batch1000 mix page0 pagemix}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-mm-insns.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for a in rayos glibc jemalloc mimalloc; do
	for s in $scen; do
		[ "$s" = remote ] && continue
		printf 'bench-mm: counting instructions: %s %s        \r' "$a" "$s" >&2
		BENCH_MM_RUNS=1 BENCH_MM_SCALE=${BENCH_MM_INSNS_SCALE:-0.02} \
			valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect="run_$s" \
			"$dir/bench-mm-$a" "$s" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg" | head -n 1)
		pairs=$(awk '$1 == "RESULT" { print $7 }' "$tmp/out")
		# the function ran twice: a warm-up pass and the measured pass
		echo "$s $a $ir $pairs" >>"$tmp/all"
	done
done
echo >&2
echo "Instructions per alloc+free pair (valgrind callgrind, inside the scenario only)"
echo
awk '
{ s = $1; a = $2; if (!(s in seen)) { seen[s] = 1; order[++ns] = s }; v[s, a] = $3 / (2 * $4) }
END {
	split("rayos glibc jemalloc mimalloc", al, " ")
	printf "%-12s", "scenario"
	for (i = 1; i <= 4; i++) printf " %16s", al[i]
	printf "\n"
	for (k = 1; k <= ns; k++) {
		s = order[k]
		printf "%-12s", s
		for (i = 1; i <= 4; i++) {
			a = al[i]
			cell = sprintf("%.1f", v[s, a])
			if (a != "rayos" && v[s, "rayos"] > 0)
				cell = sprintf("%s %.2fx", cell, v[s, a] / v[s, "rayos"])
			printf " %16s", cell
		}
		printf "\n"
	}
}' "$tmp/all"
