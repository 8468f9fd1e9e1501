#!/usr/bin/env bash
# Pull benchmark: berth vs skopeo, side by side in one hyperfine run.
#
# A generated image (BENCH_SIZE of random, incompressible bytes in
# BENCH_LAYERS gzip layers; 128MB in 4 by default) is pushed to Debian's
# docker-registry on loopback, then hyperfine times, cold each run:
#
#   berth   bin/berth --root DIR pull -q REF          (DIR removed before each run)
#   skopeo  skopeo copy docker://REF oci:DIR:latest   (DIR removed before each run)
#
# Both transfer and verify every blob and write it to disk; neither unpacks
# layers. Results (hyperfine JSON, CSV and Markdown, and a summary) go to
# bench/results/ (gitignored). Needs bin/berth (make build), docker-registry,
# skopeo and hyperfine (make bench-deps), and go.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
berth_bin=${BERTH:-$repo/bin/berth}
runs=${BENCH_RUNS:-10}
layers=${BENCH_LAYERS:-4}
size=${BENCH_SIZE:-128MB}
seed=${BENCH_SEED:-1}
results=${BENCH_RESULTS:-$repo/bench/results}

for tool in docker-registry skopeo hyperfine go awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found (run make bench-deps)" >&2; exit 1; }
done
[[ -x $berth_bin ]] || { echo "bench: $berth_bin not found (run make build)" >&2; exit 1; }

# shellcheck source=scripts/registry.sh
source "$repo/scripts/registry.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
cleanup() {
	registry_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

registry_start "$work/registry"
ref=$REGISTRY_HOST/bench/big:latest
echo "registry: http://$REGISTRY_HOST"

(cd "$repo" && go build -o "$work/mkimage" ./bench/mkimage)
"$work/mkimage" -layers "$layers" -size "$size" -seed "$seed" -ref "$ref"

berth_root=$work/berth-root
oci_dir=$work/oci
q() { printf '%q' "$1"; }

mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$results/pull-$stamp

load_before=$(cut -d" " -f1-3 /proc/loadavg)
hyperfine --warmup 1 --runs "$runs" \
	--export-json "$out.json" --export-csv "$out.csv" --export-markdown "$out.md" \
	--command-name berth --prepare "rm -rf $(q "$berth_root")" \
	"$(q "$berth_bin") --root $(q "$berth_root") pull -q $(q "$ref")" \
	--command-name skopeo --prepare "rm -rf $(q "$oci_dir")" \
	"skopeo copy -q --src-tls-verify=false $(q "docker://$ref") $(q "oci:$oci_dir:latest")"

# The CSV's columns: command,mean,stddev,median,user,system,min,max (seconds).
{
	echo "pull of $ref ($layers layers, $size random content, seed $seed), $runs runs, cold"
	echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
	echo "load average before the run: $load_before"
	awk -F, '
		NR == 1 { next }
		{ median[$1] = $4; printf "%-7s median %.3f s  (min %.3f, max %.3f)\n", $1, $4, $7, $8 }
		END {
			if (median["skopeo"] > 0)
				printf "ratio berth/skopeo (median): %.2f\n", median["berth"] / median["skopeo"]
		}' "$out.csv"
} | tee "$out.txt"
echo "results: $out.{json,csv,md,txt}"
