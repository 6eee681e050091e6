#!/bin/sh
# run.sh DIR ROUNDS [SCENARIO...] — runs the bench-mm programs built in DIR
# (one per allocator: rayos, glibc, jemalloc, mimalloc) and prints one
# table: ns per alloc+free pair, the median over ROUNDS rounds with the
# min-max range, and each allocator's median relative to RayOS's.
#
# The machines are shared and noisy, so the allocators are interleaved: in
# every round each program runs once (a warm-up pass and one measured pass
# per scenario), starting with a different allocator each round; noise
# that comes and goes then hits all four alike.
set -eu
dir=$1
rounds=$2
shift 2
out=$(mktemp "${TMPDIR:-/tmp}/bench-mm.XXXXXX")
trap 'rm -f "$out"' EXIT
allocs="rayos glibc jemalloc mimalloc"
r=0
while [ "$r" -lt "$rounds" ]; do
	r=$((r + 1))
	printf 'bench-mm: round %d of %d\r' "$r" "$rounds" >&2
	order=$(echo $allocs $allocs | awk -v k=$(( (r - 1) % 4 )) '{ for (i = 1; i <= 4; i++) printf "%s ", $(i + k) }')
	for a in $order; do
		BENCH_MM_RUNS=1 "$dir/bench-mm-$a" "$@" >>"$out" 2>/dev/null || {
			echo "bench-mm: $dir/bench-mm-$a failed" >&2
			BENCH_MM_RUNS=1 "$dir/bench-mm-$a" "$@" >/dev/null
			exit 1
		}
	done
done
echo >&2
echo "RayOS heap and page allocator vs glibc malloc, jemalloc, mimalloc"
echo "ns per alloc+free pair: median of $rounds interleaved rounds [min-max]; x = median / RayOS median"
echo "($(uname -m), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); RayOS: mm/ compiled -O2 into a user program)"
echo
awk '
function median(s, a,    n, i, j, t, v) {
	n = cnt[s, a]
	for (i = 1; i <= n; i++) v[i] = val[s, a, i]
	for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	lo[s, a] = v[1]; hi[s, a] = v[n]
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
$1 == "RESULT" {
	s = $2; a = $3
	if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
	val[s, a, ++cnt[s, a]] = $4
}
END {
	split("rayos glibc jemalloc mimalloc", al, " ")
	desc["cache64"] = "64 B object, alloc+free (RayOS: kmem_cache)"
	desc["kmalloc64"] = "64 B kmalloc/malloc + free"
	desc["kmalloc1k"] = "1 KiB kmalloc/malloc + free"
	desc["batch1000"] = "1000 x 64 B allocs, then 1000 frees"
	desc["mix"] = "random sizes 8 B-8 KiB, 4096 slots"
	desc["remote"] = "64 B alloc on one thread, free on another"
	desc["page0"] = "one page (RayOS: alloc_pages; aligned_alloc)"
	desc["pagemix"] = "orders 0-4 at random, 512 slots"
	printf "%-46s", "scenario"
	for (i = 1; i <= 4; i++) printf " %26s", al[i]
	printf "\n"
	for (k = 1; k <= ns; k++) {
		s = order[k]
		for (i = 1; i <= 4; i++) if (cnt[s, al[i]]) med[s, al[i]] = median(s, al[i])
		printf "%-46s", (s in desc) ? desc[s] : s
		for (i = 1; i <= 4; i++) {
			a = al[i]
			if (!cnt[s, a]) { printf " %26s", "-"; continue }
			cell = sprintf("%.1f [%.1f-%.1f]", med[s, a], lo[s, a], hi[s, a])
			if (a != "rayos" && med[s, "rayos"] > 0)
				cell = sprintf("%s %.2fx", cell, med[s, a] / med[s, "rayos"])
			printf " %26s", cell
		}
		printf "\n"
	}
}' "$out"
