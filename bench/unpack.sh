#!/usr/bin/env bash
# Pull-and-unpack benchmark: berth vs docker pull vs parallel GNU tar, side
# by side in one hyperfine run.
#
# A generated image (BENCH_SIZE of content that compresses about 2.5x with
# gzip, like executables, in BENCH_LAYERS layers of BENCH_FILES files each;
# 300MB in 2 layers of 1000 files by default, about 125 MB compressed) is
# pushed to Debian's docker-registry on loopback. A private dockerd (Debian's
# docker.io, overlay2, its own data root, exec root and socket under a
# temporary directory, no bridge, no iptables) is started. Then hyperfine
# times, cold each run:
#
#   berth   bin/berth --root DIR pull -q REF     (DIR removed before each run;
#                                                 berth unpacks layers while
#                                                 they download)
#   docker  docker pull -q REF                   (image removed, and checked
#                                                 that no image or overlay2
#                                                 layer is left, before each run)
#   tar     tar -xzf LAYER -C DIR, one per layer, in parallel: the practical
#           floor of unpacking the same gzip blobs, with no transfer and no
#           digest checks (DIRs emptied before each run)
#
# The registry's blobs and the tar floor's copies of them are read from the
# page cache after the warm-up run; caches are not dropped. Nothing is
# fsynced by the tar floor. Results (hyperfine JSON, CSV and Markdown, and a
# summary with the medians and ratios) go to bench/results/ (gitignored).
#
# Runs as root (dockerd needs it). Needs bin/berth (make build),
# docker-registry, skopeo, docker.io, hyperfine, GNU tar and gzip
# (make bench-deps), and go.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
berth_bin=${BERTH:-$repo/bin/berth}
runs=${BENCH_RUNS:-10}
layers=${BENCH_LAYERS:-2}
size=${BENCH_SIZE:-300MB}
files=${BENCH_FILES:-1000}
seed=${BENCH_SEED:-1}
results=${BENCH_RESULTS:-$repo/bench/results}

if [[ $(id -u) != 0 ]]; then
	echo "bench: unpack.sh must run as root: it starts dockerd, and unpacking sets owners" >&2
	exit 1
fi
for tool in docker-registry skopeo dockerd hyperfine tar gzip go awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found (run make bench-deps)" >&2; exit 1; }
done
[[ -x $berth_bin ]] || { echo "bench: $berth_bin not found (run make build)" >&2; exit 1; }
# shellcheck source=bench/dockerd.sh
source "$repo/bench/dockerd.sh"
docker_find || exit 1

# shellcheck source=scripts/registry.sh
source "$repo/scripts/registry.sh"

# Not on tmpfs: overlay2 needs a data root on a filesystem overlayfs accepts
# as upper layer, and the comparison should write to the same disk for all.
work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bench-unpack.XXXXXX")
docker_dir=$work/docker

