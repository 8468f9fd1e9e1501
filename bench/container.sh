#!/usr/bin/env bash
# Container benchmarks: berth against docker (and podman, runc and unshare),
# side by side in one hyperfine run each.
#
#   bench/container.sh run        run --rm --network none IMAGE true, one at a time:
#                                   berth    bin/berth --root DIR run --rm --network none IMAGE true
#                                   docker   docker run --rm --network none IMAGE true
#                                   podman   podman --runtime runc ... run --rm --network none
#                                            --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 IMAGE true
#                                   runc     runc run --bundle BUNDLE ID  (a bundle of the same image)
#                                   unshare  unshare -pfmnui --fork true  (the floor: namespaces, no image)
#                                   bare     bench/bareruntime ROOTFS DIR /bin/true (the least a Go
#                                            program does: namespaces, the image's overlay, pivot_root)
#                                   bare+imports  the same, linked with berth's packages (not called)
#                                   go-start  bench/bareruntime -start (a small Go program starts, exits)
#                                   berth-start  bin/berth version (the CLI starts, prints its version, exits)
#                                 and, derived, the least a berth doing only bare's work would
#                                 take: berth-start + (bare - go-start)
#   bench/container.sh detached   BENCH_CONTAINERS (100) `run -d IMAGE sleep` started at
#                                 once (xargs -P), berth vs docker: wall time; then host
#                                 memory per running container beyond the containers' own
#                                 processes (MemAvailable plus the per-CPU free page lists,
#                                 once it has settled, before and after, minus the sleep
#                                 processes' PSS, divided by the count), with the drift of
#                                 MemAvailable over an idle window of the same kind as a
#                                 yardstick of the noise, and where it went: the engine's
#                                 processes' PSS, kernel slab, stacks, page tables and
#                                 per-CPU memory, and Shmem
#   bench/container.sh exec       exec NAME true in a running container, berth vs docker
#   bench/container.sh all        the three, sharing one dockerd
#
# Every engine runs the same image: bench/mkbusybox builds it from Debian's
# busybox-static into berth's store and saves it as a docker save archive,
# which docker load and podman load read; runc's bundle is a copy of berth's
# mounted image with `runc spec`'s config (terminal off, args ["true"]).
# Nothing global is used: berth gets a root, dockerd its own data root, exec
# root, pidfile and socket (overlay2, no bridge, no iptables), podman its own
# --root, --runroot and --tmpdir, runc its own --root, all under a temporary
# directory on disk, which is unmounted and deleted at the end, with every
# container, dockerd and the cgroup and run directories the peers created.
#
# Docker's containers are removed one at a time: dockerd 20.10 deadlocks
# when `docker rm -f` removes a hundred at once.
#
# Results (hyperfine JSON, CSV and Markdown, and a summary with medians,
# ratios and targets) go to bench/results/ (gitignored). Knobs: BENCH_RUNS
# (10 timed runs per command), BENCH_CONTAINER_RUNS (timed runs of run and
# exec, which take milliseconds; BENCH_RUNS when unset), BENCH_CONTAINERS
# (100), BENCH_MEM_RUNS (3 memory measurements per engine, the median
# reported).
#
# Runs as root. Needs bin/berth (make build) with its run, exec, ps and rm
# commands, docker.io, podman, runc, util-linux's unshare, hyperfine and
# busybox-static (make bench-deps), and go.
set -euo pipefail

usage() {
	echo "usage: $0 run|detached|exec|all" >&2
	exit 2
}
[[ $# == 1 ]] || usage
mode=$1
case $mode in
run | detached | exec | all) ;;
*) usage ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
berth_bin=${BERTH:-$repo/bin/berth}
runs=${BENCH_RUNS:-10}
quick_runs=${BENCH_CONTAINER_RUNS:-$runs}
count=${BENCH_CONTAINERS:-100}
mem_runs=${BENCH_MEM_RUNS:-3}
results=${BENCH_RESULTS:-$repo/bench/results}
image="berth-bench/busybox:latest"

if [[ $(id -u) != 0 ]]; then
	echo "bench: container.sh must run as root: containers and dockerd need it" >&2
	exit 1