cleanup() {
	docker_stop
	registry_stop
	unmount_under "$work"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

registry_start "$work/registry"
ref=$REGISTRY_HOST/bench/unpack:latest
echo "registry: http://$REGISTRY_HOST"

(cd "$repo" && go build -o "$work/mkimage" ./bench/mkimage)
"$work/mkimage" -layers "$layers" -size "$size" -content binary -files "$files" -seed "$seed" -ref "$ref"

# The tar floor's input: the same gzip blobs, fetched once.
skopeo copy -q --src-tls-verify=false "docker://$ref" "dir:$work/blobs"
mapfile -t layer_digests < <(
	tr -d ' \n\t' <"$work/blobs/manifest.json" |
		grep -o '"layers":\[.*\]' | grep -o 'sha256:[0-9a-f]\{64\}'
)
[[ ${#layer_digests[@]} == "$layers" ]] || {
	echo "bench: found ${#layer_digests[@]} layers in the manifest, want $layers" >&2
	exit 1
}
compressed=0
for d in "${layer_digests[@]}"; do
	compressed=$((compressed + $(stat -c %s "$work/blobs/${d#sha256:}")))
done

docker_start "$docker_dir" || exit 1
driver=$("$docker_bin" info --format '{{.Driver}}')
[[ $driver == overlay2 ]] || { echo "bench: dockerd uses $driver, want overlay2" >&2; exit 1; }
decompressor="Go's compress/gzip"
command -v unpigz >/dev/null && decompressor="unpigz (found on PATH)"

q() { printf '%q' "$1"; }

berth_root=$work/berth-root
tar_dirs=()
tar_command=""
for i in "${!layer_digests[@]}"; do
	tar_dirs+=("$work/tar/$i")
	tar_command+="tar -xzf $(q "$work/blobs/${layer_digests[i]#sha256:}") -C $(q "$work/tar/$i") & p$i=\$!; "
done
# Wait for every tar, then fail if any failed.
tar_status="true"
for i in "${!layer_digests[@]}"; do
	tar_command+="wait \$p$i; s$i=\$?; "
	tar_status+=" && [ \$s$i = 0 ]"
done
tar_command+=$tar_status
tar_prepare="rm -rf $(q "$work/tar") && mkdir -p"
for d in "${tar_dirs[@]}"; do
	tar_prepare+=" $(q "$d")"
done
docker_cmd="$(q "$docker_bin")"
# Cold for docker: no image, and no overlay2 layer directory (only the "l"
# directory of short links) left from the previous run.
docker_prepare="$docker_cmd rmi -f $(q "$ref") >/dev/null 2>&1 || true; \
test -z \"\$($docker_cmd image ls -aq)\" && \
test -z \"\$(ls -A $(q "$docker_dir/data/overlay2") | grep -vx l)\""

mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$results/unpack-$stamp

load_before=$(cut -d" " -f1-3 /proc/loadavg)
hyperfine --warmup 1 --runs "$runs" \
	--export-json "$out.json" --export-csv "$out.csv" --export-markdown "$out.md" \
	--command-name berth --prepare "rm -rf $(q "$berth_root")" \
	"$(q "$berth_bin") --root $(q "$berth_root") pull -q $(q "$ref")" \
	--command-name docker --prepare "$docker_prepare" \
	"$docker_cmd pull -q $(q "$ref")" \
	--command-name tar --prepare "$tar_prepare" \
	"$tar_command"

# Each unpacked the same files: compare the file count of the last run.
count_files() { find "$@" -type f | wc -l; }
berth_files=$(count_files "$berth_root")
tar_files=$(count_files "${tar_dirs[@]}")
want_files=$((layers * files))
[[ $tar_files == "$want_files" ]] || { echo "bench: tar unpacked $tar_files files, want $want_files" >&2; exit 1; }
[[ $berth_files -ge $want_files ]] || { echo "bench: berth's root holds $berth_files files, want at least $want_files" >&2; exit 1; }

# The CSV's columns: command,mean,stddev,median,user,system,min,max (seconds).
{
	echo "pull and unpack of $ref: $layers layers of $files files, $size of binary-like content (seed $seed), $compressed bytes compressed; $runs runs, cold"
	echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "peers: $("$docker_bin" version --format 'dockerd {{.Server.Version}}') (overlay2, decompressing with $decompressor), $(tar --version | head -1), $(hyperfine --version)"
	echo "load average before the run: $load_before"
	awk -F, '
		NR == 1 { next }
		{ median[$1] = $4; printf "%-7s median %.3f s  (min %.3f, max %.3f)\n", $1, $4, $7, $8 }
		END {
			printf "ratio berth/docker (median): %.2f  (target <= 0.55)\n", median["berth"] / median["docker"]
			printf "ratio berth/tar    (median): %.2f  (target <= 1.10)\n", median["berth"] / median["tar"]
			printf "ratio docker/tar   (median): %.2f\n", median["docker"] / median["tar"]
		}' "$out.csv"
} | tee "$out.txt"
echo "results: $out.{json,csv,md,txt}"