fi
tools=(dockerd hyperfine go awk xargs pgrep)
[[ $mode == run || $mode == all ]] && tools+=(podman runc unshare)
for tool in "${tools[@]}"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found (run make bench-deps)" >&2; exit 1; }
done
[[ -x $berth_bin ]] || { echo "bench: $berth_bin not found (run make build)" >&2; exit 1; }
for cmd in run exec ps rm; do
	help=$("$berth_bin" "$cmd" --help 2>/dev/null || true)
	[[ $help == *$'\n  berth '"$cmd"* ]] ||
		{ echo "bench: $berth_bin has no \"$cmd\" command (rebuild with make build)" >&2; exit 1; }
done
# shellcheck source=bench/dockerd.sh
source "$repo/bench/dockerd.sh"
docker_find || exit 1

# Not on tmpfs: overlay2 and podman's overlay need an upper layer on a
# filesystem overlayfs accepts, and every engine should write to one disk.
work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bench-container.XXXXXX")
# The berth measured is an installed copy of the binary, as a user runs
# it. A file the Go linker has just written stays slower to map until the
# kernel drops its inode: every start and exit of bin/berth fresh from
# make build took 0.7-1.2 ms more than the same bytes copied with cp (or
# read back after drop_caches), measured side by side (BENCHMARKS.md).
install -m 0755 "$berth_bin" "$work/berth-bin"
berth_bin=$work/berth-bin
berth_root=$work/berth
docker_dir=$work/docker
podman_dir=$work/podman
runc_root=$work/runc
bundle=$work/bundle

q() { printf '%q' "$1"; }
berth=("$berth_bin" --root "$berth_root")
docker=("$docker_bin")
podman=(podman --root "$podman_dir/root" --runroot "$podman_dir/run" --tmpdir "$podman_dir/tmp"
	--runtime runc --cgroup-manager cgroupfs --events-backend file --storage-driver overlay)
# The same commands as text, for hyperfine's shell.
berth_cmd=$(q "$berth_bin")" --root $(q "$berth_root")"
docker_cmd=$(q "$docker_bin")
podman_cmd=""
for word in "${podman[@]}"; do podman_cmd+="$(q "$word") "; done

# Directories outside the work directory that the peers create and leave:
# podman's run directories (and the image cache of podman load), the
# docker and libpod_parent cgroups. Whichever did not exist before is
# removed at the end.
global_dirs=(/run/containers /run/libpod /var/lib/containers)
cgroup_parents=(docker libpod_parent)
created_before=()
for d in "${global_dirs[@]}"; do
	[[ -e $d ]] && created_before+=("$d")
done
for p in "${cgroup_parents[@]}"; do
	for d in /sys/fs/cgroup/*/"$p"; do
		[[ -d $d ]] && created_before+=("$d")
	done
done
existed_before() {
	local d
	for d in "${created_before[@]}"; do
		[[ $d == "$1" ]] && return 0
	done
	return 1
}

# berth_monitor_pids: the berth monitor of our root, if it runs.
berth_monitor_pids() {
	local f
	for f in /proc/[0-9]*/environ; do
		if grep -qzxF "_BERTH_ROOT=$berth_root" "$f" 2>/dev/null &&
			grep -qzxF "_BERTH_REEXEC=monitor" "$f" 2>/dev/null; then
			f=${f#/proc/}
			echo "${f%/environ}"
		fi
	done
}

remove_berth_containers() {
	[[ -d $berth_root ]] || return 0
	local ids
	mapfile -t ids < <("${berth[@]}" ps -aq 2>/dev/null)
	[[ ${#ids[@]} == 0 ]] || "${berth[@]}" rm -f "${ids[@]}" >/dev/null
}

# remove_docker_containers removes them one at a time: dockerd 20.10
# deadlocks in its network release when `docker rm -f` removes many
# containers at once (the CLI sends the removals in parallel).
remove_docker_containers() {
	[[ -n $docker_pid ]] || return 0
	local ids id
	mapfile -t ids < <(timeout 30 "${docker[@]}" ps -aq 2>/dev/null)
	for id in "${ids[@]}"; do
		timeout 60 "${docker[@]}" rm -f "$id" >/dev/null || return 1
	done
}

# docker_kill_leftovers kills what a stuck dockerd left of our containers:
# their processes (found through their cgroups) and their shims.
docker_kill_leftovers() {
	local dir id f shims
	for dir in "$docker_dir"/data/containers/*/; do
		id=$(basename "$dir")
		for f in /sys/fs/cgroup/*/docker/"$id"/cgroup.procs; do
			[[ -f $f ]] && xargs -r kill -KILL <"$f" 2>/dev/null
		done
	done
	mapfile -t shims < <(pgrep -f "containerd-shim-runc-v2 .*-address $docker_dir/")
	[[ ${#shims[@]} == 0 ]] || kill -KILL "${shims[@]}" 2>/dev/null
	sleep 0.5
	for dir in "$docker_dir"/data/containers/*/; do
		id=$(basename "$dir")
		for f in /sys/fs/cgroup/*/docker/"$id"; do
			[[ -d $f ]] && rmdir "$f" 2>/dev/null
		done
	done
	return 0
}

cleanup() {
	set +e
	remove_berth_containers
	# The monitor exits once it has watched nothing for 2 s; stop it sooner
	# if it lingers, so nothing keeps the root busy.
	local i pid
	for ((i = 0; i < 50; i++)); do
		[[ -z $(berth_monitor_pids) ]] && break
		sleep 0.1
	done
	for pid in $(berth_monitor_pids); do kill -KILL "$pid"; done
	remove_docker_containers
	docker_stop
	docker_kill_leftovers
	if [[ -d $podman_dir/root ]]; then
		"${podman[@]}" rm -af -t 0 >/dev/null 2>&1
	fi
	if [[ -d $runc_root ]]; then
		for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
			runc --root "$runc_root" delete -f "$id"
		done
	fi
	unmount_under "$work"
	rm -rf "$work"
	local d p
	for p in "${cgroup_parents[@]}"; do
		for d in /sys/fs/cgroup/*/"$p"; do
			[[ -d $d ]] && ! existed_before "$d" && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
	for d in "${global_dirs[@]}"; do
		[[ -e $d ]] && ! existed_before "$d" && rm -rf "$d"
	done
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The image, in berth's store and as an archive for docker and podman.
(cd "$repo" && go build -o "$work/mkbusybox" ./bench/mkbusybox)
image_id=$("$work/mkbusybox" -root "$berth_root" -tag "$image" -save "$work/busybox.tar")
echo "image: $image ($image_id), from $(readlink -f /bin/busybox)"

docker_start "$docker_dir" || exit 1
"${docker[@]}" load -q -i "$work/busybox.tar" >/dev/null
[[ $("${docker[@]}" image inspect -f '{{.ID}}' "$image") == "$image_id" ]] ||
	{ echo "bench: docker loaded another image ID than berth stored" >&2; exit 1; }

mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# machine_notes [PEERS]: the machine, and the versions of dockerd, PEERS
# and hyperfine.
machine_notes() {
	echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "peers: $("${docker[@]}" version --format 'dockerd {{.Server.Version}}') (overlay2, cgroupfs), ${1:+$1, }$(hyperfine --version)"
}

# Each hyperfine summary line: NAME median (min, max), from the CSV
# (columns: command,mean,stddev,median,user,system,min,max, in seconds).
medians() {
	awk -F, 'NR > 1 { printf "%-12s median %8.2f ms  (min %.2f, max %.2f)\n", $1, $4 * 1000, $7 * 1000, $8 * 1000 }' "$1"
}

# ratio CSV A B TARGET: the median ratio A/B, and whether it meets TARGET
# (empty: no target).
ratio() {
	awk -F, -v a="$2" -v b="$3" -v target="$4" '
		NR > 1 { median[$1] = $4 }
		END {
			r = median[a] / median[b]
			line = sprintf("ratio %s/%s (median): %.3f", a, b, r)
			if (target != "")
				line = line sprintf("  (target <= %s: %s)", target, r <= target ? "met" : "MISSED")
			print line
		}' "$1"
}

# bound CSV: the least a berth that did no more than bareruntime would take,
# its CLI's start and end plus bareruntime's work (bare less go-start), as a
# ratio to the floor (unshare).
bound() {
	awk -F, '
		NR > 1 { median[$1] = $4 }
		END {
			b = median["berth-start"] + median["bare"] - median["go-start"]
			printf "bound berth-start + bare - go-start: %.2f ms, %.3f times unshare\n", b * 1000, b / median["unshare"]
		}' "$1"
}

# --- run ------------------------------------------------------------------

bench_run() {
	echo "== run --rm --network none $image true"
	mkdir -p "$podman_dir"
	"${podman[@]}" load -q -i "$work/busybox.tar" >/dev/null

	# runc's bundle: berth's mounted image copied, and runc spec's config
	# with the terminal off and args ["true"].
	local mnt
	mnt=$("${berth[@]}" image mount "$image")
	mkdir -p "$bundle/rootfs" "$runc_root"
	cp -a "$mnt/." "$bundle/rootfs/"
	"${berth[@]}" image unmount "$image" >/dev/null
	(cd "$bundle" && runc spec)
	sed -i -e 's/"terminal": true/"terminal": false/' -e '/"args": \[/,/\]/ s/"sh"/"true"/' "$bundle/config.json"
	if ! grep -q '"terminal": false' "$bundle/config.json" || ! grep -q '"true"' "$bundle/config.json"; then
		echo "bench: could not edit runc spec's config.json" >&2
		exit 1
	fi

	# Two references between the floor and berth (bench/bareruntime): the
	# least a Go program does to run the command in the image's overlay,
	# and the same program linked with berth's packages, never called.
	# Static, as make build's berth, and installed copies, as berth's.
	local bare=$work/bareruntime bare_imports=$work/bareruntime-imports
	(cd "$repo" && CGO_ENABLED=0 go build -o "$bare.new" ./bench/bareruntime &&
		CGO_ENABLED=0 go build -tags berthimports -o "$bare_imports.new" ./bench/bareruntime)
	install -m 0755 "$bare.new" "$bare"
	install -m 0755 "$bare_imports.new" "$bare_imports"
	rm "$bare.new" "$bare_imports.new"
	mkdir -p "$work/bare"
	local bare_args
	bare_args="$(q "$bundle/rootfs") $(q "$work/bare") /bin/true"

	local podman_run
	podman_run="${podman_cmd}run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 $(q "$image") true"
	local out=$results/container-run-$stamp load_before
	load_before=$(cut -d" " -f1-3 /proc/loadavg)
	# No shell (-N): the floor takes about 2 ms, too little for hyperfine
	# to subtract a shell's start reliably. runc run deletes its container
	# when the process exits; the prepare step deletes one a failed run
	# may have left, so the ID can be the same every run.
	hyperfine -N --warmup 3 --runs "$quick_runs" \
		--export-json "$out.json" --export-csv "$out.csv" --export-markdown "$out.md" \
		--command-name berth --prepare true "$berth_cmd run --rm --network none $(q "$image") true" \
		--command-name docker --prepare true "$docker_cmd run --rm --network none $(q "$image") true" \
		--command-name podman --prepare true "$podman_run" \
		--command-name runc --prepare "sh -c $(q "runc --root $(q "$runc_root") delete -f berth-bench 2>/dev/null; true")" \
		"runc --root $(q "$runc_root") run --bundle $(q "$bundle") berth-bench" \
		--command-name unshare --prepare true "unshare -pfmnui --fork true" \
		--command-name bare --prepare true "$(q "$bare") $bare_args" \
		--command-name bare+imports --prepare true "$(q "$bare_imports") $bare_args" \
		--command-name go-start --prepare true "$(q "$bare") -start" \
		--command-name berth-start --prepare true "$berth_cmd version"
	[[ -z $("${berth[@]}" ps -aq) ]] || { echo "bench: berth run --rm left containers" >&2; exit 1; }
	[[ -z $("${docker[@]}" ps -aq) ]] || { echo "bench: docker run --rm left containers" >&2; exit 1; }
	[[ -z $(runc --root "$runc_root" list -q) ]] || { echo "bench: runc run left containers" >&2; exit 1; }
	[[ -z $(ls -A "$work/bare") ]] || { echo "bench: bareruntime left directories" >&2; exit 1; }

	{
		echo "run --rm --network none $image true, one at a time; $quick_runs runs, 3 warm-up"
		machine_notes "$(podman --version) (runc), runc $(runc --version | awk 'NR == 1 { print $3 }'), $(unshare --version)"
		echo "load average before the run: $load_before"
		medians "$out.csv"
		ratio "$out.csv" berth docker 0.05
		ratio "$out.csv" berth unshare 3
		ratio "$out.csv" berth podman ""
		ratio "$out.csv" berth runc ""
		ratio "$out.csv" bare unshare ""
		ratio "$out.csv" bare+imports unshare ""
		ratio "$out.csv" berth bare+imports ""
		ratio "$out.csv" berth-start unshare ""
		bound "$out.csv"
	} | tee "$out.txt"
	echo "results: $out.{json,csv,md,txt}"
}

# --- detached -------------------------------------------------------------

# write_reset ENGINE FILE: a script that checks that none or all $count of
# ENGINE's containers run, then removes them all (hyperfine's --prepare).
write_reset() {
	local cmd remove
	case $1 in
	berth)
		cmd=$berth_cmd
		remove="ids=\$($cmd ps -aq); [ -z \"\$ids\" ] || $cmd rm -f \$ids >/dev/null"
		;;
	docker)
		cmd=$docker_cmd
		# One at a time: see remove_docker_containers.
		remove="for id in \$($cmd ps -aq); do $cmd rm -f \"\$id\" >/dev/null; done"
		;;
	esac
	cat >"$2" <<EOF
#!/bin/sh
set -e
n=\$($cmd ps -q | wc -l)
[ "\$n" = 0 ] || [ "\$n" = $count ] || { echo "$1: \$n containers running, want 0 or $count" >&2; exit 1; }
$remove
[ -z "\$($cmd ps -aq)" ]
EOF
	chmod +x "$2"
}

# start_detached ENGINE ARG: $count `run -d IMAGE sleep ARG` at once.
start_detached() {
	local -n cli=$1
	seq "$count" | xargs -P "$count" -I{} "${cli[@]}" run -d --network none "$image" sleep "$2" >/dev/null
}

# mem_available_kb: MemAvailable plus the free pages the page allocator
# keeps on its per-CPU lists. Those are free memory too, but MemAvailable
# (through MemFree) leaves them out, and the kernel sizes the lists to the
# allocation rate: they grew by 20 to 120 MB here while 100 containers
# started, which read as 0.2 to 1.2 MB per container of memory that no
# container held.
mem_available_kb() { echo $(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) + $(pcp_free_kb))); }

# pcp_free_kb: the free pages on the page allocator's per-CPU lists, kB.
pcp_free_kb() { awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo; }

# settle_memory: wait (at most 60 s) until mem_available_kb moves by less
# than 1 MB in 2 s, so the kernel's deferred freeing of the last round's
# containers is not counted in this one.
settle_memory() {
	local a b i
	a=$(mem_available_kb)
	for ((i = 0; i < 30; i++)); do
		sleep 2
		b=$(mem_available_kb)
		((b - a < 1024 && a - b < 1024)) && return
		a=$b
	done
}

# settled_mem_available_kb: the median of 9 samples of mem_available_kb
# over 2 s.
settled_mem_available_kb() {
	local i
	for ((i = 0; i < 9; i++)); do
		mem_available_kb
		sleep 0.25
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# meminfo_kb FIELD...: the fields' values in /proc/meminfo, space-separated.
meminfo_kb() {
	local f out=""
	for f in "$@"; do
		out+="$(awk -v k="$f:" '$1 == k { print $2 }' /proc/meminfo) "
	done
	echo "${out% }"
}

# pss_rss_kb PID...: the summed PSS and RSS (kB) of the processes.
pss_rss_kb() {
	local p pss=0 rss=0 a b
	for p in "$@"; do
		read -r a b < <(awk '/^Pss:/ { p = $2 } /^Rss:/ { r = $2 } END { print p + 0, r + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
		pss=$((pss + a))
		rss=$((rss + b))
	done
	echo "$pss $rss"
}

# engine_pids ENGINE: the host processes an engine keeps for its containers:
# berth's monitor; dockerd, its containerd and their shims.
engine_pids() {
	case $1 in
	berth) berth_monitor_pids ;;
	docker)
		echo "$docker_pid"
		pgrep -P "$docker_pid" -x containerd || true
		pgrep -f "containerd-shim.*$docker_dir/" || true
		;;
	esac
}

# Kernel memory that containers cost without a process to show it in:
# namespaces, mounts, cgroups (slab, per-CPU), thread stacks, page tables.
kernel_fields=(Slab KernelStack PageTables Percpu)

# measure_memory ENGINE ARG MEMINFO: one measurement with $count `sleep ARG`
# containers of ENGINE; the change of every /proc/meminfo field is appended
# to the file MEMINFO. Prints, per container in kB: the MemAvailable drop
# minus the sleep processes' PSS; their PSS; their RSS; the change in the
# engine's processes' PSS; in the kernel's ${kernel_fields[*]}; in Shmem
# (tmpfs and memfd pages). ENGINE "idle" starts nothing and waits 5 s: the
# drift of MemAvailable on this machine over such a window, / $count.
measure_memory() {
	local engine=$1 arg=$2 meminfo=$3 i
	[[ $engine == idle ]] || "$work/reset-$engine"
	sleep 3 # let the berth monitor exit, dockerd settle
	settle_memory
	local before engine_before kernel_before shmem_before engine_procs=()
	[[ $engine == idle ]] || mapfile -t engine_procs < <(engine_pids "$engine")
	engine_before=$(pss_rss_kb "${engine_procs[@]}")
	kernel_before=$(meminfo_kb "${kernel_fields[@]}")
	shmem_before=$(meminfo_kb Shmem)
	before=$(settled_mem_available_kb)
	cp /proc/meminfo "$work/meminfo.before"
	local pcp_before
	pcp_before=$(pcp_free_kb)

	local pids=() n
	if [[ $engine == idle ]]; then
		sleep 5
	else
		start_detached "$engine" "$arg"
		for ((i = 0; i < 100; i++)); do
			n=$(pgrep -x -f "sleep $arg" | wc -l)
			[[ $n == "$count" ]] && break
			sleep 0.1
		done
		[[ $n == "$count" ]] || { echo "bench: $n of $count $engine containers run sleep $arg" >&2; exit 1; }
		sleep 2
	fi
	local after own engine_after kernel_after shmem_after
	after=$(settled_mem_available_kb)
	{
		echo "$engine, $count containers: change of /proc/meminfo (kB)"
		awk 'NR == FNR { before[$1] = $2; next } $2 != before[$1] { printf "  %-18s %+10d\n", $1, $2 - before[$1] }' \
			"$work/meminfo.before" /proc/meminfo
		printf "  %-18s %+10d\n" "per-CPU free lists" $(($(pcp_free_kb) - pcp_before))
	} >>"$meminfo"
	[[ $engine == idle ]] || mapfile -t pids < <(pgrep -x -f "sleep $arg")
	own=$(pss_rss_kb "${pids[@]}")
	[[ $engine == idle ]] || mapfile -t engine_procs < <(engine_pids "$engine")
	engine_after=$(pss_rss_kb "${engine_procs[@]}")
	kernel_after=$(meminfo_kb "${kernel_fields[@]}")
	shmem_after=$(meminfo_kb Shmem)
	[[ $engine == idle ]] || "$work/reset-$engine"
	awk -v n="$count" -v before="$before" -v after="$after" -v own="$own" \
		-v eb="$engine_before" -v ea="$engine_after" -v kb="$kernel_before" -v ka="$kernel_after" \
		-v sb="$shmem_before" -v sa="$shmem_after" 'BEGIN {
		split(own, o, " "); split(eb, e0, " "); split(ea, e1, " ")
		k = split(kb, k0, " "); split(ka, k1, " ")
		for (i = 1; i <= k; i++) kernel += k1[i] - k0[i]
		printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", (before - after - o[1]) / n, o[1] / n, o[2] / n,
			(e1[1] - e0[1]) / n, kernel / n, (sa - sb) / n
	}'
}

bench_detached() {
	echo "== $count detached containers at once"
	write_reset berth "$work/reset-berth"
	write_reset docker "$work/reset-docker"
	printf '#!/bin/sh\n%q && %q\n' "$work/reset-berth" "$work/reset-docker" >"$work/reset-all"
	chmod +x "$work/reset-all"
	local out=$results/container-detached-$stamp load_before
	load_before=$(cut -d" " -f1-3 /proc/loadavg)
	hyperfine --warmup 1 --runs "$runs" \
		--export-json "$out.json" --export-csv "$out.csv" --export-markdown "$out.md" \
		--cleanup "$work/reset-all" \
		--command-name berth --prepare "$work/reset-berth" \
		"seq $count | xargs -P $count -I{} $berth_cmd run -d --network none $(q "$image") sleep 100000 2>>$(q "$out.berth.stderr")" \
		--command-name docker --prepare "$work/reset-docker" \
		"seq $count | xargs -P $count -I{} $docker_cmd run -d --network none $(q "$image") sleep 100000 2>>$(q "$out.docker.stderr")" ||
		{ echo "bench: a run -d failed; its errors are in $out.*.stderr" >&2; exit 1; }

	# Memory: the idle drift, berth, docker, BENCH_MEM_RUNS rounds; one
	# sleep argument per engine finds its containers' processes.
	local engine r arg
	: >"$out.mem"
	for ((r = 0; r < mem_runs; r++)); do
		for engine in idle berth docker; do
			arg=1000001
			[[ $engine == docker ]] && arg=1000002
			echo "$engine $(measure_memory "$engine" "$arg" "$out.meminfo")" | tee -a "$out.mem"
		done
	done

	{
		echo "$count x run -d --network none $image sleep, started at once (xargs -P $count); $runs runs, 1 warm-up"
		machine_notes
		echo "load average before the run: $load_before"
		awk -F, 'NR > 1 { printf "%-8s median %8.3f s  (min %.3f, max %.3f)\n", $1, $4, $7, $8 }' "$out.csv"
		ratio "$out.csv" berth docker 0.05
		echo "memory per running container, kB, median of $mem_runs (all runs in brackets):"
		echo "  beyond = MemAvailable drop minus the sleep processes' PSS, / $count; idle = MemAvailable drift with nothing started, / $count"
		awk -v kernel="${kernel_fields[*]}" '
			{ e = $1; k = ++n[e]; for (f = 2; f <= 7; f++) v[e, f, k] = $f }
			function median(e, f,   i, j, t, a, k) {
				k = n[e]
				for (i = 1; i <= k; i++) a[i] = v[e, f, i]
				for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
				return a[int((k + 1) / 2)]
			}
			function all(e, f,   i, s) { for (i = 1; i <= n[e]; i++) s = s (i > 1 ? " " : "") v[e, f, i]; return s }
			END {
				printf "  idle    drift %d kB [%s]\n", median("idle", 2), all("idle", 2)
				split("berth docker", engines, " ")
				for (i = 1; i <= 2; i++) {
					e = engines[i]
					printf "  %-7s beyond %d kB [%s]; own PSS %d, RSS %d; engine processes PSS %+d [%s]; kernel (%s) %+d [%s]; Shmem %+d [%s]\n",
						e, median(e, 2), all(e, 2), median(e, 3), median(e, 4), median(e, 5), all(e, 5),
						kernel, median(e, 6), all(e, 6), median(e, 7), all(e, 7)
					m[e] = median(e, 2)
				}
				if (m["docker"] > 0)
					printf "ratio berth/docker (memory beyond own processes): %.3f\n", m["berth"] / m["docker"]
				printf "berth beyond own processes: %.2f MB (target <= 0.5 MB: %s)\n", m["berth"] / 1024, m["berth"] <= 512 ? "met" : "MISSED"
			}' "$out.mem"
	} | tee "$out.txt"
	echo "results: $out.{json,csv,md,mem,meminfo,txt}"
}

# --- exec -----------------------------------------------------------------

bench_exec() {
	echo "== exec NAME true in a running container"
	"${berth[@]}" run -d --network none --name bench-exec "$image" sleep 100000 >/dev/null
	"${docker[@]}" run -d --network none --name bench-exec "$image" sleep 100000 >/dev/null
	local out=$results/container-exec-$stamp load_before
	load_before=$(cut -d" " -f1-3 /proc/loadavg)
	hyperfine --warmup 3 --runs "$quick_runs" \
		--export-json "$out.json" --export-csv "$out.csv" --export-markdown "$out.md" \
		--command-name berth "$berth_cmd exec bench-exec true" \
		--command-name docker "$docker_cmd exec bench-exec true"
	"${berth[@]}" rm -f bench-exec >/dev/null
	"${docker[@]}" rm -f bench-exec >/dev/null
	{
		echo "exec bench-exec true in a running sleep container ($image); $quick_runs runs, 3 warm-up"
		machine_notes
		echo "load average before the run: $load_before"
		medians "$out.csv"
		ratio "$out.csv" berth docker 0.1
	} | tee "$out.txt"
	echo "results: $out.{json,csv,md,txt}"
}

case $mode in
run) bench_run ;;
detached) bench_detached ;;
exec) bench_exec ;;
all)
	bench_run
	bench_exec
	bench_detached
	;;
esac
